package cpu

import (
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// kvStore keeps K and V per layer in fp32 or bf16, one region per (block,
// KV head), each region padded to pad slots (the block size rounded up to
// 16, one vector of fp32 scores). Within a region:
//
//   - K is transposed, [headDim][pad] in fp32 and [headDim/2][pad][2] in
//     bf16 (dimension pairs side by side, as VDPBF16PS reads them): the
//     scores of 16 keys are then one vector accumulated over the head
//     dimension, with no horizontal sums.
//   - V is [pad][headDim] in fp32 and [pad/2][headDim][2] in bf16 (slot
//     pairs side by side): a probability pair times a value pair row adds
//     into 16 output dimensions at once.
//
// Padding slots are never written and stay zero.
type kvStore struct {
	blocks, bs, pad int
	l               backend.QKV
	bf16            bool
	k32, v32        [][]float32 // per layer, fp32 store
	k16, v16        [][]uint16  // per layer, bf16 store
}

func (s *kvStore) NumBlocks() int { return s.blocks }
func (s *kvStore) BlockSize() int { return s.bs }

// DType implements backend.KVDTyper.
func (s *kvStore) DType() string {
	if s.bf16 {
		return "BF16"
	}
	return "F32"
}

// region is the offset of (block, head)'s region.
func (s *kvStore) region(block, head int) int {
	return (head*s.blocks + block) * s.pad * s.l.HeadDim
}

// NewKVStore implements backend.Backend. The cache's dtype is
// Options.KVDType, or with none the weights' (bf16 when a matrix was
// uploaded as bf16).
func (c *CPU) NewKVStore(layers, blocks, blockSize int, l backend.QKV) (backend.KVStore, error) {
	if layers <= 0 || blocks <= 0 || blockSize <= 0 {
		return nil, fmt.Errorf("cpu: KV store needs layers, blocks and block size > 0 (got %d, %d, %d)", layers, blocks, blockSize)
	}
	if l.NumKVHeads <= 0 || l.NumHeads%l.NumKVHeads != 0 || l.HeadDim <= 0 {
		return nil, fmt.Errorf("cpu: attention layout %+v not supported (heads a multiple of KV heads)", l)
	}
	bf := c.kvdtype == "BF16" || (c.kvdtype == "" && c.sawBF16)
	if bf && l.HeadDim%2 != 0 {
		return nil, fmt.Errorf("cpu: a bf16 KV cache needs an even head dimension (got %d)", l.HeadDim)
	}
	s := &kvStore{blocks: blocks, bs: blockSize, pad: (blockSize + 15) &^ 15, l: l, bf16: bf}
	per := int64(blocks) * int64(s.pad) * int64(l.NumKVHeads*l.HeadDim)
	if per*int64(layers)*8 > 1<<40 {
		return nil, fmt.Errorf("cpu: KV store of %d blocks is too large", blocks)
	}
	for range layers {
		if bf {
			s.k16, s.v16 = append(s.k16, hugeU16(s, int(per))), append(s.v16, hugeU16(s, int(per)))
		} else {
			s.k32, s.v32 = append(s.k32, hugeF32(s, int(per))), append(s.v32, hugeF32(s, int(per)))
		}
	}
	// Touch every page now: a fresh allocation is mapped lazily, and the
	// first write to each page of a block would otherwise fault inside a
	// timed step (on a VM, an exit to the host per page).
	var all [][]byte
	for _, b := range append(append([][]float32(nil), s.k32...), s.v32...) {
		all = append(all, asBytes32(b))
	}
	for _, b := range append(append([][]uint16(nil), s.k16...), s.v16...) {
		all = append(all, asBytes16(b))
	}
	c.parallel(len(all), 1, func(_, lo, hi int) {
		for _, b := range all[lo:hi] {
			for i := 0; i < len(b); i += pageBytes {
				b[i] = 0
			}
		}
	})
	return s, nil
}

// pageBytes is a 4 KiB page.
const pageBytes = 4096

// SavesDecodeKV implements backend.DecodeKVSaver: Attention stores a
// decode token's K and V just before it scores and sums the token's block.
// KVWrite alone pulled every line of that block in to change 4 bytes of
// each, 3.3 of a 117 ms batch-32 step.
func (c *CPU) SavesDecodeKV() bool { return true }

// KVWrite implements backend.Backend; a negative slot is skipped
// (backend.DecodeKVSaver).
func (c *CPU) KVWrite(kv backend.KVStore, layer int, qkv backend.Tensor, l backend.QKV, slots []int32) {
	s, T := kv.(*kvStore), f32s(qkv)
	wd := l.Width()
	// By KV head: the transposed K of one token touches a cache line per
	// dimension pair, so the writes are worth both cores at batch 32.
	c.parallel(l.NumKVHeads, 1, func(_, h0, h1 int) {
		for i, slot := range slots {
			if slot < 0 {
				continue
			}
			b, off := int(slot)/s.bs, int(slot)%s.bs
			row := T.f32[i*wd : (i+1)*wd]
			for h := h0; h < h1; h++ {
				s.write(layer, b, h, off, row, l)
			}
		}
	})
}

// write stores one token's K and V of KV head h at slot off of block b.
func (s *kvStore) write(layer, b, h, off int, row []float32, l backend.QKV) {
	d, P, r := l.HeadDim, s.pad, s.region(b, h)
	k := row[(l.NumHeads+h)*d : (l.NumHeads+h+1)*d]
	v := row[(l.NumHeads+l.NumKVHeads+h)*d : (l.NumHeads+l.NumKVHeads+h+1)*d]
	if !s.bf16 {
		kt := s.k32[layer][r : r+d*P]
		for j, x := range k {
			kt[j*P+off] = x
		}
		copy(s.v32[layer][r+off*d:r+(off+1)*d], v)
		return
	}
	// Both rows are rounded by the vector kernel (as the activations of a
	// product are: a subnormal becomes a zero, which is also how the
	// attention kernels read one), then stored a dimension pair (K) or a
	// slot pair (V) at a time: 4-byte stores instead of 2-byte ones, and
	// no scalar rounding (attention 1.3-2.5% faster at batch 32,
	// alternating in one process).
	var tmp [512]uint16
	kb := tmp[:]
	if 2*d > len(tmp) {
		kb = make([]uint16, 2*d)
	}
	kb, vb := kb[:d], kb[d:2*d]
	roundBF16s(kb, k)
	roundBF16s(vb, v)
	kt, vt := s.k16[layer][r:r+d*P], s.v16[layer][r+(off/2)*2*d:r+(off/2+1)*2*d]
	// Dimension pair j of slot off is uint32 j·P+off of the region (P is
	// a multiple of 16 and regions start at even offsets: aligned).
	kt32 := unsafe.Slice((*uint32)(unsafe.Pointer(&kt[0])), len(kt)/2)
	kp := unsafe.Slice((*uint32)(unsafe.Pointer(&kb[0])), d/2)
	for j, x := range kp {
		kt32[j*P+off] = x
	}
	if off&1 == 1 {
		for j, x := range vb {
			vt[2*j+1] = x
		}
		return
	}
	// An even slot writes its value with a zero partner: the partner
	// stays zero until written, so a zero probability never meets a
	// stale value.
	vt32 := unsafe.Slice((*uint32)(unsafe.Pointer(&vt[0])), d)
	for j, x := range vb {
		vt32[j] = uint32(x) << firstHalf
	}
}

// firstHalf is the shift that puts a uint16 in the half of a uint32 that
// comes first in memory (0 on a little-endian machine).
var firstHalf = func() uint {
	x := uint32(1)
	if *(*byte)(unsafe.Pointer(&x)) == 1 {
		return 0
	}
	return 16
}()

// rowsPerItem bounds the (query row, head) pairs one work item handles:
// enough to share each K/V block among a KV head's query heads and to
// use the 4-row score kernel, few enough that long prefills split into
// many items and causal items near the start stay cheap.
const rowsPerItem = 32

// Attention implements backend.Backend. Work items are (sequence, KV head,
// chunk of query rows): every query head of the KV head attends within
// the item, so each K/V block is read once for all of them. An item packs
// its query rows, computes scores 16 keys at a time, masks causally, takes
// a softmax per row and sums the value rows.
func (c *CPU) Attention(out backend.Tensor, qkv backend.Tensor, l backend.QKV, kv backend.KVStore, layer int, seqs []backend.AttnSeq) {
	s, O, T := kv.(*kvStore), f32s(out), f32s(qkv)
	d, wd, group := l.HeadDim, l.Width(), l.NumHeads/l.NumKVHeads
	qChunk := max(1, rowsPerItem/group)
	type item struct{ seq, kvh, q0, q1 int }
	var items []item
	maxKV := 0
	for h := range l.NumKVHeads {
		for si, sq := range seqs {
			maxKV = max(maxKV, sq.KVLen)
			for q0 := 0; q0 < sq.QLen; q0 += qChunk {
				items = append(items, item{si, h, q0, min(q0+qChunk, sq.QLen)})
			}
		}
	}
	// Items go by KV head, then sequence: a KV head's regions lie in block
	// order, so where the block tables run on from one sequence to the
	// next (a fresh cache), a worker's K and V reads run on from one item
	// into the next. The second half is reversed because the sweep hands it
	// out from the back: the second worker then reads upwards too.
	// BenchmarkAttentionDecode, bf16, batch 32, 5 alternating runs:
	// 35.1-37.1 GB/s by sequence, 36.2-38.7 this way.
	slices.Reverse(items[len(items)/2:])
	// Scores sit at their key positions; a row's stride has room for the
	// padding slots of the last block, which the score tiles also write.
	nb := (maxKV + s.bs - 1) / s.bs
	ld := nb*s.bs + s.pad
	nrMax := 0
	for _, it := range items {
		nrMax = max(nrMax, (it.q1-it.q0)*group)
	}
	for len(c.attn) < c.threads {
		c.attn = append(c.attn, &attnScratch{})
	}
	scale := float32(1 / math.Sqrt(float64(d)))
	c.sweep(len(items), 1, true, func(w, idx, next int) {
		a := c.attn[w]
		a.grow(nrMax, ld, nb*s.pad, d, s.bf16)
		it := items[idx]
		sq := seqs[it.seq]
		nr := (it.q1 - it.q0) * group
		first := sq.KVLen - sq.QLen + it.q0 // position of the first query row
		// Row i is query row q0+i/group of head kvh·group+i%group.
		for i := range nr {
			src := T.f32[(sq.QStart+it.q0+i/group)*wd+(it.kvh*group+i%group)*d:][:d]
			if s.bf16 {
				roundBF16s(a.qb[i*d:(i+1)*d], src)
			} else {
				copy(a.q[i*d:(i+1)*d], src)
			}
		}
		keys := first + it.q1 - it.q0 // keys the last row sees
		lastB := (sq.KVLen - 1) / s.bs
		if s.bf16 && sq.QLen == 1 && lastB > 0 {
			// The decode token's block is written before it is read:
			// ask for its K and the token's V lines now, a block's
			// worth of streaming before they are needed.
			off := (sq.KVLen - 1) % s.bs
			r := s.region(int(sq.Blocks[lastB]), it.kvh)
			prefetch16(s.k16[layer][r : r+d*s.pad])
			prefetch16(s.v16[layer][r+(off/2)*2*d : r+(off/2+1)*2*d])
		}
		b := 0
		if nbK := (keys + 15) / 16; s.bf16 && nr == 2 && s.bs == 16 && nbK > 1 {
			// Two rows (a decode token of two query heads a KV head):
			// the full blocks before the last go to the multi-block
			// kernel in one call, asking ahead as below.
			b = nbK - 1
			a.tab = s.blockTable(a.tab[:0], sq.Blocks, it.kvh, b+1)
			scoresBB2Run(a.s, ld, a.qb, d, s.k16[layer], 2*s.pad, d, a.tab)
		}
		for ; b*s.bs < keys; b++ {
			if sq.QLen == 1 && b == lastB {
				// A decode token's K and V go in now, as its block's
				// lines arrive (backend.DecodeKVSaver).
				s.write(layer, int(sq.Blocks[b]), it.kvh, (sq.KVLen-1)%s.bs, T.f32[sq.QStart*wd:(sq.QStart+1)*wd], l)
			}
			r := s.region(int(sq.Blocks[b]), it.kvh)
			if s.bf16 && (b+1)*s.bs < keys {
				s.askHead(s.k16[layer], sq.Blocks[b+1], it.kvh)
			}
			n := min(s.bs, keys-b*s.bs)
			for t := 0; t < n; t += 16 {
				for r0 := 0; r0 < nr; r0 += 4 {
					rows := min(4, nr-r0)
					dst := a.s[r0*ld+b*s.bs+t:]
					if s.bf16 {
						scoresBB(dst, ld, a.qb[r0*d:], d, s.k16[layer][r+2*t:], 2*s.pad, d, rows)
					} else {
						scoresFF(dst, ld, a.q[r0*d:], d, s.k32[layer][r+t:], s.pad, d, rows)
					}
				}
			}
		}
		if s.bf16 {
			// The value pass starts cold too: ask for its first block
			// while the softmax runs.
			s.askHead(s.v16[layer], sq.Blocks[0], it.kvh)
		}
		clear(a.o[:nr*d])
		nbItem := (keys + s.bs - 1) / s.bs
		ldp := nbItem * s.pad
		for i := range nr {
			see := first + i/group + 1 // causal: positions 0..first+i/group
			p := a.s[i*ld : i*ld+see]
			softmaxRow(p, scale)
			if s.bf16 {
				s.padProbs(a.pb[i*ldp:(i+1)*ldp], p)
			}
		}
		if s.bf16 {
			// Rows two at a time, each value block loaded once for
			// both; a row's probabilities past what it sees are zero.
			for i := 0; i < nr; i += 2 {
				last := first + min(i+1, nr-1)/group + 1 // keys the pair's later row sees
				b := 0
				if nbV := (last + s.bs - 1) / s.bs; i+1 < nr && d == 128 && nbV > 1 {
					// The full blocks before the last go to the
					// multi-block kernel in one call (the sums stay in
					// registers), asking ahead as below.
					b = nbV - 1
					a.tab = s.blockTable(a.tab[:0], sq.Blocks, it.kvh, b+1)
					pvBB2Run(a.o[i*d:], d, a.pb[i*ldp:], ldp, s.pad, s.v16[layer], a.tab, d, (s.bs+1)/2)
				}
				for ; b*s.bs < last; b++ {
					r := s.region(int(sq.Blocks[b]), it.kvh)
					if (b+1)*s.bs < last {
						s.askHead(s.v16[layer], sq.Blocks[b+1], it.kvh)
					} else if next >= 0 && i+2 >= nr {
						// The item's last block: ask for the first
						// keys of the worker's next item.
						nx := items[next]
						s.askHead(s.k16[layer], seqs[nx.seq].Blocks[0], nx.kvh)
					}
					pairs := (min(s.bs, last-b*s.bs) + 1) / 2
					pb := a.pb[i*ldp+b*s.pad:]
					if i+1 < nr {
						pvBB2(a.o[i*d:], d, pb, ldp, s.v16[layer][r:], d, pairs)
					} else {
						pvBB(a.o[i*d:], pb, s.v16[layer][r:], d, pairs)
					}
				}
			}
		} else {
			for i := range nr {
				see := first + i/group + 1
				p, o := a.s[i*ld:i*ld+see], a.o[i*d:(i+1)*d]
				for b := 0; b*s.bs < see; b++ {
					r := s.region(int(sq.Blocks[b]), it.kvh)
					pv(o, p[b*s.bs:], s.v32[layer][r:], d, min(s.bs, see-b*s.bs), d)
				}
			}
		}
		for i := range nr {
			copy(O.f32[(sq.QStart+it.q0+i/group)*l.NumHeads*d+(it.kvh*group+i%group)*d:][:d], a.o[i*d:(i+1)*d])
		}
	})
}

// attnHead is how much of the next K or V block (in bf16 values: 1 KiB,
// 16 cache lines) a bf16 attention item asks for before it reads the
// current one. A block's region is 4 KiB at Qwen3's head size, and the
// hardware prefetcher starts each one cold, so its first lines cost full
// memory latency; asking for them early gave 10% more bandwidth
// (BenchmarkAttentionDecode, batch 32, fresh and scattered caches alike),
// while asking for whole blocks ahead flooded the miss queues and lost 10%.
// The request is made whether or not the next block follows in the store.
// Where it follows, the kernels once asked 3 KiB ahead of every line they
// read instead (a gain over asking nothing: 32-33 → 39-42 GB/s), but the
// next block's first KiB alone does better: alternating in one process,
// batch 32, a fresh cache's tables, 40-44 GB/s with the line requests
// against 48-50 without, and 95-99 ms against 102-111 ms for the whole
// bf16 decode step (BenchmarkQwen3Decode, the two builds alternated).
const attnHead = 512

// askHead asks for the first attnHead values of block's region under KV
// head kvh in the bf16 store x (K or V of one layer), or the whole region
// where it is smaller.
func (s *kvStore) askHead(x []uint16, block int32, kvh int) {
	prefetch16(x[s.region(int(block), kvh):][:min(attnHead, s.l.HeadDim*s.pad)])
}

// blockTable appends to tab what the multi-block kernels take for the
// first n-1 blocks of a sequence's table (n <= len(blocks)) under KV
// head kvh: the regions of its first n blocks, the last of them only
// asked for (its first KiB, before the block ahead of it starts).
func (s *kvStore) blockTable(tab []int, blocks []int32, kvh, n int) []int {
	for _, b := range blocks[:n] {
		tab = append(tab, s.region(int(b), kvh))
	}
	return tab
}

// padProbs rounds a row's probabilities p to bf16 into dst, block by
// block in the padded slot layout, zero past the row's end and in every
// padding slot, so that a value pair never meets a stale probability.
func (s *kvStore) padProbs(dst []uint16, p []float32) {
	if s.bs == s.pad {
		roundBF16s(dst[:len(p)], p)
		clear(dst[len(p):])
		return
	}
	clear(dst)
	for b := 0; b*s.bs < len(p); b++ {
		n := min(s.bs, len(p)-b*s.bs)
		roundBF16s(dst[b*s.pad:b*s.pad+n], p[b*s.bs:b*s.bs+n])
	}
}

// attnScratch is one worker's buffers, kept by the backend from call to
// call: packed query rows (fp32 or bf16), scores, bf16 probabilities in
// the padded slot layout and packed output rows.
type attnScratch struct {
	q   []float32
	qb  []uint16
	s   []float32
	pb  []uint16
	o   []float32
	tab []int // block table of a multi-block kernel call
}

// grow makes room for rows query rows with score stride ld and padded
// probability stride ldp.
func (a *attnScratch) grow(rows, ld, ldp, d int, bf bool) {
	a.s = growF32(a.s, rows*ld)
	a.o = growF32(a.o, rows*d)
	if bf {
		a.qb, a.pb = growU16(a.qb, rows*d), growU16(a.pb, rows*ldp)
	} else {
		a.q = growF32(a.q, rows*d)
	}
}

func growF32(x []float32, n int) []float32 {
	if cap(x) < n {
		return make([]float32, n)
	}
	return x[:n]
}

func growU16(x []uint16, n int) []uint16 {
	if cap(x) < n {
		return make([]uint16, n)
	}
	return x[:n]
}

// asBytes32 and asBytes16 view a slice's memory as bytes, to touch its pages.
func asBytes32(x []float32) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 4*len(x))
}

func asBytes16(x []uint16) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 2*len(x))
}
