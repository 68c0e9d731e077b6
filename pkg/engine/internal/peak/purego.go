package peak

// sumGo is the pure-Go sum: eight accumulators, so eight independent add
// chains are in flight instead of one.
func sumGo(x []float32) float32 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(x); i += 8 {
		v := x[i : i+8 : i+8]
		s0 += v[0]
		s1 += v[1]
		s2 += v[2]
		s3 += v[3]
		s4 += v[4]
		s5 += v[5]
		s6 += v[6]
		s7 += v[7]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

// fmaGo is the scalar twin of the FMA loops: acc = acc·a + b on eight
// accumulators, two flops each whether or not the compiler fuses them (on
// amd64 it does only with GOAMD64=v3). The accumulator feeds back into the
// multiply, so the compiler cannot hoist any of the work out of the loop.
func fmaGo(n int, a, b float32) float32 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	for range n {
		s0 = s0*a + b
		s1 = s1*a + b
		s2 = s2*a + b
		s3 = s3*a + b
		s4 = s4*a + b
		s5 = s5*a + b
		s6 = s6*a + b
		s7 = s7*a + b
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}
