//go:build !purego

#include "textflag.h"

DATA argmaxLane<>+0(SB)/4, $0
DATA argmaxLane<>+4(SB)/4, $1
DATA argmaxLane<>+8(SB)/4, $2
DATA argmaxLane<>+12(SB)/4, $3
DATA argmaxLane<>+16(SB)/4, $4
DATA argmaxLane<>+20(SB)/4, $5
DATA argmaxLane<>+24(SB)/4, $6
DATA argmaxLane<>+28(SB)/4, $7
DATA argmaxLane<>+32(SB)/4, $8
DATA argmaxLane<>+36(SB)/4, $9
DATA argmaxLane<>+40(SB)/4, $10
DATA argmaxLane<>+44(SB)/4, $11
DATA argmaxLane<>+48(SB)/4, $12
DATA argmaxLane<>+52(SB)/4, $13
DATA argmaxLane<>+56(SB)/4, $14
DATA argmaxLane<>+60(SB)/4, $15
GLOBL argmaxLane<>(SB), RODATA|NOPTR, $64

// func argmaxAVX512(x *float32, n int, vals *float32, idxs *int32)
//
// Four sets of 16 lanes (best values Z0, Z5, Z7, Z9; their indices Z1, Z6,
// Z8, Z10), 64 values an iteration, so that the four compare-and-keep
// chains overlap. Z2 holds the indices of the first 16 values of the
// iteration. A compare is GT_OQ (ordered, quiet): false where either side
// is NaN. What is left after the 64-value steps goes 16 at a time into the
// first set, the last 16 values (overlapping ones already seen, which
// changes nothing: an equal value never replaces) with their own indices.
TEXT ·argmaxAVX512(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ vals+16(FP), DI
	MOVQ idxs+24(FP), DX
	VBROADCASTSS (SI), Z0
	VMOVAPS Z0, Z5
	VMOVAPS Z0, Z7
	VMOVAPS Z0, Z9
	VPXORD Z1, Z1, Z1
	VPXORD Z6, Z6, Z6
	VPXORD Z8, Z8, Z8
	VPXORD Z10, Z10, Z10
	VMOVDQU32 argmaxLane<>(SB), Z2
	MOVL $16, AX
	VPBROADCASTD AX, Z11
	MOVL $32, AX
	VPBROADCASTD AX, Z12
	MOVL $48, AX
	VPBROADCASTD AX, Z13
	MOVL $64, AX
	VPBROADCASTD AX, Z3
	XORQ BX, BX
	MOVQ CX, R8
	ANDQ $-64, R8

am64:
	VMOVUPS (SI)(BX*4), Z4
	VMOVUPS 64(SI)(BX*4), Z14
	VMOVUPS 128(SI)(BX*4), Z15
	VMOVUPS 192(SI)(BX*4), Z16
	VCMPPS $0x1e, Z0, Z4, K1
	VCMPPS $0x1e, Z5, Z14, K2
	VCMPPS $0x1e, Z7, Z15, K3
	VCMPPS $0x1e, Z9, Z16, K4
	VMOVAPS Z4, K1, Z0
	VMOVAPS Z14, K2, Z5
	VMOVAPS Z15, K3, Z7
	VMOVAPS Z16, K4, Z9
	VPADDD Z2, Z11, Z17
	VPADDD Z2, Z12, Z18
	VPADDD Z2, Z13, Z19
	VMOVDQA32 Z2, K1, Z1
	VMOVDQA32 Z17, K2, Z6
	VMOVDQA32 Z18, K3, Z8
	VMOVDQA32 Z19, K4, Z10
	VPADDD Z3, Z2, Z2
	ADDQ $64, BX
	CMPQ BX, R8
	JLT  am64

am16:
	LEAQ 16(BX), AX
	CMPQ AX, CX
	JGT  amlast
	VMOVUPS (SI)(BX*4), Z4
	VCMPPS $0x1e, Z0, Z4, K1
	VMOVAPS Z4, K1, Z0
	VMOVDQA32 Z2, K1, Z1
	VPADDD Z11, Z2, Z2
	MOVQ AX, BX
	JMP  am16

amlast:
	CMPQ BX, CX
	JGE  amdone
	LEAQ -16(CX), BX
	VPBROADCASTD BX, Z2
	VMOVDQU32 argmaxLane<>(SB), Z17
	VPADDD Z17, Z2, Z2
	VMOVUPS (SI)(BX*4), Z4
	VCMPPS $0x1e, Z0, Z4, K1
	VMOVAPS Z4, K1, Z0
	VMOVDQA32 Z2, K1, Z1

amdone:
	VMOVUPS Z0, (DI)
	VMOVUPS Z5, 64(DI)
	VMOVUPS Z7, 128(DI)
	VMOVUPS Z9, 192(DI)
	VMOVDQU32 Z1, (DX)
	VMOVDQU32 Z6, 64(DX)
	VMOVDQU32 Z8, 128(DX)
	VMOVDQU32 Z10, 192(DX)
	VZEROUPPER
	RET
