package sched

import "github.com/simcheck/simcheck/vidur-sim/internal/entity"

// orca is iteration-level batching with worst-case memory reservation
// (vidur-semantics.md §3.4); with maxBatch 1 it is the transformers scheduler.
type orca struct {
	*base
	preempted []*entity.Request
}

func (o *orca) Schedule() ([]*entity.Batch, error) { return o.schedule(o.next) }

func (o *orca) OnBatchEnd(b *entity.Batch) {
	o.running--
	for _, r := range b.Requests {
		if r.Completed {
			o.free(r)
		} else {
			o.preempted = append(o.preempted, r)
		}
	}
}

func (o *orca) next() (*entity.Batch, error) {
	var reqs []*entity.Request
	var toks []int
	k := 0
	for k < len(o.preempted) && len(reqs) < o.maxBatch {
		r := o.preempted[k]
		k++
		reqs = append(reqs, r)
		toks = append(toks, nextTokens(r))
	}
	o.preempted = append([]*entity.Request(nil), o.preempted[k:]...)
	for o.queue.Len() > 0 && len(reqs) < o.maxBatch && o.canAllocate(o.maxBlocksPerSeq) {
		r := o.queue.PopFront()
		o.allocate(r, o.maxBlocksPerSeq)
		reqs = append(reqs, r)
		toks = append(toks, nextTokens(r))
	}
	if len(reqs) == 0 {
		return nil, nil
	}
	return o.batch(reqs, toks), nil
}

func (o *orca) Unfinished() []*entity.Request { return append(o.waitingList(), o.preempted...) }

// fasterTransformer is static batching (vidur-semantics.md §3.5): a batch runs until
// all its requests finish.
type fasterTransformer struct {
	*base
	preempted []*entity.Batch
}

func (f *fasterTransformer) Schedule() ([]*entity.Batch, error) { return f.schedule(f.next) }

// OnBatchEnd frees finished requests. Vidur frees only when the whole
// batch has finished, and early finishers are dropped from the
// regenerated batch, so their blocks leak (vidur-semantics.md §10.5); with compat false
// each request's blocks are returned when it finishes.
func (f *fasterTransformer) OnBatchEnd(b *entity.Batch) {
	f.running--
	all := true
	for _, r := range b.Requests {
		if !r.Completed {
			all = false
		} else if !f.cfg.Compat {
			f.free(r)
		}
	}
	if all {
		if f.cfg.Compat {
			for _, r := range b.Requests {
				f.free(r)
			}
		}
		return
	}
	f.preempted = append(f.preempted, b)
}

// Release keeps nothing: a batch with unfinished requests stays in
// preempted after its end, to be rebuilt from.
func (f *fasterTransformer) Release(*entity.Batch) {}

func (f *fasterTransformer) next() (*entity.Batch, error) {
	if len(f.preempted) > 0 {
		pb := f.preempted[0]
		f.preempted = f.preempted[1:]
		var reqs []*entity.Request
		var toks []int
		for _, r := range pb.Requests {
			if !r.Completed {
				reqs = append(reqs, r)
				toks = append(toks, nextTokens(r))
			}
		}
		if len(reqs) == 0 {
			return nil, nil
		}
		return f.batch(reqs, toks), nil
	}
	var reqs []*entity.Request
	var toks []int
	for f.queue.Len() > 0 && len(reqs) < f.maxBatch && f.canAllocate(f.maxBlocksPerSeq) {
		r := f.queue.PopFront()
		f.allocate(r, f.maxBlocksPerSeq)
		reqs = append(reqs, r)
		toks = append(toks, nextTokens(r))
	}
	if len(reqs) == 0 {
		return nil, nil
	}
	return f.batch(reqs, toks), nil
}

func (f *fasterTransformer) Unfinished() []*entity.Request {
	out := f.waitingList()
	for _, b := range f.preempted {
		for _, r := range b.Requests {
			if !r.Completed {
				out = append(out, r)
			}
		}
	}
	return out
}
