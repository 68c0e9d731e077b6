package sim

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/sched"
)

var update = flag.Bool("update", false, "rewrite testdata/*.trace golden event traces (commit only diffs you understand)")

// TestSpec1_3_GoldenTraces pins the event order of vidur-semantics.md §1.3 (handlers and
// their emission order) on small cases: every handled event, in order.
func TestSpec1_3_GoldenTraces(t *testing.T) {
	reqs := []artifacts.Request{
		{RequestID: 0, ArrivedAt: 0.0, NumPrefillTokens: 300, NumDecodeTokens: 3},
		{RequestID: 1, ArrivedAt: 0.0, NumPrefillTokens: 40, NumDecodeTokens: 1},
		{RequestID: 2, ArrivedAt: 0.05, NumPrefillTokens: 600, NumDecodeTokens: 2},
		{RequestID: 3, ArrivedAt: 0.3, NumPrefillTokens: 16, NumDecodeTokens: 4},
	}
	tight := []artifacts.Request{
		{RequestID: 0, ArrivedAt: 0, NumPrefillTokens: 64, NumDecodeTokens: 40},
		{RequestID: 1, ArrivedAt: 0.001, NumPrefillTokens: 64, NumDecodeTokens: 40},
	}
	cases := []struct {
		name string
		cfg  Config
		reqs []artifacts.Request
	}{
		{"sarathi_pp1", synthConfig(sched.Sarathi, 1, 1, 0), nil},
		{"sarathi_pp2_2replicas", synthConfig(sched.Sarathi, 2, 2, 0), nil},
		{"vllm_pp1", synthConfig(sched.VLLM, 1, 1, 0), nil},
		// 10 blocks of 16 tokens: both prompts fit (4 blocks each), their
		// decodes do not, so the later one is restarted (vidur-semantics.md §3.2).
		{"vllm_tight_memory_restart", synthConfig(sched.VLLM, 1, 1, 10), tight},
		{"sarathi_tight_memory_restart", synthConfig(sched.Sarathi, 1, 1, 10), tight},
		{"orca_pp1", synthConfig(sched.Orca, 1, 1, 0), nil},
		{"faster_transformer_pp1", synthConfig(sched.FasterTransformer, 1, 1, 0), nil},
		{"lightllm_pp1", synthConfig(sched.LightLLM, 1, 1, 0), nil},
		{"transformers_pp1", synthConfig(sched.Transformers, 1, 1, 0), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			in := reqs
			if c.reqs != nil {
				in = c.reqs
			}
			s, err := New(c.cfg, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			s.SetTrace(&buf)
			if err := s.Run(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", c.name+".trace")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(want, buf.Bytes()) {
				t.Errorf("event trace differs from %s; inspect with -update and git diff", path)
			}
		})
	}
}
