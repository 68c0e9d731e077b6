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
	"github.com/simcheck/simcheck/pkg/engine/backend/cuda"
	"github.com/simcheck/simcheck/pkg/engine/sched"
	"github.com/simcheck/simcheck/vidur-profile/internal/profile"
)

func run(c *command.Context, cfg *Config) error {
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
	s := cfg.Profile
	backendName := cfg.Hardware.EngineBackend()
	if cfg.Model.Weights != "synthetic" {
		c.Infof("model.weights=%s: timing does not depend on weight values, profiling with synthetic weights", cfg.Model.Weights)
	}
	// The largest cache a grid point needs: max_batch_size decodes over
	// max_kv_cache_size tokens, or one prefill of max_tokens.
	perSeq := (s.MaxKVCacheSize + s.BlockSize) / s.BlockSize
	blocks := max(s.MaxBatchSize*perSeq, (max(s.MaxTokens, s.MaxKVCacheSize)+s.BlockSize)/s.BlockSize) + 1
	blocks = max(blocks, s.NumKVBlocks)
	m, a, err := engine.Build(engine.Spec{ConfigJSON: cfg.Model.Arch.HFConfigJSON(), Weights: "synthetic", Seed: cfg.Model.WeightsSeed,
		DType: cfg.Model.DType, Backend: backendName, Threads: cfg.Engine.Threads, KVDType: cfg.Engine.KVDType}, sched.Settings{Kind: "sarathi", BlockSize: s.BlockSize, NumKVBlocks: blocks})
	if err != nil {
		return command.Usage(fmt.Errorf("model %s: %w", cfg.Model.Name, err), "")
	}
	tokGrid := profile.TokenGrid(s.MaxTokens, s.GridStep)
	chunks := profile.TokenGrid(min(s.MaxTokens, s.MaxKVCacheSize), s.GridStep*2)
	kvs := profile.LengthGrid(s.MaxKVCacheSize+1, s.GridStep)
	batches := profile.BatchGrid(s.MaxBatchSize, 4)
	nAttn := len(batches) * len(kvs)
	for _, ch := range chunks {
		for _, kv := range append([]int{0}, kvs...) {
			if ch+kv <= s.MaxKVCacheSize {
				nAttn++
			}
		}
	}
	total := len(tokGrid) + len(profile.BatchGrid(s.MaxBatchSize, 4)) + nAttn + len(batches) + 2*len(s.IdleGaps)
	if s.JitterSteps > 0 {
		total++
	}
	prog := c.NewProgress("profile points", total)
	step := func() { prog.Add(1) }
	start := time.Now()
	p := profile.New(m, s)
	mlp, err := p.MLP(tokGrid, step)
	if err != nil {
		return err
	}
	attn, err := p.Attention(chunks, kvs, batches, step)
	if err != nil {
		return err
	}
	cpu, err := p.CPUOverheads(batches, step)
	if err != nil {
		return err
	}
	var wake []artifacts.WakeupRow
	if len(s.IdleGaps) > 0 {
		if wake, err = p.Wakeup(s.IdleGaps, min(128, s.MaxTokens), s.IdleRepeats, time.Sleep, step); err != nil {
			return err
		}
	}
	var jitter []artifacts.JitterRow
	if s.JitterSteps > 0 {
		if jitter, err = p.Jitter(s.JitterSteps, min(128, s.MaxKVCacheSize)); err != nil {
			return err
		}
		step()
	}
	prog.Done()
	bm := artifacts.BundleModel{NumQHeads: a.NumAttentionHeads, NumKVHeads: a.NumKeyValueHeads, Embd: a.HiddenSize, ExpandedEmbd: a.IntermediateSize,
		VocabSize: a.VocabSize, TP: 1, GatedMLP: true, BlockSize: s.BlockSize, MaxModelLen: s.MaxKVCacheSize}
	modelID := cfg.Model.VidurModelID
	for i := range mlp {
		mlp[i].Model = bm
	}
	for i := range attn {
		attn[i].Model, attn[i].Backend = bm, "go-"+runtime.GOARCH
	}
	for i := range cpu {
		cpu[i].ModelName, cpu[i].TP = modelID, bm.TP
	}
	paths := artifacts.NewProfilePaths(d.Tmp, cfg.Hardware.Device, cfg.Hardware.NetworkDevice, modelID)
	write := func(path string, fn func(w io.Writer) error) error {
		rel, _ := filepath.Rel(d.Tmp, path)
		return d.WriteFile(rel, fn)
	}
	if err := write(paths.MLP, func(w io.Writer) error { return artifacts.WriteMLP(w, mlp) }); err != nil {
		return err
	}
	if err := write(paths.Attention, func(w io.Writer) error { return artifacts.WriteAttention(w, attn) }); err != nil {
		return err
	}
	if err := write(paths.CPUOverheads, func(w io.Writer) error { return artifacts.WriteCPUOverheads(w, cpu) }); err != nil {
		return err
	}
	var files []string
	written := []string{paths.MLP, paths.Attention, paths.CPUOverheads}
	if wake != nil {
		if err := write(paths.IdleWakeup, func(w io.Writer) error { return artifacts.WriteIdleWakeup(w, wake) }); err != nil {
			return err
		}
		written = append(written, paths.IdleWakeup)
	}
	if jitter != nil {
		if err := write(paths.StepJitter, func(w io.Writer) error { return artifacts.WriteStepJitter(w, jitter) }); err != nil {
			return err
		}
		written = append(written, paths.StepJitter)
	}
	for _, p := range written {
		rel, _ := filepath.Rel(d.Tmp, p)
		files = append(files, filepath.ToSlash(rel))
	}
	dev := artifacts.CPUDevice(cfg.Engine.Threads)
	if d := engine.Describe(m); d != "" {
		dev.Name, dev.Description = cfg.Hardware.Device, d
	}
	meta := &artifacts.ProfileMeta{
		DeviceName: cfg.Hardware.Device, Device: dev, Backend: backendName, ModelID: modelID,
		Model:   artifacts.RunModel{Name: cfg.Model.Name, Weights: "synthetic", DType: cfg.Model.DType},
		Threads: dev.Threads,
		Grid: map[string]any{"num_tokens": tokGrid, "prefill_chunks": chunks, "kv_cache_sizes": kvs, "batch_sizes": batches,
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
	c.Infof("profiled %d token points, %d attention points, %d batch sizes in %.1f s", len(mlp), len(attn), len(cpu), meta.WallTime)
	fmt.Fprintln(c.Stdout, d.Final)
	return nil
}
