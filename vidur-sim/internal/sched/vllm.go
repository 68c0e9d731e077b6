package sched

import "github.com/simcheck/simcheck/vidur-sim/internal/entity"

// vllm is vLLM's scheduler (vidur-semantics.md §3.2): prefill-first, whole prompts,
// never mixing prefill and decode, padded token budget.
type vllm struct{ paged }

func (v *vllm) Schedule() ([]*entity.Batch, error) { return v.schedule(v.next) }

func (v *vllm) next() (*entity.Batch, error) {
	var reqs []*entity.Request
	var toks []int
	maxTok := 0
	for v.queue.Len() > 0 {
		r := v.queue.Front()
		n := nextTokens(r)
		if !v.canAllocateRequest(r) {
			break
		}
		// A prompt longer than the batch budget blocks Vidur's queue
		// forever (vidur-semantics.md §10.15); without compat it runs alone instead.
		if (len(toks)+1)*max(maxTok, n) > v.cfg.MaxTokensInBatch && (len(toks) > 0 || v.cfg.Compat) {
			break
		}
		if v.holders == v.cfg.BatchSizeCap || len(reqs) == v.maxMicro {
			break
		}
		v.queue.PopFront()
		v.allocateRequest(r)
		reqs = append(reqs, r)
		toks = append(toks, n)
		maxTok = max(maxTok, n)
	}
	if len(reqs) > 0 {
		return v.batch(reqs, toks), nil
	}
	sortByArrival(v.preempted)
	for len(v.preempted) > 0 {
		if len(reqs) == v.maxMicro {
			break
		}
		r := v.preempted[0]
		v.preempted = v.preempted[1:]
		if v.admitRunning(r) {
			reqs = append(reqs, r)
			toks = append(toks, nextTokens(r))
		}
	}
	v.preempted = append([]*entity.Request(nil), v.preempted...)
	if len(reqs) == 0 {
		return nil, nil
	}
	return v.batch(reqs, toks), nil
}
