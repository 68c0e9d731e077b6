package capacity

import (
	"errors"
	"math"
	"testing"
)

// threshold is a probe that meets exactly at rates up to c.
func threshold(c float64) func(float64) (Probe, error) {
	return func(q float64) (Probe, error) {
		p := Probe{QPS: q, Meets: q <= c}
		if !p.Meets {
			p.Misses = []Objective{TBT}
		}
		return p, nil
	}
}

func TestSearchBracketsThreshold(t *testing.T) {
	rng := Range{Min: 0.01, Max: 100, Tolerance: 0.01}
	for _, c := range []float64{0.0101, 0.05, 1, 2.43, 7.7, 99.9} {
		res, err := Search(rng, threshold(c))
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != Found || res.QPS > c || res.Fails <= c || res.Fails-res.QPS > rng.Tolerance*res.QPS || res.Binding != TBT {
			t.Errorf("c=%g: %+v", c, res)
		}
		if res.Probes[0].QPS != 100 || res.Probes[1].QPS != 0.01 {
			t.Errorf("c=%g: probes start %g, %g; want the top, then the bottom", c, res.Probes[0].QPS, res.Probes[1].QPS)
		}
		// Geometric halving: log2(ln(1e4)/ln(1.01)) rounds up to 10.
		if len(res.Probes) > 12 {
			t.Errorf("c=%g: %d probes", c, len(res.Probes))
		}
	}
}

func TestSearchOutOfRange(t *testing.T) {
	rng := Range{Min: 1, Max: 10, Tolerance: 0.01}
	res, err := Search(rng, threshold(10))
	if err != nil || res.Status != AboveRange || res.QPS != 10 || len(res.Probes) != 1 || res.Binding != "" {
		t.Errorf("at the top: %+v, %v", res, err)
	}
	res, err = Search(rng, threshold(0.5))
	if err != nil || res.Status != BelowRange || res.QPS != 0 || res.Fails != 1 || len(res.Probes) != 2 || res.Binding != TBT {
		t.Errorf("below the bottom: %+v, %v", res, err)
	}
}

func TestSearchProbeError(t *testing.T) {
	boom := errors.New("boom")
	_, err := Search(Range{Min: 1, Max: 2, Tolerance: 0.1}, func(float64) (Probe, error) { return Probe{}, boom })
	if !errors.Is(err, boom) || err.Error() != "probe at 2 req/s: boom" {
		t.Errorf("%v", err)
	}
}

// TestSearchTinyTolerance: a tolerance finer than float64 can resolve
// still ends, with the bracket down to neighbouring floats.
func TestSearchTinyTolerance(t *testing.T) {
	res, err := Search(Range{Min: 1, Max: 4, Tolerance: 1e-300}, threshold(math.Pi))
	if err != nil || res.Status != Found || res.Fails-res.QPS > 1e-14 || len(res.Probes) > 80 {
		t.Errorf("%+v, %v", res.Status, err)
	}
}

func TestRangeValidate(t *testing.T) {
	for _, r := range []Range{{0, 1, 0.1}, {-1, 1, 0.1}, {2, 2, 0.1}, {1, math.Inf(1), 0.1}, {1, 2, 0}, {1, 2, 1}, {math.NaN(), 2, 0.1}} {
		if r.Validate() == nil {
			t.Errorf("%+v accepted", r)
		}
	}
	if err := (Range{0.1, 0.2, 0.5}).Validate(); err != nil {
		t.Error(err)
	}
}
