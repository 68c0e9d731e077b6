//go:build !purego

#include "textflag.h"

#include "kernels_amd64.h"

#include "kernels_bf16_amd64.h"

// AVX512_BF16 kernels over bf16 weights (matmul_bf16.go).

#define DP16 \
	DP_00; DP_01; DP_02; DP_03; \
	DP_10; DP_11; DP_12; DP_13; \
	DP_20; DP_21; DP_22; DP_23; \
	DP_30; DP_31; DP_32; DP_33

// w rows DI, R11, R12, R13 (bf16), R14 the element index.
#define LOADW \
	VMOVDQU16 (DI)(R14*2), Z20;  \
	VMOVDQU16 (R11)(R14*2), Z21; \
	VMOVDQU16 (R12)(R14*2), Z22; \
	VMOVDQU16 (R13)(R14*2), Z23

#define LOADWZ \
	VMOVDQU16.Z (DI)(R14*2), K1, Z20;  \
	VMOVDQU16.Z (R11)(R14*2), K1, Z21; \
	VMOVDQU16.Z (R12)(R14*2), K1, Z22; \
	VMOVDQU16.Z (R13)(R14*2), K1, Z23

// The k%32 tail: CX becomes the count left (0..31), jumps to done if none,
// else K1 keeps that many low words. Masked-off words load as zero and
// are not touched, so a row may end at its slice's end.
#define TAIL(done) \
	ADDQ  $32, CX; \
	SUBQ  R14, CX; \
	JZ    done;    \
	MOVQ  $1, AX;  \
	SHLQ  CX, AX;  \
	DECQ  AX;      \
	KMOVD AX, K1

// func tile4x4BBAVX512(x *uint16, ldx int, w *uint16, ldw int, k int, out *[16]float32)
TEXT ·tile4x4BBAVX512(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), SI
	MOVQ ldx+8(FP), AX
	MOVQ w+16(FP), DI
	MOVQ ldw+24(FP), BX
	MOVQ k+32(FP), CX
	MOVQ out+40(FP), DX
	SHLQ $1, AX
	SHLQ $1, BX
	LEAQ (SI)(AX*1), R8
	LEAQ (R8)(AX*1), R9
	LEAQ (R9)(AX*1), R10
	LEAQ (DI)(BX*1), R11
	LEAQ (R11)(BX*1), R12
	LEAQ (R12)(BX*1), R13
	XORQ R14, R14
	SUBQ $32, CX
	ZERO16
	CMPQ R14, CX
	JGT  tail4

loop4:
	VMOVDQU16 (SI)(R14*2), Z16
	VMOVDQU16 (R8)(R14*2), Z17
	VMOVDQU16 (R9)(R14*2), Z18
	VMOVDQU16 (R10)(R14*2), Z19
	LOADW
	DP16
	ADDQ $32, R14
	CMPQ R14, CX
	JLE  loop4

tail4:
	TAIL(done4)
	VMOVDQU16.Z (SI)(R14*2), K1, Z16
	VMOVDQU16.Z (R8)(R14*2), K1, Z17
	VMOVDQU16.Z (R9)(R14*2), K1, Z18
	VMOVDQU16.Z (R10)(R14*2), K1, Z19
	LOADWZ
	DP16

done4:
	REDUCE16T
	VZEROUPPER
	RET

#define DP4 DP_00; DP_10; DP_20; DP_30

// func tile1x4BBAVX512(x *uint16, w *uint16, ldw int, k int, out *[4]float32)
// One x row against four w rows: accumulators Z0, Z4, Z8, Z12 (DP_j0).
TEXT ·tile1x4BBAVX512(SB), NOSPLIT, $0-40
	MOVQ   x+0(FP), SI
	MOVQ   w+8(FP), DI
	MOVQ   ldw+16(FP), BX
	MOVQ   k+24(FP), CX
	MOVQ   out+32(FP), DX
	SHLQ   $1, BX
	LEAQ   (DI)(BX*1), R11
	LEAQ   (R11)(BX*1), R12
	LEAQ   (R12)(BX*1), R13
	XORQ   R14, R14
	SUBQ   $32, CX
	VXORPS Z0, Z0, Z0
	VXORPS Z4, Z4, Z4
	VXORPS Z8, Z8, Z8
	VXORPS Z12, Z12, Z12
	CMPQ   R14, CX
	JGT    tail1

loop1:
	VMOVDQU16 (SI)(R14*2), Z16
	LOADW
	DP4
	ADDQ $32, R14
	CMPQ R14, CX
	JLE  loop1

tail1:
	TAIL(done1)
	VMOVDQU16.Z (SI)(R14*2), K1, Z16
	LOADWZ
	DP4

done1:
	REDUCE(Z0, Y0, X0, 0)
	REDUCE(Z4, Y4, X4, 4)
	REDUCE(Z8, Y8, X8, 8)
	REDUCE(Z12, Y12, X12, 12)
	VZEROUPPER
	RET

// func roundBF16AVX512(dst *uint16, src *float32, n int)
// n is a positive multiple of 32. VCVTNE2PS2BF16 rounds to nearest even
// and reads subnormal inputs as zero; the low 16 words come from its
// last (r/m) operand, so Z0 holds the first 16 floats.
TEXT ·roundBF16AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ R14, R14

cvt:
	VMOVUPS   (SI)(R14*4), Z0
	VMOVUPS   64(SI)(R14*4), Z1
	CVT_Z2
	VMOVDQU16 Z2, (DI)(R14*2)
	ADDQ      $32, R14
	CMPQ      R14, CX
	JLT       cvt

	VZEROUPPER
	RET

// func prefetchAVX512(p *byte, n int)
// Asks for the n bytes at p (n > 0) in every cache level, one line at a
// time: the next weight rows of a one-row product.
TEXT ·prefetchAVX512(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX

pf:
	PREFETCHT0 (SI)
	ADDQ       $64, SI
	SUBQ       $64, CX
	JGT        pf
	RET
