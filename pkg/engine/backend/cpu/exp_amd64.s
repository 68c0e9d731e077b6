//go:build !purego

#include "textflag.h"

// Vector exp, 16 floats per zmm, and the two row kernels built on it (the
// attention softmax and SiluMul). expf in exp.go is the Go twin and says
// where the constants come from. Lengths need not be multiples of 16: the
// last partial vector is loaded and stored under K1, so masked-off lanes
// are neither read nor written.

DATA expconst<>+0(SB)/4, $0x3fb8aa3b  // log2e
DATA expconst<>+4(SB)/4, $0xbf317218  // -ln2Hi
DATA expconst<>+8(SB)/4, $0x3102e308  // -ln2Lo
DATA expconst<>+12(SB)/4, $0x39506967 // c7
DATA expconst<>+16(SB)/4, $0x3ab743ce // c6
DATA expconst<>+20(SB)/4, $0x3c088908 // c5
DATA expconst<>+24(SB)/4, $0x3d2aa9c1 // c4
DATA expconst<>+28(SB)/4, $0x3e2aaaaa // c3
DATA expconst<>+32(SB)/4, $0x3f000000 // c2 (0.5)
DATA expconst<>+36(SB)/4, $0x3f800000 // 1
DATA expconst<>+40(SB)/4, $0xc2aeac4f // expLo, -87.33654
DATA expconst<>+44(SB)/4, $0x42b1999a // expHi, 88.8
DATA expconst<>+48(SB)/4, $0xff800000 // -Inf
GLOBL expconst<>(SB), RODATA|NOPTR, $52

// The constants live in Z16..Z27 for the whole kernel.
#define LOADCONST \
	VBROADCASTSS expconst<>+0(SB), Z16;  \
	VBROADCASTSS expconst<>+4(SB), Z17;  \
	VBROADCASTSS expconst<>+8(SB), Z18;  \
	VBROADCASTSS expconst<>+12(SB), Z19; \
	VBROADCASTSS expconst<>+16(SB), Z20; \
	VBROADCASTSS expconst<>+20(SB), Z21; \
	VBROADCASTSS expconst<>+24(SB), Z22; \
	VBROADCASTSS expconst<>+28(SB), Z23; \
	VBROADCASTSS expconst<>+32(SB), Z24; \
	VBROADCASTSS expconst<>+36(SB), Z25; \
	VBROADCASTSS expconst<>+40(SB), Z26; \
	VBROADCASTSS expconst<>+44(SB), Z27

// EXP: P = exp(X); X and N are clobbered, K2 is scratch.
// K2 keeps the lanes with !(x < expLo), NaN included; the others are
// zeroed by the final VSCALEFPS, whatever was computed for them. VMINPS
// returns its second Intel source (X here) when either is NaN, so NaN
// stays NaN through the clamp, the rounding, the polynomial and the scale.
// VRNDSCALEPS $8: round to nearest even, precision exception suppressed.
// VSCALEFPS multiplies by 2^floor(N) exactly (N is already whole).
#define EXP(X, N, P) \
	VCMPPS      $5, Z26, X, K2; \
	VMINPS      X, Z27, X;      \
	VMULPS      Z16, X, N;      \
	VRNDSCALEPS $8, N, N;       \
	VFMADD231PS Z17, N, X;      \
	VFMADD231PS Z18, N, X;      \
	VMOVAPS     Z19, P;         \
	VFMADD213PS Z20, X, P;      \
	VFMADD213PS Z21, X, P;      \
	VFMADD213PS Z22, X, P;      \
	VFMADD213PS Z23, X, P;      \
	VFMADD213PS Z24, X, P;      \
	VFMADD213PS Z25, X, P;      \
	VFMADD213PS Z25, X, P;      \
	VSCALEFPS.Z N, P, K2, P

// TAILMASK: DX = n rounded down to a multiple of 16, K1 = the low n%16
// lanes (empty when n%16 is 0, which makes the tail code a no-op).
#define TAILMASK \
	MOVQ  CX, DX;   \
	ANDQ  $-16, DX; \
	ANDQ  $15, CX;  \
	MOVL  $1, AX;   \
	SHLL  CX, AX;   \
	DECL  AX;       \
	KMOVW AX, K1

// func expsAVX512(x *float32, n int)
TEXT ·expsAVX512(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	LOADCONST
	TAILMASK
	XORQ R14, R14
	CMPQ R14, DX
	JGE  etail

eloop:
	VMOVUPS (SI)(R14*4), Z0
	EXP(Z0, Z1, Z2)
	VMOVUPS Z2, (SI)(R14*4)
	ADDQ    $16, R14
	CMPQ    R14, DX
	JLT     eloop

etail:
	VMOVUPS.Z (SI)(R14*4), K1, Z0
	EXP(Z0, Z1, Z2)
	VMOVUPS   Z2, K1, (SI)(R14*4)
	VZEROUPPER
	RET

// func softmaxAVX512(p *float32, n int, scale float32)
// Three passes over the row (it is at most a few KB, so in L1): the max,
// then exp((s - max)·scale) stored and summed in 16 lanes, then a multiply
// by 1/sum. n > 0.
TEXT ·softmaxAVX512(SB), NOSPLIT, $0-20
	MOVQ         p+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS scale+16(FP), Z28
	LOADCONST
	TAILMASK

	// Pass 1: Z0 = lane-wise max; masked-off tail lanes keep -Inf.
	VBROADCASTSS expconst<>+48(SB), Z0
	XORQ         R14, R14
	CMPQ         R14, DX
	JGE          mtail

mloop:
	VMAXPS (SI)(R14*4), Z0, Z0
	ADDQ   $16, R14
	CMPQ   R14, DX
	JLT    mloop

mtail:
	VMOVUPS.Z     (SI)(R14*4), K1, Z1
	VMAXPS        Z1, Z0, K1, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPS        Y1, Y0, Y0
	VEXTRACTF32X4 $1, Y0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VMAXPS        X1, X0, X0
	VBROADCASTSS  X0, Z29

	// Pass 2: exp and the sum in Z30 (tail lanes masked out of both).
	VXORPS Z30, Z30, Z30
	XORQ   R14, R14
	CMPQ   R14, DX
	JGE    stail

sloop:
	VMOVUPS (SI)(R14*4), Z0
	VSUBPS  Z29, Z0, Z0
	VMULPS  Z28, Z0, Z0
	EXP(Z0, Z1, Z2)
	VMOVUPS Z2, (SI)(R14*4)
	VADDPS  Z2, Z30, Z30
	ADDQ    $16, R14
	CMPQ    R14, DX
	JLT     sloop

stail:
	VMOVUPS.Z     (SI)(R14*4), K1, Z0
	VSUBPS        Z29, Z0, Z0
	VMULPS        Z28, Z0, Z0
	EXP(Z0, Z1, Z2)
	VMOVUPS       Z2, K1, (SI)(R14*4)
	VADDPS        Z2, Z30, K1, Z30
	VEXTRACTF64X4 $1, Z30, Y1
	VADDPS        Y1, Y30, Y0
	VEXTRACTF32X4 $1, Y0, X1
	VADDPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VADDPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VADDPS        X1, X0, X0
	VDIVSS        X0, X25, X0
	VBROADCASTSS  X0, Z31

	// Pass 3: normalize.
	XORQ R14, R14
	CMPQ R14, DX
	JGE  ntail

nloop:
	VMULPS  (SI)(R14*4), Z31, Z0
	VMOVUPS Z0, (SI)(R14*4)
	ADDQ    $16, R14
	CMPQ    R14, DX
	JLT     nloop

ntail:
	VMOVUPS.Z (SI)(R14*4), K1, Z0
	VMULPS    Z31, Z0, Z0
	VMOVUPS   Z0, K1, (SI)(R14*4)
	VZEROUPPER
	RET

// func siluMulAVX512(out *float32, gate *float32, up *float32, n int)
// out = g / (1 + exp(-g)) · u, in that order of operations, as the twin.
// -g is 0 - g (exp(+0) = exp(-0), so the sign of a zero does not matter).
TEXT ·siluMulAVX512(SB), NOSPLIT, $0-32
	MOVQ   out+0(FP), DI
	MOVQ   gate+8(FP), SI
	MOVQ   up+16(FP), BX
	MOVQ   n+24(FP), CX
	LOADCONST
	TAILMASK
	VXORPS Z28, Z28, Z28
	XORQ   R14, R14
	CMPQ   R14, DX
	JGE    gtail

gloop:
	VMOVUPS (SI)(R14*4), Z0
	VSUBPS  Z0, Z28, Z3
	EXP(Z3, Z1, Z2)
	VADDPS  Z25, Z2, Z2
	VDIVPS  Z2, Z0, Z0
	VMULPS  (BX)(R14*4), Z0, Z0
	VMOVUPS Z0, (DI)(R14*4)
	ADDQ    $16, R14
	CMPQ    R14, DX
	JLT     gloop

gtail:
	VMOVUPS.Z (SI)(R14*4), K1, Z0
	VMOVUPS.Z (BX)(R14*4), K1, Z4
	VSUBPS    Z0, Z28, Z3
	EXP(Z3, Z1, Z2)
	VADDPS    Z25, Z2, Z2
	VDIVPS    Z2, Z0, Z0
	VMULPS    Z4, Z0, Z0
	VMOVUPS   Z0, K1, (DI)(R14*4)
	VZEROUPPER
	RET
