package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// searchGrid is the hand-written sweep of testdata/search (its README
// works out the best configurations and the fronts by hand).
var searchGrid = filepath.Join("testdata", "search", "grid")

// runSearchTool writes a search report and returns its directory and
// stderr, failing the test on a non-zero status.
func runSearchTool(t *testing.T, args ...string) (string, string) {
	t.Helper()
	out := t.TempDir()
	st, stdout, stderr := runTool(t, append([]string{"output_root=" + out, "comparison_id=s"}, args...)...)
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	dir := filepath.Join(out, "comparisons", "s")
	if strings.TrimSpace(stdout) != dir {
		t.Errorf("stdout %q, want %q", stdout, dir)
	}
	return dir, stderr
}

// searchTable reads tables/search.csv as one map per row.
func searchTable(t *testing.T, dir string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "tables", "search.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, c := range recs[0] {
			m[c] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// jobsWhere lists the jobs whose column col is "true".
func jobsWhere(rows []map[string]string, col string) []string {
	var out []string
	for _, r := range rows {
		if r[col] == "true" {
			out = append(out, r["job"])
		}
	}
	return out
}

// TestSearchReportGrid: the best configuration per SLO and the Pareto
// fronts of the fixture grid, with exact ties, a configuration that never
// met its SLO, two met at the top of their range, a failed job and one
// without capacity.json, which are listed while the rest is reported.
func TestSearchReportGrid(t *testing.T) {
	dir, stderr := runSearchTool(t, "search="+searchGrid, "figures=false")
	rows := searchTable(t, dir)
	if len(rows) != 11 {
		t.Fatalf("%d rows, want one per job (11)", len(rows))
	}
	for i, r := range rows {
		if r["job"] != fmt.Sprint(i) || r["sweep"] != "grid" {
			t.Errorf("row %d is sweep %s job %s: rows must be in job order", i, r["sweep"], r["job"])
		}
	}
	if got, want := jobsWhere(rows, "best"), []string{"4", "10"}; !reflect.DeepEqual(got, want) {
		t.Errorf("best jobs %v, want %v (jobs 4 and 10 beat job 5's and job 9's equal capacities on fewer GPUs)", got, want)
	}
	if got, want := jobsWhere(rows, "pareto"), []string{"0", "1", "3", "4", "10"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Pareto jobs %v, want %v", got, want)
	}
	if r := rows[5]; r["gpus"] != "8" || r["qps_per_gpu"] != "2.5" || r["parallel.pipeline"] != "2" {
		t.Errorf("job 5: GPUs must be replicas × TP × PP = 8: %v", r)
	}
	if r := rows[6]; r["status"] != "below_range" || r["capacity_qps"] != "0" || r["pareto"] != "false" {
		t.Errorf("job 6 never met its SLO: %v", r)
	}
	// Only the overrides that differ between jobs are columns.
	head := strings.SplitN(readFile(t, filepath.Join(dir, "tables", "search.csv")), "\n", 2)[0]
	for _, k := range []string{"scheduler.kind", "cluster.num_replicas", "parallel.tensor", "parallel.pipeline", "slo.ttft_ms", "sim.mode"} {
		if !strings.Contains(head, ","+k+",") {
			t.Errorf("header lacks the varying %s: %s", k, head)
		}
	}
	if strings.Contains(head, "vidur.profiling.root") || strings.Contains(head, "slo.tbt_ms") {
		t.Errorf("header has an override every job shares: %s", head)
	}
	md := readFile(t, filepath.Join(dir, "search.md"))
	for _, want := range []string{
		"- job 7 (`sim.mode=capacity vidur.profiling.root=bundle scheduler.kind=sarathi cluster.num_replicas=4 parallel.tensor=1 slo.ttft_ms=2000 slo.tbt_ms=100`): failed: workload.trace_replay_file: open missing.csv: no such file or directory\n",
		"- job 8 (", "): missing: open " + filepath.Join("testdata", "search", "runs", "j8", "capacity.json") + ": no such file or directory",
		"| job 4 | capacity | sarathi | 2 | 2 | 2000 |  |  | ≥ 20.0 | met at the top of the range | — | 2 | 2 | 1 | 4 | ≥ 5.00 |",
		"| job 6 | capacity | vllm | 1 | 1 | 2000 |  | 100 | 0 | never met | unfinished |",
		"job 9 met TTFT p90 ≤ 500 ms, TBT p90 ≤ 100 ms at the top of its range (≥ 3.00 req/s)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("search.md lacks %q", want)
		}
	}
	// The 2000 ms front, by GPUs: jobs 0 (1 GPU), 1 and 3 (2 GPUs, tied), 4.
	front := md[strings.Index(md, "## Pareto front"):strings.Index(md, "## Failed")]
	if i0, i1, i3, i4 := strings.Index(front, "| job 0 |"), strings.Index(front, "| job 1 |"), strings.Index(front, "| job 3 |"), strings.Index(front, "| job 4 |"); !(i0 >= 0 && i0 < i1 && i1 < i3 && i3 < i4) {
		t.Errorf("front not in GPU order:\n%s", front)
	}
	for _, want := range []string{"sweep grid job 7: failed: ", "sweep grid job 8: missing: "} {
		if !strings.Contains(stderr, "compare-runs: warning: "+want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestSearchReportDeterministic: the same sweep gives the same bytes in
// every file, figures included, whatever the report's id (config.yaml
// records comparison_id, so it is the one file that differs).
func TestSearchReportDeterministic(t *testing.T) {
	js := fakeEcharts(t, t.TempDir())
	out := t.TempDir()
	a, b := filepath.Join(out, "comparisons", "a"), filepath.Join(out, "comparisons", "b")
	for _, id := range []string{"a", "b"} {
		if st, _, stderr := runTool(t, "search="+searchGrid, "echarts_js="+js, "output_root="+out, "comparison_id="+id); st != 0 {
			t.Fatalf("status %d: %s", st, stderr)
		}
	}
	var n int
	err := filepath.WalkDir(a, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		if rel != "config.yaml" && readFile(t, p) != readFile(t, filepath.Join(b, rel)) {
			t.Errorf("%s differs between two reports of the same sweep", rel)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"search.md", "tables/search.csv", "config.yaml", "figs/search.html", "figs/echarts.min.js", "figs/search_capacity_gpus.png", "figs/search_capacity_gpus.svg"} {
		if _, err := os.Stat(filepath.Join(a, f)); err != nil {
			t.Errorf("report lacks %s", f)
		}
	}
	if md := readFile(t, filepath.Join(a, "search.md")); !strings.Contains(md, "![Capacity against GPUs") || !strings.Contains(md, "(figs/search.html)") {
		t.Errorf("search.md does not link its figure:\n%s", md)
	}
	t.Logf("%d files compared", n)
}

// writeSweep writes a vidur-sim manifest in a new directory: one
// succeeded job per output directory, numbered from 0.
func writeSweep(t *testing.T, id string, outputDirs ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "tool: vidur-sim\nsweep_id: %s\nargs: []\nstate: finished\njobs:\n", id)
	for i, d := range outputDirs {
		fmt.Fprintf(&b, "  - job: %d\n    overrides: [sim.mode=capacity, run_id=r%d]\n    state: succeeded\n    status: 0\n    output_dir: %q\n", i, i, d)
	}
	dir := filepath.Join(t.TempDir(), id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "multirun.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSearchReportCorruptCapacity: a capacity.json that is not valid
// JSON is reported with its file, line and column, on stderr and in
// search.md, and the other jobs are still reported; two sweeps are
// named with a comma and their rows told apart by sweep; a sweep that
// did not finish is a warning.
func TestSearchReportCorruptCapacity(t *testing.T) {
	good, err := filepath.Abs(filepath.Join("testdata", "search", "runs", "j0"))
	if err != nil {
		t.Fatal(err)
	}
	bad := t.TempDir()
	body := strings.Replace(readFile(t, filepath.Join(good, "capacity.json")), `"status": "found",`, `"status": "found"`, 1)
	if err := os.WriteFile(filepath.Join(bad, "capacity.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	one, two := writeSweep(t, "one", good, bad), writeSweep(t, "two", good)
	manifest := filepath.Join(two, "multirun.yaml")
	if err := os.WriteFile(manifest, []byte(strings.Replace(readFile(t, manifest), "state: finished", "state: interrupted", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	dir, stderr := runSearchTool(t, "search="+one+","+filepath.Join(two, "multirun.yaml"), "figures=false")
	want := filepath.Join(bad, "capacity.json") + `:4:3: invalid JSON: invalid character '"' after object key:value pair`
	if !strings.Contains(stderr, "compare-runs: warning: sweep one job 1: unreadable: "+want) {
		t.Errorf("stderr does not name the file, line and column:\n%s", stderr)
	}
	md := readFile(t, filepath.Join(dir, "search.md"))
	if !strings.Contains(md, "- one job 1 (`sim.mode=capacity run_id=r1`): unreadable: "+want) {
		t.Errorf("search.md does not list the corrupt job:\n%s", md)
	}
	interrupted := "sweep two is interrupted, not finished: the report holds what its jobs had written by then"
	if !strings.Contains(md, "- "+interrupted+"\n") || !strings.Contains(stderr, interrupted) {
		t.Errorf("the interrupted sweep is not warned about:\n%s", stderr)
	}
	rows := searchTable(t, dir)
	if len(rows) != 3 || rows[0]["capacity_qps"] != "6" || rows[1]["error"] != want || rows[2]["sweep"] != "two" || rows[2]["capacity_qps"] != "6" {
		t.Errorf("rows %v", rows)
	}
	// The same grid point in both sweeps: an exact tie, the earlier job best.
	if got := jobsWhere(rows, "best"); !reflect.DeepEqual(got, []string{"0"}) || rows[0]["sweep"] != "one" || rows[2]["pareto"] != "true" {
		t.Errorf("best %v, rows %v", got, rows)
	}
}

// TestSearchReportRefuses: what writes no report, and its status.
func TestSearchReportRefuses(t *testing.T) {
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "capacity.json"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	onlyBad := writeSweep(t, "bad", bad)
	bench := t.TempDir()
	if err := os.WriteFile(filepath.Join(bench, "multirun.yaml"), []byte("tool: real-bench\nsweep_id: b\njobs: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"search=" + searchGrid, "real_run_dir=x"}, 2, "search= writes a search report from its sweeps: leave real_run_dir(s)"},
		{[]string{"search=" + searchGrid + ","}, 2, `names an empty sweep directory`},
		{[]string{"search=" + searchGrid + "," + searchGrid}, 2, "are the same sweep, grid"},
		{[]string{"search=" + filepath.Join(bad, "nowhere")}, 1, "compare-runs: hint: search= takes the directory of a `vidur-sim --multirun sim.mode=capacity …` sweep"},
		{[]string{"search=" + bench}, 1, `is a sweep of "real-bench", not of vidur-sim`},
		{[]string{"search=" + onlyBad}, 1, "search: no job of bad has a capacity search to report (1 jobs)"},
	} {
		out := t.TempDir()
		st, stdout, stderr := runTool(t, append([]string{"output_root=" + out, "figures=false"}, tc.args...)...)
		if st != tc.status || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: status %d, stdout %q, stderr %s; want status %d and %q", tc.args, st, stdout, stderr, tc.status, tc.want)
		}
		if _, err := os.Stat(filepath.Join(out, "comparisons")); !os.IsNotExist(err) {
			t.Errorf("%v: a report directory was left: %v", tc.args, err)
		}
	}
}
