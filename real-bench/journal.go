package main

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/real-bench/internal/crash"
)

// baseMeta is run_meta.json's common part, the same at time 0 (the
// journal header) and at the end.
func baseMeta(cfg *Config, id string, w *artifacts.Workload, hashes map[string]string) *artifacts.RunMeta {
	return &artifacts.RunMeta{
		RunID: id, Kind: artifacts.KindReal, Backend: cfg.Backend.Name,
		Workload: artifacts.RunWorkload{WorkloadID: w.Meta.WorkloadID, Dir: cfg.Workload.WorkloadDir, Artifacts: hashes},
		Extra: map[string]any{
			"clock": "Go monotonic clock (time.Since), 0 = start of the replay after warm-up", "time_scale": cfg.TimeScale,
			"ignore_eos": cfg.IgnoreEOS, "tokenizer_check": cfg.TokenizerCheck, "warmup_requests": cfg.Warmup.Requests,
		},
	}
}

// runJournal is the crash journal of the run in progress (docs/real-bench.md):
// every request is appended as it ends, so a killed process loses only
// what was in flight.
type runJournal struct {
	w *artifacts.JournalWriter
	h artifacts.JournalHeader
}

// openJournal creates the journal in d and fills its header but for the
// start time. It runs before the clock starts: describing the backend and
// creating a file must not delay the first arrivals. The backend describes
// itself into a scratch directory that is thrown away; only its device,
// model and scheduler are kept (its counters mean nothing yet).
func openJournal(c *command.Context, d *artifacts.Dir, b Backend, meta *artifacts.RunMeta) (*runJournal, error) {
	t0 := *meta
	t0.Extra = maps.Clone(meta.Extra)
	scratch := &artifacts.Dir{Tmp: d.Path(".t0")}
	err := b.Describe(scratch, &t0)
	os.RemoveAll(scratch.Tmp)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	h := artifacts.JournalHeader{RunID: meta.RunID, PID: os.Getpid(), Host: host, WorkDir: wd, Batches: b.Batches(),
		ConfigYAML: string(c.Config.YAML()), Meta: *meta}
	h.Meta.Extra = maps.Clone(meta.Extra)
	h.Meta.Hardware, h.Meta.Device, h.Meta.Model, h.Meta.Scheduler = t0.Hardware, t0.Device, t0.Model, t0.Scheduler
	w, err := artifacts.CreateJournal(d.Path(artifacts.JournalFile))
	if err != nil {
		return nil, err
	}
	return &runJournal{w: w, h: h}, nil
}

// start writes the header once the clock has started: one write, no
// fsync on the replay's path (the journal syncs on its own goroutine).
func (j *runJournal) start(t0 time.Time) {
	j.h.Meta.StartedAt = t0.UTC().Format(time.RFC3339Nano)
	_ = j.w.WriteHeader(&j.h) // an error stays in the writer: finish reports it
}

// close closes the journal of a run whose replay ended, and returns a
// warning when the journal failed during the run. The file stays until
// the run's files are written (remove), so a run whose output cannot be
// written is not lost (keep).
func (j *runJournal) close() []string {
	if err := j.w.Close(); err != nil {
		return []string{fmt.Sprintf("the crash journal failed (%v): had the process died, requests after that point would have been lost", err)}
	}
	return nil
}

// remove deletes the journal of a run whose files are all written, before
// its directory is committed.
func (j *runJournal) remove() error {
	// The writer's own error was a warning at close; only the removal counts.
	if err := os.Remove(j.w.Path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// keep empties d of everything but a journal that holds the whole replay,
// and reports whether it did: the temporary directory then stays for
// recover=. A journal that failed is no record of the run; keep leaves
// it to go with the rest.
func (j *runJournal) keep(d *artifacts.Dir) bool {
	if j.w.Err() != nil {
		return false
	}
	ents, err := os.ReadDir(d.Tmp)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if e.Name() != artifacts.JournalFile {
			if err := os.RemoveAll(filepath.Join(d.Tmp, e.Name())); err != nil {
				return false
			}
		}
	}
	return true
}

// refuseCrashed stops a run whose run id belongs to a crashed run that was
// never recovered: starting over would bury its journal beside the new run.
// A default run id (a timestamp) is new by construction.
func refuseCrashed(cfg *Config) error {
	if cfg.RunID == "" {
		return nil
	}
	runs, err := crash.Find(filepath.Join(cfg.OutputRoot, "real_runs", cfg.RunID))
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r.Alive {
			continue
		}
		return command.Usage(fmt.Errorf("run %s crashed earlier: %s holds the journal of process %d, which is gone", r.Header.RunID, r.Dir, r.Header.PID),
			fmt.Sprintf("recover it with: real-bench recover=%s output_root=%s (or delete %s to start over)", r.Header.RunID, cfg.OutputRoot, r.Dir))
	}
	return nil
}

// finalOf is the run directory a temporary directory was made for.
func finalOf(tmpDir, runID string) string { return filepath.Join(filepath.Dir(tmpDir), runID) }
