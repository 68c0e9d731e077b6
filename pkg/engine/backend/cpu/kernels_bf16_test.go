package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// u is fp32's unit roundoff.
const u = 1.0 / (1 << 24)

// bfSlice draws n values as bf16: small integers when exact (every product
// and partial sum is then an integer below 2^24, so any summation order
// gives the same fp32 result), else N(0,1) rounded.
func bfSlice(r *rand.Rand, n int, exact bool) []uint16 {
	s := make([]uint16, n)
	for i := range s {
		if exact {
			s[i] = roundBF16(float32(r.IntN(17) - 8))
		} else {
			s[i] = roundBF16(float32(r.NormFloat64()))
		}
	}
	return s
}

// dot64 returns x·w in float64 and Σ|x_l w_l|, the scale of any rounding.
func dot64(x, w []uint16, k int) (sum, abs float64) {
	for l := range k {
		p := float64(widenDAZ(x[l])) * float64(widenDAZ(w[l]))
		sum += p
		abs += math.Abs(p)
	}
	return sum, abs
}

// TestBF16KernelsMatchGoTwins: the VDPBF16PS tiles against their Go twins
// on k with and without a 32-element tail (odd ones too) and odd leading
// dimensions; the last w row ends at its slice's end, so the masked tail
// must not read past it. Integer inputs must agree exactly; N(0,1) inputs
// within the two summation orders' error bounds, (k/16+4)·u·Σ|p| for the
// assembly's 16 lanes and (k/8+2)·u·Σ|p| for the twin's 4 accumulators.
func TestBF16KernelsMatchGoTwins(t *testing.T) {
	if !haveBF16 {
		t.Skip("no AVX512_BF16: only the Go twins run here")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{1, 2, 15, 31, 32, 33, 64, 95, 1000, 1024} {
		for _, exact := range []bool{true, false} {
			ldx, ldw := k+3, k+5
			x := bfSlice(r, 3*ldx+k, exact)
			w := bfSlice(r, 3*ldw+k, exact)
			var a, b [16]float32
			tile4x4BB(x, ldx, w, ldw, k, &a)
			tile4x4BBGo(x, ldx, w, ldw, k, &b)
			for i := range a {
				_, abs := dot64(x[i/4*ldx:], w[i%4*ldw:], k)
				bfClose(t, "tile4x4BB", k, a[i], b[i], abs, exact)
			}
			var c, d [4]float32
			tile1x4BB(x[ldx:], w, ldw, k, &c)
			tile1x4BBGo(x[ldx:], w, ldw, k, &d)
			for j := range c {
				_, abs := dot64(x[ldx:], w[j*ldw:], k)
				bfClose(t, "tile1x4BB", k, c[j], d[j], abs, exact)
			}
		}
	}
}

func bfClose(t *testing.T, what string, k int, got, want float32, abs float64, exact bool) {
	t.Helper()
	tl := 0.0
	if !exact {
		tl = float64(k/16+4+k/8+2) * u * abs
	}
	if d := math.Abs(float64(got - want)); d > tl {
		t.Errorf("%s k=%d: assembly %g, Go %g (|Δ| %g > %g)", what, k, got, want, d, tl)
	}
}

// TestRoundBF16: the assembly's rounding (VCVTNE2PS2BF16) equals the Go
// twin bit for bit, on random values and on the cases that differ between
// roundings: ties, subnormals, overflow, infinities and NaNs. n is not a
// multiple of 32, so the Go tail runs too.
func TestRoundBF16(t *testing.T) {
	special := []uint32{
		0, 0x80000000, 1, 0x807fffff, 0x00800000, // zeros, subnormals, least normal
		0x3f808000, 0x3f818000, 0x3f80c000, 0x3f80ffff, // ties to even (down, up), above and below a tie
		0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, // overflow to ±inf, ±inf
		0x7fc00000, 0x7f800001, 0xffa00000, // quiet and signalling NaNs
	}
	r := rand.New(rand.NewPCG(5, 6))
	src := make([]float32, 3*32+7)
	for i := range src {
		if i < len(special) {
			src[i] = math.Float32frombits(special[i])
		} else {
			src[i] = math.Float32frombits(r.Uint32())
		}
	}
	got, want := make([]uint16, len(src)), make([]uint16, len(src))
	roundBF16s(got, src)
	roundBF16Go(want, src)
	for i := range src {
		if got[i] != want[i] {
			t.Errorf("round %#08x: %#04x, Go %#04x", math.Float32bits(src[i]), got[i], want[i])
		}
	}
	for _, c := range [][2]uint32{{0x3f808000, 0x3f80}, {0x3f818000, 0x3f82}, {0x00000001, 0x0000}, {0x807fffff, 0x8000}, {0x7f7fffff, 0x7f80}} {
		if g := roundBF16(math.Float32frombits(c[0])); g != uint16(c[1]) {
			t.Errorf("roundBF16(%#08x) = %#04x, want %#04x", c[0], g, c[1])
		}
	}
}

// TestDotBBMatchesFloat64: the twin is a dot product of the bf16 values
// with fp32 accumulation: within (k/8+2)·u·Σ|p| of the float64 sum.
func TestDotBBMatchesFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, k := range []int{1, 7, 64, 1001} {
		x, w := bfSlice(r, k, false), bfSlice(r, k, false)
		sum, abs := dot64(x, w, k)
		if d := math.Abs(float64(dotBB(x, w, k)) - sum); d > float64(k/8+2)*u*abs {
			t.Errorf("k=%d: dotBB off by %g", k, d)
		}
	}
}

// TestMatMulBF16Path: MatMul with bf16 weights and at least bf16MinRows
// rows (odd m, n and k, and k over several kChunks) computes x rounded to bf16 times w, accumulated in
// fp32: within (k/8+2)·u·Σ|p| of the float64 product of the rounded
// values. Against the unrounded x the error adds up to 2^-9·Σ|x_l w_l|
// (each x_l moves by at most half a bf16 ulp, 2^-9 relative). Without
// AVX512_BF16 the path is called directly, with the Go twins.
func TestMatMulBF16Path(t *testing.T) {
	c, err := New(backend.Options{WeightDType: "BF16"})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 10))
	for _, s := range [][3]int{{bf16MinRows, 8, 64}, {bf16MinRows + 5, 13, 45}, {2*bf16MinRows + 3, 40, 97}, {bf16MinRows + 1, 9, 2*kChunk + 45}} {
		m, n, k := s[0], s[1], s[2]
		xf := randSlice(r, m*k)
		wb := bfSlice(r, n*k, false)
		x := &Tensor{rows: m, cols: k, f32: xf}
		w := &Tensor{rows: n, cols: k, bf16: wb}
		y := &Tensor{rows: m, cols: n, f32: make([]float32, m*n)}
		if haveBF16 {
			c.MatMul(y, x, w)
		} else {
			c.matmulBF16(y, x, w)
		}
		xb := make([]uint16, m*k)
		roundBF16Go(xb, xf)
		for i := range m {
			for j := range n {
				sum, abs := dot64(xb[i*k:], wb[j*k:], k)
				got := float64(y.f32[i*n+j])
				if d := math.Abs(got - sum); d > float64(k/8+2)*u*abs {
					t.Fatalf("m=%d n=%d k=%d: y[%d][%d] = %g, bf16 reference %g", m, n, k, i, j, got, sum)
				}
				var exact, xabs float64
				for l := range k {
					p := float64(xf[i*k+l]) * float64(FromBF16(wb[j*k+l]))
					exact += p
					xabs += math.Abs(p)
				}
				if d := math.Abs(got - exact); d > math.Ldexp(xabs, -9)+float64(k/8+2)*u*abs {
					t.Fatalf("m=%d n=%d k=%d: y[%d][%d] = %g, fp32-activation reference %g", m, n, k, i, j, got, exact)
				}
			}
		}
	}
}
