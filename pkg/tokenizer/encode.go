package tokenizer

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// maxCache bounds the word cache; past it the cache is dropped and
// refilled (a workload's vocabulary of words is far smaller).
const maxCache = 1 << 16

// maxCachedWord: longer words are rarely repeated and would bloat the cache.
const maxCachedWord = 64

// Encode returns the ids of text. Added tokens (such as <|im_start|>)
// found in the text are kept as their ids; no special tokens are added.
// Bytes that are not valid UTF-8 are encoded as themselves (the split
// regex sees each as U+FFFD), so Decode gives them back.
func (t *Tokenizer) Encode(text string) []int {
	var out []int
	splitAdded(text, t.raw, func(seg string, id int) {
		if seg == "" {
			out = append(out, id)
			return
		}
		if t.nfc {
			seg = norm.NFC.String(seg)
		}
		splitAdded(seg, t.normed, func(seg string, id int) {
			if seg == "" {
				out = append(out, id)
				return
			}
			out = t.encodePlain(seg, out)
		})
	})
	return out
}

// splitAdded calls emit for each stretch of s between added tokens (with
// id -1) and for each added token (with seg ""). Tokens match leftmost
// first, longest at a tie (toks is sorted longest first), as the Rust
// library's leftmost-longest Aho-Corasick does. Each token's next
// position is remembered, so the scan stays linear in len(s) per token.
func splitAdded(s string, toks []addedToken, emit func(seg string, id int)) {
	if len(toks) == 0 {
		emit(s, -1)
		return
	}
	var buf [32]int
	next := buf[:0]
	for range toks {
		next = append(next, -2) // not searched yet
	}
	pos := 0
	for pos < len(s) {
		best, bestK := -1, -1
		for k := range toks {
			if next[k] == -1 {
				continue // absent from the rest of s
			}
			if next[k] < pos {
				next[k] = -1
				if i := strings.Index(s[pos:], toks[k].Content); i >= 0 {
					next[k] = pos + i
				}
			}
			if next[k] >= 0 && (best < 0 || next[k] < best) {
				best, bestK = next[k], k
			}
		}
		if best < 0 {
			break
		}
		if best > pos {
			emit(s[pos:best], -1)
		}
		emit("", toks[bestK].ID)
		pos = best + len(toks[bestK].Content)
	}
	if pos < len(s) {
		emit(s[pos:], -1)
	}
}

// encodePlain splits s (normalised, free of added tokens) into words by
// the pre-tokenizer regex and encodes each. The regex runs on runes; the
// words are cut from s by byte offsets, so invalid UTF-8 survives.
func (t *Tokenizer) encodePlain(s string, out []int) []int {
	runes := make([]rune, 0, len(s))
	offs := make([]int, 0, len(s)+1) // byte offset of each rune
	for i, r := range s {
		// range yields one U+FFFD per invalid byte, as []rune(s) does.
		runes = append(runes, r)
		offs = append(offs, i)
	}
	offs = append(offs, len(s))
	pos := 0
	m, err := t.split.FindRunesMatch(runes)
	for err == nil && m != nil {
		if m.Index > pos {
			// Text the regex skipped is a word of its own, as Split's
			// Isolated behaviour keeps it (Qwen's pattern skips nothing:
			// its last branch matches any whitespace).
			out = t.encodeWord(s[offs[pos]:offs[m.Index]], out)
		}
		end := m.Index + m.Length
		if end > m.Index {
			out = t.encodeWord(s[offs[m.Index]:offs[end]], out)
		}
		pos = end
		m, err = t.split.FindNextMatch(m)
	}
	if pos < len(runes) {
		out = t.encodeWord(s[offs[pos]:], out)
	}
	return out
}

// encodeWord encodes one pre-token word, through the cache.
func (t *Tokenizer) encodeWord(w string, out []int) []int {
	if len(w) > maxCachedWord {
		return append(out, t.bpe(w)...)
	}
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
	// Clone: w points into the caller's text, which the cache must not pin.
	t.cache[strings.Clone(w)] = ids
	t.mu.Unlock()
	return append(out, ids...)
}
