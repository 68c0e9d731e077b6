package sim

import (
	"math/rand/v2"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/des"
	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
	"github.com/simcheck/simcheck/vidur-sim/internal/predict"
	"github.com/simcheck/simcheck/vidur-sim/internal/sched"
)

// synth is a smooth made-up cost model (ms) that answers every key, for
// tests that exercise scheduling rather than prediction.
type synth struct{}

func (synth) Name() string           { return "synth" }
func (synth) Has(op predict.Op) bool { return op != predict.SendRecv || true }
func (synth) Op(op predict.Op, n int) (float64, error) {
	return 0.01 + 0.0005*float64(n) + 0.001*float64(op), nil
}
func (synth) Decode(b, kv int) (float64, error) {
	return 0.02 + 0.001*float64(b) + 0.00001*float64(b*kv), nil
}
func (synth) Prefill(kv, c int) (float64, error) {
	return 0.02 + 0.00001*float64(c*c) + 0.00001*float64(c*kv), nil
}

var tinyArch = sched.Arch{NumLayers: 4, NumQHeads: 8, NumKVHeads: 2, EmbeddingDim: 512, MLPHiddenDim: 1024, GatedMLP: true, PostAttnNorm: true}

// synthConfig is a small cluster on the synthetic model. numBlocks 0 lets
// the planner decide (ample memory); a small value forces preemption.
func synthConfig(kind string, pp, replicas, numBlocks int) Config {
	bs := 16
	if kind == sched.LightLLM {
		bs = 1
	}
	return Config{
		Sched: sched.Config{Kind: kind, BatchSizeCap: 32, BlockSize: bs, ChunkSize: 256, MaxTokensInBatch: 2048,
			WatermarkFraction: 0.01, MaxWaitingIters: 10, MaxTokens: 1024, NumBlocks: numBlocks},
		Plan:        sched.Plan{Arch: tinyArch, TP: 1, PP: pp, MemoryGB: 1, MarginFraction: 0.1, MaxTokens: 1024},
		NumReplicas: replicas, Global: sched.RoundRobin, Seed: 7,
		Predictor: &predict.Predictor{M: synth{}, S: predict.Settings{LayersPerStage: tinyArch.NumLayers / pp, PP: pp, TP: 1,
			GQA: true, PostAttnNorm: true, KVGranularity: 64, DecodeOverhead: 0.1, PrefillOverhd: 0.1}},
	}
}

// randomTrace draws n requests with total length ≤ 1024 (the planner's
// max_tokens), Poisson-ish arrivals at rate qps.
func randomTrace(seed uint64, n int, qps float64) []artifacts.Request {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]artifacts.Request, n)
	t := 0.0
	for i := range out {
		t += r.ExpFloat64() / qps
		p := 1 + r.IntN(700)
		d := 1 + r.IntN(1024-p)
		if r.IntN(4) == 0 {
			d = 1 + r.IntN(3) // short outputs, incl. decode == 1
		}
		if r.IntN(10) == 0 && i > 0 {
			t = out[i-1].ArrivedAt // simultaneous arrivals
		}
		out[i] = artifacts.Request{RequestID: i, ArrivedAt: t, NumPrefillTokens: p, NumDecodeTokens: d}
	}
	return out
}

func entityFrom(q artifacts.Request) *entity.Request {
	return entity.NewRequest(q.RequestID, des.Time(q.ArrivedAt), q.NumPrefillTokens, q.NumDecodeTokens)
}
