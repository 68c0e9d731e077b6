package runout

// pipe hands values to one goroutine, which calls each on them in the
// order they were added. Values go over in batches, to keep channel
// traffic small next to the work.
type pipe[T any] struct {
	pending []T
	jobs    chan []T
	free    chan []T // handed-over batches, done with, to fill again
	done    chan struct{}
}

// pipeBatch values go to the goroutine at a time.
const pipeBatch = 256

func newPipe[T any](each func(*T)) *pipe[T] {
	p := &pipe[T]{jobs: make(chan []T, 8), free: make(chan []T, 9), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for batch := range p.jobs {
			for i := range batch {
				each(&batch[i])
			}
			clear(batch) // drop what the values point to
			select {
			case p.free <- batch[:0]:
			default:
			}
		}
	}()
	return p
}

func (p *pipe[T]) add(v T) {
	p.pending = append(p.pending, v)
	if len(p.pending) == pipeBatch {
		p.jobs <- p.pending
		select {
		case p.pending = <-p.free:
		default:
			p.pending = make([]T, 0, pipeBatch)
		}
	}
}

// wait hands over what is pending and returns once every value is done.
func (p *pipe[T]) wait() {
	if len(p.pending) > 0 {
		p.jobs <- p.pending
	}
	close(p.jobs)
	<-p.done
	p.pending = nil
}
