package cpu

// The pure-Go kernels. They are the fallback where the assembly does not
// apply (no AVX-512, other GOARCH, k or d not a multiple of its vector
// width) and the reference the assembly is tested against. Four
// accumulators per dot product break the add dependency chain, which is
// what limits a single-accumulator loop (3.2 vs 6.1 GFLOP/s
// when measured on an earlier build machine).

// dot returns x·w over k elements, w in fp32 or bf16.
func dot(x []float32, w wrow, k int) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	if w.f32 != nil {
		wf := w.f32[:k]
		x = x[:k]
		for ; i+4 <= k; i += 4 {
			s0 += x[i] * wf[i]
			s1 += x[i+1] * wf[i+1]
			s2 += x[i+2] * wf[i+2]
			s3 += x[i+3] * wf[i+3]
		}
		for ; i < k; i++ {
			s0 += x[i] * wf[i]
		}
		return (s0 + s1) + (s2 + s3)
	}
	wb := w.bf16[:k]
	x = x[:k]
	for ; i+4 <= k; i += 4 {
		s0 += x[i] * FromBF16(wb[i])
		s1 += x[i+1] * FromBF16(wb[i+1])
		s2 += x[i+2] * FromBF16(wb[i+2])
		s3 += x[i+3] * FromBF16(wb[i+3])
	}
	for ; i < k; i++ {
		s0 += x[i] * FromBF16(wb[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// wrow is one weight row (or a run of rows from it) in either dtype.
type wrow struct {
	f32  []float32
	bf16 []uint16
}

func (w wrow) from(off int) wrow {
	if w.f32 != nil {
		return wrow{f32: w.f32[off:]}
	}
	return wrow{bf16: w.bf16[off:]}
}

// tile4x4Go: out[i*4+j] = x[i*ldx:]·w[j*ldw:] over k, for i, j < 4.
func tile4x4Go(x []float32, ldx int, w wrow, ldw, k int, out *[16]float32) {
	for i := range 4 {
		for j := range 4 {
			out[i*4+j] = dot(x[i*ldx:], w.from(j*ldw), k)
		}
	}
}

// tile1x4Go: out[j] = x·w[j*ldw:] over k, for j < 4.
func tile1x4Go(x []float32, w wrow, ldw, k int, out *[4]float32) {
	for j := range 4 {
		out[j] = dot(x, w.from(j*ldw), k)
	}
}

// pvGo: out[c] += Σ_t p[t]·v[t*ldv+c] for c < d: the attention's
// probability-weighted sum of value rows.
func pvGo(out, p, v []float32, ldv, t, d int) {
	out = out[:d]
	for tt := range t {
		pt := p[tt]
		row := v[tt*ldv : tt*ldv+d]
		for c := range out {
			out[c] += pt * row[c]
		}
	}
}
