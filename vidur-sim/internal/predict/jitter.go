package predict

import (
	"sort"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Jitter is the step-time spread term (step_jitter.csv, a simcheck
// extra): the distribution of a repeated step's time as a ratio to its
// median. The predictor's times are medians; drawing each step's factor
// from this distribution gives the simulated steps the real engine's
// spread, so the tail of TBT (and the mean, which sums into E2E) is
// simulated instead of every step sitting at the median.
type Jitter struct {
	q, ratio []float64 // increasing quantiles 0..1 and their ratios
}

// NewJitter indexes rows as ReadStepJitter returns them (quantiles
// increasing from 0 to 1).
func NewJitter(rows []artifacts.JitterRow) *Jitter {
	j := &Jitter{}
	for _, r := range rows {
		j.q = append(j.q, r.Quantile)
		j.ratio = append(j.ratio, r.Ratio)
	}
	return j
}

// Ratio is the factor at u in [0, 1) (a uniform draw): the inverse of the
// measured distribution, linear between its quantiles.
func (j *Jitter) Ratio(u float64) float64 {
	if u <= 0 {
		return j.ratio[0]
	}
	k := sort.SearchFloat64s(j.q, u) // first quantile ≥ u, k ≥ 1
	if k >= len(j.q) {
		return j.ratio[len(j.ratio)-1]
	}
	f := (u - j.q[k-1]) / (j.q[k] - j.q[k-1])
	return j.ratio[k-1] + (j.ratio[k]-j.ratio[k-1])*f
}
