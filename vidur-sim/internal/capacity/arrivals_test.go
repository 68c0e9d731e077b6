package capacity

import (
	"math"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// TestPoissonTimesMatchesWorkloadSpec: with a Poisson workload's seed and
// rate, the probe's arrivals are the workload's own. The values are the
// first arrived_at of `workload-spec workload.arrival.qps=2
// workload.seed=5` (trace_intervals.csv).
func TestPoissonTimesMatchesWorkloadSpec(t *testing.T) {
	want := []float64{0.09721113906394105, 0.24286810187024757, 0.489887392211264}
	got := PoissonTimes(3, 2, 5)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("arrival %d: %v, workload-spec wrote %v", i, got[i], want[i])
		}
	}
}

// TestPoissonTimesScale: the same seed at twice the rate gives the same
// pattern twice as fast, every gap at most three mean gaps, and a mean
// rate near the asked one.
func TestPoissonTimesScale(t *testing.T) {
	a, b := PoissonTimes(5000, 1.5, 9), PoissonTimes(5000, 3, 9)
	prev := 0.0
	for i := range a {
		if math.Abs(a[i]-2*b[i]) > 1e-9*a[i] {
			t.Fatalf("arrival %d: %v at 1.5 req/s but %v at 3", i, a[i], b[i])
		}
		if gap := a[i] - prev; !(gap >= 0 && gap <= 3/1.5+1e-12) {
			t.Fatalf("gap %d = %v outside [0, 3/qps]", i, gap)
		}
		prev = a[i]
	}
	// The clipped exponential's mean is (1-e^-3)/qps; 5000 draws put
	// the sample mean within a few percent of it.
	if rate, want := 5000/a[4999], 1.5/(1-math.Exp(-3)); math.Abs(rate-want) > 0.05*want {
		t.Errorf("mean rate %v, want about %v", rate, want)
	}
}

func TestRescaleTimes(t *testing.T) {
	reqs := []artifacts.Request{{ArrivedAt: 1}, {ArrivedAt: 1.5}, {ArrivedAt: 4}, {ArrivedAt: 8}}
	got, err := RescaleTimes(reqs, 2)
	if err != nil {
		t.Fatal(err)
	}
	// 4 requests by t=8 is 0.5 req/s; at 2 req/s every time is a quarter.
	for i, w := range []float64{0.25, 0.375, 1, 2} {
		if got[i] != w {
			t.Errorf("arrival %d: %v, want %v", i, got[i], w)
		}
	}
	if _, err := RescaleTimes([]artifacts.Request{{}, {}}, 2); err == nil || !strings.Contains(err.Error(), "no rate to rescale") {
		t.Errorf("all at time 0: %v", err)
	}
	moved := WithTimes(reqs[:2], []float64{7, 9})
	if moved[1].ArrivedAt != 9 || reqs[1].ArrivedAt != 1.5 {
		t.Errorf("WithTimes: %+v, input now %+v", moved, reqs)
	}
}
