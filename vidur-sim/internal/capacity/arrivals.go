package capacity

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Arrival modes: how a probe's arrival times are made from the workload.
const (
	// Poisson draws fresh exponential gaps at the probed rate.
	Poisson = "poisson"
	// Rescale stretches the workload's own gaps to the probed mean rate.
	Rescale = "rescale"
)

// Modes lists the arrival modes.
var Modes = []string{Poisson, Rescale}

// arrivalStream is the PCG stream workload-spec draws its arrival gaps
// from: with the workload's seed and rate, PoissonTimes reproduces a
// Poisson workload's own arrivals.
const arrivalStream = 1

// PoissonTimes returns n arrival times at mean rate qps from seed: gaps
// drawn exponentially and clipped at three mean gaps, the law Vidur's
// Poisson generator and workload-spec use, the first arrival one gap
// after time 0.
func PoissonTimes(n int, qps float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, arrivalStream))
	out := make([]float64, n)
	t := 0.0
	for i := range out {
		u := r.Float64()
		t += math.Min(-math.Log(1-u)/qps, 3/qps)
		out[i] = t
	}
	return out
}

// RescaleTimes returns the arrival times of reqs scaled so that their
// mean rate, requests per second from time 0 to the last arrival, is
// qps. The shape of the arrival process (bursts, lulls) is kept.
func RescaleTimes(reqs []artifacts.Request, qps float64) ([]float64, error) {
	if len(reqs) == 0 {
		return nil, errors.New("the workload has no requests")
	}
	last := 0.0
	for _, r := range reqs {
		last = max(last, r.ArrivedAt)
	}
	if !(last > 0) {
		return nil, fmt.Errorf("every request arrives at time %g, so the workload has no rate to rescale", last)
	}
	// Scale = own mean gap / wanted mean gap.
	scale := float64(len(reqs)) / last / qps
	out := make([]float64, len(reqs))
	for i, r := range reqs {
		out[i] = r.ArrivedAt * scale
	}
	return out, nil
}

// WithTimes returns a copy of reqs, lengths and order kept, arriving at
// times.
func WithTimes(reqs []artifacts.Request, times []float64) []artifacts.Request {
	out := make([]artifacts.Request, len(reqs))
	for i, r := range reqs {
		r.ArrivedAt = times[i]
		out[i] = r
	}
	return out
}
