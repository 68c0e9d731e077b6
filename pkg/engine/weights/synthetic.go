package weights

import (
	"hash/fnv"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"

	"github.com/simcheck/simcheck/pkg/engine/arch"
	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// synthChunk is the element count drawn from one stream: chunks are drawn in
// parallel, and fixing their size keeps the values independent of the
// number of cores.
const synthChunk = 1 << 18

// Synthetic draws a checkpoint's worth of weights from seed: matrices and
// biases N(0, initializer_range²), like HF's init (biases are zero there;
// random here so bias code paths are exercised), norm weights 1. Each
// tensor's stream is seeded from (seed, name, chunk), so a tensor's values
// do not depend on the others or on the machine. dtype is "F32" or "BF16"
// (BF16 halves memory for large models).
func Synthetic(a arch.Arch, seed uint64, dtype string) Source {
	src := Source{}
	for _, name := range Names(a) {
		rows, cols := shapeOf(a, name)
		h := backend.HostTensor{Name: name, Rows: rows, Cols: cols, Owned: true}
		n := rows * cols
		norm := strings.HasSuffix(name, "norm.weight")
		if dtype == "BF16" && !norm && rows > 1 {
			h.BF16 = make([]uint16, n)
		} else {
			h.F32 = make([]float32, n)
		}
		if norm {
			for i := range h.F32 {
				h.F32[i] = 1
			}
		} else {
			fill(h, seedFor(seed, name), float32(a.InitializerRange))
		}
		src[name] = h
	}
	return src
}

func seedFor(seed uint64, name string) uint64 {
	f := fnv.New64a()
	f.Write([]byte(name))
	return seed ^ f.Sum64()
}

func fill(h backend.HostTensor, s uint64, std float32) {
	n := max(len(h.F32), len(h.BF16))
	chunks := (n + synthChunk - 1) / synthChunk
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for c := range chunks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := rand.New(rand.NewPCG(s, uint64(c)))
			lo, hi := c*synthChunk, min((c+1)*synthChunk, n)
			for i := lo; i < hi; i++ {
				v := float32(r.NormFloat64()) * std
				if h.F32 != nil {
					h.F32[i] = v
				} else {
					h.BF16[i] = toBF16(v)
				}
			}
		}()
	}
	wg.Wait()
}

func toBF16(f float32) uint16 {
	b := mathFloat32bits(f)
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// shapeOf is the shape Bind expects for a name.
func shapeOf(a arch.Arch, name string) (int, int) {
	h, d, i := a.HiddenSize, a.HeadDim, a.IntermediateSize
	switch {
	case name == "model.embed_tokens.weight", name == "lm_head.weight":
		return a.VocabSize, h
	case strings.HasSuffix(name, "norm.weight") && strings.Contains(name, "_norm.weight") && strings.Contains(name, "self_attn"):
		return 1, d
	case strings.HasSuffix(name, "layernorm.weight"), name == "model.norm.weight":
		return 1, h
	case strings.HasSuffix(name, "q_proj.weight"):
		return a.QDim(), h
	case strings.HasSuffix(name, "k_proj.weight"), strings.HasSuffix(name, "v_proj.weight"):
		return a.KVDim(), h
	case strings.HasSuffix(name, "q_proj.bias"):
		return 1, a.QDim()
	case strings.HasSuffix(name, "k_proj.bias"), strings.HasSuffix(name, "v_proj.bias"):
		return 1, a.KVDim()
	case strings.HasSuffix(name, "o_proj.weight"):
		return h, a.QDim()
	case strings.HasSuffix(name, "down_proj.weight"):
		return h, i
	default: // gate_proj, up_proj
		return i, h
	}
}
