package main

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/real-bench/internal/crash"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

// notFinishedReason is the failure_reason of every request a crash cut off.
const notFinishedReason = "not finished before the crash"

// recoverRun turns a crashed run's journal (recover=<run id or temporary
// directory>) into its run directory with status crashed: every journaled
// request as it was recorded, every other workload request failed. The
// crashed run's own configuration, saved in the journal, governs; of this
// command line only recover, output_root and overwrite count.
func recoverRun(c *command.Context, cfg *Config) error {
	cr, err := findCrashed(cfg)
	if err != nil {
		return err
	}
	h := cr.Header
	j, err := artifacts.ReadJournalFile(cr.Journal)
	if err != nil {
		return err
	}
	w, err := crashedWorkload(h)
	if err != nil {
		return err
	}
	d, err := artifacts.CreateDir(finalOf(cr.Dir, h.RunID), cfg.Overwrite)
	if err != nil {
		return err
	}
	defer d.Abort()
	old, err := savedConfig(d, h)
	if err != nil {
		return err
	}
	rec := record.New(w.Requests, old.TimeScale)
	for i := range j.Requests {
		if err := rec.Restore(&j.Requests[i]); err != nil {
			return fmt.Errorf("%s: %w", cr.Journal, err)
		}
	}
	for _, b := range j.Batches {
		rec.Batch(b)
	}
	cut := rec.Finish(notFinishedReason)
	meta := crashedMeta(h, j, cr.Journal, cut)
	rw, err := artifacts.NewRunWriter(d, true, h.Batches)
	if err != nil {
		return err
	}
	rec.Write(rw)
	if err := rw.Close(meta); err != nil {
		return err
	}
	if err := artifacts.WriteServing(d, meta, old.SLO.Artifacts()); err != nil {
		return err
	}
	if err := d.Commit(); err != nil {
		return err
	}
	// The run directory is in place: the journal has served.
	if err := os.RemoveAll(cr.Dir); err != nil {
		c.Warnf("recovered, but %s could not be removed: %v", cr.Dir, err)
	}
	for _, wn := range meta.Warnings {
		c.Warnf("%s", wn)
	}
	c.Infof("%s: %d requests (%d completed before the crash, %d failed) over %.1f s (%s)",
		meta.Status, meta.Counts.Requests, meta.Counts.Completed, meta.Counts.Failed, meta.Duration, meta.Backend)
	fmt.Fprintln(c.Stdout, d.Final)
	return nil
}

// findCrashed resolves recover= to one crashed run: a temporary directory
// holding a journal, or the run id of exactly one such directory under
// output_root; its process must be gone.
func findCrashed(cfg *Config) (*crash.Run, error) {
	v := cfg.Recover
	var cr *crash.Run
	if st, err := os.Stat(v); err == nil && st.IsDir() {
		r, err := crash.Open(v)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, command.WithHint(fmt.Errorf("recover=%s: the directory has no %s, so it is not a crashed run's temporary directory", v, artifacts.JournalFile),
				"pass the run id, or the .<run_id>.tmp-* directory beside where the run directory would be")
		}
		if err != nil {
			return nil, err
		}
		cr = r
	} else {
		final := filepath.Join(cfg.OutputRoot, "real_runs", v)
		runs, err := crash.Find(final)
		if err != nil {
			return nil, err
		}
		switch len(runs) {
		case 0:
			return nil, command.WithHint(fmt.Errorf("recover=%s: no crashed run %q under %s (no %s directory with a journal)", v, v, filepath.Dir(final), "."+v+".tmp-*"),
				"check run_id and output_root; a run that died before its replay started left nothing to recover")
		case 1:
			cr = &runs[0]
		default:
			dirs := make([]string, len(runs))
			for i, r := range runs {
				dirs[i] = r.Dir
			}
			return nil, command.WithHint(fmt.Errorf("recover=%s: %d temporary directories hold a journal: %s", v, len(runs), strings.Join(dirs, ", ")),
				"pass one of them: recover=<directory>")
		}
	}
	if cr.Alive {
		return nil, command.WithHint(fmt.Errorf("recover=%s: process %d on %s, which writes this journal, may still be running", v, cr.Header.PID, cr.Header.Host),
			"recover a run only once its process is gone (on the host that ran it)")
	}
	return cr, nil
}

// crashedWorkload reads the workload the crashed run replayed, and checks
// it is the same bytes.
func crashedWorkload(h *artifacts.JournalHeader) (*artifacts.Workload, error) {
	dir := h.Meta.Workload.Dir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(h.WorkDir, dir)
	}
	w, err := artifacts.ReadWorkloadDir(dir)
	if err != nil {
		return nil, command.WithHint(err, "recovery lists the requests that had not finished from the workload the run replayed; it must still be there")
	}
	hashes, err := workloadHashes(dir)
	if err != nil {
		return nil, err
	}
	for name, want := range h.Meta.Workload.Artifacts {
		if hashes[name] != want {
			return nil, fmt.Errorf("workload %s changed since the run started: %s has sha256 %s, the journal says %s", dir, name, short(hashes[name]), short(want))
		}
	}
	return w, nil
}

// savedConfig writes the crashed run's config.yaml into d and loads it:
// time_scale and the SLOs the run was made with.
func savedConfig(d *artifacts.Dir, h *artifacts.JournalHeader) (*Config, error) {
	p := d.Path(artifacts.ConfigFile)
	if err := os.WriteFile(p, []byte(h.ConfigYAML), 0o644); err != nil {
		return nil, err
	}
	var old Config
	if _, err := config.Load(config.Schema{Tool: "real-bench", Defaults: defaultsYAML, Target: &old, Sections: []string{"scheduler", "slo"}},
		nil, config.Options{File: p}); err != nil {
		return nil, fmt.Errorf("the journal's configuration: %w", err)
	}
	return &old, nil
}

// crashedMeta is run_meta.json of the recovered run: the header's, with
// status crashed and what the crash took away said in warnings.
func crashedMeta(h *artifacts.JournalHeader, j *artifacts.Journal, journal string, cut int) *artifacts.RunMeta {
	meta := h.Meta
	meta.Extra = maps.Clone(h.Meta.Extra)
	if meta.Extra == nil {
		meta.Extra = map[string]any{}
	}
	meta.Status = artifacts.RunCrashed
	meta.Duration = lastEvent(j)
	meta.Warnings = []string{
		fmt.Sprintf("crashed: process %d died during the replay; rebuilt from its journal: %d requests that had not finished are recorded as failed (%s)", h.PID, cut, notFinishedReason),
		fmt.Sprintf("duration %.3f s is the last journaled event: the time between it and the crash is unknown", meta.Duration),
		"a crashed run records no backend extras (engine steps, the client's summary and client_*.csv files)",
	}
	if j.TornLine > 0 {
		meta.Warnings = append(meta.Warnings, fmt.Sprintf("%s:%d: the last line was cut short by the crash and dropped", journal, j.TornLine))
	}
	meta.Extra["crash"] = map[string]any{"pid": h.PID, "host": h.Host, "journaled_requests": len(j.Requests),
		"journaled_batches": len(j.Batches), "torn_line_dropped": j.TornLine > 0,
		"recovered_at": time.Now().UTC().Format(time.RFC3339)}
	return &meta
}

// lastEvent is the latest time the journal saw: a token, a first
// scheduling or a batch end.
func lastEvent(j *artifacts.Journal) float64 {
	t := 0.0
	for _, q := range j.Requests {
		if n := len(q.TokenTimes); n > 0 {
			t = max(t, q.TokenTimes[n-1])
		}
		if q.ScheduledAt == q.ScheduledAt { // not NaN (unknown)
			t = max(t, q.ScheduledAt)
		}
	}
	for _, b := range j.Batches {
		t = max(t, b.CompletedAt)
	}
	return t
}
