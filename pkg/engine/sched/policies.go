package sched

// sarathi: decode-first with a token budget of chunk_size
// (serving-semantics.md §5).
type sarathi struct{ *queues }

func (p *sarathi) Schedule() Batch {
	var b Batch
	// 1. Every running decode gets one slot; decodes are not capped by
	// the budget but consume it.
	p.decodes(&b)
	budget := p.set.ChunkSize - len(b.Items)
	// 2. Ongoing partial prefills continue in running (arrival) order.
	for _, s := range p.running {
		if s.Decoding() || budget <= 0 {
			continue
		}
		n := min(s.Pending(), budget)
		b.Items = append(b.Items, item(s, n))
		budget -= n
	}
	// 3. Admit new requests FIFO while the budget, the batch size and the
	// blocks allow; the first that does not fit stops admission.
	for len(p.waiting) > 0 && budget > 0 && len(b.Items) < p.set.MaxBatchSize && len(p.running) < p.set.MaxBatchSize {
		if !p.canAdmit() {
			break
		}
		s := p.admit()
		n := min(s.Pending(), budget)
		b.Items = append(b.Items, item(s, n))
		budget -= n
	}
	return b
}

// vllm: prefill-first, never mixed: whole prompts when any can be
// admitted, otherwise one decode step for every running sequence.
type vllm struct{ *queues }

func (p *vllm) Schedule() Batch {
	var b Batch
	tokens := 0
	for len(p.waiting) > 0 && len(p.running) < p.set.MaxBatchSize {
		s := p.waiting[0]
		if p.set.MaxTokensInBatch > 0 && tokens+s.Pending() > p.set.MaxTokensInBatch {
			break
		}
		if !p.canAdmit() {
			break
		}
		p.admit()
		b.Items = append(b.Items, item(s, s.Pending()))
		tokens += s.Pending()
	}
	if len(b.Items) > 0 {
		return b
	}
	p.decodes(&b)
	return b
}

// transformers: one request at a time, whole prompt then decode to the end,
// like HF generate. Blocks for the full length are reserved at admission,
// so it never preempts.
type transformers struct{ *queues }

func (p *transformers) Schedule() Batch {
	var b Batch
	if len(p.running) == 0 {
		if len(p.waiting) == 0 {
			return b
		}
		s := p.waiting[0]
		if err := p.cache.Reserve(s.kv(), len(s.Tokens)+s.MaxNew); err != nil {
			return b
		}
		p.admit()
		b.Items = append(b.Items, item(s, s.Pending()))
		return b
	}
	s := p.running[0]
	b.Items = append(b.Items, item(s, s.Pending()))
	return b
}
