package command

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// ManifestFile is the name of a sweep's record, written in
// <output_root>/multirun/<sweep_id>/.
const ManifestFile = "multirun.yaml"

// Manifest is what a sweep ran and how each job ended. It is rewritten
// after every job, so a sweep that dies still leaves its record so far.
type Manifest struct {
	Tool    string `yaml:"tool"`
	SweepID string `yaml:"sweep_id"`
	// Args is the sweep's command line after the program's name.
	Args []string `yaml:"args"`
	// State is running, finished (every job ran, some may have failed),
	// interrupted, or prepared (a Slurm script written, not submitted).
	State string `yaml:"state"`
	// Launcher is how the jobs ran; absent for one after another in the
	// sweep's own process.
	Launcher *LaunchRecord `yaml:"launcher,omitempty"`
	Jobs     []JobRecord   `yaml:"jobs"`
}

// LaunchRecord is a sweep's launcher= and launcher.* keys.
type LaunchRecord struct {
	Name string `yaml:"name"` // local, parallel or slurm
	// Jobs is the most jobs run at once: launcher.jobs, or the number of
	// CPUs; 0 for Slurm without launcher.jobs (the cluster decides).
	Jobs int      `yaml:"jobs"`
	Args []string `yaml:"args,omitempty"` // launcher.parallel_args or launcher.sbatch_args
	// SlurmJob is the id of the submitted job array.
	SlurmJob string `yaml:"slurm_job,omitempty"`
}

// JobRecord is one job of a manifest.
type JobRecord struct {
	Job       int      `yaml:"job"`
	Overrides []string `yaml:"overrides"`
	// State is pending, running, succeeded, failed or interrupted.
	State string `yaml:"state"`
	// Status is the job's exit status; absent until the job has ended.
	Status *int `yaml:"status,omitempty"`
	// OutputDir is the last non-empty line the job printed on stdout:
	// every tool prints its output directory last.
	OutputDir string `yaml:"output_dir"`
	// Error is the job's error line, without the `tool: error:` prefix.
	Error string `yaml:"error,omitempty"`
}

// Job and sweep states in a manifest.
const (
	StatePending     = "pending"
	StateRunning     = "running"
	StateSucceeded   = "succeeded"
	StateFailed      = "failed"
	StateInterrupted = "interrupted"
	StateFinished    = "finished"
	// StatePrepared is a sweep whose Slurm script was written, not
	// submitted (launcher.submit=false).
	StatePrepared = "prepared"
)

func newManifest(tool, id string, args []string, jobs []Job) *Manifest {
	m := &Manifest{Tool: tool, SweepID: id, Args: args, State: StateRunning}
	for _, j := range jobs {
		m.Jobs = append(m.Jobs, JobRecord{Job: j.Num, Overrides: j.Overrides, State: StatePending})
	}
	return m
}

// write replaces path atomically: a reader never sees half a manifest.
func (m *Manifest) write(path string) error {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2) // as config.yaml is indented
	if err := enc.Encode(m); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+ManifestFile+".*")
	if err != nil {
		return osError(err)
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed
	_, err = f.Write(b.Bytes())
	if err == nil {
		// CreateTemp's 0600 would hide the record from the rest of a team.
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	return osError(err)
}

// osError is err without the temporary file's name, which would be a
// second path in the caller's message: the caller names the manifest.
func osError(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// ReadManifest reads a sweep's multirun.yaml.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

// sweepID is a UTC timestamp and a short hash of the sweep's arguments,
// as DefaultID is for one run's configuration.
func sweepID(args []string) string {
	sum := sha256.Sum256([]byte(strings.Join(args, "\x00")))
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(sum[:])[:8]
}
