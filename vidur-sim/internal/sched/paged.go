package sched

import "github.com/simcheck/simcheck/vidur-sim/internal/entity"

// paged is the block accounting vllm and sarathi share (vidur-semantics.md §3.2): a new
// request reserves its prompt's blocks, then one block per block_size
// generated tokens, keeping a watermark free for admissions.
type paged struct {
	*base
	preempted []*entity.Request // running, unfinished requests
}

func (p *paged) canAllocateRequest(r *entity.Request) bool {
	if !r.Allocated {
		need := ceilDiv(r.PrefillTokens, p.cfg.BlockSize)
		return p.cfg.NumBlocks-p.allocated-need >= p.watermark
	}
	return p.cfg.NumBlocks-p.allocated >= 1
}

func (p *paged) allocateRequest(r *entity.Request) {
	if !r.Allocated {
		p.allocate(r, ceilDiv(r.PrefillTokens, p.cfg.BlockSize))
		return
	}
	need := max(0, r.Processed-r.Blocks*p.cfg.BlockSize)
	if need > 1 {
		panic("sched: a running request needs more than one new token of KV")
	}
	if need == 1 {
		p.allocate(r, 1)
	}
}

func (p *paged) OnBatchEnd(b *entity.Batch) {
	p.running--
	for _, r := range b.Requests {
		if r.Completed {
			p.free(r)
		} else {
			p.preempted = append(p.preempted, r)
		}
	}
}

// admitRunning makes room for running request r, evicting the most
// recently queued running requests (the back of the list) and sending
// them back to the waiting queue as restarts (vidur-semantics.md §3.2 phase B). It
// reports false when r itself had to be restarted.
func (p *paged) admitRunning(r *entity.Request) bool {
	if p.admitCheap(r) {
		return true
	}
	for !p.canAllocateRequest(r) {
		if n := len(p.preempted); n > 0 {
			v := p.preempted[n-1]
			p.preempted = p.preempted[:n-1]
			v.Restart(p.cfg.Compat)
			p.free(v)
			p.queue.PushFront(v)
			continue
		}
		r.Restart(p.cfg.Compat)
		p.free(r)
		p.queue.PushFront(r)
		return false
	}
	p.allocateRequest(r)
	return true
}

// admitCheap is admitRunning's common case, small enough to inline in a
// scheduler's loop: running request r has its allocation, a block is free
// (Vidur asks one of every running request) and at most one of its tokens
// lacks KV, which takes that block. It reports false, having done
// nothing, when admitRunning must decide.
func (p *paged) admitCheap(r *entity.Request) bool {
	if !r.Allocated || p.cfg.NumBlocks-p.allocated < 1 {
		return false
	}
	need := r.Processed - r.Blocks*p.cfg.BlockSize
	if need > 1 {
		return false
	}
	if need == 1 {
		// allocate(r, 1), whose checks the tests above have made.
		p.allocated++
		r.Blocks++
	}
	return true
}

func (p *paged) Unfinished() []*entity.Request {
	return append(p.waitingList(), p.preempted...)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
