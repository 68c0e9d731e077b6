package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/simcheck/simcheck/pkg/engine/arch"
	"github.com/simcheck/simcheck/pkg/engine/backend"
	"github.com/simcheck/simcheck/pkg/engine/backend/cpu"
	"github.com/simcheck/simcheck/pkg/engine/kvcache"
	"github.com/simcheck/simcheck/pkg/engine/weights"
)

// invTol: the paths compared differ only in summation order (attention
// over blocks and chunks, tiles vs single rows); logits here are O(1)
// (init std 0.3), so fp32 reordering noise is ~1e-6. 1e-4 flags any real
// difference, which would be O(1e-2) or more.
const invTol = 1e-4

func tinyArch(modelType string, headDim int) arch.Arch {
	a := arch.Arch{ModelType: modelType, NumHiddenLayers: 2, HiddenSize: 128, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, HeadDim: headDim, IntermediateSize: 256, VocabSize: 300,
		RopeTheta: 10000, InitializerRange: 0.3, TieWordEmbeddings: modelType == "qwen3"}
	if err := a.Validate(); err != nil {
		panic(err)
	}
	return a
}

func tinyModel(t testing.TB, a arch.Arch, dtype string, blocks, bs int) *Model {
	t.Helper()
	w, err := weights.Bind(weights.Synthetic(a, 7, dtype), a)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cpu.New(backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(a, w, b, blocks, bs)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func tokens(r *rand.Rand, n, vocab int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = int32(r.IntN(vocab))
	}
	return s
}

// TestCacheChunkBatchInvariants: for Qwen3, Qwen2 (biases) and Llama-style
// (untied head) shapes, with head_dim 64 (assembly attention) and 32 (Go
// attention): decoding over the KV cache equals recomputing the whole
// sequence; a prefill split into chunks equals one prefill; a batch of
// sequences equals each run alone.
func TestCacheChunkBatchInvariants(t *testing.T) {
	for _, c := range []struct {
		typ string
		hd  int
	}{{"qwen3", 64}, {"qwen2", 32}, {"llama", 64}} {
		t.Run(fmt.Sprintf("%s/hd%d", c.typ, c.hd), func(t *testing.T) {
			a := tinyArch(c.typ, c.hd)
			m := tinyModel(t, a, "F32", 256, 16)
			r := rand.New(rand.NewPCG(3, 4))
			seq := tokens(r, 45, a.VocabSize)
			full := func(id kvcache.SeqID, toks []int32) []float32 {
				out, err := m.Forward([]Chunk{{Seq: id, Tokens: toks, Logits: true}})
				if err != nil {
					t.Fatal(err)
				}
				m.Cache.Release(id)
				return out[0]
			}
			// Reference: every prefix recomputed from scratch.
			ref := map[int][]float32{}
			for _, n := range []int{17, 40, 41, 42, 45} {
				ref[n] = full(kvcache.SeqID(1000+n), seq[:n])
			}
			// Chunks 17 (crossing a block), 23, then decodes.
			id := kvcache.SeqID(1)
			pos := 0
			for _, n := range []int{17, 23, 1, 1, 3} {
				out, err := m.Forward([]Chunk{{Seq: id, Tokens: seq[pos : pos+n], Logits: true}})
				if err != nil {
					t.Fatal(err)
				}
				pos += n
				if d := maxDiff(out[0], ref[pos]); d > invTol {
					t.Errorf("after %d tokens (chunk %d): max |Δ| vs recompute = %g", pos, n, d)
				}
			}
			// A mixed batch: a decode of seq 1, a fresh prefill, a partial
			// prefill without logits, equals each alone.
			other := tokens(r, 9, a.VocabSize)
			next := tokens(r, 1, a.VocabSize)
			out, err := m.Forward([]Chunk{
				{Seq: id, Tokens: next, Logits: true},
				{Seq: 2, Tokens: other, Logits: true},
				{Seq: 3, Tokens: other[:4]},
			})
			if err != nil {
				t.Fatal(err)
			}
			if out[2] != nil {
				t.Error("logits returned for a chunk that did not ask")
			}
			if d := maxDiff(out[0], full(50, append(append([]int32{}, seq...), next...))); d > invTol {
				t.Errorf("batched decode vs alone: %g", d)
			}
			if d := maxDiff(out[1], full(51, other)); d > invTol {
				t.Errorf("batched prefill vs alone: %g", d)
			}
		})
	}
}

// TestBF16WeightsCloseToF32: bf16 storage changes each weight by up to
// 2^-9 relative; with init std 0.3 the logits here are O(10), so ~1%
// drift through two layers is ~0.1 (observed 0.10). The check is that the
// bf16 kernels compute the same function (a wrong kernel is off by O(10)),
// not bit equality.
func TestBF16WeightsCloseToF32(t *testing.T) {
	a := tinyArch("qwen3", 64)
	r := rand.New(rand.NewPCG(5, 6))
	seq := tokens(r, 20, a.VocabSize)
	var outs [][]float32
	for _, dt := range []string{"F32", "BF16"} {
		m := tinyModel(t, a, dt, 64, 16)
		o, err := m.Forward([]Chunk{{Seq: 1, Tokens: seq, Logits: true}})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, o[0])
	}
	if d := maxDiff(outs[0], outs[1]); d > 0.5 || d == 0 {
		t.Errorf("bf16 vs f32 weights (bf16 drawn by rounding the same values): max |Δ| = %g", d)
	}
}

// TestOpTimerSeesEveryOperator checks the Vidur operator names and their
// nesting: every start has an end, per layer and outside.
func TestOpTimerSeesEveryOperator(t *testing.T) {
	a := tinyArch("qwen3", 64)
	m := tinyModel(t, a, "F32", 64, 16)
	rec := &recorder{count: map[string]int{}}
	m.Timer = rec
	if _, err := m.Forward([]Chunk{{Seq: 1, Tokens: []int32{1, 2, 3}, Logits: true}}); err != nil {
		t.Fatal(err)
	}
	out, err := m.Forward([]Chunk{{Seq: 1, Tokens: []int32{4}, Logits: true}, {Seq: 2, Tokens: []int32{5, 6}, Logits: true}})
	if err != nil {
		t.Fatal(err)
	}
	m.SampleAll(out, Sampling{}, nil)
	L := a.NumHiddenLayers
	want := map[string]int{OpEmb: 2, OpInputLayernorm: 2 * L, OpAttnPreProj: 2 * L, OpAttnQKNorm: 2 * L,
		OpAttnRope: 2 * L, OpAttnKVCacheSave: 2 * L, OpAttnPrefill: 2 * L, OpAttnDecode: L,
		OpAttnPostProj: 2 * L, OpPostAttnNorm: 2 * L, OpMLPUpProj: 2 * L, OpMLPAct: 2 * L,
		OpMLPDownProj: 2 * L, OpAdd: 4 * L, OpNorm: 2, OpLMHead: 2, OpSample: 1}
	for op, n := range want {
		if rec.count[op] != n {
			t.Errorf("%s timed %d times, want %d", op, rec.count[op], n)
		}
	}
	if len(rec.count) != len(want) || rec.open != "" {
		t.Errorf("unexpected ops %v (open %q)", rec.count, rec.open)
	}
}

type recorder struct {
	count map[string]int
	open  string
}

func (r *recorder) OpStart(op string, layer, tokens int) { r.open = op }
func (r *recorder) OpEnd(op string, layer, tokens int) {
	if r.open == op {
		r.open = ""
	}
	r.count[op]++
}

func TestSampling(t *testing.T) {
	l := []float32{0.1, 3, 2.9, -1}
	if got := (Sampling{}).Sample(l, nil); got != 1 {
		t.Errorf("greedy = %d, want 1", got)
	}
	r := rand.New(rand.NewPCG(1, 1))
	seen := map[int32]int{}
	for range 2000 {
		seen[(Sampling{Temperature: 1, TopP: 0.9}).Sample(l, r)]++
	}
	// top-p 0.9 keeps tokens 1 and 2 (p ≈ 0.50, 0.45); 0 and 3 are cut.
	if seen[0]+seen[3] != 0 || seen[1] < 800 || seen[2] < 700 {
		t.Errorf("top-p sampling counts %v", seen)
	}
}

// TestSampleAllGreedyBatch: a greedy batch large enough to be split over
// the cores picks each row's argmax (lowest id on ties), and leaves rows
// without logits at 0, in Go and on a backend's ArgmaxRows (cpu).
func TestSampleAllGreedyBatch(t *testing.T) {
	c, err := cpu.New(backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := backend.Backend(c).(backend.Argmaxer); !ok {
		t.Fatal("the cpu backend is no backend.Argmaxer")
	}
	for _, m := range []*Model{{}, {B: c}} {
		sampleAllGreedy(t, m)
	}
}

func sampleAllGreedy(t *testing.T, m *Model) {
	r := rand.New(rand.NewPCG(11, 12))
	logits := make([][]float32, 13)
	want := make([]int32, len(logits))
	for i := range logits {
		if i == 5 {
			continue // no logits asked for this row
		}
		logits[i] = make([]float32, 1000)
		for j := range logits[i] {
			logits[i][j] = float32(r.NormFloat64())
		}
		want[i] = int32(r.IntN(1000))
		logits[i][want[i]] = 10
		if i%3 == 0 { // a tie after it: the lower id wins
			logits[i][999] = 10
		}
	}
	got := m.SampleAll(logits, Sampling{}, nil)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: token %d, want %d", i, got[i], want[i])
		}
	}
}

// hiddenHost is the cpu backend without its HostViewer, so that
// ForwardTransient takes the copying path a device backend takes.
type hiddenHost struct{ backend.Backend }

// TestForwardTransient: ForwardTransient's logits are Forward's, bit for
// bit, on a backend that lends its tensors (cpu) and on one that must copy
// them; its rows are reused by the next forward, while Forward's rows are
// the caller's to keep.
func TestForwardTransient(t *testing.T) {
	a := tinyArch("qwen3", 64)
	w, err := weights.Bind(weights.Synthetic(a, 7, "F32"), a)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(8, 9))
	p1, p2, p3 := tokens(r, 20, a.VocabSize), tokens(r, 7, a.VocabSize), tokens(r, 11, a.VocabSize)
	for _, hide := range []bool{false, true} {
		t.Run(fmt.Sprintf("copy=%v", hide), func(t *testing.T) {
			c, err := cpu.New(backend.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var b backend.Backend = c
			if hide {
				b = hiddenHost{c}
			}
			m, err := New(a, w, b, 64, 16)
			if err != nil {
				t.Fatal(err)
			}
			batch := func(base kvcache.SeqID) []Chunk {
				return []Chunk{{Seq: base, Tokens: p1, Logits: true}, {Seq: base + 1, Tokens: p2}, {Seq: base + 2, Tokens: p3, Logits: true}}
			}
			kept, err := m.Forward(batch(1))
			if err != nil {
				t.Fatal(err)
			}
			kept0, kept2 := slices.Clone(kept[0]), slices.Clone(kept[2])
			tr, err := m.ForwardTransient(batch(10))
			if err != nil {
				t.Fatal(err)
			}
			if tr[1] != nil || len(tr[0]) != a.VocabSize || len(tr[2]) != a.VocabSize {
				t.Fatalf("transient rows: %d, %v, %d values", len(tr[0]), tr[1] != nil, len(tr[2]))
			}
			for _, i := range []int{0, 2} {
				if !slices.Equal(tr[i], kept[i]) {
					t.Fatalf("row %d: ForwardTransient differs from Forward (max |Δ| %g)", i, maxDiff(tr[i], kept[i]))
				}
			}
			before := slices.Clone(tr[0])
			// A different batch: its first row is p3's logits, which differ
			// from p1's, and land where tr[0] is.
			if _, err := m.ForwardTransient([]Chunk{{Seq: 20, Tokens: p3, Logits: true}}); err != nil {
				t.Fatal(err)
			}
			if slices.Equal(tr[0], before) {
				t.Error("the next forward left ForwardTransient's rows as they were: they are not the reused buffer")
			}
			if !slices.Equal(kept[0], kept0) || !slices.Equal(kept[2], kept2) {
				t.Error("Forward's rows changed under a later forward")
			}
		})
	}
}

// TestArgmaxMatchesScan: the four-lane argmax returns what one scan
// returns (the first index of the largest value, NaNs skipped unless at
// index 0) at every length from 0 to 40, with ties and NaNs placed at
// random among few distinct values.
func TestArgmaxMatchesScan(t *testing.T) {
	scan := func(x []float32) int {
		best := 0
		for i, v := range x {
			if v > x[best] {
				best = i
			}
		}
		return best
	}
	r := rand.New(rand.NewPCG(11, 12))
	nan := float32(math.NaN())
	for n := range 41 {
		for trial := range 200 {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(r.IntN(4)) // many ties
				if r.IntN(10) == 0 {
					x[i] = nan
				}
			}
			if got, want := argmax(x), scan(x); got != want {
				t.Fatalf("n=%d trial %d: argmax(%v) = %d, the scan says %d", n, trial, x, got, want)
			}
		}
	}
}
