package des

// Seq is an event's creation sequence number. Events are ordered by
// (Time, Seq); Seq values are unique, so the order is total.
type Seq uint64

// Item is one scheduled event and its payload.
type Item[T any] struct {
	Time    Time
	Seq     Seq
	Payload T
}

func (a *Item[T]) before(b *Item[T]) bool {
	if a.Time != b.Time {
		return a.Time < b.Time
	}
	return a.Seq < b.Seq
}

// Queue is a binary min-heap of events keyed by (time, creation sequence).
// It is hand-rolled rather than built on container/heap because the
// payload is stored inline (no interface boxing per event), which matters
// at tens of millions of events.
type Queue[T any] struct {
	items []Item[T]
	next  Seq
}

// NewQueue returns an empty queue whose first pushed event gets sequence
// first. A simulator that feeds pre-created events (Vidur's arrivals, ids
// 1..N) from outside the heap starts the heap's sequence after them.
func NewQueue[T any](first Seq) *Queue[T] { return &Queue[T]{next: first} }

// Len returns the number of pending events.
func (q *Queue[T]) Len() int { return len(q.items) }

// Push schedules payload at t and returns its sequence number.
func (q *Queue[T]) Push(t Time, payload T) Seq {
	s := q.next
	q.next++
	q.items = append(q.items, Item[T]{Time: t, Seq: s, Payload: payload})
	q.up(len(q.items) - 1)
	return s
}

// Peek returns the earliest event without removing it; ok is false when
// the queue is empty.
func (q *Queue[T]) Peek() (it *Item[T], ok bool) {
	if len(q.items) == 0 {
		return nil, false
	}
	return &q.items[0], true
}

// Pop removes and returns the earliest event. It panics on an empty
// queue, which is a programming error.
func (q *Queue[T]) Pop() Item[T] {
	n := len(q.items) - 1
	if n < 0 {
		panic("des: pop from empty queue")
	}
	top := q.items[0]
	q.items[0] = q.items[n]
	var zero Item[T]
	q.items[n] = zero // drop references for the GC
	q.items = q.items[:n]
	if n > 0 {
		q.down(0)
	}
	return top
}

func (q *Queue[T]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !q.items[i].before(&q.items[p]) {
			return
		}
		q.items[i], q.items[p] = q.items[p], q.items[i]
		i = p
	}
}

func (q *Queue[T]) down(i int) {
	n := len(q.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.items[r].before(&q.items[l]) {
			m = r
		}
		if !q.items[m].before(&q.items[i]) {
			return
		}
		q.items[i], q.items[m] = q.items[m], q.items[i]
		i = m
	}
}
