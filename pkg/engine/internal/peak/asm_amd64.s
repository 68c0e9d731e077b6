//go:build amd64 && !purego

#include "textflag.h"

// Horizontal sum of Y0 into the low float of X0 (uses X1). The VEX adds
// clear the upper zmm halves, which are dead by then.
#define HSUM_Y0 \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPS       X1, X0, X0; \
	VHADDPS      X0, X0, X0; \
	VHADDPS      X0, X0, X0

#define HSUM_Z0 \
	VEXTRACTF64X4 $1, Z0, Y1; \
	VADDPS        Y1, Y0, Y0; \
	HSUM_Y0

// func sumAVX512(x *float32, n int) float32
//
// Eight zmm accumulators, one 64-byte load each per iteration: 512 bytes
// per iteration and eight independent add chains, more than the add
// latency × loads per cycle needs, so only memory limits the loop.
TEXT ·sumAVX512(SB), NOSPLIT, $0-20
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	LEAQ   (SI)(CX*4), CX
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7

sum512:
	VADDPS 0(SI), Z0, Z0
	VADDPS 64(SI), Z1, Z1
	VADDPS 128(SI), Z2, Z2
	VADDPS 192(SI), Z3, Z3
	VADDPS 256(SI), Z4, Z4
	VADDPS 320(SI), Z5, Z5
	VADDPS 384(SI), Z6, Z6
	VADDPS 448(SI), Z7, Z7
	ADDQ   $512, SI
	CMPQ   SI, CX
	JB     sum512

	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z5, Z4, Z4
	VADDPS Z7, Z6, Z6
	VADDPS Z2, Z0, Z0
	VADDPS Z6, Z4, Z4
	VADDPS Z4, Z0, Z0
	HSUM_Z0
	VZEROUPPER
	MOVSS  X0, ret+16(FP)
	RET

// func sumAVX2(x *float32, n int) float32
TEXT ·sumAVX2(SB), NOSPLIT, $0-20
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	LEAQ   (SI)(CX*4), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

sum256:
	VADDPS 0(SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	VADDPS 128(SI), Y4, Y4
	VADDPS 160(SI), Y5, Y5
	VADDPS 192(SI), Y6, Y6
	VADDPS 224(SI), Y7, Y7
	ADDQ   $256, SI
	CMPQ   SI, CX
	JB     sum256

	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y5, Y4, Y4
	VADDPS Y7, Y6, Y6
	VADDPS Y2, Y0, Y0
	VADDPS Y6, Y4, Y4
	VADDPS Y4, Y0, Y0
	HSUM_Y0
	VZEROUPPER
	MOVSS  X0, ret+16(FP)
	RET

// acc = acc·a + b (VFMADD213PS: dst = src1·dst + src2), a and b broadcast in two registers.
// The accumulator is both an input and the output, so each chain
// is serial and the chains are independent of each other. With 0 < a < 1
// the accumulators settle at b/(1-a): long runs neither overflow nor reach
// denormals (which would slow the FMAs down).
#define FMA(a, b, acc) VFMADD213PS b, a, acc

// func fmaAVX512(n int, a, b float32) float32
//
// 24 accumulators: an FMA takes 4 cycles and two issue per cycle, so 8
// must be in flight; 24 leaves margin for CPUs with longer latency and
// keeps the loop overhead (one DECQ/JNZ) under 1 in 24 instructions.
TEXT ·fmaAVX512(SB), NOSPLIT, $0-20
	MOVQ         n+0(FP), CX
	VBROADCASTSS a+8(FP), Z24
	VBROADCASTSS b+12(FP), Z25
	VXORPS       Z0, Z0, Z0
	VXORPS       Z1, Z1, Z1
	VXORPS       Z2, Z2, Z2
	VXORPS       Z3, Z3, Z3
	VXORPS       Z4, Z4, Z4
	VXORPS       Z5, Z5, Z5
	VXORPS       Z6, Z6, Z6
	VXORPS       Z7, Z7, Z7
	VXORPS       Z8, Z8, Z8
	VXORPS       Z9, Z9, Z9
	VXORPS       Z10, Z10, Z10
	VXORPS       Z11, Z11, Z11
	VXORPS       Z12, Z12, Z12
	VXORPS       Z13, Z13, Z13
	VXORPS       Z14, Z14, Z14
	VXORPS       Z15, Z15, Z15
	VXORPS       Z16, Z16, Z16
	VXORPS       Z17, Z17, Z17
	VXORPS       Z18, Z18, Z18
	VXORPS       Z19, Z19, Z19
	VXORPS       Z20, Z20, Z20
	VXORPS       Z21, Z21, Z21
	VXORPS       Z22, Z22, Z22
	VXORPS       Z23, Z23, Z23

fma512:
	FMA(Z24, Z25, Z0)
	FMA(Z24, Z25, Z1)
	FMA(Z24, Z25, Z2)
	FMA(Z24, Z25, Z3)
	FMA(Z24, Z25, Z4)
	FMA(Z24, Z25, Z5)
	FMA(Z24, Z25, Z6)
	FMA(Z24, Z25, Z7)
	FMA(Z24, Z25, Z8)
	FMA(Z24, Z25, Z9)
	FMA(Z24, Z25, Z10)
	FMA(Z24, Z25, Z11)
	FMA(Z24, Z25, Z12)
	FMA(Z24, Z25, Z13)
	FMA(Z24, Z25, Z14)
	FMA(Z24, Z25, Z15)
	FMA(Z24, Z25, Z16)
	FMA(Z24, Z25, Z17)
	FMA(Z24, Z25, Z18)
	FMA(Z24, Z25, Z19)
	FMA(Z24, Z25, Z20)
	FMA(Z24, Z25, Z21)
	FMA(Z24, Z25, Z22)
	FMA(Z24, Z25, Z23)
	DECQ         CX
	JNZ          fma512

	VADDPS Z12, Z0, Z0
	VADDPS Z13, Z1, Z1
	VADDPS Z14, Z2, Z2
	VADDPS Z15, Z3, Z3
	VADDPS Z16, Z4, Z4
	VADDPS Z17, Z5, Z5
	VADDPS Z18, Z6, Z6
	VADDPS Z19, Z7, Z7
	VADDPS Z20, Z8, Z8
	VADDPS Z21, Z9, Z9
	VADDPS Z22, Z10, Z10
	VADDPS Z23, Z11, Z11
	VADDPS Z6, Z0, Z0
	VADDPS Z7, Z1, Z1
	VADDPS Z8, Z2, Z2
	VADDPS Z9, Z3, Z3
	VADDPS Z10, Z4, Z4
	VADDPS Z11, Z5, Z5
	VADDPS Z3, Z0, Z0
	VADDPS Z4, Z1, Z1
	VADDPS Z5, Z2, Z2
	VADDPS Z1, Z0, Z0
	VADDPS Z2, Z0, Z0
	HSUM_Z0
	VZEROUPPER
	MOVSS  X0, ret+16(FP)
	RET

// func fmaAVX2(n int, a, b float32) float32
//
// 12 of the 16 ymm registers as accumulators, a and b in two others.
TEXT ·fmaAVX2(SB), NOSPLIT, $0-20
	MOVQ         n+0(FP), CX
	VBROADCASTSS a+8(FP), Y12
	VBROADCASTSS b+12(FP), Y13
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3
	VXORPS       Y4, Y4, Y4
	VXORPS       Y5, Y5, Y5
	VXORPS       Y6, Y6, Y6
	VXORPS       Y7, Y7, Y7
	VXORPS       Y8, Y8, Y8
	VXORPS       Y9, Y9, Y9
	VXORPS       Y10, Y10, Y10
	VXORPS       Y11, Y11, Y11

fma256:
	FMA(Y12, Y13, Y0)
	FMA(Y12, Y13, Y1)
	FMA(Y12, Y13, Y2)
	FMA(Y12, Y13, Y3)
	FMA(Y12, Y13, Y4)
	FMA(Y12, Y13, Y5)
	FMA(Y12, Y13, Y6)
	FMA(Y12, Y13, Y7)
	FMA(Y12, Y13, Y8)
	FMA(Y12, Y13, Y9)
	FMA(Y12, Y13, Y10)
	FMA(Y12, Y13, Y11)
	DECQ         CX
	JNZ          fma256

	VADDPS Y6, Y0, Y0
	VADDPS Y7, Y1, Y1
	VADDPS Y8, Y2, Y2
	VADDPS Y9, Y3, Y3
	VADDPS Y10, Y4, Y4
	VADDPS Y11, Y5, Y5
	VADDPS Y3, Y0, Y0
	VADDPS Y4, Y1, Y1
	VADDPS Y5, Y2, Y2
	VADDPS Y1, Y0, Y0
	VADDPS Y2, Y0, Y0
	HSUM_Y0
	VZEROUPPER
	MOVSS  X0, ret+16(FP)
	RET

// VDPBF16PS (AVX512_BF16) spelled as bytes, which Go's assembler does not
// know: DPi is Z(i) += Z24 · Z25, two bf16 products per fp32 lane.
#define DP0 BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xc1 // vdpbf16ps zmm0,zmm24,zmm25
#define DP1 BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xc9 // vdpbf16ps zmm1,zmm24,zmm25
#define DP2 BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xd1 // vdpbf16ps zmm2,zmm24,zmm25
#define DP3 BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xd9 // vdpbf16ps zmm3,zmm24,zmm25
#define DP4 BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xe1 // vdpbf16ps zmm4,zmm24,zmm25
#define DP5 BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xe9 // vdpbf16ps zmm5,zmm24,zmm25
#define DP6 BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xf1 // vdpbf16ps zmm6,zmm24,zmm25
#define DP7 BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xf9 // vdpbf16ps zmm7,zmm24,zmm25
#define DP8 BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xc1 // vdpbf16ps zmm8,zmm24,zmm25
#define DP9 BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xc9 // vdpbf16ps zmm9,zmm24,zmm25
#define DP10 BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xd1 // vdpbf16ps zmm10,zmm24,zmm25
#define DP11 BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xd9 // vdpbf16ps zmm11,zmm24,zmm25
#define DP12 BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xe1 // vdpbf16ps zmm12,zmm24,zmm25
#define DP13 BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xe9 // vdpbf16ps zmm13,zmm24,zmm25
#define DP14 BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xf1 // vdpbf16ps zmm14,zmm24,zmm25
#define DP15 BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xf9 // vdpbf16ps zmm15,zmm24,zmm25
#define DP16 BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xc1 // vdpbf16ps zmm16,zmm24,zmm25
#define DP17 BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xc9 // vdpbf16ps zmm17,zmm24,zmm25
#define DP18 BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xd1 // vdpbf16ps zmm18,zmm24,zmm25
#define DP19 BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xd9 // vdpbf16ps zmm19,zmm24,zmm25
#define DP20 BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xe1 // vdpbf16ps zmm20,zmm24,zmm25
#define DP21 BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xe9 // vdpbf16ps zmm21,zmm24,zmm25
#define DP22 BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xf1 // vdpbf16ps zmm22,zmm24,zmm25
#define DP23 BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xf9 // vdpbf16ps zmm23,zmm24,zmm25

// func dotBF16AVX512(n int, a, b uint32) float32
//
// n iterations of 24 VDPBF16PS on 24 zmm accumulators, each lane adding
// the two bf16 products of the pairs a and b; returns the sum of all
// lanes. 24 chains, as fmaAVX512, keep both pipes busy.
TEXT ·dotBF16AVX512(SB), NOSPLIT, $0-20
	MOVQ         n+0(FP), CX
	MOVL         a+8(FP), AX
	MOVL         b+12(FP), DX
	VPBROADCASTD AX, Z24
	VPBROADCASTD DX, Z25
	VXORPS       Z0, Z0, Z0
	VXORPS       Z1, Z1, Z1
	VXORPS       Z2, Z2, Z2
	VXORPS       Z3, Z3, Z3
	VXORPS       Z4, Z4, Z4
	VXORPS       Z5, Z5, Z5
	VXORPS       Z6, Z6, Z6
	VXORPS       Z7, Z7, Z7
	VXORPS       Z8, Z8, Z8
	VXORPS       Z9, Z9, Z9
	VXORPS       Z10, Z10, Z10
	VXORPS       Z11, Z11, Z11
	VXORPS       Z12, Z12, Z12
	VXORPS       Z13, Z13, Z13
	VXORPS       Z14, Z14, Z14
	VXORPS       Z15, Z15, Z15
	VXORPS       Z16, Z16, Z16
	VXORPS       Z17, Z17, Z17
	VXORPS       Z18, Z18, Z18
	VXORPS       Z19, Z19, Z19
	VXORPS       Z20, Z20, Z20
	VXORPS       Z21, Z21, Z21
	VXORPS       Z22, Z22, Z22
	VXORPS       Z23, Z23, Z23

dot512:
	DP0
	DP1
	DP2
	DP3
	DP4
	DP5
	DP6
	DP7
	DP8
	DP9
	DP10
	DP11
	DP12
	DP13
	DP14
	DP15
	DP16
	DP17
	DP18
	DP19
	DP20
	DP21
	DP22
	DP23
	DECQ CX
	JNZ  dot512
	VADDPS Z12, Z0, Z0
	VADDPS Z13, Z1, Z1
	VADDPS Z14, Z2, Z2
	VADDPS Z15, Z3, Z3
	VADDPS Z16, Z4, Z4
	VADDPS Z17, Z5, Z5
	VADDPS Z18, Z6, Z6
	VADDPS Z19, Z7, Z7
	VADDPS Z20, Z8, Z8
	VADDPS Z21, Z9, Z9
	VADDPS Z22, Z10, Z10
	VADDPS Z23, Z11, Z11
	VADDPS Z6, Z0, Z0
	VADDPS Z7, Z1, Z1
	VADDPS Z8, Z2, Z2
	VADDPS Z9, Z3, Z3
	VADDPS Z10, Z4, Z4
	VADDPS Z11, Z5, Z5
	VADDPS Z3, Z0, Z0
	VADDPS Z4, Z1, Z1
	VADDPS Z5, Z2, Z2
	VADDPS Z1, Z0, Z0
	VADDPS Z2, Z0, Z0
	HSUM_Z0
	MOVSS  X0, ret+16(FP)
	VZEROUPPER
	RET
