package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// pool is the backend's worker goroutines, kept from call to call. A
// decode step makes a few hundred parallel calls of 50-200 µs each, and a
// goroutine started per call waits for a sleeping thread to wake (tens of
// µs on a virtual machine) while the caller does the chunks alone. The
// workers spin for spinFor after each job, so the next call of a step
// finds them awake, then park until work arrives.
type pool struct {
	workers int
	mu      sync.Mutex
	cond    *sync.Cond
	gen     atomic.Uint64 // bumped for every job
	job     atomic.Pointer[poolJob]
	busy    atomic.Bool // a job is running: a nested call runs alone
	quit    atomic.Bool
}

// poolJob is one parallel call: chunks of grain over [0,n), or with ends
// set, single indices claimed from both ends of [0,n) (sweep).
type poolJob struct {
	f             func(w, lo, hi int)
	ends          func(w, i, next int)
	n, grain, cnt int
	next, done    atomic.Int64
	span          atomic.Uint64 // ends: the unclaimed [lo, hi) as lo<<32 | hi
}

// spinFor is how long an idle worker keeps looking for the next job
// before it parks.
const spinFor = 100 * time.Microsecond

func newPool(workers int) *pool {
	p := &pool{workers: workers}
	p.cond = sync.NewCond(&p.mu)
	for w := 1; w <= workers; w++ {
		go p.work(w)
	}
	return p
}

// stop ends the workers (the backend is unreachable).
func (p *pool) stop() {
	p.mu.Lock()
	p.quit.Store(true)
	p.gen.Add(1)
	p.mu.Unlock()
	p.cond.Broadcast()
}

func (p *pool) work(w int) {
	seen := uint64(0)
	for {
		g := p.wait(seen)
		if p.quit.Load() {
			return
		}
		seen = g
		if j := p.job.Load(); j != nil {
			j.run(w)
		}
	}
}

// wait returns the job generation once it differs from seen: spinning at
// first, then parked on the condition.
func (p *pool) wait(seen uint64) uint64 {
	start := time.Now()
	for i := 0; ; i++ {
		if g := p.gen.Load(); g != seen {
			return g
		}
		if i%128 == 127 {
			if time.Since(start) > spinFor {
				break
			}
			runtime.Gosched()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.gen.Load() == seen {
		p.cond.Wait()
	}
	return p.gen.Load()
}

// run claims and runs chunks of j until none is left.
func (j *poolJob) run(w int) {
	if j.ends != nil {
		j.runEnds(w)
		return
	}
	for {
		ch := int(j.next.Add(1) - 1)
		if ch >= j.cnt {
			return
		}
		lo := ch * j.grain
		j.f(w, lo, min(lo+j.grain, j.n))
		j.done.Add(1)
	}
}

// runEnds claims indices of j from the front (worker 0) or the back (any
// other worker; sweep gives this only to a pool of one) until the two
// meet, 1/endsShare of the unclaimed ones at a time, telling f the index
// it will claim next: the next of the run, and after the run's last the
// next unclaimed index at the worker's end, if any.
func (j *poolJob) runEnds(w int) {
	back := w != 0
	for {
		s := j.span.Load()
		lo, hi := int(s>>32), int(uint32(s))
		if lo >= hi {
			return
		}
		c := max(1, (hi-lo)/endsShare)
		rest := uint64(lo+c)<<32 | uint64(hi)
		if back {
			rest = uint64(lo)<<32 | uint64(hi-c)
		}
		if !j.span.CompareAndSwap(s, rest) {
			continue
		}
		for k := range c {
			i, next := lo+k, lo+k+1
			if back {
				i, next = hi-1-k, hi-2-k
			}
			if k == c-1 {
				next = -1
				s := j.span.Load()
				if lo, hi := int(s>>32), int(uint32(s)); lo < hi {
					next = lo
					if back {
						next = hi - 1
					}
				}
			}
			j.ends(w, i, next)
		}
		j.done.Add(int64(c))
	}
}

// endsShare is the part of the unclaimed indices a sweep's worker claims
// at once. Claiming one index at a time passed the claim's cache line
// between the two cores for every index: a 256-index sweep with no work
// in it took 29 µs, against 6 µs claiming an eighth at a time. An eighth
// keeps the work a worker holds small, should the host take its core away
// for a while.
const endsShare = 8

// do runs f over [0,n) in chunks of grain on the caller (worker 0) and the
// pool's workers, returning when every chunk is done; false when another
// job is running (a nested call), which the caller then runs otherwise.
func (p *pool) do(n, grain, chunks int, f func(w, lo, hi int)) bool {
	return p.start(&poolJob{f: f, n: n, grain: grain, cnt: chunks})
}

// doEnds runs f over every index of [0,n) (n < 2³²), worker 0 taking them
// from the front and the pool's one worker from the back; false as do.
func (p *pool) doEnds(n int, f func(w, i, next int)) bool {
	j := &poolJob{ends: f, n: n, cnt: n}
	j.span.Store(uint64(n))
	return p.start(j)
}

// start publishes j, runs its share on the caller and waits for the rest.
func (p *pool) start(j *poolJob) bool {
	if !p.busy.CompareAndSwap(false, true) {
		return false
	}
	defer p.busy.Store(false)
	chunks := j.cnt
	p.job.Store(j)
	p.mu.Lock()
	p.gen.Add(1)
	p.mu.Unlock()
	p.cond.Broadcast()
	j.run(0)
	for i := 0; j.done.Load() < int64(chunks); i++ {
		if i%64 == 63 {
			runtime.Gosched()
		}
	}
	return true
}
