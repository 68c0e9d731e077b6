package metrics

import (
	"math"
	"testing"

	"github.com/simcheck/simcheck/compare-runs/internal/align"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// TestSteps: batches grouped by shape (decode-only by size, prefill by
// token bin), decode rows first, real runs pooled and kept apart.
func TestSteps(t *testing.T) {
	b := func(start, d float64, size, prefill, decode int) artifacts.BatchRow {
		return artifacts.BatchRow{ScheduledAt: start, CompletedAt: start + d, BatchSize: size, NumPrefillTokens: prefill, NumDecodeTokens: decode}
	}
	r1 := &align.Run{Batches: []artifacts.BatchRow{b(0, 0.2, 1, 100, 0), b(1, 0.04, 1, 0, 1), b(2, 0.04, 1, 0, 1), b(3, 0.05, 2, 0, 2)}}
	r2 := &align.Run{Batches: []artifacts.BatchRow{b(0, 0.3, 2, 60, 1), b(1, 0.06, 1, 0, 1)}}
	sim := &align.Run{Batches: []artifacts.BatchRow{b(0, 0.25, 1, 100, 0), b(1, 0.045, 1, 0, 1), b(2, 0.5, 1, 5000, 0)}}
	rows := Steps([]*align.Run{r1, r2}, []*align.Run{sim})
	var shapes []string
	for _, r := range rows {
		shapes = append(shapes, r.Shape)
	}
	want := []string{"decode ×1", "decode ×2", "prefill 33–64 tokens", "prefill 65–128 tokens", "prefill > 4096 tokens"}
	if len(shapes) != len(want) {
		t.Fatalf("shapes %q, want %q", shapes, want)
	}
	for i := range want {
		if shapes[i] != want[i] {
			t.Fatalf("shapes %q, want %q", shapes, want)
		}
	}
	d1 := rows[0]
	if d1.Real.Count != 3 || math.Abs(d1.Real.P50-0.04) > 1e-12 || d1.PerReal[0].Count != 2 || math.Abs(d1.PerReal[1].P50-0.06) > 1e-12 {
		t.Errorf("decode ×1: %+v", d1)
	}
	if d1.Sims[0].Count != 1 || math.Abs(d1.Sims[0].P50-0.045) > 1e-12 {
		t.Errorf("decode ×1 sim: %+v", d1.Sims[0])
	}
	if big := rows[4]; big.Real.Count != 0 || !math.IsNaN(big.Real.P50) || big.Sims[0].Count != 1 {
		t.Errorf("a shape only the simulation ran: %+v", big)
	}
	if got := Steps([]*align.Run{{}}, []*align.Run{{}}); len(got) != 0 {
		t.Errorf("runs without batches gave %d rows", len(got))
	}
}
