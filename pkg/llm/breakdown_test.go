package llm

import (
	"fmt"
	"sort"
	"testing"
	"time"
)

// BenchmarkBreakdown prints per-operator time for the benchmark shapes
// (a diagnostic: where a step's time goes).
func BenchmarkBreakdown(b *testing.B) {
	m := model06(b)
	for _, c := range []struct {
		name    string
		prefill [][2]int
		decode  []int
	}{{"decode1", nil, rep(512, 1)}, {"decode8", nil, rep(512, 8)}, {"prefill128", [][2]int{{128, 0}}, nil}, {"prefill512", [][2]int{{512, 0}}, nil}} {
		m.ProfileForward(c.prefill, c.decode, 16)
		tot := map[string]time.Duration{}
		m.SetOpTimer(func(op string, d time.Duration) { tot[op] += d })
		start := time.Now()
		m.ProfileForward(c.prefill, c.decode, 16)
		wall := time.Since(start)
		m.SetOpTimer(nil)
		var ops []string
		for op := range tot {
			ops = append(ops, op)
		}
		sort.Slice(ops, func(i, j int) bool { return tot[ops[i]] > tot[ops[j]] })
		s := fmt.Sprintf("%s wall %v:", c.name, wall.Round(time.Millisecond))
		for _, op := range ops {
			s += fmt.Sprintf(" %s=%.1fms", op, tot[op].Seconds()*1e3)
		}
		b.Log(s)
	}
}
