package main

import (
	"fmt"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/vidur-sim/internal/predict"
	"github.com/simcheck/simcheck/vidur-sim/internal/sched"
	"github.com/simcheck/simcheck/vidur-sim/internal/sim"
)

// simSetup is everything a simulation needs before its first event.
type simSetup struct {
	sources map[string]string // where each scheduler setting came from
	reqs    []artifacts.Request
	wl      artifacts.RunWorkload
	model   predict.Model
	native  *predict.Native // nil for vidur_table
	meta    *artifacts.RunMeta
	slots   int // the memory planner's max batch size
	t0      time.Time
	setup   time.Duration // predictor set-up, wall
	sim     sim.Config
}

// setUp checks the settings, plans memory, reads the workload and builds
// the predictor and the scheduler configuration.
func setUp(c *command.Context, cfg *Config) (*simSetup, error) {
	su := &simSetup{}
	var err error
	if su.sources, err = schedulerSources(cfg, c.Config); err != nil {
		return nil, command.Usage(err, "scheduler.from_run= takes a directory real-bench wrote (tmp/real_runs/<run_id>)")
	}
	if err := cfg.validate(); err != nil {
		return nil, command.Usage(err, "see docs/vidur-sim.md for every key")
	}
	if cfg.Sim.HFConfig != "" {
		if err := readHFConfig(cfg.Sim.HFConfig, &cfg.Model.Arch); err != nil {
			return nil, command.Usage(err, "sim.hf_config= must name a Hugging Face config.json")
		}
	}
	plan := memoryPlan(cfg)
	if err := plan.Validate(); err != nil {
		return nil, command.Usage(err, "pick parallel.tensor= and parallel.pipeline= that divide the model")
	}
	// The workload is read on a second core while the predictor is built
	// (each a few milliseconds of a short run); a workload error still
	// comes first, and the predictor's warnings wait until the workload
	// is known good.
	var wlErr error
	wlDone := make(chan struct{})
	go func() {
		defer close(wlDone)
		su.reqs, su.wl, wlErr = readWorkload(cfg)
	}()
	su.t0 = time.Now()
	su.meta = &artifacts.RunMeta{Kind: artifacts.KindSim, Extra: map[string]any{}}
	tp, pp, compat := cfg.Parallel.Tensor, cfg.Parallel.Pipeline, cfg.Sim.VidurCompat
	var warnings []string
	held := func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) }
	su.model, su.native, err = buildModel(cfg, tp, pp, su.meta, held)
	<-wlDone
	if wlErr != nil {
		return nil, wlErr
	}
	for _, w := range warnings {
		c.Warnf("%s", w)
	}
	if err != nil {
		return nil, err
	}
	wake, jitter, err := loadStepNoise(cfg, su.meta, su.native != nil)
	if err != nil {
		return nil, err
	}
	su.setup = time.Since(su.t0)
	if su.slots, err = plan.MaxBatchSize(); err != nil {
		return nil, err
	}
	a := cfg.Model.Arch
	scfg := sched.Config{Kind: cfg.Scheduler.Kind, BatchSizeCap: cfg.Scheduler.MaxBatchSize, BlockSize: cfg.Scheduler.BlockSize,
		ChunkSize: cfg.Scheduler.ChunkSize, MaxTokensInBatch: cfg.Scheduler.MaxTokensInBatch,
		WatermarkFraction: cfg.Scheduler.WatermarkBlocksFraction, MaxWaitingIters: cfg.Scheduler.MaxWaitingIters,
		NumBlocks: cfg.Scheduler.KVBlocks(cfg.Model.Arch), MaxTokens: cfg.Scheduler.MaxTokens, Compat: compat}
	pred := &predict.Predictor{M: su.model, S: predict.Settings{
		LayersPerStage: a.NumLayers / pp, PP: pp, TP: tp, GQA: a.NumQHeads > a.NumKVHeads, PostAttnNorm: true,
		KVGranularity: cfg.Sim.KVGranularity, DecodeOverhead: cfg.Sim.DecodeOverhead, PrefillOverhd: cfg.Sim.PrefillOverhead,
		NCCLLaunchMs: cfg.Sim.NCCLLaunchMs, NCCLSkewMs: cfg.Sim.NCCLSkewMs,
		CPUOverhead: cfg.Sim.CPUOverhead && !compat, Extras: cfg.Sim.Extras && !compat, TokenRounding: tokenRounding(cfg.Sim.TokenRounding, cfg.Hardware.TokenRounding, compat)}, Wake: wake, Jitter: jitter}
	su.sim = sim.Config{Sched: scfg, Plan: plan, NumReplicas: cfg.Cluster.NumReplicas, Global: cfg.Cluster.GlobalScheduler,
		Seed: cfg.Sim.Seed, Predictor: pred}
	return su, nil
}

// memoryPlan is the memory planner's input for the model and parallelism.
func memoryPlan(cfg *Config) sched.Plan {
	a := cfg.Model.Arch
	arch := sched.Arch{NumLayers: a.NumLayers, NumQHeads: a.NumQHeads, NumKVHeads: a.NumKVHeads, EmbeddingDim: a.HiddenSize,
		MLPHiddenDim: a.IntermediateSize, VocabSize: a.VocabSize, GatedMLP: true, PostAttnNorm: true}
	if a.HeadDim > 0 && a.NumQHeads > 0 && a.HeadDim != a.HiddenSize/a.NumQHeads {
		arch.HeadDimOverride = a.HeadDim
	}
	return sched.Plan{Arch: arch, TP: cfg.Parallel.Tensor, PP: cfg.Parallel.Pipeline, MemoryGB: cfg.Hardware.MemoryGB,
		MarginFraction: cfg.Scheduler.MemoryMarginFraction, MaxTokens: cfg.Scheduler.MaxTokens, Compat: cfg.Sim.VidurCompat}
}

// loadStepNoise reads the bundle's idle wake-up and step jitter files when
// they are switched on (native predictor, not compat).
func loadStepNoise(cfg *Config, meta *artifacts.RunMeta, native bool) (*predict.Wakeup, *predict.Jitter, error) {
	on := native && !cfg.Sim.VidurCompat
	var wake *predict.Wakeup
	err := loadExtra(meta, "idle_wakeup", cfg.Sim.IdleWakeup && on, bundlePaths(cfg).IdleWakeup, func(path string) error {
		rows, err := artifacts.ReadIdleWakeup(path)
		wake = predict.NewWakeup(rows)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	var jitter *predict.Jitter
	err = loadExtra(meta, "step_jitter", cfg.Sim.StepJitter && on, bundlePaths(cfg).StepJitter, func(path string) error {
		rows, err := artifacts.ReadStepJitter(path)
		jitter = predict.NewJitter(rows)
		return err
	})
	return wake, jitter, err
}

// runMeta fills run_meta.json's fields for a finished simulation.
func (su *simSetup) runMeta(cfg *Config, s *sim.Sim, id, status string, warnings []string) *artifacts.RunMeta {
	meta := su.meta
	tp, pp := cfg.Parallel.Tensor, cfg.Parallel.Pipeline
	meta.RunID = id
	meta.Backend = "vidur-sim/" + su.model.Name()
	meta.Device = artifacts.DeviceInfo{Name: cfg.Hardware.Name, Description: fmt.Sprintf("simulated %s (%g GB, network %s), TP %d, PP %d, %d replica(s)",
		cfg.Hardware.Device, cfg.Hardware.MemoryGB, cfg.Hardware.NetworkDevice, tp, pp, cfg.Cluster.NumReplicas)}
	meta.Model = artifacts.RunModel{Name: cfg.Model.Name, Weights: "none", DType: cfg.Model.DType}
	meta.Workload = su.wl
	_, numBlocks, _ := s.Replicas()[0].Stats()
	meta.Hardware = cfg.Hardware.Name
	meta.Scheduler = cfg.Scheduler.Meta(numBlocks)
	for k, v := range map[string]any{"planner_max_batch_size": su.slots, "global_scheduler": cfg.Cluster.GlobalScheduler,
		"num_replicas": cfg.Cluster.NumReplicas, "tensor_parallel": tp, "pipeline_parallel": pp, "vidur_compat": cfg.Sim.VidurCompat} {
		meta.Scheduler[k] = v
	}
	meta.StartedAt = su.t0.UTC().Format(time.RFC3339)
	meta.Duration = float64(s.Now())
	meta.Status = status
	meta.Warnings = warnings
	meta.Extra["events"] = s.Events()
	meta.Extra["scheduler_sources"] = su.sources
	return meta
}
