package main

import (
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/real-bench/internal/fakeserver"
)

// TestServerFaults: one run against a server that fails some requests in
// each way a server fails (a stream cut mid-way, 429, a stall past
// server.timeout, a malformed chunk, a 500): exactly those requests are
// failed, each with a reason naming its fault; every other request
// completes with the timing the server gave it; the counts, the serving
// summary and the warning agree.
func TestServerFaults(t *testing.T) {
	const step = 0.015
	faults := map[int]struct {
		f    fakeserver.Fault
		want string
	}{
		1: {fakeserver.Fault{CutAfter: 2}, "stream ended before [DONE] after 2 chunks"},
		3: {fakeserver.Fault{Status: 429}, "http 429"},
		5: {fakeserver.Fault{Stall: true}, "timeout after 0.5s (server.timeout), 1 chunks received"},
		6: {fakeserver.Fault{Malformed: true}, "malformed chunk"},
		8: {fakeserver.Fault{Status: 500}, "http 500"},
	}
	b := fakeserver.Behavior{Profile: "vllm", Step: 15 * time.Millisecond, Models: []string{"served-m"}, Faults: map[int]fakeserver.Fault{}}
	for id, f := range faults {
		b.Faults[id] = f.f
	}
	srv := fakeserver.New(b)
	defer srv.Close()
	const n = 10
	wl := serverWorkload(t, n, 4, 0.03)
	root := t.TempDir()
	out, errs, st := runTool(t, "model=qwen3_tiny", "hardware=a100", "backend=vllm", "server.url="+srv.URL, "server.model=served-m",
		"server.timeout=0.5", "tokenizer_check=false", "workload.workload_dir="+wl, "output_root="+root, "run_id=r")
	if st != 0 {
		t.Fatalf("status %d: %s", st, errs)
	}
	run, err := artifacts.ReadRunDir(strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	m := run.Meta
	failed := len(faults)
	if m.Status != artifacts.RunComplete || m.Counts.Requests != n || m.Counts.Completed != n-failed || m.Counts.Failed != failed {
		t.Errorf("status %s, counts %+v; want %d completed, %d failed", m.Status, m.Counts, n-failed, failed)
	}
	if m.Serving == nil || m.Serving.Completed != n-failed || m.Serving.Failed != failed {
		t.Errorf("serving summary %+v", m.Serving)
	}
	if !strings.Contains(strings.Join(m.Warnings, "\n"), "5 requests failed") {
		t.Errorf("warnings %q", m.Warnings)
	}
	if want := "(5 completed, 5 failed)"; !strings.Contains(errs, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errs)
	}
	for _, r := range run.Requests {
		if f, ok := faults[r.RequestID]; ok {
			if r.Status != artifacts.StatusFailed || !strings.Contains(r.FailureReason, f.want) || r.NumDecodeTokensActual != 0 {
				t.Errorf("request %d: status %s reason %q, want failed with %q", r.RequestID, r.Status, r.FailureReason, f.want)
			}
			continue
		}
		// One token per 15 ms step: TTFT one step, each gap one step.
		mt := r.Metrics()
		if r.Status != artifacts.StatusOK || r.NumDecodeTokensActual != 4 || math.Abs(mt.TTFT-step) > 0.015 {
			t.Errorf("request %d: TTFT %.4f (want %.3f) %+v", r.RequestID, mt.TTFT, step, r)
		}
		prev := r.PrefillCompletedAt
		for _, tok := range run.Tokens {
			if tok.RequestID != r.RequestID || tok.TokenIndex == 0 {
				continue
			}
			if gap := tok.CompletedAt - prev; math.Abs(gap-step) > 0.015 {
				t.Errorf("request %d token %d: gap %.4f, want %.3f", r.RequestID, tok.TokenIndex, gap, step)
			}
			prev = tok.CompletedAt
		}
	}
	rows := readCSV(t, filepath.Join(strings.TrimSpace(out), "client_requests.csv"), "request_id", "error")
	for _, row := range rows {
		id, err := strconv.Atoi(row["request_id"])
		if err != nil {
			t.Fatal(err)
		}
		if _, bad := faults[id]; bad != (row["error"] != "") {
			t.Errorf("client_requests.csv row %v", row)
		}
	}
}
