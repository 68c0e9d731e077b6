package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/simcheck/simcheck/pkg/engine/kvcache"
)

// profileSeq is where the profiling calls number their sequences, far from
// any id a runner hands out; they are released before returning.
const profileSeq kvcache.SeqID = 1 << 40

// Shape is a synthetic batch for profiling: Prefill lists (chunk, kv)
// pairs, a prompt chunk of chunk new tokens over kv cached ones; Decode
// lists one cached length per decode sequence.
type Shape struct {
	Prefill [][2]int
	Decode  []int
}

// place gives every sequence of s cache room for its cached tokens and
// returns the chunks of the batch (token ids from a fixed pattern; timing
// does not depend on them). Cached contents are whatever the blocks hold.
func (m *Model) place(s Shape) ([]Chunk, func(), error) {
	var chunks []Chunk
	release := func() {
		for _, ch := range chunks {
			m.Cache.Release(ch.Seq)
		}
	}
	add := func(n, kv int) error {
		if n < 1 || kv < 0 {
			return fmt.Errorf("profile: chunk %d over %d cached tokens", n, kv)
		}
		id := profileSeq + kvcache.SeqID(len(chunks))
		toks := make([]int32, n)
		for i := range toks {
			toks[i] = int32((i*7919 + len(chunks)) % m.Arch.VocabSize)
		}
		chunks = append(chunks, Chunk{Seq: id, Tokens: toks, Logits: true})
		if err := m.Cache.Prefill(id, kv); err != nil {
			return fmt.Errorf("profile: %d cached tokens: %w", kv, err)
		}
		return nil
	}
	for _, p := range s.Prefill {
		if err := add(p[0], p[1]); err != nil {
			release()
			return nil, nil, err
		}
	}
	for _, kv := range s.Decode {
		if err := add(1, max(kv, 1)); err != nil {
			release()
			return nil, nil, err
		}
	}
	return chunks, release, nil
}

// ProfileForward runs one forward over a synthetic batch and samples
// greedily, reporting through the Timer exactly as a real step does.
// Every sequence gets logits (its chunk ends its known tokens), so the
// final norm, LM head and sampling run once per sequence.
func (m *Model) ProfileForward(s Shape) error {
	chunks, release, err := m.place(s)
	if err != nil {
		return err
	}
	defer release()
	logits, err := m.ForwardTransient(chunks)
	if err != nil {
		return err
	}
	m.SampleAll(logits, Sampling{}, nil)
	return nil
}

// ProfileAttention times the attention alone, the way Vidur's attention
// profiler does: for the batch of s, query/key/value rows drawn from a
// fixed seed, then attn_kv_cache_save, attn_prefill and attn_decode through
// the backend's own kernels, reported to the Timer, for every layer over
// that layer's own cache. Every layer, not layer 0 alone: in a forward a
// layer's cache has left the CPU's caches by the time the layer runs again,
// while one layer timed over and over reads it hot; on a 2-vCPU Zen 5 a
// batch of 8 decodes over 128 cached tokens took 33-46% less time that way
// than inside real engine steps (vidur-profile/internal/cmd/stepcheck).
// It skips the projections and MLPs, so a grid of hundreds of points stays
// cheap. The cache lengths are left unchanged.
func (m *Model) ProfileAttention(s Shape) error {
	chunks, release, err := m.place(s)
	if err != nil {
		return err
	}
	defer release()
	b, c := m.B, m.Cache
	T := 0
	for _, ch := range chunks {
		T += len(ch.Tokens)
		if err := c.Reserve(ch.Seq, c.Len(ch.Seq)+len(ch.Tokens)); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
	}
	_, slots, prefill, decode := m.layout(chunks, T)
	m.grow(T)
	qkv, out := b.Rows(m.ws.qkv, T), b.Rows(m.ws.attn, T)
	vals := make([]float32, T*m.qkvL.Width())
	r := rand.New(rand.NewPCG(uint64(T), 0xa77))
	for i := range vals {
		vals[i] = float32(r.NormFloat64())
	}
	b.Write(qkv, vals)
	nDec := len(decode)
	save := m.saveSlots(slots, decode)
	for l := range m.Arch.NumHiddenLayers {
		m.start(OpAttnKVCacheSave, l, T)
		if save != nil {
			b.KVWrite(m.KV, l, qkv, m.qkvL, save)
		}
		m.end(OpAttnKVCacheSave, l, T)
		if len(prefill) > 0 {
			m.start(OpAttnPrefill, l, T-nDec)
			b.Attention(out, qkv, m.qkvL, m.KV, l, prefill)
			m.end(OpAttnPrefill, l, T-nDec)
		}
		if nDec > 0 {
			m.start(OpAttnDecode, l, nDec)
			b.Attention(out, qkv, m.qkvL, m.KV, l, decode)
			m.end(OpAttnDecode, l, nDec)
		}
	}
	return nil
}
