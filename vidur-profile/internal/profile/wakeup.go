package profile

import (
	"fmt"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/engine/model"
)

// Wakeup measures how much longer a step takes when it is the first after
// the engine sat idle: for each gap, a busy step, then gap seconds of
// sleep, then the timed step; the penalty is its time minus the same
// step's busy median. Two steps are measured, a one-sequence decode (the
// shortest step) and a prefill of prefillTokens (a long one), because the
// penalty grows with the step's length up to a point; vidur-sim
// interpolates between them. sleep is time.Sleep outside tests.
func (p *Profiler) Wakeup(gaps []float64, prefillTokens, repeats int, sleep func(time.Duration), progress func()) ([]artifacts.WakeupRow, error) {
	steps := []model.Shape{{Decode: []int{max(p.s.BlockSize, 16)}}, {Prefill: [][2]int{{prefillTokens, 0}}}}
	wall := func(s model.Shape) (float64, error) {
		t0 := time.Now()
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
			ms, err := wall(s)
			if err != nil {
				return nil, fmt.Errorf("idle wake-up step: %w", err)
			}
			if i > 0 {
				busy = append(busy, ms)
			}
		}
		base := Summarise(busy).Median
		for _, g := range gaps {
			var pen []float64
			for range repeats {
				if _, err := wall(s); err != nil { // the engine is busy right before the gap
					return nil, err
				}
				sleep(time.Duration(g * float64(time.Second)))
				ms, err := wall(s)
				if err != nil {
					return nil, err
				}
				pen = append(pen, ms-base)
			}
			st := Summarise(pen)
			rows = append(rows, artifacts.WakeupRow{IdleS: g, StepMs: base, PenaltyMs: st.Median, MeanMs: st.Mean, StdMs: st.Std, Samples: len(pen)})
			progress()
		}
	}
	return rows, nil
}
