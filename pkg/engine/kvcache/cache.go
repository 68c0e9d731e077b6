package kvcache

import (
	"errors"
	"fmt"

	"github.com/simcheck/simcheck/pkg/engine/arch"
)

// ErrOutOfBlocks reports that a reservation needs more free blocks than
// the pool has.
var ErrOutOfBlocks = errors.New("kvcache: out of KV blocks")

// SeqID names a sequence in the cache.
type SeqID int64

type seq struct {
	blocks []int32
	n      int // tokens whose K/V are written (or declared pre-filled)
}

// Cache hands out blocks to sequences.
type Cache struct {
	blockSize int
	total     int
	free      []int32 // a stack: recently freed blocks are reused first
	seqs      map[SeqID]*seq
}

// New makes a pool of numBlocks blocks of blockSize tokens.
func New(numBlocks, blockSize int) (*Cache, error) {
	if numBlocks <= 0 || blockSize <= 0 {
		return nil, fmt.Errorf("kvcache: need num_kv_blocks > 0 and block_size > 0, got %d and %d", numBlocks, blockSize)
	}
	c := &Cache{blockSize: blockSize, total: numBlocks, seqs: map[SeqID]*seq{}}
	c.free = make([]int32, numBlocks)
	for i := range c.free {
		c.free[i] = int32(numBlocks - 1 - i) // pop order 0, 1, 2, …
	}
	return c, nil
}

// BlocksForBudget is how many blocks fit in a memory budget in bytes for a
// model (fp32 K and V of every layer).
func BlocksForBudget(budget int64, a arch.Arch, blockSize int) int {
	per := a.KVBytesPerToken() * int64(blockSize)
	if per <= 0 {
		return 0
	}
	return int(budget / per)
}

func (c *Cache) BlockSize() int  { return c.blockSize }
func (c *Cache) NumBlocks() int  { return c.total }
func (c *Cache) FreeBlocks() int { return len(c.free) }

// BlocksFor is the number of blocks that hold n tokens.
func (c *Cache) BlocksFor(n int) int { return (n + c.blockSize - 1) / c.blockSize }

// Need is how many more blocks seq id needs to hold n tokens.
func (c *Cache) Need(id SeqID, n int) int {
	have := 0
	if s := c.seqs[id]; s != nil {
		have = len(s.blocks)
	}
	return max(0, c.BlocksFor(n)-have)
}

// CanReserve reports whether Reserve(id, n) would succeed.
func (c *Cache) CanReserve(id SeqID, n int) bool { return c.Need(id, n) <= len(c.free) }

// Reserve grows seq id's block table to hold n tokens. On failure nothing
// changes and the error wraps ErrOutOfBlocks.
func (c *Cache) Reserve(id SeqID, n int) error {
	need := c.Need(id, n)
	if need > len(c.free) {
		return fmt.Errorf("%w: sequence %d needs %d more blocks for %d tokens, %d of %d free", ErrOutOfBlocks, id, need, n, len(c.free), c.total)
	}
	s := c.seqs[id]
	if s == nil {
		s = &seq{}
		c.seqs[id] = s
	}
	for range need {
		s.blocks = append(s.blocks, c.free[len(c.free)-1])
		c.free = c.free[:len(c.free)-1]
	}
	return nil
}

// Release frees all of seq id's blocks.
func (c *Cache) Release(id SeqID) {
	s := c.seqs[id]
	if s == nil {
		return
	}
	for i := len(s.blocks) - 1; i >= 0; i-- {
		c.free = append(c.free, s.blocks[i])
	}
	delete(c.seqs, id)
}

// Len is how many tokens of seq id are in the cache.
func (c *Cache) Len(id SeqID) int {
	if s := c.seqs[id]; s != nil {
		return s.n
	}
	return 0
}

// Table is seq id's block table (shared; do not modify).
func (c *Cache) Table(id SeqID) []int32 {
	if s := c.seqs[id]; s != nil {
		return s.blocks
	}
	return nil
}

// Advance records that n more tokens of seq id were written; their blocks
// must already be reserved.
func (c *Cache) Advance(id SeqID, n int) error {
	s := c.seqs[id]
	if s == nil || c.BlocksFor(s.n+n) > len(s.blocks) {
		return fmt.Errorf("kvcache: sequence %d advanced past its reserved blocks", id)
	}
	s.n += n
	return nil
}

// Prefill gives seq id a KV length of n tokens without computing them (the
// slots keep whatever they held): vidur-profile times attention at a given
// kv_cache_size this way.
func (c *Cache) Prefill(id SeqID, n int) error {
	if err := c.Reserve(id, n); err != nil {
		return err
	}
	c.seqs[id].n = max(c.seqs[id].n, n)
	return nil
}
