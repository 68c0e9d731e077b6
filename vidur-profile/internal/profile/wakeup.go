package profile

import (
	"fmt"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/engine/model"
)

// Wakeup measures how much later a step ends when it is the first after
// the engine sat idle: for each gap, a busy step, then gap seconds of
// sleep, then the step, timed from the end of the intended sleep (so the
// sleeper's late wake-up counts); the penalty is that time minus the same
// step's busy median. How late the sleep itself ended is recorded apart
// (late_ms): a real run shows that share as scheduling delay. Two steps
// are measured, a one-sequence decode (the shortest step) and a prefill of
// prefillTokens (a long one), because the penalty grows with the step's
// length up to a point; vidur-sim interpolates between them. sleep is
// time.Sleep outside tests.
func (p *Profiler) Wakeup(gaps []float64, prefillTokens, repeats int, sleep func(time.Duration), progress func()) ([]artifacts.WakeupRow, error) {
	steps := []model.Shape{{Decode: []int{max(p.s.BlockSize, 16)}}, {Prefill: [][2]int{{prefillTokens, 0}}}}
	// wall runs s and returns the ms from t0 to its end.
	wall := func(s model.Shape, t0 time.Time) (float64, error) {
		if err := p.m.ProfileForward(s); err != nil {
			return 0, err
		}
		return float64(time.Since(t0).Nanoseconds()) / 1e6, nil
	}
	var rows []artifacts.WakeupRow
	for _, s := range steps {
		// The busy time: back-to-back runs after a warm-up run.
		var busy []float64
		for i := 0; i < 1+max(repeats, 3); i++ {
			ms, err := wall(s, time.Now())
			if err != nil {
				return nil, fmt.Errorf("idle wake-up step: %w", err)
			}
			if i > 0 {
				busy = append(busy, ms)
			}
		}
		base := artifacts.Summarise(busy).Median
		for _, g := range gaps {
			var pen, late []float64
			for range repeats {
				if _, err := wall(s, time.Now()); err != nil { // the engine is busy right before the gap
					return nil, err
				}
				// Timed from when the work is due, not from when the
				// sleeper woke: a real engine's idle wait ends late too
				// (tens of ms on this VM), and that lateness is part of
				// what a request arriving at an idle engine waits.
				d := time.Duration(g * float64(time.Second))
				due := time.Now().Add(d)
				sleep(d)
				late = append(late, max(float64(time.Since(due).Nanoseconds())/1e6, 0))
				ms, err := wall(s, due)
				if err != nil {
					return nil, err
				}
				pen = append(pen, ms-base)
			}
			st := artifacts.Summarise(pen)
			rows = append(rows, artifacts.WakeupRow{IdleS: g, StepMs: base, PenaltyMs: st.Median, MeanMs: st.Mean, StdMs: st.Std,
				Samples: len(pen), LateMs: artifacts.Summarise(late).Median})
			progress()
		}
	}
	return rows, nil
}
