package cpu

// bf16MinRows is the activation row count from which MatMul with bf16
// weights rounds the activations to bf16 and multiplies with VDPBF16PS
// (twice the products per instruction of the fp32 FMA path). Every batch
// takes it: BenchmarkMatMulBF16 measured it faster from 4 rows (1.3× at 4,
// 1.5× at 16, 2.2× at 512), and on the Qwen3-0.6B shape a batch-1 decode
// step went from 54–56 ms to 44–48 ms and batch 8 from 152 to 125–127 ms
// against a threshold of 16 (same machine, same minutes). One path for all
// batch sizes also keeps a batch equal to its sequences run alone. The
// numerics are PyTorch's bf16 matmul: activations rounded to bf16
// (relative error ≤ 2⁻⁹), fp32 accumulation (docs/engine.md).
const bf16MinRows = 1

// useBF16 says whether MatMul takes the bf16×bf16 path for m rows of
// activations against w.
func useBF16(m int, w *Tensor) bool {
	return haveBF16 && (w.bf16 != nil || w.pk != nil) && m >= bf16MinRows
}

// matmulBF16 is MatMul with x rounded to bf16 once, into the backend's
// reusable buffer (safe: one caller at a time), then bf16×bf16 tiles.
func (c *CPU) matmulBF16(y, x, w *Tensor) {
	m, k, n := x.rows, x.cols, w.rows
	if cap(c.xbf) < m*k {
		c.xbf = make([]uint16, m*k)
	}
	xb := c.xbf[:m*k]
	c.parallel(m, max(1, (1<<15)/max(k, 1)), func(_, lo, hi int) {
		roundBF16s(xb[lo*k:hi*k], x.f32[lo*k:hi*k])
	})
	if w.pk != nil {
		c.matmulPacked(y.f32, xb, m, k, w)
		return
	}
	c.parallel(n, c.grain(n), func(_, lo, hi int) {
		matmulRangeBB(y.f32, n, xb, k, w.bf16, k, m, lo, hi, k)
	})
}

// nBlockBB is nBlock for this path: 64 weight rows of one k chunk are
// 128 KiB of bf16, in L2, and twice the rows per pass halve how often the
// activations stream past (BenchmarkMatMulBF16Thread: +7% over 32).
const nBlockBB = 64

// kChunk bounds the k of one tile call: a tile streams its 4 activation
// rows and 4 weight rows, 16 KiB at k=1024, through L1 (48 KiB), and the
// activation rows are reused by the next tile; at k=3072 they no longer
// stay (BenchmarkMatMulBF16Thread, m=256: k=3072 unchunked 270 GFLOP/s,
// chunked 300, k=1024 340).
const kChunk = 1024

// matmulRangeBB computes columns [n0,n1) of y = x·wᵀ for all m rows, x and
// w in bf16: matmulRange's blocking with nBlockBB rows, and k in chunks of
// at most kChunk whose tile sums are added into y.
func matmulRangeBB(y []float32, ldy int, x []uint16, ldx int, w []uint16, ldw, m, n0, n1, k int) {
	var t16 [16]float32
	var t4 [4]float32
	nk := (k + kChunk - 1) / kChunk
	kc := ((k+nk-1)/nk + 31) &^ 31
	if m < 4 {
		// No 4-row tile reuses the activations: read each weight row
		// whole, one contiguous stream, instead of in k chunks.
		kc = k
	}
	for b0 := n0; b0 < n1; b0 += nBlockBB {
		b1 := min(b0+nBlockBB, n1)
		bt := b0 + (b1-b0)&^3 // end of the whole 4-column tiles
		for k0 := 0; k0 < k; k0 += kc {
			kk := min(kc, k-k0)
			i := 0
			for ; i+4 <= m; i += 4 {
				xi := x[i*ldx+k0:]
				for j := b0; j < bt; j += 4 {
					tile4x4BB(xi, ldx, w[j*ldw+k0:], ldw, kk, &t16)
					for r := range 4 {
						store(y[(i+r)*ldy+j:(i+r)*ldy+j+4], t16[r*4:r*4+4], k0 == 0)
					}
				}
			}
			for ; i < m; i++ {
				xi := x[i*ldx+k0:]
				for j := b0; j < bt; j += 4 {
					if m < 4 && kk == k && ldw == k && j+12 <= n1 {
						// Two tiles ahead: 4 KiB rows are too short a run
						// for the hardware prefetcher alone.
						prefetch16(w[(j+8)*ldw : (j+12)*ldw])
					}
					tile1x4BB(xi, w[j*ldw+k0:], ldw, kk, &t4)
					store(y[i*ldy+j:i*ldy+j+4], t4[:], k0 == 0)
				}
			}
		}
		for j := bt; j < b1; j++ {
			for i := range m {
				y[i*ldy+j] = dotBB(x[i*ldx:], w[j*ldw:], k)
			}
		}
	}
}

// store writes a tile's sums to dst for the first k chunk, then adds.
func store(dst, src []float32, first bool) {
	if first {
		copy(dst, src)
		return
	}
	for i := range dst {
		dst[i] += src[i]
	}
}
