package des

import (
	"math/rand/v2"
	"testing"
)

// TestSpec1_1_OrderByTimeThenCreation checks vidur-semantics.md §1.1: the effective
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

// TestSpec1_1_OrderWhilePushing checks vidur-semantics.md §1.1 when events are pushed while
// others are handled, most at the time being handled (the FIFO's case),
// some later, against the order a sort by (time, creation) gives.
func TestSpec1_1_OrderWhilePushing(t *testing.T) {
	q := NewQueue[int](1)
	r := rand.New(rand.NewPCG(2, 2))
	type ev struct {
		t Time
		s Seq
	}
	var pending []ev // what the queue should hold
	push := func(at Time) {
		s := q.Push(at, 0)
		pending = append(pending, ev{at, s})
	}
	push(0)
	now := Time(0)
	for range 20000 {
		if q.Len() != len(pending) {
			t.Fatalf("Len %d, want %d", q.Len(), len(pending))
		}
		if len(pending) == 0 {
			push(now + Time(r.IntN(3)))
			continue
		}
		best := 0
		for i, e := range pending {
			if e.t < pending[best].t || (e.t == pending[best].t && e.s < pending[best].s) {
				best = i
			}
		}
		want := pending[best]
		pending = append(pending[:best], pending[best+1:]...)
		if p, _ := q.Peek(); p.Time != want.t || p.Seq != want.s {
			t.Fatalf("peek (%v,%d), want (%v,%d)", p.Time, p.Seq, want.t, want.s)
		}
		it := q.Pop()
		if it.Time != want.t || it.Seq != want.s {
			t.Fatalf("pop (%v,%d), want (%v,%d)", it.Time, it.Seq, want.t, want.s)
		}
		now = it.Time
		for range r.IntN(3) {
			if r.IntN(4) == 0 {
				push(now + Time(1+r.IntN(5)))
			} else {
				push(now)
			}
		}
	}
}
