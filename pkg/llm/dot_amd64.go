//go:build amd64 && !purego

package llm

import "golang.org/x/sys/cpu"

// haveFMA selects the AVX2+FMA tile kernel (dot_amd64.s); without it, or
// with -tags purego, matmulRows uses gonum's Sdot alone.
var haveFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func dot2x4(w0, w1, x0, x1, x2, x3 *float32, k int, out *[64]float32)

//go:noescape
func pv2x4(o0, o1 *float32, a *[8]float32, v0, v1, v2, v3 *float32, d int)
