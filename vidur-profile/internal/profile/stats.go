package profile

import (
	"math"
	"sort"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Summarise returns the stats of samples (ms) the way Vidur's profiler
// does: min, max, mean, median and the population standard deviation
// (numpy's default, ddof=0). No samples give NaNs, which the CSV writes
// as empty cells.
func Summarise(samples []float64) artifacts.OpStats {
	if len(samples) == 0 {
		return artifacts.NoStats()
	}
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	var sum float64
	for _, v := range s {
		sum += v
	}
	mean := sum / float64(len(s))
	var ss float64
	for _, v := range s {
		ss += (v - mean) * (v - mean)
	}
	n := len(s)
	median := s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	return artifacts.OpStats{Min: s[0], Max: s[n-1], Mean: mean, Median: median, Std: math.Sqrt(ss / float64(n))}
}
