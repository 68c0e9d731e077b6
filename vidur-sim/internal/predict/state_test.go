package predict

import (
	"bytes"
	"github.com/simcheck/simcheck/vidur-sim/internal/bundle"
	"math"
	"reflect"
	"testing"
)

// TestStateRoundTripAnswersBitForBit: a predictor saved and restored
// gives the same value, to the bit, for every operation and key, inside
// and beyond the profiled ranges, and the same reports and notes.
func TestStateRoundTripAnswersBitForBit(t *testing.T) {
	n := trainTiny(t)
	checkRoundTrip(t, n)
}

// TestStateRoundTripA30: the same on the shared A30 bundle, whose
// attention fits are the grouped interpolations.
func TestStateRoundTripA30(t *testing.T) {
	b, err := bundle.Load(a30Paths(t), a30Dims, false, false)
	if err != nil {
		t.Fatal(err)
	}
	n, err := Train(b, 42, a30Dims.EmbeddingDim)
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, n)
}

func checkRoundTrip(t *testing.T, n *Native) {
	t.Helper()
	var buf bytes.Buffer
	if err := n.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	r, err := LoadState(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(scrubNaN(n.Reports), scrubNaN(r.Reports)) || !reflect.DeepEqual(n.Notes, r.Notes) {
		t.Fatalf("reports or notes differ:\n%+v %q\n%+v %q", n.Reports, n.Notes, r.Reports, r.Notes)
	}
	keys := []int{0, 1, 2, 7, 8, 15, 16, 100, 513, 1000, 4096, 5000, 70000}
	for op := range numOps {
		if n.Has(op) != r.Has(op) {
			t.Fatalf("%s: Has %v, restored %v", op, n.Has(op), r.Has(op))
		}
		if !n.Has(op) {
			continue
		}
		for _, k := range keys {
			a, _ := n.Op(op, k)
			b, _ := r.Op(op, k)
			if math.Float64bits(a) != math.Float64bits(b) {
				t.Fatalf("%s(%d) = %v, restored %v", op, k, a, b)
			}
		}
	}
	for _, x := range keys {
		for _, y := range keys {
			a, _ := n.Decode(x, y)
			b, _ := r.Decode(x, y)
			c, _ := n.Prefill(x, y)
			d, _ := r.Prefill(x, y)
			if math.Float64bits(a) != math.Float64bits(b) || math.Float64bits(c) != math.Float64bits(d) {
				t.Fatalf("(%d, %d): decode %v / %v, prefill %v / %v", x, y, a, b, c, d)
			}
		}
	}
}

// scrubNaN replaces NaN scores (no hold-out) by a sentinel so DeepEqual
// can compare them.
func scrubNaN(rs []OpReport) []OpReport {
	out := append([]OpReport(nil), rs...)
	for i := range out {
		if math.IsNaN(out[i].MAPE) {
			out[i].MAPE = -1
		}
		if math.IsNaN(out[i].AltMAPE) {
			out[i].AltMAPE = -1
		}
	}
	return out
}

// TestStateRefusesDamage: a truncated or altered state is an error, not
// a predictor.
func TestStateRefusesDamage(t *testing.T) {
	n := trainTiny(t)
	var buf bytes.Buffer
	if err := n.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	for _, cut := range []int{0, 1, len(data) / 2, len(data) - 1} {
		if _, err := LoadState(data[:cut]); err == nil {
			t.Errorf("state cut to %d of %d bytes was accepted", cut, len(data))
		}
	}
	if _, err := LoadState(bytes.Repeat([]byte{0x55}, 200)); err == nil {
		t.Error("garbage was accepted")
	}
}
