package artifacts

import (
	"bytes"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// update rewrites testdata/golden/* and testdata/valid/*/*.want from the
// current writers; review the diff before committing it.
var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// checkGolden compares got with the file at path, rewriting it with -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once, then review the diff)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func goldenPath(name string) string { return filepath.Join("testdata", "golden", name) }

// sameFiles fails unless every named file has the same bytes in both
// directories.
func sameFiles(t *testing.T, a, b string, names ...string) {
	t.Helper()
	for _, n := range names {
		x, err := os.ReadFile(filepath.Join(a, n))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s: write(read(golden)) != golden\n--- rewritten\n%s--- golden\n%s", n, y, x)
		}
	}
}

// copyGolden copies testdata/golden/<sub> into a fresh temporary directory
// (so a reader sees a real directory, never the golden one half-updated).
func copyGolden(t *testing.T, sub string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), sub)
	copyTree(t, goldenPath(sub), dst)
	return dst
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

// commitDir builds a directory through Dir and fn and returns its final path.
func commitDir(t *testing.T, final string, fn func(d *Dir) error) string {
	t.Helper()
	d, err := CreateDir(final, false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	if err := fn(d); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	return final
}

// sampleWorkload has the cases a writer must get right: a prompt with
// quotes, angle brackets and non-ASCII text, a float arrival that only
// round-trips with 17 digits, and two requests arriving at once.
func sampleWorkload() *Workload {
	return &Workload{
		Meta: WorkloadMeta{SchemaVersion: SchemaVersion, WorkloadID: "wl-golden", Seed: 42,
			Generator:   map[string]any{"num_requests": 3, "arrival": map[string]any{"kind": "poisson", "qps": 2.5}},
			Model:       ModelRef{Name: "qwen3_tiny", Tokenizer: TokenizerRef{Path: "tmp/models/qwen3-0.6b/source-data/tokenizer.json", SHA256: "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"}},
			Counts:      WorkloadCounts{NumRequests: 3, TotalPrefillTokens: 6, TotalDecodeTokens: 7, LastArrivalS: 0.30000000000000004},
			ToolVersion: ToolVersion},
		Prompts: []Prompt{
			{RequestID: 0, Prompt: "Hello world", PromptTokenIDs: []int{9707, 1879}, NumPrefillTokens: 2, NumDecodeTokens: 1},
			{RequestID: 1, Prompt: "a \"b\" <c> & é", PromptTokenIDs: []int{64, 330, 65}, NumPrefillTokens: 3, NumDecodeTokens: 2},
			{RequestID: 2, Prompt: "\n", PromptTokenIDs: []int{198}, NumPrefillTokens: 1, NumDecodeTokens: 4},
		},
		Requests: []Request{{0, 0.1, 2, 1}, {1, 0.30000000000000004, 3, 2}, {2, 0.30000000000000004, 1, 4}},
	}
}

// TestWorkloadGolden checks docs/artifacts.md §1: the bytes of every workload file,
// and write(read(golden)) == golden.
func TestWorkloadGolden(t *testing.T) {
	t.Parallel()
	files := []string{PromptsFile, TraceLengthsFile, TraceIntervalsFile, TraceReplayFile, WorkloadMetaFile}
	dir := commitDir(t, filepath.Join(t.TempDir(), "wl-golden"), func(d *Dir) error { return WriteWorkload(d, sampleWorkload()) })
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, goldenPath("workload/"+f), b)
	}
	if *update {
		return
	}
	w, err := ReadWorkloadDir(copyGolden(t, "workload"))
	if err != nil {
		t.Fatal(err)
	}
	again := commitDir(t, filepath.Join(t.TempDir(), "again"), func(d *Dir) error { return WriteWorkload(d, w) })
	sameFiles(t, goldenPath("workload"), again, files...)
}

// sampleRun writes the golden run through RunWriter: an ok request with
// one output token after a restart, one with three, a failed one, and one
// sent to an external server (scheduling time unknown, batch sizes
// unknown).
func sampleRun(d *Dir) error {
	w, err := NewRunWriter(d, true, true)
	if err != nil {
		return err
	}
	nan := math.NaN()
	reqs := []RequestRecord{
		{RequestID: 0, ArrivedAt: 0, ScheduledAt: 0.125, PrefillCompletedAt: 0.25, CompletedAt: 0.25, NumPrefillTokens: 4, NumDecodeTokens: 5, NumDecodeTokensActual: 1, NumRestarts: 1, Status: StatusOK},
		{RequestID: 1, ArrivedAt: 0.5, ScheduledAt: 0.5, PrefillCompletedAt: 0.75, CompletedAt: 1.25, NumPrefillTokens: 8, NumDecodeTokens: 3, NumDecodeTokensActual: 3, Status: StatusOK},
		{RequestID: 2, ArrivedAt: 1, ScheduledAt: nan, PrefillCompletedAt: nan, CompletedAt: nan, NumPrefillTokens: 2, NumDecodeTokens: 2, Status: StatusFailed, FailureReason: "connection refused, \"retry\" later"},
		{RequestID: 3, ArrivedAt: 0.1, ScheduledAt: nan, PrefillCompletedAt: 0.30000000000000004, CompletedAt: 0.7, NumPrefillTokens: 3, NumDecodeTokens: 2, NumDecodeTokensActual: 2, Status: StatusOK},
	}
	for i := range reqs {
		w.Request(&reqs[i])
	}
	w.Tokens(0, 0, []float64{0.25}, []int{1})
	w.Tokens(1, 0.5, []float64{0.75, 1, 1.25}, []int{2, 1, 1})
	w.Tokens(3, 0.1, []float64{0.30000000000000004, 0.7}, nil)
	w.Batch(BatchRow{BatchID: 0, ScheduledAt: 0.125, CompletedAt: 0.25, BatchSize: 1, NumPrefillTokens: 4})
	w.Batch(BatchRow{BatchID: 1, ScheduledAt: 0.5, CompletedAt: 0.75, BatchSize: 2, NumPrefillTokens: 8, NumDecodeTokens: 1})
	meta := &RunMeta{RunID: "run-golden", Kind: KindReal, Backend: "native",
		Device:    DeviceInfo{Name: "cpu", Description: "test CPU, 2 logical CPUs, linux/amd64", Host: "h", Threads: 2},
		Model:     RunModel{Name: "qwen3_tiny", ConfigSHA256: "00ff", Weights: "synthetic"},
		Workload:  RunWorkload{WorkloadID: "wl-golden", Dir: "tmp/workloads/wl-golden", Artifacts: map[string]string{"trace_lengths.csv": "abc", "prompts.jsonl": "def"}},
		Scheduler: map[string]any{"kind": "sarathi", "chunk_size": 512, "max_batch": 8},
		StartedAt: "2026-11-22T00:00:00Z", Duration: 1.25, Status: RunComplete,
		Warnings: []string{"request 2 failed"},
		Extra:    map[string]any{"warmup_s": 0.5},
	}
	return w.Close(meta)
}

// TestRunGolden checks docs/artifacts.md §2: the bytes of every run file, the
// counts Close fills in, and write(read(golden)) == golden.
func TestRunGolden(t *testing.T) {
	t.Parallel()
	files := []string{RequestMetricsFile, TokenMetricsFile, BatchMetricsFile, RunMetaFile}
	dir := commitDir(t, filepath.Join(t.TempDir(), "run-golden"), sampleRun)
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, goldenPath("run/"+f), b)
	}
	if *update {
		return
	}
	run, err := ReadRunDir(copyGolden(t, "run"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (RunCounts{Requests: 4, Completed: 3, Failed: 1, Tokens: 6, Batches: 2}); run.Meta.Counts != want {
		t.Errorf("counts %+v, want %+v", run.Meta.Counts, want)
	}
	again := commitDir(t, filepath.Join(t.TempDir(), "again"), func(d *Dir) error { return rewriteRun(d, run) })
	sameFiles(t, goldenPath("run"), again, files...)
}

// rewriteRun writes a run read back from disk through RunWriter.
func rewriteRun(d *Dir, run *Run) error {
	w, err := NewRunWriter(d, run.Tokens != nil, run.Batches != nil)
	if err != nil {
		return err
	}
	arrived := map[int]float64{}
	for i := range run.Requests {
		w.Request(&run.Requests[i])
		arrived[run.Requests[i].RequestID] = run.Requests[i].ArrivedAt
	}
	for i := 0; i < len(run.Tokens); {
		j := i
		var times []float64
		var sizes []int
		for ; j < len(run.Tokens) && run.Tokens[j].RequestID == run.Tokens[i].RequestID; j++ {
			times = append(times, run.Tokens[j].CompletedAt)
			sizes = append(sizes, run.Tokens[j].BatchSize)
		}
		w.Tokens(run.Tokens[i].RequestID, arrived[run.Tokens[i].RequestID], times, sizes)
		i = j
	}
	for _, b := range run.Batches {
		w.Batch(b)
	}
	return w.Close(&run.Meta)
}

func sampleSummary() []SummaryRow {
	nan := math.NaN()
	return []SummaryRow{
		{Metric: "prefill_e2e_time", Statistic: "p50", Real: 0.25, Sim: 0.3, RelError: 0.19999999999999996, NoiseFloor: nan, Tolerance: 0.1, Verdict: "fail"},
		{Metric: "tpot", Statistic: "mean", Real: 0.01, Sim: 0.0101, RelError: 0.01, NoiseFloor: 0.002, Tolerance: 0.05, Verdict: "pass"},
		{Metric: "request_e2e_time", Statistic: "count", Real: 64, Sim: 64, RelError: 0, NoiseFloor: nan, Tolerance: nan},
	}
}

func sampleProfileMeta() *ProfileMeta {
	return &ProfileMeta{DeviceName: "cpu", Device: DeviceInfo{Name: "cpu", Description: "test CPU", Threads: 2}, Backend: "go",
		ModelID: "Qwen/Qwen3-0.6B", Model: RunModel{Name: "qwen3_0_6b", ConfigSHA256: "00ff", Weights: "synthetic"}, Threads: 2,
		Grid: map[string]any{"num_tokens": []any{1, 2, 4}, "max_batch": 8}, Warmup: 1, Repeats: 5,
		StartedAt: "2026-11-22T00:00:00Z", WallTime: 12.5,
		Files: []string{"data/profiling/compute/cpu/Qwen/Qwen3-0.6B/mlp.csv", "data/profiling/compute/cpu/Qwen/Qwen3-0.6B/attention.csv"}}
}

func sampleComparisonMeta() *ComparisonMeta {
	return &ComparisonMeta{ComparisonID: "cmp-golden",
		Real:       []ComparisonRun{{Dir: "tmp/real_runs/r1", RunID: "r1", Kind: KindReal, Source: "native", WorkloadID: "wl"}},
		Sim:        []ComparisonRun{{Dir: "tmp/vidur_runs/s1", RunID: "s1", Kind: KindSim, Source: "vidur-sim", WorkloadID: "wl"}},
		WorkloadID: "wl", Tolerances: map[string]any{"prefill_e2e_time.p50": 0.1}, Counts: map[string]int{"paired_requests": 64},
		CreatedAt: "2026-11-22T00:00:00Z"}
}

// TestComparisonAndProfileGolden checks docs/artifacts.md §3–4's files: the
// bytes each writer produces and write(read(golden)) == golden.
func TestComparisonAndProfileGolden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		write   func(io.Writer) error
		rewrite func(path string, w io.Writer) error
	}{
		{"summary.csv",
			func(w io.Writer) error { return WriteSummaryTable(w, sampleSummary()) },
			func(p string, w io.Writer) error {
				rows, err := ReadFile(p, ReadSummaryTable)
				if err != nil {
					return err
				}
				return WriteSummaryTable(w, rows)
			}},
		{"comparison_meta.json",
			func(w io.Writer) error { return WriteComparisonMeta(w, sampleComparisonMeta()) },
			func(p string, w io.Writer) error {
				m, err := ReadComparisonMeta(p)
				if err != nil {
					return err
				}
				return WriteComparisonMeta(w, m)
			}},
		{"profile_meta.json",
			func(w io.Writer) error { return WriteProfileMeta(w, sampleProfileMeta()) },
			func(p string, w io.Writer) error {
				m, err := ReadProfileMeta(p)
				if err != nil {
					return err
				}
				return WriteProfileMeta(w, m)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.write(&buf); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, goldenPath(tc.name), buf.Bytes())
			if *update {
				return
			}
			var again bytes.Buffer
			if err := tc.rewrite(goldenPath(tc.name), &again); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), buf.Bytes()) {
				t.Errorf("write(read(golden)) != golden\n--- rewritten\n%s--- golden\n%s", again.Bytes(), buf.Bytes())
			}
		})
	}
}
