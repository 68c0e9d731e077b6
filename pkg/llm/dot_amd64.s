//go:build amd64 && !purego

#include "textflag.h"

// func dot2x4(w0, w1, x0, x1, x2, x3 *float32, k int, out *[64]float32)
// Accumulates the 8 dot products w_r·x_i (r < 2, i < 4) over k floats
// (k a multiple of 8) in eight AVX2 registers and stores them unreduced:
// out[8*(4r+i) : 8*(4r+i)+8] holds the 8 partial sums of w_r·x_i. Each
// step loads 2 weight and 4 input vectors for 8 FMAs, so it is not
// bound by loads the way a single dot product is.
TEXT ·dot2x4(SB), NOSPLIT, $0-64
	MOVQ w0+0(FP), SI
	MOVQ w1+8(FP), DI
	MOVQ x0+16(FP), R8
	MOVQ x1+24(FP), R9
	MOVQ x2+32(FP), R10
	MOVQ x3+40(FP), R11
	MOVQ k+48(FP), CX
	MOVQ out+56(FP), DX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	SHLQ $2, CX
	XORQ AX, AX

loop:
	CMPQ AX, CX
	JGE  done
	VMOVUPS (SI)(AX*1), Y8
	VMOVUPS (DI)(AX*1), Y9
	VMOVUPS (R8)(AX*1), Y10
	VMOVUPS (R9)(AX*1), Y11
	VMOVUPS (R10)(AX*1), Y12
	VMOVUPS (R11)(AX*1), Y13
	VFMADD231PS Y10, Y8, Y0
	VFMADD231PS Y11, Y8, Y1
	VFMADD231PS Y12, Y8, Y2
	VFMADD231PS Y13, Y8, Y3
	VFMADD231PS Y10, Y9, Y4
	VFMADD231PS Y11, Y9, Y5
	VFMADD231PS Y12, Y9, Y6
	VFMADD231PS Y13, Y9, Y7
	ADDQ $32, AX
	JMP  loop

done:
	VMOVUPS Y0, 0(DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	VMOVUPS Y4, 128(DX)
	VMOVUPS Y5, 160(DX)
	VMOVUPS Y6, 192(DX)
	VMOVUPS Y7, 224(DX)
	VZEROUPPER
	RET

// func pv2x4(o0, o1 *float32, a *[8]float32, v0, v1, v2, v3 *float32, d int)
// o0[:d] += a[0]·v0 + a[1]·v1 + a[2]·v2 + a[3]·v3 and o1[:d] likewise
// with a[4:8] (d a multiple of 8): attention's probabilities times
// values, four cached positions and two query rows per call, each value
// vector loaded once for both rows.
TEXT ·pv2x4(SB), NOSPLIT, $0-64
	MOVQ o0+0(FP), SI
	MOVQ o1+8(FP), DI
	MOVQ a+16(FP), BX
	MOVQ v0+24(FP), R8
	MOVQ v1+32(FP), R9
	MOVQ v2+40(FP), R10
	MOVQ v3+48(FP), R11
	MOVQ d+56(FP), CX
	VBROADCASTSS 0(BX), Y0
	VBROADCASTSS 4(BX), Y1
	VBROADCASTSS 8(BX), Y2
	VBROADCASTSS 12(BX), Y3
	VBROADCASTSS 16(BX), Y4
	VBROADCASTSS 20(BX), Y5
	VBROADCASTSS 24(BX), Y6
	VBROADCASTSS 28(BX), Y7
	SHLQ $2, CX
	XORQ AX, AX

pvloop:
	CMPQ AX, CX
	JGE  pvdone
	VMOVUPS (R8)(AX*1), Y8
	VMOVUPS (R9)(AX*1), Y9
	VMOVUPS (R10)(AX*1), Y10
	VMOVUPS (R11)(AX*1), Y11
	VMOVUPS (SI)(AX*1), Y12
	VMOVUPS (DI)(AX*1), Y13
	VFMADD231PS Y8, Y0, Y12
	VFMADD231PS Y9, Y1, Y12
	VFMADD231PS Y10, Y2, Y12
	VFMADD231PS Y11, Y3, Y12
	VFMADD231PS Y8, Y4, Y13
	VFMADD231PS Y9, Y5, Y13
	VFMADD231PS Y10, Y6, Y13
	VFMADD231PS Y11, Y7, Y13
	VMOVUPS Y12, (SI)(AX*1)
	VMOVUPS Y13, (DI)(AX*1)
	ADDQ $32, AX
	JMP  pvloop

pvdone:
	VZEROUPPER
	RET
