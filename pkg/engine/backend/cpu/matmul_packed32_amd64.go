//go:build !purego

package cpu

// The assembly kernels of matmul_packed32_amd64.s, [rows][panels].

//go:noescape
func gemm32R1P1(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R1P2(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R1P3(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R2P1(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R2P2(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R2P3(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R3P1(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R3P2(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R3P3(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R4P1(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R4P2(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R4P3(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R5P1(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R5P2(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R5P3(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R6P1(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R6P2(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R6P3(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R7P1(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R7P2(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R7P3(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R8P1(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R8P2(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

//go:noescape
func gemm32R8P3(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int)

var gemm32Kernels = [9][4]func(y *float32, ldy int, x *float32, ldx int, w *float32, pstride int, k int){
	1: {1: gemm32R1P1, 2: gemm32R1P2, 3: gemm32R1P3},
	2: {1: gemm32R2P1, 2: gemm32R2P2, 3: gemm32R2P3},
	3: {1: gemm32R3P1, 2: gemm32R3P2, 3: gemm32R3P3},
	4: {1: gemm32R4P1, 2: gemm32R4P2, 3: gemm32R4P3},
	5: {1: gemm32R5P1, 2: gemm32R5P2, 3: gemm32R5P3},
	6: {1: gemm32R6P1, 2: gemm32R6P2, 3: gemm32R6P3},
	7: {1: gemm32R7P1, 2: gemm32R7P2, 3: gemm32R7P3},
	8: {1: gemm32R8P1, 2: gemm32R8P2, 3: gemm32R8P3},
}

// gemm32 runs the kernel for rows (1..8) and panels (1..3), k >= 1.
func gemm32(y []float32, ldy int, x []float32, ldx int, w []float32, pstride, k, rows, panels int) {
	_ = y[(rows-1)*ldy+16*panels-1]
	_ = x[(rows-1)*ldx+k-1]
	_ = w[(panels-1)*pstride+16*k-1]
	gemm32Kernels[rows][panels](&y[0], ldy, &x[0], ldx, &w[0], pstride, k)
}
