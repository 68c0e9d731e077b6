package model

import (
	"fmt"
	"math"

	"github.com/simcheck/simcheck/pkg/engine/backend"
	"github.com/simcheck/simcheck/pkg/engine/kvcache"
)

// Chunk is one sequence's part of a batch: Tokens continue the sequence
// right after the tokens already in its KV cache.
type Chunk struct {
	Seq    kvcache.SeqID
	Tokens []int32
	// Logits asks for the next-token logits after the chunk's last token:
	// set it on a prompt's last chunk and on decode steps.
	Logits bool
}

// workspace holds the activations, grown to the largest batch seen and
// reused through backend views so steady decoding allocates nothing big.
type workspace struct {
	rows                        int
	x, h, qkv, attn, o, gu, act backend.Tensor
	logitRows                   int
	logits                      backend.Tensor
}

func (m *Model) grow(t int) {
	if t <= m.ws.rows {
		return
	}
	a, b := m.Arch, m.B
	t = max(t, 2*m.ws.rows)
	m.ws = workspace{rows: t, logitRows: m.ws.logitRows, logits: m.ws.logits,
		x: b.NewTensor(t, a.HiddenSize), h: b.NewTensor(t, a.HiddenSize),
		qkv: b.NewTensor(t, a.QKVDim()), attn: b.NewTensor(t, a.QDim()),
		o: b.NewTensor(t, a.HiddenSize), gu: b.NewTensor(t, 2*a.IntermediateSize),
		act: b.NewTensor(t, a.IntermediateSize)}
}

// Forward runs one batch. It reserves KV blocks for each chunk (the
// scheduler normally has already; a shortfall is an error wrapping
// kvcache.ErrOutOfBlocks and leaves the cache lengths unchanged), writes
// their K/V, advances the cache, and returns one logits row per chunk with
// Logits set (nil for the others).
//
// A chunk of one token over a non-empty cache counts as decode for the
// attn_decode/attn_prefill split; everything else is prefill.
func (m *Model) Forward(chunks []Chunk) ([][]float32, error) {
	a, b, c := m.Arch, m.B, m.Cache
	T := 0
	for _, ch := range chunks {
		if len(ch.Tokens) == 0 {
			return nil, fmt.Errorf("model: empty chunk for sequence %d", ch.Seq)
		}
		T += len(ch.Tokens)
	}
	for _, ch := range chunks {
		if err := c.Reserve(ch.Seq, c.Len(ch.Seq)+len(ch.Tokens)); err != nil {
			return nil, err
		}
	}
	ids := make([]int32, 0, T)
	var want []int32
	for _, ch := range chunks {
		if end := c.Len(ch.Seq) + len(ch.Tokens); a.MaxPositionEmbeddings > 0 && end > a.MaxPositionEmbeddings {
			return nil, fmt.Errorf("model: sequence %d reaches %d tokens, over max_position_embeddings %d", ch.Seq, end, a.MaxPositionEmbeddings)
		}
		for _, id := range ch.Tokens {
			if id < 0 || int(id) >= a.VocabSize {
				return nil, fmt.Errorf("model: sequence %d: token id %d outside vocabulary of %d", ch.Seq, id, a.VocabSize)
			}
		}
		ids = append(ids, ch.Tokens...)
		if ch.Logits {
			want = append(want, int32(len(ids)-1))
		}
	}
	pos, slots, prefill, decode := m.layout(chunks, T)
	m.grow(T)
	w := m.ws
	x, h, qkv, attn := b.Rows(w.x, T), b.Rows(w.h, T), b.Rows(w.qkv, T), b.Rows(w.attn, T)
	o, gu, act := b.Rows(w.o, T), b.Rows(w.gu, T), b.Rows(w.act, T)
	eps := float32(a.RMSNormEps)
	nPre, nDec := T-len(decode), len(decode)

	m.start(OpEmb, -1, T)
	b.Embed(x, m.embed, ids)
	m.end(OpEmb, -1, T)
	for li, L := range m.layers {
		m.start(OpInputLayernorm, li, T)
		b.RMSNorm(h, x, L.inNorm, eps)
		m.end(OpInputLayernorm, li, T)

		m.start(OpAttnPreProj, li, T)
		b.MatMul(qkv, h, L.qkv)
		if L.qkvBias != nil {
			b.AddBias(qkv, L.qkvBias)
		}
		m.end(OpAttnPreProj, li, T)

		if a.QKNorm {
			m.start(OpAttnQKNorm, li, T)
			b.HeadNorm(qkv, m.qkvL, L.qNorm, L.kNorm, eps)
			m.end(OpAttnQKNorm, li, T)
		}
		m.start(OpAttnRope, li, T)
		b.RoPE(qkv, m.qkvL, pos, a.RopeTheta)
		m.end(OpAttnRope, li, T)

		m.start(OpAttnKVCacheSave, li, T)
		b.KVWrite(m.KV, li, qkv, m.qkvL, slots)
		m.end(OpAttnKVCacheSave, li, T)

		if len(prefill) > 0 {
			m.start(OpAttnPrefill, li, nPre)
			b.Attention(attn, qkv, m.qkvL, m.KV, li, prefill)
			m.end(OpAttnPrefill, li, nPre)
		}
		if len(decode) > 0 {
			m.start(OpAttnDecode, li, nDec)
			b.Attention(attn, qkv, m.qkvL, m.KV, li, decode)
			m.end(OpAttnDecode, li, nDec)
		}

		m.start(OpAttnPostProj, li, T)
		b.MatMul(o, attn, L.o)
		m.end(OpAttnPostProj, li, T)
		m.start(OpAdd, li, T)
		b.Add(x, x, o)
		m.end(OpAdd, li, T)

		m.start(OpPostAttnNorm, li, T)
		b.RMSNorm(h, x, L.postNorm, eps)
		m.end(OpPostAttnNorm, li, T)
		m.start(OpMLPUpProj, li, T)
		b.MatMul(gu, h, L.gateUp)
		m.end(OpMLPUpProj, li, T)
		m.start(OpMLPAct, li, T)
		b.SiluMul(act, gu)
		m.end(OpMLPAct, li, T)
		m.start(OpMLPDownProj, li, T)
		b.MatMul(o, act, L.down)
		m.end(OpMLPDownProj, li, T)
		m.start(OpAdd, li, T)
		b.Add(x, x, o)
		m.end(OpAdd, li, T)
	}
	for _, ch := range chunks {
		if err := c.Advance(ch.Seq, len(ch.Tokens)); err != nil {
			return nil, err
		}
	}
	out := make([][]float32, len(chunks))
	if len(want) == 0 {
		return out, nil
	}
	// Only the rows that need logits go through the final norm and the LM
	// head: the head is a quarter of Qwen3-0.6B's weights.
	S := len(want)
	xs := b.Rows(w.h, S)
	m.start(OpNorm, -1, S)
	b.Gather(xs, x, want)
	b.RMSNorm(xs, xs, m.norm, eps)
	m.end(OpNorm, -1, S)
	m.start(OpLMHead, -1, S)
	if S > m.ws.logitRows {
		// Kept from step to step: at batch 32 of Qwen3-0.6B the logits are
		// 19 MB, and a fresh tensor each step is 19 MB to zero and fault in.
		m.ws.logitRows = max(S, 2*m.ws.logitRows)
		m.ws.logits = b.NewTensor(m.ws.logitRows, a.VocabSize)
	}
	logits := b.Rows(m.ws.logits, S)
	b.MatMul(logits, xs, m.lmHead)
	flatL := make([]float32, S*a.VocabSize)
	b.Read(logits, flatL)
	m.end(OpLMHead, -1, S)
	k := 0
	for i, ch := range chunks {
		if ch.Logits {
			out[i] = flatL[k*a.VocabSize : (k+1)*a.VocabSize : (k+1)*a.VocabSize]
			k++
		}
	}
	return out, nil
}

// layout places the chunks' rows, in batch order, after the tokens each
// sequence has cached: their positions, their KV slots, and the attention
// sequences, a chunk of one token over a non-empty cache counting as decode
// and everything else as prefill. Blocks must already be reserved.
func (m *Model) layout(chunks []Chunk, T int) (pos, slots []int32, prefill, decode []backend.AttnSeq) {
	c, bs := m.Cache, m.Cache.BlockSize()
	pos, slots = make([]int32, 0, T), make([]int32, 0, T)
	for _, ch := range chunks {
		start, table := c.Len(ch.Seq), c.Table(ch.Seq)
		s := backend.AttnSeq{QStart: len(pos), QLen: len(ch.Tokens), KVLen: start + len(ch.Tokens), Blocks: table}
		for j := range ch.Tokens {
			p := start + j
			pos = append(pos, int32(p))
			slots = append(slots, table[p/bs]*int32(bs)+int32(p%bs))
		}
		if len(ch.Tokens) == 1 && start > 0 {
			decode = append(decode, s)
		} else {
			prefill = append(prefill, s)
		}
	}
	return pos, slots, prefill, decode
}

func bf16(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }
