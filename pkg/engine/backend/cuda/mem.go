//go:build cuda || cudaemu

package cuda

import (
	"fmt"
	"runtime"
	"sync"
)

// block is one device allocation. Tensors, their row views and KV stores
// point at it, so it stays reachable while any of them is; once none is, a
// finalizer hands its memory to the pool, and the next allocation of the
// same size reuses it. The model allocates a logits tensor every step,
// which on the cpu backend the garbage collector takes back; this gives
// the same on the GPU without a Free in the backend interface.
//
// Reuse is safe without waiting: every kernel that used the block was
// queued before it became unreachable, and every use of the new owner
// (clearing included) is queued after, on the same stream.
type block struct {
	ptr   devPtr
	bytes int64
}

// pool tracks this backend's allocations by address only (never by *block,
// which would keep blocks reachable): live ones, and free ones by size.
type pool struct {
	mu     sync.Mutex
	live   map[devPtr]int64
	free   map[int64][]devPtr
	closed bool
}

func (p *pool) put(ptr devPtr, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed { // Close freed it already
		return
	}
	delete(p.live, ptr)
	p.free[bytes] = append(p.free[bytes], ptr)
}

func (p *pool) take(bytes int64) (devPtr, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.free[bytes]
	if len(f) == 0 {
		return 0, false
	}
	ptr := f[len(f)-1]
	p.free[bytes] = f[:len(f)-1]
	p.live[ptr] = bytes
	return ptr, true
}

// drain removes and returns every free allocation (to give them back to
// the driver), and with all also the live ones, closing the pool.
func (p *pool) drain(all bool) []devPtr {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []devPtr
	for _, f := range p.free {
		out = append(out, f...)
	}
	p.free = map[int64][]devPtr{}
	if all {
		for ptr := range p.live {
			out = append(out, ptr)
		}
		p.live, p.closed = map[devPtr]int64{}, true
	}
	return out
}

// alloc returns a zeroed block of words 4-byte words (nil for 0). It
// reuses a pooled block of the same size, and when the driver is out of
// memory it gives the pool back and tries once more. The caller holds the
// context.
func (c *CUDA) alloc(words int64) (*block, error) {
	if words == 0 {
		return nil, nil
	}
	bytes := words * 4
	ptr, ok := c.mem.take(bytes)
	if !ok {
		var err error
		if ptr, err = c.d.memAlloc(bytes); err != nil {
			runtime.GC() // finalizers may return unreachable tensors
			check("Synchronize", c.d.sync())
			for _, p := range c.mem.drain(false) {
				check("cuMemFree", c.d.memFree(p))
			}
			if ptr, err = c.d.memAlloc(bytes); err != nil {
				return nil, fmt.Errorf("cuda: allocating %d MiB on %s: %v", bytes>>20, c.d.describe(), err)
			}
		}
		c.mem.mu.Lock()
		c.mem.live[ptr] = bytes
		c.mem.mu.Unlock()
	}
	if err := c.d.memsetD32(ptr, 0, words); err != nil {
		return nil, fmt.Errorf("cuda: clearing %d MiB: %v", bytes>>20, err)
	}
	b := &block{ptr: ptr, bytes: bytes}
	m := c.mem
	runtime.SetFinalizer(b, func(b *block) { m.put(b.ptr, b.bytes) })
	return b, nil
}

// addr is a block's address, 0 for none.
func (b *block) addr() devPtr {
	if b == nil {
		return 0
	}
	return b.ptr
}
