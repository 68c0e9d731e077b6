package predict

import (
	"math"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

func TestWakeupPenalty(t *testing.T) {
	w := NewWakeup([]artifacts.WakeupRow{
		{IdleS: 2, StepMs: 200, PenaltyMs: 100}, {IdleS: 2, StepMs: 50, PenaltyMs: 40},
		{IdleS: 6, StepMs: 50, PenaltyMs: 60}, {IdleS: 6, StepMs: 200, PenaltyMs: -5},
	})
	for _, tc := range []struct {
		idle, execMs, wantMs float64
	}{
		{0, 100, 0},                       // no idle
		{2, 50, 40},                       // a measured point
		{2, 125, 70},                      // halfway between the two steps
		{2, 25, 20},                       // shorter than the shortest step: proportional
		{2, 400, 100},                     // longer than the longest: flat
		{1, 50, 20},                       // shorter than the first gap: proportional
		{4, 50, 50},                       // between gaps
		{6, 200, 0},                       // a negative measurement counts as 0
		{30, 50, 60},                      // past the last gap: flat
		{4, 125, 0.5 * (70 + 0.5*(60-5))}, // both interpolations (clamped after)
	} {
		got := w.Penalty(tc.idle, tc.execMs/1e3) * 1e3
		if math.Abs(got-tc.wantMs) > 1e-9 {
			t.Errorf("Penalty(idle %g s, step %g ms) = %g ms, want %g", tc.idle, tc.execMs, got, tc.wantMs)
		}
	}
	var none *Wakeup
	if none.Penalty(10, 1) != 0 {
		t.Error("a nil Wakeup adds time")
	}
}

// TestWakeupLate: the late start is the mean of a gap's rows, carried
// across gaps as the penalty is; a table without late_ms gives 0.
func TestWakeupLate(t *testing.T) {
	w := NewWakeup([]artifacts.WakeupRow{
		{IdleS: 2, StepMs: 50, PenaltyMs: 40, LateMs: 20}, {IdleS: 2, StepMs: 200, PenaltyMs: 100, LateMs: 30},
		{IdleS: 6, StepMs: 50, PenaltyMs: 60, LateMs: 45}, {IdleS: 6, StepMs: 200, PenaltyMs: 70, LateMs: 55},
	})
	for _, tc := range []struct{ idle, wantMs float64 }{{0, 0}, {1, 12.5}, {2, 25}, {4, 37.5}, {6, 50}, {30, 50}} {
		if got := w.Late(tc.idle) * 1e3; math.Abs(got-tc.wantMs) > 1e-9 {
			t.Errorf("Late(%g s) = %g ms, want %g", tc.idle, got, tc.wantMs)
		}
	}
	if got := NewWakeup([]artifacts.WakeupRow{{IdleS: 2, StepMs: 50, PenaltyMs: 40}}).Late(5); got != 0 {
		t.Errorf("a table without late_ms: Late %g, want 0", got)
	}
}
