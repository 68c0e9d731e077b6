package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
)

func mustWrite(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readManifest(t *testing.T, root, id string) *command.Manifest {
	t.Helper()
	m, err := command.ReadManifest(filepath.Join(root, "multirun", id, command.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMultirunTwoSeeds sweeps sim.seed over two values: two run
// directories on stdout in sweep order, each with its own seed, and both
// in the manifest.
func TestMultirunTwoSeeds(t *testing.T) {
	bundle, trace := syntheticBundle(t)
	out := t.TempDir()
	stdout, stderr, st := runTool(t, "-m", "sim.seed=7,8", "vidur.profiling.root="+bundle, "workload.trace_replay_file="+trace,
		"output_root="+out, "--sweep-id=seeds")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	dirs := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(dirs) != 2 || dirs[0] == dirs[1] {
		t.Fatalf("stdout %q: want two directories", stdout)
	}
	m := readManifest(t, out, "seeds")
	for i, seed := range []string{"7", "8"} {
		run, err := artifacts.ReadRunDir(dirs[i])
		if err != nil {
			t.Fatal(err)
		}
		if run.Meta.Counts.Completed != 3 {
			t.Errorf("job %d: %+v", i, run.Meta.Counts)
		}
		cfg, err := os.ReadFile(filepath.Join(dirs[i], artifacts.ConfigFile))
		if err != nil || !strings.Contains(string(cfg), "seed: "+seed+"\n") {
			t.Errorf("job %d's config.yaml lacks seed %s: %v\n%s", i, seed, err, cfg)
		}
		j := m.Jobs[i]
		if j.State != command.StateSucceeded || *j.Status != 0 || j.OutputDir != dirs[i] || j.Overrides[0] != "sim.seed="+seed {
			t.Errorf("manifest job %d: %+v", i, j)
		}
	}
	if len(m.Jobs) != 2 || m.State != command.StateFinished || m.Tool != "vidur-sim" {
		t.Errorf("manifest %+v", m)
	}
}

// TestMultirunFailedJob: a job whose trace is missing fails at run time;
// it is recorded with its status and error, the next job still runs, and
// the sweep exits 1.
func TestMultirunFailedJob(t *testing.T) {
	bundle, trace := syntheticBundle(t)
	out := t.TempDir()
	missing := filepath.Join(out, "missing.csv")
	stdout, stderr, st := runTool(t, "-m", "workload.trace_replay_file="+missing+","+trace, "vidur.profiling.root="+bundle,
		"output_root="+out, "--sweep-id=fail")
	if st != 1 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	dir := strings.TrimSuffix(stdout, "\n")
	if strings.Contains(dir, "\n") || !strings.HasPrefix(dir, filepath.Join(out, "vidur_runs")) {
		t.Fatalf("stdout %q: want the second job's directory alone", stdout)
	}
	if !strings.Contains(stderr, "vidur-sim: error: multirun: 1 of 2 jobs failed (job 1/2); manifest ") {
		t.Errorf("stderr lacks the sweep's summary:\n%s", stderr)
	}
	m := readManifest(t, out, "fail")
	bad, good := m.Jobs[0], m.Jobs[1]
	if bad.State != command.StateFailed || *bad.Status != 1 || bad.OutputDir != "" || !strings.Contains(bad.Error, "missing.csv") {
		t.Errorf("failed job: %+v", bad)
	}
	if good.State != command.StateSucceeded || *good.Status != 0 || good.OutputDir != dir {
		t.Errorf("second job: %+v", good)
	}
	if m.State != command.StateFinished {
		t.Errorf("manifest state %q", m.State)
	}
}
