//go:build !amd64 || purego

package cpu

// gemm is never called without the assembly: weights are packed only
// where haveBF16 holds (matmul_packed.go).
func gemm(y []float32, ldy int, x []uint16, ldx int, w []uint16, pstride, pairs, rows, panels int) {
	panic("cpu: packed bf16 product without AVX512_BF16")
}

func gemm8x3PF(y []float32, ldy int, x []uint16, ldx int, w []uint16, pstride, pairs int, pf []uint16) {
	panic("cpu: packed bf16 product without AVX512_BF16")
}

// gemm32 is never called without the assembly: fp32 weights are packed
// only where haveAVX512 holds (matmul_packed32.go).
func gemm32(y []float32, ldy int, x []float32, ldx int, w []float32, pstride, k, rows, panels int) {
	panic("cpu: packed fp32 product without AVX-512")
}
