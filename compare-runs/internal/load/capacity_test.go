package load

import (
	"math"
	"reflect"
	"testing"
)

// The capacity is interpolated between the last load that meets every
// objective and the first that does not, never beyond the loads.
func TestCapacityInterpolatesBetweenMeetingAndViolatingLoad(t *testing.T) {
	loads := []float64{1, 2, 4, 8}
	ttft := Objective{Name: "TTFT", Limit: 0.5, Values: []float64{0.1, 0.2, 0.8, 2}}
	c := FindCapacity(loads, []Objective{ttft})
	// TTFT holds at 2 QPS (0.2 s) and not at 4 QPS (0.8 s): it reaches
	// 0.5 s a fraction (0.5 − 0.2)/(0.8 − 0.2) = 0.5 of the way from 2 to
	// 4 QPS, so at 2 + 0.5 × 2 = 3 QPS.
	if c.Status != Interpolated || c.QPS != 3 || c.Lo != 2 || c.Hi != 4 || !reflect.DeepEqual(c.Binding, []string{"TTFT"}) {
		t.Errorf("got %+v, want 3 QPS between 2 and 4, TTFT binding", c)
	}
}

// With two objectives violated at the same load, the one that crosses
// its limit at the lower load binds, even if the other violates more.
func TestCapacityLowerCrossingBinds(t *testing.T) {
	loads := []float64{1, 2, 3}
	ttft := Objective{Name: "TTFT", Limit: 1, Values: []float64{0.2, 0.4, 3}}
	tbt := Objective{Name: "TBT", Limit: 0.05, Values: []float64{0.02, 0.045, 0.055}}
	c := FindCapacity(loads, []Objective{ttft, tbt})
	// Between 2 and 3 QPS: TTFT crosses at 2 + (1 − 0.4)/(3 − 0.4) =
	// 2 + 0.6/2.6 ≈ 2.2308 QPS; TBT at 2 + (0.05 − 0.045)/(0.055 −
	// 0.045) = 2 + 0.5 = 2.5 QPS. TTFT binds.
	if c.Status != Interpolated || math.Abs(c.QPS-(2+0.6/2.6)) > 1e-12 || !reflect.DeepEqual(c.Binding, []string{"TTFT"}) {
		t.Errorf("got %+v, want 2.2308 QPS, TTFT binding", c)
	}
	// TBT binds when it crosses first: the same TTFT, TBT now rising
	// steeply, 0.045 → 0.095 s, crossing at 2 + 0.005/0.05 = 2.1 QPS.
	tbt.Values = []float64{0.02, 0.045, 0.095}
	c = FindCapacity(loads, []Objective{ttft, tbt})
	if c.Status != Interpolated || math.Abs(c.QPS-2.1) > 1e-12 || !reflect.DeepEqual(c.Binding, []string{"TBT"}) {
		t.Errorf("got %+v, want 2.1 QPS, TBT binding", c)
	}
	// An objective that holds at the violating load does not cross: only
	// TBT is violated at 3 QPS (TTFT 0.9 ≤ 1), so TBT binds at 2.5 QPS.
	ttft.Values = []float64{0.2, 0.4, 0.9}
	tbt.Values = []float64{0.02, 0.045, 0.055}
	c = FindCapacity(loads, []Objective{ttft, tbt})
	if c.Status != Interpolated || math.Abs(c.QPS-2.5) > 1e-12 || !reflect.DeepEqual(c.Binding, []string{"TBT"}) {
		t.Errorf("got %+v, want 2.5 QPS, TBT binding", c)
	}
}

func TestCapacityNotReachedWithinSweep(t *testing.T) {
	c := FindCapacity([]float64{1, 2, 3}, []Objective{{Name: "TTFT", Limit: 1, Values: []float64{0.1, 0.5, 1}}})
	// 1 s at 3 QPS is within "≤ 1 s": the SLO holds everywhere, and the
	// capacity is only known to be at least the highest load.
	if c.Status != NotReached || c.QPS != 3 || c.Binding != nil {
		t.Errorf("got %+v, want not reached, ≥ 3 QPS", c)
	}
}

func TestCapacityBelowLowestLoad(t *testing.T) {
	c := FindCapacity([]float64{2, 4}, []Objective{
		{Name: "TTFT", Limit: 0.5, Values: []float64{0.4, 0.9}},
		{Name: "TBT", Limit: 0.05, Values: []float64{0.06, 0.08}},
	})
	// TBT is already over its limit at 2 QPS: nothing below 2 QPS was
	// measured, so no crossing is interpolated.
	if c.Status != Below || c.QPS != 2 || !reflect.DeepEqual(c.Binding, []string{"TBT"}) {
		t.Errorf("got %+v, want below 2 QPS, TBT", c)
	}
}

func TestCapacityUnknownWhenAValueIsMissing(t *testing.T) {
	c := FindCapacity([]float64{1, 2}, []Objective{{Name: "TBT", Limit: 0.05, Values: []float64{0.01, math.NaN()}}})
	if c.Status != Unknown || c.Reason != "TBT is not measured at 2 QPS" {
		t.Errorf("got %+v", c)
	}
	// A NaN beyond the first violation does not matter.
	c = FindCapacity([]float64{1, 2, 3}, []Objective{{Name: "TBT", Limit: 0.05, Values: []float64{0.01, 0.09, math.NaN()}}})
	if c.Status != Interpolated || math.Abs(c.QPS-1.5) > 1e-12 {
		t.Errorf("got %+v, want 1.5 QPS", c)
	}
}

// Two points at the same load: the crossing is that load (no division
// by a zero load step).
func TestCapacityRepeatedLoad(t *testing.T) {
	c := FindCapacity([]float64{1, 2, 2}, []Objective{{Name: "TTFT", Limit: 1, Values: []float64{0.1, 0.5, 1.5}}})
	if c.Status != Interpolated || c.QPS != 2 {
		t.Errorf("got %+v, want 2 QPS", c)
	}
}

func TestCapacityErrorBounds(t *testing.T) {
	interp := func(q float64) Capacity { return Capacity{Status: Interpolated, QPS: q} }
	cases := []struct {
		real, sim Capacity
		rel       float64
		want      string
	}{
		{interp(2), interp(2.5), 0.25, "+25.0%"},
		{interp(2), Capacity{Status: NotReached, QPS: 4}, math.NaN(), "at least +100.0% (a capacity outside the sweep is a bound)"},
		{interp(2), Capacity{Status: Below, QPS: 1}, math.NaN(), "at most -50.0% (a capacity outside the sweep is a bound)"},
		{Capacity{Status: NotReached, QPS: 4}, interp(3), math.NaN(), "at most -25.0% (a capacity outside the sweep is a bound)"},
		{Capacity{Status: NotReached, QPS: 4}, Capacity{Status: NotReached, QPS: 4}, math.NaN(), "not measurable: both capacities lie beyond the sweep (the sides agree on that)"},
		{Capacity{Status: Unknown, QPS: math.NaN()}, interp(3), math.NaN(), "not measurable: a side's capacity is unknown"},
	}
	for _, c := range cases {
		if got := capacityError(CapacityResult{Asked: true, Real: c.real, Sim: c.sim, RelError: c.rel}); got != c.want {
			t.Errorf("%s vs %s: %q, want %q", c.real.Status, c.sim.Status, got, c.want)
		}
	}
}
