package replay

import (
	"context"
	"fmt"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/engine"
	"github.com/simcheck/simcheck/pkg/engine/model"
	"github.com/simcheck/simcheck/pkg/engine/sched"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

// Options configure a replay.
type Options struct {
	Scheduler sched.Settings
	Sampling  model.Sampling
	Seed      uint64
	TimeScale float64
	StopAtEOS bool
	EOS       []int32
	Warmup    Warmup
}

// Warmup runs before the clock starts, outside every file.
type Warmup struct {
	Requests, PromptTokens, DecodeTokens int
}

// Replayer replays workloads on one model.
type Replayer struct {
	m       *model.Model
	o       Options
	r       *engine.Runner
	WarmupS float64 // s spent warming up
	Steps   int     // engine steps in the replay
}

// New prepares nothing yet; Prepare does the untimed work.
func New(m *model.Model, o Options) *Replayer {
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
	r, err := engine.NewRunner(p.m, p.o.config(clock))
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
	for next < len(reqs) || !r.Idle() {
		if ctx.Err() != nil {
			return nil
		}
		now := clock()
		for next < len(reqs) && reqs[next].ArrivedAt*o.TimeScale <= now {
			q := engine.Request{ID: int64(reqs[next].RequestID), Prompt: int32s(w.Prompts[next].PromptTokenIDs),
				MaxNewTokens: reqs[next].NumDecodeTokens}
			if err := r.Add(q); err != nil {
				rec.Fail(reqs[next].RequestID, err.Error())
			}
			next++
		}
		if r.Idle() {
			if next < len(reqs) {
				record.SleepUntil(ctx, clock, reqs[next].ArrivedAt*o.TimeScale)
			}
			continue
		}
		rep, err := r.Step()
		if err != nil {
			return err
		}
		if len(rep.Items) == 0 && len(rep.Preempted) == 0 {
			continue
		}
		p.Steps++
		recordStep(rec, rep)
	}
	return nil
}

// config is the runner's configuration on clock (seconds from the
// replay's origin).
func (o Options) config(clock func() float64) engine.Config {
	return engine.Config{Sched: o.Scheduler, Sampling: o.Sampling, Seed: o.Seed, StopAtEOS: o.StopAtEOS, EOS: o.EOS,
		Clock: func() time.Time { return origin.Add(time.Duration(clock() * 1e9)) }}
}

// origin is where the runner's times start: seconds(origin.Add(d)) = d.
var origin = time.Unix(0, 0)

func seconds(t time.Time) float64 { return t.Sub(origin).Seconds() }

func int32s(ids []int) []int32 {
	out := make([]int32, len(ids))
	for i, v := range ids {
		out[i] = int32(v)
	}
	return out
}

// recordStep turns one engine step into records.
func recordStep(rec *record.Recorder, rep engine.StepReport) {
	at, done := seconds(rep.Scheduled), seconds(rep.Completed)
	for _, id := range rep.Preempted {
		rec.Restart(int(id))
	}
	if len(rep.Items) == 0 {
		return
	}
	b := artifacts.BatchRow{BatchID: int(rep.BatchID), ScheduledAt: at, CompletedAt: done, BatchSize: len(rep.Items)}
	for _, e := range rep.Items {
		id := int(e.ID)
		if e.FirstScheduled {
			rec.Scheduled(id, at)
		}
		b.NumPrefillTokens += e.PrefillTokens
		if e.Decode {
			b.NumDecodeTokens++
		}
		if e.Produced {
			rec.Token(id, e.TokenIndex, done, len(rep.Items))
		}
		if e.Completed {
			rec.Done(id)
		}
	}
	rec.Batch(b)
}

// warmup runs a few short requests so the first measured step does not
// pay for page faults and allocator growth.
func warmup(m *model.Model, o Options) error {
	r, err := engine.NewRunner(m, o.config(func() float64 { return 0 }))
	if err != nil {
		return err
	}
	for i := 0; i < o.Warmup.Requests; i++ {
		prompt := make([]int32, max(o.Warmup.PromptTokens, 1))
		for j := range prompt {
			prompt[j] = int32((j*7919 + i) % 1000)
		}
		if err := r.Add(engine.Request{ID: int64(i), Prompt: prompt, MaxNewTokens: max(o.Warmup.DecodeTokens, 1)}); err != nil {
			return err
		}
	}
	for !r.Idle() {
		if _, err := r.Step(); err != nil {
			return err
		}
	}
	return nil
}
