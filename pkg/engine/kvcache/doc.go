// Package kvcache is the paged KV cache's bookkeeping: a fixed pool of
// blocks of block_size token slots, a free list, and one block table per
// sequence. The K/V data itself lives on the backend (backend.KVStore);
// this package only decides which slot a token goes to. Running out of
// blocks is an error value (ErrOutOfBlocks), never a panic: schedulers use
// it to preempt.
package kvcache
