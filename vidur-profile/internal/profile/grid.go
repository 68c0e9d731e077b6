package profile

// TokenGrid is Vidur's num_tokens list (vidur-semantics.md §5.6): {1,2,4} ∪
// 8..1016 step 8 ∪ 1024..2048 step 16 ∪ 2048..4096 step 32 ∪ 4096..8192
// step 64 ∪ 8192..16384 step 128 ∪ 16384..32768 step 256, capped at max.
// step (when > 1) keeps every step-th point beyond the first three, for
// a quick profile; the largest point ≤ max is always kept, so the
// simulator never has to extrapolate up to it.
func TokenGrid(max, step int) []int {
	var all []int
	for _, v := range []int{1, 2, 4} {
		all = append(all, v)
	}
	ranges := [][3]int{{8, 1024, 8}, {1024, 2048, 16}, {2048, 4096, 32}, {4096, 8192, 64}, {8192, 16384, 128}, {16384, 32768 + 1, 256}}
	for _, r := range ranges {
		for v := r[0]; v < r[1]; v += r[2] {
			all = append(all, v)
		}
	}
	var out []int
	for i, v := range all {
		if v > max {
			break
		}
		if step <= 1 || i < 3 || (i-3)%step == 0 {
			out = append(out, v)
		}
	}
	if len(out) > 0 && out[len(out)-1] != capAt(all, max) {
		out = append(out, capAt(all, max))
	}
	return out
}

func capAt(all []int, max int) int {
	last := 0
	for _, v := range all {
		if v > max {
			break
		}
		last = v
	}
	return last
}

// LengthGrid is Vidur's attention length list: 32..1024 step 32 ∪
// 1024..4096 step 64, below max (vidur-semantics.md §5.6), thinned by step.
func LengthGrid(max, step int) []int {
	var all []int
	for v := 32; v < 1024 && v < max; v += 32 {
		all = append(all, v)
	}
	for v := 1024; v < max; v += 64 {
		all = append(all, v)
	}
	return thin(all, step)
}

// BatchGrid is 1..maxBatch, thinned by step beyond 8 (small batches are
// where decode time bends).
func BatchGrid(maxBatch, step int) []int {
	var out []int
	for b := 1; b <= maxBatch; b++ {
		if b <= 8 || step <= 1 || b%step == 0 || b == maxBatch {
			out = append(out, b)
		}
	}
	return out
}

func thin(all []int, step int) []int {
	if step <= 1 || len(all) == 0 {
		return all
	}
	var out []int
	for i, v := range all {
		if i%step == 0 || i == len(all)-1 {
			out = append(out, v)
		}
	}
	return out
}
