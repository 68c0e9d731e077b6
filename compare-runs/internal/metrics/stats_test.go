package metrics

import (
	"math"
	"testing"
)

// numpy 1.24.2, np.percentile(x, p) with the default linear method.
func TestPercentilesMatchNumpyLinear(t *testing.T) {
	d := Describe([]float64{15, 20, 35, 40, 50, 7, 3.5, 100})
	for stat, want := range map[string]float64{
		"p50": 27.5, "p90": 64.99999999999999, "p95": 82.49999999999997, "p99": 96.49999999999999,
		"max": 100, "mean": 33.8125, "count": 8,
	} {
		if d[stat] != want {
			t.Errorf("%s = %.17g, numpy gives %.17g", stat, d[stat], want)
		}
	}
	if e := Describe(nil); e["count"] != 0 || !math.IsNaN(e["p50"]) {
		t.Errorf("empty sample: %v", e)
	}
}

// Reference values from scipy.stats.ks_2samp(...).statistic and
// scipy.stats.wasserstein_distance.
func TestDistances(t *testing.T) {
	cases := []struct {
		a, b   []float64
		ks, w1 float64
	}{
		{[]float64{1, 2, 3}, []float64{2, 3, 4}, 1.0 / 3, 1},
		{[]float64{0, 1, 3}, []float64{5, 6, 8}, 1, 5},
		{[]float64{0, 2}, []float64{1}, 0.5, 1},
		{[]float64{3, 1, 2}, []float64{1, 2, 3}, 0, 0},
		{[]float64{0, 0, 1}, []float64{0, 1, 1}, 1.0 / 3, 1.0 / 3},
	}
	for _, c := range cases {
		if got := KS(c.a, c.b); math.Abs(got-c.ks) > 1e-12 {
			t.Errorf("KS(%v, %v) = %g, want %g", c.a, c.b, got, c.ks)
		}
		if got := Wasserstein1(c.a, c.b); math.Abs(got-c.w1) > 1e-12 {
			t.Errorf("W1(%v, %v) = %g, want %g", c.a, c.b, got, c.w1)
		}
	}
	if !math.IsNaN(KS(nil, []float64{1})) || !math.IsNaN(Wasserstein1([]float64{1}, nil)) {
		t.Error("an empty side must give NaN")
	}
}

func TestPairedErrors(t *testing.T) {
	real := []float64{1, 2, 4, 0}
	sim := []float64{1.1, 1.8, 5, 3}
	// The real 0 is skipped by MAPE (undefined), not by the median.
	if got, want := MAPE(real, sim), (0.1+0.1+0.25)/3; math.Abs(got-want) > 1e-12 {
		t.Errorf("MAPE = %g, want %g", got, want)
	}
	if got, want := MedianAbsError(real, sim), (0.2+1)/2; math.Abs(got-want) > 1e-12 {
		t.Errorf("median abs error = %g, want %g", got, want)
	}
	if got := RelError(2, 2.5); got != 0.25 {
		t.Errorf("RelError(2, 2.5) = %g", got)
	}
	if !math.IsNaN(RelError(0, 1)) {
		t.Error("RelError with a real 0 must be NaN")
	}
}
