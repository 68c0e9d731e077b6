package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func toBF(s []float32) []uint16 {
	b := make([]uint16, len(s))
	for i, v := range s {
		b[i] = ToBF16(v)
	}
	return b
}

// closeTo: the assembly sums in 16 lanes, the twin in 4 accumulators, so
// results differ by rounding only: a few ulps of the sum of |terms|, here
// bounded by 1e-5 relative to sqrt(k) (the terms are N(0,1) products).
func closeTo(t *testing.T, what string, got, want float32, k int) {
	t.Helper()
	if d := math.Abs(float64(got - want)); d > 1e-5*math.Sqrt(float64(k))*4 {
		t.Errorf("%s: assembly %g, Go %g", what, got, want)
	}
}

// TestKernelsMatchGoTwins checks every assembly kernel against its pure-Go
// twin, for fp32 and bf16 weights, with odd leading dimensions.
func TestKernelsMatchGoTwins(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512: only the Go kernels run here")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{16, 64, 1024} {
		ldx, ldw := k+16, k+32
		x := randSlice(r, 4*ldx)
		wf := randSlice(r, 4*ldw)
		for _, w := range []wrow{{f32: wf}, {bf16: toBF(wf)}} {
			var a, b [16]float32
			tile4x4(x, ldx, w, ldw, k, &a)
			tile4x4Go(x, ldx, w, ldw, k, &b)
			for i := range a {
				closeTo(t, "tile4x4", a[i], b[i], k)
			}
			var c, d [4]float32
			tile1x4(x, w, ldw, k, &c)
			tile1x4Go(x, w, ldw, k, &d)
			for i := range c {
				closeTo(t, "tile1x4", c[i], d[i], k)
			}
		}
	}
	for _, d := range []int{64, 128, 256} {
		n, ldv := 21, d+64
		p, v := randSlice(r, n), randSlice(r, n*ldv)
		a, b := randSlice(r, d), make([]float32, d)
		copy(b, a)
		pv(a, p, v, ldv, n, d)
		pvGo(b, p, v, ldv, n, d)
		for i := range a {
			closeTo(t, "pv", a[i], b[i], n)
		}
	}
}

func TestExpf(t *testing.T) {
	for x := float32(-100); x < 90; x += 0.01 {
		got, want := float64(expf(x)), math.Exp(float64(x))
		if want > 1e-37 && want < math.MaxFloat32 && math.Abs(got-want) > 3e-7*want {
			t.Fatalf("expf(%g) = %g, want %g", x, got, want)
		}
	}
}

func TestBF16RoundTrip(t *testing.T) {
	for _, c := range []struct {
		in   float32
		want float32
	}{{0, 0}, {1, 1}, {-2.5, -2.5}, {3.1415927, 3.140625}, {65504, 65536}} {
		if got := FromBF16(ToBF16(c.in)); got != c.want {
			t.Errorf("bf16(%g) = %g, want %g", c.in, got, c.want)
		}
	}
}
