//go:build !purego

#include "textflag.h"

#include "kernels_amd64.h"

// Four x rows in Z16..Z19 times one w vector in Zw, into Z(a)..Z(a+3).
#define FMA4(Zw, A0, A1, A2, A3) \
	VFMADD231PS Zw, Z16, A0; \
	VFMADD231PS Zw, Z17, A1; \
	VFMADD231PS Zw, Z18, A2; \
	VFMADD231PS Zw, Z19, A3

// Row pointers: x rows SI, R8, R9, R10 (stride AX bytes); w rows DI, R11,
// R12, R13 (stride BX bytes). R14 counts elements, CX is k.
#define SETUP4x4(wshift) \
	MOVQ x+0(FP), SI;     \
	MOVQ ldx+8(FP), AX;   \
	MOVQ w+16(FP), DI;    \
	MOVQ ldw+24(FP), BX;  \
	MOVQ k+32(FP), CX;    \
	MOVQ out+40(FP), DX;  \
	SHLQ $2, AX;          \
	SHLQ wshift, BX;      \
	LEAQ (SI)(AX*1), R8;  \
	LEAQ (R8)(AX*1), R9;  \
	LEAQ (R9)(AX*1), R10; \
	LEAQ (DI)(BX*1), R11; \
	LEAQ (R11)(BX*1), R12; \
	LEAQ (R12)(BX*1), R13; \
	XORQ R14, R14

#define LOADX4 \
	VMOVUPS (SI)(R14*4), Z16; \
	VMOVUPS (R8)(R14*4), Z17; \
	VMOVUPS (R9)(R14*4), Z18; \
	VMOVUPS (R10)(R14*4), Z19

// bf16 weights: zero-extend 16 halves to dwords and shift them into the
// top of an fp32, which is exactly the bf16 value.
#define LOADBF(mem, Zd) \
	VPMOVZXWD mem, Zd; \
	VPSLLD    $16, Zd, Zd

#define SETUP1x4(wshift) \
	MOVQ x+0(FP), SI;      \
	MOVQ w+8(FP), DI;      \
	MOVQ ldw+16(FP), BX;   \
	MOVQ k+24(FP), CX;     \
	MOVQ out+32(FP), DX;   \
	SHLQ wshift, BX;       \
	LEAQ (DI)(BX*1), R11;  \
	LEAQ (R11)(BX*1), R12; \
	LEAQ (R12)(BX*1), R13; \
	XORQ R14, R14;         \
	VXORPS Z0, Z0, Z0;     \
	VXORPS Z1, Z1, Z1;     \
	VXORPS Z2, Z2, Z2;     \
	VXORPS Z3, Z3, Z3

#define REDUCE4 \
	REDUCE(Z0, Y0, X0, 0);  \
	REDUCE(Z1, Y1, X1, 4);  \
	REDUCE(Z2, Y2, X2, 8);  \
	REDUCE(Z3, Y3, X3, 12)

// func tile4x4F32AVX512(x *float32, ldx int, w *float32, ldw int, k int, out *[16]float32)
TEXT ·tile4x4F32AVX512(SB), NOSPLIT, $0-48
	SETUP4x4($2)
	ZERO16

loop:
	LOADX4
	VMOVUPS (DI)(R14*4), Z20
	VMOVUPS (R11)(R14*4), Z21
	VMOVUPS (R12)(R14*4), Z22
	VMOVUPS (R13)(R14*4), Z23
	FMA4(Z20, Z0, Z1, Z2, Z3)
	FMA4(Z21, Z4, Z5, Z6, Z7)
	FMA4(Z22, Z8, Z9, Z10, Z11)
	FMA4(Z23, Z12, Z13, Z14, Z15)
	ADDQ $16, R14
	CMPQ R14, CX
	JLT  loop

	REDUCE16T
	VZEROUPPER
	RET

// func tile4x4BF16AVX512(x *float32, ldx int, w *uint16, ldw int, k int, out *[16]float32)
TEXT ·tile4x4BF16AVX512(SB), NOSPLIT, $0-48
	SETUP4x4($1)
	ZERO16

loopbf:
	LOADX4
	LOADBF((DI)(R14*2), Z20)
	LOADBF((R11)(R14*2), Z21)
	LOADBF((R12)(R14*2), Z22)
	LOADBF((R13)(R14*2), Z23)
	FMA4(Z20, Z0, Z1, Z2, Z3)
	FMA4(Z21, Z4, Z5, Z6, Z7)
	FMA4(Z22, Z8, Z9, Z10, Z11)
	FMA4(Z23, Z12, Z13, Z14, Z15)
	ADDQ $16, R14
	CMPQ R14, CX
	JLT  loopbf

	REDUCE16T
	VZEROUPPER
	RET

// func tile1x4F32AVX512(x *float32, w *float32, ldw int, k int, out *[4]float32)
TEXT ·tile1x4F32AVX512(SB), NOSPLIT, $0-40
	SETUP1x4($2)

loop1:
	VMOVUPS     (SI)(R14*4), Z16
	VFMADD231PS (DI)(R14*4), Z16, Z0
	VFMADD231PS (R11)(R14*4), Z16, Z1
	VFMADD231PS (R12)(R14*4), Z16, Z2
	VFMADD231PS (R13)(R14*4), Z16, Z3
	ADDQ        $16, R14
	CMPQ        R14, CX
	JLT         loop1

	REDUCE4
	VZEROUPPER
	RET

// func tile1x4BF16AVX512(x *float32, w *uint16, ldw int, k int, out *[4]float32)
TEXT ·tile1x4BF16AVX512(SB), NOSPLIT, $0-40
	SETUP1x4($1)

loop1bf:
	VMOVUPS (SI)(R14*4), Z16
	LOADBF((DI)(R14*2), Z20)
	LOADBF((R11)(R14*2), Z21)
	LOADBF((R12)(R14*2), Z22)
	LOADBF((R13)(R14*2), Z23)
	VFMADD231PS Z20, Z16, Z0
	VFMADD231PS Z21, Z16, Z1
	VFMADD231PS Z22, Z16, Z2
	VFMADD231PS Z23, Z16, Z3
	ADDQ        $16, R14
	CMPQ        R14, CX
	JLT         loop1bf

	REDUCE4
	VZEROUPPER
	RET

// func pvAVX512(out *float32, p *float32, v *float32, ldv int, t int, d int)
// For each 64-float column block: keep out's block in Z0..Z3 and add
// p[tt]·v[tt][block] for every tt; d is a multiple of 64.
TEXT ·pvAVX512(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ p+8(FP), SI
	MOVQ v+16(FP), R8
	MOVQ ldv+24(FP), BX
	MOVQ t+32(FP), CX
	MOVQ d+40(FP), DX
	SHLQ $2, BX
	XORQ R9, R9 // column offset in elements

cols:
	VMOVUPS (DI)(R9*4), Z0
	VMOVUPS 64(DI)(R9*4), Z1
	VMOVUPS 128(DI)(R9*4), Z2
	VMOVUPS 192(DI)(R9*4), Z3
	LEAQ    (R8)(R9*4), R10 // v row pointer at this column block
	XORQ    R11, R11

rows:
	VBROADCASTSS (SI)(R11*4), Z4
	VFMADD231PS  (R10), Z4, Z0
	VFMADD231PS  64(R10), Z4, Z1
	VFMADD231PS  128(R10), Z4, Z2
	VFMADD231PS  192(R10), Z4, Z3
	ADDQ         BX, R10
	INCQ         R11
	CMPQ         R11, CX
	JLT          rows

	VMOVUPS Z0, (DI)(R9*4)
	VMOVUPS Z1, 64(DI)(R9*4)
	VMOVUPS Z2, 128(DI)(R9*4)
	VMOVUPS Z3, 192(DI)(R9*4)
	ADDQ    $64, R9
	CMPQ    R9, DX
	JLT     cols

	VZEROUPPER
	RET
