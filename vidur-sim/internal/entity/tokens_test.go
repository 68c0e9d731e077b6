package entity

import "testing"

// TestGrowTokens: a request gets empty arrays with room for the tokens it
// asked for, whether fresh or recycled, and a recycled pair comes back
// empty however full it was released.
func TestGrowTokens(t *testing.T) {
	for _, n := range []int{0, 1, 16, 17, 400, 1 << 15, 16<<15 + 1} {
		for round := range 2 {
			r := NewRequest(1, 0, 10, n)
			r.GrowTokens(n)
			if len(r.TokenTimes) != 0 || len(r.TokenBatch) != 0 || cap(r.TokenTimes) < n || cap(r.TokenBatch) < n {
				t.Fatalf("n %d round %d: len %d/%d cap %d/%d", n, round, len(r.TokenTimes), len(r.TokenBatch), cap(r.TokenTimes), cap(r.TokenBatch))
			}
			for i := range n {
				r.TokenTimes = append(r.TokenTimes, float64(i))
				r.TokenBatch = append(r.TokenBatch, i)
			}
			ReleaseTokens(r.TokenTimes, r.TokenBatch)
		}
	}
	// Arrays GrowTokens did not make are left alone.
	ReleaseTokens(make([]float64, 3, 20), make([]int, 3, 20))
	ReleaseTokens(make([]float64, 0, 32), make([]int, 0, 16))
	if c, size := tokenClass(20); c != 1 || size != 32 {
		t.Errorf("class of 20 tokens: %d (%d)", c, size)
	}
	if c, size := tokenClass(16); c != 0 || size != 16 {
		t.Errorf("class of 16 tokens: %d (%d)", c, size)
	}
}
