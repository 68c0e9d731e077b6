package record

import (
	"context"
	"fmt"
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
	// Journal, when set before the replay starts, receives each request
	// as it ends, with the batches recorded since the previous one, so a
	// crash loses only what was in flight. Its errors are kept in it.
	Journal   *artifacts.JournalWriter
	journaled int // batches already handed to Journal
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
	e := r.ended(first, q)
	r.mu.Unlock()
	r.notify(first, n, e)
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
	e := r.ended(first, q)
	r.mu.Unlock()
	r.notify(first, n, e)
}

func (r *Recorder) count(first bool) int {
	if first {
		r.finished++
	}
	return r.finished
}

// ending is a request's journal record, taken under the lock and written
// outside it.
type ending struct {
	q       artifacts.JournalRequest
	batches []artifacts.BatchRow
}

// ended snapshots a request that just ended, with the batches not yet
// journaled; r.mu is held.
func (r *Recorder) ended(first bool, q *Request) *ending {
	if !first || r.Journal == nil {
		return nil
	}
	e := &ending{q: q.result(), batches: append([]artifacts.BatchRow(nil), r.batches[r.journaled:]...)}
	r.journaled = len(r.batches)
	return e
}

func (r *Recorder) notify(first bool, n int, e *ending) {
	if e != nil {
		// An error stops the journal and stays in it; run() reports it.
		_ = r.Journal.Append(&e.q, e.batches)
	}
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
		e := q.result()
		rec := e.Record()
		w.Request(&rec)
		if e.Status == artifacts.StatusOK {
			w.Tokens(e.RequestID, e.ArrivedAt, e.TokenTimes, e.BatchSizes)
		}
	}
	for _, b := range r.batches {
		w.Batch(b)
	}
}

// result is what the files say of q, in the journal's form: a request
// that did not complete with at least one token failed, and keeps no
// tokens. The journal and the run files share it, so a recovered run
// says exactly what the finished run would have.
func (q *Request) result() artifacts.JournalRequest {
	e := artifacts.JournalRequest{RequestID: q.ID, ArrivedAt: q.ArrivedAt, ScheduledAt: q.ScheduledAt,
		NumPrefillTokens: q.NumPrefill, NumDecodeTokens: q.NumDecodeAsked, NumRestarts: q.Restarts, Status: artifacts.StatusOK}
	if q.Failed || !q.Done || len(q.Tokens) == 0 {
		e.Status, e.FailureReason = artifacts.StatusFailed, q.FailureReason
		if e.FailureReason == "" {
			e.FailureReason = "no output token"
		}
		return e
	}
	e.TokenTimes = append([]float64(nil), q.Tokens...)
	for _, s := range q.BatchSizes {
		if s > 0 { // all unknown (a server's) stays nil
			e.BatchSizes = append([]int(nil), q.BatchSizes...)
			break
		}
	}
	return e
}

// Restore puts a journaled request back, as it ended: recovery rebuilds
// a crashed run's recorder from its journal, then writes it like any
// other. The journal must be of this workload.
func (r *Recorder) Restore(e *artifacts.JournalRequest) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.RequestID < 0 || e.RequestID >= len(r.reqs) {
		return fmt.Errorf("journaled request %d is not in the workload (%d requests)", e.RequestID, len(r.reqs))
	}
	q := r.reqs[e.RequestID]
	if q.NumPrefill != e.NumPrefillTokens || q.NumDecodeAsked != e.NumDecodeTokens || q.ArrivedAt != e.ArrivedAt {
		return fmt.Errorf("journaled request %d (arrival %g s, %d prefill, %d decode tokens) differs from the workload's (%g s, %d, %d)",
			e.RequestID, e.ArrivedAt, e.NumPrefillTokens, e.NumDecodeTokens, q.ArrivedAt, q.NumPrefill, q.NumDecodeAsked)
	}
	if q.Done || q.Failed {
		return fmt.Errorf("request %d is journaled twice", e.RequestID)
	}
	q.ScheduledAt, q.sawFirstScheduled, q.Restarts = e.ScheduledAt, true, e.NumRestarts
	q.Tokens, q.BatchSizes = append([]float64(nil), e.TokenTimes...), e.BatchSizes
	if q.BatchSizes == nil {
		q.BatchSizes = make([]int, len(q.Tokens))
	}
	if e.Status == artifacts.StatusOK {
		q.Done = true
	} else {
		q.Failed, q.FailureReason = true, e.FailureReason
	}
	r.finished++
	return nil
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
