package sched

import (
	"errors"
	"slices"

	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
)

// ErrOutOfMemory is lightllm's unhandled out-of-memory state: Vidur raises
// "OOM handling not implemented yet" (vidur-semantics.md §3.6).
var ErrOutOfMemory = errors.New("sched: lightllm ran out of KV memory for its running requests (Vidur does not handle this either)")

// lightllm is LightLLM's token-level admission control (vidur-semantics.md §3.6).
type lightllm struct {
	*base
	preempted []*entity.Request
	cacheLen  []tokTuple
	waiting   int
}

type tokTuple struct{ processed, remaining int }

func (l *lightllm) Schedule() ([]*entity.Batch, error) { return l.schedule(l.next) }

func (l *lightllm) OnBatchEnd(b *entity.Batch) {
	l.running--
	for _, r := range b.Requests {
		if r.Completed {
			l.free(r)
		} else {
			l.preempted = append(l.preempted, r)
		}
	}
}

func (l *lightllm) tuple(r *entity.Request) tokTuple {
	if r.Scheduled {
		dec := max(r.Processed-r.PrefillTokens, 0)
		return tokTuple{r.Processed, max(0, r.DecodeTokens-dec-1)}
	}
	return tokTuple{r.PrefillTokens + 1, max(0, r.DecodeTokens-2)}
}

func (l *lightllm) canAllocateRequest(r *entity.Request) bool {
	l.cacheLen = append(l.cacheLen, l.tuple(r))
	// Python's sort is stable: equal remaining keep insertion order.
	slices.SortStableFunc(l.cacheLen, func(a, b tokTuple) int { return b.remaining - a.remaining })
	need, cum := 0, 0
	for i, t := range l.cacheLen {
		cum += t.processed
		need = max(need, t.remaining*(i+1)+cum)
	}
	return need < l.cfg.NumBlocks
}

func (l *lightllm) prefillBatch() *entity.Batch {
	var reqs []*entity.Request
	var toks []int
	used := 0
	l.cacheLen = l.cacheLen[:0]
	for _, r := range l.preempted {
		l.cacheLen = append(l.cacheLen, l.tuple(r))
	}
	for l.queue.Len() > 0 {
		r := l.queue.Front()
		n := nextTokens(r)
		if used+n > l.cfg.MaxTokensInBatch || l.holders == l.cfg.BatchSizeCap || len(reqs) == l.maxMicro || !l.canAllocateRequest(r) {
			break
		}
		l.queue.PopFront()
		if !r.Allocated {
			l.allocate(r, r.PrefillTokens)
		} else {
			l.allocate(r, 1)
		}
		reqs = append(reqs, r)
		toks = append(toks, n)
		used += n
	}
	if len(reqs) == 0 {
		return nil
	}
	return l.batch(reqs, toks)
}

// decodeBatch takes every running request. Vidur asserts there are fewer
// than max_micro_batch_size (vidur-semantics.md §10.6); here the batch is capped at it
// and the rest wait for the next iteration.
func (l *lightllm) decodeBatch() *entity.Batch {
	var reqs []*entity.Request
	var toks []int
	k := 0
	for k < len(l.preempted) && (l.cfg.Compat || len(reqs) < l.maxMicro) {
		r := l.preempted[k]
		k++
		l.allocate(r, 1)
		reqs = append(reqs, r)
		toks = append(toks, nextTokens(r))
	}
	l.preempted = append([]*entity.Request(nil), l.preempted[k:]...)
	if len(reqs) == 0 {
		return nil
	}
	return l.batch(reqs, toks)
}

func (l *lightllm) next() (*entity.Batch, error) {
	if len(l.preempted) == 0 {
		b := l.prefillBatch()
		if b != nil {
			l.waiting = 0
		}
		return b, nil
	}
	if l.waiting >= l.cfg.MaxWaitingIters {
		l.waiting = 0
		if b := l.prefillBatch(); b != nil {
			return b, nil
		}
	}
	if l.canAllocate(l.decodeCount()) {
		l.waiting++
		return l.decodeBatch(), nil
	}
	return nil, ErrOutOfMemory
}

func (l *lightllm) decodeCount() int {
	if l.cfg.Compat {
		return len(l.preempted)
	}
	return min(len(l.preempted), l.maxMicro)
}

func (l *lightllm) Unfinished() []*entity.Request { return append(l.waitingList(), l.preempted...) }
