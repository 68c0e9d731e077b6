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
	"github.com/simcheck/simcheck/vidur-sim/internal/predict"
	"github.com/simcheck/simcheck/vidur-sim/internal/runout"
	"github.com/simcheck/simcheck/vidur-sim/internal/sched"
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

func run(c *command.Context, cfg *Config) error {
	sources, err := schedulerSources(cfg, c.Config)
	if err != nil {
		return command.Usage(err, "scheduler.from_run= takes a directory real-bench wrote (tmp/real_runs/<run_id>)")
	}
	if err := cfg.validate(); err != nil {
		return command.Usage(err, "see docs/vidur-sim.md for every key")
	}
	if cfg.Sim.HFConfig != "" {
		if err := readHFConfig(cfg.Sim.HFConfig, &cfg.Model.Arch); err != nil {
			return command.Usage(err, "sim.hf_config= must name a Hugging Face config.json")
		}
	}
	a := cfg.Model.Arch
	arch := sched.Arch{NumLayers: a.NumLayers, NumQHeads: a.NumQHeads, NumKVHeads: a.NumKVHeads, EmbeddingDim: a.HiddenSize,
		MLPHiddenDim: a.IntermediateSize, VocabSize: a.VocabSize, GatedMLP: true, PostAttnNorm: true}
	if a.HeadDim > 0 && a.NumQHeads > 0 && a.HeadDim != a.HiddenSize/a.NumQHeads {
		arch.HeadDimOverride = a.HeadDim
	}
	tp, pp := cfg.Parallel.Tensor, cfg.Parallel.Pipeline
	compat := cfg.Sim.VidurCompat
	plan := sched.Plan{Arch: arch, TP: tp, PP: pp, MemoryGB: cfg.Hardware.MemoryGB,
		MarginFraction: cfg.Scheduler.MemoryMarginFraction, MaxTokens: cfg.Scheduler.MaxTokens, Compat: compat}
	if err := plan.Validate(); err != nil {
		return command.Usage(err, "pick parallel.tensor= and parallel.pipeline= that divide the model")
	}

	reqs, wl, err := readWorkload(cfg)
	if err != nil {
		return err
	}

	t0 := time.Now()
	meta := &artifacts.RunMeta{Kind: artifacts.KindSim, Extra: map[string]any{}}
	var warnings []string
	model, native, err := buildModel(cfg, tp, pp, meta, c.Warnf)
	if err != nil {
		return err
	}
	var wake *predict.Wakeup
	err = loadExtra(meta, "idle_wakeup", cfg.Sim.IdleWakeup && !compat && native != nil, bundlePaths(cfg).IdleWakeup, func(path string) error {
		rows, err := artifacts.ReadIdleWakeup(path)
		wake = predict.NewWakeup(rows)
		return err
	})
	if err != nil {
		return err
	}
	var jitter *predict.Jitter
	err = loadExtra(meta, "step_jitter", cfg.Sim.StepJitter && !compat && native != nil, bundlePaths(cfg).StepJitter, func(path string) error {
		rows, err := artifacts.ReadStepJitter(path)
		jitter = predict.NewJitter(rows)
		return err
	})
	if err != nil {
		return err
	}
	setup := time.Since(t0)

	slots, err := plan.MaxBatchSize()
	if err != nil {
		return err
	}
	scfg := sched.Config{Kind: cfg.Scheduler.Kind, BatchSizeCap: cfg.Scheduler.MaxBatchSize, BlockSize: cfg.Scheduler.BlockSize,
		ChunkSize: cfg.Scheduler.ChunkSize, MaxTokensInBatch: cfg.Scheduler.MaxTokensInBatch,
		WatermarkFraction: cfg.Scheduler.WatermarkBlocksFraction, MaxWaitingIters: cfg.Scheduler.MaxWaitingIters,
		NumBlocks: cfg.Scheduler.KVBlocks(cfg.Model.Arch), MaxTokens: cfg.Scheduler.MaxTokens, Compat: compat}
	pred := &predict.Predictor{M: model, S: predict.Settings{
		LayersPerStage: a.NumLayers / pp, PP: pp, TP: tp, GQA: a.NumQHeads > a.NumKVHeads, PostAttnNorm: true,
		KVGranularity: cfg.Sim.KVGranularity, DecodeOverhead: cfg.Sim.DecodeOverhead, PrefillOverhd: cfg.Sim.PrefillOverhead,
		NCCLLaunchMs: cfg.Sim.NCCLLaunchMs, NCCLSkewMs: cfg.Sim.NCCLSkewMs,
		CPUOverhead: cfg.Sim.CPUOverhead && !compat, Extras: cfg.Sim.Extras && !compat, TokenRounding: tokenRounding(cfg.Sim.TokenRounding, cfg.Hardware.TokenRounding, compat)}, Wake: wake, Jitter: jitter}
	if cfg.Sim.Mode == modeCapacity {
		return runCapacity(c, cfg, capacityInputs{reqs: reqs, wl: wl, model: model, native: native, extra: meta.Extra,
			sources: sources, slots: slots, t0: t0, setup: setup, sim: sim.Config{Sched: scfg, Plan: plan, NumReplicas: cfg.Cluster.NumReplicas,
				Global: cfg.Cluster.GlobalScheduler, Seed: cfg.Sim.Seed, Predictor: pred}})
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
	s, err := sim.New(sim.Config{Sched: scfg, Plan: plan, NumReplicas: cfg.Cluster.NumReplicas, Global: cfg.Cluster.GlobalScheduler,
		Seed: cfg.Sim.Seed, Predictor: pred, TrackTokens: cfg.Sim.TokenMetrics}, reqs, w)
	if err != nil {
		return command.Usage(err, "")
	}
	prog := c.NewProgress("requests", len(reqs))
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
	status := artifacts.RunComplete
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
	for _, wmsg := range warnings {
		c.Warnf("%s", wmsg)
	}
	meta.RunID = id
	meta.Backend = "vidur-sim/" + model.Name()
	meta.Device = artifacts.DeviceInfo{Name: cfg.Hardware.Name, Description: fmt.Sprintf("simulated %s (%g GB, network %s), TP %d, PP %d, %d replica(s)",
		cfg.Hardware.Device, cfg.Hardware.MemoryGB, cfg.Hardware.NetworkDevice, tp, pp, cfg.Cluster.NumReplicas)}
	meta.Model = artifacts.RunModel{Name: cfg.Model.Name, Weights: "none"}
	meta.Workload = wl
	_, numBlocks, _ := s.Replicas()[0].Stats()
	meta.Hardware = cfg.Hardware.Name
	meta.Model.DType = cfg.Model.DType
	meta.Scheduler = cfg.Scheduler.Meta(numBlocks)
	for k, v := range map[string]any{"planner_max_batch_size": slots, "global_scheduler": cfg.Cluster.GlobalScheduler,
		"num_replicas": cfg.Cluster.NumReplicas, "tensor_parallel": tp, "pipeline_parallel": pp, "vidur_compat": compat} {
		meta.Scheduler[k] = v
	}
	meta.StartedAt = t0.UTC().Format(time.RFC3339)
	meta.Duration = float64(s.Now())
	meta.Status = status
	if native != nil {
		// Bundle notes go to run_meta.json only; they are not news on
		// every run.
		warnings = append(warnings, native.Notes...)
	}
	meta.Warnings = warnings
	meta.Extra["events"] = s.Events()
	meta.Extra["scheduler_sources"] = sources
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
		len(reqs), s.Completed(), float64(s.Now()), time.Since(t0).Seconds(), setup.Seconds())
	fmt.Fprintln(c.Stdout, d.Final)
	if status != artifacts.RunComplete {
		return errors.New("some requests never finished; the run directory records them as failed")
	}
	return nil
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
		var me *predict.MissingError
		if errors.As(err, &me) {
			return nil, nil, command.WithHint(err, "sim.predictor_tables= must be Python Vidur's cache directory for this model and settings")
		}
		return t, nil, err
	}
	paths := bundlePaths(cfg)
	a := cfg.Model.Arch
	dims := predict.ModelDims{NumQHeads: a.NumQHeads, NumKVHeads: a.NumKVHeads,
		EmbeddingDim: a.HiddenSize, MLPHiddenDim: a.IntermediateSize, TP: tp, BlockSize: cfg.Scheduler.BlockSize,
		ModelID: cfg.Model.VidurModelID, StrictBlockSize: cfg.Sim.VidurCompat}
	mc := newModelCache(cfg, paths, dims, tp > 1, pp > 1, warn)
	n := mc.load()
	if n == nil {
		b, err := predict.LoadBundle(paths, dims, tp > 1, pp > 1)
		if err != nil {
			return nil, nil, command.WithHint(err, profileHint)
		}
		if n, err = predict.Train(b, cfg.Sim.Seed, a.HiddenSize); err != nil {
			return nil, nil, command.WithHint(err, profileHint)
		}
		mc.store(n)
	}
	// LoadBundle keeps paths as they are, so the bundle's paths are
	// these whether or not it was read.
	meta.Extra["predictor"] = map[string]any{"name": predict.NativeName, "holdout_fraction": predict.HoldoutFraction,
		"ops": n.Reports, "bundle_notes": n.Notes, "mlp_csv": paths.MLP, "attention_csv": paths.Attention}
	return n, n, nil
}

// bundlePaths are the profiling bundle's files for this model and hardware.
func bundlePaths(cfg *Config) artifacts.ProfilePaths {
	hw := cfg.Hardware
	return predict.Relayout(artifacts.NewProfilePaths(cfg.Vidur.Profiling.Root, hw.Device, hw.NetworkDevice, cfg.Model.VidurModelID))
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
