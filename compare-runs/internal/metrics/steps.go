package metrics

import (
	"fmt"
	"math"
	"sort"

	"github.com/simcheck/simcheck/compare-runs/internal/align"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// StepStats describes the step times (s) of one batch shape in one run,
// or pooled over the real runs.
type StepStats struct {
	Count    int
	P50, P90 float64 // NaN when Count is 0
}

// StepRow is one batch shape's step times on every side: where a latency
// error comes from when the scheduling matches, the predicted time of
// each kind of step.
type StepRow struct {
	Shape   string
	Real    StepStats   // the real runs pooled
	PerReal []StepStats // each real run, in order
	Sims    []StepStats // each simulated run, in order
	order   [2]int      // decode before prefill; then size or bin
}

// prefillBins are the upper ends of the token-count bins of batches that
// carry prefill tokens (a power of two each; the last is open).
var prefillBins = []int{32, 64, 128, 256, 512, 1024, 2048, 4096}

// shape names a batch's shape: a decode-only batch by its size, a batch
// with prefill tokens by its total token count's bin.
func shape(b artifacts.BatchRow) (string, [2]int) {
	if b.NumPrefillTokens == 0 {
		return fmt.Sprintf("decode ×%d", b.BatchSize), [2]int{0, b.BatchSize}
	}
	n := b.NumPrefillTokens + b.NumDecodeTokens
	lo := 1
	for _, hi := range prefillBins {
		if n <= hi {
			return fmt.Sprintf("prefill %d–%d tokens", lo, hi), [2]int{1, hi}
		}
		lo = hi + 1
	}
	return fmt.Sprintf("prefill > %d tokens", prefillBins[len(prefillBins)-1]), [2]int{1, math.MaxInt}
}

// Steps groups every run's batches (completed_at − scheduled_at) by
// shape. Runs without batch rows contribute nothing; no batch rows at
// all give no rows.
func Steps(reals, sims []*align.Run) []StepRow {
	type group struct {
		order  [2]int
		pooled []float64
		byRun  map[*align.Run][]float64
	}
	groups := map[string]*group{}
	add := func(r *align.Run, real bool) {
		for _, b := range r.Batches {
			name, ord := shape(b)
			g := groups[name]
			if g == nil {
				g = &group{order: ord, byRun: map[*align.Run][]float64{}}
				groups[name] = g
			}
			d := b.CompletedAt - b.ScheduledAt
			g.byRun[r] = append(g.byRun[r], d)
			if real {
				g.pooled = append(g.pooled, d)
			}
		}
	}
	for _, r := range reals {
		add(r, true)
	}
	for _, s := range sims {
		add(s, false)
	}
	rows := make([]StepRow, 0, len(groups))
	for name, g := range groups {
		row := StepRow{Shape: name, Real: stepStats(g.pooled), order: g.order}
		for _, r := range reals {
			row.PerReal = append(row.PerReal, stepStats(g.byRun[r]))
		}
		for _, s := range sims {
			row.Sims = append(row.Sims, stepStats(g.byRun[s]))
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i].order, rows[j].order
		return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1])
	})
	return rows
}

func stepStats(xs []float64) StepStats {
	d := Describe(xs)
	return StepStats{Count: len(xs), P50: d["p50"], P90: d["p90"]}
}
