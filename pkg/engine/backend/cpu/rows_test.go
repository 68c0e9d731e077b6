package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRowKernelsMatchGoTwins: the element-wise row kernels (assembly where
// the machine has it) against their Go twins, bit for bit, at lengths on
// and off the assembly's steps; the words past a row's end stay untouched.
// The sum of squares is also held to the float64 sum, so that the twins
// cannot agree on a wrong answer.
func TestRowKernelsMatchGoTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	f32 := func(n int) []float32 { return randSlice(r, n) }
	same := func(name string, n int, got, want []float32) {
		t.Helper()
		for j := range got {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("%s n=%d [%d] = %g, twin %g", name, n, j, got[j], want[j])
			}
		}
	}
	for _, n := range []int{1, 15, 16, 17, 63, 64, 128, 130, 1024, 3072} {
		x, w := f32(n), f32(n)
		got, want := sumSquares(x), sumSquaresGo(x)
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("sumSquares n=%d = %g, twin %g", n, got, want)
		}
		var exact float64
		for _, v := range x {
			exact += float64(v) * float64(v)
		}
		if math.Abs(float64(got)-exact) > float64(n)*1.2e-7*exact {
			t.Fatalf("sumSquares n=%d = %g, exact %g", n, got, exact)
		}

		// One spare word past each row, which nobody may write.
		const guard = float32(-7.25)
		y1, y2 := append(make([]float32, n), guard), append(make([]float32, n), guard)
		scaleMul(y1[:n], x, w, 0.37)
		scaleMulGo(y2[:n], x, w, 0.37)
		same("scaleMul", n, y1, y2)
		if y1[n] != guard || y1[0] != x[0]*0.37*w[0] {
			t.Fatalf("scaleMul n=%d: y[0] = %g (want %g), guard %g", n, y1[0], x[0]*0.37*w[0], y1[n])
		}

		a, b := f32(n), f32(n)
		addRow(y1[:n], a, b)
		addRowGo(y2[:n], a, b)
		same("addRow", n, y1, y2)
		if y1[n] != guard || y1[n-1] != a[n-1]+b[n-1] {
			t.Fatalf("addRow n=%d: last %g (want %g), guard %g", n, y1[n-1], a[n-1]+b[n-1], y1[n])
		}

		cs, sn := make([]float32, n), make([]float32, n)
		for j := range cs {
			s, c := math.Sincos(float64(j) * 0.1)
			cs[j], sn[j] = float32(c), float32(s)
		}
		r1, r2 := append(f32(2*n), guard), make([]float32, 2*n+1)
		copy(r2, r1)
		orig := append([]float32(nil), r1...)
		ropeRow(r1[:2*n], cs, sn)
		ropeRowGo(r2[:2*n], cs, sn)
		same("ropeRow", n, r1, r2)
		// A rotation keeps each pair's length.
		for j := range n {
			before := math.Hypot(float64(orig[j]), float64(orig[j+n]))
			after := math.Hypot(float64(r1[j]), float64(r1[j+n]))
			if math.Abs(before-after) > 1e-6*(1+before) {
				t.Fatalf("ropeRow n=%d pair %d: length %g -> %g", n, j, before, after)
			}
		}
		if r1[2*n] != guard {
			t.Fatalf("ropeRow n=%d wrote past the row", n)
		}
	}
}
