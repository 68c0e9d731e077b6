package profile

import (
	"math"
	"sort"
)

// Stats summarises repeated timings of one operator, in ms, the way
// Vidur's profiler does: min, max, mean, median and the population
// standard deviation (numpy's default, ddof=0).
type Stats struct {
	Min, Max, Mean, Median, Std float64
}

// Summarise returns the stats of samples (ms). No samples give NaNs,
// which the CSV writes as empty cells.
func Summarise(samples []float64) Stats {
	if len(samples) == 0 {
		nan := math.NaN()
		return Stats{nan, nan, nan, nan, nan}
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
	return Stats{Min: s[0], Max: s[n-1], Mean: mean, Median: median, Std: math.Sqrt(ss / float64(n))}
}
