//go:build !purego

#include "textflag.h"

// Row kernels of the element-wise operators (elementwise.go): RMS norm's
// sum of squares and scaling, rotary embedding, addition. Their Go twins
// are in rows.go and give the same bits: products and sums are rounded
// one at a time (no fused multiply-add) and the sum of squares runs on the
// twin's 64 lanes and folding order.

// func sumSquaresAVX512(x *float32, n int) float32
// n must be a positive multiple of 64: lane l of accumulator a sums the
// squares at 64i+16a+l; then (Z0+Z1)+(Z2+Z3) and halves fold onto halves.
TEXT ·sumSquaresAVX512(SB), NOSPLIT, $0-20
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	XORQ   AX, AX

ssloop:
	VMOVUPS (SI)(AX*4), Z4
	VMOVUPS 64(SI)(AX*4), Z5
	VMOVUPS 128(SI)(AX*4), Z6
	VMOVUPS 192(SI)(AX*4), Z7
	VMULPS  Z4, Z4, Z4
	VMULPS  Z5, Z5, Z5
	VMULPS  Z6, Z6, Z6
	VMULPS  Z7, Z7, Z7
	VADDPS  Z4, Z0, Z0
	VADDPS  Z5, Z1, Z1
	VADDPS  Z6, Z2, Z2
	VADDPS  Z7, Z3, Z3
	ADDQ    $64, AX
	CMPQ    AX, CX
	JLT     ssloop

	VADDPS        Z1, Z0, Z0
	VADDPS        Z3, Z2, Z2
	VADDPS        Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF32X4 $1, Y0, X1
	VADDPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VADDPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VADDSS        X1, X0, X0
	MOVSS         X0, ret+16(FP)
	VZEROUPPER
	RET

// func scaleMulAVX512(y, x, w *float32, n int, s float32)
// y[j] = x[j]·s·w[j], n a positive multiple of 16.
TEXT ·scaleMulAVX512(SB), NOSPLIT, $0-36
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         w+16(FP), BX
	MOVQ         n+24(FP), CX
	VBROADCASTSS s+32(FP), Z3
	XORQ         AX, AX

smloop:
	VMOVUPS (SI)(AX*4), Z0
	VMULPS  Z3, Z0, Z0
	VMULPS  (BX)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, CX
	JLT     smloop
	VZEROUPPER
	RET

// func ropeAVX512(x, cs, sn *float32, half int)
// Rotates the pairs (x[j], x[j+half]) by the angles with cosines cs and
// sines sn: x1·c − x2·s and x2·c + x1·s. half a positive multiple of 16.
TEXT ·ropeAVX512(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), DI
	MOVQ cs+8(FP), SI
	MOVQ sn+16(FP), BX
	MOVQ half+24(FP), CX
	LEAQ (DI)(CX*4), DX // second half
	XORQ AX, AX

rploop:
	VMOVUPS (DI)(AX*4), Z0 // x1
	VMOVUPS (DX)(AX*4), Z1 // x2
	VMOVUPS (SI)(AX*4), Z2 // cos
	VMOVUPS (BX)(AX*4), Z3 // sin
	VMULPS  Z2, Z0, Z4
	VMULPS  Z3, Z1, Z5
	VSUBPS  Z5, Z4, Z4     // x1·c − x2·s
	VMULPS  Z2, Z1, Z6
	VMULPS  Z3, Z0, Z7
	VADDPS  Z7, Z6, Z6     // x2·c + x1·s
	VMOVUPS Z4, (DI)(AX*4)
	VMOVUPS Z6, (DX)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, CX
	JLT     rploop
	VZEROUPPER
	RET

// func addAVX512(y, a, b *float32, n int)
// y[j] = a[j] + b[j], n a positive multiple of 16.
TEXT ·addAVX512(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), BX
	MOVQ n+24(FP), CX
	XORQ AX, AX

adloop:
	VMOVUPS (SI)(AX*4), Z0
	VADDPS  (BX)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, CX
	JLT     adloop
	VZEROUPPER
	RET
