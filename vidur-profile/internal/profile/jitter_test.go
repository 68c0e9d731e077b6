package profile

import (
	"math"
	"testing"
)

// TestJitterRows: quantiles of known samples, linear between order
// statistics, with ratios to the median.
func TestJitterRows(t *testing.T) {
	// 1..5 ms shuffled: the median is 3; the 0.1 quantile sits 0.4 of the
	// way from 1 to 2.
	rows := jitterRows([]float64{4, 1, 5, 3, 2}, 10)
	if len(rows) != 11 {
		t.Fatalf("%d rows, want 11", len(rows))
	}
	for _, c := range []struct {
		k     int
		q, ms float64
	}{{0, 0, 1}, {1, 0.1, 1.4}, {5, 0.5, 3}, {9, 0.9, 4.6}, {10, 1, 5}} {
		r := rows[c.k]
		if math.Abs(r.Quantile-c.q) > 1e-12 || math.Abs(r.StepMs-c.ms) > 1e-12 || math.Abs(r.Ratio-c.ms/3) > 1e-12 {
			t.Errorf("row %d: %+v, want quantile %g, %g ms, ratio %g", c.k, r, c.q, c.ms, c.ms/3)
		}
	}
	one := jitterRows([]float64{7}, 4)
	for _, r := range one {
		if r.Ratio != 1 || r.StepMs != 7 {
			t.Errorf("one sample: %+v, want ratio 1 at 7 ms", r)
		}
	}
}

// TestJitterMeasures: the engine's steps come back as 101 increasing
// quantiles whose median ratio is 1.
func TestJitterMeasures(t *testing.T) {
	rows, err := New(tinyModel(t), Settings{BlockSize: 16}).Jitter(21, 40)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != JitterQuantiles+1 || rows[50].Ratio != 1 || rows[0].Quantile != 0 || rows[len(rows)-1].Quantile != 1 {
		t.Fatalf("%d rows, median row %+v", len(rows), rows[50])
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].StepMs < rows[i-1].StepMs || !(rows[i].StepMs > 0) {
			t.Fatalf("row %d: %+v after %+v", i, rows[i], rows[i-1])
		}
	}
}
