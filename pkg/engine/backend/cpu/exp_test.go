package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps is the distance between two float32s in units in the last place
// (0 for equal bits, and for two NaNs).
func ulps(a, b float32) int64 {
	if a != a && b != b {
		return 0
	}
	ia, ib := int64(int32(math.Float32bits(a))), int64(int32(math.Float32bits(b)))
	if ia < 0 {
		ia = math.MinInt32 - ia
	}
	if ib < 0 {
		ib = math.MinInt32 - ib
	}
	if ia > ib {
		return ia - ib
	}
	return ib - ia
}

// expSweep is every 1e-4 step of [-87, 88] (1.75 M points), rounded to
// float32: the range where exp is a normal float32.
func expSweep() []float32 {
	xs := make([]float32, 1750001)
	for i := range xs {
		xs[i] = float32(-87 + float64(i)*1e-4)
	}
	return xs
}

// maxRelErr is the largest |got - e^x| / e^x, e^x in float64, and the
// largest error in units of the float32 ulp at e^x.
func maxRelErr(xs, got []float32) (rel float64, at float32, ulp float64) {
	for i, x := range xs {
		want := math.Exp(float64(x))
		d := math.Abs(float64(got[i]) - want)
		if e := d / want; e > rel {
			rel, at = e, x
		}
		w := float32(want)
		ulp = max(ulp, d/float64(math.Nextafter32(w, float32(math.Inf(1)))-w))
	}
	return rel, at, ulp
}

// TestExpfAccuracy: the twin and the kernel against math.Exp, within 1 ulp
// of the float32 nearest e^x and 1.3e-7 relative (2^-23 = 1.19e-7 is one
// ulp at the bottom of a binade), and within 1 ulp of each other.
// Measured: kernel 7.34e-8 (0.88 ulp), twin 5.95e-8 (0.51 ulp); they
// differ at 6% of the points, by 1 ulp.
func TestExpfAccuracy(t *testing.T) {
	xs := expSweep()
	twin, kern := make([]float32, len(xs)), make([]float32, len(xs))
	copy(twin, xs)
	copy(kern, xs)
	expsGo(twin)
	exps(kern)
	diff, most := 0, int64(0)
	for i := range twin {
		if d := ulps(twin[i], kern[i]); d > 0 {
			diff, most = diff+1, max(most, d)
		}
	}
	t.Logf("kernel and twin differ at %d of %d points, by at most %d ulp", diff, len(xs), most)
	if most > 1 {
		t.Errorf("kernel and twin differ by up to %d ulp, want <= 1", most)
	}
	for _, c := range []struct {
		name string
		got  []float32
	}{{"expf", twin}, {"exps", kern}} {
		e, at, u := maxRelErr(xs, c.got)
		t.Logf("%s: max relative error %.3g at x = %g (%.2f ulp) over %d points", c.name, e, at, u, len(xs))
		if e > 1.3e-7 || u > 1 {
			t.Errorf("%s: max relative error %.3g at x = %g (%.2f ulp), want <= 1.3e-7 and 1 ulp", c.name, e, at, u)
		}
	}
}

// expEdges are the inputs at and beyond the ends of the range.
var expEdges = []struct{ x, want float32 }{
	{float32(math.Inf(-1)), 0},
	{-math.MaxFloat32, 0},
	{-1e30, 0},
	{-104, 0},
	{-88, 0},
	{-87.33655, 0}, // just below expLo: flushed, not subnormal
	{0, 1},
	{float32(math.Copysign(0, -1)), 1},
	{1e-30, 1},
	{-1e-30, 1},
	{88.72284, float32(math.Inf(1))}, // just above ln(MaxFloat32)
	{88.8, float32(math.Inf(1))},
	{89, float32(math.Inf(1))},
	{1e30, float32(math.Inf(1))},
	{math.MaxFloat32, float32(math.Inf(1))},
	{float32(math.Inf(1)), float32(math.Inf(1))},
}

func TestExpfEdges(t *testing.T) {
	xs := make([]float32, len(expEdges)+1)
	for i, c := range expEdges {
		xs[i] = c.x
	}
	xs[len(expEdges)] = float32(math.NaN())
	got := append([]float32(nil), xs...)
	exps(got)
	for i, c := range expEdges {
		if g := expf(c.x); g != c.want {
			t.Errorf("expf(%g) = %g, want %g", c.x, g, c.want)
		}
		if got[i] != c.want {
			t.Errorf("exps(%g) = %g, want %g", c.x, got[i], c.want)
		}
	}
	if g := expf(float32(math.NaN())); g == g {
		t.Errorf("expf(NaN) = %g", g)
	}
	if g := got[len(expEdges)]; g == g {
		t.Errorf("exps(NaN) = %g", g)
	}
	// Just above expLo and just below overflow the result is finite and
	// close; at expLo itself it is about 2^-126.
	for _, x := range []float32{-87.33654, -87.3, 88.72283, 88.7} {
		got, want := float64(expf(x)), math.Exp(float64(x))
		if math.Abs(got-want) > 1.3e-7*want {
			t.Errorf("expf(%g) = %g, want %g", x, got, want)
		}
	}
}

// wildSlice mixes ordinary values with the edge inputs, so that edges land
// in full vectors and in masked tails.
func wildSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		if r.IntN(8) == 0 {
			s[i] = expEdges[r.IntN(len(expEdges))].x
			continue
		}
		s[i] = float32(r.Float64()*200 - 100)
	}
	return s
}

// sentinel is written past a row's end: the masked tails must leave it.
const sentinel = float32(-12345.5)

func padded(s []float32) []float32 {
	b := append(append([]float32(nil), s...), sentinel, sentinel, sentinel)
	return b[:len(s)]
}

func checkPad(t *testing.T, what string, s []float32) {
	t.Helper()
	for _, v := range s[len(s) : len(s)+3] {
		if v != sentinel {
			t.Fatalf("%s (n=%d): wrote past the end", what, len(s))
		}
	}
}

// TestExpKernelsMatchGoTwins: every length 0..70 (full vectors, masked
// tails, both), kernel against twin. exps is within 1 ulp of the twin
// (TestExpfAccuracy). In siluMulRow that ulp of e = exp(-g) reaches 1 + e
// whole when e dominates (g very negative), and 1 + e, the division and
// the multiply each round (half an ulp each, in either direction): 3 ulp. softmaxRow sums in 16 lanes, the twin in one, so 1/sum and every
// probability may differ by a few float32 roundings: 1e-6 relative.
func TestExpKernelsMatchGoTwins(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512: only the Go twins run here")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 71 {
		x := wildSlice(r, n)
		a, b := padded(x), append([]float32(nil), x...)
		exps(a)
		expsGo(b)
		checkPad(t, "exps", a)
		for i := range a {
			if d := ulps(a[i], b[i]); d > 1 {
				t.Errorf("exps(%g) (n=%d, i=%d) = %g, twin %g", x[i], n, i, a[i], b[i])
			}
		}

		g, u := wildSlice(r, n), randSlice(r, n)
		out, ref := padded(make([]float32, n)), make([]float32, n)
		siluMulRow(out, g, u)
		siluMulRowGo(ref, g, u)
		checkPad(t, "siluMulRow", out)
		for i := range out {
			if d := ulps(out[i], ref[i]); d > 3 {
				t.Errorf("siluMul(%g, %g) (n=%d) = %g, twin %g", g[i], u[i], n, out[i], ref[i])
			}
		}

		if n == 0 {
			continue
		}
		// Scores as attention sees them: finite, scaled by 1/sqrt(d).
		s := randSlice(r, n)
		for i := range s {
			s[i] *= 8
		}
		p, q := padded(s), append([]float32(nil), s...)
		softmaxRow(p, 0.125)
		softmaxRowGo(q, 0.125)
		checkPad(t, "softmaxRow", p)
		var sum float64
		for i := range p {
			sum += float64(p[i])
			if math.Abs(float64(p[i]-q[i])) > 1e-6*float64(q[i]) {
				t.Errorf("softmax (n=%d, i=%d) = %g, twin %g", n, i, p[i], q[i])
			}
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Errorf("softmax (n=%d) sums to %g", n, sum)
		}
	}
}

// TestSoftmaxRowMatchesFloat64 checks the twin (and through the test
// above, the kernel) against a float64 softmax, including rows where most
// scores are far below the max and flush to 0.
func TestSoftmaxRowMatchesFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 7, 16, 33, 300} {
		s := randSlice(r, n)
		for i := range s {
			s[i] *= 400 // spread wide: exp((s-max)/8) underflows for many
		}
		want := make([]float64, n)
		mx := math.Inf(-1)
		for _, v := range s {
			mx = math.Max(mx, float64(v))
		}
		var sum float64
		for i, v := range s {
			want[i] = math.Exp((float64(v) - mx) * 0.125)
			sum += want[i]
		}
		for _, row := range []func([]float32, float32){softmaxRow, softmaxRowGo} {
			p := append([]float32(nil), s...)
			row(p, 0.125)
			for i := range p {
				// Tiny probabilities are flushed to 0: an absolute 1e-30 floor.
				if d := math.Abs(float64(p[i]) - want[i]/sum); d > 1e-6*want[i]/sum+1e-30 {
					t.Fatalf("softmax (n=%d, i=%d) = %g, want %g", n, i, p[i], want[i]/sum)
				}
			}
		}
	}
}

func BenchmarkSoftmaxRow(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	s := randSlice(r, 256)
	p := make([]float32, len(s))
	for _, c := range []struct {
		name string
		f    func([]float32, float32)
	}{{"kernel", softmaxRow}, {"twin", softmaxRowGo}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				copy(p, s)
				c.f(p, 0.125)
			}
		})
	}
}

func BenchmarkSiluMulRow(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	g, u := randSlice(r, 3072), randSlice(r, 3072)
	out := make([]float32, len(g))
	for _, c := range []struct {
		name string
		f    func(out, g, u []float32)
	}{{"kernel", siluMulRow}, {"twin", siluMulRowGo}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.f(out, g, u)
			}
		})
	}
}
