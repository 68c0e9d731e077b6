package cpu

// bf16MinRows is the activation row count from which MatMul with bf16
// weights rounds the activations to bf16 and multiplies with VDPBF16PS
// (twice the products per instruction of the fp32 FMA path). Below it a
// MatMul is bound by reading the weights, not by arithmetic, and keeps the
// exact fp32 activations; chosen by measurement (docs/engine.md).
const bf16MinRows = 16

// useBF16 says whether MatMul takes the bf16×bf16 path for m rows of
// activations against w.
func useBF16(m int, w *Tensor) bool { return haveBF16 && w.bf16 != nil && m >= bf16MinRows }

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
	c.parallel(n, c.grain(n), func(_, lo, hi int) {
		matmulRangeBB(y.f32, n, xb, k, w.bf16, k, m, lo, hi, k)
	})
}

// matmulRangeBB computes columns [n0,n1) of y = x·wᵀ for all m rows, x and
// w in bf16; the same blocking as matmulRange.
func matmulRangeBB(y []float32, ldy int, x []uint16, ldx int, w []uint16, ldw, m, n0, n1, k int) {
	var t16 [16]float32
	var t4 [4]float32
	for b0 := n0; b0 < n1; b0 += nBlock {
		b1 := min(b0+nBlock, n1)
		i := 0
		for ; i+4 <= m; i += 4 {
			xi := x[i*ldx:]
			j := b0
			for ; j+4 <= b1; j += 4 {
				tile4x4BB(xi, ldx, w[j*ldw:], ldw, k, &t16)
				for r := range 4 {
					copy(y[(i+r)*ldy+j:(i+r)*ldy+j+4], t16[r*4:r*4+4])
				}
			}
			for ; j < b1; j++ {
				for r := range 4 {
					y[(i+r)*ldy+j] = dotBB(xi[r*ldx:], w[j*ldw:], k)
				}
			}
		}
		for ; i < m; i++ {
			xi := x[i*ldx:]
			j := b0
			for ; j+4 <= b1; j += 4 {
				tile1x4BB(xi, w[j*ldw:], ldw, k, &t4)
				copy(y[i*ldy+j:i*ldy+j+4], t4[:])
			}
			for ; j < b1; j++ {
				y[i*ldy+j] = dotBB(xi, w[j*ldw:], k)
			}
		}
	}
}
