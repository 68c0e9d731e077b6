package des

import (
	"math/rand/v2"
	"testing"
)

// TestSpec1_1_OrderByTimeThenCreation checks vidur-spec §1.1: the effective
// order is (time asc, creation id asc), whatever the push order.
func TestSpec1_1_OrderByTimeThenCreation(t *testing.T) {
	q := NewQueue[int](1)
	r := rand.New(rand.NewPCG(1, 1))
	const n = 2000
	for i := range n {
		q.Push(Time(r.IntN(50)), i) // many equal times
	}
	prev := Item[int]{Time: -1}
	for q.Len() > 0 {
		it := q.Pop()
		if it.Time < prev.Time || (it.Time == prev.Time && it.Seq <= prev.Seq) {
			t.Fatalf("out of order: (%v,%d) after (%v,%d)", it.Time, it.Seq, prev.Time, prev.Seq)
		}
		if it.Seq != Seq(it.Payload+1) {
			t.Fatalf("payload %d got seq %d", it.Payload, it.Seq)
		}
		prev = it
	}
}

func TestPopEmptyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	NewQueue[int](0).Pop()
}
