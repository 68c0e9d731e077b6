package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/real-bench/internal/openai"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

// runServer replays the workload against an OpenAI-compatible server
// (backend=openai|sarathi|vllm).
func runServer(c *command.Context, cfg *Config) error {
	if cfg.Server.URL == "" {
		return command.Usage(errors.New("server.url is not set"), "e.g. server.url=http://127.0.0.1:8000 (the server's OpenAI-compatible base URL)")
	}
	w, err := artifacts.ReadWorkloadDir(cfg.Workload.WorkloadDir)
	if err != nil {
		return err
	}
	if err := checkTokenizer(cfg, w); err != nil {
		return err
	}
	served := cfg.Server.Model
	if served == "" {
		served = cfg.Model.HFName
	}
	id := cfg.RunID
	if id == "" {
		id = command.DefaultID(c.Config)
	}
	d, err := artifacts.CreateDir(filepath.Join(cfg.OutputRoot, "real_runs", id), cfg.Overwrite)
	if err != nil {
		return err
	}
	defer d.Abort()
	rec := record.New(w.Requests, cfg.TimeScale)
	prog := c.NewProgress("requests", len(w.Requests))
	last := 0
	res, err := openai.Run(c.Ctx, w, rec, openai.Options{
		URL: cfg.Server.URL, Model: served, Profile: cfg.Backend.Profile,
		Timeout:        time.Duration(cfg.Server.Timeout * float64(time.Second)),
		MaxConcurrency: cfg.Server.MaxConcurrency, TimeScale: cfg.TimeScale, IgnoreEOS: cfg.IgnoreEOS,
		Progress: func(done int) { prog.Add(done - last); last = done },
	})
	if err != nil {
		return err
	}
	prog.Done()
	status := artifacts.RunComplete
	var warnings []string
	if res.Interrupted {
		status = artifacts.RunInterrupted
		n := rec.Finish("interrupted before completion")
		warnings = append(warnings, fmt.Sprintf("interrupted: %d requests did not complete and are recorded as failed", n))
	}
	mismatch, inferred, maxDelay := 0, 0, 0.0
	for _, s := range res.Stats {
		if s.PromptMismatch {
			mismatch++
		}
		if s.TokenTiming == openai.TimingInferred {
			inferred++
		}
		maxDelay = max(maxDelay, s.DispatchDelay)
	}
	if mismatch > 0 {
		warnings = append(warnings, fmt.Sprintf("%d requests: the server's usage.prompt_tokens differs from the workload's num_prefill_tokens (client_requests.csv, prompt_tokens_mismatch)", mismatch))
	}
	if inferred > 0 {
		warnings = append(warnings, fmt.Sprintf("%d requests: token times inferred from chunks (token_timing=inferred)", inferred))
	}
	rw, err := artifacts.NewRunWriter(d, true, false)
	if err != nil {
		return err
	}
	rec.Write(rw)
	if err := d.WriteFile(openai.ClientRequestsFile, func(out io.Writer) error { return openai.WriteStats(out, res.Stats) }); err != nil {
		return err
	}
	hashes, err := workloadHashes(cfg.Workload.WorkloadDir)
	if err != nil {
		return err
	}
	meta := &artifacts.RunMeta{
		RunID: id, Kind: artifacts.KindReal, Backend: cfg.Backend.Name,
		Device:    artifacts.DeviceInfo{Name: "server", Description: cfg.Server.URL},
		Model:     artifacts.RunModel{Name: served, Weights: "external"},
		Workload:  artifacts.RunWorkload{WorkloadID: w.Meta.WorkloadID, Dir: cfg.Workload.WorkloadDir, Artifacts: hashes},
		Scheduler: map[string]any{"server": c.Config.Section("server"), "profile": cfg.Backend.Profile},
		StartedAt: res.StartedAt.UTC().Format(time.RFC3339Nano), Duration: res.Duration, Status: status, Warnings: warnings,
		Extra: map[string]any{"client": "Go net/http, no compression, HTTP/1.1, idle timeout 4 s", "max_dispatch_delay_s": maxDelay,
			"time_scale": cfg.TimeScale, "ignore_eos": cfg.IgnoreEOS, "clock": "Go monotonic clock (time.Since)"},
	}
	if err := rw.Close(meta); err != nil {
		return err
	}
	if err := os.WriteFile(d.Path(artifacts.ConfigFile), c.Config.YAML(), 0o644); err != nil {
		return err
	}
	if err := d.Commit(); err != nil {
		return err
	}
	c.Infof("%s: %d requests (%d completed, %d failed) in %.1f s against %s", status, meta.Counts.Requests, meta.Counts.Completed,
		meta.Counts.Failed, res.Duration, cfg.Server.URL)
	fmt.Fprintln(c.Stdout, d.Final)
	if res.Interrupted {
		return fmt.Errorf("interrupted; what completed is in %s", d.Final)
	}
	return nil
}
