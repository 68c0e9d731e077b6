//go:build !purego

package cpu

//go:noescape
func expsAVX512(x *float32, n int)

//go:noescape
func softmaxAVX512(p *float32, n int, scale float32)

//go:noescape
func siluMulAVX512(out, gate, up *float32, n int)

// exps replaces each x by e^x (expf).
func exps(x []float32) {
	if !haveAVX512 || len(x) == 0 {
		expsGo(x)
		return
	}
	expsAVX512(&x[0], len(x))
}

// softmaxRow turns one row of scores into probabilities, exp((s -
// max)·scale) normalized; the row is not empty.
func softmaxRow(p []float32, scale float32) {
	if !haveAVX512 || len(p) == 0 {
		softmaxRowGo(p, scale)
		return
	}
	softmaxAVX512(&p[0], len(p), scale)
}

// siluMulRow sets out[j] = silu(g[j])·u[j]; the assembly trusts its
// arguments, so the bounds are checked here.
func siluMulRow(out, g, u []float32) {
	n := len(out)
	if !haveAVX512 || n == 0 {
		siluMulRowGo(out, g, u)
		return
	}
	_, _ = g[n-1], u[n-1]
	siluMulAVX512(&out[0], &g[0], &u[0], n)
}
