package predict

import (
	"slices"
	"testing"
)

// TestOutliers: on the CPU profile's sparse grid an operator whose time
// grows with tokens keeps its small rows; a failed measurement (a near-zero
// timing, or a spike) among neighbours of similar size is still dropped.
func TestOutliers(t *testing.T) {
	xs := []float64{1, 2, 4, 8, 40, 72, 104, 136, 168, 200}
	grow := make([]float64, len(xs))
	for i, x := range xs {
		grow[i] = 0.004*x + 0.001 // a per-token operator: 0.005 ms at 1, 0.16 at 40
	}
	if got := outliers(xs, grow); slices.Contains(got, true) {
		t.Errorf("a growing operator lost rows: %v", got)
	}
	flat := []float64{0.5, 0.52, 0.5, 0.51, 0.002, 0.55, 0.56, 9, 0.58, 0.6}
	want := []bool{false, false, false, false, true, false, false, true, false, false}
	if got := outliers(xs, flat); !slices.Equal(got, want) {
		t.Errorf("flat operator with a missed kernel and a spike: flagged %v, want %v", got, want)
	}
	dense := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	dip := []float64{0.3, 0.31, 0.32, 0.33, 0.002, 0.35, 0.36, 0.37, 0.38, 0.39}
	if got := outliers(dense, dip); !got[4] || slices.Contains(got[:4], true) || slices.Contains(got[5:], true) {
		t.Errorf("dense grid with a 0.002 ms row: flagged %v", got)
	}
}
