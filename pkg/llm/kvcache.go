package llm

import "errors"

// errNoBlocks is KV exhaustion: the scheduler preempts on it.
var errNoBlocks = errors.New("llm: no free KV blocks")

// kvCache is a paged KV cache: per layer, numBlocks blocks of blockSize
// token slots, each slot kvHeads·headDim keys and as many values (fp32).
type kvCache struct {
	blockSize, numBlocks, slot int
	k, v                       [][]float32
	free                       []int
}

func newKVCache(a Arch, blockSize, numBlocks int) *kvCache {
	c := &kvCache{blockSize: blockSize, numBlocks: numBlocks, slot: a.KVHeads * a.HeadDim}
	n := numBlocks * blockSize * c.slot
	c.k, c.v = make([][]float32, a.NumLayers), make([][]float32, a.NumLayers)
	for l := range c.k {
		// Untouched pages are never faulted in: a large budget costs
		// only what is used.
		c.k[l], c.v[l] = make([]float32, n), make([]float32, n)
	}
	c.free = make([]int, numBlocks)
	for i := range c.free {
		c.free[i] = numBlocks - 1 - i
	}
	return c
}

// grow extends a block table to hold n tokens.
func (c *kvCache) grow(table []int, n int) ([]int, error) {
	need := (n + c.blockSize - 1) / c.blockSize
	if need-len(table) > len(c.free) {
		return table, errNoBlocks
	}
	for len(table) < need {
		b := c.free[len(c.free)-1]
		c.free = c.free[:len(c.free)-1]
		table = append(table, b)
	}
	return table, nil
}

// release returns a table's blocks.
func (c *kvCache) release(table []int) {
	c.free = append(c.free, table...)
}

// freeBlocks is the number of unallocated blocks.
func (c *kvCache) freeBlocks() int { return len(c.free) }

// at returns the key and value slots of token position pos.
func (c *kvCache) at(layer int, table []int, pos int) (k, v []float32) {
	off := (table[pos/c.blockSize]*c.blockSize + pos%c.blockSize) * c.slot
	return c.k[layer][off : off+c.slot], c.v[layer][off : off+c.slot]
}
