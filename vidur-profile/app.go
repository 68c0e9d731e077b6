package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/pkg/llm"
	"github.com/simcheck/simcheck/vidur-profile/internal/profile"
)

func run(c *command.Context, cfg *Config) error {
	if err := cfg.Profile.Validate(); err != nil {
		return command.Usage(err, "")
	}
	if cfg.Hardware.Kind == "cuda" {
		return command.WithHint(fmt.Errorf("hardware=%s requires a CUDA-capable GPU: this binary was built without -tags cuda", cfg.Hardware.Name),
			"profile on hardware=cpu, or rebuild with -tags cuda on a machine with the NVIDIA driver (docs/gpu.md)")
	}
	root := cfg.Vidur.Profiling.Root
	if root == "" {
		root = filepath.Join(cfg.OutputRoot, "vidur_profiling", cfg.Hardware.Name, cfg.Model.Name)
	}
	d, err := artifacts.CreateDir(root, cfg.Overwrite)
	if err != nil {
		return command.WithHint(err, "an existing bundle is never overwritten without overwrite=true")
	}
	defer d.Abort()
	a := archOf(&cfg.Model.Arch)
	if err := a.Validate(); err != nil {
		return command.Usage(fmt.Errorf("model %s: %w", cfg.Model.Name, err), "")
	}
	if cfg.Model.Weights != "synthetic" {
		c.Infof("model.weights=%s: timing does not depend on weight values, profiling with synthetic weights", cfg.Model.Weights)
	}
	m, err := llm.NewModel(a, llm.SyntheticWeights(a, cfg.Model.WeightsSeed), llm.Options{Threads: cfg.Engine.Threads})
	if err != nil {
		return err
	}
	s := cfg.Profile
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
	total := len(tokGrid) + len(profile.BatchGrid(s.MaxBatchSize, 4)) + nAttn + len(batches)
	prog := c.NewProgress("profile points", total)
	step := func() { prog.Add(1) }
	start := time.Now()
	p := profile.New(m, a.NumLayers, s)
	mlp, err := p.MLP(tokGrid, step)
	if err != nil {
		return err
	}
	attn, err := p.Attention(chunks, kvs, batches, step)
	if err != nil {
		return err
	}
	sc := llm.SchedulerConfig{Kind: "sarathi", MaxBatchSize: s.MaxBatchSize, ChunkSize: 512, BlockSize: s.BlockSize,
		NumKVBlocks: s.MaxBatchSize*(64/s.BlockSize+2) + 8, MaxTokensInBatch: 4096}
	cpu, err := profile.CPUOverheads(m, sc, batches, s.Repeats, step)
	if err != nil {
		return err
	}
	prog.Done()
	cols := profile.ModelCols{NumQHeads: a.QHeads, NumKVHeads: a.KVHeads, Embd: a.Hidden, ExpandedEmbd: a.Intermediate,
		VocabSize: a.Vocab, TP: 1, GatedMLP: true, BlockSize: s.BlockSize, MaxModelLen: s.MaxKVCacheSize}
	modelID := cfg.Model.VidurModelID
	paths := artifacts.NewProfilePaths(d.Tmp, cfg.Hardware.Device, cfg.Hardware.NetworkDevice, modelID)
	write := func(path string, fn func(w io.Writer) error) error {
		rel, _ := filepath.Rel(d.Tmp, path)
		return d.WriteFile(rel, fn)
	}
	if err := write(paths.MLP, func(w io.Writer) error { return profile.WriteMLP(w, cols, mlp) }); err != nil {
		return err
	}
	if err := write(paths.Attention, func(w io.Writer) error { return profile.WriteAttention(w, cols, "go-"+runtime.GOARCH, attn) }); err != nil {
		return err
	}
	if err := write(paths.CPUOverheads, func(w io.Writer) error { return profile.WriteCPUOverheads(w, modelID, 1, cpu) }); err != nil {
		return err
	}
	var files []string
	for _, p := range []string{paths.MLP, paths.Attention, paths.CPUOverheads} {
		rel, _ := filepath.Rel(d.Tmp, p)
		files = append(files, filepath.ToSlash(rel))
	}
	meta := &artifacts.ProfileMeta{
		DeviceName: cfg.Hardware.Device, Device: artifacts.CPUDevice(cfg.Engine.Threads), Backend: "cpu", ModelID: modelID,
		Model:   artifacts.RunModel{Name: cfg.Model.Name, Weights: "synthetic"},
		Threads: artifacts.CPUDevice(cfg.Engine.Threads).Threads,
		Grid: map[string]any{"num_tokens": tokGrid, "prefill_chunks": chunks, "kv_cache_sizes": kvs, "batch_sizes": batches,
			"max_tokens": s.MaxTokens, "grid_step": s.GridStep, "block_size": s.BlockSize},
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

func archOf(c *config.Arch) llm.Arch {
	return llm.Arch{
		NumLayers: c.NumLayers, Hidden: c.HiddenSize, QHeads: c.NumQHeads, KVHeads: c.NumKVHeads, HeadDim: c.HeadDim,
		Intermediate: c.IntermediateSize, Vocab: c.VocabSize, RopeTheta: c.RopeTheta, Eps: c.RMSNormEps,
		QKNorm: c.QKNorm, QKVBias: c.AttentionBias, TiedEmbeddings: c.TieWordEmbeddings,
	}
}
