package tokenizer

import "math"

// byteToRune is GPT-2's reversible map from bytes to printable runes:
// printable Latin-1 bytes map to themselves, the rest to 256+n (n < 68).
// runeToByte is its inverse, -1 for runes outside the alphabet.
var byteToRune, runeToByte = func() ([256]rune, [324]int16) {
	var b2r [256]rune
	var r2b [324]int16
	for i := range r2b {
		r2b[i] = -1
	}
	n := 0
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			b2r[b] = rune(b)
		} else {
			b2r[b] = rune(256 + n)
			n++
		}
		r2b[b2r[b]] = int16(b)
	}
	return b2r, r2b
}()

// shortWord is the word length (bytes) up to which the quadratic scan is
// used; past it the heap (O(n log n)) wins, and a long run of letters
// with no split point (CJK prose without punctuation) stays fast.
const shortWord = 64

const noRank = math.MaxInt32

func pairKey(a, b int) uint64 { return uint64(a)<<32 | uint64(uint32(b)) }

func (t *Tokenizer) rank(a, b int) int32 {
	if r, ok := t.merges[pairKey(a, b)]; ok {
		return r
	}
	return noRank
}

func (t *Tokenizer) mergedID(rank int32) int {
	if t.mergeID == nil {
		return 256 + int(rank)
	}
	return int(t.mergeID[rank])
}

// bpe merges one word's byte tokens as Hugging Face's BPE does: always
// the adjacent pair of lowest rank, the leftmost of equals, one at a time.
func (t *Tokenizer) bpe(w string) []int {
	ids := make([]int, len(w))
	for i := 0; i < len(w); i++ {
		ids[i] = t.byteID[w[i]]
	}
	if len(ids) > shortWord {
		return t.bpeHeap(ids)
	}
	return t.bpeScan(ids)
}

// bpeScan keeps the rank of every adjacent pair in an array and updates
// only the two pairs a merge touches, so it does one map lookup per pair.
func (t *Tokenizer) bpeScan(ids []int) []int {
	if len(ids) < 2 {
		return ids
	}
	var buf [shortWord]int32
	ranks := buf[:0]
	if len(ids)-1 > len(buf) {
		ranks = make([]int32, 0, len(ids)-1)
	}
	ranks = ranks[:len(ids)-1]
	for i := range ranks {
		ranks[i] = t.rank(ids[i], ids[i+1])
	}
	for len(ranks) > 0 {
		best, at := int32(noRank), -1
		for i, r := range ranks {
			if r < best {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		ids[at] = t.mergedID(best)
		ids = append(ids[:at+1], ids[at+2:]...)
		ranks = append(ranks[:at], ranks[at+1:]...)
		if at > 0 {
			ranks[at-1] = t.rank(ids[at-1], ids[at])
		}
		if at < len(ranks) {
			ranks[at] = t.rank(ids[at], ids[at+1])
		}
	}
	return ids
}

// bpeHeap is the Rust library's algorithm: a linked list of symbols and a
// min-heap of candidate merges ordered by (rank, position); a popped
// candidate whose pair has changed since it was pushed is skipped.
func (t *Tokenizer) bpeHeap(ids []int) []int {
	n := len(ids)
	if n < 2 {
		return ids
	}
	prev := make([]int32, n)
	next := make([]int32, n)
	for i := range ids {
		prev[i], next[i] = int32(i-1), int32(i+1)
	}
	next[n-1] = -1
	dead := make([]bool, n)
	var h mergeHeap
	for i := 0; i+1 < n; i++ {
		if r := t.rank(ids[i], ids[i+1]); r != noRank {
			h.push(r, int32(i))
		}
	}
	for len(h) > 0 {
		r, p := h.pop()
		q := next[p]
		if dead[p] || q < 0 || t.rank(ids[p], ids[q]) != r {
			continue
		}
		ids[p] = t.mergedID(r)
		dead[q] = true
		next[p] = next[q]
		if next[p] >= 0 {
			prev[next[p]] = p
		}
		if a := prev[p]; a >= 0 {
			if r := t.rank(ids[a], ids[p]); r != noRank {
				h.push(r, a)
			}
		}
		if b := next[p]; b >= 0 {
			if r := t.rank(ids[p], ids[b]); r != noRank {
				h.push(r, p)
			}
		}
	}
	out := ids[:0]
	for i := int32(0); i >= 0; i = next[i] {
		out = append(out, ids[i])
	}
	return out
}

// mergeHeap is a binary min-heap of rank<<32 | position.
type mergeHeap []uint64

func (h *mergeHeap) push(rank, pos int32) {
	*h = append(*h, uint64(rank)<<32|uint64(pos))
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if s[parent] <= s[i] {
			break
		}
		s[parent], s[i] = s[i], s[parent]
		i = parent
	}
}

func (h *mergeHeap) pop() (rank, pos int32) {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < len(s) && s[l] < s[small] {
			small = l
		}
		if l+1 < len(s) && s[l+1] < s[small] {
			small = l + 1
		}
		if small == i {
			break
		}
		s[i], s[small] = s[small], s[i]
		i = small
	}
	*h = s
	return int32(top >> 32), int32(uint32(top))
}
