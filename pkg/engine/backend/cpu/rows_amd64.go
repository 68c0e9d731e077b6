//go:build !purego

package cpu

//go:noescape
func sumSquaresAVX512(x *float32, n int) float32

//go:noescape
func scaleMulAVX512(y, x, w *float32, n int, s float32)

//go:noescape
func ropeAVX512(x, cs, sn *float32, half int)

//go:noescape
func addAVX512(y, a, b *float32, n int)

// The wrappers check bounds in Go, because the assembly trusts its
// arguments, and hand the assembly the whole vectors; the rest, if any,
// goes to the twin.

func sumSquares(x []float32) float32 {
	if !haveAVX512 || len(x) == 0 || len(x)%64 != 0 {
		return sumSquaresGo(x)
	}
	return sumSquaresAVX512(&x[0], len(x))
}

func scaleMul(y, x, w []float32, s float32) {
	n := len(y) &^ 15
	if !haveAVX512 || n == 0 {
		scaleMulGo(y, x, w, s)
		return
	}
	_, _ = x[len(y)-1], w[len(y)-1]
	scaleMulAVX512(&y[0], &x[0], &w[0], n, s)
	scaleMulGo(y[n:], x[n:], w[n:], s)
}

func ropeRow(x, cs, sn []float32) {
	half := len(cs)
	if !haveAVX512 || half == 0 || half%16 != 0 {
		ropeRowGo(x, cs, sn)
		return
	}
	_, _ = x[2*half-1], sn[half-1]
	ropeAVX512(&x[0], &cs[0], &sn[0], half)
}

func addRow(y, a, b []float32) {
	n := len(y) &^ 15
	if !haveAVX512 || n == 0 {
		addRowGo(y, a, b)
		return
	}
	_, _ = a[len(y)-1], b[len(y)-1]
	addAVX512(&y[0], &a[0], &b[0], n)
	addRowGo(y[n:], a[n:], b[n:])
}
