package predict

import (
	"sort"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Wakeup is the idle wake-up term (idle_wakeup.csv, a simcheck extra):
// the first step after a replica sat idle takes longer than the same step
// on a busy engine. Per measured idle gap it holds penalties for a short
// and a long step; Penalty interpolates in both.
type Wakeup struct {
	gaps []wakeGap // by idle_s
}

type wakeGap struct {
	idle  float64   // s
	steps []float64 // ms, increasing
	pen   []float64 // ms
	late  float64   // ms: the mean of the gap's rows' late_ms
}

// NewWakeup indexes rows (any order).
func NewWakeup(rows []artifacts.WakeupRow) *Wakeup {
	byGap := map[float64]*wakeGap{}
	for _, r := range rows {
		g := byGap[r.IdleS]
		if g == nil {
			g = &wakeGap{idle: r.IdleS}
			byGap[r.IdleS] = g
		}
		g.steps = append(g.steps, r.StepMs)
		g.pen = append(g.pen, r.PenaltyMs)
		g.late += r.LateMs
	}
	w := &Wakeup{}
	for _, g := range byGap {
		g.late /= float64(len(g.steps))
		sort.Sort(byStep{g})
		w.gaps = append(w.gaps, *g)
	}
	sort.Slice(w.gaps, func(i, j int) bool { return w.gaps[i].idle < w.gaps[j].idle })
	return w
}

type byStep struct{ g *wakeGap }

func (b byStep) Len() int           { return len(b.g.steps) }
func (b byStep) Less(i, j int) bool { return b.g.steps[i] < b.g.steps[j] }
func (b byStep) Swap(i, j int) {
	b.g.steps[i], b.g.steps[j] = b.g.steps[j], b.g.steps[i]
	b.g.pen[i], b.g.pen[j] = b.g.pen[j], b.g.pen[i]
}

// Penalty is the extra time (s) of a step predicted to take exec seconds
// after idle seconds without work. Between measured steps it interpolates
// linearly; a step shorter than the shortest measured one gets a share
// proportional to its length, a longer one the longest one's penalty.
// Across gaps likewise: no idle, no penalty; shorter than the first gap,
// a proportional share; longer than the last, the last gap's. Negative
// measurements (noise) count as 0.
func (w *Wakeup) Penalty(idle, exec float64) float64 {
	if w == nil || len(w.gaps) == 0 || idle <= 0 {
		return 0
	}
	ms := exec * 1e3
	return w.acrossGaps(idle, func(g *wakeGap) float64 { return max(interp(g.steps, g.pen, ms, true), 0) }) / 1e3
}

// acrossGaps interpolates a per-gap value v at idle seconds: a
// proportional share below the first gap, linear between gaps, the last
// gap's value past it.
func (w *Wakeup) acrossGaps(idle float64, v func(*wakeGap) float64) float64 {
	gs := w.gaps
	i := sort.Search(len(gs), func(i int) bool { return gs[i].idle >= idle })
	switch {
	case i == 0:
		return v(&gs[0]) * min(idle/gs[0].idle, 1)
	case i == len(gs):
		return v(&gs[len(gs)-1])
	default:
		a, b := &gs[i-1], &gs[i]
		f := (idle - a.idle) / (b.idle - a.idle)
		return v(a)*(1-f) + v(b)*f
	}
}

// Late is how long (s) after idle seconds without work the engine starts
// on newly arrived work: the share of the penalty a real run shows as
// scheduling delay. Across gaps it interpolates as Penalty does; a table
// without late_ms gives 0.
func (w *Wakeup) Late(idle float64) float64 {
	if w == nil || len(w.gaps) == 0 || idle <= 0 {
		return 0
	}
	return w.acrossGaps(idle, func(g *wakeGap) float64 { return g.late }) / 1e3
}

// interp is piecewise-linear y(x) over increasing xs, proportional below
// xs[0] when fromZero, flat above the last point.
func interp(xs, ys []float64, x float64, fromZero bool) float64 {
	if x <= xs[0] {
		if fromZero && xs[0] > 0 {
			return ys[0] * max(x, 0) / xs[0]
		}
		return ys[0]
	}
	for k := 1; k < len(xs); k++ {
		if x <= xs[k] {
			f := (x - xs[k-1]) / (xs[k] - xs[k-1])
			return ys[k-1]*(1-f) + ys[k]*f
		}
	}
	return ys[len(ys)-1]
}
