//go:build !purego

package cpu

import "golang.org/x/sys/cpu"

// haveAVX512: the kernels use F (zmm FMA), BW (vpmovzxwd on zmm, for bf16)
// and VL (128/256-bit EVEX forms in the reductions). x/sys/cpu also checks
// that the OS saves zmm state.
var haveAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL

//go:noescape
func tile4x4F32AVX512(x *float32, ldx int, w *float32, ldw int, k int, out *[16]float32)

//go:noescape
func tile4x4BF16AVX512(x *float32, ldx int, w *uint16, ldw int, k int, out *[16]float32)

//go:noescape
func tile1x4F32AVX512(x *float32, w *float32, ldw int, k int, out *[4]float32)

//go:noescape
func tile1x4BF16AVX512(x *float32, w *uint16, ldw int, k int, out *[4]float32)

//go:noescape
func pvAVX512(out *float32, p *float32, v *float32, ldv int, t int, d int)

// The wrappers check bounds once, in Go, because the assembly trusts its
// arguments; then pick assembly when k (or d) fits its vector width.

func tile4x4(x []float32, ldx int, w wrow, ldw, k int, out *[16]float32) {
	if !haveAVX512 || k%16 != 0 || k == 0 {
		tile4x4Go(x, ldx, w, ldw, k, out)
		return
	}
	_ = x[3*ldx+k-1]
	if w.f32 != nil {
		_ = w.f32[3*ldw+k-1]
		tile4x4F32AVX512(&x[0], ldx, &w.f32[0], ldw, k, out)
		return
	}
	_ = w.bf16[3*ldw+k-1]
	tile4x4BF16AVX512(&x[0], ldx, &w.bf16[0], ldw, k, out)
}

func tile1x4(x []float32, w wrow, ldw, k int, out *[4]float32) {
	if !haveAVX512 || k%16 != 0 || k == 0 {
		tile1x4Go(x, w, ldw, k, out)
		return
	}
	_ = x[k-1]
	if w.f32 != nil {
		_ = w.f32[3*ldw+k-1]
		tile1x4F32AVX512(&x[0], &w.f32[0], ldw, k, out)
		return
	}
	_ = w.bf16[3*ldw+k-1]
	tile1x4BF16AVX512(&x[0], &w.bf16[0], ldw, k, out)
}

func pv(out, p, v []float32, ldv, t, d int) {
	if !haveAVX512 || d%64 != 0 || t == 0 {
		pvGo(out, p, v, ldv, t, d)
		return
	}
	_ = out[d-1]
	_ = p[t-1]
	_ = v[(t-1)*ldv+d-1]
	pvAVX512(&out[0], &p[0], &v[0], ldv, t, d)
}
