package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/pkg/llm"
	"github.com/simcheck/simcheck/real-bench/internal/native"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

func newTool() command.Tool {
	var cfg Config
	return command.Tool{
		Name:  "real-bench",
		Usage: "replay a workload on a real engine and record per-request, per-token and per-batch timing",
		Description: "Writes <output_root>/real_runs/<run_id>/ and prints its path.\n" +
			"Example: real-bench backend=native scheduler.kind=sarathi hardware=cpu workload.workload_dir=tmp/workloads/<id>",
		Schema: config.Schema{Tool: "real-bench", Defaults: defaultsYAML, Target: &cfg},
		Run:    func(c *command.Context) error { return run(c, &cfg) },
	}
}

const bootstrapHint = "run scripts/bootstrap_model.sh, or point model.path= at a Hugging Face snapshot"

func run(c *command.Context, cfg *Config) error {
	if cfg.Workload.WorkloadDir == "" {
		return command.Usage(errors.New("workload.workload_dir is not set"), "make one with workload-spec, then pass workload.workload_dir=<its directory>")
	}
	if cfg.TimeScale <= 0 {
		return command.Usage(fmt.Errorf("time_scale: %g must be > 0", cfg.TimeScale), "")
	}
	switch cfg.Backend.Kind {
	case "native":
	case "openai":
		return runServer(c, cfg)
	default:
		return command.Usage(fmt.Errorf("backend.kind %q is not native or openai", cfg.Backend.Kind), "")
	}
	if cfg.Hardware.Kind == "cuda" {
		return command.WithHint(fmt.Errorf("hardware=%s requires a CUDA-capable GPU: this binary was built without -tags cuda", cfg.Hardware.Name),
			"use hardware=cpu, or rebuild with -tags cuda on a machine with the NVIDIA driver (docs/gpu.md)")
	}
	w, err := artifacts.ReadWorkloadDir(cfg.Workload.WorkloadDir)
	if err != nil {
		return err
	}
	if err := checkTokenizer(cfg, w); err != nil {
		return err
	}
	model, arch, weightsKind, err := loadModel(cfg)
	if err != nil {
		return err
	}
	sc, err := schedulerConfig(cfg, arch)
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
	defer d.Abort()
	rec := record.New(w.Requests, cfg.TimeScale)
	prog := c.NewProgress("requests", len(w.Requests))
	last := 0
	res, err := native.Run(c.Ctx, model, w, rec, native.Options{
		Scheduler: sc, Seed: cfg.Engine.Seed, TimeScale: cfg.TimeScale, StopAtEOS: !cfg.IgnoreEOS, EOS: []int{151643, 151645},
		Warmup:   native.Warmup{Requests: cfg.Warmup.Requests, PromptTokens: cfg.Warmup.PromptTokens, DecodeTokens: cfg.Warmup.DecodeTokens},
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
	rw, err := artifacts.NewRunWriter(d, true, true)
	if err != nil {
		return err
	}
	rec.Write(rw)
	hashes, err := workloadHashes(cfg.Workload.WorkloadDir)
	if err != nil {
		return err
	}
	meta := &artifacts.RunMeta{
		RunID: id, Kind: artifacts.KindReal, Backend: cfg.Backend.Name,
		Device:    artifacts.CPUDevice(cfg.Engine.Threads),
		Model:     artifacts.RunModel{Name: cfg.Model.Name, ConfigSHA256: configSHA(cfg), Weights: weightsKind},
		Workload:  artifacts.RunWorkload{WorkloadID: w.Meta.WorkloadID, Dir: cfg.Workload.WorkloadDir, Artifacts: hashes},
		Scheduler: c.Config.Section("scheduler"),
		StartedAt: res.StartedAt.UTC().Format(time.RFC3339Nano),
		Duration:  res.Duration, Status: status, Warnings: warnings,
		Extra: map[string]any{
			"warmup_s": res.WarmupS, "warmup_requests": cfg.Warmup.Requests, "steps": res.Steps,
			"clock": "Go monotonic clock (time.Since)", "time_scale": cfg.TimeScale, "ignore_eos": cfg.IgnoreEOS,
			"num_kv_blocks": sc.NumKVBlocks, "engine_threads": threads(cfg.Engine.Threads),
		},
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
	c.Infof("%s: %d requests (%d completed, %d failed) in %.1f s, %d engine steps",
		status, meta.Counts.Requests, meta.Counts.Completed, meta.Counts.Failed, res.Duration, res.Steps)
	fmt.Fprintln(c.Stdout, d.Final)
	if res.Interrupted {
		return fmt.Errorf("interrupted; what completed is in %s", d.Final)
	}
	return nil
}

// checkTokenizer is the runbook's tokenization-mismatch case.
func checkTokenizer(cfg *Config, w *artifacts.Workload) error {
	if !cfg.TokenizerCheck {
		return nil
	}
	p := filepath.Join(cfg.Model.Path, "tokenizer.json")
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

// schedulerConfig maps scheduler.* to the engine, sizing the KV cache
// from kv_cache_gb when num_kv_blocks is 0.
func schedulerConfig(cfg *Config, a llm.Arch) (llm.SchedulerConfig, error) {
	s := cfg.Scheduler
	switch s.Kind {
	case "transformers", "sarathi", "vllm":
	default:
		return llm.SchedulerConfig{}, command.Usage(fmt.Errorf("scheduler.kind %q is not transformers, sarathi or vllm", s.Kind), "")
	}
	for k, v := range map[string]int{"max_batch_size": s.MaxBatchSize, "chunk_size": s.ChunkSize, "block_size": s.BlockSize, "max_tokens_in_batch": s.MaxTokensInBatch} {
		if v < 1 {
			return llm.SchedulerConfig{}, command.Usage(fmt.Errorf("scheduler.%s: %d must be at least 1", k, v), "")
		}
	}
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
