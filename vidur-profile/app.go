package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/pkg/engine"
	"github.com/simcheck/simcheck/pkg/engine/arch"
	"github.com/simcheck/simcheck/pkg/engine/backend/cuda"
	"github.com/simcheck/simcheck/pkg/engine/model"
	"github.com/simcheck/simcheck/pkg/engine/sched"
	"github.com/simcheck/simcheck/vidur-profile/internal/profile"
)

// run profiles the model: check the settings, build the engine, measure
// every point of the plan, write the bundle.
func run(c *command.Context, cfg *Config) error {
	if err := check(cfg); err != nil {
		return err
	}
	root := cfg.Vidur.Profiling.Root
	if root == "" {
		root = filepath.Join(cfg.OutputRoot, "vidur_profiling", cfg.Hardware.Name, cfg.Model.Name)
	}
	d, err := artifacts.CreateDir(root, cfg.Overwrite)
	if errors.Is(err, artifacts.ErrExists) {
		return command.WithHint(err, "an existing bundle is never overwritten without overwrite=true")
	}
	if err != nil {
		return err
	}
	defer d.Abort()
	if cfg.Model.Weights != "synthetic" {
		c.Infof("model.weights=%s: timing does not depend on weight values, profiling with synthetic weights", cfg.Model.Weights)
	}
	m, a, blocks, err := buildEngine(cfg)
	if err != nil {
		return err
	}
	plan := profile.NewPlan(cfg.Profile)
	start := time.Now()
	b, err := measure(c, profile.New(m, cfg.Profile), plan, cfg.Profile)
	if err != nil {
		return err
	}
	b.label(artifacts.BundleModel{NumQHeads: a.NumAttentionHeads, NumKVHeads: a.NumKeyValueHeads, Embd: a.HiddenSize,
		ExpandedEmbd: a.IntermediateSize, VocabSize: a.VocabSize, TP: 1, GatedMLP: true, BlockSize: cfg.Profile.BlockSize,
		MaxModelLen: cfg.Profile.MaxKVCacheSize}, cfg.Model.VidurModelID)
	files, err := b.write(d, artifacts.NewProfilePaths(d.Tmp, cfg.Hardware.Device, cfg.Hardware.NetworkDevice, cfg.Model.VidurModelID))
	if err != nil {
		return err
	}
	s := cfg.Profile
	dev := artifacts.CPUDevice(cfg.Engine.Threads)
	if d := engine.Describe(m); d != "" {
		dev.Name, dev.Description = cfg.Hardware.Device, d
	}
	meta := &artifacts.ProfileMeta{
		DeviceName: cfg.Hardware.Device, Device: dev, Backend: cfg.Hardware.EngineBackend(), ModelID: cfg.Model.VidurModelID,
		Model:   artifacts.RunModel{Name: cfg.Model.Name, Weights: "synthetic", DType: cfg.Model.DType},
		Threads: dev.Threads,
		Grid: map[string]any{"num_tokens": plan.Tokens, "prefill_chunks": plan.Chunks, "kv_cache_sizes": plan.KVs, "batch_sizes": plan.Batches,
			"max_tokens": s.MaxTokens, "grid_step": s.GridStep, "block_size": s.BlockSize, "idle_gaps": s.IdleGaps, "idle_repeats": s.IdleRepeats,
			"jitter_steps": s.JitterSteps, "num_kv_blocks": blocks, "kv_dtype": engine.KVDTypeOf(m)},
		Warmup: s.Warmup, Repeats: s.Repeats, StartedAt: start.UTC().Format(time.RFC3339Nano),
		WallTime: time.Since(start).Seconds(), Files: files,
	}
	if err := d.WriteFile(artifacts.ProfileMetaFile, func(w io.Writer) error { return artifacts.WriteProfileMeta(w, meta) }); err != nil {
		return err
	}
	if err := os.WriteFile(d.Path(artifacts.ConfigFile), c.Config.YAML(), 0o644); err != nil {
		return err
	}
	if err := d.Commit(); err != nil {
		return err
	}
	c.Infof("profiled %d token points, %d attention points, %d batch sizes in %.1f s", len(b.mlp), len(b.attn), len(b.cpu), meta.WallTime)
	fmt.Fprintln(c.Stdout, d.Final)
	return nil
}

// check validates the settings and the hardware (usage errors, exit 2;
// a GPU hardware in a build without CUDA, exit 1).
func check(cfg *Config) error {
	if err := cfg.Profile.Validate(); err != nil {
		return command.Usage(err, "")
	}
	if err := cfg.Scheduler.Validate(); err != nil {
		return command.Usage(err, "")
	}
	cfg.Profile.BlockSize = cfg.Scheduler.BlockSize
	cfg.Profile.NumKVBlocks = cfg.Scheduler.KVBlocks(cfg.Model.Arch)
	if cfg.Hardware.Kind == "cuda" && !cuda.Built {
		return command.WithHint(fmt.Errorf("hardware=%s requires a CUDA-capable GPU: this binary was built without -tags cuda", cfg.Hardware.Name),
			"profile on hardware=cpu, or rebuild with -tags cuda on a machine with the NVIDIA driver (docs/gpu.md)")
	}
	if _, err := engine.WeightDType(cfg.Model.DType); err != nil {
		return command.Usage(fmt.Errorf("model.%w", err), "")
	}
	return nil
}

// buildEngine builds the model with synthetic weights and a KV cache that
// holds the largest grid point: max_batch_size decodes over
// max_kv_cache_size tokens, or one prefill of max_tokens.
func buildEngine(cfg *Config) (*model.Model, arch.Arch, int, error) {
	s := cfg.Profile
	perSeq := (s.MaxKVCacheSize + s.BlockSize) / s.BlockSize
	blocks := max(s.MaxBatchSize*perSeq, (max(s.MaxTokens, s.MaxKVCacheSize)+s.BlockSize)/s.BlockSize) + 1
	blocks = max(blocks, s.NumKVBlocks)
	m, a, err := engine.Build(engine.Spec{ConfigJSON: cfg.Model.Arch.HFConfigJSON(), Weights: "synthetic", Seed: cfg.Model.WeightsSeed,
		DType: cfg.Model.DType, Backend: cfg.Hardware.EngineBackend(), Threads: cfg.Engine.Threads, KVDType: cfg.Engine.KVDType},
		sched.Settings{Kind: "sarathi", BlockSize: s.BlockSize, NumKVBlocks: blocks})
	if err != nil {
		return nil, arch.Arch{}, 0, command.Usage(fmt.Errorf("model %s: %w", cfg.Model.Name, err), "")
	}
	return m, a, blocks, nil
}

// bundle is what a profile measured, row by row.
type bundle struct {
	mlp    []artifacts.MLPRow
	attn   []artifacts.AttentionRow
	cpu    []artifacts.CPUOverheadRow
	wake   []artifacts.WakeupRow
	jitter []artifacts.JitterRow
}

// measure runs every point of plan, one progress step each.
func measure(c *command.Context, p *profile.Profiler, plan profile.Plan, s profile.Settings) (*bundle, error) {
	prog := c.NewProgress("profile points", plan.Points())
	step := func() { prog.Add(1) }
	b := &bundle{}
	var err error
	if b.mlp, err = p.MLP(plan.Tokens, plan.Sequences, step); err != nil {
		return nil, err
	}
	if b.attn, err = p.Attention(plan.Prefills, plan.Decodes, step); err != nil {
		return nil, err
	}
	if b.cpu, err = p.CPUOverheads(plan.CPUBatches, step); err != nil {
		return nil, err
	}
	if len(plan.IdleGaps) > 0 {
		if b.wake, err = p.Wakeup(plan.IdleGaps, min(128, s.MaxTokens), s.IdleRepeats, time.Sleep, step); err != nil {
			return nil, err
		}
	}
	if plan.Jitter {
		if b.jitter, err = p.Jitter(s.JitterSteps, min(128, s.MaxKVCacheSize)); err != nil {
			return nil, err
		}
		step()
	}
	prog.Done()
	return b, nil
}

// label sets the model columns and names of every row.
func (b *bundle) label(m artifacts.BundleModel, modelID string) {
	for i := range b.mlp {
		b.mlp[i].Model = m
	}
	for i := range b.attn {
		b.attn[i].Model, b.attn[i].Backend = m, "go-"+runtime.GOARCH
	}
	for i := range b.cpu {
		b.cpu[i].ModelName, b.cpu[i].TP = modelID, m.TP
	}
}

// write writes the bundle's files into d at paths and returns them
// relative to the bundle root, for profile_meta.json.
func (b *bundle) write(d *artifacts.Dir, paths artifacts.ProfilePaths) ([]string, error) {
	var files []string
	write := func(path string, fn func(w io.Writer) error) error {
		rel, _ := filepath.Rel(d.Tmp, path)
		files = append(files, filepath.ToSlash(rel))
		return d.WriteFile(rel, fn)
	}
	if err := write(paths.MLP, func(w io.Writer) error { return artifacts.WriteMLP(w, b.mlp) }); err != nil {
		return nil, err
	}
	if err := write(paths.Attention, func(w io.Writer) error { return artifacts.WriteAttention(w, b.attn) }); err != nil {
		return nil, err
	}
	if err := write(paths.CPUOverheads, func(w io.Writer) error { return artifacts.WriteCPUOverheads(w, b.cpu) }); err != nil {
		return nil, err
	}
	if b.wake != nil {
		if err := write(paths.IdleWakeup, func(w io.Writer) error { return artifacts.WriteIdleWakeup(w, b.wake) }); err != nil {
			return nil, err
		}
	}
	if b.jitter != nil {
		if err := write(paths.StepJitter, func(w io.Writer) error { return artifacts.WriteStepJitter(w, b.jitter) }); err != nil {
			return nil, err
		}
	}
	return files, nil
}
