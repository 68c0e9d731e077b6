package artifacts

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// sampleRun writes a small run through RunWriter: two ok requests (one
// stopped early), one failed.
func sampleRun(t *testing.T, root string) string {
	t.Helper()
	d, err := CreateDir(filepath.Join(root, "run1"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	w, err := NewRunWriter(d, true, true)
	if err != nil {
		t.Fatal(err)
	}
	reqs := []RequestRecord{
		{RequestID: 1, ArrivedAt: 0.5, ScheduledAt: 0.5, PrefillCompletedAt: 0.75, CompletedAt: 1.25, NumPrefillTokens: 8, NumDecodeTokens: 3, NumDecodeTokensActual: 3, Status: StatusOK},
		{RequestID: 0, ArrivedAt: 0, ScheduledAt: 0.125, PrefillCompletedAt: 0.25, CompletedAt: 0.25, NumPrefillTokens: 4, NumDecodeTokens: 5, NumDecodeTokensActual: 1, NumRestarts: 1, Status: StatusOK},
		{RequestID: 2, ArrivedAt: 1, ScheduledAt: math.NaN(), PrefillCompletedAt: math.NaN(), CompletedAt: math.NaN(), NumPrefillTokens: 2, NumDecodeTokens: 2, Status: StatusFailed, FailureReason: "connection refused"},
	}
	for i := range reqs {
		w.Request(&reqs[i])
	}
	w.Tokens(1, 0.5, []float64{0.75, 1, 1.25}, []int{2, 1, 1})
	w.Tokens(0, 0, []float64{0.25}, nil)
	w.Batch(BatchRow{BatchID: 0, ScheduledAt: 0.125, CompletedAt: 0.25, BatchSize: 1, NumPrefillTokens: 4})
	w.Batch(BatchRow{BatchID: 1, ScheduledAt: 0.5, CompletedAt: 0.75, BatchSize: 1, NumPrefillTokens: 8})
	meta := &RunMeta{RunID: "run1", Kind: KindReal, Backend: "native", Status: RunComplete, StartedAt: "2026-11-22T00:00:00Z",
		Duration: 1.25, Scheduler: map[string]any{"kind": "sarathi", "chunk_size": 512}, Model: RunModel{Name: "qwen3_tiny", Weights: "synthetic"},
		Workload: RunWorkload{WorkloadID: "wl", Artifacts: map[string]string{"trace_lengths.csv": "abc"}}}
	if err := w.Close(meta); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	return d.Final
}

// golden compares got with testdata/golden/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update once, then review the diff)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got: %s\nwant: %s", name, got, want)
	}
}

func TestRunGoldenAndRoundTrip(t *testing.T) {
	dir := sampleRun(t, t.TempDir())
	for _, f := range []string{RequestMetricsFile, TokenMetricsFile, BatchMetricsFile, RunMetaFile} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "run/"+f, b)
	}
	run, err := ReadRunDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Requests) != 3 || run.Requests[0].RequestID != 0 || run.Requests[2].FailureReason != "connection refused" {
		t.Fatalf("requests not read back sorted: %+v", run.Requests)
	}
	if run.Meta.Counts != (RunCounts{Requests: 3, Completed: 2, Failed: 1, Tokens: 4, Batches: 2}) {
		t.Errorf("counts %+v", run.Meta.Counts)
	}
	// write(read(x)) == x for the request file.
	var buf bytes.Buffer
	cw := NewCSVWriter(&buf, RequestColumns...)
	for i := range run.Requests {
		cw.Write(requestFields(&run.Requests[i])...)
	}
	if err := cw.Flush(); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(filepath.Join(dir, RequestMetricsFile))
	sorted := sortedCSVBody(string(orig))
	if sortedCSVBody(buf.String()) != sorted {
		t.Errorf("request_metrics.csv does not round-trip:\n%s\nvs\n%s", buf.String(), orig)
	}
}

func sortedCSVBody(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	head, body := lines[0], lines[1:]
	sortStrings(body)
	return head + "\n" + strings.Join(body, "\n")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestMetricsDefinitions(t *testing.T) {
	r := RequestRecord{ArrivedAt: 1, ScheduledAt: 1.5, PrefillCompletedAt: 2, CompletedAt: 5, NumDecodeTokens: 4, NumDecodeTokensActual: 4, Status: StatusOK}
	m := r.Metrics()
	want := RequestMetrics{E2E: 4, TTFT: 1, SchedulingDelay: 0.5, DecodeNormalized: 0.75, TPOT: 1, E2ENormalized: 1}
	if m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
	r.NumDecodeTokensActual = 1
	r.CompletedAt = 2
	if m := r.Metrics(); !math.IsNaN(m.TPOT) || m.DecodeNormalized != 0 || m.E2ENormalized != 1 {
		t.Errorf("one output token: %+v (TPOT must be NaN)", m)
	}
	r.Status = StatusFailed
	if m := r.Metrics(); !math.IsNaN(m.E2E) || !math.IsNaN(m.TTFT) {
		t.Errorf("failed request has metrics %+v", m)
	}
	if got := TokenLatencies(1, []float64{1.5, 1.75, 2.5}); !reflect.DeepEqual(got, []float64{0.5, 0.25, 0.75}) {
		t.Errorf("TokenLatencies = %v", got)
	}
}

func writeRun(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := sampleRun(t, t.TempDir())
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const reqHead = "request_id,arrived_at,scheduled_at,prefill_completed_at,completed_at,num_prefill_tokens,num_decode_tokens,num_decode_tokens_actual,num_restarts,status\n"

func TestRunInvalid(t *testing.T) {
	cases := []struct {
		name, file, body, want string
	}{
		{"missing column", RequestMetricsFile, "request_id,arrived_at\n0,0\n", "request_metrics.csv:1: missing required column(s) scheduled_at"},
		{"non-numeric", RequestMetricsFile, reqHead + "0,zero,0,1,2,4,2,2,0,ok\n", `request_metrics.csv:2:3: column "arrived_at": "zero" is not a finite number`},
		{"negative count", RequestMetricsFile, reqHead + "0,0,0,1,2,-4,2,2,0,ok\n", `request_metrics.csv:2:11: column "num_prefill_tokens": -4 is negative`},
		{"duplicate id", RequestMetricsFile, reqHead + "0,0,0,1,2,4,2,2,0,ok\n0,0,0,1,2,4,2,2,0,ok\n", `request_metrics.csv:3:1: column "request_id": request 0 appears twice`},
		{"times out of order", RequestMetricsFile, reqHead + "0,0,0,3,2,4,2,2,0,ok\n", `column "completed_at": 2 is before prefill_completed_at 3`},
		{"bad status", RequestMetricsFile, reqHead + "0,0,0,1,2,4,2,2,0,done\n", `column "status": "done" must be`},
		{"empty ok time", RequestMetricsFile, reqHead + "0,0,0,,2,4,2,2,0,ok\n", `"prefill_completed_at": empty for a request with status ok`},
		{"field count", RequestMetricsFile, reqHead + "0,0,0\n", "request_metrics.csv:2: row has 3 fields, header has 10"},
		{"NaN cell", TokenMetricsFile, "request_id,token_index,completed_at,latency\n0,0,NaN,0.1\n", `token_metrics.csv:2:5: column "completed_at": "NaN" is not a finite number`},
		{"negative latency", TokenMetricsFile, "request_id,token_index,completed_at,latency\n0,0,1,-0.5\n", `column "latency": -0.5 is negative`},
		{"batch order", BatchMetricsFile, strings.Join(BatchColumns, ",") + "\n0,2,1,1,1,0\n", `column "completed_at": 1 is before scheduled_at 2`},
		{"bad json", RunMetaFile, "{\n  \"schema_version\": 1,\n  \"run_id\": 5\n}\n", `run_meta.json:3:`},
		{"unknown field", RunMetaFile, `{"schema_version": 1, "color": "red"}`, `unknown field "color"`},
		{"no schema", RunMetaFile, `{"run_id": "x", "kind": "real", "status": "complete"}`, "missing schema_version"},
		{"new schema", RunMetaFile, `{"schema_version": 2, "run_id": "x", "kind": "real", "status": "complete"}`, "unsupported schema_version 2"},
		{"trailing", RunMetaFile, `{"schema_version": 1} {}`, "unexpected data after the JSON value"},
		{"bad kind", RunMetaFile, `{"schema_version": 1, "run_id": "x", "kind": "fake", "status": "complete"}`, `kind "fake" must be`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeRun(t, map[string]string{tc.file: tc.body})
			_, err := ReadRunDir(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant an error containing %q", err, tc.want)
			}
			var fe *FileError
			if !errors.As(err, &fe) || !strings.HasSuffix(fe.Path, tc.file) {
				t.Errorf("error %v does not name %s", err, tc.file)
			}
		})
	}
}

func TestExtraColumnsTolerated(t *testing.T) {
	dir := writeRun(t, map[string]string{RequestMetricsFile: "note," + reqHead[:len(reqHead)-1] + ",my_extra\nhi,0,0,0,1,2,4,2,2,0,ok,42\n"})
	run, err := ReadRunDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Requests) != 1 || run.Requests[0].CompletedAt != 2 {
		t.Errorf("got %+v", run.Requests)
	}
}

func sampleWorkload() *Workload {
	return &Workload{
		Meta: WorkloadMeta{SchemaVersion: SchemaVersion, WorkloadID: "wl-1", Seed: 42, Generator: map[string]any{"num_requests": 2},
			Model:  ModelRef{Name: "qwen3_tiny", Tokenizer: TokenizerRef{Path: "tok.json", SHA256: "ff"}},
			Counts: WorkloadCounts{NumRequests: 2, TotalPrefillTokens: 5, TotalDecodeTokens: 3, LastArrivalS: 0.75}, ToolVersion: ToolVersion},
		Prompts: []Prompt{
			{RequestID: 0, Prompt: "Hello world", PromptTokenIDs: []int{9707, 1879}, NumPrefillTokens: 2, NumDecodeTokens: 1},
			{RequestID: 1, Prompt: "a \"b\" <c>", PromptTokenIDs: []int{64, 330, 65}, NumPrefillTokens: 3, NumDecodeTokens: 2},
		},
		Requests: []Request{{0, 0.25, 2, 1}, {1, 0.75, 3, 2}},
	}
}

func TestWorkloadGoldenAndInvalid(t *testing.T) {
	root := t.TempDir()
	d, err := CreateDir(filepath.Join(root, "wl-1"), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteWorkload(d, sampleWorkload()); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{PromptsFile, TraceLengthsFile, TraceIntervalsFile, TraceReplayFile, WorkloadMetaFile} {
		b, _ := os.ReadFile(filepath.Join(d.Final, f))
		golden(t, "workload/"+f, b)
	}
	w, err := ReadWorkloadDir(d.Final)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w.Prompts, sampleWorkload().Prompts) || !reflect.DeepEqual(w.Requests, sampleWorkload().Requests) {
		t.Errorf("workload does not round-trip: %+v", w)
	}
	reqs, err := ReadTraceReplayFile(filepath.Join(d.Final, TraceReplayFile))
	if err != nil || !reflect.DeepEqual(reqs, sampleWorkload().Requests) {
		t.Errorf("trace_replay.csv: %v %+v", err, reqs)
	}
	bad := []struct{ file, body, want string }{
		{PromptsFile, `{"request_id":0,"prompt":"x","prompt_token_ids":[1,2],"num_prefill_tokens":3,"num_decode_tokens":1}` + "\n", `prompts.jsonl:1: column "prompt_token_ids": has 2 ids but num_prefill_tokens is 3`},
		{PromptsFile, "{\"request_id\":0}\n{\"request_id\": \"one\"}\n", "prompts.jsonl:2:"},
		{TraceLengthsFile, "request_id,num_prefill_tokens,num_decode_tokens\n0,2,1\n2,3,2\n", `trace_lengths.csv:3:1: column "request_id": expected 1`},
		{TraceIntervalsFile, "request_id,arrived_at\n0,0.25\n", "trace_lengths.csv has 2 rows but trace_intervals.csv has 1"},
		{TraceIntervalsFile, "request_id,arrived_at\n0,0.8\n1,0.75\n", "inconsistent workload: request 1: arrived_at 0.75 is before"},
		{WorkloadMetaFile, `{"schema_version": 1, "workload_id": "x", "seed": -1}`, `workload_meta.json:1:`},
	}
	for _, tc := range bad {
		p := filepath.Join(d.Final, tc.file)
		orig, _ := os.ReadFile(p)
		if err := os.WriteFile(p, []byte(tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadWorkloadDir(d.Final)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.file, err, tc.want)
		}
		_ = os.WriteFile(p, orig, 0o644)
	}
}

func TestTraceReplayInvalid(t *testing.T) {
	cases := []struct{ body, want string }{
		{"arrived_at,num_prefill_tokens,num_decode_tokens\n1,2,3\n0.5,2,3\n", `t.csv:3:1: column "arrived_at": 0.5 is before the previous row's 1`},
		{"arrived_at,num_prefill_tokens,num_decode_tokens\n1,0,3\n", `column "num_prefill_tokens": must be at least 1`},
		{"arrived_at,num_decode_tokens\n1,3\n", "missing required column(s) num_prefill_tokens"},
		{"", "empty file"},
	}
	for _, tc := range cases {
		_, err := ReadTraceReplay("t.csv", strings.NewReader(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

func TestDirAtomic(t *testing.T) {
	root := t.TempDir()
	final := filepath.Join(root, "out")
	d, err := CreateDir(final, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WriteFile("a.txt", func(w ioWriter) error { _, err := w.Write([]byte("new")); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(final); !os.IsNotExist(err) {
		t.Fatal("final directory visible before Commit")
	}
	d.Abort()
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Fatalf("Abort left %d entries", len(ents))
	}
	d, _ = CreateDir(final, false)
	_ = d.WriteFile("a.txt", func(w ioWriter) error { _, err := w.Write([]byte("v1")); return err })
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	d.Abort() // after Commit: a no-op
	if _, err := CreateDir(final, false); !errors.Is(err, ErrExists) {
		t.Fatalf("existing dir without overwrite: %v", err)
	}
	d, err = CreateDir(final, true)
	if err != nil {
		t.Fatal(err)
	}
	_ = d.WriteFile("a.txt", func(w ioWriter) error { _, err := w.Write([]byte("v2")); return err })
	if b, _ := os.ReadFile(filepath.Join(final, "a.txt")); string(b) != "v1" {
		t.Fatal("overwrite replaced the old directory before Commit")
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(final, "a.txt")); string(b) != "v2" {
		t.Fatalf("after Commit: %q", b)
	}
	if ents, _ := os.ReadDir(root); len(ents) != 1 {
		t.Fatalf("Commit left %d entries in the parent", len(ents))
	}
}

func TestNumericTable(t *testing.T) {
	body := "num_tokens,time_stats.a.median,model,b\n1,0.5,x,\n2,,x,3\n"
	nt, err := ReadNumericTable("m.csv", strings.NewReader(body), "num_tokens")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := nt.Columns["model"]; ok {
		t.Error("a text column was kept as numbers")
	}
	if nt.Rows != 2 || nt.Columns["time_stats.a.median"][0] != 0.5 || !math.IsNaN(nt.Columns["time_stats.a.median"][1]) {
		t.Errorf("got %+v", nt.Columns)
	}
	if _, err := ReadNumericTable("m.csv", strings.NewReader("num_tokens\n\n1\nx\n"), "num_tokens"); err == nil || !strings.Contains(err.Error(), `m.csv:4:1: column "num_tokens"`) {
		t.Errorf("bad required cell: %v", err)
	}
}

func TestSummaryAndMetas(t *testing.T) {
	rows := []SummaryRow{{Metric: "ttft", Statistic: "p50", Real: 0.25, Sim: 0.3, RelError: 0.2, NoiseFloor: math.NaN(), Tolerance: 0.1, Verdict: "fail"}}
	var buf bytes.Buffer
	if err := WriteSummaryTable(&buf, rows); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.csv", buf.Bytes())
	got, err := ReadSummaryTable("s.csv", bytes.NewReader(buf.Bytes()))
	if err != nil || len(got) != 1 || got[0].Sim != 0.3 || !math.IsNaN(got[0].NoiseFloor) {
		t.Fatalf("summary round trip: %v %+v", err, got)
	}
	if _, err := ReadSummaryTable("s.csv", strings.NewReader(strings.Join(SummaryColumns, ",")+"\nttft,p50,1,1,0,,,maybe\n")); err == nil || !strings.Contains(err.Error(), "s.csv:2:") {
		t.Errorf("bad verdict: %v", err)
	}
	dir := t.TempDir()
	pm := &ProfileMeta{DeviceName: "cpu", ModelID: "Qwen/Qwen3-0.6B", Backend: "cpu", Threads: 2, Repeats: 5}
	buf.Reset()
	if err := WriteProfileMeta(&buf, pm); err != nil {
		t.Fatal(err)
	}
	golden(t, "profile_meta.json", buf.Bytes())
	p := filepath.Join(dir, ProfileMetaFile)
	_ = os.WriteFile(p, buf.Bytes(), 0o644)
	if got, err := ReadProfileMeta(p); err != nil || got.ModelID != pm.ModelID {
		t.Errorf("profile meta: %v %+v", err, got)
	}
	cm := &ComparisonMeta{ComparisonID: "c1", WorkloadID: "wl"}
	buf.Reset()
	_ = WriteComparisonMeta(&buf, cm)
	golden(t, "comparison_meta.json", buf.Bytes())
	p = filepath.Join(dir, ComparisonMetaFile)
	_ = os.WriteFile(p, buf.Bytes(), 0o644)
	if got, err := ReadComparisonMeta(p); err != nil || got.ComparisonID != "c1" {
		t.Errorf("comparison meta: %v %+v", err, got)
	}
}
