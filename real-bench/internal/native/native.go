package native

import (
	"context"
	"fmt"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/llm"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

// Options configure a replay.
type Options struct {
	Scheduler llm.SchedulerConfig
	Seed      uint64
	TimeScale float64
	StopAtEOS bool
	EOS       []int
	Warmup    Warmup
}

// Warmup runs before the clock starts, outside every file.
type Warmup struct {
	Requests, PromptTokens, DecodeTokens int
}

// Replayer replays workloads on one model.
type Replayer struct {
	m       *llm.Model
	o       Options
	r       *llm.Runner
	WarmupS float64 // s spent warming up
	Steps   int     // engine steps in the replay
}

// New prepares nothing yet; Prepare does the untimed work.
func New(m *llm.Model, o Options) *Replayer {
	if o.TimeScale <= 0 {
		o.TimeScale = 1
	}
	return &Replayer{m: m, o: o}
}

// Prepare warms the engine up and builds the runner and its KV cache
// stamping on clock, so neither is charged to the first requests. clock
// is read only once the replay runs.
func (p *Replayer) Prepare(clock func() float64) error {
	if p.o.Warmup.Requests > 0 {
		start := time.Now()
		if err := warmup(p.m, p.o); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		p.WarmupS = time.Since(start).Seconds()
	}
	r, err := llm.NewRunner(p.m, p.o.Scheduler, clock, p.o.Seed)
	if err != nil {
		return err
	}
	p.r = r
	return nil
}

// Replay makes request i visible to the scheduler at its arrived_at ×
// time_scale on clock (open loop) and steps the engine until every
// request has finished, recording each step in rec. After ctx is
// cancelled it stops at the next step boundary; unfinished requests are
// left for the caller to mark.
func (p *Replayer) Replay(ctx context.Context, w *artifacts.Workload, clock func() float64, rec *record.Recorder) error {
	r, o := p.r, p.o
	if r == nil {
		return fmt.Errorf("native replay: Prepare was not called")
	}
	reqs := w.Requests
	next := 0
	for next < len(reqs) || r.Busy() {
		if ctx.Err() != nil {
			return nil
		}
		now := clock()
		for next < len(reqs) && reqs[next].ArrivedAt*o.TimeScale <= now {
			q := llm.Request{ID: reqs[next].RequestID, Prompt: w.Prompts[next].PromptTokenIDs,
				MaxNewTokens: reqs[next].NumDecodeTokens, StopAtEOS: o.StopAtEOS, EOS: o.EOS}
			if err := r.Add(q); err != nil {
				rec.Fail(q.ID, err.Error())
			}
			next++
		}
		if !r.Busy() {
			if next < len(reqs) {
				record.SleepUntil(ctx, clock, reqs[next].ArrivedAt*o.TimeScale)
			}
			continue
		}
		rep, err := r.Step()
		if err != nil {
			return err
		}
		if rep == nil {
			continue
		}
		p.Steps++
		recordStep(rec, rep)
	}
	return nil
}

// recordStep turns one engine step into records.
func recordStep(rec *record.Recorder, rep *llm.StepReport) {
	b := artifacts.BatchRow{BatchID: rep.BatchID, ScheduledAt: rep.ScheduledAt, CompletedAt: rep.CompletedAt, BatchSize: len(rep.Entries)}
	for _, e := range rep.Entries {
		if e.FirstScheduled {
			rec.Scheduled(e.RequestID, rep.ScheduledAt)
		}
		if e.Restarted {
			rec.Restart(e.RequestID)
			continue
		}
		b.NumPrefillTokens += e.PrefillTokens
		if e.Decode {
			b.NumDecodeTokens++
		}
		if e.TokenIndex >= 0 {
			rec.Token(e.RequestID, e.TokenIndex, rep.CompletedAt, len(rep.Entries))
		}
		if e.Done {
			rec.Done(e.RequestID)
		}
	}
	rec.Batch(b)
}

// warmup runs a few short requests so the first measured step does not
// pay for page faults and allocator growth.
func warmup(m *llm.Model, o Options) error {
	r, err := llm.NewRunner(m, o.Scheduler, func() float64 { return 0 }, o.Seed)
	if err != nil {
		return err
	}
	for i := 0; i < o.Warmup.Requests; i++ {
		prompt := make([]int, max(o.Warmup.PromptTokens, 1))
		for j := range prompt {
			prompt[j] = (j*7919 + i) % 1000
		}
		if err := r.Add(llm.Request{ID: i, Prompt: prompt, MaxNewTokens: max(o.Warmup.DecodeTokens, 1)}); err != nil {
			return err
		}
	}
	for r.Busy() {
		if _, err := r.Step(); err != nil {
			return err
		}
	}
	return nil
}
