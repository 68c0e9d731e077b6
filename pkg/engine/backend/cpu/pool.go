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

// poolJob is one parallel call: chunks of grain over [0,n).
type poolJob struct {
	f             func(w, lo, hi int)
	n, grain, cnt int
	next, done    atomic.Int64
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

// do runs f over [0,n) in chunks of grain on the caller (worker 0) and the
// pool's workers, returning when every chunk is done; false when another
// job is running (a nested call), which the caller then runs otherwise.
func (p *pool) do(n, grain, chunks int, f func(w, lo, hi int)) bool {
	if !p.busy.CompareAndSwap(false, true) {
		return false
	}
	defer p.busy.Store(false)
	j := &poolJob{f: f, n: n, grain: grain, cnt: chunks}
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
