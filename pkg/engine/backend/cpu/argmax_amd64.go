//go:build !purego

package cpu

// argmaxAVX512 scans x[:n] (n >= 64) in 64 lanes, each keeping the
// largest value it has seen (strictly larger replaces, so NaN never does)
// and its index, from x[0] at index 0; it writes the lanes to vals and
// idxs.
//
//go:noescape
func argmaxAVX512(x *float32, n int, vals *float32, idxs *int32)

// argmaxRow is argmaxGo's answer: in 64 lanes of AVX-512 for rows of 64
// values or more (n < 2³¹).
func argmaxRow(x []float32) int {
	if !haveAVX512 || len(x) < 64 || len(x) >= 1<<31 {
		return argmaxGo(x)
	}
	var v [64]float32
	var ix [64]int32
	argmaxAVX512(&x[0], len(x), &v[0], &ix[0])
	return argmaxLanes(v[:], ix[:])
}

// argmaxLanes reduces per-lane maxima and the index where each lane found
// its maximum to argmaxGo's answer: the largest value, the lowest index
// among equal ones. Lanes start from x[0] at index 0, so with a NaN there
// every lane is NaN at 0.
func argmaxLanes(v []float32, ix []int32) int {
	best := 0
	for l := 1; l < len(v); l++ {
		if v[l] > v[best] || (v[l] == v[best] && ix[l] < ix[best]) {
			best = l
		}
	}
	return int(ix[best])
}
