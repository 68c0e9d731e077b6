package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts/refdata"
)

// benchTrace is written by scripts/bench/sim_a30.sh (gentrace); the
// benchmarks skip without it.
func benchTrace(b *testing.B, env string) string {
	p := os.Getenv(env)
	if p == "" {
		b.Skipf("set %s to a trace-replay CSV (scripts/bench/sim_a30.sh does)", env)
	}
	return p
}

func benchRun(b *testing.B, trace string, extra ...string) {
	d := a30Root
	out := b.TempDir()
	for i := 0; b.Loop(); i++ {
		args := append([]string{"vidur-sim", "model=qwen2_7b", "hardware=a30", "vidur.profiling.root=" + filepath.Join(d, refdata.Profiles),
			"workload.trace_replay_file=" + trace, "output_root=" + out, "overwrite=true", "run_id=bench"}, extra...)
		var o, e nopWriter
		if st := runArgs(args, &o, &e); st != 0 {
			b.Fatalf("status %d", st)
		}
	}
}

type nopWriter struct{}

func (*nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkSarathiA30_10k: 10,000 requests, sarathi, native predictor
// trained on the A30 bundle (set-up included), all outputs.
func BenchmarkSarathiA30_10k(b *testing.B) { benchRun(b, benchTrace(b, "SIM_TRACE_10K")) }

// BenchmarkSarathiA30_10kNoTokens: the same without token_metrics.csv.
func BenchmarkSarathiA30_10kNoTokens(b *testing.B) {
	benchRun(b, benchTrace(b, "SIM_TRACE_10K"), "sim.token_metrics=false")
}

// BenchmarkSarathiA30_10kRequestsOnly: request_metrics.csv alone.
func BenchmarkSarathiA30_10kRequestsOnly(b *testing.B) {
	benchRun(b, benchTrace(b, "SIM_TRACE_10K"), "sim.token_metrics=false", "sim.batch_metrics=false")
}
