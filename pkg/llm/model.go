package llm

import (
	"fmt"
	"math"
	"runtime"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// OpTimer receives the duration of each operator the model runs, named
// as in Vidur's profiles. Per-layer operators are reported once per layer
// per forward; summing over a forward gives its time in that operator.
type OpTimer func(op string, d time.Duration)

// Options configure a model.
type Options struct {
	Threads int // 0 = runtime.NumCPU()
}

// Model is a decoder ready to run.
type Model struct {
	a       Arch
	w       *Weights
	threads int
	timer   OpTimer
	invFreq []float64
	// keepLogits keeps the last forward's logits (tests compare them).
	keepLogits bool
	lastLogits []float32
	prof       *kvCache // ProfileForward's cache, kept between calls
}

// NewModel checks the weights against the architecture.
func NewModel(a Arch, w *Weights, o Options) (*Model, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	q, kv := a.QHeads*a.HeadDim, a.KVHeads*a.HeadDim
	if len(w.Embed) != a.Vocab*a.Hidden || len(w.Layers) != a.NumLayers || len(w.Norm) != a.Hidden {
		return nil, fmt.Errorf("llm: weights do not match the architecture (embedding %d, layers %d)", len(w.Embed), len(w.Layers))
	}
	if !a.TiedEmbeddings && len(w.LMHead) != a.Vocab*a.Hidden {
		return nil, fmt.Errorf("llm: untied model without an LM head of %d×%d", a.Vocab, a.Hidden)
	}
	for i, l := range w.Layers {
		if len(l.QKV) != (q+2*kv)*a.Hidden || len(l.O) != a.Hidden*q || len(l.GateUp) != 2*a.Intermediate*a.Hidden ||
			len(l.Down) != a.Hidden*a.Intermediate || (a.QKNorm && (len(l.QNorm) != a.HeadDim || len(l.KNorm) != a.HeadDim)) ||
			(a.QKVBias && len(l.QKVBias) != q+2*kv) {
			return nil, fmt.Errorf("llm: layer %d weights do not match the architecture", i)
		}
	}
	t := o.Threads
	if t <= 0 {
		t = runtime.NumCPU()
	}
	m := &Model{a: a, w: w, threads: t, invFreq: make([]float64, a.HeadDim/2)}
	for i := range m.invFreq {
		m.invFreq[i] = 1 / math.Pow(a.RopeTheta, float64(2*i)/float64(a.HeadDim))
	}
	return m, nil
}

// Arch returns the model's architecture.
func (m *Model) Arch() Arch { return m.a }

// SetOpTimer installs (or, with nil, removes) the operator hook.
func (m *Model) SetOpTimer(t OpTimer) { m.timer = t }

// span times one operator when a timer is installed.
func (m *Model) span(op string, f func()) {
	if m.timer == nil {
		f()
		return
	}
	start := time.Now()
	f()
	m.timer(op, time.Since(start))
}

// chunk is one sequence's part of a batch: tokens at positions
// start..start+len(tokens)-1, its KV block table, and whether its last
// position needs logits.
type chunk struct {
	tokens []int
	start  int
	table  []int
	logits bool
	decode bool // one generated token (attn_decode), not prompt tokens
}

// forward runs one iteration over a batch and returns, for each chunk
// that asked for logits, the argmax token (greedy sampling). KV blocks
// must already cover every position.
func (m *Model) forward(c *kvCache, batch []chunk) []int {
	a := m.a
	h, q, kv, d := a.Hidden, a.QHeads*a.HeadDim, a.KVHeads*a.HeadDim, a.HeadDim
	T := 0
	for _, ch := range batch {
		T += len(ch.tokens)
	}
	x := make([]float32, T*h)
	hn := make([]float32, T*h)
	qkv := make([]float32, T*(q+2*kv))
	att := make([]float32, T*q)
	gu := make([]float32, T*2*a.Intermediate)
	act := make([]float32, T*a.Intermediate)
	y := make([]float32, T*h)
	var cs []float32 // per token row: cos of the d/2 rotary angles, then sin
	m.span("emb", func() {
		r := 0
		for _, ch := range batch {
			for _, t := range ch.tokens {
				copy(x[r*h:(r+1)*h], m.w.Embed[t*h:(t+1)*h])
				r++
			}
		}
	})
	for li := range m.w.Layers {
		l := &m.w.Layers[li]
		m.span("input_layernorm", func() { rmsnorm(hn, x, l.InNorm, T, h, a.Eps) })
		m.span("attn_pre_proj", func() {
			m.matmul(qkv, hn, l.QKV, T, q+2*kv, h)
			if l.QKVBias != nil {
				for r := 0; r < T; r++ {
					row := qkv[r*(q+2*kv) : (r+1)*(q+2*kv)]
					for i := range row {
						row[i] += l.QKVBias[i]
					}
				}
			}
		})
		w := q + 2*kv
		if a.QKNorm {
			m.span("attn_qk_norm", func() {
				for r := 0; r < T; r++ {
					row := qkv[r*w : (r+1)*w]
					for hd := 0; hd < a.QHeads; hd++ {
						rmsnorm(row[hd*d:(hd+1)*d], row[hd*d:(hd+1)*d], l.QNorm, 1, d, a.Eps)
					}
					for hd := 0; hd < a.KVHeads; hd++ {
						o := q + hd*d
						rmsnorm(row[o:o+d], row[o:o+d], l.KNorm, 1, d, a.Eps)
					}
				}
			})
		}
		m.span("attn_rope", func() {
			if li == 0 {
				// Angles depend only on the position: computed once per
				// step (in the first layer's rope, where they belong),
				// not per head and layer.
				cs = ropeTable(batch, T, m.invFreq)
			}
			half := d / 2
			parallel(T, m.threads, func(r int) {
				row := qkv[r*w : (r+1)*w]
				for hd := 0; hd < a.QHeads+a.KVHeads; hd++ {
					rope(row[hd*d:(hd+1)*d], cs[r*d:r*d+half], cs[r*d+half:(r+1)*d])
				}
			})
		})
		m.span("attn_kv_cache_save", func() {
			r := 0
			for _, ch := range batch {
				for i := range ch.tokens {
					kd, vd := c.at(li, ch.table, ch.start+i)
					copy(kd, qkv[r*w+q:r*w+q+kv])
					copy(vd, qkv[r*w+q+kv:r*w+w])
					r++
				}
			}
		})
		m.attention(c, li, batch, qkv, att, true)
		m.attention(c, li, batch, qkv, att, false)
		m.span("attn_post_proj", func() { m.matmul(y, att, l.O, T, h, q) })
		m.span("add", func() { addInto(x, y) })
		m.span("post_attention_layernorm", func() { rmsnorm(hn, x, l.PostNorm, T, h, a.Eps) })
		m.span("mlp_up_proj", func() { m.matmul(gu, hn, l.GateUp, T, 2*a.Intermediate, h) })
		m.span("mlp_act", func() {
			in := a.Intermediate
			parallel(T, m.threads, func(r int) {
				g, u, o := gu[r*2*in:r*2*in+in], gu[r*2*in+in:(r+1)*2*in], act[r*in:(r+1)*in]
				for i := range o {
					o[i] = silu(g[i]) * u[i]
				}
			})
		})
		m.span("mlp_down_proj", func() { m.matmul(y, act, l.Down, T, h, a.Intermediate) })
		m.span("add", func() { addInto(x, y) })
	}
	return m.head(batch, x)
}

func addInto(x, y []float32) {
	for i := range x {
		x[i] += y[i]
	}
}

// attention computes causal attention for the prefill chunks (prefill
// true) or the decode tokens, reading keys and values from the paged
// cache block by block: each block is one small GEMM (gonum, strided over
// the block's kv-head slice), so the call count grows with blocks, not
// positions. Decode tokens take the query heads that share a kv head as
// the rows of one product.
func (m *Model) attention(c *kvCache, li int, batch []chunk, qkv, att []float32, prefill bool) {
	a := m.a
	q, kv, d := a.QHeads*a.HeadDim, a.KVHeads*a.HeadDim, a.HeadDim
	w := q + 2*kv
	group := a.QHeads / a.KVHeads
	type job struct{ ch, row0, head int }
	var jobs []job
	r := 0
	for i, ch := range batch {
		if ch.decode == prefill {
			r += len(ch.tokens)
			continue
		}
		if ch.decode {
			for g := 0; g < a.KVHeads; g++ {
				jobs = append(jobs, job{i, r, g})
			}
		} else {
			for hd := 0; hd < a.QHeads; hd++ {
				jobs = append(jobs, job{i, r, hd})
			}
		}
		r += len(ch.tokens)
	}
	if len(jobs) == 0 {
		return
	}
	op := "attn_decode"
	if prefill {
		op = "attn_prefill"
	}
	scale := float32(1 / math.Sqrt(float64(d)))
	bs := c.blockSize
	// Scores through the AVX2 tile kernel (keys read in place from the
	// cache blocks); gonum's Sgemm per block cost ~0.7 µs a call.
	fma := haveFMA && d%8 == 0
	m.span(op, func() {
		parallel(len(jobs), m.threads, func(j int) {
			jb := jobs[j]
			ch := batch[jb.ch]
			L := ch.start + len(ch.tokens)
			var qm, om blas32.General
			var kvh, rows int
			if ch.decode {
				// The group's query heads are contiguous in the row.
				kvh, rows = jb.head, group
				qm = blas32.General{Rows: rows, Cols: d, Stride: d, Data: qkv[jb.row0*w+jb.head*group*d:]}
				om = blas32.General{Rows: rows, Cols: d, Stride: d, Data: att[jb.row0*q+jb.head*group*d:]}
			} else {
				kvh, rows = jb.head/group, len(ch.tokens)
				qm = blas32.General{Rows: rows, Cols: d, Stride: w, Data: qkv[jb.row0*w+jb.head*d:]}
				om = blas32.General{Rows: rows, Cols: d, Stride: q, Data: att[jb.row0*q+jb.head*d:]}
			}
			nb := (L + bs - 1) / bs
			lp := nb * bs
			s := make([]float32, rows*lp)
			scratch := make([]float32, d)
			for b := 0; b < nb; b++ {
				n := min(bs, L-b*bs)
				off := ch.table[b] * bs * c.slot
				if fma {
					// Causal: prompt rows before r0 see none of this block
					// (their entries stay zero and are masked below).
					r0 := 0
					if !ch.decode {
						r0 = min(rows-1, max(0, b*bs-ch.start))
					}
					tileFMA(s[r0*lp+b*bs:], lp, qm.Data[r0*qm.Stride:], qm.Stride, c.k[li][off+kvh*d:], c.slot, rows-r0, d, 0, n)
					continue
				}
				kb := blas32.General{Rows: n, Cols: d, Stride: c.slot, Data: c.k[li][off+kvh*d:]}
				sb := blas32.General{Rows: rows, Cols: n, Stride: lp, Data: s[b*bs:]}
				blas32.Gemm(blas.NoTrans, blas.Trans, scale, qm, kb, 0, sb)
			}
			if fma {
				for i := 0; i < rows; i++ {
					for p, v := range s[i*lp : i*lp+L] {
						s[i*lp+p] = v * scale
					}
				}
			}
			for i := 0; i < rows; i++ {
				row := s[i*lp : i*lp+L]
				valid := L
				if !ch.decode {
					valid = ch.start + i + 1 // causal: a prompt token sees itself and before
				}
				mx := float32(math.Inf(-1))
				for _, v := range row[:valid] {
					mx = max(mx, v)
				}
				var sum float32
				for p := 0; p < valid; p++ {
					e := expNeg(row[p] - mx)
					row[p] = e
					sum += e
				}
				inv := 1 / sum
				for p := 0; p < valid; p++ {
					row[p] *= inv
				}
				clear(s[i*lp+valid : (i+1)*lp])
			}
			for i := 0; i < rows; i++ {
				clear(om.Data[i*om.Stride : i*om.Stride+d])
			}
			for b := 0; b < nb; b++ {
				n := min(bs, L-b*bs)
				off := ch.table[b] * bs * c.slot
				r0 := 0
				if !ch.decode {
					r0 = min(rows-1, max(0, b*bs-ch.start))
				}
				if fma {
					pvFMA(om.Data, om.Stride, s[b*bs:], lp, c.v[li][off+kvh*d:], c.slot, r0, rows, n, d, scratch)
					continue
				}
				vb := blas32.General{Rows: n, Cols: d, Stride: c.slot, Data: c.v[li][off+kvh*d:]}
				pb := blas32.General{Rows: rows - r0, Cols: n, Stride: lp, Data: s[r0*lp+b*bs:]}
				ob := blas32.General{Rows: rows - r0, Cols: d, Stride: om.Stride, Data: om.Data[r0*om.Stride:]}
				blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, pb, vb, 1, ob)
			}
		})
	})
}

// head runs the final norm, the LM head and greedy sampling for the
// chunks that need logits.
func (m *Model) head(batch []chunk, x []float32) []int {
	a := m.a
	h := a.Hidden
	var rows []int
	r := 0
	for _, ch := range batch {
		r += len(ch.tokens)
		if ch.logits {
			rows = append(rows, r-1)
		}
	}
	out := make([]int, len(rows))
	if len(rows) == 0 {
		return out
	}
	n := len(rows)
	xs := make([]float32, n*h)
	m.span("norm", func() {
		for i, row := range rows {
			copy(xs[i*h:(i+1)*h], x[row*h:(row+1)*h])
		}
		rmsnorm(xs, xs, m.w.Norm, n, h, a.Eps)
	})
	logits := make([]float32, n*a.Vocab)
	head := m.w.LMHead
	if head == nil {
		head = m.w.Embed
	}
	m.span("lm_head", func() { m.matmul(logits, xs, head, n, a.Vocab, h) })
	m.span("sample", func() {
		for i := range out {
			lg := logits[i*a.Vocab : (i+1)*a.Vocab]
			best := 0
			for j, v := range lg {
				if v > lg[best] {
					best = j
				}
			}
			out[i] = best
		}
	})
	if m.keepLogits {
		m.lastLogits = logits
	}
	return out
}
