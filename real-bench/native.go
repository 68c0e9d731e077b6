package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/pkg/engine"
	"github.com/simcheck/simcheck/pkg/engine/backend/cuda"
	"github.com/simcheck/simcheck/pkg/engine/model"
	"github.com/simcheck/simcheck/pkg/engine/sched"
	"github.com/simcheck/simcheck/real-bench/internal/record"
	"github.com/simcheck/simcheck/real-bench/internal/replay"
)

// Qwen3's <|endoftext|> and <|im_end|>: the tokens that end a request
// when ignore_eos=false.
var qwenEOS = []int32{151643, 151645}

// nativeBackend runs the project's engine (pkg/engine) in process:
// backend=native with any scheduler.kind, and backend=transformers.
type nativeBackend struct {
	cfg         *Config
	replay      *replay.Replayer
	sched       sched.Settings
	model       *model.Model
	weightsKind string
}

func newNativeBackend(cfg *Config) (*nativeBackend, error) {
	if cfg.Hardware.Kind == "cuda" && !cuda.Built {
		return nil, command.WithHint(fmt.Errorf("hardware=%s requires a CUDA-capable GPU: this binary was built without -tags cuda", cfg.Hardware.Name),
			"use hardware=cpu, or rebuild with -tags cuda on a machine with the NVIDIA driver (nvidia-smi must list the GPU; docs/gpu.md)")
	}
	if err := checkScheduler(cfg); err != nil {
		return nil, err
	}
	if t, p := cfg.Engine.Temperature, cfg.Engine.TopP; t < 0 || p < 0 || p > 1 {
		return nil, command.Usage(fmt.Errorf("engine.temperature %g must be ≥ 0 and engine.top_p %g within [0, 1]", t, p), "")
	}
	return &nativeBackend{cfg: cfg}, nil
}

// Prepare loads the model, sizes the KV cache, warms up and builds the
// runner, all before the clock starts.
func (b *nativeBackend) Prepare(ctx context.Context, w *artifacts.Workload, clk *record.Clock) error {
	cfg := b.cfg
	m, s, err := loadModel(cfg)
	if err != nil {
		return err
	}
	b.weightsKind, b.sched, b.model = cfg.Model.Weights, s, m
	b.replay = replay.New(m, replay.Options{
		Scheduler: b.sched, Sampling: model.Sampling{Temperature: cfg.Engine.Temperature, TopP: cfg.Engine.TopP}, Seed: cfg.Engine.Seed, TimeScale: cfg.TimeScale, StopAtEOS: !cfg.IgnoreEOS, EOS: qwenEOS,
		Warmup: replay.Warmup{Requests: cfg.Warmup.Requests, PromptTokens: cfg.Warmup.PromptTokens, DecodeTokens: cfg.Warmup.DecodeTokens},
	})
	return b.replay.Prepare(clk.Now)
}

func (b *nativeBackend) Replay(ctx context.Context, w *artifacts.Workload, clk *record.Clock, rec *record.Recorder) error {
	return b.replay.Replay(ctx, w, clk.Now, rec)
}

func (b *nativeBackend) Batches() bool { return true }

func (b *nativeBackend) Describe(_ *artifacts.Dir, meta *artifacts.RunMeta) error {
	cfg := b.cfg
	meta.Device = artifacts.CPUDevice(cfg.Engine.Threads)
	if d := engine.Describe(b.model); d != "" {
		meta.Device.Name, meta.Device.Description = cfg.Hardware.Device, d
	}
	meta.Model = artifacts.RunModel{Name: cfg.Model.Name, ConfigSHA256: configSHA(cfg), Weights: b.weightsKind, DType: cfg.Model.DType}
	meta.Hardware = cfg.Hardware.Name
	meta.Scheduler = cfg.Scheduler.Meta(b.sched.NumKVBlocks)
	meta.Extra["warmup_s"] = b.replay.WarmupS
	meta.Extra["steps"] = b.replay.Steps
	meta.Extra["engine_threads"] = threads(cfg.Engine.Threads)
	meta.Extra["engine_kv_dtype"] = engine.KVDTypeOf(b.model)
	meta.Extra["engine_seed"] = cfg.Engine.Seed
	meta.Extra["engine_temperature"] = cfg.Engine.Temperature
	meta.Extra["engine_top_p"] = cfg.Engine.TopP
	return nil
}

// loadModel builds the engine's model: the architecture from the model
// group (or the snapshot's config.json), weights synthetic or loaded,
// stored in model.dtype, with a KV cache sized by the scheduler settings.
func loadModel(cfg *Config) (*model.Model, sched.Settings, error) {
	switch cfg.Model.Weights {
	case "synthetic", "safetensors":
	default:
		return nil, sched.Settings{}, command.Usage(fmt.Errorf("model.weights %q is not synthetic or safetensors", cfg.Model.Weights), "")
	}
	if cfg.Model.Weights == "safetensors" {
		if _, err := os.Stat(filepath.Join(cfg.Model.Path, "config.json")); err != nil {
			return nil, sched.Settings{}, command.WithHint(fmt.Errorf("model.weights=safetensors: %w", err), bootstrapHint)
		}
	}
	if _, err := engine.WeightDType(cfg.Model.DType); err != nil {
		return nil, sched.Settings{}, command.Usage(fmt.Errorf("model.%w", err), "")
	}
	if _, err := engine.KVDType(cfg.Engine.KVDType); err != nil {
		return nil, sched.Settings{}, command.Usage(fmt.Errorf("engine.%w", err), "")
	}
	s := schedulerSettings(cfg)
	m, _, err := engine.Build(engine.Spec{ConfigJSON: cfg.Model.Arch.HFConfigJSON(), Weights: cfg.Model.Weights,
		Dir: cfg.Model.Path, Seed: cfg.Model.WeightsSeed, DType: cfg.Model.DType, Backend: cfg.Hardware.EngineBackend(), Threads: cfg.Engine.Threads, KVDType: cfg.Engine.KVDType}, s)
	if err != nil {
		return nil, s, fmt.Errorf("model %s: %w", cfg.Model.Name, err)
	}
	s.NumKVBlocks = m.Cache.NumBlocks()
	return m, s, nil
}

// checkScheduler validates scheduler.* before anything is loaded.
func checkScheduler(cfg *Config) error {
	s := cfg.Scheduler
	switch s.Kind {
	case "transformers", "sarathi", "vllm":
	default:
		return command.Usage(fmt.Errorf("scheduler.kind %q is not transformers, sarathi or vllm (the engine's schedulers)", s.Kind), "")
	}
	if err := s.Validate(); err != nil {
		return command.Usage(err, "")
	}
	if s.KVBlocks(cfg.Model.Arch) == 0 {
		return command.Usage(errors.New("the engine's KV cache has no size: scheduler.num_kv_blocks and scheduler.kv_cache_gb are both 0"),
			"set scheduler.num_kv_blocks=<blocks> (or scheduler.kv_cache_gb=<GB>); the simulator then needs the same")
	}
	return nil
}

// schedulerSettings maps scheduler.* to the engine.
func schedulerSettings(cfg *Config) sched.Settings {
	s := cfg.Scheduler
	return sched.Settings{Kind: s.Kind, MaxBatchSize: s.MaxBatchSize, ChunkSize: s.ChunkSize, BlockSize: s.BlockSize,
		NumKVBlocks: s.KVBlocks(cfg.Model.Arch), MaxTokensInBatch: s.MaxTokensInBatch, WatermarkFraction: s.WatermarkBlocksFraction}
}

func threads(n int) int {
	if n <= 0 {
		return runtime.NumCPU()
	}
	return n
}

func configSHA(cfg *Config) string {
	sha, err := artifacts.FileSHA256(filepath.Join(cfg.Model.Path, "config.json"))
	if err != nil {
		return ""
	}
	return sha
}
