package cpu

// ArgmaxRows implements backend.Argmaxer: the rows split over the workers,
// each scanned by argmaxRow. A greedy batch-32 decode step of Qwen3-0.6B
// scans 32 × 151,936 logits; four scalar maxima per row took about 1.1 ms
// of a 110 ms step.
func (c *CPU) ArgmaxRows(out []int32, rows [][]float32) {
	c.parallel(len(rows), 1, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			if rows[i] != nil {
				out[i] = int32(argmaxRow(rows[i]))
			}
		}
	})
}

// argmaxGo is the first index of the largest value of x, as one scan
// finds it: a NaN never wins, and a NaN at index 0 is never beaten (0).
func argmaxGo(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}
