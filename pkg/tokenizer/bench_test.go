package tokenizer

import (
	"strings"
	"testing"
)

// BenchmarkEncode measures tokens/s on ~100 KB of mixed text (the parity
// fixture's strings joined by newlines: prose, code, CJK and other
// scripts, emoji, numbers, added tokens). "cold" empties the word cache
// before each pass, "warm" keeps it (a workload re-encoding similar text).
func BenchmarkEncode(b *testing.B) {
	tok := qwen3(b)
	var sb strings.Builder
	for _, c := range readFixture(b) {
		if sb.Len() > 100_000 {
			break
		}
		sb.WriteString(c.Text)
		sb.WriteString("\n")
	}
	text := sb.String()
	n := len(tok.Encode(text))
	for _, cold := range []bool{true, false} {
		name := map[bool]string{true: "cold", false: "warm"}[cold]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				if cold {
					tok.mu.Lock()
					tok.cache = map[string][]int{}
					tok.mu.Unlock()
				}
				tok.Encode(text)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
