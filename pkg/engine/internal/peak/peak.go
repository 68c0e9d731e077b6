package peak

import (
	"runtime"
	"sync"
)

// SumKernel is one way of summing a float32 slice.
type SumKernel struct {
	Name string // "avx512", "avx2" or "go"
	sum  func(x []float32) float32
}

// FMAKernel is one fused multiply-add loop: Accs independent accumulators
// of Lanes fp32 lanes each, every one updated acc = acc·a + b per
// iteration.
type FMAKernel struct {
	Name  string
	Lanes int
	Accs  int
	run   func(n int, a, b float32) float32
}

// chunk bounds the floats one assembly call sums (256 KiB). Go cannot
// preempt a goroutine inside assembly, so a single call over 2 GiB would
// hold up the garbage collector's stop-the-world for the whole pass.
const chunk = 1 << 16

// Sum returns the sum of x. The order of the additions depends on the
// kernel, so kernels agree only up to rounding on arbitrary inputs.
func (k SumKernel) Sum(x []float32) float32 {
	var s float32
	for len(x) > chunk {
		s += k.sum(x[:chunk])
		x = x[chunk:]
	}
	return s + k.sum(x)
}

// SumParallel sums x with threads goroutines, each over one contiguous
// part; part boundaries fall on 4 KiB so no two goroutines share a page.
func (k SumKernel) SumParallel(x []float32, threads int) float32 {
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	const align = 1024 // floats in 4 KiB
	per := (len(x)/threads + align - 1) / align * align
	parts := make([]float32, threads)
	var wg sync.WaitGroup
	for t := range threads {
		lo := min(t*per, len(x))
		hi := min(lo+per, len(x))
		if t == threads-1 {
			hi = len(x)
		}
		wg.Go(func() { parts[t] = k.Sum(x[lo:hi]) })
	}
	wg.Wait()
	var s float32
	for _, p := range parts {
		s += p
	}
	return s
}

// Run performs n iterations (n ≥ 1) and returns the sum over every lane of
// every accumulator, so the work cannot be discarded and can be checked.
func (k FMAKernel) Run(n int, a, b float32) float32 {
	if n < 1 {
		return 0
	}
	return k.run(n, a, b)
}

// RunParallel runs n iterations on each of threads goroutines at once.
func (k FMAKernel) RunParallel(n, threads int, a, b float32) float32 {
	return onThreads(threads, func() float32 { return k.Run(n, a, b) })
}

// onThreads runs f on threads goroutines at once (GOMAXPROCS when
// threads < 1) and returns the sum of their results.
func onThreads(threads int, f func() float32) float32 {
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	parts := make([]float32, threads)
	var wg sync.WaitGroup
	for t := range threads {
		wg.Go(func() { parts[t] = f() })
	}
	wg.Wait()
	var s float32
	for _, p := range parts {
		s += p
	}
	return s
}

// Flops is the floating-point operations of Run(n): an FMA counts as two.
func (k FMAKernel) Flops(n int) float64 { return 2 * float64(k.Lanes) * float64(k.Accs) * float64(n) }

// SumKernels lists the sum kernels this CPU can run, widest first; the
// last is always the pure-Go one.
func SumKernels() []SumKernel {
	return append(sumAsm(), SumKernel{Name: "go", sum: sumGo})
}

// FMAKernels lists the FMA kernels this CPU can run, widest first; the last
// is always the pure-Go one.
func FMAKernels() []FMAKernel {
	return append(fmaAsm(), FMAKernel{Name: "go", Lanes: 1, Accs: 8, run: fmaGo})
}

// DotKernel runs bf16 dot-product instructions (two bf16 products added
// into each fp32 lane) on independent accumulators: the bf16 matmul
// kernels' peak.
type DotKernel struct {
	Name        string
	Lanes, Accs int
	run         func(n int, a, b uint32) float32
}

// Run performs n iterations (n ≥ 1) with the bf16 pairs a and b (the low
// half of each is the first element) and returns the sum over every lane
// of every accumulator.
func (k DotKernel) Run(n int, a, b uint32) float32 {
	if n < 1 {
		return 0
	}
	return k.run(n, a, b)
}

// RunParallel runs n iterations on each of threads goroutines at once.
func (k DotKernel) RunParallel(n, threads int, a, b uint32) float32 {
	return onThreads(threads, func() float32 { return k.Run(n, a, b) })
}

// Flops is the floating-point operations of Run(n): each lane does two
// products and two additions per instruction.
func (k DotKernel) Flops(n int) float64 { return 4 * float64(k.Lanes) * float64(k.Accs) * float64(n) }

// DotKernels lists the bf16 dot-product kernels this CPU can run (none
// without AVX512_BF16; there is no pure-Go twin, as it would not measure
// anything).
func DotKernels() []DotKernel { return dotAsm() }
