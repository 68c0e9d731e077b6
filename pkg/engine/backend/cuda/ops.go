//go:build cuda || cudaemu

package cuda

import (
	"fmt"
	"math"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

func tens(t backend.Tensor) *Tensor { return t.(*Tensor) }

// rowThreads is the block size of one-block-per-row kernels: rows are a few
// thousand wide, so 256 threads stride them in a handful of steps.
const rowThreads = 256

// AddBias implements backend.Backend.
func (c *CUDA) AddBias(y, b backend.Tensor) {
	Y := tens(y)
	defer c.enter()()
	c.launch("add_bias", gridFor(Y.n()), 1, 256, Y.ptr, tens(b).ptr, Y.cols, Y.n())
}

// RMSNorm implements backend.Backend.
func (c *CUDA) RMSNorm(y, x, w backend.Tensor, eps float32) {
	Y, X := tens(y), tens(x)
	defer c.enter()()
	c.launch("rmsnorm", X.rows, 1, rowThreads, Y.ptr, X.ptr, tens(w).ptr, X.cols, eps)
}

// HeadNorm implements backend.Backend.
func (c *CUDA) HeadNorm(qkv backend.Tensor, l backend.QKV, qw, kw backend.Tensor, eps float32) {
	T := tens(qkv)
	defer c.enter()()
	// One block per (row, head); a head is 64-256 wide.
	c.launch("headnorm", T.rows, l.NumHeads+l.NumKVHeads, 128,
		T.ptr, tens(qw).ptr, tens(kw).ptr, l.NumHeads, l.HeadDim, l.Width(), eps)
}

// RoPE implements backend.Backend.
func (c *CUDA) RoPE(qkv backend.Tensor, l backend.QKV, pos []int32, theta float64) {
	T := tens(qkv)
	if len(pos) != T.rows {
		panic(fmt.Sprintf("cuda: RoPE with %d positions for %d rows", len(pos), T.rows))
	}
	defer c.enter()()
	p := c.upload(slotPos, pos)
	c.launch("rope", T.rows, 1, min(128, max(32, l.HeadDim/2)),
		T.ptr, p, l.NumHeads+l.NumKVHeads, l.HeadDim, l.Width(), theta)
}

// SiluMul implements backend.Backend.
func (c *CUDA) SiluMul(y, gu backend.Tensor) {
	Y := tens(y)
	defer c.enter()()
	c.launch("silu_mul", gridFor(Y.n()), 1, 256, Y.ptr, tens(gu).ptr, Y.cols, Y.n())
}

// Add implements backend.Backend.
func (c *CUDA) Add(y, a, b backend.Tensor) {
	Y := tens(y)
	defer c.enter()()
	c.launch("add", gridFor(Y.n()), 1, 256, Y.ptr, tens(a).ptr, tens(b).ptr, Y.n())
}

// Embed implements backend.Backend.
func (c *CUDA) Embed(y, table backend.Tensor, ids []int32) {
	Y, W := tens(y), tens(table)
	for _, id := range ids {
		if int(id) < 0 || int(id) >= W.rows {
			panic(fmt.Sprintf("cuda: token id %d outside vocabulary of %d", id, W.rows))
		}
	}
	defer c.enter()()
	p := c.upload(slotIDs, ids)
	k := "embed_f32"
	if W.bf16 {
		k = "embed_bf16"
	}
	c.launch(k, len(ids), 1, rowThreads, Y.ptr, W.ptr, p, Y.cols)
}

// Gather implements backend.Backend.
func (c *CUDA) Gather(y, x backend.Tensor, idx []int32) {
	Y, X := tens(y), tens(x)
	for _, r := range idx {
		if int(r) < 0 || int(r) >= X.rows {
			panic(fmt.Sprintf("cuda: Gather of row %d from a %d-row tensor", r, X.rows))
		}
	}
	defer c.enter()()
	p := c.upload(slotIDs, idx)
	c.launch("embed_f32", len(idx), 1, rowThreads, Y.ptr, X.ptr, p, X.cols)
}

// gemvRows is the most activation rows the bf16 row kernel takes; larger
// products go to cuBLAS. The kernel reads each weight once for all rows,
// which is what decode needs. Not tuned on a GPU yet: 4 also makes
// backendtest's shapes (m = 1, 3, 5, 8) exercise both paths.
const gemvRows = 4

// wideChunk bounds the widened fp32 copy of a bf16 weight (64 MiB): the
// product is done in row blocks of the weight, not all at once.
var wideChunk = 16 << 20 // floats; a variable only for tests (export_test.go)

// MatMul implements backend.Backend: y[M][N] = x[M][K]·w[N][K]ᵀ.
//
// fp32 weights: cuBLAS GemmEx in fp32. bf16 weights with few rows: our
// kernel, fp32 activations times widened weights, as the cpu backend. More
// rows: by default the weight is widened to fp32 block by block and
// multiplied in fp32 (the cpu backend's result, exactly up to summation
// order); with SIMCHECK_CUDA_GEMM=bf16 activations are rounded to bf16
// and cuBLAS runs bf16×bf16 with fp32 accumulation instead.
func (c *CUDA) MatMul(y, x, w backend.Tensor) {
	Y, X, W := tens(y), tens(x), tens(w)
	m, k, n := X.rows, X.cols, W.rows
	if W.cols != k || Y.rows != m || Y.cols != n {
		panic(fmt.Sprintf("cuda: MatMul shapes y[%d %d] x[%d %d] w[%d %d]", Y.rows, Y.cols, m, k, n, W.cols))
	}
	if m == 0 || n == 0 {
		return
	}
	defer c.enter()()
	switch {
	case !W.bf16:
		check("MatMul", c.blas.gemm(m, n, k, W.ptr, false, X.ptr, false, Y.ptr, n))
	case m <= gemvRows:
		const warps = 8 // output columns per block
		vec8 := 0
		if k%8 == 0 {
			vec8 = 1
		}
		c.launch("matmul_bf16_rows", (n+warps-1)/warps, 1, warps*32, Y.ptr, X.ptr, W.ptr, m, n, k, vec8)
	case c.bf16Acts:
		xb := c.grow(slotWide, int64(m)*int64(k)*2)
		c.launch("narrow_f32", gridFor(m*k), 1, 256, xb, X.ptr, m*k)
		check("MatMul", c.blas.gemm(m, n, k, W.ptr, true, xb, true, Y.ptr, n))
	default:
		rows := max(1, min(n, wideChunk/k))
		wide := c.grow(slotWide, int64(rows)*int64(k)*4)
		for n0 := 0; n0 < n; n0 += rows {
			nr := min(rows, n-n0)
			wp := W.ptr + devPtr(int64(n0)*int64(k)*2)
			c.launch("widen_bf16", gridFor(nr*k), 1, 256, wide, wp, nr*k)
			check("MatMul", c.blas.gemm(m, nr, k, wide, false, X.ptr, false, Y.ptr+devPtr(n0*4), n))
		}
	}
}

// kvStore keeps K and V of each layer as [block][kvHead][slot][headDim],
// the cpu backend's layout.
type kvStore struct {
	blocks, bs int
	l          backend.QKV
	k, v       []*block
}

func (s *kvStore) NumBlocks() int { return s.blocks }
func (s *kvStore) BlockSize() int { return s.bs }

// DType implements backend.KVDTyper: the cuda cache is fp32.
func (s *kvStore) DType() string { return "F32" }

// NewKVStore implements backend.Backend.
func (c *CUDA) NewKVStore(layers, blocks, blockSize int, l backend.QKV) (backend.KVStore, error) {
	if layers <= 0 || blocks <= 0 || blockSize <= 0 {
		return nil, fmt.Errorf("cuda: KV store needs layers, blocks and block size > 0 (got %d, %d, %d)", layers, blocks, blockSize)
	}
	if l.HeadDim > headMax || l.HeadDim%2 != 0 || l.NumKVHeads <= 0 || l.NumHeads%l.NumKVHeads != 0 {
		return nil, fmt.Errorf("cuda: attention layout %+v not supported (head dim even and <= %d, heads a multiple of KV heads)", l, headMax)
	}
	per := int64(blocks) * int64(blockSize) * int64(l.NumKVHeads*l.HeadDim)
	defer c.enter()()
	s := &kvStore{blocks: blocks, bs: blockSize, l: l}
	for i := range layers {
		k, err := c.alloc(per)
		if err != nil {
			return nil, fmt.Errorf("cuda: KV cache of %d blocks, layer %d of %d: %w", blocks, i, layers, err)
		}
		v, err := c.alloc(per)
		if err != nil {
			return nil, fmt.Errorf("cuda: KV cache of %d blocks, layer %d of %d: %w", blocks, i, layers, err)
		}
		s.k, s.v = append(s.k, k), append(s.v, v)
	}
	return s, nil
}

// headMax is kernels.cu's HEAD_MAX.
const headMax = 256

// KVWrite implements backend.Backend.
func (c *CUDA) KVWrite(kv backend.KVStore, layer int, qkv backend.Tensor, l backend.QKV, slots []int32) {
	s, T := kv.(*kvStore), tens(qkv)
	for _, sl := range slots {
		if sl < 0 || int(sl) >= s.blocks*s.bs {
			panic(fmt.Sprintf("cuda: KV slot %d outside %d blocks of %d", sl, s.blocks, s.bs))
		}
	}
	defer c.enter()()
	p := c.upload(slotKV, slots)
	c.launch("kv_write", len(slots), 1, 128, s.k[layer].addr(), s.v[layer].addr(), T.ptr, p,
		l.NumHeads, l.NumKVHeads, l.HeadDim, l.Width(), s.bs)
}

// Attention implements backend.Backend. One block per (query row, head);
// the host lays out, per query row, its row index, the number of keys it
// sees (causal) and where its sequence's block table starts.
func (c *CUDA) Attention(out backend.Tensor, qkv backend.Tensor, l backend.QKV, kv backend.KVStore, layer int, seqs []backend.AttnSeq) {
	s, O, T := kv.(*kvStore), tens(out), tens(qkv)
	var meta, tables []int32
	for _, sq := range seqs {
		if need := (sq.KVLen + s.bs - 1) / s.bs; len(sq.Blocks) < need {
			panic(fmt.Sprintf("cuda: sequence of %d positions has %d blocks of %d", sq.KVLen, len(sq.Blocks), s.bs))
		}
		if sq.QLen > sq.KVLen || sq.QStart+sq.QLen > T.rows {
			panic(fmt.Sprintf("cuda: attention rows [%d,+%d) with %d cached positions, %d query rows", sq.QStart, sq.QLen, sq.KVLen, T.rows))
		}
		off := int32(len(tables))
		tables = append(tables, sq.Blocks...)
		first := sq.KVLen - sq.QLen
		for i := range sq.QLen {
			meta = append(meta, int32(sq.QStart+i), int32(first+i+1), off)
		}
	}
	if len(meta) == 0 {
		return
	}
	if l.HeadDim > headMax {
		panic(fmt.Sprintf("cuda: head dim %d above %d", l.HeadDim, headMax))
	}
	scale := float32(1 / math.Sqrt(float64(l.HeadDim)))
	defer c.enter()()
	mp, tp := c.upload(slotMeta, meta), c.upload(slotTables, tables)
	c.launch("attention", len(meta)/3, l.NumHeads, 4*32, O.ptr, T.ptr, s.k[layer].addr(), s.v[layer].addr(), mp, tp,
		l.NumHeads, l.NumKVHeads, l.HeadDim, l.Width(), s.bs, scale)
}
