package main

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/load/golden (commit only diffs you understand)")

// loadRuns is the hand-written load sweep of testdata/load (its README
// gives the numbers): four load points, two real runs at the lowest.
var loadRuns = filepath.Join("testdata", "load", "runs")

func loadRun(name string) string { return filepath.Join(loadRuns, name) }

// loadPairs lists the points out of load order (the report sorts them),
// in both forms: [real, sim] pairs and {real: [a, b], sim: s}.
func loadPairs() string {
	return "pairs=[[" + loadRun("real-q4") + "," + loadRun("sim-q4") + "]," +
		"{real: [" + loadRun("real-q1a") + "," + loadRun("real-q1b") + "], sim: " + loadRun("sim-q1") + "}," +
		"[" + loadRun("real-q2") + "," + loadRun("sim-q2") + "],{real: " + loadRun("real-q3") + ", sim: " + loadRun("sim-q3") + "}]"
}

// checkGolden compares got with testdata/load/golden/<name>, or rewrites
// it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", "load", "golden", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (go test -run %s -update rewrites it):\n%s", name, p, t.Name(), firstDiff(string(want), got))
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  want " + a + "\n  got  " + b
		}
	}
	return ""
}

// The load report of the fixture sweep, with an SLO the real side meets
// up to 2.43 QPS and the simulator, whose TTFT grows more slowly, up to
// 3.09 QPS (both bound by TTFT; the numbers are worked out in
// testdata/load/README.md).
func TestLoadReportGolden(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	st, stdout, stderr := runTool(t, loadPairs(), "slo.ttft_ms=300", "slo.tbt_ms=50", "output_root="+out, "comparison_id=golden", "figures=false")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	dir := filepath.Join(out, "comparisons", "golden")
	if strings.TrimSpace(stdout) != dir {
		t.Errorf("stdout %q, want %q", stdout, dir)
	}
	for _, f := range []string{"summary.md", "tables/summary.csv", "figs"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s was written: a load report writes load.md and tables/load.csv instead", f)
		}
	}
	md := readFile(t, filepath.Join(dir, "load.md"))
	for _, want := range []string{"| real | 2.426 QPS | TTFT |", "| sim | 3.093 QPS | TTFT |", "+27.5%",
		"3 requests / 1 s between the first and the last arrival", "pass (±20%, 2× noise floor)"} {
		if !strings.Contains(md, want) {
			t.Errorf("load.md lacks %q", want)
		}
	}
	checkGolden(t, "load.csv", readFile(t, filepath.Join(dir, "tables", "load.csv")))
	checkGolden(t, "load.md", md)
}

func TestLoadReportFigures(t *testing.T) {
	root := t.TempDir()
	js := fakeEcharts(t, root)
	out := filepath.Join(root, "out")
	st, _, stderr := runTool(t, loadPairs(), "slo.ttft_ms=300", "slo.tbt_ms=50", "slo.quantile=0.95", "output_root="+out,
		"comparison_id=f", "echarts_js="+js)
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	figsDir := filepath.Join(out, "comparisons", "f", "figs")
	html := readFile(t, filepath.Join(figsDir, "load.html"))
	if strings.Contains(html, "https://") || !strings.Contains(html, `src="./echarts.min.js"`) {
		t.Error("load.html must load ./echarts.min.js and nothing remote")
	}
	// The fixed curves, plus p95 TTFT and TBT for the SLO's quantile.
	for _, key := range []string{"ttft_p50", "ttft_p90", "tbt_p90", "e2e_p90", "ttft_p95", "tbt_p95", "throughput"} {
		if !strings.Contains(html, `id="load_`+key+`"`) {
			t.Errorf("load.html lacks the chart load_%s", key)
		}
		for _, ext := range []string{"png", "svg"} {
			if _, err := os.Stat(filepath.Join(figsDir, "load_"+key+"."+ext)); err != nil {
				t.Errorf("missing figs/load_%s.%s", key, ext)
			}
		}
	}
	if !strings.Contains(html, "SLO 300 ms") || !strings.Contains(html, "achieved = offered") {
		t.Error("load.html lacks the SLO or the achieved = offered guide")
	}
	md := readFile(t, filepath.Join(out, "comparisons", "f", "load.md"))
	if !strings.Contains(md, "](figs/load.html)") || !strings.Contains(md, "(figs/load_ttft_p95.png)") {
		t.Error("load.md does not link the page or embed the images")
	}
}

// Sweeps' manifests give the same points as pairs=: runs grouped by
// workload id, a failed job left out with a warning.
func TestLoadReportFromManifests(t *testing.T) {
	root := t.TempDir()
	manifest := func(name, tool string, jobs ...string) string {
		var b strings.Builder
		b.WriteString("tool: " + tool + "\nsweep_id: s\nargs: []\nstate: finished\njobs:\n")
		for i, dir := range jobs {
			state := "succeeded"
			if dir == "" {
				state = "failed"
			}
			b.WriteString("  - job: " + strconv.Itoa(i) + "\n    overrides: []\n    state: " + state + "\n    output_dir: \"" + dir + "\"\n")
		}
		p := filepath.Join(root, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	reals := manifest("real.yaml", "real-bench", loadRun("real-q1a"), loadRun("real-q1b"), loadRun("real-q2"), "", loadRun("real-q3"), loadRun("real-q4"))
	sims := manifest("sim.yaml", "vidur-sim", loadRun("sim-q4"), loadRun("sim-q3"), loadRun("sim-q2"), loadRun("sim-q1"))
	out := filepath.Join(root, "out")
	st, _, stderr := runTool(t, "manifests=["+reals+","+sims+"]", "slo.ttft_ms=300", "slo.tbt_ms=50", "output_root="+out, "comparison_id=m", "figures=false")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	if !strings.Contains(stderr, "job 3 (real-bench) is failed: left out") {
		t.Errorf("stderr lacks the failed job: %s", stderr)
	}
	checkGolden(t, "load.csv", readFile(t, filepath.Join(out, "comparisons", "m", "tables", "load.csv")))

	// A workload with real runs and no simulated run cannot be a point.
	st, _, stderr = runTool(t, "manifests=["+reals+"]", "output_root="+out, "comparison_id=m2", "figures=false")
	if st != 1 || !strings.Contains(stderr, "no simulated run of it") || !strings.Contains(stderr, "vidur-sim sweep's manifest") {
		t.Errorf("status %d: %s", st, stderr)
	}
}

func TestLoadReportWithoutSLO(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	st, _, stderr := runTool(t, "pairs=[["+loadRun("real-q2")+","+loadRun("sim-q2")+"]]", "output_root="+out, "comparison_id=n", "figures=false")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	md := readFile(t, filepath.Join(out, "comparisons", "n", "load.md"))
	if !strings.Contains(md, "Not asked for: set `slo.ttft_ms` and/or `slo.tbt_ms`") {
		t.Errorf("load.md does not say the capacity was not asked for:\n%s", md)
	}
}

func TestLoadReportUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"pairs=[[" + loadRun("real-q2") + "]]"}, "a list names exactly two directories"},
		{[]string{"pairs=[[a,b,c]]"}, "{real: [real_a, real_b], sim: sim_dir}"},
		{[]string{"pairs=[{real: [a], simm: b}]"}, `unknown field "simm"`},
		{[]string{"pairs=[{real: [], sim: b}]"}, "real must name at least one directory"},
		{[]string{"pairs=[[" + loadRun("real-q2") + "," + loadRun("sim-q2") + "]]", "real_run_dir=" + loadRun("real-q2")}, "leave real_run_dir(s) and sim_run_dir(s) empty"},
		{[]string{"pairs=[[" + loadRun("real-q2") + "," + loadRun("sim-q2") + "]]", "slo.quantile=0"}, "slo.quantile"},
	} {
		if st, _, stderr := runTool(t, append(c.args, "figures=false", "output_root="+t.TempDir())...); st != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: status %d, want 2 and %q: %s", c.args, st, c.want, stderr)
		}
	}
	// A point whose runs replayed different workloads is refused as in a
	// single comparison, naming the point.
	out := filepath.Join(t.TempDir(), "out")
	st, _, stderr := runTool(t, "pairs=[["+loadRun("real-q2")+","+loadRun("sim-q3")+"]]", "output_root="+out, "figures=false")
	if st != 1 || !strings.Contains(stderr, "load point pairs[0]: ") || !strings.Contains(stderr, "not runs of the same workload") {
		t.Errorf("status %d: %s", st, stderr)
	}
}

// A load sweep holds the setup fixed: a point run with another batch cap
// is reported, on both sides.
func TestLoadReportWarnsOfSetupChanges(t *testing.T) {
	root := t.TempDir()
	copyRun := func(name string) string {
		dst := filepath.Join(root, name)
		if err := os.CopyFS(dst, os.DirFS(loadRun(name))); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, "run_meta.json")
		os.WriteFile(p, []byte(strings.Replace(readFile(t, p), `"max_batch_size": 8`, `"max_batch_size": 16`, 1)), 0o644)
		return dst
	}
	out := filepath.Join(root, "out")
	st, _, stderr := runTool(t, "pairs=[["+loadRun("real-q1a")+","+loadRun("sim-q1")+"],["+copyRun("real-q2")+","+copyRun("sim-q2")+"]]",
		"output_root="+out, "comparison_id=w", "figures=false")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	for _, side := range []string{"real run real-q2", "simulated run sim-q2"} {
		want := "pairs[1]: the " + side + " has scheduler.max_batch_size=16, but pairs[0]'s has 8"
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if md := readFile(t, filepath.Join(out, "comparisons", "w", "load.md")); !strings.Contains(md, "scheduler.max_batch_size=16") {
		t.Error("load.md does not list the warning")
	}
}

// The load page in headless Chromium, as the comparison's pages are
// checked (browser_test.go; scripts/test_browser.sh runs every
// TestBrowser* test).
func TestBrowserRendersLoadPage(t *testing.T) {
	if os.Getenv("SIMCHECK_BROWSER") != "1" {
		t.Skip("browser test: set SIMCHECK_BROWSER=1 (scripts/test_browser.sh) with chromium installed")
	}
	bin, js := chromium(t), realEcharts(t)
	out := filepath.Join(t.TempDir(), "out")
	if st, _, stderr := runTool(t, loadPairs(), "slo.ttft_ms=300", "slo.tbt_ms=50", "output_root="+out,
		"comparison_id=browser", "echarts_js="+js); st != 0 {
		t.Fatal(stderr)
	}
	page, _ := filepath.Abs(filepath.Join(out, "comparisons", "browser", "figs", "load.html"))
	shots := os.Getenv("SIMCHECK_BROWSER_OUT")
	if shots == "" {
		shots = t.TempDir()
	}
	os.MkdirAll(shots, 0o755)
	// TTFT p50 and p90, TBT p90, E2E p90, throughput.
	if p := checkPage(t, bin, page, 5, filepath.Join(shots, "load.png")); p != "" {
		t.Errorf("load.html: %s", p)
	}
}
