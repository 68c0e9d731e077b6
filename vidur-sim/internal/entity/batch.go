package entity

import "github.com/simcheck/simcheck/vidur-sim/internal/des"

// Batch is one iteration of one replica (vidur-semantics.md §2.2): requests and
// the tokens each processes. Counts are fixed at construction.
type Batch struct {
	ID                 int
	Replica            int
	Requests           []*Request
	Tokens             []int
	TotalTokens        int
	PrefillTokens      int // tokens of requests not yet prefill-complete
	TotalTokensRounded int // ceilTo(TotalTokens, 8), the key of token-indexed ops
	ScheduledAt        des.Time
	CompletedAt        des.Time
	// Slot is where the simulator holds the batch while it is in flight.
	Slot                int32
	attnDone            bool
	decodeB, decodeKV   int
	decodeSum           int // Σ processed tokens of the decodes
	prefillKV, prefillC int
	numPrefills         int
	prefillSumSq        int
	finishing           int  // prefill chunks that complete their prompt
	unscheduled         bool // some request was never scheduled (or restarted)
}

// NewBatch builds a batch; id comes from the simulator's batch counter.
func NewBatch(id, replica int, reqs []*Request, tokens []int) *Batch {
	b := new(Batch)
	b.Set(id, replica, reqs, tokens)
	return b
}

// Set makes b the batch id of reqs and tokens, which it keeps, as
// NewBatch does: a scheduler recycles a batch the simulator is done with
// by appending to its Requests[:0] and Tokens[:0] and calling Set,
// instead of allocating three objects per iteration.
func (b *Batch) Set(id, replica int, reqs []*Request, tokens []int) {
	*b = Batch{ID: id, Replica: replica, Requests: reqs, Tokens: tokens}
	b.count()
}

// count sums the batch's tokens and, in the same pass over its requests,
// what AttentionParams needs of them but the KV granularity: the requests'
// state does not change between a batch's forming and its stages.
func (b *Batch) count() {
	for i, r := range b.Requests {
		n := b.Tokens[i]
		b.TotalTokens += n
		b.unscheduled = b.unscheduled || !r.Scheduled
		if r.PrefillComplete {
			b.decodeB++
			b.decodeSum += r.Processed
			continue
		}
		b.PrefillTokens += n
		b.numPrefills++
		b.prefillSumSq += n * n
		if r.Processed+n >= r.PrefillTokens {
			b.finishing++
		}
	}
	b.TotalTokensRounded = (b.TotalTokens + 7) / 8 * 8
}

// LogitSeqs is how many sequences produce a token in this batch: the
// decodes and the prefill chunks that complete their prompt.
func (b *Batch) LogitSeqs() int { return b.decodeB + b.finishing }

// DecodeTokens is TotalTokens − PrefillTokens.
func (b *Batch) DecodeTokens() int { return b.TotalTokens - b.PrefillTokens }

// Size is the number of requests.
func (b *Batch) Size() int { return len(b.Requests) }

// OnSchedule marks the batch scheduled at t.
func (b *Batch) OnSchedule(t des.Time) {
	b.ScheduledAt = t
	if !b.unscheduled {
		return // every request's first schedule is recorded already
	}
	for _, r := range b.Requests {
		r.OnBatchSchedule(t)
	}
}

// AttentionParams returns the attention keys of vidur-semantics.md §4.5, memoised
// on the batch because every stage sees the same request state:
// decodeB requests decode with mean kv decodeKV (truncated, then rounded
// up to g); numPrefills chunks have summed kv prefillKV (each rounded up
// to g) and aggregated chunk sumSq = Σ c_i².
func (b *Batch) AttentionParams(g int) (decodeB, decodeKV, numPrefills, prefillKV, sumSq int) {
	if !b.attnDone {
		if b.numPrefills > 0 {
			for _, r := range b.Requests {
				if !r.PrefillComplete {
					b.prefillKV += ceilTo(r.Processed, g)
				}
			}
		}
		if b.decodeB > 0 {
			// int(np.mean(D)): the float mean of integers truncates to the
			// integer quotient (the sum is exact below 2^53).
			b.decodeKV = ceilTo(b.decodeSum/b.decodeB, g)
		}
		b.attnDone = true
	}
	return b.decodeB, b.decodeKV, b.numPrefills, b.prefillKV, b.prefillSumSq
}

func ceilTo(x, g int) int { return (x + g - 1) / g * g }
