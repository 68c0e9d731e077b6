package cpu

// Go twins of the row kernels in rows_amd64.s, used where the assembly
// does not run (purego, no AVX-512, lengths off its steps) and as the
// reference of its tests. Every product is converted to float32 before it
// is summed, so that no compiler fuses it into a multiply-add and the
// twins keep the assembly's bits.

// sumSquaresGo is Σ x[i]², summed on 64 lanes (lane i%64 takes x[i]) that
// are then folded: the four groups of 16 as (g0+g1)+(g2+g3), and that
// vector half onto half down to one value. The assembly sums in the same
// order, so both give the same bits.
func sumSquaresGo(x []float32) float32 {
	var lanes [64]float32
	for i, v := range x {
		lanes[i%64] += float32(v * v)
	}
	var v [16]float32
	for l := range 16 {
		v[l] = (lanes[l] + lanes[16+l]) + (lanes[32+l] + lanes[48+l])
	}
	for w := 8; w >= 1; w /= 2 {
		for l := range w {
			v[l] += v[l+w]
		}
	}
	return v[0]
}

// scaleMulGo sets y[j] = x[j]·s·w[j].
func scaleMulGo(y, x, w []float32, s float32) {
	x, w = x[:len(y)], w[:len(y)]
	for j, v := range x {
		y[j] = float32(v*s) * w[j]
	}
}

// ropeRowGo rotates the pairs (x[j], x[j+half]), half = len(cs), by the
// angles with cosines cs and sines sn.
func ropeRowGo(x, cs, sn []float32) {
	half := len(cs)
	x1, x2, sn := x[:half], x[half:2*half], sn[:half]
	for j, c := range cs {
		a, b := x1[j], x2[j]
		x1[j] = float32(a*c) - float32(b*sn[j])
		x2[j] = float32(b*c) + float32(a*sn[j])
	}
}

// addRowGo sets y[j] = a[j] + b[j].
func addRowGo(y, a, b []float32) {
	a, b = a[:len(y)], b[:len(y)]
	for j := range y {
		y[j] = a[j] + b[j]
	}
}
