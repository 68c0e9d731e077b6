package cpu

import (
	"fmt"
	"math"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// kvStore keeps K and V per layer as [block][kvHead][slot][headDim]: one
// head's keys in a block are contiguous, so a block's scores are one tile
// product and its values one pv call.
type kvStore struct {
	blocks, bs int
	l          backend.QKV
	k, v       [][]float32 // per layer
}

func (s *kvStore) NumBlocks() int { return s.blocks }
func (s *kvStore) BlockSize() int { return s.bs }

// at is the offset of (block, head, slot 0).
func (s *kvStore) at(block, head int) int {
	return (block*s.l.NumKVHeads + head) * s.bs * s.l.HeadDim
}

// NewKVStore implements backend.Backend.
func (c *CPU) NewKVStore(layers, blocks, blockSize int, l backend.QKV) (backend.KVStore, error) {
	if layers <= 0 || blocks <= 0 || blockSize <= 0 {
		return nil, fmt.Errorf("cpu: KV store needs layers, blocks and block size > 0 (got %d, %d, %d)", layers, blocks, blockSize)
	}
	per := int64(blocks) * int64(blockSize) * int64(l.NumKVHeads*l.HeadDim)
	if per*int64(layers)*8 > 1<<40 {
		return nil, fmt.Errorf("cpu: KV store of %d blocks is too large", blocks)
	}
	s := &kvStore{blocks: blocks, bs: blockSize, l: l}
	for range layers {
		s.k = append(s.k, make([]float32, per))
		s.v = append(s.v, make([]float32, per))
	}
	// Touch every page now: a fresh allocation is mapped lazily, and the
	// first write to each page of a block would otherwise fault inside a
	// timed step (on a VM, an exit to the host per page).
	all := append(append([][]float32(nil), s.k...), s.v...)
	c.parallel(len(all), 1, func(_, lo, hi int) {
		for _, b := range all[lo:hi] {
			for i := 0; i < len(b); i += pageFloats {
				b[i] = 0
			}
		}
	})
	return s, nil
}

// pageFloats is a 4 KiB page in float32s.
const pageFloats = 1024

// KVWrite implements backend.Backend.
func (c *CPU) KVWrite(kv backend.KVStore, layer int, qkv backend.Tensor, l backend.QKV, slots []int32) {
	s, T := kv.(*kvStore), f32s(qkv)
	d, wd := l.HeadDim, l.Width()
	kl, vl := s.k[layer], s.v[layer]
	for i, slot := range slots {
		b, off := int(slot)/s.bs, int(slot)%s.bs
		row := T.f32[i*wd : (i+1)*wd]
		for h := range l.NumKVHeads {
			dst := s.at(b, h) + off*d
			copy(kl[dst:dst+d], row[(l.NumHeads+h)*d:])
			copy(vl[dst:dst+d], row[(l.NumHeads+l.NumKVHeads+h)*d:])
		}
	}
}

// qChunk bounds the query rows one work item handles: enough to use the
// 4×4 tiles well, few enough that long prefills split into many items and
// causal items near the start stay cheap.
const qChunk = 32

// Attention implements backend.Backend. Work items are (sequence, query
// head, chunk of query rows); each computes scores block by block, masks
// causally, takes a softmax and sums value rows.
func (c *CPU) Attention(out backend.Tensor, qkv backend.Tensor, l backend.QKV, kv backend.KVStore, layer int, seqs []backend.AttnSeq) {
	s, O, T := kv.(*kvStore), f32s(out), f32s(qkv)
	type item struct{ seq, head, q0, q1 int }
	var items []item
	maxKV := 0
	for si, sq := range seqs {
		maxKV = max(maxKV, sq.KVLen)
		for h := range l.NumHeads {
			for q0 := 0; q0 < sq.QLen; q0 += qChunk {
				items = append(items, item{si, h, q0, min(q0+qChunk, sq.QLen)})
			}
		}
	}
	// Round the scores' row stride up to whole blocks: scores are written
	// one block (tile) at a time.
	ld := (maxKV + s.bs - 1) / s.bs * s.bs
	scratch := make([][]float32, c.threads)
	d, wd, group := l.HeadDim, l.Width(), l.NumHeads/l.NumKVHeads
	scale := float32(1 / math.Sqrt(float64(d)))
	kl, vl := s.k[layer], s.v[layer]
	c.parallel(len(items), 1, func(w, lo, hi int) {
		if scratch[w] == nil {
			scratch[w] = make([]float32, qChunk*ld)
		}
		S := scratch[w]
		for _, it := range items[lo:hi] {
			sq := seqs[it.seq]
			kvh := it.head / group
			rows := it.q1 - it.q0
			first := sq.KVLen - sq.QLen + it.q0 // position of the first query row
			keys := first + rows                // keys the last row sees
			q := T.f32[(sq.QStart+it.q0)*wd+it.head*d:]
			for b := 0; b*s.bs < keys; b++ {
				n := min(s.bs, keys-b*s.bs)
				kb := wrow{f32: kl[s.at(int(sq.Blocks[b]), kvh):]}
				matmulRange(S[b*s.bs:], ld, q, wd, kb, d, rows, 0, n, d)
			}
			for r := range rows {
				see := first + r + 1 // causal: positions 0..first+r
				p := S[r*ld : r*ld+see]
				softmaxRow(p, scale)
				o := O.f32[(sq.QStart+it.q0+r)*l.NumHeads*d+it.head*d:][:d]
				clear(o)
				for b := 0; b*s.bs < see; b++ {
					n := min(s.bs, see-b*s.bs)
					pv(o, p[b*s.bs:], vl[s.at(int(sq.Blocks[b]), kvh):], d, n, d)
				}
			}
		}
	})
}
