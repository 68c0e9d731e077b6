package profile

import (
	"fmt"
	"time"

	"github.com/simcheck/simcheck/pkg/llm"
)

// CPUOverheads measures, per batch size, what an engine step costs beyond
// its operators: scheduling, input preparation and output bookkeeping in
// the runner. It runs real decode steps through the runner and subtracts
// the operators' time (the OpTimer sum) from the step's wall time. The
// engine does not split that remainder the way Sarathi's five CPU ops do,
// so all of it is reported as schedule; the others are written as 0.
func CPUOverheads(m *llm.Model, sc llm.SchedulerConfig, batches []int, repeats int, progress func()) ([]CPURow, error) {
	var ops time.Duration
	m.SetOpTimer(func(_ string, d time.Duration) { ops += d })
	defer m.SetOpTimer(nil)
	var rows []CPURow
	for _, b := range batches {
		cfg := sc
		cfg.Kind = "sarathi"
		cfg.MaxBatchSize = b
		start := time.Now()
		clock := func() float64 { return time.Since(start).Seconds() }
		r, err := llm.NewRunner(m, cfg, clock, 0)
		if err != nil {
			return nil, err
		}
		for i := 0; i < b; i++ {
			if err := r.Add(llm.Request{ID: i, Prompt: []int{1, 2, 3, 4}, MaxNewTokens: repeats + 2}); err != nil {
				return nil, fmt.Errorf("cpu overhead batch %d: %w", b, err)
			}
		}
		var samples []float64
		for r.Busy() {
			ops = 0
			rep, err := r.Step()
			if err != nil {
				return nil, err
			}
			if rep == nil {
				break
			}
			decodes := 0
			for _, e := range rep.Entries {
				if e.Decode {
					decodes++
				}
			}
			if decodes != b {
				continue // the prefill step, or a tail with fewer requests
			}
			step := (rep.CompletedAt - rep.ScheduledAt) * 1e3
			samples = append(samples, max(step-float64(ops.Nanoseconds())/1e6, 0))
		}
		s := Summarise(samples)
		rows = append(rows, CPURow{BatchSize: b, Ops: map[string]Stats{
			"schedule": s, "sampler_e2e": {}, "prepare_inputs_e2e": {}, "process_model_outputs": {}}})
		progress()
	}
	return rows, nil
}
