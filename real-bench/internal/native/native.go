// Package native replays a workload on the project's own Go engine
// (pkg/llm) in real time: each request becomes visible to the scheduler
// at its arrival time (open loop), and every output token is stamped when
// the engine step that sampled it ends, on a monotonic clock.
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
	// Progress is called after every step with the number of finished
	// requests.
	Progress func(done int)
}

// Warmup runs before the clock starts, outside every file.
type Warmup struct {
	Requests, PromptTokens, DecodeTokens int
}

// Result describes how the replay went.
type Result struct {
	StartedAt   time.Time // wall clock at t0
	Duration    float64   // s on the run's clock
	Interrupted bool
	WarmupS     float64 // s spent warming up
	Steps       int
}

// Run replays w's requests on m and records them in rec.
func Run(ctx context.Context, m *llm.Model, w *artifacts.Workload, rec *record.Recorder, o Options) (*Result, error) {
	res := &Result{}
	if o.Warmup.Requests > 0 {
		start := time.Now()
		if err := warmup(m, o); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
		res.WarmupS = time.Since(start).Seconds()
	}
	// The runner (and its KV cache) is built before the clock starts, so
	// allocating the cache is not charged to the first requests.
	var t0 time.Time
	clock := func() float64 { return time.Since(t0).Seconds() }
	r, err := llm.NewRunner(m, o.Scheduler, clock, o.Seed)
	if err != nil {
		return nil, err
	}
	t0 = time.Now()
	res.StartedAt = t0
	reqs := w.Requests
	next, done := 0, 0
	for next < len(reqs) || r.Busy() {
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		now := clock()
		for next < len(reqs) && reqs[next].ArrivedAt*o.TimeScale <= now {
			q := llm.Request{ID: reqs[next].RequestID, Prompt: w.Prompts[next].PromptTokenIDs,
				MaxNewTokens: reqs[next].NumDecodeTokens, StopAtEOS: o.StopAtEOS, EOS: o.EOS}
			if err := r.Add(q); err != nil {
				rec.Fail(q.ID, err.Error())
				done++
			}
			next++
		}
		if !r.Busy() {
			if next < len(reqs) {
				wait := time.Duration((reqs[next].ArrivedAt*o.TimeScale - clock()) * float64(time.Second))
				sleep(ctx, wait)
			}
			continue
		}
		rep, err := r.Step()
		if err != nil {
			return nil, err
		}
		if rep == nil {
			continue
		}
		res.Steps++
		done += recordStep(rec, rep)
		if o.Progress != nil {
			o.Progress(done)
		}
	}
	res.Duration = clock()
	return res, nil
}

// recordStep turns one engine step into records; it returns how many
// requests finished in it.
func recordStep(rec *record.Recorder, rep *llm.StepReport) int {
	finished := 0
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
			finished++
		}
	}
	rec.Batch(b)
	return finished
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
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
