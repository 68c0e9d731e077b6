package record

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Request is what was observed of one request.
type Request struct {
	ID                int
	ArrivedAt         float64
	ScheduledAt       float64 // NaN when the backend cannot know
	Tokens            []float64
	BatchSizes        []int
	NumPrefill        int
	NumDecodeAsked    int
	Restarts          int
	Done              bool
	Failed            bool
	FailureReason     string
	sawFirstScheduled bool
}

// Recorder is safe for concurrent use by a backend's goroutines.
type Recorder struct {
	mu       sync.Mutex
	reqs     []*Request
	batches  []artifacts.BatchRow
	finished int
	// OnFinish, when set before the replay starts, is called (outside the
	// recorder's lock) each time a request completes or fails, with the
	// number finished so far: the progress report's hook.
	OnFinish func(finished int)
}

// New prepares one entry per workload request.
func New(w []artifacts.Request, timeScale float64) *Recorder {
	r := &Recorder{reqs: make([]*Request, len(w))}
	for i, q := range w {
		r.reqs[i] = &Request{ID: q.RequestID, ArrivedAt: q.ArrivedAt * timeScale, ScheduledAt: math.NaN(),
			NumPrefill: q.NumPrefillTokens, NumDecodeAsked: q.NumDecodeTokens}
	}
	return r
}

// Scheduled records the first time a request entered a batch.
func (r *Recorder) Scheduled(id int, t float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.reqs[id]
	if !q.sawFirstScheduled {
		q.ScheduledAt, q.sawFirstScheduled = t, true
	}
}

// Token records an output token's completion time; batchSize 0 is
// unknown.
func (r *Recorder) Token(id int, index int, t float64, batchSize int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.reqs[id]
	// A restart recomputes tokens already produced: keep the first time
	// each index became visible.
	if index < len(q.Tokens) {
		return
	}
	q.Tokens = append(q.Tokens, t)
	q.BatchSizes = append(q.BatchSizes, batchSize)
}

// Restart counts a preemption by recomputation.
func (r *Recorder) Restart(id int) {
	r.mu.Lock()
	r.reqs[id].Restarts++
	r.mu.Unlock()
}

// Done marks a request complete.
func (r *Recorder) Done(id int) {
	r.mu.Lock()
	q := r.reqs[id]
	first := !q.Done && !q.Failed
	q.Done = true
	n := r.count(first)
	r.mu.Unlock()
	r.notify(first, n)
}

// Fail marks a request failed with a reason; its tokens so far are kept
// out of the token file. A request already done or failed keeps its state.
func (r *Recorder) Fail(id int, reason string) {
	r.mu.Lock()
	q := r.reqs[id]
	first := !q.Done && !q.Failed
	if first {
		q.Failed, q.FailureReason = true, reason
	}
	n := r.count(first)
	r.mu.Unlock()
	r.notify(first, n)
}

func (r *Recorder) count(first bool) int {
	if first {
		r.finished++
	}
	return r.finished
}

func (r *Recorder) notify(first bool, n int) {
	if first && r.OnFinish != nil {
		r.OnFinish(n)
	}
}

// Batch records one engine iteration.
func (r *Recorder) Batch(b artifacts.BatchRow) {
	r.mu.Lock()
	r.batches = append(r.batches, b)
	r.mu.Unlock()
}

// Finish marks every request that neither completed nor failed as failed
// with reason, for an interrupted run.
func (r *Recorder) Finish(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, q := range r.reqs {
		if !q.Done && !q.Failed {
			q.Failed, q.FailureReason = true, reason
			n++
		}
	}
	return n
}

// Write writes the request, token and batch rows.
func (r *Recorder) Write(w *artifacts.RunWriter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, q := range r.reqs {
		rec := artifacts.RequestRecord{
			RequestID: q.ID, ArrivedAt: q.ArrivedAt, ScheduledAt: q.ScheduledAt,
			PrefillCompletedAt: math.NaN(), CompletedAt: math.NaN(),
			NumPrefillTokens: q.NumPrefill, NumDecodeTokens: q.NumDecodeAsked, NumRestarts: q.Restarts,
			Status: artifacts.StatusOK,
		}
		if q.Failed || !q.Done || len(q.Tokens) == 0 {
			rec.Status = artifacts.StatusFailed
			rec.FailureReason = q.FailureReason
			if rec.FailureReason == "" {
				rec.FailureReason = "no output token"
			}
			w.Request(&rec)
			continue
		}
		rec.PrefillCompletedAt = q.Tokens[0]
		rec.CompletedAt = q.Tokens[len(q.Tokens)-1]
		rec.NumDecodeTokensActual = len(q.Tokens)
		w.Request(&rec)
		w.Tokens(q.ID, q.ArrivedAt, q.Tokens, q.BatchSizes)
	}
	for _, b := range r.batches {
		w.Batch(b)
	}
}

// Clock is a run's time origin: every time in the run files is seconds
// since Start on Go's monotonic clock (time.Since uses the monotonic
// reading, so wall-clock steps cannot move it).
type Clock struct {
	t0 time.Time
}

// Start sets time 0 to now. Backends do their untimed work (loading,
// warm-up) before it.
func (c *Clock) Start() { c.t0 = time.Now() }

// StartedAt is the wall-clock time of time 0.
func (c *Clock) StartedAt() time.Time { return c.t0 }

// Now is the run time in seconds; meaningful only after Start.
func (c *Clock) Now() float64 { return time.Since(c.t0).Seconds() }

// SleepUntil returns when clock() reaches at (s), or false at once when
// ctx ends first.
//
// A Go timer wakes ~0.5 ms late (p50; ~1.1 ms p99) on the 2-vCPU build VM
// even when idle, which shows in dispatch_delay. Spinning through the last
// 1.5 ms brought that to microseconds on an idle machine but, with another
// process on the same cores, made dispatch 100x worse (p50 80 ms at
// 1,000 requests/s; docs/backends.md), so the timer alone is used.
func SleepUntil(ctx context.Context, clock func() float64, at float64) bool {
	if wait := time.Duration((at - clock()) * float64(time.Second)); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
	return ctx.Err() == nil
}
