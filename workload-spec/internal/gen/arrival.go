package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Stream ids of the PCG generators, one per concern.
const (
	streamArrival = 1
	streamLength  = 2
	streamPrompt  = 3
)

func newRand(seed uint64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// intervals yields inter-arrival times.
type intervals interface {
	next() (float64, bool)
}

type staticIntervals struct{}

func (staticIntervals) next() (float64, bool) { return 0, true }

// poissonIntervals draws exponential gaps clipped at three mean gaps, as
// Vidur does (vidur-semantics.md §8.2), so both simulators see the same law.
type poissonIntervals struct {
	r   *rand.Rand
	qps float64
}

func (p poissonIntervals) next() (float64, bool) {
	u := p.r.Float64()
	return math.Min(-math.Log(1-u)/p.qps, 3/p.qps), true
}

// gammaIntervals draws gaps from Gamma(k = 1/cv², θ = 1/(qps·k)), mean
// 1/qps and coefficient of variation cv.
type gammaIntervals struct {
	r            *rand.Rand
	shape, scale float64
}

func (g gammaIntervals) next() (float64, bool) {
	return gammaVariate(g.r, g.shape) * g.scale, true
}

// gammaVariate is Marsaglia and Tsang's method (ACM TOMS 26(3), 2000);
// shapes below 1 use the boost u^(1/k).
func gammaVariate(r *rand.Rand, k float64) float64 {
	if k < 1 {
		return gammaVariate(r, k+1) * math.Pow(r.Float64(), 1/k)
	}
	d := k - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// traceIntervals replays the arrived_at column of a CSV.
type traceIntervals struct {
	at   []float64
	i    int
	prev float64
}

func (t *traceIntervals) next() (float64, bool) {
	if t.i >= len(t.at) {
		return 0, false
	}
	dt := t.at[t.i] - t.prev
	t.prev = t.at[t.i]
	t.i++
	return dt, true
}

func readArrivalTrace(path string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("workload.arrival.trace_file: %w", err)
	}
	defer f.Close()
	t, err := artifacts.NewTable(path, f, "arrived_at")
	if err != nil {
		return nil, err
	}
	var out []float64
	prev := 0.0
	for t.Next() {
		v := t.Float("arrived_at")
		if t.Err() == nil && v < prev {
			t.Fail("arrived_at", fmt.Errorf("%g is before the previous row's %g (rows must be sorted)", v, prev))
		}
		if t.Err() != nil {
			return nil, t.Err()
		}
		prev = v
		out = append(out, v)
	}
	if t.Err() != nil {
		return nil, t.Err()
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return out, nil
}

func newIntervals(s *Settings) (intervals, error) {
	r := newRand(s.Seed, streamArrival)
	switch s.Arrival.Kind {
	case "static":
		return staticIntervals{}, nil
	case "poisson":
		return poissonIntervals{r: r, qps: s.Arrival.QPS}, nil
	case "gamma":
		k := 1 / (s.Arrival.CV * s.Arrival.CV)
		return gammaIntervals{r: r, shape: k, scale: 1 / (s.Arrival.QPS * k)}, nil
	case "trace":
		at, err := readArrivalTrace(s.Arrival.TraceFile)
		if err != nil {
			return nil, err
		}
		return &traceIntervals{at: at}, nil
	}
	return nil, fmt.Errorf("workload.arrival.kind: unknown %q", s.Arrival.Kind)
}
