//go:build !purego

#include "textflag.h"

#include "kernels_amd64.h"

#include "kernels_bf16_amd64.h"

// PREFETCH_KIB(r): ask for the 16 lines (1 KiB) at r.
#define PREFETCH_KIB(r) \
	PREFETCHT0 0(r); \
	PREFETCHT0 64(r); \
	PREFETCHT0 128(r); \
	PREFETCHT0 192(r); \
	PREFETCHT0 256(r); \
	PREFETCHT0 320(r); \
	PREFETCHT0 384(r); \
	PREFETCHT0 448(r); \
	PREFETCHT0 512(r); \
	PREFETCHT0 576(r); \
	PREFETCHT0 640(r); \
	PREFETCHT0 704(r); \
	PREFETCHT0 768(r); \
	PREFETCHT0 832(r); \
	PREFETCHT0 896(r); \
	PREFETCHT0 960(r)

// SB2_STEP: four dimension pairs of two query rows (SI and R10, pair
// R14 on) against 16 keys (key pair rows DI, R13, DI+R9, R13+R9):
// scoresBBAVX512's two-row step.
#define SB2_STEP \
	VMOVDQU16 (DI), Z20; \
	VPBROADCASTD 0(SI)(R14*4), Z16; \
	DP_00; \
	VPBROADCASTD 0(R10)(R14*4), Z17; \
	DP_01; \
	VMOVDQU16 (R13), Z21; \
	VPBROADCASTD 4(SI)(R14*4), Z16; \
	DP_10; \
	VPBROADCASTD 4(R10)(R14*4), Z17; \
	DP_11; \
	VMOVDQU16 (DI)(R9*1), Z22; \
	VPBROADCASTD 8(SI)(R14*4), Z16; \
	DP_20; \
	VPBROADCASTD 8(R10)(R14*4), Z17; \
	DP_21; \
	VMOVDQU16 (R13)(R9*1), Z23; \
	VPBROADCASTD 12(SI)(R14*4), Z16; \
	DP_30; \
	VPBROADCASTD 12(R10)(R14*4), Z17; \
	DP_31

// SUM_ROWS01: the score kernels' four partial sums of rows 0 and 1,
// (Z0+Z4)+(Z8+Z12) into Z0 and (Z1+Z5)+(Z9+Z13) into Z1, in the order of
// their Go twins.
#define SUM_ROWS01 \
	VADDPS Z4, Z0, Z0; \
	VADDPS Z12, Z8, Z8; \
	VADDPS Z8, Z0, Z0; \
	VADDPS Z5, Z1, Z1; \
	VADDPS Z13, Z9, Z9; \
	VADDPS Z9, Z1, Z1

// PV2W_PAIR: one value-pair row of 128 columns (R10) times the
// probability pairs R11 of two rows (SI and R12) into Z0..Z7 and Z8..Z15:
// pvBB2WAVX512's step.
#define PV2W_PAIR \
	VPBROADCASTD (SI)(R11*4), Z16; \
	VPBROADCASTD (R12)(R11*4), Z17; \
	VMOVDQU16    0(R10), Z20; \
	VMOVDQU16    64(R10), Z21; \
	VMOVDQU16    128(R10), Z22; \
	VMOVDQU16    192(R10), Z23; \
	VMOVDQU16    256(R10), Z24; \
	VMOVDQU16    320(R10), Z25; \
	VMOVDQU16    384(R10), Z26; \
	VMOVDQU16    448(R10), Z27; \
	PX_0; \
	PX_8; \
	PX_1; \
	PX_9; \
	PX_2; \
	PX_10; \
	PX_3; \
	PX_11; \
	PX_4; \
	PX_12; \
	PX_5; \
	PX_13; \
	PX_6; \
	PX_14; \
	PX_7; \
	PX_15

// LOAD_O2(a, b) and STORE_O2(a, b): the value kernels' two output rows of
// 128 columns, a and b, into and out of Z0..Z7 and Z8..Z15.
#define LOAD_O2(a, b) \
	VMOVUPS 0(a), Z0; \
	VMOVUPS 64(a), Z1; \
	VMOVUPS 128(a), Z2; \
	VMOVUPS 192(a), Z3; \
	VMOVUPS 256(a), Z4; \
	VMOVUPS 320(a), Z5; \
	VMOVUPS 384(a), Z6; \
	VMOVUPS 448(a), Z7; \
	VMOVUPS 0(b), Z8; \
	VMOVUPS 64(b), Z9; \
	VMOVUPS 128(b), Z10; \
	VMOVUPS 192(b), Z11; \
	VMOVUPS 256(b), Z12; \
	VMOVUPS 320(b), Z13; \
	VMOVUPS 384(b), Z14; \
	VMOVUPS 448(b), Z15

#define STORE_O2(a, b) \
	VMOVUPS Z0, 0(a); \
	VMOVUPS Z1, 64(a); \
	VMOVUPS Z2, 128(a); \
	VMOVUPS Z3, 192(a); \
	VMOVUPS Z4, 256(a); \
	VMOVUPS Z5, 320(a); \
	VMOVUPS Z6, 384(a); \
	VMOVUPS Z7, 448(a); \
	VMOVUPS Z8, 0(b); \
	VMOVUPS Z9, 64(b); \
	VMOVUPS Z10, 128(b); \
	VMOVUPS Z11, 192(b); \
	VMOVUPS Z12, 256(b); \
	VMOVUPS Z13, 320(b); \
	VMOVUPS Z14, 384(b); \
	VMOVUPS Z15, 448(b)

// The attention kernels over the KV store's layouts (attention.go); their
// Go twins are in kernels_attn.go.

// func scoresFFAVX512(s *float32, lds int, q *float32, ldq int, k *float32, ldk int, d int, rows int)
// Scores of rows (1..4) query rows against 16 transposed keys
// (scoresFFGo). d must be a positive multiple of 4: four steps of one
// dimension each run on their own accumulators, as scoresBBAVX512.
TEXT ·scoresFFAVX512(SB), NOSPLIT, $0-64
	MOVQ s+0(FP), DX
	MOVQ lds+8(FP), R8
	MOVQ q+16(FP), SI
	MOVQ ldq+24(FP), R9
	MOVQ k+32(FP), DI
	MOVQ ldk+40(FP), BX
	MOVQ d+48(FP), CX
	MOVQ rows+56(FP), AX
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, BX
	LEAQ (SI)(R9*1), R10
	LEAQ (R10)(R9*1), R11
	LEAQ (R11)(R9*1), R12
	LEAQ (DI)(BX*1), R13 // key rows of steps 1, 2, 3: R13, DI+2·BX, R13+2·BX
	LEAQ (BX)(BX*1), R9 // 2·BX (ldq is no longer needed)
	XORQ R14, R14
	ZERO16
	CMPQ AX, $4
	JEQ  sf4
	CMPQ AX, $3
	JEQ  sf3
	CMPQ AX, $2
	JEQ  sf2

sf1:
	VMOVUPS (DI), Z20
	VBROADCASTSS 0(SI)(R14*4), Z16
	VFMADD231PS Z16, Z20, Z0
	VMOVUPS (R13), Z21
	VBROADCASTSS 4(SI)(R14*4), Z16
	VFMADD231PS Z16, Z21, Z4
	VMOVUPS (DI)(R9*1), Z22
	VBROADCASTSS 8(SI)(R14*4), Z16
	VFMADD231PS Z16, Z22, Z8
	VMOVUPS (R13)(R9*1), Z23
	VBROADCASTSS 12(SI)(R14*4), Z16
	VFMADD231PS Z16, Z23, Z12
	LEAQ (DI)(BX*4), DI
	LEAQ (R13)(BX*4), R13
	ADDQ $4, R14
	CMPQ R14, CX
	JLT  sf1
	JMP  sfst1

sf2:
	VMOVUPS (DI), Z20
	VBROADCASTSS 0(SI)(R14*4), Z16
	VFMADD231PS Z16, Z20, Z0
	VBROADCASTSS 0(R10)(R14*4), Z17
	VFMADD231PS Z17, Z20, Z1
	VMOVUPS (R13), Z21
	VBROADCASTSS 4(SI)(R14*4), Z16
	VFMADD231PS Z16, Z21, Z4
	VBROADCASTSS 4(R10)(R14*4), Z17
	VFMADD231PS Z17, Z21, Z5
	VMOVUPS (DI)(R9*1), Z22
	VBROADCASTSS 8(SI)(R14*4), Z16
	VFMADD231PS Z16, Z22, Z8
	VBROADCASTSS 8(R10)(R14*4), Z17
	VFMADD231PS Z17, Z22, Z9
	VMOVUPS (R13)(R9*1), Z23
	VBROADCASTSS 12(SI)(R14*4), Z16
	VFMADD231PS Z16, Z23, Z12
	VBROADCASTSS 12(R10)(R14*4), Z17
	VFMADD231PS Z17, Z23, Z13
	LEAQ (DI)(BX*4), DI
	LEAQ (R13)(BX*4), R13
	ADDQ $4, R14
	CMPQ R14, CX
	JLT  sf2
	JMP  sfst2

sf3:
	VMOVUPS (DI), Z20
	VBROADCASTSS 0(SI)(R14*4), Z16
	VFMADD231PS Z16, Z20, Z0
	VBROADCASTSS 0(R10)(R14*4), Z17
	VFMADD231PS Z17, Z20, Z1
	VBROADCASTSS 0(R11)(R14*4), Z18
	VFMADD231PS Z18, Z20, Z2
	VMOVUPS (R13), Z21
	VBROADCASTSS 4(SI)(R14*4), Z16
	VFMADD231PS Z16, Z21, Z4
	VBROADCASTSS 4(R10)(R14*4), Z17
	VFMADD231PS Z17, Z21, Z5
	VBROADCASTSS 4(R11)(R14*4), Z18
	VFMADD231PS Z18, Z21, Z6
	VMOVUPS (DI)(R9*1), Z22
	VBROADCASTSS 8(SI)(R14*4), Z16
	VFMADD231PS Z16, Z22, Z8
	VBROADCASTSS 8(R10)(R14*4), Z17
	VFMADD231PS Z17, Z22, Z9
	VBROADCASTSS 8(R11)(R14*4), Z18
	VFMADD231PS Z18, Z22, Z10
	VMOVUPS (R13)(R9*1), Z23
	VBROADCASTSS 12(SI)(R14*4), Z16
	VFMADD231PS Z16, Z23, Z12
	VBROADCASTSS 12(R10)(R14*4), Z17
	VFMADD231PS Z17, Z23, Z13
	VBROADCASTSS 12(R11)(R14*4), Z18
	VFMADD231PS Z18, Z23, Z14
	LEAQ (DI)(BX*4), DI
	LEAQ (R13)(BX*4), R13
	ADDQ $4, R14
	CMPQ R14, CX
	JLT  sf3
	JMP  sfst3

sf4:
	VMOVUPS (DI), Z20
	VBROADCASTSS 0(SI)(R14*4), Z16
	VFMADD231PS Z16, Z20, Z0
	VBROADCASTSS 0(R10)(R14*4), Z17
	VFMADD231PS Z17, Z20, Z1
	VBROADCASTSS 0(R11)(R14*4), Z18
	VFMADD231PS Z18, Z20, Z2
	VBROADCASTSS 0(R12)(R14*4), Z19
	VFMADD231PS Z19, Z20, Z3
	VMOVUPS (R13), Z21
	VBROADCASTSS 4(SI)(R14*4), Z16
	VFMADD231PS Z16, Z21, Z4
	VBROADCASTSS 4(R10)(R14*4), Z17
	VFMADD231PS Z17, Z21, Z5
	VBROADCASTSS 4(R11)(R14*4), Z18
	VFMADD231PS Z18, Z21, Z6
	VBROADCASTSS 4(R12)(R14*4), Z19
	VFMADD231PS Z19, Z21, Z7
	VMOVUPS (DI)(R9*1), Z22
	VBROADCASTSS 8(SI)(R14*4), Z16
	VFMADD231PS Z16, Z22, Z8
	VBROADCASTSS 8(R10)(R14*4), Z17
	VFMADD231PS Z17, Z22, Z9
	VBROADCASTSS 8(R11)(R14*4), Z18
	VFMADD231PS Z18, Z22, Z10
	VBROADCASTSS 8(R12)(R14*4), Z19
	VFMADD231PS Z19, Z22, Z11
	VMOVUPS (R13)(R9*1), Z23
	VBROADCASTSS 12(SI)(R14*4), Z16
	VFMADD231PS Z16, Z23, Z12
	VBROADCASTSS 12(R10)(R14*4), Z17
	VFMADD231PS Z17, Z23, Z13
	VBROADCASTSS 12(R11)(R14*4), Z18
	VFMADD231PS Z18, Z23, Z14
	VBROADCASTSS 12(R12)(R14*4), Z19
	VFMADD231PS Z19, Z23, Z15
	LEAQ (DI)(BX*4), DI
	LEAQ (R13)(BX*4), R13
	ADDQ $4, R14
	CMPQ R14, CX
	JLT  sf4
	JMP  sfst4

sfst1:
	VADDPS Z4, Z0, Z0
	VADDPS Z12, Z8, Z8
	VADDPS Z8, Z0, Z0
	VMOVUPS Z0, (DX)
	VZEROUPPER
	RET

sfst2:
	SUM_ROWS01
	VMOVUPS Z0, (DX)
	ADDQ R8, DX
	VMOVUPS Z1, (DX)
	VZEROUPPER
	RET

sfst3:
	SUM_ROWS01
	VADDPS Z6, Z2, Z2
	VADDPS Z14, Z10, Z10
	VADDPS Z10, Z2, Z2
	VMOVUPS Z0, (DX)
	ADDQ R8, DX
	VMOVUPS Z1, (DX)
	ADDQ R8, DX
	VMOVUPS Z2, (DX)
	VZEROUPPER
	RET

sfst4:
	SUM_ROWS01
	VADDPS Z6, Z2, Z2
	VADDPS Z14, Z10, Z10
	VADDPS Z10, Z2, Z2
	VADDPS Z7, Z3, Z3
	VADDPS Z15, Z11, Z11
	VADDPS Z11, Z3, Z3
	VMOVUPS Z0, (DX)
	ADDQ R8, DX
	VMOVUPS Z1, (DX)
	ADDQ R8, DX
	VMOVUPS Z2, (DX)
	ADDQ R8, DX
	VMOVUPS Z3, (DX)
	VZEROUPPER
	RET

// func scoresBBAVX512(s *float32, lds int, q *uint16, ldq int, k *uint16, ldk int, d int, rows int)
// Scores of rows (1..4) bf16 query rows against 16 keys stored as
// dimension pairs (scoresBBGo). d/2 must be a positive multiple of 4:
// four steps of one pair each run on their own accumulators, Z(4u+r)
// for step u and row r, summed (Z0+Z4)+(Z8+Z12) at the end.
TEXT ·scoresBBAVX512(SB), NOSPLIT, $0-64
	MOVQ s+0(FP), DX
	MOVQ lds+8(FP), R8
	MOVQ q+16(FP), SI
	MOVQ ldq+24(FP), R9
	MOVQ k+32(FP), DI
	MOVQ ldk+40(FP), BX
	MOVQ d+48(FP), CX
	SHLQ $2, R8
	SHLQ $1, R9
	SHLQ $1, BX
	SHRQ $1, CX // pairs
	LEAQ (SI)(R9*1), R10
	LEAQ (R10)(R9*1), R11
	LEAQ (R11)(R9*1), R12
	LEAQ (DI)(BX*1), R13 // key rows of steps 1, 2, 3: R13, DI+2·BX, R13+2·BX
	LEAQ (BX)(BX*1), R9 // 2·BX (ldq is no longer needed)
	XORQ R14, R14
	ZERO16
	CMPQ rows+56(FP), $4
	JEQ  sb4
	CMPQ rows+56(FP), $3
	JEQ  sb3
	CMPQ rows+56(FP), $2
	JEQ  sb2

sb1:
	VMOVDQU16 (DI), Z20
	VPBROADCASTD 0(SI)(R14*4), Z16
	DP_00
	VMOVDQU16 (R13), Z21
	VPBROADCASTD 4(SI)(R14*4), Z16
	DP_10
	VMOVDQU16 (DI)(R9*1), Z22
	VPBROADCASTD 8(SI)(R14*4), Z16
	DP_20
	VMOVDQU16 (R13)(R9*1), Z23
	VPBROADCASTD 12(SI)(R14*4), Z16
	DP_30
	LEAQ (DI)(BX*4), DI
	LEAQ (R13)(BX*4), R13
	ADDQ $4, R14
	CMPQ R14, CX
	JLT  sb1
	JMP  sbst1

sb2:
	SB2_STEP
	LEAQ (DI)(BX*4), DI
	LEAQ (R13)(BX*4), R13
	ADDQ $4, R14
	CMPQ R14, CX
	JLT  sb2
	JMP  sbst2

sb3:
	VMOVDQU16 (DI), Z20
	VPBROADCASTD 0(SI)(R14*4), Z16
	DP_00
	VPBROADCASTD 0(R10)(R14*4), Z17
	DP_01
	VPBROADCASTD 0(R11)(R14*4), Z18
	DP_02
	VMOVDQU16 (R13), Z21
	VPBROADCASTD 4(SI)(R14*4), Z16
	DP_10
	VPBROADCASTD 4(R10)(R14*4), Z17
	DP_11
	VPBROADCASTD 4(R11)(R14*4), Z18
	DP_12
	VMOVDQU16 (DI)(R9*1), Z22
	VPBROADCASTD 8(SI)(R14*4), Z16
	DP_20
	VPBROADCASTD 8(R10)(R14*4), Z17
	DP_21
	VPBROADCASTD 8(R11)(R14*4), Z18
	DP_22
	VMOVDQU16 (R13)(R9*1), Z23
	VPBROADCASTD 12(SI)(R14*4), Z16
	DP_30
	VPBROADCASTD 12(R10)(R14*4), Z17
	DP_31
	VPBROADCASTD 12(R11)(R14*4), Z18
	DP_32
	LEAQ (DI)(BX*4), DI
	LEAQ (R13)(BX*4), R13
	ADDQ $4, R14
	CMPQ R14, CX
	JLT  sb3
	JMP  sbst3

sb4:
	VMOVDQU16 (DI), Z20
	VPBROADCASTD 0(SI)(R14*4), Z16
	DP_00
	VPBROADCASTD 0(R10)(R14*4), Z17
	DP_01
	VPBROADCASTD 0(R11)(R14*4), Z18
	DP_02
	VPBROADCASTD 0(R12)(R14*4), Z19
	DP_03
	VMOVDQU16 (R13), Z21
	VPBROADCASTD 4(SI)(R14*4), Z16
	DP_10
	VPBROADCASTD 4(R10)(R14*4), Z17
	DP_11
	VPBROADCASTD 4(R11)(R14*4), Z18
	DP_12
	VPBROADCASTD 4(R12)(R14*4), Z19
	DP_13
	VMOVDQU16 (DI)(R9*1), Z22
	VPBROADCASTD 8(SI)(R14*4), Z16
	DP_20
	VPBROADCASTD 8(R10)(R14*4), Z17
	DP_21
	VPBROADCASTD 8(R11)(R14*4), Z18
	DP_22
	VPBROADCASTD 8(R12)(R14*4), Z19
	DP_23
	VMOVDQU16 (R13)(R9*1), Z23
	VPBROADCASTD 12(SI)(R14*4), Z16
	DP_30
	VPBROADCASTD 12(R10)(R14*4), Z17
	DP_31
	VPBROADCASTD 12(R11)(R14*4), Z18
	DP_32
	VPBROADCASTD 12(R12)(R14*4), Z19
	DP_33
	LEAQ (DI)(BX*4), DI
	LEAQ (R13)(BX*4), R13
	ADDQ $4, R14
	CMPQ R14, CX
	JLT  sb4
	JMP  sbst4

sbst1:
	VADDPS Z4, Z0, Z0
	VADDPS Z12, Z8, Z8
	VADDPS Z8, Z0, Z0
	VMOVUPS Z0, (DX)
	VZEROUPPER
	RET

sbst2:
	SUM_ROWS01
	VMOVUPS Z0, (DX)
	ADDQ R8, DX
	VMOVUPS Z1, (DX)
	VZEROUPPER
	RET

sbst3:
	SUM_ROWS01
	VADDPS Z6, Z2, Z2
	VADDPS Z14, Z10, Z10
	VADDPS Z10, Z2, Z2
	VMOVUPS Z0, (DX)
	ADDQ R8, DX
	VMOVUPS Z1, (DX)
	ADDQ R8, DX
	VMOVUPS Z2, (DX)
	VZEROUPPER
	RET

sbst4:
	SUM_ROWS01
	VADDPS Z6, Z2, Z2
	VADDPS Z14, Z10, Z10
	VADDPS Z10, Z2, Z2
	VADDPS Z7, Z3, Z3
	VADDPS Z15, Z11, Z11
	VADDPS Z11, Z3, Z3
	VMOVUPS Z0, (DX)
	ADDQ R8, DX
	VMOVUPS Z1, (DX)
	ADDQ R8, DX
	VMOVUPS Z2, (DX)
	ADDQ R8, DX
	VMOVUPS Z3, (DX)
	VZEROUPPER
	RET

// func pvBBAVX512(o *float32, p *uint16, v *uint16, d int, pairs int)
// o[c] += bf16 probability pairs · value pair rows (pvBBGo), 64 columns
// at a time: accumulators Z0..Z3, the pair broadcast in Z4. d must be a
// positive multiple of 64, pairs positive.
TEXT ·pvBBAVX512(SB), NOSPLIT, $0-40
	MOVQ o+0(FP), DI
	MOVQ p+8(FP), SI
	MOVQ v+16(FP), R8
	MOVQ d+24(FP), DX
	MOVQ pairs+32(FP), CX
	LEAQ (DX*4), BX // a pair row: 2·d bf16
	XORQ R9, R9     // column

pvcols:
	VMOVUPS (DI)(R9*4), Z0
	VMOVUPS 64(DI)(R9*4), Z1
	VMOVUPS 128(DI)(R9*4), Z2
	VMOVUPS 192(DI)(R9*4), Z3
	LEAQ    (R8)(R9*4), R10 // column c of pair 0: 2·c bf16 in
	XORQ    R11, R11

pvpairs:
	VPBROADCASTD (SI)(R11*4), Z4
	VMOVDQU16    (R10), Z20
	VMOVDQU16    64(R10), Z21
	VMOVDQU16    128(R10), Z22
	VMOVDQU16    192(R10), Z23
	PV_0
	PV_1
	PV_2
	PV_3
	ADDQ         BX, R10
	INCQ         R11
	CMPQ         R11, CX
	JLT          pvpairs

	VMOVUPS Z0, (DI)(R9*4)
	VMOVUPS Z1, 64(DI)(R9*4)
	VMOVUPS Z2, 128(DI)(R9*4)
	VMOVUPS Z3, 192(DI)(R9*4)
	ADDQ    $64, R9
	CMPQ    R9, DX
	JLT     pvcols

	VZEROUPPER
	RET
// func pvBB2AVX512(o *float32, ldo int, p *uint16, ldp int, v *uint16, d int, pairs int)
// pvBBAVX512 for two rows sharing each value load: rows o and o+ldo,
// probabilities p and p+ldp; accumulators Z0..Z3 and Z8..Z11, pair
// broadcasts Z4 and Z5.
TEXT ·pvBB2AVX512(SB), NOSPLIT, $0-56
	MOVQ o+0(FP), DI
	MOVQ ldo+8(FP), AX
	MOVQ p+16(FP), SI
	MOVQ ldp+24(FP), R12
	MOVQ v+32(FP), R8
	MOVQ d+40(FP), DX
	MOVQ pairs+48(FP), CX
	LEAQ (DI)(AX*4), R13  // second output row
	LEAQ (SI)(R12*2), R12 // second probability row
	LEAQ (DX*4), BX       // a pair row: 2·d bf16
	XORQ R9, R9           // column

pv2cols:
	VMOVUPS (DI)(R9*4), Z0
	VMOVUPS 64(DI)(R9*4), Z1
	VMOVUPS 128(DI)(R9*4), Z2
	VMOVUPS 192(DI)(R9*4), Z3
	VMOVUPS (R13)(R9*4), Z8
	VMOVUPS 64(R13)(R9*4), Z9
	VMOVUPS 128(R13)(R9*4), Z10
	VMOVUPS 192(R13)(R9*4), Z11
	LEAQ    (R8)(R9*4), R10
	XORQ    R11, R11

pv2pairs:
	VPBROADCASTD (SI)(R11*4), Z4
	VPBROADCASTD (R12)(R11*4), Z5
	VMOVDQU16    (R10), Z20
	VMOVDQU16    64(R10), Z21
	VMOVDQU16    128(R10), Z22
	VMOVDQU16    192(R10), Z23
	PV_0
	PW_0
	PV_1
	PW_1
	PV_2
	PW_2
	PV_3
	PW_3
	ADDQ         BX, R10
	INCQ         R11
	CMPQ         R11, CX
	JLT          pv2pairs

	VMOVUPS Z0, (DI)(R9*4)
	VMOVUPS Z1, 64(DI)(R9*4)
	VMOVUPS Z2, 128(DI)(R9*4)
	VMOVUPS Z3, 192(DI)(R9*4)
	VMOVUPS Z8, (R13)(R9*4)
	VMOVUPS Z9, 64(R13)(R9*4)
	VMOVUPS Z10, 128(R13)(R9*4)
	VMOVUPS Z11, 192(R13)(R9*4)
	ADDQ    $64, R9
	CMPQ    R9, DX
	JLT     pv2cols

	VZEROUPPER
	RET

// func pvBB2WAVX512(o *float32, ldo int, p *uint16, ldp int, v *uint16, d int, pairs int)
// pvBB2AVX512 over 128 columns at a time, pairs in the outer loop: each
// value-pair row's 512 bytes (at d = 128) are read in one sequential pass,
// where 64-column blocks read every row twice, half at a time, and met the
// memory's latency twice. Accumulators Z0..Z7 and Z8..Z15, pair
// broadcasts Z16 and Z17, values Z20..Z27. d must be a positive multiple
// of 128.
TEXT ·pvBB2WAVX512(SB), NOSPLIT, $0-56
	MOVQ o+0(FP), DI
	MOVQ ldo+8(FP), AX
	MOVQ p+16(FP), SI
	MOVQ ldp+24(FP), R12
	MOVQ v+32(FP), R8
	MOVQ d+40(FP), DX
	MOVQ pairs+48(FP), CX
	LEAQ (DI)(AX*4), R13  // second output row
	LEAQ (SI)(R12*2), R12 // second probability row
	LEAQ (DX*4), BX       // a pair row: 2·d bf16
	XORQ R9, R9           // column

pvwcols:
	LEAQ    (DI)(R9*4), R14 // this column group of the two output rows
	LEAQ    (R13)(R9*4), R15
	LOAD_O2(R14, R15)
	LEAQ    (R8)(R9*4), R10
	XORQ    R11, R11

pvwpairs:
	PV2W_PAIR
	ADDQ         BX, R10
	INCQ         R11
	CMPQ         R11, CX
	JLT          pvwpairs

	STORE_O2(R14, R15)
	ADDQ    $128, R9
	CMPQ    R9, DX
	JLT     pvwcols

	VZEROUPPER
	RET

// func pvBB2RunAVX512(o *float32, ldo int, p *uint16, ldp int, pstep int, v *uint16, tab *int, nblk int, pairs int)
// pvBB2WAVX512 at d = 128 over nblk ≥ 1 value blocks, the two output rows
// held in Z0..Z15 from the first block to the last: block i's value-pair
// rows start tab[i] values into v, and before it starts the block asks
// for the 1 KiB at tab[i+1] values into v (the next block's first rows;
// the table has nblk+1 entries); its probability pairs start i·pstep values into p
// (and ldp further for the second row); pairs ≥ 1 pair rows a block. The
// sums are those of one pvBB2WAVX512 call per block, in the same order.
TEXT ·pvBB2RunAVX512(SB), NOSPLIT, $0-72
	MOVQ o+0(FP), DI
	MOVQ ldo+8(FP), AX
	MOVQ p+16(FP), SI
	MOVQ ldp+24(FP), R12
	MOVQ pstep+32(FP), BX
	MOVQ v+40(FP), R8
	MOVQ tab+48(FP), DX
	MOVQ nblk+56(FP), CX
	MOVQ pairs+64(FP), R9
	LEAQ (DI)(AX*4), R13 // second output row
	LEAQ (SI)(R12*2), R12 // the second row's probabilities
	SHLQ $1, BX          // pstep in bytes
	LOAD_O2(DI, R13)

prblk:
	MOVQ 8(DX), R10
	LEAQ (R8)(R10*2), R10
	PREFETCH_KIB(R10)
	MOVQ 0(DX), R10
	LEAQ (R8)(R10*2), R10 // the block's first value-pair row
	XORQ R11, R11

prpairs:
	PV2W_PAIR
	ADDQ         $512, R10
	INCQ         R11
	CMPQ         R11, R9
	JLT          prpairs

	ADDQ $8, DX
	ADDQ BX, SI
	ADDQ BX, R12
	DECQ CX
	JNZ  prblk

	STORE_O2(DI, R13)
	VZEROUPPER
	RET

// func scoresBB2RunAVX512(s *float32, lds int, q *uint16, ldq int, k *uint16, ldk int, d int, tab *int, nblk int)
// scoresBBAVX512 for two query rows over nblk ≥ 1 blocks of 16 keys: block
// i's keys start tab[i] values into k, and before it starts the block
// asks for the 1 KiB at tab[i+1] values into k (the table has nblk+1
// entries); its scores go to s[16i:] and s[lds+16i:]. The
// sums are those of one scoresBBAVX512 call per block.
TEXT ·scoresBB2RunAVX512(SB), NOSPLIT, $0-72
	MOVQ s+0(FP), DX
	MOVQ lds+8(FP), R8
	MOVQ q+16(FP), SI
	MOVQ ldq+24(FP), R9
	MOVQ ldk+40(FP), BX
	MOVQ d+48(FP), CX
	MOVQ tab+56(FP), R11
	MOVQ nblk+64(FP), R12
	SHLQ $2, R8
	SHLQ $1, R9
	SHLQ $1, BX
	SHRQ $1, CX          // pairs
	LEAQ (SI)(R9*1), R10 // the second query row
	LEAQ (BX)(BX*1), R9  // 2·BX

sbrblk:
	MOVQ 8(R11), DI
	SHLQ $1, DI
	ADDQ k+32(FP), DI
	PREFETCH_KIB(DI)
	MOVQ 0(R11), DI
	SHLQ $1, DI
	ADDQ k+32(FP), DI    // the block's first key pair row
	LEAQ (DI)(BX*1), R13
	XORQ R14, R14
	ZERO16

sbr2:
	SB2_STEP
	LEAQ (DI)(BX*4), DI
	LEAQ (R13)(BX*4), R13
	ADDQ $4, R14
	CMPQ R14, CX
	JLT  sbr2

	SUM_ROWS01
	VMOVUPS Z0, (DX)
	VMOVUPS Z1, (DX)(R8*1)
	ADDQ    $64, DX
	ADDQ    $8, R11
	DECQ    R12
	JNZ     sbrblk
	VZEROUPPER
	RET
