package cpu

import "math"

// exp in float32, shared by the softmax and SiLU, as the EXP macro in
// exp_amd64.s computes it; expf is its pure-Go twin.
//
// x = n·ln2 + r with n = round-to-even(x·log2e) (x·log2e rounded to
// float32 in both), |r| <= ln2/2 plus that rounding. exp(r) is Cephes'
// expf polynomial (coefficients from cephes/single/expf.c) by Horner, and
// 2^n is applied exactly. The assembly does this in float32 with FMAs
// (ln2 split in a float32 head, whose product with n is exact, and its
// residual); the twin in float64, which is 4-5× faster in Go than
// float32(math.FMA(...)) at every step. So the two agree except where
// the float32 rounding of the assembly's steps tips the last bit.
// Measured against math.Exp over every 1e-4 step of [-87, 88]: the
// assembly's relative error is at most 7.34e-8 (0.88 ulp of the float32
// nearest e^x), the twin's 6.0e-8 (0.5 ulp), and they differ by at most
// 1 ulp (TestExpfAccuracy).
const (
	log2e float32 = math.Log2E

	expC7 = 1.9875691500e-4
	expC6 = 1.3981999507e-3
	expC5 = 8.3334519073e-3
	expC4 = 4.1665795894e-2
	expC3 = 1.6666665459e-1
	expC2 = 5.0000001201e-1

	// expLo is ln(2^-126): below it exp is subnormal, and it is flushed to
	// 0 rather than computed (the old scalar expf did the same from -87.3).
	// That also keeps n >= -126.
	expLo float32 = -87.33654
	// expHi clamps large inputs (and +Inf) to a value whose exp already
	// overflows to +Inf (ln(MaxFloat32) = 88.7228), so r stays finite and
	// n <= 128.
	expHi float32 = 88.8
)

// expf returns e^x in float32: 0 below expLo (and for -Inf), +Inf above
// ln(MaxFloat32) (and for +Inf), NaN for NaN.
func expf(x float32) float32 {
	if x < expLo {
		return 0
	}
	if x != x {
		return x
	}
	x = min(x, expHi)
	n := math.RoundToEven(float64(x * log2e))
	r := float64(x) - n*math.Ln2
	p := ((((((expC7*r+expC6)*r+expC5)*r+expC4)*r+expC3)*r+expC2)*r+1)*r + 1
	// 2^n is a normal float64 for n in [-126, 128], so only the
	// conversion rounds (to +Inf past MaxFloat32).
	return float32(p * math.Float64frombits(uint64(int64(n)+1023)<<52))
}

// expsGo replaces each x by expf(x).
func expsGo(x []float32) {
	for i, v := range x {
		x[i] = expf(v)
	}
}

// softmaxRowGo turns scores into probabilities: p = exp((s - max)·scale)
// normalized to sum 1.
func softmaxRowGo(p []float32, scale float32) {
	mx := float32(math.Inf(-1))
	for _, v := range p {
		mx = max(mx, v)
	}
	var sum float32
	for i, v := range p {
		e := expf((v - mx) * scale)
		p[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range p {
		p[i] *= inv
	}
}

// siluMulRowGo sets out[j] = silu(g[j])·u[j] = g/(1+exp(-g))·u.
func siluMulRowGo(out, g, u []float32) {
	g, u = g[:len(out)], u[:len(out)]
	for j := range out {
		out[j] = g[j] / (1 + expf(-g[j])) * u[j]
	}
}
