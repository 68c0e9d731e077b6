package cpu

import (
	"fmt"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// nBlock is how many weight rows one pass keeps hot while every activation
// tile streams past them: 32 rows of K=3072 fp32 are 384 KiB, inside this
// machine's 2 MiB L2. Chosen by measurement (docs/engine.md).
const nBlock = 32

// MatMul implements backend.Backend: y[M][N] = x[M][K]·w[N][K]ᵀ, split over
// goroutines by weight rows so each core streams its own part of w once.
func (c *CPU) MatMul(y, x, w backend.Tensor) {
	Y, X, W := y.(*Tensor), x.(*Tensor), w.(*Tensor)
	m, k := X.rows, X.cols
	n := W.rows
	if W.cols != k || Y.rows != m || Y.cols != n {
		panic(fmt.Sprintf("cpu: MatMul shapes y[%d %d] x[%d %d] w[%d %d]", Y.rows, Y.cols, m, k, n, W.cols))
	}
	if useBF16(m, W) {
		c.matmulBF16(Y, X, W)
		return
	}
	if W.pk32 != nil {
		c.matmulPacked32(Y.f32, X.f32, m, k, W)
		return
	}
	wr := wrow{f32: W.f32, bf16: W.bf16}
	c.parallel(n, c.grain(n), func(_, lo, hi int) {
		matmulRange(Y.f32, n, X.f32, k, wr, k, m, lo, hi, k)
	})
}

// grain splits n weight rows into enough chunks that a core slowed by a
// neighbour's process does not hold up the step, each a multiple of the
// 4-row tile.
func (c *CPU) grain(n int) int {
	g := (n + 8*c.threads - 1) / (8 * c.threads)
	return max(16, (g+3)/4*4)
}

// matmulRange computes columns [n0,n1) of y = x·wᵀ for all m rows.
func matmulRange(y []float32, ldy int, x []float32, ldx int, w wrow, ldw, m, n0, n1, k int) {
	var t16 [16]float32
	var t4 [4]float32
	for b0 := n0; b0 < n1; b0 += nBlock {
		b1 := min(b0+nBlock, n1)
		i := 0
		for ; i+4 <= m; i += 4 {
			xi := x[i*ldx:]
			j := b0
			for ; j+4 <= b1; j += 4 {
				tile4x4(xi, ldx, w.from(j*ldw), ldw, k, &t16)
				for r := range 4 {
					copy(y[(i+r)*ldy+j:(i+r)*ldy+j+4], t16[r*4:r*4+4])
				}
			}
			for ; j < b1; j++ {
				for r := range 4 {
					y[(i+r)*ldy+j] = dot(xi[r*ldx:], w.from(j*ldw), k)
				}
			}
		}
		for ; i < m; i++ {
			xi := x[i*ldx:]
			j := b0
			for ; j+4 <= b1; j += 4 {
				tile1x4(xi, w.from(j*ldw), ldw, k, &t4)
				copy(y[i*ldy+j:i*ldy+j+4], t4[:])
			}
			for ; j < b1; j++ {
				y[i*ldy+j] = dot(xi, w.from(j*ldw), k)
			}
		}
	}
}
