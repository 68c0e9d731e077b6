package llm

import (
	"testing"
)

// qwen3_0_6b is the Qwen3-0.6B shape (public config.json).
var qwen3_0_6b = Arch{NumLayers: 28, Hidden: 1024, QHeads: 16, KVHeads: 8, HeadDim: 128, Intermediate: 3072, Vocab: 151936,
	RopeTheta: 1e6, Eps: 1e-6, QKNorm: true, TiedEmbeddings: true}

var benchModel *Model

func model06(b *testing.B) *Model {
	if benchModel == nil {
		m, err := NewModel(qwen3_0_6b, SyntheticWeights(qwen3_0_6b, 0), Options{})
		if err != nil {
			b.Fatal(err)
		}
		benchModel = m
	}
	return benchModel
}

func benchForward(b *testing.B, prefill [][2]int, decode []int, tokens int) {
	m := model06(b)
	if err := m.ProfileForward(prefill, decode, 16); err != nil { // warm-up, cache allocation
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := m.ProfileForward(prefill, decode, 16); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
	if tokens > 0 {
		b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		// 2·params FLOPs per token for the projections (LM head once).
		b.ReportMetric(2*float64(qwen3_0_6b.Params())*float64(tokens)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	}
}

func BenchmarkDecodeBatch1KV512(b *testing.B)  { benchForward(b, nil, rep(512, 1), 0) }
func BenchmarkDecodeBatch8KV512(b *testing.B)  { benchForward(b, nil, rep(512, 8), 0) }
func BenchmarkDecodeBatch32KV512(b *testing.B) { benchForward(b, nil, rep(512, 32), 0) }
func BenchmarkPrefill512(b *testing.B)         { benchForward(b, [][2]int{{512, 0}}, nil, 512) }

func rep(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}
