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
