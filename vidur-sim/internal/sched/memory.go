package sched

import (
	"errors"
	"fmt"
	"math"
)

// Arch is the part of a model's architecture the memory planner and the
// predictor need (vidur-semantics.md §7.4).
type Arch struct {
	NumLayers, NumQHeads, NumKVHeads, EmbeddingDim, MLPHiddenDim, VocabSize int
	// HeadDimOverride is the model's own head_dim when it is not E /
	// q_heads (Qwen3: hidden 1024, 16 heads of 128). Vidur's model
	// configs have no head_dim and always use E / q_heads; Plan.Compat
	// ignores the override.
	HeadDimOverride        int
	GatedMLP, PostAttnNorm bool
}

// Plan is the memory planner's input (vidur-semantics.md §3.1).
type Plan struct {
	Arch           Arch
	TP, PP         int
	MemoryGB       float64
	MarginFraction float64 // 0.1 in Vidur
	MaxTokens      int     // request generator max_tokens (4096)
	// Compat reproduces Vidur's KV sizing over all layers even with PP
	// (vidur-semantics.md §10.3); false sizes each stage's KV for its own layers.
	Compat bool
}

// Validate checks the divisibility Vidur asserts (vidur-semantics.md §2.4, ParamCounter).
func (p Plan) Validate() error {
	a := p.Arch
	switch {
	case p.TP < 1 || p.PP < 1:
		return fmt.Errorf("parallel.tensor=%d and parallel.pipeline=%d must be at least 1", p.TP, p.PP)
	case a.NumLayers <= 0 || a.NumQHeads <= 0 || a.NumKVHeads <= 0 || a.EmbeddingDim <= 0 || a.MLPHiddenDim <= 0:
		return errors.New("model architecture has a non-positive size (layers, heads, hidden size, intermediate size)")
	case a.NumLayers%p.PP != 0:
		return fmt.Errorf("num_layers %d is not divisible by parallel.pipeline=%d", a.NumLayers, p.PP)
	case a.NumQHeads%p.TP != 0:
		return fmt.Errorf("num_q_heads %d is not divisible by parallel.tensor=%d", a.NumQHeads, p.TP)
	case a.EmbeddingDim%p.TP != 0:
		return fmt.Errorf("hidden size %d is not divisible by parallel.tensor=%d", a.EmbeddingDim, p.TP)
	case a.EmbeddingDim%a.NumQHeads != 0 && (p.Compat || a.HeadDimOverride == 0):
		return fmt.Errorf("hidden size %d is not divisible by num_q_heads %d", a.EmbeddingDim, a.NumQHeads)
	}
	return nil
}

// HeadDim is E / q_heads, Vidur's rule.
func (a Arch) HeadDim() int { return a.EmbeddingDim / a.NumQHeads }

// headDim is the planner's head size: the model's own unless Compat.
func (p Plan) headDim() int {
	if !p.Compat && p.Arch.HeadDimOverride > 0 {
		return p.Arch.HeadDimOverride
	}
	return p.Arch.HeadDim()
}

// ParamsPerLayer counts one layer's attention and MLP weights on one TP
// worker (embeddings, LM head, norms and biases ignored, as in Vidur).
func (p Plan) ParamsPerLayer() int {
	a := p.Arch
	hd := p.headDim()
	qw := a.NumQHeads / p.TP
	kvw := (a.NumKVHeads + p.TP - 1) / p.TP
	n := a.EmbeddingDim*hd*(qw+2*kvw) + a.EmbeddingDim*hd*qw
	if a.GatedMLP {
		n += 3 * a.EmbeddingDim * a.MLPHiddenDim / p.TP
	} else {
		n += 2 * a.EmbeddingDim * a.MLPHiddenDim / p.TP
	}
	return n
}

// MaxBatchSize is how many max_tokens-long requests fit in one device's
// KV memory after the weights (vidur-semantics.md §3.1).
func (p Plan) MaxBatchSize() (int, error) {
	a := p.Arch
	kvw := (a.NumKVHeads + p.TP - 1) / p.TP
	paramBytes := 2 * p.ParamsPerLayer() * (a.NumLayers / p.PP)
	layers := a.NumLayers
	if !p.Compat {
		layers = a.NumLayers / p.PP
	}
	kvBytes := 2 * 2 * p.headDim() * kvw * p.MaxTokens * layers
	// Python: total_memory_gb * 1024**3 * (1 - margin), a float, then
	// (available - params) // kv as float floor division.
	avail := p.MemoryGB * float64(1<<30) * (1 - p.MarginFraction)
	n := pyFloorDiv(avail-float64(paramBytes), float64(kvBytes))
	if !(n > 0) {
		return 0, fmt.Errorf("not enough memory to store even a single request: %.4g GB device, %.4g GB of weights per device, %.4g GB of KV cache per %d-token request",
			p.MemoryGB, float64(paramBytes)/(1<<30), float64(kvBytes)/(1<<30), p.MaxTokens)
	}
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("memory planner: %g request slots is implausible", n)
	}
	return int(n), nil
}

// pyFloorDiv is CPython's float floor division (float_divmod), so the
// planner rounds exactly as Vidur does at integer boundaries.
func pyFloorDiv(a, b float64) float64 {
	mod := math.Mod(a, b)
	div := (a - mod) / b
	if mod != 0 && (b < 0) != (mod < 0) {
		div -= 1
	}
	if div == 0 {
		return math.Copysign(0, a/b)
	}
	fl := math.Floor(div)
	if div-fl > 0.5 {
		fl += 1
	}
	return fl
}
