package profile

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/engine/model"
)

// JitterQuantiles is how many intervals step_jitter.csv splits the
// distribution into (101 rows: quantiles 0, 0.01, …, 1).
const JitterQuantiles = 100

// Jitter measures how the time of one repeated step spreads: a
// one-sequence decode over a cache of kv tokens (the commonest step of a
// light load), run steps times back to back after a warm-up run, each
// timed whole (operators, LM head, sampling). It returns the quantiles
// of the step time with their ratio to the median, for step_jitter.csv.
// The same shape every time, so the spread is the host's and the
// engine's, not the shape's.
func (p *Profiler) Jitter(steps, kv int) ([]artifacts.JitterRow, error) {
	s := model.Shape{Decode: []int{kv}}
	times := make([]float64, 0, steps)
	for i := 0; i <= steps; i++ {
		t0 := time.Now()
		if err := p.m.ProfileForward(s); err != nil {
			return nil, fmt.Errorf("step jitter: %w", err)
		}
		if i > 0 {
			times = append(times, float64(time.Since(t0).Nanoseconds())/1e6)
		}
	}
	return jitterRows(times, JitterQuantiles), nil
}

// jitterRows turns step times (ms, at least 1) into n+1 rows at evenly
// spaced quantiles, linear between order statistics, each with its ratio
// to the median.
func jitterRows(times []float64, n int) []artifacts.JitterRow {
	s := append([]float64(nil), times...)
	sort.Float64s(s)
	q := func(f float64) float64 {
		x := f * float64(len(s)-1)
		i := int(math.Floor(x))
		if i >= len(s)-1 {
			return s[len(s)-1]
		}
		return s[i] + (s[i+1]-s[i])*(x-float64(i))
	}
	med := q(0.5)
	rows := make([]artifacts.JitterRow, n+1)
	for k := range rows {
		f := float64(k) / float64(n)
		v := q(f)
		rows[k] = artifacts.JitterRow{Quantile: f, Ratio: v / med, StepMs: v}
	}
	return rows
}
