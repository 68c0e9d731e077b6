package model

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/pkg/engine/arch"
	"github.com/simcheck/simcheck/pkg/engine/backend"
	"github.com/simcheck/simcheck/pkg/engine/backend/cpu"
	"github.com/simcheck/simcheck/pkg/engine/kvcache"
	"github.com/simcheck/simcheck/pkg/engine/weights"
)

const fixtureDir = "../testdata/tiny-qwen3"

// fixtureTol: the reference computes in float64, the engine in fp32 with
// fp32 accumulation over at most 128 terms per dot product through 2 layers;
// logits are O(10) here (embedding std 1 times hidden 64), so fp32 rounding
// (6e-8 relative) accumulates to ~1e-5 absolute. 2e-4 leaves margin
// without hiding a real bug, which moves logits by >1e-2.
const fixtureTol = 2e-4

type fixture struct {
	Sequences []struct {
		Tokens []int32     `json:"tokens"`
		Logits [][]float32 `json:"logits"`
	} `json:"sequences"`
}

func loadTiny(t testing.TB, opt backend.Options, blocks, blockSize int) (*Model, fixture) {
	t.Helper()
	a, err := arch.Load(filepath.Join(fixtureDir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := weights.LoadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	w, err := weights.Bind(src, a)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cpu.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(a, w, b, blocks, blockSize)
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	data, err := os.ReadFile(filepath.Join(fixtureDir, "logits.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return m, f
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestLogitsMatchPyTorch runs the fixture's sequences three ways (each
// alone in one prefill; all three in one batch; the long one in chunks of
// 8, 5, 7 and then two decode steps) and compares every logits row the
// engine returns with the PyTorch reference's row at that position.
func TestLogitsMatchPyTorch(t *testing.T) {
	m, f := loadTiny(t, backend.Options{}, 64, 4)
	check := func(what string, got []float32, seq, pos int) {
		t.Helper()
		if d := maxDiff(got, f.Sequences[seq].Logits[pos]); d > fixtureTol {
			t.Errorf("%s: seq %d pos %d: max |Δ| = %g > %g", what, seq, pos, d, fixtureTol)
		}
	}
	id := kvcache.SeqID(0)
	for si, s := range f.Sequences {
		id++
		out, err := m.Forward([]Chunk{{Seq: id, Tokens: s.Tokens, Logits: true}})
		if err != nil {
			t.Fatal(err)
		}
		check("alone", out[0], si, len(s.Tokens)-1)
		m.Cache.Release(id)
	}
	var batch []Chunk
	for _, s := range f.Sequences {
		id++
		batch = append(batch, Chunk{Seq: id, Tokens: s.Tokens, Logits: true})
	}
	out, err := m.Forward(batch)
	if err != nil {
		t.Fatal(err)
	}
	for si, s := range f.Sequences {
		check("batched", out[si], si, len(s.Tokens)-1)
	}
	id++
	long := f.Sequences[2].Tokens
	pos := 0
	for _, n := range []int{8, 5, 7, 1, 1} {
		out, err := m.Forward([]Chunk{{Seq: id, Tokens: long[pos : pos+n], Logits: true}})
		if err != nil {
			t.Fatal(err)
		}
		pos += n
		check("chunked", out[0], 2, pos-1)
	}
}

// TestBF16KVCacheOnFixture runs the fixture's long sequence in chunks and
// decode steps (every step after the first reads the cache) with an fp32
// and a bf16 KV cache, fp32 weights both times, and bounds the bf16
// cache's logits against the PyTorch reference and against the fp32
// cache. docs/engine.md quotes the logged differences.
func TestBF16KVCacheOnFixture(t *testing.T) {
	var outs [2][][]float32
	_, f := loadTiny(t, backend.Options{}, 64, 4)
	long := f.Sequences[2].Tokens
	steps := []int{8, 5, 7, 1, 1}
	for i, kv := range []string{"F32", "BF16"} {
		m, _ := loadTiny(t, backend.Options{KVDType: kv}, 64, 4)
		if got := m.KV.(backend.KVDTyper).DType(); got != kv {
			t.Fatalf("KV cache %s, want %s", got, kv)
		}
		pos := 0
		for _, n := range steps {
			out, err := m.Forward([]Chunk{{Seq: 1, Tokens: long[pos : pos+n], Logits: true}})
			if err != nil {
				t.Fatal(err)
			}
			pos += n
			outs[i] = append(outs[i], out[0])
		}
	}
	var vsTorch, vsF32, f32VsTorch float64
	pos := 0
	for s, n := range steps {
		pos += n
		ref := f.Sequences[2].Logits[pos-1]
		vsTorch = math.Max(vsTorch, maxDiff(outs[1][s], ref))
		vsF32 = math.Max(vsF32, maxDiff(outs[1][s], outs[0][s]))
		f32VsTorch = math.Max(f32VsTorch, maxDiff(outs[0][s], ref))
	}
	t.Logf("max |Δ| of the logits: bf16 cache vs PyTorch %.3g, bf16 vs fp32 cache %.3g, fp32 cache vs PyTorch %.3g", vsTorch, vsF32, f32VsTorch)
	// The fixture's logits reach ±32 (standard deviation 7.9); bf16 keeps
	// 8 significant bits, so keys, values, queries and probabilities each
	// move by up to 2⁻⁹ relative, about 0.06 at that scale before two
	// layers compound it. The limit is TestBF16WeightsCloseToF32's, for
	// the same rounding applied to the weights.
	if vsTorch > 0.5 || vsF32 == 0 {
		t.Errorf("bf16 KV cache: max |Δ| %g against PyTorch (limit 0.5), %g against the fp32 cache (must be > 0)", vsTorch, vsF32)
	}
}
