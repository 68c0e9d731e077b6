package tokenizer

import (
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// byteToRune is GPT-2's reversible map from bytes to printable runes:
// printable Latin-1 bytes map to themselves, the rest to 256+n.
var byteToRune, runeToByte = func() ([256]rune, map[rune]byte) {
	var b2r [256]rune
	r2b := map[rune]byte{}
	n := 0
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			b2r[b] = rune(b)
		} else {
			b2r[b] = rune(256 + n)
			n++
		}
		r2b[b2r[b]] = byte(b)
	}
	return b2r, r2b
}()

// Encode returns the ids of text. Added tokens (such as <|im_start|>)
// found in the text are kept as their ids; no special tokens are added.
func (t *Tokenizer) Encode(text string) []int {
	var out []int
	for len(text) > 0 {
		i, a := t.nextAdded(text)
		if i < 0 {
			return t.encodeSegment(text, out)
		}
		out = t.encodeSegment(text[:i], out)
		out = append(out, a.ID)
		text = text[i+len(a.Content):]
	}
	return out
}

// nextAdded finds the earliest added token in s (the longest at a tie).
func (t *Tokenizer) nextAdded(s string) (int, *addedToken) {
	best := -1
	var tok *addedToken
	for k := range t.added {
		a := &t.added[k]
		if i := strings.Index(s, a.Content); i >= 0 && (best < 0 || i < best) {
			best, tok = i, a
		}
	}
	return best, tok
}

func (t *Tokenizer) encodeSegment(s string, out []int) []int {
	if s == "" {
		return out
	}
	if t.nfc {
		s = norm.NFC.String(s)
	}
	runes := []rune(s)
	m, err := t.split.FindRunesMatch(runes)
	pos := 0
	for err == nil && m != nil {
		if m.Index > pos {
			// Text the regex skipped (it cannot for Qwen's pattern, whose
			// last branch matches any whitespace) is a word of its own,
			// as Split's Isolated behaviour keeps it.
			out = t.encodeWord(string(runes[pos:m.Index]), out)
		}
		out = t.encodeWord(m.String(), out)
		pos = m.Index + m.Length
		m, err = t.split.FindNextMatch(m)
	}
	if pos < len(runes) {
		out = t.encodeWord(string(runes[pos:]), out)
	}
	return out
}

// encodeWord applies the byte mapping and the merges to one pre-token.
func (t *Tokenizer) encodeWord(w string, out []int) []int {
	t.mu.RLock()
	ids, ok := t.cache[w]
	t.mu.RUnlock()
	if ok {
		return append(out, ids...)
	}
	ids = t.bpe(w)
	t.mu.Lock()
	if len(t.cache) >= maxCache {
		t.cache = make(map[string][]int, maxCache)
	}
	t.cache[w] = ids
	t.mu.Unlock()
	return append(out, ids...)
}

// bpe merges the word's byte tokens, always the adjacent pair of lowest
// rank first, as Hugging Face's BPE does.
func (t *Tokenizer) bpe(w string) []int {
	ids := make([]int, len(w))
	for i := 0; i < len(w); i++ {
		ids[i] = t.byteID[w[i]]
	}
	for len(ids) > 1 {
		bestRank, bestAt := -1, -1
		var bestID int
		for i := 0; i+1 < len(ids); i++ {
			if m, ok := t.merges[uint64(ids[i])<<32|uint64(ids[i+1])]; ok && (bestRank < 0 || m.rank < bestRank) {
				bestRank, bestAt, bestID = m.rank, i, m.id
			}
		}
		if bestAt < 0 {
			break
		}
		// Merge every non-overlapping occurrence of the best pair, left to
		// right, as one step (the same pair has the same rank everywhere).
		a, b := ids[bestAt], ids[bestAt+1]
		j := 0
		for i := 0; i < len(ids); i++ {
			if i+1 < len(ids) && ids[i] == a && ids[i+1] == b {
				ids[j] = bestID
				i++
			} else {
				ids[j] = ids[i]
			}
			j++
		}
		ids = ids[:j]
	}
	return ids
}

// Decode returns the text of ids. An id outside the vocabulary is an
// error. Byte sequences that are not valid UTF-8 on their own (a cut
// inside a character) come out as the raw bytes.
func (t *Tokenizer) Decode(ids []int) (string, error) {
	var buf []byte
	for _, id := range ids {
		if s, ok := t.addedID[id]; ok {
			buf = append(buf, s...)
			continue
		}
		if id < 0 || id >= len(t.tokens) || t.tokens[id] == "" {
			return "", fmt.Errorf("tokenizer: id %d is not in the vocabulary", id)
		}
		for _, r := range t.tokens[id] {
			b, ok := runeToByte[r]
			if !ok {
				return "", fmt.Errorf("tokenizer: token %d (%q) is not byte-level", id, t.tokens[id])
			}
			buf = append(buf, b)
		}
	}
	return string(buf), nil
}
