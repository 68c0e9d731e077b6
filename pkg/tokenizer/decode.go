package tokenizer

import "fmt"

// Decode returns the text of ids: added tokens as their content, the
// rest through the inverse byte mapping. An id that is neither is an
// error. Byte sequences that are not valid UTF-8 on their own (ids cut
// inside a character) come out as the raw bytes, so decoding a prefix of
// ids gives a prefix of the text.
func (t *Tokenizer) Decode(ids []int) (string, error) {
	var buf []byte
	for _, id := range ids {
		if s, ok := t.addedByID[id]; ok {
			buf = append(buf, s...)
			continue
		}
		if id < 0 || id >= len(t.tokens) || t.tokens[id] == "" {
			return "", fmt.Errorf("tokenizer: id %d is not in the vocabulary", id)
		}
		for _, r := range t.tokens[id] {
			if r < 0 || int(r) >= len(runeToByte) || runeToByte[r] < 0 {
				return "", fmt.Errorf("tokenizer: token %d (%q) is not in the byte-level alphabet", id, t.tokens[id])
			}
			buf = append(buf, byte(runeToByte[r]))
		}
	}
	return string(buf), nil
}
