package profile

import (
	"fmt"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/engine/model"
)

// Settings are the profile.* keys: the grid and the repeats.
type Settings struct {
	MaxTokens      int `koanf:"max_tokens"`        // largest num_tokens of mlp.csv (and prefill chunk + kv)
	GridStep       int `koanf:"grid_step"`         // keep every n-th grid point (1 = Vidur's full grid)
	MaxBatchSize   int `koanf:"max_batch_size"`    // decode batches and LM-head sequences up to this
	MaxKVCacheSize int `koanf:"max_kv_cache_size"` // largest kv_cache_size of attention.csv
	// BlockSize is scheduler.block_size, set by the tool.
	BlockSize int `koanf:"-"`
	Warmup    int `koanf:"warmup"`
	Repeats   int `koanf:"repeats"`
	// IdleGaps are the idle periods (s) after which the wake-up penalty is
	// measured (idle_wakeup.csv); empty skips the measurement.
	IdleGaps    []float64 `koanf:"idle_gaps"`
	IdleRepeats int       `koanf:"idle_repeats"`
	// JitterSteps is how many repeated steps step_jitter.csv's spread is
	// measured over; 0 skips the measurement.
	JitterSteps int `koanf:"jitter_steps"`
	// NumKVBlocks is the KV cache the profiler holds, the real engine's
	// (scheduler.num_kv_blocks, or what scheduler.kv_cache_gb holds), set
	// by the tool, so the profiler's process is as large as the real
	// engine's: on a VM the idle wake-up grows with resident memory. The
	// grid's own need is the floor.
	NumKVBlocks int `koanf:"-"`
}

// Validate names the key at fault.
func (s *Settings) Validate() error {
	for k, v := range map[string]int{"max_tokens": s.MaxTokens, "grid_step": s.GridStep, "max_batch_size": s.MaxBatchSize,
		"max_kv_cache_size": s.MaxKVCacheSize, "repeats": s.Repeats} {
		if v < 1 {
			return fmt.Errorf("profile.%s: %d must be at least 1", k, v)
		}
	}
	for i, g := range s.IdleGaps {
		if !(g > 0 && g <= 600) || (i > 0 && g <= s.IdleGaps[i-1]) {
			return fmt.Errorf("profile.idle_gaps: %v must be increasing, each in (0, 600] s", s.IdleGaps)
		}
	}
	if len(s.IdleGaps) > 0 && s.IdleRepeats < 1 {
		return fmt.Errorf("profile.idle_repeats: %d must be at least 1", s.IdleRepeats)
	}
	if s.JitterSteps != 0 && s.JitterSteps < 20 {
		return fmt.Errorf("profile.jitter_steps: %d must be 0 (skip) or at least 20", s.JitterSteps)
	}
	if s.Warmup < 0 {
		return fmt.Errorf("profile.warmup: %d is negative", s.Warmup)
	}
	return nil
}

// Profiler times one model's operators through the engine's own hooks.
type Profiler struct {
	m   *model.Model
	s   Settings
	acc opClock
}

// opClock sums each operator's wall time; the engine's operators do not
// nest, so one start time serves.
type opClock struct {
	acc   map[string]time.Duration
	t0    time.Time
	total time.Duration
}

func (c *opClock) OpStart(string, int, int) { c.t0 = time.Now() }
func (c *opClock) OpEnd(op string, _, _ int) {
	d := time.Since(c.t0)
	c.acc[op] += d
	c.total += d
}

func (c *opClock) reset() { clear(c.acc); c.total = 0 }

// New wraps a model and installs the profiler's operator clock on it.
func New(m *model.Model, s Settings) *Profiler {
	p := &Profiler{m: m, s: s, acc: opClock{acc: map[string]time.Duration{}}}
	m.Timer = &p.acc
	return p
}

// sample runs the batch warmup+repeats times and returns, per operator,
// the per-layer time of each repeat in ms. Per-layer operators are summed
// over the forward and divided by the layer count: Vidur's rows are one
// layer's time, and "add" covers both residual adds of a layer, as its
// composition counts add once per block.
func (p *Profiler) sample(prefill [][2]int, decodeKV []int) (map[string][]float64, error) {
	return p.sampleWith(p.m.ProfileForward, p.m.Arch.NumHiddenLayers, model.Shape{Prefill: prefill, Decode: decodeKV})
}

// sampleAttention times the attention alone, every layer over its own
// cache, per layer.
func (p *Profiler) sampleAttention(prefill [][2]int, decodeKV []int) (map[string][]float64, error) {
	return p.sampleWith(p.m.ProfileAttention, p.m.Arch.NumHiddenLayers, model.Shape{Prefill: prefill, Decode: decodeKV})
}

func (p *Profiler) sampleWith(run func(model.Shape) error, layers int, shape model.Shape) (map[string][]float64, error) {
	out := map[string][]float64{}
	for i := 0; i < p.s.Warmup+p.s.Repeats; i++ {
		p.acc.reset()
		if err := run(shape); err != nil {
			return nil, err
		}
		if i < p.s.Warmup {
			continue
		}
		for op, d := range p.acc.acc {
			ms := float64(d.Nanoseconds()) / 1e6
			if perLayer(op) {
				ms /= float64(layers)
			}
			out[op] = append(out[op], ms)
		}
	}
	return out, nil
}

func perLayer(op string) bool {
	switch op {
	case artifacts.OpEmb, artifacts.OpNorm, artifacts.OpLMHead, artifacts.OpSample:
		return false
	}
	return true
}

// MLP measures the token-indexed operators at each grid point with one
// prefill chunk of n tokens over an empty cache (the GEMM shapes are those
// of any n-token batch), and the per-sequence tail (final norm, LM head,
// sampling) with decode batches of s sequences for s ≤ MaxBatchSize; a
// batch size off the token grid keeps that forward's token-indexed
// operators too, so every decode batch size has measured rows.
func (p *Profiler) MLP(grid, sequences []int, progress func()) ([]artifacts.MLPRow, error) {
	rows := map[int]*artifacts.MLPRow{}
	var order []int
	for _, n := range grid {
		got, err := p.sample([][2]int{{n, 0}}, nil)
		if err != nil {
			return nil, fmt.Errorf("mlp num_tokens=%d: %w", n, err)
		}
		r := &artifacts.MLPRow{NumTokens: n, Ops: map[string]artifacts.OpStats{}}
		for _, op := range tokenOps {
			if v, ok := got[op]; ok {
				r.Ops[op] = artifacts.Summarise(v)
			}
		}
		rows[n] = r
		order = append(order, n)
		progress()
	}
	for _, s := range sequences {
		kv := make([]int, s)
		for i := range kv {
			kv[i] = 1
		}
		got, err := p.sample(nil, kv)
		if err != nil {
			return nil, fmt.Errorf("lm_head sequences=%d: %w", s, err)
		}
		r, ok := rows[s]
		if !ok {
			// A sequence count off the token grid gets a row of its own,
			// with the token-indexed operators of this forward too: a
			// decode batch of s sequences runs exactly these GEMMs, and
			// interpolating them between grid points missed the CPU's
			// row-tile effects (decode ×3 was predicted 12% short between
			// the 2- and 4-token rows).
			r = &artifacts.MLPRow{NumTokens: s, Ops: map[string]artifacts.OpStats{}}
			for _, op := range tokenOps {
				if v, ok := got[op]; ok {
					r.Ops[op] = artifacts.Summarise(v)
				}
			}
			rows[s] = r
			order = append(order, s)
		}
		for _, op := range sequenceOps {
			if v, ok := got[op]; ok {
				r.Ops[op] = artifacts.Summarise(v)
			}
		}
		progress()
	}
	sortInts(order)
	out := make([]artifacts.MLPRow, 0, len(order))
	for _, n := range order {
		out = append(out, *rows[n])
	}
	return out, nil
}

// Attention measures prefill chunks over existing caches and decode
// batches over caches of a given size.
func (p *Profiler) Attention(prefills, decodes [][2]int, progress func()) ([]artifacts.AttentionRow, error) {
	var out []artifacts.AttentionRow
	for _, pt := range prefills {
		c, kv := pt[0], pt[1]
		got, err := p.sampleAttention([][2]int{{c, kv}}, nil)
		if err != nil {
			return nil, fmt.Errorf("attention prefill chunk=%d kv=%d: %w", c, kv, err)
		}
		out = append(out, attentionRow(1, c, kv, artifacts.OpAttnPrefill, got))
		progress()
	}
	for _, pt := range decodes {
		b, kv := pt[0], pt[1]
		dec := make([]int, b)
		for i := range dec {
			dec[i] = kv
		}
		got, err := p.sampleAttention(nil, dec)
		if err != nil {
			return nil, fmt.Errorf("attention decode batch=%d kv=%d: %w", b, kv, err)
		}
		out = append(out, attentionRow(b, 0, kv, artifacts.OpAttnDecode, got))
		progress()
	}
	return out, nil
}

// tokenOps are the operators an mlp.csv row keys by its token count;
// sequenceOps those it keys by the sequences that need logits.
var (
	tokenOps    = append(append([]string(nil), artifacts.MLPOps...), artifacts.OpAttnQKNorm)
	sequenceOps = []string{artifacts.OpNorm, artifacts.OpLMHead, artifacts.OpSample}
)

// attentionRow is one attention.csv point: the phase's own time, the KV
// save, and zero reshapes (the engine has no separate reshape kernels, as
// in Vidur's own rows for backends that fuse them).
func attentionRow(batch, chunk, kv int, phase string, got map[string][]float64) artifacts.AttentionRow {
	return artifacts.AttentionRow{BatchSize: batch, PrefillChunk: chunk, KVCacheSize: kv, IsPrefill: chunk > 0,
		Ops: map[string]artifacts.OpStats{phase: artifacts.Summarise(got[phase]), artifacts.OpAttnKVCacheSave: artifacts.Summarise(got[artifacts.OpAttnKVCacheSave]),
			artifacts.OpAttnInReshape: {}, artifacts.OpAttnOutReshape: {}}}
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
