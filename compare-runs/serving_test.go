package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/compare-runs/internal/metrics"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// servingRows compares two runs and returns the serving rows of
// tables/summary.csv by key.
func servingRows(t *testing.T, realDir, simDir string, args ...string) map[string]artifacts.SummaryRow {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	args = append([]string{"real_run_dir=" + realDir, "sim_run_dir=" + simDir, "output_root=" + out, "comparison_id=s", "figures=false"}, args...)
	if st, _, stderr := runTool(t, args...); st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	f, err := os.Open(filepath.Join(out, "comparisons", "s", artifacts.SummaryTableFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := artifacts.ReadSummaryTable("summary.csv", f)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]artifacts.SummaryRow{}
	for _, r := range rows {
		if r.Metric == metrics.ServingMetric {
			got[r.Statistic] = r
		}
	}
	return got
}

// The simulated run takes 1.2× every real duration: every latency
// figure is 20% higher.
func TestServingMetricsRealAgainstSim(t *testing.T) {
	root := t.TempDir()
	got := servingRows(t, writeRun(t, root, "real", artifacts.KindReal, "wl1", synth(20, 1), true),
		writeRun(t, root, "sim", artifacts.KindSim, "wl1", synth(20, 1.2), true))
	for _, k := range []string{"mean_ttft_ms", "p99_ttft_ms", "median_tpot_ms", "p90_itl_ms"} {
		if r := got[k]; math.Abs(r.RelError-0.2) > 1e-9 {
			t.Errorf("%s: real %g sim %g rel_error %g, want 0.2", k, r.Real, r.Sim, r.RelError)
		}
	}
	// Throughput over run_meta.json's duration, which writeRun ends at
	// the last token.
	if r := got["request_throughput"]; !(r.Real > 0) || math.Abs(r.Real*got["duration"].Real-20) > 1e-9 {
		t.Errorf("request_throughput %g over duration %g, want 20 requests", r.Real, got["duration"].Real)
	}
	if r := got["request_goodput"]; !math.IsNaN(r.Real) || !math.IsNaN(r.Sim) {
		t.Errorf("goodput without an objective: %+v, want empty", r)
	}
}

// The fixture's real run has a failed request and one that stopped
// early; a serving summary counts them as the run served them (no
// pairing, no truncation), and a failed request is never good.
func TestServingCountsAndGoodput(t *testing.T) {
	_, realDir, simDir := fixture(t)
	got := servingRows(t, realDir, simDir, "slo.ttft_ms=10000")
	if r := got["completed"]; r.Real != 29 || r.Sim != 30 {
		t.Errorf("completed real %g sim %g, want 29 and 30", r.Real, r.Sim)
	}
	if r := got["failed"]; r.Real != 1 || r.Sim != 0 {
		t.Errorf("failed real %g sim %g, want 1 and 0", r.Real, r.Sim)
	}
	// Every completed request meets a TTFT of 10 s: goodput is throughput.
	if g, r := got["request_goodput"], got["request_throughput"]; g.Real != r.Real || g.Sim != r.Sim {
		t.Errorf("goodput %+v, want the throughput %+v", g, r)
	}
}
