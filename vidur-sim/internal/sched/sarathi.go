package sched

import "github.com/simcheck/simcheck/vidur-sim/internal/entity"

// sarathi is Sarathi-Serve's chunked prefill (vidur-semantics.md §3.3): decodes first,
// then running prefills, then new requests, within chunk_size tokens.
type sarathi struct {
	paged
	// Scratch slices reused across iterations.
	prefills, skipped, spare []*entity.Request
}

func (s *sarathi) Schedule() ([]*entity.Batch, error) { return s.schedule(s.next) }

// chunk is the tokens r may process in a batch that already holds used.
func (s *sarathi) chunk(r *entity.Request, used int) int {
	if r.PrefillComplete {
		return 1
	}
	return max(0, min(r.PrefillTokens-r.Processed, s.cfg.ChunkSize-used))
}

func (s *sarathi) next() (*entity.Batch, error) {
	// Built in a recycled batch's own slices: no allocation once they
	// have grown to the largest batch.
	bt := s.take()
	reqs, toks := bt.Requests[:0], bt.Tokens[:0]
	prefills := s.prefills[:0]
	skipped := s.skipped[:0]
	base := s.preempted // the whole list; popping below re-slices it
	pre := base         // s.preempted, kept in a register between evictions
	used := 0
	for len(pre) > 0 {
		if len(reqs) == s.maxMicro {
			break
		}
		r := pre[0]
		pre = pre[1:]
		if !r.PrefillComplete {
			prefills = append(prefills, r)
			continue
		}
		ok := s.admitCheap(r)
		if !ok {
			s.preempted = pre
			ok = s.admitRunning(r) // may evict from the back of s.preempted
			pre = s.preempted
		}
		if ok {
			used++
			reqs = append(reqs, r)
			toks = append(toks, 1)
		}
	}
	s.preempted = pre
	for _, r := range prefills {
		n := s.chunk(r, used)
		if n == 0 {
			skipped = append(skipped, r)
			continue
		}
		used += n
		reqs = append(reqs, r)
		toks = append(toks, n)
	}
	// preempted = skipped + what was not popped, built in the spare
	// buffer (double buffering: no allocation per iteration).
	next := append(append(s.spare[:0], skipped...), s.preempted...)
	clear(base) // drop references held by the old buffer
	s.spare = base[:0]
	s.preempted = next
	s.prefills, s.skipped = prefills[:0], skipped[:0]
	sortByArrival(s.preempted)
	for s.queue.Len() > 0 {
		if s.holders == s.cfg.BatchSizeCap || len(reqs) == s.maxMicro {
			break
		}
		h := s.queue.Front()
		if !s.canAllocateRequest(h) {
			break
		}
		n := s.chunk(h, used)
		if n == 0 {
			break
		}
		s.queue.PopFront()
		s.allocateRequest(h)
		used += n
		reqs = append(reqs, h)
		toks = append(toks, n)
	}
	if len(reqs) == 0 {
		bt.Requests, bt.Tokens = reqs, toks // keep what grew
		s.Release(bt)
		return nil, nil
	}
	return s.number(bt, reqs, toks), nil
}
