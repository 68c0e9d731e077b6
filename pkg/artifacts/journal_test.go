package artifacts

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func testJournalHeader() *JournalHeader {
	return &JournalHeader{RunID: "r1", PID: 4242, Host: "h", WorkDir: "/w", Batches: true, ConfigYAML: "defaults:\n  - model: qwen3_tiny\ntime_scale: 1\n",
		Meta: RunMeta{RunID: "r1", Kind: KindReal, Backend: "native", Hardware: "cpu",
			Workload:  RunWorkload{WorkloadID: "wl", Dir: "tmp/workloads/wl", Artifacts: map[string]string{PromptsFile: "ab"}},
			StartedAt: "2026-01-02T03:04:05.123456789Z", Scheduler: map[string]any{"kind": "sarathi", "num_kv_blocks": 64.0},
			Extra: map[string]any{"time_scale": 1.0}}}
}

var testJournalRequests = []JournalRequest{
	{RequestID: 2, ArrivedAt: 0.1, ScheduledAt: 0.1000001, NumPrefillTokens: 9, NumDecodeTokens: 3,
		Status: StatusOK, TokenTimes: []float64{0.2, 0.30000000000000004, 0.4}, BatchSizes: []int{1, 2, 2}},
	{RequestID: 0, ArrivedAt: 0, ScheduledAt: math.NaN(), NumPrefillTokens: 5, NumDecodeTokens: 2, NumRestarts: 1,
		Status: StatusFailed, FailureReason: "http 500"},
	{RequestID: 1, ArrivedAt: 0.05, ScheduledAt: math.NaN(), NumPrefillTokens: 5, NumDecodeTokens: 4,
		Status: StatusOK, TokenTimes: []float64{0.5, 0.6}},
}

// writeTestJournal writes a journal through JournalWriter and returns its
// path: the header, then each request with one batch.
func writeTestJournal(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), JournalFile)
	w, err := CreateJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteHeader(testJournalHeader()); err != nil {
		t.Fatal(err)
	}
	for i := range testJournalRequests {
		b := []BatchRow{{BatchID: 3 - i, ScheduledAt: float64(i), CompletedAt: float64(i) + 0.5, BatchSize: 2, NumPrefillTokens: 9, NumDecodeTokens: 1}}
		if err := w.Append(&testJournalRequests[i], b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// journalText is what a test compares: the records as the writer encodes
// them (NaN never equals itself, so structs are compared as text).
func journalText(t *testing.T, j *Journal) string {
	t.Helper()
	var b bytes.Buffer
	if err := encodeJournalHeader(&b, &j.Header); err != nil {
		t.Fatal(err)
	}
	for i := range j.Requests {
		if err := encodeJournalRequest(&b, &j.Requests[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i := range j.Batches {
		if err := encodeJournalBatch(&b, &j.Batches[i]); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func TestJournalRoundTrip(t *testing.T) {
	path := writeTestJournal(t)
	j, err := ReadJournalFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if j.TornLine != 0 || len(j.Requests) != 3 || len(j.Batches) != 3 {
		t.Fatalf("torn %d, %d requests, %d batches", j.TornLine, len(j.Requests), len(j.Batches))
	}
	h := testJournalHeader()
	if !reflect.DeepEqual(j.Header, *h) {
		t.Errorf("header\n%+v\nwant\n%+v", j.Header, *h)
	}
	for i, q := range j.Requests {
		want := testJournalRequests[i]
		var a, b bytes.Buffer
		_ = encodeJournalRequest(&a, &q)
		_ = encodeJournalRequest(&b, &want)
		if a.String() != b.String() {
			t.Errorf("request %d:\n%s\nwant\n%s", i, a.String(), b.String())
		}
	}
	for i, b := range j.Batches {
		if b.BatchID != i+1 {
			t.Errorf("batches not sorted by id: %+v", j.Batches)
		}
	}
	// The derived row: times exactly the first and last token's.
	r := j.Requests[0].Record()
	if r.PrefillCompletedAt != 0.2 || r.CompletedAt != 0.4 || r.NumDecodeTokensActual != 3 || r.ScheduledAt != 0.1000001 {
		t.Errorf("record %+v", r)
	}
	if f := j.Requests[1].Record(); !math.IsNaN(f.CompletedAt) || f.NumDecodeTokensActual != 0 || f.FailureReason != "http 500" {
		t.Errorf("failed record %+v", f)
	}
	hh, err := ReadJournalHeader(path)
	if err != nil || !reflect.DeepEqual(*hh, *h) {
		t.Errorf("ReadJournalHeader: %+v, %v", hh, err)
	}
}

// A crash inside a write leaves the last line cut short: it is dropped,
// not an error, and every earlier record stays.
func TestJournalTornLastLine(t *testing.T) {
	data, err := os.ReadFile(writeTestJournal(t))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n") // header, r2, b3, r0, b2, r1, b1, ""
	full := strings.Join(lines[:5], "")
	for _, torn := range []string{lines[5][:len(lines[5])/2], lines[5][:len(lines[5])-1], "\x00\x00\x00\x00"} {
		j, err := ReadJournal("j.jsonl", strings.NewReader(full+torn))
		if err != nil {
			t.Fatalf("torn %q: %v", torn, err)
		}
		if j.TornLine != 6 || len(j.Requests) != 2 || len(j.Batches) != 2 {
			t.Errorf("torn %q: line %d, %d requests, %d batches", torn, j.TornLine, len(j.Requests), len(j.Batches))
		}
	}
	// The same line cut short anywhere but last is corruption.
	_, err = ReadJournal("j.jsonl", strings.NewReader(full+lines[5][:20]+"\n"+lines[6]))
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 6 || !strings.HasPrefix(err.Error(), "j.jsonl:6:") {
		t.Errorf("corrupt line 6: %v", err)
	}
}

func TestJournalRefused(t *testing.T) {
	data, err := os.ReadFile(writeTestJournal(t))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	head := lines[0]
	req := func(s string) string { return head + s + "\n" }
	cases := []struct{ in, want string }{
		{"", "j.jsonl: no header record: it is empty"},
		{head[:30], "j.jsonl: no header record: its only line was cut short"},
		{lines[1], `j.jsonl:1: field "type": the first record is "request", want "header"`},
		{head + head, `j.jsonl:2: field "type": a second header record`},
		{req(`{"type":"tick"}`), `j.jsonl:2: field "type": "tick" is not header, request or batch`},
		{req(`{"type":"request","request_id":1,"arrived_at":0,"scheduled_at":null,"num_prefill_tokens":1,"num_decode_tokens":1,"num_restarts":0,"status":"ok","token_times":[]}`),
			`j.jsonl:2: field "token_times": empty for a request with status ok`},
		{req(`{"type":"request","request_id":1,"arrived_at":1,"scheduled_at":null,"num_prefill_tokens":1,"num_decode_tokens":2,"num_restarts":0,"status":"ok","token_times":[2,1.5]}`),
			`j.jsonl:2: field "token_times": token 1 at 1.5 is before 2`},
		{req(`{"type":"request","request_id":1,"arrived_at":1,"scheduled_at":0.5,"num_prefill_tokens":1,"num_decode_tokens":2,"num_restarts":0,"status":"failed","token_times":[]}`),
			`j.jsonl:2: field "scheduled_at": 0.5 is before arrived_at 1`},
		{req(`{"type":"request","request_id":1,"arrived_at":1,"scheduled_at":null,"num_prefill_tokens":1,"num_decode_tokens":1,"num_restarts":0,"status":"ok","token_times":[2],"extra":1}`),
			`j.jsonl:2:163: unknown field "extra"`},
		{req(lines[1][:len(lines[1])-1]) + lines[1], `j.jsonl:3: field "request_id": request 2 appears twice`},
		{req(`{"type":"batch","batch_id":0,"scheduled_at":2,"completed_at":1,"batch_size":1,"num_prefill_tokens":0,"num_decode_tokens":1}`),
			`j.jsonl:2: field "completed_at": 1 is before scheduled_at 2`},
		{req(`{"type":"request",`), "j.jsonl:2:18: invalid JSON: unexpected end of JSON input"},
		{strings.Replace(head, `"pid":4242`, `"pid":0`, 1), `j.jsonl:1: field "pid": 0 must be > 0`},
		{strings.Replace(head, `"schema_version":1`, `"schema_version":9`, 1), `j.jsonl:1: field "schema_version": 9 is not the version this build reads (1)`},
	}
	for _, tc := range cases {
		_, err := ReadJournal("j.jsonl", strings.NewReader(tc.in))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%.60q:\n got %v\nwant %s", tc.in, err, tc.want)
		}
	}
}

func TestJournalWriterStopsAtFirstError(t *testing.T) {
	path := filepath.Join(t.TempDir(), JournalFile)
	w, err := CreateJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteHeader(testJournalHeader()); err != nil {
		t.Fatal(err)
	}
	bad := JournalRequest{RequestID: 1, ScheduledAt: math.NaN(), Status: StatusOK, NumDecodeTokens: 1, TokenTimes: []float64{math.Inf(1)}}
	if err := w.Append(&bad, nil); err == nil {
		t.Fatal("an infinite time was journaled")
	}
	if err := w.Append(&testJournalRequests[1], nil); err == nil {
		t.Error("the journal went on after an error")
	}
	if err := w.Remove(); err == nil {
		t.Error("Remove hid the journal's error")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("journal not removed: %v", err)
	}
	if _, err := CreateJournal(filepath.Join(t.TempDir(), "none", JournalFile)); err == nil {
		t.Error("CreateJournal in a missing directory")
	}
}

func TestTempDirs(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "r")
	d, err := CreateDir(final, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{".r.tmp-0123abcd.old", ".r.tmp-xyz", ".rr.tmp-0123abcd", ".r.tmp-zzzzzzzz"} {
		if err := os.Mkdir(filepath.Join(parent, n), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got, err := TempDirs(final)
	if err != nil || len(got) != 1 || got[0] != d.Tmp {
		t.Errorf("TempDirs = %v, %v; want [%s]", got, err, d.Tmp)
	}
	if got, err := TempDirs(filepath.Join(parent, "none", "r")); err != nil || got != nil {
		t.Errorf("missing parent: %v, %v", got, err)
	}
}

// FuzzReadJournal: the reader never panics, and what it accepts the
// writer writes back to the same records (write(read(x)) reads as
// read(x)); a torn last line is the only thing dropped. The seeds are
// the small journals under testdata/journal: the fuzzer minimizes each
// new input it finds in about the square of its length in executions, so
// a long seed (the full test journal is 2 KB) kept the worker minimizing
// for the whole run, a few executions reported in a minute.
func FuzzReadJournal(f *testing.F) {
	addSeeds(f, "journal/*.jsonl")
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := ReadJournal("f.jsonl", bytes.NewReader(data))
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("not a FileError: %v", err)
			}
			return
		}
		text := journalText(t, j)
		again, err := ReadJournal("g.jsonl", strings.NewReader(text))
		if err != nil {
			t.Fatalf("re-read of written records: %v\n%s", err, text)
		}
		if again.TornLine != 0 {
			t.Fatalf("the writer left a torn line %d", again.TornLine)
		}
		if text2 := journalText(t, again); text2 != text {
			t.Fatalf("records changed:\n%s\n%s", text, text2)
		}
	})
}

// BenchmarkJournalAppend is the cost a replay pays per ended request: one
// request of 128 tokens and one batch row, encoded and written.
func BenchmarkJournalAppend(b *testing.B) {
	w, err := CreateJournal(filepath.Join(b.TempDir(), JournalFile))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	q := JournalRequest{RequestID: 1, ArrivedAt: 0.5, ScheduledAt: 0.51, NumPrefillTokens: 100, NumDecodeTokens: 128, Status: StatusOK}
	for i := range 128 {
		q.TokenTimes = append(q.TokenTimes, 0.6+float64(i)*0.0123456789)
		q.BatchSizes = append(q.BatchSizes, 8)
	}
	batch := []BatchRow{{BatchID: 7, ScheduledAt: 1.1, CompletedAt: 1.2, BatchSize: 8, NumDecodeTokens: 8}}
	b.ResetTimer()
	for range b.N {
		if err := w.Append(&q, batch); err != nil {
			b.Fatal(err)
		}
	}
}
