package cpu

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// TestSweepEnds checks the two-ended sweep: every index runs exactly once;
// worker 0 runs its indices in ascending order and the other worker in
// descending order; and a next index a worker names is the one it runs
// next, or one the other worker ran.
func TestSweepEnds(t *testing.T) {
	c, err := New(backend.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{2, 3, 7, 8, 9, 64, 257, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			for rep := range 20 {
				runs := make([]atomic.Int32, n)
				var spin atomic.Int64
				var seq [2][][2]int // per worker: (index, next) in call order
				c.sweep(n, 1, true, func(w, i, next int) {
					runs[i].Add(1)
					seq[w] = append(seq[w], [2]int{i, next})
					if rep%2 == 1 { // uneven work
						for k := 0; k < 200*(i%5); k++ {
							spin.Add(1)
						}
					}
				})
				for i := range runs {
					if r := runs[i].Load(); r != 1 {
						t.Fatalf("rep %d: index %d ran %d times", rep, i, r)
					}
				}
				for w, s := range seq {
					for k, e := range s {
						if e[1] < -1 || e[1] >= n {
							t.Fatalf("rep %d: worker %d named next %d outside [0,%d)", rep, w, e[1], n)
						}
						if k > 0 && (w == 0) != (e[0] > s[k-1][0]) {
							t.Fatalf("rep %d: worker %d ran %d after %d", rep, w, e[0], s[k-1][0])
						}
						// A named next is what the worker runs next, unless the
						// other worker claimed it first.
						if e[1] >= 0 && (k+1 == len(s) || s[k+1][0] != e[1]) && !ran(seq[1-w], e[1]) {
							t.Fatalf("rep %d: worker %d named %d next, which it did not run next and the other worker never ran", rep, w, e[1])
						}
					}
				}
			}
		})
	}
}

// ran says whether index i is among the indices of s.
func ran(s [][2]int, i int) bool {
	for _, e := range s {
		if e[0] == i {
			return true
		}
	}
	return false
}
