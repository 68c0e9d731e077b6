package main

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/pkg/llm"
	"github.com/simcheck/simcheck/real-bench/internal/native"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

// Qwen3's <|endoftext|> and <|im_end|>: the tokens that end a request
// when ignore_eos=false.
var qwenEOS = []int{151643, 151645}

// nativeBackend runs the project's engine (pkg/llm) in process:
// backend=native with any scheduler.kind, and backend=transformers.
type nativeBackend struct {
	cfg         *Config
	replay      *native.Replayer
	sched       llm.SchedulerConfig
	weightsKind string
}

func newNativeBackend(cfg *Config) (*nativeBackend, error) {
	if cfg.Hardware.Kind == "cuda" {
		return nil, command.WithHint(fmt.Errorf("hardware=%s requires a CUDA-capable GPU: this binary was built without -tags cuda", cfg.Hardware.Name),
			"use hardware=cpu, or rebuild with -tags cuda on a machine with the NVIDIA driver (nvidia-smi must list the GPU; docs/gpu.md)")
	}
	if err := checkScheduler(cfg); err != nil {
		return nil, err
	}
	return &nativeBackend{cfg: cfg}, nil
}

// Prepare loads the model, sizes the KV cache, warms up and builds the
// runner, all before the clock starts.
func (b *nativeBackend) Prepare(ctx context.Context, w *artifacts.Workload, clk *record.Clock) error {
	cfg := b.cfg
	model, arch, kind, err := loadModel(cfg)
	if err != nil {
		return err
	}
	b.weightsKind = kind
	if b.sched, err = schedulerConfig(cfg, arch); err != nil {
		return err
	}
	b.replay = native.New(model, native.Options{
		Scheduler: b.sched, Seed: cfg.Engine.Seed, TimeScale: cfg.TimeScale, StopAtEOS: !cfg.IgnoreEOS, EOS: qwenEOS,
		Warmup: native.Warmup{Requests: cfg.Warmup.Requests, PromptTokens: cfg.Warmup.PromptTokens, DecodeTokens: cfg.Warmup.DecodeTokens},
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
	meta.Model = artifacts.RunModel{Name: cfg.Model.Name, ConfigSHA256: configSHA(cfg), Weights: b.weightsKind}
	meta.Scheduler = map[string]any{"kind": b.sched.Kind, "max_batch_size": b.sched.MaxBatchSize, "chunk_size": b.sched.ChunkSize,
		"block_size": b.sched.BlockSize, "num_kv_blocks": b.sched.NumKVBlocks, "max_tokens_in_batch": b.sched.MaxTokensInBatch}
	meta.Extra["warmup_s"] = b.replay.WarmupS
	meta.Extra["steps"] = b.replay.Steps
	meta.Extra["engine_threads"] = threads(cfg.Engine.Threads)
	meta.Extra["engine_seed"] = cfg.Engine.Seed
	return nil
}

// loadModel builds the engine's model: the architecture from the model
// group (or the snapshot's config.json), weights synthetic or loaded.
func loadModel(cfg *Config) (*llm.Model, llm.Arch, string, error) {
	a := archOf(&cfg.Model.Arch)
	var weights *llm.Weights
	kind := cfg.Model.Weights
	switch kind {
	case "synthetic":
		weights = llm.SyntheticWeights(a, cfg.Model.WeightsSeed)
	case "safetensors":
		p := filepath.Join(cfg.Model.Path, "config.json")
		fa, err := llm.LoadArch(p)
		if err != nil {
			return nil, a, kind, command.WithHint(err, bootstrapHint)
		}
		a = fa
		if weights, err = llm.LoadSafetensors(cfg.Model.Path, a); err != nil {
			return nil, a, kind, err
		}
	default:
		return nil, a, kind, command.Usage(fmt.Errorf("model.weights %q is not synthetic or safetensors", kind), "")
	}
	if err := a.Validate(); err != nil {
		return nil, a, kind, command.Usage(fmt.Errorf("model %s: %w", cfg.Model.Name, err), "")
	}
	m, err := llm.NewModel(a, weights, llm.Options{Threads: cfg.Engine.Threads})
	return m, a, kind, err
}

func archOf(c *config.Arch) llm.Arch {
	return llm.Arch{
		NumLayers: c.NumLayers, Hidden: c.HiddenSize, QHeads: c.NumQHeads, KVHeads: c.NumKVHeads, HeadDim: c.HeadDim,
		Intermediate: c.IntermediateSize, Vocab: c.VocabSize, RopeTheta: c.RopeTheta, Eps: c.RMSNormEps,
		QKNorm: c.QKNorm, QKVBias: c.AttentionBias, TiedEmbeddings: c.TieWordEmbeddings,
	}
}

// checkScheduler validates scheduler.* before anything is loaded.
func checkScheduler(cfg *Config) error {
	s := cfg.Scheduler
	switch s.Kind {
	case "transformers", "sarathi", "vllm":
	default:
		return command.Usage(fmt.Errorf("scheduler.kind %q is not transformers, sarathi or vllm", s.Kind), "")
	}
	ints := []struct {
		key string
		v   int
	}{{"max_batch_size", s.MaxBatchSize}, {"chunk_size", s.ChunkSize}, {"block_size", s.BlockSize}, {"max_tokens_in_batch", s.MaxTokensInBatch}}
	for _, k := range ints {
		if k.v < 1 {
			return command.Usage(fmt.Errorf("scheduler.%s: %d must be at least 1", k.key, k.v), "")
		}
	}
	if s.NumKVBlocks < 0 {
		return command.Usage(fmt.Errorf("scheduler.num_kv_blocks: %d must be ≥ 0 (0 sizes the cache from kv_cache_gb)", s.NumKVBlocks), "")
	}
	return nil
}

// schedulerConfig maps scheduler.* to the engine, sizing the KV cache
// from kv_cache_gb when num_kv_blocks is 0.
func schedulerConfig(cfg *Config, a llm.Arch) (llm.SchedulerConfig, error) {
	s := cfg.Scheduler
	blocks := s.NumKVBlocks
	if blocks == 0 {
		// K and V, fp32, every layer: the engine's cache layout.
		perBlock := 2 * a.NumLayers * a.KVHeads * a.HeadDim * s.BlockSize * 4
		blocks = int(s.KVCacheGB * 1e9 / float64(perBlock))
	}
	if blocks < 1 {
		return llm.SchedulerConfig{}, command.Usage(fmt.Errorf("scheduler.kv_cache_gb %g leaves no KV block", s.KVCacheGB), "")
	}
	return llm.SchedulerConfig{Kind: s.Kind, MaxBatchSize: s.MaxBatchSize, ChunkSize: s.ChunkSize, BlockSize: s.BlockSize,
		NumKVBlocks: blocks, MaxTokensInBatch: s.MaxTokensInBatch}, nil
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
