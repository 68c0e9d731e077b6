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
//
// Most events are pushed for the time of the event being handled (a
// batch's arrival at a stage, the stage's schedule, the batch's end, the
// replica's next schedule). Those go to a FIFO instead of the heap: they
// share one time and their sequences rise, so the FIFO is sorted, and Pop
// takes the smaller of the two fronts, which keeps the (time, sequence)
// order exact.
type Queue[T any] struct {
	items []Item[T]
	now   Time      // time of the last popped event
	fifo  []Item[T] // events at one time, in creation order, from head
	head  int
	next  Seq
}

// NewQueue returns an empty queue whose first pushed event gets sequence
// first. A simulator that feeds pre-created events (Vidur's arrivals, ids
// 1..N) from outside the heap starts the heap's sequence after them.
func NewQueue[T any](first Seq) *Queue[T] { return &Queue[T]{next: first} }

// Len returns the number of pending events.
func (q *Queue[T]) Len() int { return len(q.items) + len(q.fifo) - q.head }

// Push schedules payload at t and returns its sequence number.
func (q *Queue[T]) Push(t Time, payload T) Seq {
	s := q.next
	q.next++
	it := Item[T]{Time: t, Seq: s, Payload: payload}
	if t == q.now && (q.head == len(q.fifo) || q.fifo[len(q.fifo)-1].Time == t) {
		q.fifo = append(q.fifo, it)
		return s
	}
	q.items = append(q.items, it)
	q.up(len(q.items) - 1)
	return s
}

// fifoFirst reports whether the FIFO's front is the earliest event.
func (q *Queue[T]) fifoFirst() bool {
	return q.head < len(q.fifo) && (len(q.items) == 0 || q.fifo[q.head].before(&q.items[0]))
}

// Peek returns the earliest event without removing it; ok is false when
// the queue is empty.
func (q *Queue[T]) Peek() (it *Item[T], ok bool) {
	if q.fifoFirst() {
		return &q.fifo[q.head], true
	}
	if len(q.items) == 0 {
		return nil, false
	}
	return &q.items[0], true
}

// Pop removes and returns the earliest event. It panics on an empty
// queue, which is a programming error.
func (q *Queue[T]) Pop() Item[T] {
	var zero Item[T]
	if q.fifoFirst() {
		top := q.fifo[q.head]
		q.fifo[q.head] = zero // drop references for the GC
		q.head++
		if q.head == len(q.fifo) {
			q.fifo, q.head = q.fifo[:0], 0
		}
		q.now = top.Time
		return top
	}
	n := len(q.items) - 1
	if n < 0 {
		panic("des: pop from empty queue")
	}
	top := q.items[0]
	q.items[0] = q.items[n]
	q.items[n] = zero
	q.items = q.items[:n]
	if n > 0 {
		q.down(0)
	}
	q.now = top.Time
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
