package cpu

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

func init() {
	backend.Register("cpu", func(o backend.Options) (backend.Backend, error) { return New(o) })
}

// Tensor is a row-major matrix in host memory. Activations use f32; weights
// use exactly one of f32 or bf16.
type Tensor struct {
	rows, cols int
	f32        []float32
	bf16       []uint16
	pk         []uint16  // bf16 in panels (matmul_packed.go), instead of bf16
	pk32       []float32 // fp32 in panels (matmul_packed32.go), instead of f32
}

// Dims implements backend.Tensor.
func (t *Tensor) Dims() (int, int) { return t.rows, t.cols }

// CPU is the backend. Its methods are safe for one caller at a time (the
// model's forward), and parallel inside.
type CPU struct {
	threads int
	wdtype  string
	kvdtype string // Options.KVDType; "" follows the stored weights
	sawBF16 bool   // a matrix is stored in bf16
	rope    ropeCache
	xbf     []uint16       // activations rounded to bf16 (matmul_bf16.go)
	attn    []*attnScratch // per worker (attention.go)
	pool    *pool          // threads-1 workers (pool.go)
}

// New builds a cpu backend.
func New(o backend.Options) (*CPU, error) {
	switch o.WeightDType {
	case "", "F32", "BF16":
	default:
		return nil, fmt.Errorf("cpu backend: weight dtype %q not supported (want F32 or BF16)", o.WeightDType)
	}
	switch o.KVDType {
	case "", "F32", "BF16":
	default:
		return nil, fmt.Errorf("cpu backend: KV dtype %q not supported (want F32 or BF16)", o.KVDType)
	}
	t := o.Threads
	if t <= 0 {
		t = runtime.GOMAXPROCS(0)
	}
	c := &CPU{threads: t, wdtype: o.WeightDType, kvdtype: o.KVDType}
	if t > 1 {
		c.pool = newPool(t - 1)
		runtime.AddCleanup(c, func(p *pool) { p.stop() }, c.pool)
	}
	return c, nil
}

// Name implements backend.Backend.
func (c *CPU) Name() string { return "cpu" }

// NewTensor implements backend.Backend.
func (c *CPU) NewTensor(rows, cols int) backend.Tensor {
	return &Tensor{rows: rows, cols: cols, f32: make([]float32, rows*cols)}
}

// Rows implements backend.Backend.
func (c *CPU) Rows(t backend.Tensor, n int) backend.Tensor {
	x := t.(*Tensor)
	if n > x.rows {
		panic(fmt.Sprintf("cpu: view of %d rows of a %d-row tensor", n, x.rows))
	}
	return &Tensor{rows: n, cols: x.cols, f32: x.f32[:n*x.cols]}
}

// View implements backend.HostViewer.
func (c *CPU) View(t backend.Tensor) []float32 { return f32s(t).f32 }

// Upload implements backend.Backend. Vectors (norm weights, biases) are
// always fp32; matrices keep or convert their dtype per Options.WeightDType.
// A matrix of hugeMin elements or more is copied into huge pages (a decode
// step streams every weight once, and in 4 KiB pages a 1.2 GB model is
// 300,000 TLB misses a step); a smaller host slice of the wanted dtype is
// used in place. A bf16 or fp32 matrix that fits the packed product is
// stored in its panels instead (matmul_packed.go, matmul_packed32.go).
func (c *CPU) Upload(h backend.HostTensor) (backend.Tensor, error) {
	n := h.Rows * h.Cols
	t := &Tensor{rows: h.Rows, cols: h.Cols}
	if (h.F32 == nil) == (h.BF16 == nil) {
		return nil, fmt.Errorf("cpu: weight %s: exactly one of F32 and BF16 must be set", h.Name)
	}
	if (h.F32 != nil && len(h.F32) != n) || (h.BF16 != nil && len(h.BF16) != n) {
		return nil, fmt.Errorf("cpu: weight %s: data length does not match shape [%d %d]", h.Name, h.Rows, h.Cols)
	}
	want := c.wdtype
	if h.Rows == 1 {
		want = "F32"
	}
	toBF16 := want == "BF16" || (h.BF16 != nil && want != "F32")
	packed := toBF16 && packable(h.Rows, h.Cols) || !toBF16 && packable32(h.Rows, h.Cols)
	// A matrix kept as stored goes into huge pages when large; one bound
	// for panels is packed into huge pages of its own, so what it is
	// packed from (a conversion) need only live until then.
	huge := n >= hugeMin && !packed
	switch {
	case toBF16 && h.BF16 != nil:
		t.bf16 = h.BF16
		if huge {
			t.bf16 = hugeU16(t, n)
			copy(t.bf16, h.BF16)
		}
	case toBF16: // from f32
		t.bf16 = ownSlice[uint16](t, n, huge)
		c.parallel(n, 1<<16, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				t.bf16[i] = ToBF16(h.F32[i])
			}
		})
	case h.F32 != nil:
		t.f32 = h.F32
		if huge {
			t.f32 = hugeF32(t, n)
			copy(t.f32, h.F32)
		}
	default: // bf16 to f32
		t.f32 = ownSlice[float32](t, n, huge)
		c.parallel(n, 1<<16, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				t.f32[i] = FromBF16(h.BF16[i])
			}
		})
	}
	switch {
	case packed && toBF16:
		t.pk = hugeU16(t, n)
		c.pack(t.pk, t.bf16, t.rows, t.cols)
		t.bf16 = nil
	case packed:
		t.pk32 = hugeF32(t, n)
		c.pack32(t.pk32, t.f32, t.rows, t.cols)
		t.f32 = nil
	}
	c.sawBF16 = c.sawBF16 || t.bf16 != nil || t.pk != nil
	return t, nil
}

// hugeMin is the smallest matrix, in elements, copied into huge pages: 2 MiB
// of bf16.
const hugeMin = 1 << 20

// Write implements backend.Backend.
func (c *CPU) Write(t backend.Tensor, src []float32) { copy(t.(*Tensor).f32, src) }

// Read implements backend.Backend.
func (c *CPU) Read(t backend.Tensor, dst []float32) { copy(dst, t.(*Tensor).f32) }

// FromBF16 widens a bfloat16 (the top half of an fp32) exactly.
func FromBF16(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// ToBF16 rounds to nearest even, keeping NaN a NaN.
func ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if f != f {
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// sweep runs f for every index of [0,n), like parallel, and tells it the
// index the same worker runs next (-1: none known), so that f can fetch
// that one's data while it computes. With two threads and ends set, the
// caller takes indices from the front and the other worker from the back
// until they meet, so each worker knows its next index however the work
// divides (the other worker walks its indices downwards, which costs
// streams that would run on from one index's data into the next's);
// otherwise chunks of grain, next within a chunk.
func (c *CPU) sweep(n, grain int, ends bool, f func(w, i, next int)) {
	if ends && c.threads == 2 && n > 1 && n < 1<<31 && c.pool != nil && c.pool.doEnds(n, f) {
		return
	}
	c.parallel(n, grain, func(w, lo, hi int) {
		for i := lo; i < hi; i++ {
			next := i + 1
			if next == hi {
				next = -1
			}
			f(w, i, next)
		}
	})
}

// parallel runs f over [0,n) in chunks of grain, on up to c.threads
// goroutines pulling chunks dynamically: the machine is shared, so a static
// split would wait for the slowest core. w is the worker index, for
// per-worker scratch.
func (c *CPU) parallel(n, grain int, f func(w, lo, hi int)) {
	if grain < 1 {
		grain = 1
	}
	chunks := (n + grain - 1) / grain
	workers := min(c.threads, chunks)
	if workers <= 1 {
		if n > 0 {
			f(0, 0, n)
		}
		return
	}
	if c.pool != nil && c.pool.do(n, grain, chunks, f) {
		return
	}
	var next atomic.Int64
	run := func(w int) {
		for {
			ch := int(next.Add(1) - 1)
			if ch >= chunks {
				return
			}
			lo := ch * grain
			f(w, lo, min(lo+grain, n))
		}
	}
	var wg sync.WaitGroup
	wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go func() { defer wg.Done(); run(w) }()
	}
	run(0)
	wg.Wait()
}
