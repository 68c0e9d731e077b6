package backendtest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// tol is the allowed |got-want| relative to the float64 reference's scale
// (max(1, |want|)): fp32 accumulation over at most a few hundred N(0,1)
// terms leaves ~1e-6 relative error; 1e-4 catches indexing and formula
// bugs (errors O(1)) with wide margin.
const tol = 1e-4

func randn(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func check(t *testing.T, what string, got []float32, want []float64, tl float64) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > tl*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %g, want %g (tolerance %g)", what, i, got[i], want[i], tl)
		}
	}
}

type env struct {
	t *testing.T
	b backend.Backend
	r *rand.Rand
}

func (e env) act(rows, cols int) (backend.Tensor, []float32) {
	x := randn(e.r, rows*cols)
	t := e.b.NewTensor(rows, cols)
	e.b.Write(t, x)
	return t, x
}

func (e env) weight(rows, cols int, bf bool) (backend.Tensor, []float32) {
	// Weights are drawn exactly representable in bf16, so a backend may
	// store them as fp32 or bf16 (Options.WeightDType) and the reference
	// still holds exactly; bf picks the dtype handed to Upload.
	w := randn(e.r, rows*cols)
	bits := make([]uint16, len(w))
	for i, v := range w {
		bits[i] = uint16(math.Float32bits(v) >> 16)
		w[i] = math.Float32frombits(uint32(bits[i]) << 16)
	}
	h := backend.HostTensor{Name: "w", Rows: rows, Cols: cols, F32: w}
	if bf {
		h.F32, h.BF16 = nil, bits
	}
	t, err := e.b.Upload(h)
	if err != nil {
		e.t.Fatal(err)
	}
	return t, w
}

// keepsWeightsInBF16 reports whether the backend stores an fp32 weight in
// bf16 (Options.WeightDType): a weight of 1+2⁻¹⁰ (not a bf16 value) times
// an activation of 1 does not come back exactly then.
func keepsWeightsInBF16(e env) bool {
	v := float32(1 + 1.0/1024)
	w, err := e.b.Upload(backend.HostTensor{Name: "probe", Rows: 2, Cols: 1, F32: []float32{v, v}}) // a matrix, not a vector
	if err != nil {
		e.t.Fatal(err)
	}
	x := e.b.NewTensor(1, 1)
	e.b.Write(x, []float32{1})
	y := e.b.NewTensor(1, 2)
	e.b.MatMul(y, x, w)
	return e.read(y)[0] != v
}

func (e env) read(t backend.Tensor) []float32 {
	r, c := t.Dims()
	out := make([]float32, r*c)
	e.b.Read(t, out)
	return out
}

// Run checks every operation of the backend built by newBackend.
func Run(t *testing.T, newBackend func() (backend.Backend, error)) {
	b, err := newBackend()
	if err != nil {
		t.Fatal(err)
	}
	e := env{t, b, rand.New(rand.NewPCG(11, 12))}
	t.Run("MatMul", func(t *testing.T) { e.t = t; testMatMul(e) })
	t.Run("Elementwise", func(t *testing.T) { e.t = t; testElementwise(e) })
	t.Run("Attention", func(t *testing.T) { e.t = t; testAttention(e) })
}

func testMatMul(e env) {
	storesBF16 := keepsWeightsInBF16(e)
	// Shapes cover tile edges (m, n not multiples of 4), k with and
	// without a vector-width multiple, batches of 16+ rows, and both
	// weight dtypes.
	for _, s := range [][3]int{{1, 7, 16}, {5, 9, 33}, {8, 12, 64}, {3, 40, 128}, {19, 10, 70}} {
		for _, bf := range []bool{false, true} {
			m, n, k := s[0], s[1], s[2]
			x, xv := e.act(m, k)
			w, wv := e.weight(n, k, bf)
			y := e.b.NewTensor(m, n)
			e.b.MatMul(y, x, w)
			want := make([]float64, m*n)
			abs := make([]float64, m*n)
			for i := range m {
				for j := range n {
					for l := range k {
						p := float64(xv[i*k+l]) * float64(wv[j*k+l])
						want[i*n+j] += p
						abs[i*n+j] += math.Abs(p)
					}
				}
			}
			got := e.read(y)
			// Scale: sums of k N(0,1) products are O(sqrt k). With bf16
			// weights a backend may also round the activations to bf16
			// (relative error ≤ 2⁻⁹ each, as PyTorch's bf16 matmul does),
			// which moves an output by at most 2⁻⁹·Σ|x·w|.
			tl := tol * math.Sqrt(float64(k))
			for i := range want {
				bound := tl * math.Max(1, math.Abs(want[i]))
				if bf || storesBF16 {
					bound += abs[i] / 512
				}
				if d := math.Abs(float64(got[i]) - want[i]); d > bound {
					e.t.Fatalf("MatMul %dx%dx%d bf16=%v [%d] = %g, want %g (bound %g)", m, n, k, bf, i, got[i], want[i], bound)
				}
			}
		}
	}
}

func rms(x []float32, w []float32, eps float64) []float64 {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	inv := 1 / math.Sqrt(ss/float64(len(x))+eps)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v) * inv * float64(w[i])
	}
	return out
}

func testElementwise(e env) {
	const m, n = 3, 48
	x, xv := e.act(m, n)
	w, wv := e.weight(1, n, false)
	y := e.b.NewTensor(m, n)
	e.b.RMSNorm(y, x, w, 1e-6)
	var want []float64
	for i := range m {
		want = append(want, rms(xv[i*n:(i+1)*n], wv, 1e-6)...)
	}
	check(e.t, "RMSNorm", e.read(y), want, tol)

	a, av := e.act(m, n)
	e.b.Add(y, a, x)
	want = want[:0]
	for i := range av {
		want = append(want, float64(av[i])+float64(xv[i]))
	}
	check(e.t, "Add", e.read(y), want, tol)

	bias, bv := e.weight(1, n, false)
	e.b.AddBias(y, bias)
	for i := range want {
		want[i] += float64(bv[i%n])
	}
	check(e.t, "AddBias", e.read(y), want, tol)

	gu, gv := e.act(m, 2*n)
	e.b.SiluMul(y, gu)
	want = want[:0]
	for i := range m {
		for j := range n {
			g, u := float64(gv[i*2*n+j]), float64(gv[i*2*n+n+j])
			want = append(want, g/(1+math.Exp(-g))*u)
		}
	}
	check(e.t, "SiluMul", e.read(y), want, tol)

	table, tv := e.weight(10, n, true)
	ids := []int32{3, 0, 9}
	e.b.Embed(y, table, ids)
	want = want[:0]
	for _, id := range ids {
		for j := range n {
			want = append(want, float64(tv[int(id)*n+j]))
		}
	}
	check(e.t, "Embed", e.read(y), want, 0)

	g := e.b.NewTensor(2, n)
	e.b.Gather(g, y, []int32{2, 0})
	check(e.t, "Gather", e.read(g), append(append([]float64{}, want[2*n:]...), want[:n]...), 0)

	// HeadNorm and RoPE on a fused QKV row layout.
	l := backend.QKV{NumHeads: 4, NumKVHeads: 2, HeadDim: 16}
	qkv, qv := e.act(m, l.Width())
	qw, qwv := e.weight(1, l.HeadDim, false)
	kw, kwv := e.weight(1, l.HeadDim, false)
	e.b.HeadNorm(qkv, l, qw, kw, 1e-6)
	d := l.HeadDim
	ref := make([]float64, len(qv))
	for i := range qv {
		ref[i] = float64(qv[i])
	}
	for i := range m {
		for h := range l.NumHeads + 2*l.NumKVHeads {
			o := i*l.Width() + h*d
			switch {
			case h < l.NumHeads:
				copy(ref[o:o+d], rms(qv[o:o+d], qwv, 1e-6))
			case h < l.NumHeads+l.NumKVHeads:
				copy(ref[o:o+d], rms(qv[o:o+d], kwv, 1e-6))
			}
		}
	}
	check(e.t, "HeadNorm", e.read(qkv), ref, tol)

	pos := []int32{0, 7, 1000}
	cur := e.read(qkv)
	e.b.RoPE(qkv, l, pos, 10000)
	for i := range m {
		for h := range l.NumHeads + l.NumKVHeads { // v is not rotated
			o := i*l.Width() + h*d
			for j := range d / 2 {
				ang := float64(pos[i]) * math.Pow(10000, -float64(2*j)/float64(d))
				x1, x2 := float64(cur[o+j]), float64(cur[o+j+d/2])
				ref[o+j] = x1*math.Cos(ang) - x2*math.Sin(ang)
				ref[o+j+d/2] = x2*math.Cos(ang) + x1*math.Sin(ang)
			}
		}
		for j := (l.NumHeads + l.NumKVHeads) * d; j < l.Width(); j++ {
			ref[i*l.Width()+j] = float64(cur[i*l.Width()+j])
		}
	}
	check(e.t, "RoPE", e.read(qkv), ref, tol)
}

// testAttention writes K/V for two sequences through KVWrite (one with a
// cached prefix written in an earlier call, one fresh) and checks
// prefill-chunk and decode attention against a dense causal GQA reference.
// A backend.DecodeKVSaver is checked again with the decode token's slot
// passed to KVWrite as -1: its Attention must store that token itself.
func testAttention(e env) {
	skips := []bool{false}
	if ks, ok := e.b.(backend.DecodeKVSaver); ok && ks.SavesDecodeKV() {
		skips = append(skips, true)
	}
	for _, skip := range skips {
		testAttentionCases(e, skip)
	}
}

func testAttentionCases(e env, skipDecode bool) {
	for _, c := range []struct {
		heads, kvHeads, d, bs int
		tabA, tabB            []int32 // nil: {5, 2, 9} and {0}
		lenB                  int     // 0: 3
	}{
		{4, 2, 16, 4, nil, nil, 0}, {4, 2, 64, 4, nil, nil, 0},
		// An odd number of query rows per KV head (3 and 1 heads each),
		// a block size that is neither a power of two nor a multiple of
		// 16, and head dimensions of two and three 64-wide column blocks.
		{6, 2, 128, 5, nil, nil, 0}, {3, 3, 192, 16, nil, nil, 0},
		// Blocks that follow each other in the store, as a fresh cache
		// gives them (a backend may read such runs differently), and a
		// decode over four blocks of 16, three of them in a run.
		{4, 2, 128, 4, []int32{3, 4, 5}, nil, 0},
		{4, 2, 128, 16, nil, []int32{6, 7, 8, 1}, 50},
	} {
		d, bs := c.d, c.bs
		l := backend.QKV{NumHeads: c.heads, NumKVHeads: c.kvHeads, HeadDim: d}
		kv, err := e.b.NewKVStore(1, 16, bs, l)
		if err != nil {
			e.t.Fatal(err)
		}
		// seq A: 10 tokens, blocks {5, 2, 9}; seq B: 3 tokens, blocks
		// {0}; unless the case says otherwise.
		lenA, lenB := 10, 3
		tabA, tabB := []int32{5, 2, 9}, []int32{0}
		if c.tabA != nil {
			tabA = c.tabA
		}
		if c.tabB != nil {
			tabB, lenB = c.tabB, c.lenB
		}
		all, allv := e.act(lenA+lenB, l.Width())
		slot := func(tab []int32, p int) int32 { return tab[p/bs]*int32(bs) + int32(p%bs) }
		var slotsA, slotsB []int32
		for p := range lenA {
			slotsA = append(slotsA, slot(tabA, p))
		}
		for p := range lenB {
			slotsB = append(slotsB, slot(tabB, p))
		}
		// A bf16 cache (backend.KVDTyper) holds K and V rounded to bf16
		// and multiplies bf16 queries and probabilities: the reference
		// rounds q, k and v alike, and the probabilities' rounding
		// (relative 2⁻⁹ each) is what the wider tolerance allows for.
		tl, round := tol, func(x float32) float32 { return x }
		if dt, ok := kv.(backend.KVDTyper); ok && dt.DType() == "BF16" {
			tl, round = 1e-2, roundBF16
		}
		slots := append(slotsA, slotsB...)
		if skipDecode {
			slots[lenA+lenB-1] = -1 // B's last token: the decode below stores it
		}
		e.b.KVWrite(kv, 0, all, l, slots)
		// Query rows: A's last 6 tokens as a prefill chunk, B's last 1 as
		// a decode; their q come from the same rows as their k/v.
		qrows := []int{4, 5, 6, 7, 8, 9, lenA + lenB - 1}
		q := e.b.NewTensor(len(qrows), l.Width())
		var qv []float32
		for _, r := range qrows {
			qv = append(qv, allv[r*l.Width():(r+1)*l.Width()]...)
		}
		e.b.Write(q, qv)
		out := e.b.NewTensor(len(qrows), l.NumHeads*d)
		e.b.Attention(out, q, l, kv, 0, []backend.AttnSeq{
			{QStart: 0, QLen: 6, KVLen: lenA, Blocks: tabA},
			{QStart: 6, QLen: 1, KVLen: lenB, Blocks: tabB},
		})
		var want []float64
		for i, r := range qrows {
			base, p := 0, r // sequence start row and position
			if r >= lenA {
				base, p = lenA, r-lenA
			}
			for h := range l.NumHeads {
				kh := h / (l.NumHeads / l.NumKVHeads)
				qo := i*l.Width() + h*d
				sc := make([]float64, p+1)
				mx := math.Inf(-1)
				for t := range p + 1 {
					ko := (base+t)*l.Width() + (l.NumHeads+kh)*d
					for j := range d {
						sc[t] += float64(round(qv[qo+j])) * float64(round(allv[ko+j]))
					}
					sc[t] /= math.Sqrt(float64(d))
					mx = math.Max(mx, sc[t])
				}
				var sum float64
				for t := range sc {
					sc[t] = math.Exp(sc[t] - mx)
					sum += sc[t]
				}
				o := make([]float64, d)
				for t := range sc {
					vo := (base+t)*l.Width() + (l.NumHeads+l.NumKVHeads+kh)*d
					for j := range d {
						o[j] += sc[t] / sum * float64(round(allv[vo+j]))
					}
				}
				want = append(want, o...)
			}
		}
		name := "Attention"
		if skipDecode {
			name = "Attention storing the decode token"
		}
		check(e.t, name, e.read(out), want, tl)
	}
}

// roundBF16 rounds to the nearest bf16, ties to even (finite inputs).
func roundBF16(x float32) float32 {
	b := math.Float32bits(x)
	return math.Float32frombits((b + 0x7fff + (b>>16)&1) &^ 0xffff)
}
