package sched

// deque is a ring buffer: Vidur's waiting queue pops the front and pushes
// restarted requests to the front, both O(1) here.
type deque[T any] struct {
	buf        []T
	head, size int
}

func (d *deque[T]) Len() int { return d.size }

func (d *deque[T]) grow() {
	n := max(8, 2*len(d.buf))
	nb := make([]T, n)
	for i := range d.size {
		nb[i] = d.buf[(d.head+i)%len(d.buf)]
	}
	d.buf, d.head = nb, 0
}

func (d *deque[T]) PushBack(v T) {
	if d.size == len(d.buf) {
		d.grow()
	}
	d.buf[(d.head+d.size)%len(d.buf)] = v
	d.size++
}

func (d *deque[T]) PushFront(v T) {
	if d.size == len(d.buf) {
		d.grow()
	}
	d.head = (d.head - 1 + len(d.buf)) % len(d.buf)
	d.buf[d.head] = v
	d.size++
}

func (d *deque[T]) Front() T { return d.buf[d.head] }

// At returns the i-th element from the front.
func (d *deque[T]) At(i int) T { return d.buf[(d.head+i)%len(d.buf)] }

func (d *deque[T]) PopFront() T {
	var zero T
	v := d.buf[d.head]
	d.buf[d.head] = zero
	d.head = (d.head + 1) % len(d.buf)
	d.size--
	return v
}
