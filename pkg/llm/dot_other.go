//go:build !amd64 || purego

package llm

const haveFMA = false

func dot2x4(w0, w1, x0, x1, x2, x3 *float32, k int, out *[64]float32) {
	panic("llm: dot2x4 without AVX2")
}

func pv2x4(o0, o1 *float32, a *[8]float32, v0, v1, v2, v3 *float32, d int) {
	panic("llm: pv2x4 without AVX2")
}
