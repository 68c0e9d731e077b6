//go:build !purego

package cpu

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// haveBF16: VDPBF16PS and VCVTNE2PS2BF16 (AVX512_BF16), on top of the
// AVX-512 the other kernels need (the masked tails use BW).
var haveBF16 = haveAVX512 && cpu.X86.HasAVX512BF16

//go:noescape
func tile4x4BBAVX512(x *uint16, ldx int, w *uint16, ldw int, k int, out *[16]float32)

//go:noescape
func tile1x4BBAVX512(x *uint16, w *uint16, ldw int, k int, out *[4]float32)

//go:noescape
func roundBF16AVX512(dst *uint16, src *float32, n int)

// The wrappers check bounds once, in Go, because the assembly trusts its
// arguments.

func tile4x4BB(x []uint16, ldx int, w []uint16, ldw, k int, out *[16]float32) {
	if !haveBF16 || k == 0 {
		tile4x4BBGo(x, ldx, w, ldw, k, out)
		return
	}
	_ = x[3*ldx+k-1]
	_ = w[3*ldw+k-1]
	tile4x4BBAVX512(&x[0], ldx, &w[0], ldw, k, out)
}

func tile1x4BB(x, w []uint16, ldw, k int, out *[4]float32) {
	if !haveBF16 || k == 0 {
		tile1x4BBGo(x, w, ldw, k, out)
		return
	}
	_ = x[k-1]
	_ = w[3*ldw+k-1]
	tile1x4BBAVX512(&x[0], &w[0], ldw, k, out)
}

// roundBF16s rounds src into dst[:len(src)]: the assembly over whole
// 32-float steps, the Go twin (same rounding) over the rest.
func roundBF16s(dst []uint16, src []float32) {
	n := len(src)
	dst = dst[:n]
	v := 0
	if haveBF16 {
		v = n &^ 31
	}
	if v > 0 {
		roundBF16AVX512(&dst[0], &src[0], v)
	}
	roundBF16Go(dst[v:], src[v:])
}

//go:noescape
func prefetchAVX512(p *byte, n int)

// prefetch16 asks for bf16 data ahead of its use (the weight rows of a
// one-row product, matmul_bf16.go).
func prefetch16(x []uint16) {
	if len(x) > 0 {
		prefetchAVX512((*byte)(unsafe.Pointer(&x[0])), 2*len(x))
	}
}
