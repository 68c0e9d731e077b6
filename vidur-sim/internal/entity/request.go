package entity

import "github.com/simcheck/simcheck/vidur-sim/internal/des"

// Request is one inference request moving through the simulator
// (vidur-semantics.md §2.1). Zero times double as "unset", as in Vidur.
type Request struct {
	ID        int
	ArrivedAt des.Time

	// PrefillTokens and DecodeTokens are the current counts; a restart
	// rewrites them. OrigPrefill and OrigDecode keep what was asked for.
	PrefillTokens, DecodeTokens int
	OrigPrefill, OrigDecode     int
	Processed                   int // prompt tokens processed + tokens generated

	Scheduled, Completed, PrefillComplete, Preempted bool
	NumRestarts                                      int

	ScheduledAt, PrefillCompletedAt, CompletedAt des.Time

	ExecutionTime, ModelExecutionTime, PreemptedTime float64 // s

	LatestStageScheduledAt, LatestStageCompletedAt des.Time

	// Blocks is the KV blocks the request holds on its replica, and
	// Allocated whether it has an entry in the replica's allocation map
	// (an entry may hold zero blocks).
	Blocks    int
	Allocated bool

	// Emitted counts output tokens already produced; a restart re-runs
	// earlier tokens without emitting them again. TokenTimes and
	// TokenBatch record each output token when Track is set.
	Emitted    int
	Track      bool
	TokenTimes []float64
	TokenBatch []int
}

// NewRequest returns a request that has just been generated.
func NewRequest(id int, arrivedAt des.Time, prefill, decode int) *Request {
	r := new(Request)
	r.Init(id, arrivedAt, prefill, decode)
	return r
}

// Init makes r a request that has just been generated, as NewRequest
// does, in place (a simulator reuses finished requests' objects).
func (r *Request) Init(id int, arrivedAt des.Time, prefill, decode int) {
	*r = Request{ID: id, ArrivedAt: arrivedAt, PrefillTokens: prefill, DecodeTokens: decode,
		OrigPrefill: prefill, OrigDecode: decode}
}

// TotalTokens is prefill + decode (current counts).
func (r *Request) TotalTokens() int { return r.PrefillTokens + r.DecodeTokens }

// OnBatchSchedule records that a batch holding r was scheduled at t.
func (r *Request) OnBatchSchedule(t des.Time) {
	if r.Scheduled {
		return
	}
	r.Scheduled = true
	if r.NumRestarts > 0 {
		return // keep the first scheduled_at
	}
	r.ScheduledAt = t
}

// OnStageSchedule records the start of a stage execution holding r.
func (r *Request) OnStageSchedule(t des.Time) {
	r.LatestStageScheduledAt = t
	if r.LatestStageCompletedAt == 0 {
		r.PreemptedTime = 0
	} else {
		r.PreemptedTime += float64(t - r.LatestStageCompletedAt)
	}
	r.Preempted = false
}

// OnStageEnd records the end of a stage execution.
func (r *Request) OnStageEnd(t des.Time, exec, modelExec float64) {
	r.ExecutionTime += exec
	r.ModelExecutionTime += modelExec
	r.LatestStageCompletedAt = t
	r.Preempted = true
}

// OnBatchEnd advances r by the n tokens it had in a batch that ended at t.
// It reports how many new output tokens r produced (0 or 1). The prefill
// iteration also produces the first output token (vidur-semantics.md §2.1).
func (r *Request) OnBatchEnd(t des.Time, n int) (newTokens int) {
	r.Processed += n
	if r.Processed > r.TotalTokens() {
		panic("entity: request processed more tokens than it has")
	}
	if r.Processed == r.PrefillTokens {
		r.PrefillComplete = true
		r.Processed++
		if r.PrefillCompletedAt == 0 {
			r.PrefillCompletedAt = t
		}
	}
	if r.Processed == r.TotalTokens() {
		r.CompletedAt = t
		r.Completed = true
	}
	// Output tokens so far: what was processed beyond the original prompt.
	// After a restart the re-prefill of earlier outputs produces nothing new.
	gen := r.Processed - r.OrigPrefill
	if r.PrefillComplete && gen > r.Emitted {
		newTokens = gen - r.Emitted
		r.Emitted = gen
	}
	return newTokens
}

// Restart re-runs the request from scratch after a memory preemption
// (vidur-semantics.md §2.1): what was processed becomes the prompt.
//
// Vidur applies this to a partially prefilled request too, which turns
// its unprocessed prompt into "decode" tokens processed one per iteration
// (vidur-semantics.md §10.7). With compat false such a request keeps its prompt as
// prompt; with compat true Vidur's rewrite is reproduced.
func (r *Request) Restart(compat bool) {
	total := r.TotalTokens()
	if compat || r.PrefillComplete {
		r.PrefillTokens = r.Processed
		r.DecodeTokens = total - r.PrefillTokens
	}
	r.Processed = 0
	r.Scheduled = false
	r.Preempted = false
	r.Completed = false
	r.PrefillComplete = false
	r.NumRestarts++
}
