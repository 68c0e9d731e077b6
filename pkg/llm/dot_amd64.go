//go:build amd64 && !purego

package llm

import "golang.org/x/sys/cpu"

// haveFMA selects the AVX2+FMA tile kernel (dot_amd64.s); without it, or
// with -tags purego, matmulRows uses gonum's Sdot alone.
var haveFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func dot2x4(w0, w1, x0, x1, x2, x3 *float32, k int, out *[64]float32)
