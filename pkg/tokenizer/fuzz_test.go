package tokenizer

import (
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// FuzzLoad: no tokenizer.json, however broken, makes the loader (or
// encoding with what it loaded) panic.
func FuzzLoad(f *testing.F) {
	f.Add(tiny{extra: []string{"ab"}, merges: []string{"a b"}, added: []addedToken{{ID: 300, Content: "<s>"}}}.json())
	f.Add(tiny{extra: []string{"ab"}, merges: [][2]string{{"a", "b"}}, pre: map[string]any{"type": "Sequence", "pretokenizers": []any{
		map[string]any{"type": "Split", "pattern": map[string]string{"Regex": `\s+(?!\S)|\s+|\S+`}, "behavior": "Isolated"},
		map[string]any{"type": "ByteLevel", "use_regex": false}}}}.json())
	f.Add([]byte(`{"model":{"type":"BPE","vocab":{"a":-1}}}`))
	f.Add([]byte(`{"model":{"type":"BPE","vocab":{"a":0},"merges":[["a"]]}}`))
	f.Add([]byte(`{"added_tokens":[{"id":0,"content":""}],"model":{"type":"BPE","vocab":{"":0}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := parse(data)
		if err != nil {
			return
		}
		// Mutated split regexes can backtrack catastrophically; keep each
		// input fast (Load's own bound is seconds).
		tok.split.MatchTimeout = 10 * time.Millisecond
		ids := tok.Encode(string(data[:min(len(data), 64)]))
		_, _ = tok.Decode(ids)
		_, _ = tok.TokenID("<s>")
	})
}

// FuzzEncode: the real tokenizer never panics, and decoding gives the
// input back whenever the input is already NFC (invalid UTF-8 included).
func FuzzEncode(f *testing.F) {
	tok := qwen3(f)
	for _, s := range []string{"Hello world", "<|im_start|>user\n", "  x\n\n", "cafe\u0301", "\xff\xfe", "I ❤️ 🦙!", "\u0085\ufeff "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids := tok.Encode(s)
		got, err := tok.Decode(ids)
		if err != nil {
			t.Fatalf("Decode(Encode(%q)): %v", s, err)
		}
		if norm.NFC.IsNormalString(s) && got != s {
			t.Fatalf("Decode(Encode(%q)) = %q", s, got)
		}
	})
}
