package cpu

import "math"

// The pure-Go twins of the bf16×bf16 kernels (kernels_bf16_amd64.s). They
// compute what VCVTNE2PS2BF16 and VDPBF16PS compute: inputs rounded to
// bf16, subnormal inputs read as zero, each product exact in fp32 (two
// 8-bit significands), the odd element of a pair added before the even
// one. Only the order of the lane sums differs from the assembly.

// roundBF16 rounds an activation to bf16 as VCVTNE2PS2BF16 does: nearest
// even, a subnormal becomes a zero of its sign, NaN stays a NaN.
func roundBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7f800000 == 0 {
		return uint16(b>>16) & 0x8000
	}
	return ToBF16(f)
}

// roundBF16Go: dst[i] = roundBF16(src[i]) for i < len(src).
func roundBF16Go(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = roundBF16(v)
	}
}

// widenDAZ widens a bf16 as VDPBF16PS reads it: subnormals are zero.
func widenDAZ(h uint16) float32 {
	if h&0x7f80 == 0 {
		h &= 0x8000
	}
	return FromBF16(h)
}

// dotBB returns x·w over k bf16 elements, pairwise as VDPBF16PS; an odd
// last element pairs with a zero, as the assembly's masked tail does.
func dotBB(x, w []uint16, k int) float32 {
	x, w = x[:k], w[:k]
	var s [4]float32
	i := 0
	for ; i+2 <= k; i += 2 {
		a := &s[(i/2)&3]
		*a += widenDAZ(x[i+1]) * widenDAZ(w[i+1])
		*a += widenDAZ(x[i]) * widenDAZ(w[i])
	}
	if i < k {
		s[0] += widenDAZ(x[i]) * widenDAZ(w[i])
	}
	return (s[0] + s[1]) + (s[2] + s[3])
}

// tile4x4BBGo: out[i*4+j] = x[i*ldx:]·w[j*ldw:] over k, for i, j < 4.
func tile4x4BBGo(x []uint16, ldx int, w []uint16, ldw, k int, out *[16]float32) {
	for i := range 4 {
		for j := range 4 {
			out[i*4+j] = dotBB(x[i*ldx:], w[j*ldw:], k)
		}
	}
}

// tile1x4BBGo: out[j] = x·w[j*ldw:] over k, for j < 4.
func tile1x4BBGo(x, w []uint16, ldw, k int, out *[4]float32) {
	for j := range 4 {
		out[j] = dotBB(x, w[j*ldw:], k)
	}
}
