//go:build amd64 && !purego

package peak

import "golang.org/x/sys/cpu"

// AVX-512F is enough for every zmm instruction used here; x/sys/cpu also
// checks that the OS saves the zmm state.
var (
	haveAVX512 = cpu.X86.HasAVX512F
	haveAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	haveBF16   = haveAVX512 && cpu.X86.HasAVX512BF16
)

// The assembly sums n floats, n a positive multiple of its block (128 for
// zmm: 8 accumulators × 16 lanes; 64 for ymm).
//
//go:noescape
func sumAVX512(x *float32, n int) float32

//go:noescape
func sumAVX2(x *float32, n int) float32

// The assembly runs n ≥ 1 iterations of acc = acc·a + b on 24 zmm (or 12
// ymm) accumulators and returns the sum of all their lanes.
func fmaAVX512(n int, a, b float32) float32
func fmaAVX2(n int, a, b float32) float32

// The assembly runs n ≥ 1 iterations of 24 VDPBF16PS (acc += a·b over
// the bf16 pairs a and b) and returns the sum of all lanes.
func dotBF16AVX512(n int, a, b uint32) float32

func sumAVX512Slice(x []float32) float32 {
	n := len(x) &^ 127
	var s float32
	if n > 0 {
		s = sumAVX512(&x[0], n)
	}
	return s + sumGo(x[n:])
}

func sumAVX2Slice(x []float32) float32 {
	n := len(x) &^ 63
	var s float32
	if n > 0 {
		s = sumAVX2(&x[0], n)
	}
	return s + sumGo(x[n:])
}

func sumAsm() []SumKernel {
	var ks []SumKernel
	if haveAVX512 {
		ks = append(ks, SumKernel{Name: "avx512", sum: sumAVX512Slice})
	}
	if haveAVX2 {
		ks = append(ks, SumKernel{Name: "avx2", sum: sumAVX2Slice})
	}
	return ks
}

func fmaAsm() []FMAKernel {
	var ks []FMAKernel
	if haveAVX512 {
		ks = append(ks, FMAKernel{Name: "avx512", Lanes: 16, Accs: 24, run: fmaAVX512})
	}
	if haveAVX2 {
		ks = append(ks, FMAKernel{Name: "avx2", Lanes: 8, Accs: 12, run: fmaAVX2})
	}
	return ks
}

func dotAsm() []DotKernel {
	if !haveBF16 {
		return nil
	}
	return []DotKernel{{Name: "avx512bf16", Lanes: 16, Accs: 24, run: dotBF16AVX512}}
}
