//go:build cuda || cudaemu

package cuda

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

func newInternal(t *testing.T) *CUDA {
	c, err := New(backend.Options{})
	if errors.Is(err, ErrNoDriver) || errors.Is(err, ErrNoDevice) {
		t.Skipf("no GPU to run on: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

// gc runs the collector until finalizers have had a chance to run.
func gc() {
	for range 3 {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

func (c *CUDA) allocations() int {
	c.mem.mu.Lock()
	defer c.mem.mu.Unlock()
	n := len(c.mem.live)
	for _, f := range c.mem.free {
		n += len(f)
	}
	return n
}

// The model makes a logits tensor every step and drops it: its memory must
// come back, and a reused allocation must read as zeros like a new one.
func TestUnreachableTensorsAreReused(t *testing.T) {
	c := newInternal(t)
	ones := make([]float32, 3000)
	for i := range ones {
		ones[i] = 1
	}
	got := make([]float32, 3000)
	for i := range 40 {
		x := c.NewTensor(3, 1000)
		c.Read(x, got)
		for j, v := range got {
			if v != 0 {
				t.Fatalf("step %d: new tensor [%d] = %g, want 0", i, j, v)
			}
		}
		c.Write(x, ones)
		gc()
	}
	if n := c.allocations(); n > 4 {
		t.Errorf("%d allocations held after 40 dropped tensors of one size, want a few", n)
	}
}

// A row view keeps its tensor's memory: dropping the tensor must not hand
// the memory to the next allocation while the view is in use.
func TestViewKeepsMemory(t *testing.T) {
	c := newInternal(t)
	x := c.NewTensor(2, 100)
	vals := make([]float32, 200)
	for i := range vals {
		vals[i] = float32(i + 1)
	}
	c.Write(x, vals)
	v := c.Rows(x, 1)
	x = nil
	gc()
	y := c.NewTensor(2, 100) // same size: would reuse x's memory if freed
	c.Write(y, make([]float32, 200))
	got := make([]float32, 100)
	c.Read(v, got)
	for i, g := range got {
		if g != vals[i] {
			t.Fatalf("view [%d] = %g after its tensor was dropped, want %g", i, g, vals[i])
		}
	}
	runtime.KeepAlive(y)
}
