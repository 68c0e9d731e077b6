package backend

// Tensor is a backend-owned 2-D row-major matrix. Activations are fp32;
// weights may be stored in another dtype (the cpu backend keeps bf16 as is).
type Tensor interface {
	Dims() (rows, cols int)
}

// HostTensor is a weight as it comes from the weights package: exactly one
// of F32 or BF16 is set (fp16 is converted on load).
type HostTensor struct {
	Name  string
	Rows  int // 1 for vectors
	Cols  int
	F32   []float32
	BF16  []uint16
	Owned bool // false when the slice aliases a mapped file
}

// QKV describes the fused projection's layout: per row, NumHeads query
// heads, then NumKVHeads key heads, then NumKVHeads value heads, each
// HeadDim wide.
type QKV struct {
	NumHeads, NumKVHeads, HeadDim int
}

// Width is a QKV row's length.
func (l QKV) Width() int { return (l.NumHeads + 2*l.NumKVHeads) * l.HeadDim }

// AttnSeq is one sequence's slice of a batch for attention: its query rows
// [QStart, QStart+QLen) sit at positions [KVLen-QLen, KVLen) and attend
// causally to every cached position before and including their own.
type AttnSeq struct {
	QStart, QLen int
	KVLen        int
	Blocks       []int32 // the sequence's block table
}

// KVStore holds the paged K and V of every layer on the backend.
type KVStore interface {
	NumBlocks() int
	BlockSize() int
}

// DecodeKVSaver is a Backend whose Attention stores the K and V of every
// sequence with a single query row (QLen 1, a decode token) itself, at
// position KVLen-1, before reading that position, and whose KVWrite skips
// negative slots. The model passes -1 for those rows, so each decode token
// is stored once, as part of the attention that fetches its block anyway.
type DecodeKVSaver interface {
	SavesDecodeKV() bool
}

// Argmaxer is a Backend that finds, for each host row of logits, the
// first index of its largest value (a NaN never wins; a NaN at index 0
// gives 0), as greedy sampling does. ArgmaxRows writes out[i] for every
// non-nil rows[i] and leaves the rest of out alone.
type Argmaxer interface {
	ArgmaxRows(out []int32, rows [][]float32)
}

// Backend is the set of operations the decoder needs. y is always the
// output; it may alias an input only where the doc says so. Row counts of
// the tensors passed in define the work.
type Backend interface {
	Name() string
	// NewTensor allocates an fp32 activation (zeroed).
	NewTensor(rows, cols int) Tensor
	// Rows is a view of the first n rows of t (n <= rows of t), so one
	// workspace serves batches of any size up to its capacity.
	Rows(t Tensor, n int) Tensor
	// Upload turns a host weight into a backend weight; the cpu backend may
	// keep the host slice without copying.
	Upload(h HostTensor) (Tensor, error)
	// Write and Read copy fp32 data between host and an activation.
	Write(t Tensor, src []float32)
	Read(t Tensor, dst []float32)

	// MatMul: y[M][N] = x[M][K] · w[N][K]ᵀ (Hugging Face [out][in] layout).
	MatMul(y, x, w Tensor)
	// AddBias: y[m][n] += b[n].
	AddBias(y, b Tensor)
	// RMSNorm: y[m] = x[m] / rms(x[m]) * w, per row; y may alias x.
	RMSNorm(y, x, w Tensor, eps float32)
	// HeadNorm applies per-head RMSNorm to the q part (qw) and k part (kw)
	// of a fused QKV activation in place (Qwen3's q_norm/k_norm).
	HeadNorm(qkv Tensor, l QKV, qw, kw Tensor, eps float32)
	// RoPE rotates the q and k parts of each row in place by its position
	// (neox half-split layout, as Hugging Face's rotate_half).
	RoPE(qkv Tensor, l QKV, pos []int32, theta float64)
	// SiluMul: y[m][i] = silu(gu[m][i]) * gu[m][I+i], where gu is [M][2I].
	SiluMul(y, gu Tensor)
	// Add: y = a + b; y may alias a.
	Add(y, a, b Tensor)
	// Embed gathers rows of table (a weight) by token id.
	Embed(y, table Tensor, ids []int32)
	// Gather copies rows x[idx[i]] to y[i].
	Gather(y, x Tensor, idx []int32)

	// NewKVStore allocates the paged cache of all layers.
	NewKVStore(layers, blocks, blockSize int, l QKV) (KVStore, error)
	// KVWrite stores the k and v parts of each row of qkv at its slot
	// (block*blockSize + offset) in layer's cache.
	KVWrite(kv KVStore, layer int, qkv Tensor, l QKV, slots []int32)
	// Attention writes out[QStart+i] (NumHeads*HeadDim wide) for each
	// sequence from the q part of qkv and the cached K/V of layer; causal,
	// grouped-query. It serves both prefill chunks and decode tokens.
	Attention(out Tensor, qkv Tensor, l QKV, kv KVStore, layer int, seqs []AttnSeq)
}
