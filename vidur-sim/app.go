package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/vidur-sim/internal/bundle"
	"github.com/simcheck/simcheck/vidur-sim/internal/predict"
	"github.com/simcheck/simcheck/vidur-sim/internal/runout"
	"github.com/simcheck/simcheck/vidur-sim/internal/sim"
)

func newTool() command.Tool {
	var cfg Config
	return command.Tool{
		Name:  "vidur-sim",
		Usage: "simulate a workload with Vidur's semantics from a profiling bundle",
		Description: "Writes <output_root>/vidur_runs/<run_id>/ (request_metrics.csv, token_metrics.csv,\n" +
			"batch_metrics.csv, run_meta.json, config.yaml, optional chrome_trace.json) and prints its path.\n" +
			"With sim.mode=capacity it searches the highest request rate meeting slo.ttft_ms/slo.tbt_ms and writes capacity.json.\n" +
			"Example: vidur-sim model=qwen2_7b hardware=a30 vidur.profiling.root=<bundle> workload.workload_dir=tmp/workloads/<id>",
		Schema: config.Schema{Tool: "vidur-sim", Defaults: defaultsYAML, Target: &cfg, Sections: []string{"scheduler", "slo"}},
		Run:    func(c *command.Context) error { return run(c, &cfg) },
	}
}

const profileHint = "run vidur-profile for this model and hardware, or point vidur.profiling.root= at a bundle in Vidur's layout"

// run simulates the workload and writes the run directory: set up (the
// plan, the workload, the predictor), simulate, then record the outcome.
func run(c *command.Context, cfg *Config) error {
	su, err := setUp(c, cfg)
	if err != nil {
		return err
	}
	if cfg.Sim.Mode == modeCapacity {
		return runCapacity(c, cfg, capacityInputs{reqs: su.reqs, wl: su.wl, model: su.model, native: su.native, extra: su.meta.Extra,
			sources: su.sources, slots: su.slots, t0: su.t0, setup: su.setup, sim: su.sim})
	}
	d, id, err := createRunDir(c, cfg)
	if err != nil {
		return err
	}
	defer d.Abort()
	w, err := runout.New(d, cfg.Sim.TokenMetrics, cfg.Sim.BatchMetrics, cfg.Sim.ChromeTrace)
	if err != nil {
		return err
	}
	defer w.Abort()
	w.Expect(len(su.reqs))
	scfg := su.sim
	scfg.TrackTokens = cfg.Sim.TokenMetrics
	s, err := sim.New(scfg, su.reqs, w)
	if err != nil {
		return command.Usage(err, "")
	}
	if err := simulate(c, s, len(su.reqs)); err != nil {
		return err
	}
	status, warnings := outcome(s, w, su.native)
	for _, wmsg := range warnings {
		c.Warnf("%s", wmsg)
	}
	if su.native != nil {
		// Bundle notes go to run_meta.json only; they are not news on
		// every run.
		warnings = append(warnings, su.native.Notes...)
	}
	meta := su.runMeta(cfg, s, id, status, warnings)
	if err := w.Close(meta, cfg.SLO.Artifacts()); err != nil {
		return err
	}
	if err := os.WriteFile(d.Path(artifacts.ConfigFile), c.Config.YAML(), 0o644); err != nil {
		return err
	}
	if err := d.Commit(); err != nil {
		return err
	}
	meta.Serving.WriteText(c.Stderr)
	// Wall times go to stderr only: run_meta.json must not depend on them.
	c.Infof("simulated %d requests (%d completed) to t=%.3f s in %.2f s wall (predictor set-up %.2f s)",
		len(su.reqs), s.Completed(), float64(s.Now()), time.Since(su.t0).Seconds(), su.setup.Seconds())
	fmt.Fprintln(c.Stdout, d.Final)
	if status != artifacts.RunComplete {
		return errors.New("some requests never finished; the run directory records them as failed")
	}
	return nil
}

// simulate steps s to the end, with progress on stderr; Ctrl-C stops it.
func simulate(c *command.Context, s *sim.Sim, n int) error {
	prog := c.NewProgress("requests", n)
	last := 0
	for {
		ok, err := s.Step()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if n := s.Completed(); n-last >= 4096 {
			prog.Add(n - last)
			last = n
		}
		if s.Events()&0xffff == 0 && c.Ctx.Err() != nil {
			return c.Ctx.Err()
		}
	}
	prog.Add(s.Completed() - last)
	prog.Done()
	return nil
}

// outcome records the requests that never finished as failed and returns
// the run's status and its warnings (those, KV blocks left allocated, and
// the predictor's own).
func outcome(s *sim.Sim, w *runout.Writer, native *predict.Native) (string, []string) {
	status := artifacts.RunComplete
	var warnings []string
	if un := s.Unfinished(); len(un) > 0 {
		status = artifacts.RunFailed
		for _, r := range un {
			w.Failed(r, "never finished: the scheduler could not run it (see warnings)")
		}
		warnings = append(warnings, fmt.Sprintf("%d requests never finished (Vidur's final is_empty assertion would fail)", len(un)))
	}
	for i, r := range s.Replicas() {
		if alloc, total, holders := r.Stats(); alloc > 0 || holders > 0 {
			warnings = append(warnings, fmt.Sprintf("replica %d ends with %d of %d KV blocks still allocated to %d requests (leak)", i, alloc, total, holders))
		}
	}
	if native != nil {
		warnings = append(warnings, native.Warnings()...)
	}
	return status, warnings
}

func readWorkload(cfg *Config) ([]artifacts.Request, artifacts.RunWorkload, error) {
	if p := cfg.Workload.TraceReplayFile; p != "" {
		reqs, err := artifacts.ReadTraceReplayFile(p)
		if err != nil {
			return nil, artifacts.RunWorkload{}, fmt.Errorf("workload.trace_replay_file: %w", err)
		}
		sum, err := artifacts.FileSHA256(p)
		if err != nil {
			return nil, artifacts.RunWorkload{}, err
		}
		return reqs, artifacts.RunWorkload{WorkloadID: "trace:" + filepath.Base(p), Dir: filepath.Dir(p),
			Artifacts: map[string]string{filepath.Base(p): sum}}, nil
	}
	dir := cfg.Workload.WorkloadDir
	w, err := artifacts.ReadWorkloadDir(dir)
	if err != nil {
		return nil, artifacts.RunWorkload{}, fmt.Errorf("workload.workload_dir: %w", err)
	}
	sums := map[string]string{}
	for _, f := range []string{artifacts.TraceLengthsFile, artifacts.TraceIntervalsFile, artifacts.WorkloadMetaFile} {
		if sums[f], err = artifacts.FileSHA256(filepath.Join(dir, f)); err != nil {
			return nil, artifacts.RunWorkload{}, err
		}
	}
	return w.Requests, artifacts.RunWorkload{WorkloadID: w.Meta.WorkloadID, Dir: dir, Artifacts: sums}, nil
}

// buildModel loads the chosen predictor; a native one also reports its
// hold-out errors into meta. A native predictor comes from the cache
// (modelcache.go) when it holds one for these inputs; warn reports a
// cache entry that could not be used.
func buildModel(cfg *Config, tp, pp int, meta *artifacts.RunMeta, warn func(string, ...any)) (predict.Model, *predict.Native, error) {
	if cfg.Sim.Predictor == predict.TableName {
		t, err := predict.LoadTables(cfg.Sim.PredictorTables, tp > 1, pp > 1)
		var me *bundle.MissingError
		if errors.As(err, &me) {
			return nil, nil, command.WithHint(err, "sim.predictor_tables= must be Python Vidur's cache directory for this model and settings")
		}
		return t, nil, err
	}
	paths := bundlePaths(cfg)
	a := cfg.Model.Arch
	dims := bundle.ModelDims{NumQHeads: a.NumQHeads, NumKVHeads: a.NumKVHeads,
		EmbeddingDim: a.HiddenSize, MLPHiddenDim: a.IntermediateSize, TP: tp, BlockSize: cfg.Scheduler.BlockSize,
		ModelID: cfg.Model.VidurModelID, StrictBlockSize: cfg.Sim.VidurCompat}
	mc := newModelCache(cfg, paths, dims, tp > 1, pp > 1, warn)
	n := mc.load()
	if n == nil {
		b, err := bundle.Load(paths, dims, tp > 1, pp > 1)
		if err != nil {
			return nil, nil, command.WithHint(err, profileHint)
		}
		if n, err = predict.Train(b, cfg.Sim.Seed, a.HiddenSize); err != nil {
			return nil, nil, command.WithHint(err, profileHint)
		}
		mc.store(n)
	}
	// bundle.Load keeps paths as they are, so the bundle's paths are
	// these whether or not it was read.
	meta.Extra["predictor"] = map[string]any{"name": predict.NativeName, "holdout_fraction": predict.HoldoutFraction,
		"ops": n.Reports, "bundle_notes": n.Notes, "mlp_csv": paths.MLP, "attention_csv": paths.Attention}
	return n, n, nil
}

// bundlePaths are the profiling bundle's files for this model and hardware.
func bundlePaths(cfg *Config) artifacts.ProfilePaths {
	hw := cfg.Hardware
	return bundle.Relayout(artifacts.NewProfilePaths(cfg.Vidur.Profiling.Root, hw.Device, hw.NetworkDevice, cfg.Model.VidurModelID))
}

// loadExtra reads one of the bundle's optional simcheck files (the
// sim.<key> setting, e.g. idle_wakeup.csv) with read when on and the file
// exists; run_meta's extra.<key> says which: off, absent, or the path.
func loadExtra(meta *artifacts.RunMeta, key string, on bool, path string, read func(path string) error) error {
	if !on {
		meta.Extra[key] = "off"
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		meta.Extra[key] = "absent"
		return nil
	}
	if err := read(path); err != nil {
		return command.WithHint(err, "fix or delete the file, or set sim."+key+"=false")
	}
	meta.Extra[key] = path
	return nil
}

// tokenRounding is Vidur's 8 in compatibility mode, else the setting,
// else the hardware's.
func tokenRounding(sim, hw int, compat bool) int {
	switch {
	case compat:
		return 8
	case sim > 0:
		return sim
	case hw > 0:
		return hw
	}
	return 8
}

// createRunDir claims the run directory <output_root>/vidur_runs/<run_id>
// (a default id when none is given) and returns it with the id.
func createRunDir(c *command.Context, cfg *Config) (*artifacts.Dir, string, error) {
	id := cfg.RunID
	if id == "" {
		id = command.DefaultID(c.Config)
	}
	d, err := artifacts.CreateDir(filepath.Join(cfg.OutputRoot, "vidur_runs", id), cfg.Overwrite)
	if errors.Is(err, artifacts.ErrExists) {
		return nil, "", command.WithHint(err, "pass another run_id=, or overwrite=true")
	}
	if err != nil {
		return nil, "", err
	}
	return d, id, nil
}
