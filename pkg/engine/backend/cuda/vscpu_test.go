//go:build cuda || cudaemu

package cuda_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/simcheck/simcheck/pkg/engine/backend"
	"github.com/simcheck/simcheck/pkg/engine/backend/cpu"
	"github.com/simcheck/simcheck/pkg/engine/backend/cuda"
)

// pair runs every step on the cuda and the cpu backend with the same
// inputs; the cpu backend is the reference (backendtest holds it to a
// float64 one), except for products, checked against float64 directly. Shapes here are Qwen3-0.6B's (16 query heads, 8 KV heads,
// head dim 128, hidden 1024, block size 16), which backendtest's small
// shapes do not reach: vectorised and scalar bf16 rows, widened products in
// several blocks, long block tables, large rotary positions.
type pair struct {
	t    *testing.T
	g, c backend.Backend
	r    *rand.Rand
}

// both is one tensor on each backend, and the values it was made from.
type both struct {
	g, c backend.Tensor
	host []float32
}

func (p pair) act(rows, cols int) both {
	v := make([]float32, rows*cols)
	for i := range v {
		v[i] = float32(p.r.NormFloat64())
	}
	b := both{p.g.NewTensor(rows, cols), p.c.NewTensor(rows, cols), v}
	p.g.Write(b.g, v)
	p.c.Write(b.c, v)
	return b
}

func (p pair) weight(rows, cols int) both {
	v := make([]uint16, rows*cols)
	for i := range v {
		v[i] = uint16(math.Float32bits(float32(p.r.NormFloat64())) >> 16)
	}
	h := backend.HostTensor{Name: "w", Rows: rows, Cols: cols, BF16: v}
	if rows == 1 { // vectors go up as fp32, as the weights package hands them
		h.BF16, h.F32 = nil, make([]float32, cols)
		for i := range v {
			h.F32[i] = math.Float32frombits(uint32(v[i]) << 16)
		}
	}
	g, err := p.g.Upload(h)
	if err != nil {
		p.t.Fatal(err)
	}
	c, err := p.c.Upload(h)
	if err != nil {
		p.t.Fatal(err)
	}
	host := make([]float32, len(v))
	for i := range v {
		host[i] = math.Float32frombits(uint32(v[i]) << 16)
	}
	return both{g, c, host}
}

// same compares the two backends' copies; tol is relative to max(1, |cpu|).
func (p pair) same(what string, b both, tol float64) {
	p.t.Helper()
	r, c := b.g.Dims()
	g, want := make([]float32, r*c), make([]float32, r*c)
	p.g.Read(b.g, g)
	p.c.Read(b.c, want)
	for i := range want {
		if d := math.Abs(float64(g[i] - want[i])); d > tol*math.Max(1, math.Abs(float64(want[i]))) || g[i] != g[i] {
			p.t.Fatalf("%s[%d] (row %d) = %g on cuda, %g on cpu (tolerance %g)", what, i, i/c, g[i], want[i], tol)
		}
	}
}

func TestAgainstCPUAtModelShapes(t *testing.T) {
	g := newOrSkip(t, backend.Options{})
	c, err := cpu.New(backend.Options{KVDType: "F32"}) // the cuda cache is fp32
	if err != nil {
		t.Fatal(err)
	}
	p := pair{t, g, c, rand.New(rand.NewPCG(7, 8))}

	t.Run("MatMul", func(t *testing.T) {
		p.t = t
		defer cuda.SetWideChunk(20 * 1030)() // 40 weight rows → 2 blocks
		// (m, n, k): decode rows with k%8 == 0 and not, widened products
		// in one and in several blocks.
		// The reference is float64 here, not the cpu backend, whose
		// product kernels change most often.
		for _, s := range [][3]int{{1, 300, 1024}, {4, 64, 1030}, {5, 40, 1030}, {17, 33, 96}} {
			m, n, k := s[0], s[1], s[2]
			x, w, y := p.act(m, k), p.weight(n, k), p.act(m, n)
			g.MatMul(y.g, x.g, w.g)
			xv, wv, got := x.host, w.host, make([]float32, m*n)
			g.Read(y.g, got)
			for i := range m {
				for j := range n {
					var want float64
					for l := range k {
						want += float64(xv[i*k+l]) * float64(wv[j*k+l])
					}
					// fp32 sums of k O(1) terms: ~1e-7·sqrt(k) relative.
					if d := math.Abs(float64(got[i*n+j]) - want); d > 1e-5*math.Sqrt(float64(k))*math.Max(1, math.Abs(want)) {
						t.Fatalf("MatMul %v: y[%d][%d] = %g, want %g", s, i, j, got[i*n+j], want)
					}
				}
			}
		}
	})

	l := backend.QKV{NumHeads: 16, NumKVHeads: 8, HeadDim: 128}
	t.Run("NormsRoPE", func(t *testing.T) {
		p.t = t
		x, w := p.act(6, 1024), p.weight(1, 1024)
		g.RMSNorm(x.g, x.g, w.g, 1e-6) // in place, as the model does
		c.RMSNorm(x.c, x.c, w.c, 1e-6)
		p.same("RMSNorm", x, 1e-5)

		qkv, qw, kw := p.act(4, l.Width()), p.weight(1, l.HeadDim), p.weight(1, l.HeadDim)
		g.HeadNorm(qkv.g, l, qw.g, kw.g, 1e-6)
		c.HeadNorm(qkv.c, l, qw.c, kw.c, 1e-6)
		p.same("HeadNorm", qkv, 1e-5)
		pos := []int32{0, 5, 4095, 40000}
		g.RoPE(qkv.g, l, pos, 1e6)
		c.RoPE(qkv.c, l, pos, 1e6)
		p.same("RoPE", qkv, 1e-5)
	})

	t.Run("Attention", func(t *testing.T) {
		p.t = t
		const bs, nblocks = 16, 12
		gk, err := g.NewKVStore(2, nblocks, bs, l)
		if err != nil {
			t.Fatal(err)
		}
		ck, err := c.NewKVStore(2, nblocks, bs, l)
		if err != nil {
			t.Fatal(err)
		}
		// Three sequences over shuffled blocks: A has 28 cached positions
		// and a 12-token prefill chunk (40 in all, 3 blocks); B decodes its
		// 17th token; C is a fresh 5-token prefill.
		layout := func() ([]backend.AttnSeq, []int32) {
			perm := p.r.Perm(nblocks)
			tab := func(i ...int) []int32 {
				var b []int32
				for _, j := range i {
					b = append(b, int32(perm[j]))
				}
				return b
			}
			seqs := []backend.AttnSeq{
				{QStart: 0, QLen: 12, KVLen: 40, Blocks: tab(0, 1, 2)},
				{QStart: 12, QLen: 1, KVLen: 17, Blocks: tab(3, 4)},
				{QStart: 13, QLen: 5, KVLen: 5, Blocks: tab(5)},
			}
			var slots []int32 // every position's slot
			for _, sq := range seqs {
				for pos := range sq.KVLen {
					slots = append(slots, sq.Blocks[pos/bs]*bs+int32(pos%bs))
				}
			}
			return seqs, slots
		}
		out := both{g: g.NewTensor(18, l.NumHeads*l.HeadDim), c: c.NewTensor(18, l.NumHeads*l.HeadDim)}
		step := func(what string, layer int, seqs []backend.AttnSeq, slots []int32) {
			all, q := p.act(len(slots), l.Width()), p.act(18, l.Width())
			// As in a forward, a new token's row carries the K and V that
			// are stored for it (the cpu backend stores a decode token's
			// itself, from this row: backend.DecodeKVSaver).
			wd, qd := l.Width(), l.NumHeads*l.HeadDim
			row := map[int32]int{} // all's row of each slot
			for i, sl := range slots {
				row[sl] = i
			}
			for _, sq := range seqs {
				for i := range sq.QLen {
					pos := sq.KVLen - sq.QLen + i
					src := all.host[row[sq.Blocks[pos/bs]*bs+int32(pos%bs)]*wd:][:wd]
					copy(q.host[(sq.QStart+i)*wd+qd:(sq.QStart+i+1)*wd], src[qd:])
				}
			}
			g.Write(q.g, q.host)
			c.Write(q.c, q.host)
			g.KVWrite(gk, layer, all.g, l, slots)
			c.KVWrite(ck, layer, all.c, l, slots)
			g.Attention(out.g, q.g, l, gk, layer, seqs)
			c.Attention(out.c, q.c, l, ck, layer, seqs)
			// Softmax-weighted means of N(0,1) values: O(1), fp32 rounding.
			p.same(what, out, 1e-5)
		}
		seqs, slots := layout()
		step("Attention", 1, seqs, slots)
		// The next layer with the same slots and sequences, as the model
		// runs it: the backend keeps its uploaded indices.
		step("Attention (next layer)", 0, seqs, slots)
		// A new step with other blocks but the same lengths, K/V rows
		// written in reverse order: the indices must be uploaded again
		// (stale ones would put positions in the wrong slots).
		seqs, slots = layout()
		slices.Reverse(slots)
		step("Attention (new blocks)", 0, seqs, slots)
	})
}
