package llm

import "fmt"

// ProfileForward runs one forward over a synthetic batch, timing through
// the OpTimer exactly as a real step does: prefill lists (chunk, kvLen)
// pairs, a prompt chunk of chunk new tokens over kvLen cached ones, and
// decodeKV one cached length per decode sequence. Every sequence gets
// logits (its chunk ends its known tokens), so the LM head and sampling
// run once per sequence. Cached contents are whatever the blocks hold:
// timing does not depend on them.
func (m *Model) ProfileForward(prefill [][2]int, decodeKV []int, blockSize int) error {
	if blockSize < 1 {
		return fmt.Errorf("llm: block size %d", blockSize)
	}
	need := 0
	for _, p := range prefill {
		if p[0] < 1 || p[1] < 0 {
			return fmt.Errorf("llm: prefill chunk %d over %d cached tokens", p[0], p[1])
		}
		need += (p[0] + p[1] + blockSize - 1) / blockSize
	}
	for _, kv := range decodeKV {
		if kv < 0 {
			return fmt.Errorf("llm: decode over %d cached tokens", kv)
		}
		need += (kv + 1 + blockSize - 1) / blockSize
	}
	if need == 0 {
		return nil
	}
	c := m.prof
	if c == nil || c.blockSize != blockSize || c.numBlocks < need {
		c = newKVCache(m.a, blockSize, max(need, 64))
		m.prof = c
	}
	var batch []chunk
	var tables [][]int
	add := func(n, kv int, decode bool) error {
		table, err := c.grow(nil, n+kv)
		if err != nil {
			return err
		}
		tables = append(tables, table)
		toks := make([]int, n)
		for i := range toks {
			toks[i] = (kv + i) % m.a.Vocab
		}
		batch = append(batch, chunk{tokens: toks, start: kv, table: table, logits: true, decode: decode})
		return nil
	}
	for _, p := range prefill {
		if err := add(p[0], p[1], false); err != nil {
			return err
		}
	}
	for _, kv := range decodeKV {
		if err := add(1, kv, true); err != nil {
			return err
		}
	}
	m.forward(c, batch)
	for _, t := range tables {
		c.release(t)
	}
	return nil
}

// ProfileAttention times one layer's attention alone, the way Vidur's
// attention profiler does: the same batch shapes as ProfileForward, with
// query/key/value rows drawn once, then attn_kv_cache_save, attn_prefill
// and attn_decode of layer 0 reported through the OpTimer. It costs a
// layer's attention, not a whole forward, so a grid of hundreds of
// points stays cheap.
func (m *Model) ProfileAttention(prefill [][2]int, decodeKV []int, blockSize int) error {
	need := 0
	var batch []chunk
	for _, p := range prefill {
		if p[0] < 1 || p[1] < 0 {
			return fmt.Errorf("llm: prefill chunk %d over %d cached tokens", p[0], p[1])
		}
		need += (p[0] + p[1] + blockSize - 1) / blockSize
		batch = append(batch, chunk{tokens: make([]int, p[0]), start: p[1]})
	}
	for _, kv := range decodeKV {
		if kv < 0 {
			return fmt.Errorf("llm: decode over %d cached tokens", kv)
		}
		need += (kv + 1 + blockSize - 1) / blockSize
		batch = append(batch, chunk{tokens: make([]int, 1), start: kv, decode: true})
	}
	if need == 0 || blockSize < 1 {
		return nil
	}
	c := m.prof
	if c == nil || c.blockSize != blockSize || c.numBlocks < need {
		c = newKVCache(m.a, blockSize, max(need, 64))
		m.prof = c
	}
	T := 0
	for i := range batch {
		t, err := c.grow(nil, batch[i].start+len(batch[i].tokens))
		if err != nil {
			return err
		}
		batch[i].table = t
		T += len(batch[i].tokens)
	}
	a := m.a
	q, kv := a.QHeads*a.HeadDim, a.KVHeads*a.HeadDim
	w := q + 2*kv
	qkv := make([]float32, T*w)
	fillNormal(qkv, 1, uint64(T))
	att := make([]float32, T*q)
	m.span("attn_kv_cache_save", func() {
		r := 0
		for _, ch := range batch {
			for i := range ch.tokens {
				kd, vd := c.at(0, ch.table, ch.start+i)
				copy(kd, qkv[r*w+q:r*w+q+kv])
				copy(vd, qkv[r*w+q+kv:r*w+w])
				r++
			}
		}
	})
	m.attention(c, 0, batch, qkv, att, true)
	m.attention(c, 0, batch, qkv, att, false)
	for _, ch := range batch {
		c.release(ch.table)
	}
	return nil
}
