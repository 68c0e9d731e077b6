//go:build !purego

package cpu

// The assembly kernels of matmul_packed_amd64.s, [rows][panels].

//go:noescape
func gemmR1P1(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR1P2(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR1P3(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR2P1(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR2P2(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR2P3(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR3P1(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR3P2(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR3P3(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR4P1(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR4P2(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR4P3(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR5P1(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR5P2(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR5P3(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR6P1(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR6P2(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR6P3(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR7P1(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR7P2(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR7P3(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR8P1(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR8P2(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

//go:noescape
func gemmR8P3(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int)

// gemmR8P3PF is gemmR8P3 prefetching one cache line from pf per pair.
//
//go:noescape
func gemmR8P3PF(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int, pf *uint16)

var gemmKernels = [9][4]func(y *float32, ldy int, x *uint16, ldx int, w *uint16, pstride int, pairs int){
	1: {1: gemmR1P1, 2: gemmR1P2, 3: gemmR1P3},
	2: {1: gemmR2P1, 2: gemmR2P2, 3: gemmR2P3},
	3: {1: gemmR3P1, 2: gemmR3P2, 3: gemmR3P3},
	4: {1: gemmR4P1, 2: gemmR4P2, 3: gemmR4P3},
	5: {1: gemmR5P1, 2: gemmR5P2, 3: gemmR5P3},
	6: {1: gemmR6P1, 2: gemmR6P2, 3: gemmR6P3},
	7: {1: gemmR7P1, 2: gemmR7P2, 3: gemmR7P3},
	8: {1: gemmR8P1, 2: gemmR8P2, 3: gemmR8P3},
}

// gemm runs the kernel for rows (1..8) and panels (1..3).
func gemm(y []float32, ldy int, x []uint16, ldx int, w []uint16, pstride, pairs, rows, panels int) {
	_ = y[(rows-1)*ldy+16*panels-1]
	_ = x[(rows-1)*ldx+2*pairs-1]
	_ = w[(panels-1)*pstride+32*pairs-1]
	gemmKernels[rows][panels](&y[0], ldy, &x[0], ldx, &w[0], pstride, pairs)
}

// gemm8x3PF is gemm for 8 rows and 3 panels that also fetches pf (one
// panel's worth of weights: 32 values per pair) into L2 as it goes.
func gemm8x3PF(y []float32, ldy int, x []uint16, ldx int, w []uint16, pstride, pairs int, pf []uint16) {
	_ = y[7*ldy+16*3-1]
	_ = x[7*ldx+2*pairs-1]
	_ = w[2*pstride+32*pairs-1]
	_ = pf[32*pairs-1]
	gemmR8P3PF(&y[0], ldy, &x[0], ldx, &w[0], pstride, pairs, &pf[0])
}
