package peak

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Small integers sum exactly in float32 in any order (every partial sum
// stays below 2²⁴), so every kernel must return exactly the same value.
func TestSumExact(t *testing.T) {
	lens := []int{0, 1, 7, 8, 63, 64, 65, 127, 128, 129, 255, 1000, 4096 + 13, chunk - 1, chunk, chunk + 129, 3*chunk + 77}
	for _, k := range SumKernels() {
		for _, n := range lens {
			x := make([]float32, n)
			want := 0
			for i := range x {
				v := i%7 - 3 + i%3
				x[i] = float32(v)
				want += v
			}
			if got := k.Sum(x); got != float32(want) {
				t.Errorf("%s: Sum of %d values = %v, want %d", k.Name, n, got, want)
			}
			for _, th := range []int{1, 2, 3, 5} {
				if got := k.SumParallel(x, th); got != float32(want) {
					t.Errorf("%s: SumParallel(%d values, %d threads) = %v, want %d", k.Name, n, th, got, want)
				}
			}
		}
	}
}

// Arbitrary values: every kernel within rounding of a float64 reference,
// and an offset start (the assembly must not assume alignment).
func TestSumMatchesFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 10007)
	for i := range x {
		x[i] = r.Float32()*2 - 1
	}
	for _, k := range SumKernels() {
		for _, off := range []int{0, 1, 3} {
			var ref, abs float64
			for _, v := range x[off:] {
				ref += float64(v)
				abs += math.Abs(float64(v))
			}
			got := float64(k.Sum(x[off:]))
			// n·ε·Σ|x| bounds any summation order's error (Higham, ch. 4).
			if tol := float64(len(x)) * 0x1p-24 * abs; math.Abs(got-ref) > tol {
				t.Errorf("%s, offset %d: Sum = %v, float64 reference %v (tolerance %g)", k.Name, off, got, ref, tol)
			}
		}
	}
}

// With a = 2, b = 1 each lane runs 1, 3, 7, …, 2ⁿ-1: exact in float32
// for small n, so the kernels and their pure-Go twin agree exactly.
func TestFMAExact(t *testing.T) {
	for _, k := range FMAKernels() {
		for _, n := range []int{1, 2, 5, 10} {
			lane := float32(int(1)<<n - 1)
			want := lane * float32(k.Lanes*k.Accs)
			if got := k.Run(n, 2, 1); got != want {
				t.Errorf("%s: Run(%d, 2, 1) = %v, want %v", k.Name, n, got, want)
			}
			if got := k.RunParallel(n, 3, 2, 1); got != 3*want {
				t.Errorf("%s: RunParallel(%d, 3 threads) = %v, want %v", k.Name, n, got, 3*want)
			}
		}
		// The benchmark's a, b settle at b/(1-a) = 1 per lane.
		got := k.Run(1<<16, benchA, benchB) / float32(k.Lanes*k.Accs)
		if math.Abs(float64(got)-1) > 1e-3 {
			t.Errorf("%s: benchmark constants give %v per lane, want about 1", k.Name, got)
		}
	}
}

func TestKernelLists(t *testing.T) {
	s, f := SumKernels(), FMAKernels()
	if s[len(s)-1].Name != "go" || f[len(f)-1].Name != "go" {
		t.Fatalf("the pure-Go kernels must come last: %v, %v", s, f)
	}
	if k := f[0]; k.Flops(10) != 2*float64(k.Lanes*k.Accs)*10 {
		t.Errorf("Flops(10) = %v", k.Flops(10))
	}
}

func ExampleFMAKernel_Flops() {
	k := FMAKernel{Name: "avx512", Lanes: 16, Accs: 24}
	fmt.Println(k.Flops(1))
	// Output: 768
}

// With a = (1, 1) and b = (1, 1) in bf16 every lane adds 2 per
// iteration: exact for small n.
func TestDotBF16Exact(t *testing.T) {
	const one = 0x3f80
	for _, k := range DotKernels() {
		for _, n := range []int{1, 2, 5, 100} {
			want := float32(2 * n * k.Lanes * k.Accs)
			if got := k.Run(n, one<<16|one, one<<16|one); got != want {
				t.Errorf("%s: Run(%d) = %v, want %v", k.Name, n, got, want)
			}
			if got := k.RunParallel(n, 3, one<<16|one, one<<16|one); got != 3*want {
				t.Errorf("%s: RunParallel(%d, 3 threads) = %v, want %v", k.Name, n, got, 3*want)
			}
		}
		// Only the first element of each pair set: (1, 0)·(1, 1) adds 1.
		if got, want := k.Run(3, one, one<<16|one), float32(3*k.Lanes*k.Accs); got != want {
			t.Errorf("%s: one product per pair: %v, want %v", k.Name, got, want)
		}
	}
}

// TestStreamArray: n floats, large (mapped) or small (the heap), each
// (i mod 1024)/1024, writable end to end.
func TestStreamArray(t *testing.T) {
	for _, n := range []int{0, 1, 1000, 3 << 20} {
		x := StreamArray(n)
		if len(x) != n {
			t.Fatalf("StreamArray(%d) has %d elements", n, len(x))
		}
		for i, v := range x {
			if want := float32(i%1024) / 1024; v != want {
				t.Fatalf("StreamArray(%d)[%d] = %g, want %g", n, i, v, want)
			}
			x[i] = float32(i)
		}
		if n > 0 && x[n-1] != float32(n-1) {
			t.Fatalf("StreamArray(%d): last element not written", n)
		}
	}
}
