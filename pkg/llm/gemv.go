package llm

import (
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas/gonum"
)

// matmulRows computes y[m×n] = x[m×k]·w[n×k]ᵀ, weights in Hugging Face's
// [out][in] layout. Measured on the 2-core build machine (N=6144,
// K=1024), it beats gonum's Sgemm(NoTrans, Trans) at every shape:
//   - m < 4 (decode of a few sequences, bound by reading the weights):
//     one gonum Sdot (SSE) per output, 27–32 GB/s of weights against
//     Sgemm's 8; the AVX2 tile kernel streamed only ~11 GB/s here.
//   - m ≥ 4 and k a multiple of 8: the AVX2+FMA 2×4 tile kernel
//     (dot_amd64.s), ~80–90 GFLOP/s at m=128..512 against Sgemm's 14–24
//     and Sdot tiles' 34.
//
// Workers take blocks of weight rows (which stay in L2) from an atomic
// counter, so a core taken by another process does not hold up the rest.
func matmulRows(y, x, w []float32, m, n, k, threads int) {
	const block, xTile = 32, 8
	blocks := (n + block - 1) / block
	var next atomic.Int64
	fma := haveFMA && k%8 == 0 && m >= 4
	work := func() {
		var impl gonum.Implementation
		for {
			b := int(next.Add(1) - 1)
			if b >= blocks {
				return
			}
			j0, j1 := b*block, min(n, (b+1)*block)
			if fma {
				tileFMA(y, n, x, k, w, k, m, k, j0, j1)
				continue
			}
			// The block's weight rows stay in L2; xTile input rows at a
			// time stay in L1 while each weight row is dotted with them.
			for i0 := 0; i0 < m; i0 += xTile {
				for j := j0; j < j1; j++ {
					wr := w[j*k : (j+1)*k]
					for i := i0; i < min(m, i0+xTile); i++ {
						y[i*n+j] = impl.Sdot(k, x[i*k:(i+1)*k], 1, wr, 1)
					}
				}
			}
		}
	}
	threads = min(threads, blocks)
	if threads <= 1 {
		work()
		return
	}
	var wg sync.WaitGroup
	for range threads - 1 {
		wg.Add(1)
		go func() { defer wg.Done(); work() }()
	}
	work()
	wg.Wait()
}

// matmul is the model's projection (every Linear layer and the LM head).
func (m *Model) matmul(y, x, w []float32, rows, n, k int) {
	matmulRows(y, x, w, rows, n, k, m.threads)
}

// tileFMA computes y[i·sy+j] = x_i·w_j for i < m, j in [j0, j1), where
// row i of x starts at x[i·sx] and row j of w at w[j·sw], both k floats
// long (k a multiple of 8), with the AVX2 2×4 kernel: two weight rows
// against four input rows per call. A last group of fewer than four
// input rows repeats its last row (the extra sums are dropped); an odd
// last weight row is paired with itself. Strides let attention run it
// on query heads and paged-cache keys in place.
func tileFMA(y []float32, sy int, x []float32, sx int, w []float32, sw int, m, k, j0, j1 int) {
	_ = x[(m-1)*sx+k-1] // the kernel reads these rows without bounds checks
	_ = w[(j1-1)*sw+k-1]
	var acc [64]float32
	for i0 := 0; i0 < m; i0 += 4 {
		var xs [4]*float32
		for i := range xs {
			xs[i] = &x[min(i0+i, m-1)*sx]
		}
		for j := j0; j < j1; j += 2 {
			j2 := min(j+1, j1-1)
			dot2x4(&w[j*sw], &w[j2*sw], xs[0], xs[1], xs[2], xs[3], k, &acc)
			for r := 0; r <= j2-j; r++ {
				for i := 0; i < min(4, m-i0); i++ {
					p := acc[8*(4*r+i):][:8]
					y[(i0+i)*sy+j+r] = ((p[0] + p[4]) + (p[1] + p[5])) + ((p[2] + p[6]) + (p[3] + p[7]))
				}
			}
		}
	}
}

// pvFMA adds p·V to o for rows [r0, rows): o row i at o[i·so] (d
// floats), probabilities of row i at p[i·sp : i·sp+n], value j at
// v[j·sv] (d floats, d a multiple of 8). Rows go in pairs (an odd last
// row writes its twin into scratch), positions in fours (missing ones get
// probability 0 and repeat a real position, so cache garbage never
// enters).
func pvFMA(o []float32, so int, p []float32, sp int, v []float32, sv, r0, rows, n, d int, scratch []float32) {
	_ = v[(n-1)*sv+d-1] // the kernel reads these without bounds checks
	_ = o[(rows-1)*so+d-1]
	_ = scratch[d-1]
	var a [8]float32
	for i := r0; i < rows; i += 2 {
		o0, o1 := &o[i*so], &scratch[0]
		if i+1 < rows {
			o1 = &o[(i+1)*so]
		}
		for j := 0; j < n; j += 4 {
			var vs [4]*float32
			for t := range 4 {
				jj := min(j+t, n-1)
				vs[t] = &v[jj*sv]
				a[t], a[4+t] = 0, 0
				if j+t < n {
					a[t] = p[i*sp+j+t]
					if i+1 < rows {
						a[4+t] = p[(i+1)*sp+j+t]
					}
				}
			}
			pv2x4(o0, o1, &a, vs[0], vs[1], vs[2], vs[3], d)
		}
	}
}
