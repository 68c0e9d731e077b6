package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

func newTool() command.Tool {
	var cfg Config
	return command.Tool{
		Name:  "real-bench",
		Usage: "replay a workload on a real engine or serving system and record per-request, per-token and per-batch timing",
		Description: "Writes <output_root>/real_runs/<run_id>/ and prints its path.\n" +
			"Example: real-bench backend=native scheduler.kind=sarathi hardware=cpu workload.workload_dir=tmp/workloads/<id>\n" +
			"         real-bench backend=vllm server.url=http://127.0.0.1:8000 workload.workload_dir=tmp/workloads/<id>",
		Schema: config.Schema{Tool: "real-bench", Defaults: defaultsYAML, Target: &cfg, Sections: []string{"scheduler", "slo"}},
		Run:    func(c *command.Context) error { return run(c, &cfg) },
	}
}

const bootstrapHint = "run scripts/bootstrap_model.sh, or point model.path= at a Hugging Face snapshot"

// run is the part every backend shares: check the inputs, create the run
// directory, start the clock, replay, write the files, commit.
func run(c *command.Context, cfg *Config) error {
	if cfg.Recover != "" {
		return recoverRun(c, cfg)
	}
	if cfg.Workload.WorkloadDir == "" {
		return command.Usage(errors.New("workload.workload_dir is not set"), "make one with workload-spec, then pass workload.workload_dir=<its directory>")
	}
	if cfg.TimeScale <= 0 {
		return command.Usage(fmt.Errorf("time_scale: %g must be > 0", cfg.TimeScale), "")
	}
	if cfg.Warmup.Requests < 0 {
		return command.Usage(fmt.Errorf("warmup.requests: %d must be ≥ 0", cfg.Warmup.Requests), "")
	}
	if err := refuseCrashed(cfg); err != nil {
		return err
	}
	b, err := newBackend(cfg)
	if err != nil {
		return err
	}
	w, err := artifacts.ReadWorkloadDir(cfg.Workload.WorkloadDir)
	if err != nil {
		return err
	}
	if err := checkTokenizer(cfg, w); err != nil {
		return err
	}
	hashes, err := workloadHashes(cfg.Workload.WorkloadDir)
	if err != nil {
		return err
	}
	id := cfg.RunID
	if id == "" {
		id = command.DefaultID(c.Config)
	}
	d, err := artifacts.CreateDir(filepath.Join(cfg.OutputRoot, "real_runs", id), cfg.Overwrite)
	if err != nil {
		return err
	}
	keepJournal := false
	defer func() {
		if !keepJournal {
			d.Abort()
		}
	}()

	var clk record.Clock
	if err := b.Prepare(c.Ctx, w, &clk); err != nil {
		return err
	}
	if c.Ctx.Err() != nil {
		return errors.New("interrupted before the replay started; nothing was recorded")
	}
	rec := record.New(w.Requests, cfg.TimeScale)
	prog := c.NewProgress("requests", len(w.Requests))
	rec.OnFinish = func(int) { prog.Add(1) }
	j, err := openJournal(c, d, b, baseMeta(cfg, id, w, hashes))
	if err != nil {
		return err
	}
	defer j.w.Close()
	rec.Journal = j.w
	clk.Start()
	j.start(clk.StartedAt())
	if err := b.Replay(c.Ctx, w, &clk, rec); err != nil {
		return err
	}
	duration := clk.Now()
	prog.Done()

	status := artifacts.RunComplete
	var warnings []string
	interrupted := c.Ctx.Err() != nil
	if interrupted {
		status = artifacts.RunInterrupted
		n := rec.Finish("interrupted before completion")
		warnings = append(warnings, fmt.Sprintf("interrupted: admission stopped; %d requests not yet finished are recorded as failed", n))
	}
	warnings = append(warnings, j.close()...)
	meta := baseMeta(cfg, id, w, hashes)
	meta.StartedAt, meta.Duration, meta.Status, meta.Warnings = clk.StartedAt().UTC().Format(time.RFC3339Nano), duration, status, warnings
	if err := writeRun(c, cfg, d, b, rec, meta); err != nil {
		// The replay is over and its journal whole: keep it, so that the
		// run is not lost to a full disk or a read-only directory.
		keepJournal = j.keep(d)
		if keepJournal {
			return command.WithHint(err, fmt.Sprintf("the replay is kept in its journal, %s: once the output can be written, rebuild the run with real-bench recover=%s output_root=%s",
				d.Path(artifacts.JournalFile), id, cfg.OutputRoot))
		}
		return err
	}
	if err := j.remove(); err != nil {
		return err
	}
	if err := d.Commit(); err != nil {
		return err
	}
	for _, wn := range meta.Warnings {
		c.Warnf("%s", wn)
	}
	meta.Serving.WriteText(c.Stderr)
	c.Infof("%s: %d requests (%d completed, %d failed) in %.1f s (%s)",
		status, meta.Counts.Requests, meta.Counts.Completed, meta.Counts.Failed, duration, cfg.Backend.Name)
	fmt.Fprintln(c.Stdout, d.Final)
	if interrupted {
		return fmt.Errorf("%w; what completed is in %s", command.ErrInterrupted, d.Final)
	}
	return nil
}

// checkTokenizer is the runbook's tokenization-mismatch case.
func checkTokenizer(cfg *Config, w *artifacts.Workload) error {
	if !cfg.TokenizerCheck {
		return nil
	}
	p := filepath.Join(modelRefDir(cfg), "tokenizer.json")
	sha, err := artifacts.FileSHA256(p)
	if errors.Is(err, fs.ErrNotExist) {
		return command.WithHint(fmt.Errorf("model reference for %s not found: %s does not exist", cfg.Model.Name, p), bootstrapHint)
	}
	if err != nil {
		return err
	}
	if want := w.Meta.Model.Tokenizer.SHA256; sha != want {
		return command.WithHint(fmt.Errorf("tokenizer mismatch: the workload was encoded with tokenizer sha256 %s, the model's %s is %s", short(want), p, short(sha)),
			"regenerate the workload with the same model=, or pass tokenizer_check=false knowingly")
	}
	return nil
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

// workloadHashes records the sha256 of every workload file.
func workloadHashes(dir string) (map[string]string, error) {
	out := map[string]string{}
	names := []string{artifacts.PromptsFile, artifacts.TraceLengthsFile, artifacts.TraceIntervalsFile, artifacts.TraceReplayFile, artifacts.WorkloadMetaFile}
	sort.Strings(names)
	for _, n := range names {
		h, err := artifacts.FileSHA256(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		out[n] = h
	}
	return out, nil
}

// writeRun writes every file of the run into d: the metric CSVs, the
// backend's own files, run_meta.json, the serving summary and config.yaml.
func writeRun(c *command.Context, cfg *Config, d *artifacts.Dir, b Backend, rec *record.Recorder, meta *artifacts.RunMeta) error {
	rw, err := artifacts.NewRunWriter(d, true, b.Batches())
	if err != nil {
		return err
	}
	rec.Write(rw)
	if err := b.Describe(d, meta); err != nil {
		rw.Close(meta)
		return err
	}
	if err := rw.Close(meta); err != nil {
		return err
	}
	if err := artifacts.WriteServing(d, meta, cfg.SLO.Artifacts()); err != nil {
		return err
	}
	return os.WriteFile(d.Path(artifacts.ConfigFile), c.Config.YAML(), 0o644)
}
