package peak

import (
	"flag"
	"fmt"
	"runtime"
	"testing"
)

// The array must be far larger than the last-level cache so that every
// pass comes from memory; scripts/bench/engine.sh uses 2 GiB.
var streamMiB = flag.Int("stream.mib", 2048, "BenchmarkStreamRead's array size in MiB")

// benchA, benchB: each accumulator converges to benchB/(1-benchA) = 1,
// far from overflow and denormals however long the run.
const (
	benchA   = 0.999
	benchB   = 0.001
	fmaIters = 1 << 20 // ≈ 4 ms per call on one zmm core at 3 GHz
)

var sink float32

// threadCounts: one core, then all of them.
func threadCounts() []int {
	if p := runtime.GOMAXPROCS(0); p > 1 {
		return []int{1, p}
	}
	return []int{1}
}

var stream []float32

func streamArray(b *testing.B) []float32 {
	n := *streamMiB << 20 / 4
	if len(stream) != n {
		stream = nil
		stream = StreamArray(n)
		b.ResetTimer()
	}
	return stream
}

// BenchmarkStreamRead reports GB/s (10⁹ bytes) of a full pass over the
// array.
func BenchmarkStreamRead(b *testing.B) {
	for _, k := range SumKernels() {
		for _, th := range threadCounts() {
			b.Run(fmt.Sprintf("%s/threads%d", k.Name, th), func(b *testing.B) {
				x := streamArray(b)
				for range b.N {
					sink += k.SumParallel(x, th)
				}
				bytes := float64(len(x)) * 4 * float64(b.N)
				b.ReportMetric(bytes/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}

// BenchmarkFMAPeak reports fp32 GFLOP/s, an FMA counting as two flops.
func BenchmarkFMAPeak(b *testing.B) {
	for _, k := range FMAKernels() {
		for _, th := range threadCounts() {
			b.Run(fmt.Sprintf("%s/threads%d", k.Name, th), func(b *testing.B) {
				for range b.N {
					sink += k.RunParallel(fmaIters, th, benchA, benchB)
				}
				flops := k.Flops(fmaIters) * float64(th) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkBF16DotPeak reports bf16 dot-product GFLOP/s (VDPBF16PS: per
// fp32 lane two products and two additions).
func BenchmarkBF16DotPeak(b *testing.B) {
	const one, small = 0x3f80, 0x3a80 // 1 and 2⁻¹⁰ in bf16
	for _, k := range DotKernels() {
		for _, th := range threadCounts() {
			b.Run(fmt.Sprintf("%s/threads%d", k.Name, th), func(b *testing.B) {
				for range b.N {
					sink += k.RunParallel(fmaIters, th, one<<16|one, small<<16|small)
				}
				flops := k.Flops(fmaIters) * float64(th) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
