package cpu

import (
	"fmt"
	"math"
	"sync"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// rowGrain picks rows per parallel chunk so each chunk has ~16k elements:
// smaller chunks cost more in goroutine hand-off than they save.
func rowGrain(cols int) int { return max(1, 16384/max(cols, 1)) }

func f32s(t backend.Tensor) *Tensor { return t.(*Tensor) }

// AddBias implements backend.Backend.
func (c *CPU) AddBias(y, b backend.Tensor) {
	Y, B := f32s(y), f32s(b).f32
	for i := range Y.rows {
		row := Y.f32[i*Y.cols : (i+1)*Y.cols]
		addRow(row, row, B[:len(row)])
	}
}

func rmsRow(y, x, w []float32, eps float32) {
	ss := sumSquares(x)
	inv := float32(1 / math.Sqrt(float64(ss/float32(len(x))+eps)))
	scaleMul(y[:len(x)], x, w, inv)
}

// RMSNorm implements backend.Backend.
func (c *CPU) RMSNorm(y, x, w backend.Tensor, eps float32) {
	Y, X, W := f32s(y), f32s(x), f32s(w).f32
	n := X.cols
	c.parallel(X.rows, rowGrain(n), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			rmsRow(Y.f32[i*n:(i+1)*n], X.f32[i*n:(i+1)*n], W, eps)
		}
	})
}

// HeadNorm implements backend.Backend.
func (c *CPU) HeadNorm(qkv backend.Tensor, l backend.QKV, qw, kw backend.Tensor, eps float32) {
	T, Q, K := f32s(qkv), f32s(qw).f32, f32s(kw).f32
	d, wd := l.HeadDim, l.Width()
	c.parallel(T.rows, rowGrain(wd), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			row := T.f32[i*wd : (i+1)*wd]
			for h := range l.NumHeads {
				s := row[h*d : (h+1)*d]
				rmsRow(s, s, Q, eps)
			}
			for h := range l.NumKVHeads {
				s := row[(l.NumHeads+h)*d : (l.NumHeads+h+1)*d]
				rmsRow(s, s, K, eps)
			}
		}
	})
}

// ropeCache keeps cos/sin per position so a 512-token prefill does not
// recompute 28 layers × 512 × 64 sincos pairs.
type ropeCache struct {
	mu       sync.Mutex
	theta    float64
	d        int
	cos, sin []float32 // [pos][d/2]
}

func (r *ropeCache) table(theta float64, d, maxPos int) ([]float32, []float32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	half := d / 2
	if r.theta != theta || r.d != d {
		r.theta, r.d, r.cos, r.sin = theta, d, nil, nil
	}
	have := len(r.cos) / half
	if maxPos < have {
		return r.cos, r.sin
	}
	n := max(maxPos+1, 2*have, 64)
	cos, sin := make([]float32, n*half), make([]float32, n*half)
	copy(cos, r.cos)
	copy(sin, r.sin)
	for p := have; p < n; p++ {
		for i := range half {
			// Like HF: inv_freq = theta^(-2i/d); the angle in float64 keeps
			// large positions accurate.
			inv := math.Pow(theta, -float64(2*i)/float64(d))
			s, co := math.Sincos(float64(p) * inv)
			cos[p*half+i], sin[p*half+i] = float32(co), float32(s)
		}
	}
	r.cos, r.sin = cos, sin
	return cos, sin
}

// RoPE implements backend.Backend.
func (c *CPU) RoPE(qkv backend.Tensor, l backend.QKV, pos []int32, theta float64) {
	T := f32s(qkv)
	d, wd, half := l.HeadDim, l.Width(), l.HeadDim/2
	if len(pos) != T.rows {
		panic(fmt.Sprintf("cpu: RoPE with %d positions for %d rows", len(pos), T.rows))
	}
	maxPos := int32(0)
	for _, p := range pos {
		maxPos = max(maxPos, p)
	}
	cos, sin := c.rope.table(theta, d, int(maxPos))
	heads := l.NumHeads + l.NumKVHeads // q then k heads are contiguous
	c.parallel(T.rows, rowGrain(wd), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			cs := cos[int(pos[i])*half : int(pos[i]+1)*half]
			sn := sin[int(pos[i])*half : int(pos[i]+1)*half]
			row := T.f32[i*wd : i*wd+heads*d]
			for h := range heads {
				ropeRow(row[h*d:(h+1)*d], cs, sn)
			}
		}
	})
}

// SiluMul implements backend.Backend.
func (c *CPU) SiluMul(y, gu backend.Tensor) {
	Y, G := f32s(y), f32s(gu)
	n := Y.cols
	c.parallel(Y.rows, rowGrain(2*n), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			g, u := G.f32[i*2*n:i*2*n+n], G.f32[i*2*n+n:(i+1)*2*n]
			siluMulRow(Y.f32[i*n:(i+1)*n], g, u)
		}
	})
}

// Add implements backend.Backend.
func (c *CPU) Add(y, a, b backend.Tensor) {
	Y, A, B := f32s(y).f32, f32s(a).f32, f32s(b).f32
	addRow(Y, A[:len(Y)], B[:len(Y)])
}

// Embed implements backend.Backend.
func (c *CPU) Embed(y, table backend.Tensor, ids []int32) {
	Y, W := f32s(y), f32s(table)
	n := Y.cols
	for i, id := range ids {
		if int(id) < 0 || int(id) >= W.rows {
			panic(fmt.Sprintf("cpu: token id %d outside vocabulary of %d", id, W.rows))
		}
		out := Y.f32[i*n : (i+1)*n]
		if W.f32 != nil {
			copy(out, W.f32[int(id)*n:])
			continue
		}
		if W.pk32 != nil {
			for j := range out {
				out[j] = packedAt32(W.pk32, n, int(id), j)
			}
			continue
		}
		if W.pk != nil {
			for j := range out {
				out[j] = FromBF16(packedAt(W.pk, n, int(id), j))
			}
			continue
		}
		for j, h := range W.bf16[int(id)*n : (int(id)+1)*n] {
			out[j] = FromBF16(h)
		}
	}
}

// Gather implements backend.Backend.
func (c *CPU) Gather(y, x backend.Tensor, idx []int32) {
	Y, X := f32s(y), f32s(x)
	n := X.cols
	for i, r := range idx {
		copy(Y.f32[i*n:(i+1)*n], X.f32[int(r)*n:(int(r)+1)*n])
	}
}
