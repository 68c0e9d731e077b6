package figs

import (
	"math"
	"sort"
)

// Series is one named sample (a CDF curve).
type Series struct {
	Name   string
	Values []float64
}

// XY is one named point cloud.
type XY struct {
	Name string
	X, Y []float64
}

// CDF plots empirical CDFs of one metric, real against each simulation.
type CDF struct {
	Key, Title, Unit string
	Series           []Series
}

// Scatter plots simulated against real per request, with the identity
// line y = x: points above it are requests the simulator made slower.
type Scatter struct {
	Key, Title, Unit string
	Series           []XY
}

// Timeline plots a latency against the request's arrival time (s since
// the run's first arrival).
type Timeline struct {
	Key, Title, Unit string
	Series           []XY
}

// Set is every figure of a comparison.
type Set struct {
	Title     string
	CDFs      []CDF
	Scatters  []Scatter
	Timelines []Timeline
	// Curves are a load report's figures against the offered load.
	Curves []Curve
}

// maxCurvePoints bounds the points drawn per CDF curve: a per-token CDF
// of a long run has millions of values, and 500 quantiles are finer than
// a screen or a printed figure resolves.
const maxCurvePoints = 500

// ecdf returns the empirical CDF's steps (x_k, k/n), thinned to at most
// maxCurvePoints evenly spaced ranks (the last rank always kept).
func ecdf(values []float64) (xs, ys []float64) {
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return nil, nil
	}
	m := n
	if m > maxCurvePoints {
		m = maxCurvePoints
	}
	for j := 0; j < m; j++ {
		k := j
		if m < n {
			k = int(math.Round(float64(j) * float64(n-1) / float64(m-1)))
		}
		xs = append(xs, s[k])
		ys = append(ys, float64(k+1)/float64(n))
	}
	return xs, ys
}

// maxPoints bounds a scatter or timeline series; beyond it every k-th
// point is kept (deterministic, spread over the whole run).
const maxPoints = 4000

func thin(x, y []float64) ([]float64, []float64) {
	if len(x) <= maxPoints {
		return x, y
	}
	step := (len(x) + maxPoints - 1) / maxPoints
	var ox, oy []float64
	for i := 0; i < len(x); i += step {
		ox = append(ox, x[i])
		oy = append(oy, y[i])
	}
	return ox, oy
}

// bounds returns the smallest and largest value over all series.
func bounds(series []XY) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for i := range s.X {
			lo = math.Min(lo, math.Min(s.X[i], s.Y[i]))
			hi = math.Max(hi, math.Max(s.X[i], s.Y[i]))
		}
	}
	if lo > hi {
		return 0, 1
	}
	return lo, hi
}
