package metrics

import (
	"math"
	"sort"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"gonum.org/v1/gonum/stat"
)

// Distribution statistics, in the order the tables show them.
var DistStats = []string{"count", "mean", "p50", "p90", "p95", "p99", "max"}

// percentiles maps the percentile statistics to their p.
var percentiles = map[string]float64{"p50": 50, "p90": 90, "p95": 95, "p99": 99}

// Describe returns the distribution statistics of xs (NaN for an empty
// sample, count 0).
func Describe(xs []float64) map[string]float64 {
	out := map[string]float64{"count": float64(len(xs))}
	for _, s := range DistStats[1:] {
		out[s] = math.NaN()
	}
	if len(xs) == 0 {
		return out
	}
	s := sorted(xs)
	var sum float64
	for _, x := range s {
		sum += x
	}
	out["mean"] = sum / float64(len(s))
	out["max"] = s[len(s)-1]
	for name, p := range percentiles {
		out[name] = artifacts.Percentile(s, p)
	}
	return out
}

// RelError is (sim − real) / real, signed; NaN when real is 0 or either
// side is NaN.
func RelError(real, sim float64) float64 {
	if real == 0 || math.IsNaN(real) || math.IsNaN(sim) {
		return math.NaN()
	}
	return (sim - real) / math.Abs(real)
}

// MAPE is the mean over pairs of |sim − real| / |real|, skipping pairs
// whose real value is 0 (undefined). NaN when none remain.
func MAPE(real, sim []float64) float64 {
	var sum float64
	n := 0
	for i := range real {
		if real[i] == 0 {
			continue
		}
		sum += math.Abs(sim[i]-real[i]) / math.Abs(real[i])
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// MedianAbsError is the median over pairs of |sim − real|.
func MedianAbsError(real, sim []float64) float64 {
	d := make([]float64, len(real))
	for i := range real {
		d[i] = math.Abs(sim[i] - real[i])
	}
	sort.Float64s(d)
	return artifacts.Percentile(d, 50)
}

// KS is the two-sample Kolmogorov–Smirnov statistic, the largest gap
// between the two empirical CDFs (scipy.stats.ks_2samp's statistic).
func KS(a, b []float64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN()
	}
	return stat.KolmogorovSmirnov(sorted(a), nil, sorted(b), nil)
}

// Wasserstein1 is the first Wasserstein (earth mover's) distance between
// the two empirical distributions, ∫ |F_a(x) − F_b(x)| dx, as
// scipy.stats.wasserstein_distance computes it. gonum does not have it;
// the integral is a walk over the merged sorted samples, exact for step
// CDFs.
func Wasserstein1(a, b []float64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN()
	}
	sa, sb := sorted(a), sorted(b)
	na, nb := float64(len(sa)), float64(len(sb))
	i, j := 0, 0
	var sum float64
	prev := math.Min(sa[0], sb[0])
	for i < len(sa) || j < len(sb) {
		var x float64
		if j >= len(sb) || (i < len(sa) && sa[i] <= sb[j]) {
			x = sa[i]
		} else {
			x = sb[j]
		}
		sum += math.Abs(float64(i)/na-float64(j)/nb) * (x - prev)
		prev = x
		for i < len(sa) && sa[i] == x {
			i++
		}
		for j < len(sb) && sb[j] == x {
			j++
		}
	}
	return sum
}

func sorted(xs []float64) []float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s
}
