package main

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/artifacts/refdata"
)

// fixture writes a real run and a simulated run that is 10% slow, with
// one request stopped early in the real run and one failed there.
func fixture(t *testing.T) (root, realDir, simDir string) {
	root = t.TempDir()
	real := synth(30, 1)
	real[3].actual = 4 // stopped early (EOS)
	real[7].failed = true
	realDir = writeRun(t, root, "real-a", artifacts.KindReal, "wl1", real, true)
	simDir = writeRun(t, root, "sim-a", artifacts.KindSim, "wl1", synth(30, 1.2), true)
	return root, realDir, simDir
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCompareWritesReport(t *testing.T) {
	root, realDir, simDir := fixture(t)
	js := fakeEcharts(t, root)
	out := filepath.Join(root, "out")
	st, stdout, stderr := runTool(t, "real_run_dir="+realDir, "sim_run_dir="+simDir, "output_root="+out,
		"comparison_id=c1", "echarts_js="+js)
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	dir := filepath.Join(out, "comparisons", "c1")
	if strings.TrimSpace(stdout) != dir {
		t.Errorf("stdout %q, want the directory %q", stdout, dir)
	}
	for _, f := range []string{artifacts.SummaryFile, artifacts.SummaryTableFile, artifacts.PairedTableFile, artifacts.TokenTableFile,
		artifacts.ComparisonMetaFile, "config.yaml", "figs/cdf.html", "figs/scatter.html", "figs/timeline.html", "figs/echarts.min.js",
		"figs/cdf_ttft.png", "figs/cdf_ttft.svg", "figs/scatter_e2e.png", "figs/timeline_ttft.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	sum := readFile(t, filepath.Join(dir, artifacts.SummaryFile))
	for _, want := range []string{"| TTFT | p50 |", "+20.0%", "**FAIL** (±10%)", "1 requests stopped early", "1 requests failed in the real run",
		"![TTFT: empirical CDF", "(figs/cdf.html)"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary.md lacks %q", want)
		}
	}
	if !strings.Contains(stderr, "warning: real-a vs sim-a: 1 requests stopped early") {
		t.Errorf("stderr lacks the truncation warning: %s", stderr)
	}
	for _, page := range []string{"cdf.html", "scatter.html", "timeline.html"} {
		html := readFile(t, filepath.Join(dir, "figs", page))
		if strings.Contains(html, "https://") || !strings.Contains(html, `src="./echarts.min.js"`) {
			t.Errorf("%s must load ./echarts.min.js and nothing remote", page)
		}
	}
	f, err := os.Open(filepath.Join(dir, artifacts.SummaryTableFile))
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
		got[r.Metric+"/"+r.Statistic] = r
	}
	// Every duration of the sim is 1.2× the real one and the arrivals
	// agree, so latencies are 20% longer; the truncated request keeps
	// its 4 tokens on both sides.
	for _, k := range []string{"ttft/p50", "ttft/mean", "e2e/p90", "tpot/p99", "tbt/p50", "e2e_normalized/max"} {
		if r := got[k]; r.RelError < 0.1999 || r.RelError > 0.2001 || r.Verdict != "fail" {
			t.Errorf("%s: rel_error %g verdict %q, want 0.2 and fail", k, r.RelError, r.Verdict)
		}
	}
	if r := got["ttft/count"]; r.Real != 29 || r.Sim != 29 {
		t.Errorf("ttft count real %g sim %g, want 29 (one failed request excluded)", r.Real, r.Sim)
	}
	if r := got["ttft/mape"]; r.Sim < 0.1999 || r.Sim > 0.2001 {
		t.Errorf("ttft MAPE %g, want 0.2", r.Sim)
	}
	paired := readFile(t, filepath.Join(dir, artifacts.PairedTableFile))
	if !strings.Contains(paired, "\n3,real-a,sim-a,paired,4,") || !strings.Contains(paired, "\n7,real-a,sim-a,failed_real,,") {
		t.Errorf("paired table lacks the truncated or the failed request:\n%s", paired[:400])
	}
}

func TestCompareIsDeterministic(t *testing.T) {
	root, realDir, simDir := fixture(t)
	js := fakeEcharts(t, root)
	var trees []map[string]string
	for _, id := range []string{"run-one", "run-two"} {
		out := filepath.Join(root, "out")
		if st, _, stderr := runTool(t, "real_run_dir="+realDir, "sim_run_dir="+simDir, "output_root="+out, "comparison_id="+id, "echarts_js="+js); st != 0 {
			t.Fatal(stderr)
		}
		tree := map[string]string{}
		base := filepath.Join(out, "comparisons", id)
		filepath.WalkDir(base, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(base, p)
				b, _ := os.ReadFile(p)
				tree[rel] = strings.ReplaceAll(string(b), "comparison_id: "+id, "")
				tree[rel] = strings.ReplaceAll(tree[rel], "Comparison "+id, "")
				tree[rel] = strings.ReplaceAll(tree[rel], `"comparison_id": "`+id+`"`, "")
			}
			return nil
		})
		trees = append(trees, tree)
	}
	if len(trees[0]) != len(trees[1]) {
		t.Fatalf("file sets differ: %d vs %d", len(trees[0]), len(trees[1]))
	}
	for name, a := range trees[0] {
		if trees[1][name] != a {
			t.Errorf("%s differs between two runs on the same inputs", name)
		}
	}
}

func TestNoiseFloorWithSeveralRealRuns(t *testing.T) {
	root := t.TempDir()
	r1 := writeRun(t, root, "real-1", artifacts.KindReal, "wl1", synth(20, 1), true)
	r2 := writeRun(t, root, "real-2", artifacts.KindReal, "wl1", synth(20, 1.02), true)
	s := writeRun(t, root, "sim", artifacts.KindSim, "wl1", synth(20, 1.1), true)
	out := filepath.Join(root, "out")
	st, _, stderr := runTool(t, "real_run_dirs=["+r1+","+r2+"]", "sim_run_dir="+s, "output_root="+out, "comparison_id=n", "figures=false")
	if st != 0 {
		t.Fatal(stderr)
	}
	dir := filepath.Join(out, "comparisons", "n")
	csv := readFile(t, filepath.Join(dir, artifacts.SummaryTableFile))
	// real-2 is 2% slower than real-1: the p50 TTFT floor is 0.02.
	if !strings.Contains(csv, "\nttft,p50,") {
		t.Fatal("no ttft p50 row")
	}
	for _, line := range strings.Split(csv, "\n") {
		if strings.HasPrefix(line, "ttft,p50,") {
			f := strings.Split(line, ",")
			if !strings.HasPrefix(f[5], "0.02") && !strings.HasPrefix(f[5], "0.019") {
				t.Errorf("ttft p50 noise floor %s, want 0.02: %s", f[5], line)
			}
		}
	}
	sum := readFile(t, filepath.Join(dir, artifacts.SummaryFile))
	if !strings.Contains(sum, "| noise floor |") || !strings.Contains(sum, "Figures were not drawn: figures=false") {
		t.Errorf("summary.md lacks the noise floor column or the skipped-figures note")
	}
	// Step times: the simulated run's steps are 1.1× real-1's, so its
	// decode p50 is 1.1× real-1's; the pooled row comes first.
	if !strings.Contains(sum, "## Step times by batch shape") || !strings.Contains(sum, "| decode ×1 | 360 |") {
		t.Errorf("summary.md lacks the step-time table or its decode row (180 decode steps in each of 2 runs)")
	}
	p50 := map[string]float64{}
	steps := readFile(t, filepath.Join(dir, artifacts.StepTableFile))
	for _, line := range strings.Split(steps, "\n")[1:] {
		f := strings.Split(line, ",")
		if len(f) == 6 && f[0] == "decode ×1" {
			p50[f[1]+"/"+f[2]], _ = strconv.ParseFloat(f[4], 64)
		}
	}
	if r, s := p50["real-1/real"], p50["sim/sim"]; !(r > 0) || math.Abs(s/r-1.1) > 1e-9 || !(p50["real/pooled"] > r) {
		t.Errorf("decode ×1 p50s %v: want sim = 1.1 × real-1, pooled above real-1\n%s", p50, steps)
	}
}

func TestVidurOutputAsSimRun(t *testing.T) {
	root := t.TempDir()
	decode := []int{10, 11, 10, 12, 12}
	real := make([]req, 5)
	for i := range real {
		real[i] = req{id: i, arrived: 0.5 * float64(i), queue: 0.01, prefill: 0.05, gap: 0.04, prompt: 100, decode: decode[i]}
	}
	realDir := writeRun(t, root, "real", artifacts.KindReal, "wl1", real, true)
	sim := writeRun(t, root, "ours", artifacts.KindSim, "wl1", synth(5, 1), true)
	_ = sim
	out := filepath.Join(root, "out")
	st, _, stderr := runTool(t, "real_run_dir="+realDir, "sim_run_dir="+filepath.Join("testdata", "vidur-small"),
		"output_root="+out, "comparison_id=v", "figures=false")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	sum := readFile(t, filepath.Join(out, "comparisons", "v", artifacts.SummaryFile))
	for _, want := range []string{"vidur:vidur-small", "python-vidur", "Python Vidur output, request level only"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary.md lacks %q", want)
		}
	}
	// Vidur's TTFT of request 1 is 0.08 s; the real one 0.06 s.
	paired := readFile(t, filepath.Join(out, "comparisons", "v", artifacts.PairedTableFile))
	if !strings.Contains(paired, "\n1,real,vidur:vidur-small,paired,,0.06") {
		t.Errorf("paired table row of request 1:\n%s", paired)
	}
}

func TestVidurReferenceBundle(t *testing.T) {
	dir := filepath.Join(refdata.A30(t), refdata.Reference)
	r, err := loadRunForTest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r) != 2000 {
		t.Errorf("%d requests, want 2000", len(r))
	}
}

func TestBadInputWritesNothing(t *testing.T) {
	root, realDir, simDir := fixture(t)
	edit := func(t *testing.T, file, from, to string) string {
		dst := filepath.Join(t.TempDir(), "run")
		os.CopyFS(dst, os.DirFS(realDir))
		p := filepath.Join(dst, file)
		b := readFile(t, p)
		if !strings.Contains(b, from) {
			t.Fatalf("%s lacks %q", file, from)
		}
		os.WriteFile(p, []byte(strings.Replace(b, from, to, 1)), 0o644)
		return dst
	}
	cases := []struct {
		name, want string
		dir        func(t *testing.T) string
	}{
		{"not a run", "is not a run directory", func(t *testing.T) string { return t.TempDir() }},
		{"missing dir", "does not exist", func(t *testing.T) string { return filepath.Join(root, "nope") }},
		{"duplicate request id", "request_metrics.csv:3:1: column \"request_id\": request 0 appears twice",
			func(t *testing.T) string { return edit(t, "request_metrics.csv", "\n1,0.5,", "\n0,0.5,") }},
		{"negative latency", "column \"latency\": -1 is negative",
			func(t *testing.T) string { return edit(t, "token_metrics.csv", "\n0,1,", "\n0,1,0.07,-1,\n0,99,") }},
		{"NaN", "request_metrics.csv:2:3: column \"arrived_at\": \"NaN\" is not a finite number",
			func(t *testing.T) string { return edit(t, "request_metrics.csv", "\n0,0,", "\n0,NaN,") }},
		{"token row for unknown request", "token_metrics.csv:2: token row for request 77",
			func(t *testing.T) string { return edit(t, "token_metrics.csv", "\n0,0,", "\n77,0,1,1,\n0,0,") }},
		{"completed before prefill", "is before prefill_completed_at",
			func(t *testing.T) string {
				return edit(t, "request_metrics.csv", "\n0,0,0,0.05,0.19,", "\n0,0,0,0.05,0.01,")
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			st, _, stderr := runTool(t, "real_run_dir="+c.dir(t), "sim_run_dir="+simDir, "output_root="+out, "comparison_id=bad", "figures=false")
			if st != 1 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
				t.Errorf("status %d, stderr %q; want status 1 and one line containing %q", st, stderr, c.want)
			}
			if _, err := os.Stat(out); err == nil {
				ents, _ := os.ReadDir(filepath.Join(out, "comparisons"))
				if len(ents) > 0 {
					t.Errorf("something was written: %v", ents)
				}
			}
		})
	}
}

func TestWorkloadMismatch(t *testing.T) {
	root, realDir, _ := fixture(t)
	other := writeRun(t, root, "sim-b", artifacts.KindSim, "wl2", synth(30, 1), true)
	out := filepath.Join(root, "out")
	st, _, stderr := runTool(t, "real_run_dir="+realDir, "sim_run_dir="+other, "output_root="+out, "comparison_id=m", "figures=false")
	if st != 1 || !strings.Contains(stderr, `replayed workload "wl1" but sim-b replayed "wl2"`) || !strings.Contains(stderr, "allow_workload_mismatch=true") {
		t.Errorf("status %d: %s", st, stderr)
	}
	st, _, stderr = runTool(t, "real_run_dir="+realDir, "sim_run_dir="+other, "output_root="+out, "comparison_id=m", "figures=false", "allow_workload_mismatch=true")
	if st != 0 || !strings.Contains(stderr, "workload mismatch (allowed") {
		t.Errorf("status %d: %s", st, stderr)
	}
}

func TestMissingEchartsNamesBootstrap(t *testing.T) {
	_, realDir, simDir := fixture(t)
	out := filepath.Join(t.TempDir(), "out")
	st, _, stderr := runTool(t, "real_run_dir="+realDir, "sim_run_dir="+simDir, "output_root="+out)
	if st != 1 || !strings.Contains(stderr, "scripts/bootstrap_echarts.sh") || !strings.Contains(stderr, "figures=false") {
		t.Errorf("status %d: %s", st, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "comparisons")); err == nil {
		t.Error("a comparison directory was created")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"sim_run_dir=x"}, {"real_run_dir=x"}, {"real_run_dir=x", "sim_run_dir=y", "tolerance.ttf=0.1"},
		{"real_run_dir=x", "sim_run_dir=y", "tolerance.ttft=-1"}, {"real_run_dir=x", "sim_run_dir=y", "slo.ttft_ms=-1"}} {
		if st, _, stderr := runTool(t, args...); st != 2 {
			t.Errorf("%v: status %d, want 2: %s", args, st, stderr)
		}
	}
}
