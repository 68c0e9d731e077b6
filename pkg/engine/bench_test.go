package engine

import (
	"fmt"
	"testing"

	"github.com/simcheck/simcheck/pkg/engine/arch"
	"github.com/simcheck/simcheck/pkg/engine/backend"
	"github.com/simcheck/simcheck/pkg/engine/kvcache"
	"github.com/simcheck/simcheck/pkg/engine/model"
	"github.com/simcheck/simcheck/pkg/engine/sched"
	"github.com/simcheck/simcheck/pkg/engine/weights"
)

// The Qwen3-0.6B benchmarks (cpu-facts.md has the PyTorch references):
//
//	go test -run XXX -bench Qwen3 -benchtime 3x .
//
// Synthetic weights: timing does not depend on their values. Building the
// model takes a few seconds and 2.4 GB (F32) or 1.2 GB (BF16).

var benchModels = map[string]*model.Model{}

func qwen3Model(b *testing.B, dtype string) *model.Model {
	if m := benchModels[dtype]; m != nil {
		return m
	}
	a := arch.Qwen3_0_6B()
	w, err := weights.Bind(weights.Synthetic(a, 1, dtype), a)
	if err != nil {
		b.Fatal(err)
	}
	// 32 sequences (the largest decode batch) × 40 blocks (512 cached
	// tokens + room for 128 decode steps), plus a prefill. The fp32 cache
	// is 229 KB a token; the pages only count once written (≈ 3.8 GB at
	// batch 32).
	m, err := NewModel(a, w, "cpu", backend.Options{WeightDType: dtype},
		sched.Settings{Kind: "sarathi", BlockSize: 16, NumKVBlocks: 32*40 + 40})
	if err != nil {
		b.Fatal(err)
	}
	benchModels[dtype] = m
	return m
}

func BenchmarkQwen3Decode(b *testing.B) {
	for _, dt := range []string{"BF16", "F32"} {
		for _, batch := range []int{1, 8, 32} {
			b.Run(fmt.Sprintf("%s/batch%d", dt, batch), func(b *testing.B) {
				m := qwen3Model(b, dt)
				chunks := make([]model.Chunk, batch)
				for i := range chunks {
					id := kvcache.SeqID(i + 1)
					if err := m.Cache.Prefill(id, 512); err != nil {
						b.Fatal(err)
					}
					chunks[i] = model.Chunk{Seq: id, Tokens: []int32{int32(i)}, Logits: true}
					defer m.Cache.Release(id)
				}
				b.ResetTimer()
				for range b.N {
					out, err := m.Forward(chunks)
					if err != nil {
						b.Fatal(err)
					}
					m.SampleAll(out, model.Sampling{}, nil)
				}
			})
		}
	}
}

func BenchmarkQwen3Prefill512(b *testing.B) {
	for _, dt := range []string{"BF16", "F32"} {
		b.Run(dt, func(b *testing.B) {
			m := qwen3Model(b, dt)
			toks := make([]int32, 512)
			for i := range toks {
				toks[i] = int32(i * 7)
			}
			for i := range b.N {
				id := kvcache.SeqID(1000 + i)
				out, err := m.Forward([]model.Chunk{{Seq: id, Tokens: toks, Logits: true}})
				if err != nil {
					b.Fatal(err)
				}
				m.SampleAll(out, model.Sampling{}, nil)
				m.Cache.Release(id)
			}
		})
	}
}
