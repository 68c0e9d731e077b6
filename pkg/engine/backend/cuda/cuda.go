//go:build cuda || cudaemu

package cuda

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"unsafe"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// Built reports whether this binary contains the CUDA backend.
const Built = true

// ErrNoDriver and ErrNoDevice are wrapped by New's errors, so callers can
// tell the runbook's cases apart.
var (
	ErrNoDriver = errors.New("no usable NVIDIA driver")
	ErrNoDevice = errors.New("no usable CUDA device")
)

func init() {
	backend.Register("cuda", func(o backend.Options) (backend.Backend, error) { return New(o) })
}

// Tensor is a row-major matrix in device memory: fp32, or bf16 for
// weights kept in the checkpoint's dtype.
type Tensor struct {
	rows, cols int
	ptr        devPtr
	bf16       bool
	mem        *block // keeps the allocation alive while this tensor is
}

// Dims implements backend.Tensor.
func (t *Tensor) Dims() (int, int) { return t.rows, t.cols }

func (t *Tensor) n() int { return t.rows * t.cols }

// CUDA is the backend. Like the cpu backend its methods serve one caller
// at a time; every launch goes to the legacy default stream, so operations
// run in call order and Read waits for all of them.
type CUDA struct {
	d      *device
	blas   *blas
	wdtype string
	// bf16Acts makes products with many rows round activations to bf16
	// and run cuBLAS's bf16×bf16 GemmEx (SIMCHECK_CUDA_GEMM=bf16): faster
	// prefill, but no longer the cpu backend's fp32 activations.
	bf16Acts bool
	mem      *pool
	scratch  [numSlots]buffer // see the slot constants
}

// buffer is a device allocation reused across calls, grown on demand.
// For index uploads, last is what it holds now.
type buffer struct {
	ptr   devPtr
	bytes int64
	last  []int32
}

// New builds a cuda backend on device 0, running the driver, device, PTX
// and cuBLAS checks; each failure says which check failed and what to do.
func New(o backend.Options) (*CUDA, error) {
	switch o.WeightDType {
	case "", "F32", "BF16":
	default:
		return nil, fmt.Errorf("cuda backend: weight dtype %q not supported (want F32 or BF16)", o.WeightDType)
	}
	switch o.KVDType {
	case "", "F32":
	case "BF16":
		return nil, fmt.Errorf("cuda backend: a bf16 KV cache is not built; use kv_dtype F32 (or leave it unset: the cuda cache is fp32)")
	default:
		return nil, fmt.Errorf("cuda backend: KV dtype %q not supported (want F32)", o.KVDType)
	}
	var gemm string
	switch gemm = os.Getenv("SIMCHECK_CUDA_GEMM"); gemm {
	case "", "exact", "bf16":
	default:
		return nil, fmt.Errorf("cuda backend: SIMCHECK_CUDA_GEMM=%q: want exact (the default) or bf16", gemm)
	}
	d, err := openDevice()
	if err != nil {
		return nil, err
	}
	c := &CUDA{d: d, wdtype: o.WeightDType, bf16Acts: gemm == "bf16",
		mem: &pool{live: map[devPtr]int64{}, free: map[int64][]devPtr{}}}
	defer c.enter()()
	if c.blas, err = openBLAS(d); err != nil {
		return nil, err
	}
	return c, nil
}

// Name implements backend.Backend.
func (c *CUDA) Name() string { return "cuda" }

// Describe names the device, driver and cuBLAS in use, for run metadata.
func (c *CUDA) Describe() string {
	return c.d.describe() + ", " + c.blas.name()
}

// Close frees every allocation of this backend and its cuBLAS handle. The
// tensors and KV stores it made must not be used afterwards.
func (c *CUDA) Close() error {
	defer c.enter()()
	var first error
	if err := c.d.sync(); err != nil {
		first = fmt.Errorf("cuda: synchronizing before freeing: %v", err)
	}
	for _, p := range c.mem.drain(true) {
		if err := c.d.memFree(p); err != nil && first == nil {
			first = fmt.Errorf("cuda: cuMemFree: %v", err)
		}
	}
	for _, s := range c.scratch {
		if s.ptr != 0 {
			if err := c.d.memFree(s.ptr); err != nil && first == nil {
				first = fmt.Errorf("cuda: cuMemFree: %v", err)
			}
		}
	}
	c.scratch = [numSlots]buffer{}
	c.blas.close()
	// New retained the device's primary context; hand that reference back.
	if err := c.d.release(); err != nil && first == nil {
		first = fmt.Errorf("cuda: releasing the primary context: %v", err)
	}
	return first
}

// enter makes the backend's context current on this goroutine's OS thread
// for the duration of one call: a CUDA context is per thread, and Go moves
// goroutines between threads. Use as `defer c.enter()()`.
func (c *CUDA) enter() func() {
	runtime.LockOSThread()
	if err := c.d.makeCurrent(); err != nil {
		runtime.UnlockOSThread()
		panic(fmt.Sprintf("cuda: making the context current: %v", err))
	}
	return runtime.UnlockOSThread
}

func check(what string, err error) {
	if err != nil {
		panic(fmt.Sprintf("cuda: %s: %v", what, err))
	}
}

// NewTensor implements backend.Backend.
func (c *CUDA) NewTensor(rows, cols int) backend.Tensor {
	defer c.enter()()
	m, err := c.alloc(int64(rows) * int64(cols))
	check("NewTensor", err)
	return &Tensor{rows: rows, cols: cols, ptr: m.addr(), mem: m}
}

// Rows implements backend.Backend.
func (c *CUDA) Rows(t backend.Tensor, n int) backend.Tensor {
	x := t.(*Tensor)
	if n > x.rows {
		panic(fmt.Sprintf("cuda: view of %d rows of a %d-row tensor", n, x.rows))
	}
	return &Tensor{rows: n, cols: x.cols, ptr: x.ptr, bf16: x.bf16, mem: x.mem}
}

// Upload implements backend.Backend with the cpu backend's dtype rules:
// vectors (norm weights, biases) become fp32; matrices keep or convert
// their dtype per Options.WeightDType.
func (c *CUDA) Upload(h backend.HostTensor) (backend.Tensor, error) {
	n := h.Rows * h.Cols
	if (h.F32 == nil) == (h.BF16 == nil) {
		return nil, fmt.Errorf("cuda: weight %s: exactly one of F32 and BF16 must be set", h.Name)
	}
	if (h.F32 != nil && len(h.F32) != n) || (h.BF16 != nil && len(h.BF16) != n) {
		return nil, fmt.Errorf("cuda: weight %s: data length does not match shape [%d %d]", h.Name, h.Rows, h.Cols)
	}
	want := c.wdtype
	if h.Rows == 1 {
		want = "F32"
	}
	f32, bf := h.F32, h.BF16
	switch {
	case f32 != nil && want == "BF16":
		bf, f32 = make([]uint16, n), nil
		for i, v := range h.F32 {
			bf[i] = toBF16(v)
		}
	case bf != nil && want == "F32":
		f32, bf = make([]float32, n), nil
		for i, v := range h.BF16 {
			f32[i] = math.Float32frombits(uint32(v) << 16)
		}
	}
	defer c.enter()()
	t := &Tensor{rows: h.Rows, cols: h.Cols, bf16: bf != nil}
	var err error
	if bf != nil {
		if t.mem, err = c.alloc((int64(n) + 1) / 2); err == nil && n > 0 {
			t.ptr = t.mem.addr()
			err = c.d.htod(t.ptr, unsafe.Pointer(&bf[0]), int64(n)*2)
		}
	} else {
		if t.mem, err = c.alloc(int64(n)); err == nil && n > 0 {
			t.ptr = t.mem.addr()
			err = c.d.htod(t.ptr, unsafe.Pointer(&f32[0]), int64(n)*4)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("cuda: uploading weight %s [%d %d]: %v", h.Name, h.Rows, h.Cols, err)
	}
	return t, nil
}

// toBF16 rounds to nearest even and keeps NaN a NaN, as cpu.ToBF16.
func toBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if f != f {
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// Write implements backend.Backend.
func (c *CUDA) Write(t backend.Tensor, src []float32) {
	T := t.(*Tensor)
	n := min(len(src), T.n())
	if n == 0 {
		return
	}
	defer c.enter()()
	check("Write", c.d.htod(T.ptr, unsafe.Pointer(&src[0]), int64(n)*4))
}

// Read implements backend.Backend; it waits for every queued operation.
func (c *CUDA) Read(t backend.Tensor, dst []float32) {
	T := t.(*Tensor)
	n := min(len(dst), T.n())
	if n == 0 {
		return
	}
	defer c.enter()()
	check("Read", c.d.dtoh(unsafe.Pointer(&dst[0]), T.ptr, int64(n)*4))
}

// Sync waits for every queued operation (for timing from the host).
func (c *CUDA) Sync() error {
	defer c.enter()()
	return c.d.sync()
}

// grow makes scratch buffer i hold at least bytes.
func (c *CUDA) grow(i int, bytes int64) devPtr {
	s := &c.scratch[i]
	if s.bytes >= bytes {
		return s.ptr
	}
	if s.ptr != 0 {
		// The legacy stream orders this free after queued kernels that
		// may still read the buffer.
		check("Synchronize", c.d.sync())
		check("cuMemFree", c.d.memFree(s.ptr))
	}
	bytes = max(bytes, 2*s.bytes, 4096)
	p, err := c.d.memAlloc(bytes)
	check(fmt.Sprintf("allocating %d bytes of scratch", bytes), err)
	*s = buffer{ptr: p, bytes: bytes}
	return p
}

// Scratch slots. Each kind of index upload has its own, so the model's
// forward, which passes the same positions, slots and block tables to all
// its layers, uploads each once per step instead of once per layer.
const (
	slotPos    = iota // RoPE positions
	slotIDs           // Embed and Gather rows
	slotKV            // KVWrite slots
	slotMeta          // Attention per-row metadata
	slotTables        // Attention block tables
	slotWide          // widened bf16 weights, bf16 activations
	numSlots
)

// upload puts host int32s in scratch slot i, unless the slot already
// holds exactly these values. cuMemcpyHtoD from pageable memory waits for
// the kernels already queued (which may still read the slot) before it
// copies, so overwriting the slot is safe; skipping the copy also skips
// that wait.
func (c *CUDA) upload(i int, v []int32) devPtr {
	s := &c.scratch[i]
	if s.ptr != 0 && slices.Equal(s.last, v) {
		return s.ptr
	}
	p := c.grow(i, int64(len(v))*4)
	if len(v) > 0 {
		check("uploading indices", c.d.htod(p, unsafe.Pointer(&v[0]), int64(len(v))*4))
	}
	s.last = append(s.last[:0], v...)
	return p
}

// launch runs kernel name on a grid of blocks, each of threads threads.
// Arguments are devPtr, int, float32 or float64; each travels as one
// 8-byte word, the kernel reading its low bytes for int and float
// (little-endian), which is how cuLaunchKernel reads parameters.
func (c *CUDA) launch(name string, gridX, gridY, threads int, args ...any) {
	if gridX == 0 || gridY == 0 {
		return
	}
	words := make([]uint64, len(args))
	params := make([]unsafe.Pointer, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case devPtr:
			words[i] = uint64(v)
		case int:
			words[i] = uint64(int64(v))
		case float32:
			words[i] = uint64(math.Float32bits(v))
		case float64:
			words[i] = math.Float64bits(v)
		default:
			panic(fmt.Sprintf("cuda: launch %s: argument %d has type %T", name, i, a))
		}
		params[i] = unsafe.Pointer(&words[i])
	}
	check("launching "+name, c.d.launch(name, gridX, gridY, threads, params))
}

// gridFor is the block count of a grid-stride kernel over total elements
// with 256 threads: enough blocks to fill any current GPU, capped because
// each thread loops.
func gridFor(total int) int { return min((total+255)/256, 1<<16) }
