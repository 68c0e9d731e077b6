package profile

import (
	"fmt"

	"github.com/simcheck/simcheck/pkg/artifacts"

	"github.com/simcheck/simcheck/pkg/engine"
	"github.com/simcheck/simcheck/pkg/engine/sched"
)

// CPUOverheads measures, per batch size, what an engine step costs beyond
// its operators: scheduling, input preparation and output bookkeeping in
// the runner. It runs real decode steps through the runner (sarathi, the
// given block size) and subtracts the operators' time (the op clock's sum)
// from the step's wall time. The engine does not split that remainder the
// way Sarathi's five CPU ops do, so all of it is reported as schedule; the
// others are written as 0.
func (p *Profiler) CPUOverheads(batches []int, progress func()) ([]artifacts.CPUOverheadRow, error) {
	var rows []artifacts.CPUOverheadRow
	for _, b := range batches {
		r, err := engine.NewRunner(p.m, engine.Config{Sched: sched.Settings{Kind: "sarathi", MaxBatchSize: b,
			ChunkSize: 512, BlockSize: p.m.Cache.BlockSize()}})
		if err != nil {
			return nil, err
		}
		for i := 0; i < b; i++ {
			if err := r.Add(engine.Request{ID: int64(i), Prompt: []int32{1, 2, 3, 4}, MaxNewTokens: p.s.Warmup + p.s.Repeats + 2}); err != nil {
				return nil, fmt.Errorf("cpu overhead batch %d: %w", b, err)
			}
		}
		var samples []float64
		for seen := 0; !r.Idle(); {
			p.acc.reset()
			rep, err := r.Step()
			if err != nil {
				return nil, err
			}
			decodes := 0
			for _, e := range rep.Items {
				if e.Decode {
					decodes++
				}
			}
			if decodes != b {
				continue // the prefill step, or a tail with fewer requests
			}
			if seen++; seen <= p.s.Warmup {
				continue
			}
			step := rep.Completed.Sub(rep.Scheduled) - p.acc.total
			samples = append(samples, max(float64(step.Nanoseconds())/1e6, 0))
		}
		rows = append(rows, artifacts.CPUOverheadRow{BatchSize: b, Ops: map[string]artifacts.OpStats{
			artifacts.OpCPUSchedule: artifacts.Summarise(samples), artifacts.OpCPUSamplerE2E: {}, artifacts.OpCPUPrepareInputs: {},
			artifacts.OpCPUProcessOutputs: {}}})
		progress()
	}
	return rows, nil
}
