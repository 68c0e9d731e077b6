package record

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// runFiles writes rec's rows into a fresh directory and returns the
// bytes of each CSV.
func runFiles(t *testing.T, rec *Recorder) map[string]string {
	t.Helper()
	d, err := artifacts.CreateDir(filepath.Join(t.TempDir(), "run"), false)
	if err != nil {
		t.Fatal(err)
	}
	rw, err := artifacts.NewRunWriter(d, true, true)
	if err != nil {
		t.Fatal(err)
	}
	rec.Write(rw)
	if err := rw.Close(&artifacts.RunMeta{RunID: "r", Kind: artifacts.KindReal, Status: artifacts.RunComplete}); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range []string{artifacts.RequestMetricsFile, artifacts.TokenMetricsFile, artifacts.BatchMetricsFile} {
		b, err := os.ReadFile(d.Path(n))
		if err != nil {
			t.Fatal(err)
		}
		out[n] = string(b)
	}
	return out
}

// What the journal holds, restored into a new recorder, writes the same
// rows as the recorder that journaled it: recovery changes no time.
func TestJournalRestoresTheSameRows(t *testing.T) {
	w := []artifacts.Request{{RequestID: 0, ArrivedAt: 0.1, NumPrefillTokens: 4, NumDecodeTokens: 3},
		{RequestID: 1, ArrivedAt: 0.2, NumPrefillTokens: 5, NumDecodeTokens: 2},
		{RequestID: 2, ArrivedAt: 0.3, NumPrefillTokens: 6, NumDecodeTokens: 2},
		{RequestID: 3, ArrivedAt: 0.4, NumPrefillTokens: 7, NumDecodeTokens: 2}}
	path := filepath.Join(t.TempDir(), artifacts.JournalFile)
	j, err := artifacts.CreateJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.WriteHeader(&artifacts.JournalHeader{RunID: "r", PID: 1, Meta: artifacts.RunMeta{RunID: "r", StartedAt: "2026-01-01T00:00:00Z"}}); err != nil {
		t.Fatal(err)
	}
	live := New(w, 1.5)
	live.Journal = j
	// Arrivals are 0.15…, 0.30…, 0.45 and 0.6 s (time_scale 1.5).
	live.Batch(artifacts.BatchRow{BatchID: 0, ScheduledAt: 0.16, CompletedAt: 0.2, BatchSize: 1, NumPrefillTokens: 4})
	live.Scheduled(0, 0.16)
	live.Token(0, 0, 0.2, 1)
	live.Scheduled(1, 0.31)
	live.Batch(artifacts.BatchRow{BatchID: 1, ScheduledAt: 0.31, CompletedAt: 0.35000000000000003, BatchSize: 2, NumPrefillTokens: 5, NumDecodeTokens: 1})
	live.Token(0, 1, 0.35000000000000003, 2)
	live.Token(1, 0, 0.35000000000000003, 2)
	live.Restart(1)
	live.Done(0)
	live.Fail(1, "boom")
	live.Done(2) // done without a token: failed, "no output token"
	live.Batch(artifacts.BatchRow{BatchID: 2, ScheduledAt: 0.61, CompletedAt: 0.7, BatchSize: 1, NumDecodeTokens: 1})
	// Request 3 never ends, and batch 2 follows the last ending: neither
	// is journaled.
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := artifacts.ReadJournalFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Requests) != 3 || len(got.Batches) != 2 {
		t.Fatalf("journal: %d requests, %d batches; want 3, 2", len(got.Requests), len(got.Batches))
	}
	back := New(w, 1.5)
	for i := range got.Requests {
		if err := back.Restore(&got.Requests[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range got.Batches {
		back.Batch(b)
	}
	back.Batch(artifacts.BatchRow{BatchID: 2, ScheduledAt: 0.61, CompletedAt: 0.7, BatchSize: 1, NumDecodeTokens: 1})
	live.Finish("cut")
	back.Finish("cut")
	want, have := runFiles(t, live), runFiles(t, back)
	for name := range want {
		if want[name] != have[name] {
			t.Errorf("%s differs:\nlive\n%s\nrestored\n%s", name, want[name], have[name])
		}
	}
	if err := back.Restore(&got.Requests[0]); err == nil {
		t.Error("a request restored twice")
	}
	other := got.Requests[0]
	other.NumDecodeTokens++
	if err := New(w, 1.5).Restore(&other); err == nil {
		t.Error("a request of another workload restored")
	}
	other.RequestID = 9
	if err := New(w, 1.5).Restore(&other); err == nil {
		t.Error("a request id outside the workload restored")
	}
}
