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
	host                        []float32 // ForwardTransient's logits copy, where the backend needs one
}

func (m *Model) grow(t int) {
	if t <= m.ws.rows {
		return
	}
	a, b := m.Arch, m.B
	t = max(t, 2*m.ws.rows)
	m.ws = workspace{rows: t, logitRows: m.ws.logitRows, logits: m.ws.logits, host: m.ws.host,
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
	return m.forward(chunks, false)
}

// ForwardTransient is Forward for a caller that is done with the logits
// before the model's next forward (a serving step samples and moves on):
// the rows it returns are the model's own logits buffer, overwritten by
// the next forward of either kind. On a backend whose tensors are host
// memory nothing is copied; at batch 32 of Qwen3-0.6B the logits are
// 19 MB, which Forward allocates and copies every step.
func (m *Model) ForwardTransient(chunks []Chunk) ([][]float32, error) {
	return m.forward(chunks, true)
}

func (m *Model) forward(chunks []Chunk, transient bool) ([][]float32, error) {
	ids, want, err := m.inputs(chunks)
	if err != nil {
		return nil, err
	}
	st := m.newStep(chunks, len(ids))
	b := m.B
	m.start(OpEmb, -1, st.T)
	b.Embed(st.x, m.embed, ids)
	m.end(OpEmb, -1, st.T)
	for li := range m.layers {
		m.attentionBlock(li, st)
		m.mlpBlock(li, st)
	}
	for _, ch := range chunks {
		if err := m.Cache.Advance(ch.Seq, len(ch.Tokens)); err != nil {
			return nil, err
		}
	}
	return m.logits(chunks, want, st.x, transient), nil
}

// inputs checks the chunks, reserves their KV cache and returns the token
// ids in batch order and the rows that need logits.
func (m *Model) inputs(chunks []Chunk) (ids, want []int32, err error) {
	a, c := m.Arch, m.Cache
	T := 0
	for _, ch := range chunks {
		if len(ch.Tokens) == 0 {
			return nil, nil, fmt.Errorf("model: empty chunk for sequence %d", ch.Seq)
		}
		T += len(ch.Tokens)
	}
	for _, ch := range chunks {
		if err := c.Reserve(ch.Seq, c.Len(ch.Seq)+len(ch.Tokens)); err != nil {
			return nil, nil, err
		}
	}
	ids = make([]int32, 0, T)
	for _, ch := range chunks {
		if end := c.Len(ch.Seq) + len(ch.Tokens); a.MaxPositionEmbeddings > 0 && end > a.MaxPositionEmbeddings {
			return nil, nil, fmt.Errorf("model: sequence %d reaches %d tokens, over max_position_embeddings %d", ch.Seq, end, a.MaxPositionEmbeddings)
		}
		for _, id := range ch.Tokens {
			if id < 0 || int(id) >= a.VocabSize {
				return nil, nil, fmt.Errorf("model: sequence %d: token id %d outside vocabulary of %d", ch.Seq, id, a.VocabSize)
			}
		}
		ids = append(ids, ch.Tokens...)
		if ch.Logits {
			want = append(want, int32(len(ids)-1))
		}
	}
	return ids, want, nil
}

// step is one forward's activations and attention layout.
type step struct {
	T                           int
	x, h, qkv, attn, o, gu, act backend.Tensor
	pos, slots                  []int32
	save                        []int32 // slots for KVWrite: -1 where Attention saves (backend.DecodeKVSaver)
	prefill, decode             []backend.AttnSeq
	nPre, nDec                  int // rows of each attention phase
	eps                         float32
}

func (m *Model) newStep(chunks []Chunk, T int) *step {
	pos, slots, prefill, decode := m.layout(chunks, T)
	m.grow(T)
	w, b := m.ws, m.B
	return &step{T: T, x: b.Rows(w.x, T), h: b.Rows(w.h, T), qkv: b.Rows(w.qkv, T), attn: b.Rows(w.attn, T),
		o: b.Rows(w.o, T), gu: b.Rows(w.gu, T), act: b.Rows(w.act, T), pos: pos, slots: slots,
		save: m.saveSlots(slots, decode), prefill: prefill, decode: decode, nPre: T - len(decode), nDec: len(decode),
		eps: float32(m.Arch.RMSNormEps)}
}

// saveSlots is the slots KVWrite must fill: all of them, or on a backend
// whose Attention stores decode tokens itself, the others (-1 for each
// decode row; nil when none is left).
func (m *Model) saveSlots(slots []int32, decode []backend.AttnSeq) []int32 {
	if ks, ok := m.B.(backend.DecodeKVSaver); !ok || !ks.SavesDecodeKV() || len(decode) == 0 {
		return slots
	}
	if len(decode) == len(slots) {
		return nil
	}
	save := append([]int32(nil), slots...)
	for _, d := range decode {
		save[d.QStart] = -1
	}
	return save
}

// attentionBlock is one layer's attention half: norm, q/k/v projection,
// q/k norm (Qwen3), RoPE, KV save, attention, output projection and the
// residual add.
func (m *Model) attentionBlock(li int, s *step) {
	a, b, L, T := m.Arch, m.B, m.layers[li], s.T
	m.start(OpInputLayernorm, li, T)
	b.RMSNorm(s.h, s.x, L.inNorm, s.eps)
	m.end(OpInputLayernorm, li, T)

	m.start(OpAttnPreProj, li, T)
	b.MatMul(s.qkv, s.h, L.qkv)
	if L.qkvBias != nil {
		b.AddBias(s.qkv, L.qkvBias)
	}
	m.end(OpAttnPreProj, li, T)

	if a.QKNorm {
		m.start(OpAttnQKNorm, li, T)
		b.HeadNorm(s.qkv, m.qkvL, L.qNorm, L.kNorm, s.eps)
		m.end(OpAttnQKNorm, li, T)
	}
	m.start(OpAttnRope, li, T)
	b.RoPE(s.qkv, m.qkvL, s.pos, a.RopeTheta)
	m.end(OpAttnRope, li, T)

	m.start(OpAttnKVCacheSave, li, T)
	if s.save != nil {
		b.KVWrite(m.KV, li, s.qkv, m.qkvL, s.save)
	}
	m.end(OpAttnKVCacheSave, li, T)

	if len(s.prefill) > 0 {
		m.start(OpAttnPrefill, li, s.nPre)
		b.Attention(s.attn, s.qkv, m.qkvL, m.KV, li, s.prefill)
		m.end(OpAttnPrefill, li, s.nPre)
	}
	if len(s.decode) > 0 {
		m.start(OpAttnDecode, li, s.nDec)
		b.Attention(s.attn, s.qkv, m.qkvL, m.KV, li, s.decode)
		m.end(OpAttnDecode, li, s.nDec)
	}

	m.start(OpAttnPostProj, li, T)
	b.MatMul(s.o, s.attn, L.o)
	m.end(OpAttnPostProj, li, T)
	m.start(OpAdd, li, T)
	b.Add(s.x, s.x, s.o)
	m.end(OpAdd, li, T)
}

// mlpBlock is one layer's MLP half: norm, gate+up projection, SiLU·mul,
// down projection and the residual add.
func (m *Model) mlpBlock(li int, s *step) {
	b, L, T := m.B, m.layers[li], s.T
	m.start(OpPostAttnNorm, li, T)
	b.RMSNorm(s.h, s.x, L.postNorm, s.eps)
	m.end(OpPostAttnNorm, li, T)
	m.start(OpMLPUpProj, li, T)
	b.MatMul(s.gu, s.h, L.gateUp)
	m.end(OpMLPUpProj, li, T)
	m.start(OpMLPAct, li, T)
	b.SiluMul(s.act, s.gu)
	m.end(OpMLPAct, li, T)
	m.start(OpMLPDownProj, li, T)
	b.MatMul(s.o, s.act, L.down)
	m.end(OpMLPDownProj, li, T)
	m.start(OpAdd, li, T)
	b.Add(s.x, s.x, s.o)
	m.end(OpAdd, li, T)
}

// logits runs the final norm and the LM head over the rows that need
// logits only (the head is a quarter of Qwen3-0.6B's weights) and returns
// them per chunk; chunks without logits get nil.
func (m *Model) logits(chunks []Chunk, want []int32, x backend.Tensor, transient bool) [][]float32 {
	out := make([][]float32, len(chunks))
	if len(want) == 0 {
		return out
	}
	a, b := m.Arch, m.B
	S := len(want)
	xs := b.Rows(m.ws.h, S)
	m.start(OpNorm, -1, S)
	b.Gather(xs, x, want)
	b.RMSNorm(xs, xs, m.norm, float32(a.RMSNormEps))
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
	var flatL []float32
	switch hv, ok := b.(backend.HostViewer); {
	case transient && ok:
		flatL = hv.View(logits)
	case transient:
		if len(m.ws.host) < S*a.VocabSize {
			m.ws.host = make([]float32, m.ws.logitRows*a.VocabSize)
		}
		flatL = m.ws.host[:S*a.VocabSize]
		b.Read(logits, flatL)
	default:
		flatL = make([]float32, S*a.VocabSize)
		b.Read(logits, flatL)
	}
	m.end(OpLMHead, -1, S)
	k := 0
	for i, ch := range chunks {
		if ch.Logits {
			out[i] = flatL[k*a.VocabSize : (k+1)*a.VocabSize : (k+1)*a.VocabSize]
			k++
		}
	}
	return out
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
