package tokenizer

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The heap (long words) and the scan (short words) must merge alike. Each
// fixture string is fed whole as one word, which exercises far more
// merges than its real words do.
func TestHeapMatchesScan(t *testing.T) {
	tok := qwen3(t)
	words := []string{"", "a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", strings.Repeat(" ", 200), strings.Repeat("ab", 300)}
	for _, c := range readFixture(t) {
		words = append(words, c.Text)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		b := make([]byte, rng.IntN(300))
		for i := range b {
			const alphabet = "abcde  \n\xe4\xb8\x80"
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		words = append(words, string(b))
	}
	for _, w := range words {
		ids := make([]int, len(w))
		for i := range len(w) {
			ids[i] = tok.byteID[w[i]]
		}
		scan := tok.bpeScan(append([]int(nil), ids...))
		heap := tok.bpeHeap(append([]int(nil), ids...))
		if len(ids) > 0 && !reflect.DeepEqual(scan, heap) {
			t.Fatalf("word %q:\n scan %v\n heap %v", w, scan, heap)
		}
	}
}

// A long run with no split point (CJK prose without punctuation is one
// \p{L}+ word) must not take quadratic time.
func TestLongWordIsFast(t *testing.T) {
	tok := qwen3(t)
	text := strings.Repeat("大型语言模型的推理时间模拟器", 3000) // 42,000 runes, one word
	start := time.Now()
	ids := tok.Encode(text)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("encoding a 126 KB word took %v", d)
	}
	if got, err := tok.Decode(ids); err != nil || got != text {
		t.Errorf("round trip of the long word failed: %v", err)
	}
}
