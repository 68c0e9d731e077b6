package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/real-bench/internal/fakeserver"
)

// serverWorkload writes n requests arriving gap s apart, each prompt
// starting with its id ("r<i> ..." / token id i) for the fake server.
func serverWorkload(t *testing.T, n, decode int, gap float64) string {
	t.Helper()
	w := &artifacts.Workload{Meta: artifacts.WorkloadMeta{SchemaVersion: artifacts.SchemaVersion, WorkloadID: "wl-server",
		Model: artifacts.ModelRef{Name: "qwen3_tiny"}}}
	for i := 0; i < n; i++ {
		w.Prompts = append(w.Prompts, artifacts.Prompt{RequestID: i, Prompt: fmt.Sprintf("r%d b c d", i), PromptTokenIDs: []int{i, 7, 8, 9},
			NumPrefillTokens: 4, NumDecodeTokens: decode})
		w.Requests = append(w.Requests, artifacts.Request{RequestID: i, ArrivedAt: gap * float64(i), NumPrefillTokens: 4, NumDecodeTokens: decode})
	}
	d, err := artifacts.CreateDir(filepath.Join(t.TempDir(), "wl-server"), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := artifacts.WriteWorkload(d, w); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	return d.Final
}

// readCSV reads a run's extra CSV through the artifacts table reader.
func readCSV(t *testing.T, path string, cols ...string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, err := artifacts.NewTable(path, f, cols...)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for tb.Next() {
		row := map[string]string{}
		for _, c := range tb.Header() {
			row[c] = tb.String(c)
		}
		rows = append(rows, row)
	}
	if err := tb.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// The whole CLI against a vLLM-style and a Sarathi-style server: a full
// run directory that artifacts.ReadRunDir accepts, with the known
// schedule in it and one failing request counted, not fatal.
func TestServerBackendsEndToEnd(t *testing.T) {
	const step = 0.015
	cases := []struct {
		backend string
		b       fakeserver.Behavior
		ttft    float64 // nominal
		timing  string
	}{
		{"vllm", fakeserver.Behavior{Profile: "vllm", Step: 15 * time.Millisecond, PerChunk: 2}, step, "exact"},
		{"sarathi", fakeserver.Behavior{Profile: "sarathi", Step: 15 * time.Millisecond, PrefillSteps: 1}, 2 * step, "one_per_step"},
	}
	for _, tc := range cases {
		t.Run(tc.backend, func(t *testing.T) {
			tc.b.Models = []string{"served-m"}
			tc.b.Status, tc.b.Only = 500, map[int]bool{2: true}
			srv := fakeserver.New(tc.b)
			defer srv.Close()
			wl := serverWorkload(t, 4, 4, 0.03)
			root := t.TempDir()
			// A CUDA hardware is only a label for a server: no GPU check.
			out, errs, st := runTool(t, "model=qwen3_tiny", "hardware=a100", "backend="+tc.backend, "server.url="+srv.URL, "server.model=served-m",
				"server.launch=fake "+tc.backend, "tokenizer_check=false", "workload.workload_dir="+wl, "output_root="+root, "run_id=r")
			if st != 0 {
				t.Fatalf("status %d: %s", st, errs)
			}
			dir := strings.TrimSpace(out)
			if dir != filepath.Join(root, "real_runs", "r") {
				t.Errorf("stdout %q", out)
			}
			run, err := artifacts.ReadRunDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			m := run.Meta
			if m.Status != artifacts.RunComplete || m.Backend != tc.backend || m.Kind != artifacts.KindReal || m.Model.Weights != "external" ||
				m.Counts.Completed != 3 || m.Counts.Failed != 1 || run.Batches != nil || m.Device.Name != "a100" {
				t.Errorf("meta %+v", m)
			}
			if m.Extra["served_model"] != "served-m" || m.Scheduler["server_launch"] != "fake "+tc.backend || m.Workload.Artifacts[artifacts.PromptsFile] == "" {
				t.Errorf("meta extra %v scheduler %v", m.Extra, m.Scheduler)
			}
			if !strings.Contains(strings.Join(m.Warnings, "\n"), "1 requests failed") {
				t.Errorf("warnings %q", m.Warnings)
			}
			for _, r := range run.Requests {
				if r.RequestID == 2 {
					if r.Status != artifacts.StatusFailed || !strings.Contains(r.FailureReason, "http 500") {
						t.Errorf("request 2: %+v", r)
					}
					continue
				}
				if ttft := r.Metrics().TTFT; r.Status != artifacts.StatusOK || r.NumDecodeTokensActual != 4 || math.Abs(ttft-tc.ttft) > 0.015 ||
					!math.IsNaN(r.ScheduledAt) {
					t.Errorf("request %d: TTFT %.4f (want %.3f) %+v", r.RequestID, ttft, tc.ttft, r)
				}
			}
			reqs := readCSV(t, filepath.Join(dir, "client_requests.csv"), "request_id", "dispatch_delay", "token_timing",
				"usage_prompt_tokens", "prompt_tokens_mismatch", "error")
			toks := readCSV(t, filepath.Join(dir, "client_tokens.csv"), "request_id", "token_index", "chunk_index", "tokens_in_chunk", "token_timing")
			if len(reqs) != 4 || len(toks) != len(run.Tokens) || len(toks) != 12 {
				t.Fatalf("%d client_requests rows, %d client_tokens rows, %d token rows", len(reqs), len(toks), len(run.Tokens))
			}
			for i, r := range reqs {
				if r["request_id"] != fmt.Sprint(i) || (i != 2 && (r["token_timing"] != tc.timing || r["prompt_tokens_mismatch"] != "false")) {
					t.Errorf("client_requests row %d: %v", i, r)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, artifacts.ConfigFile)); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestServerRunbookCases(t *testing.T) {
	wl := serverWorkload(t, 2, 2, 0)
	srv := fakeserver.New(fakeserver.Behavior{Profile: "vllm", Models: []string{"served-m"}})
	defer srv.Close()
	dead := fakeserver.New(fakeserver.Behavior{})
	deadURL := dead.URL
	dead.Close()
	root := t.TempDir()
	cases := []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"backend=vllm", "server.url=" + srv.URL, "server.model=other"}, 1, `does not serve model "other"; it serves served-m`},
		{[]string{"backend=sarathi", "server.url=" + deadURL}, 1, "warm-up request 0 to " + deadURL + " failed: connection failed"},
		{[]string{"backend=openai", "server.url=localhost:8000"}, 2, "is not an http:// or https:// base URL"},
		{[]string{"backend=vllm", "server.url=" + srv.URL, "server.timeout=0"}, 2, "server.timeout: 0 must be > 0"},
		{[]string{"backend=vllm", "server.url=" + srv.URL, "server.max_concurrency=-1"}, 2, "server.max_concurrency: -1"},
		{[]string{"backend=vllm", "server.url=" + srv.URL, "server.modle=x"}, 2, `server.model`},
	}
	for _, tc := range cases {
		args := append([]string{"model=qwen3_tiny", "tokenizer_check=false", "workload.workload_dir=" + wl, "output_root=" + root}, tc.args...)
		_, errs, st := runTool(t, args...)
		if st != tc.status || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: status %d stderr %q; want %d and %q", tc.args, st, errs, tc.status, tc.want)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(root, "real_runs")); len(ents) != 0 {
		t.Errorf("failed runs left %d entries", len(ents))
	}
}

// Ctrl-C during a server replay: admission stops, the run directory holds
// what completed, the run is interrupted, exit status 130.
func TestServerInterrupt(t *testing.T) {
	srv := fakeserver.New(fakeserver.Behavior{Profile: "vllm", Step: 20 * time.Millisecond})
	defer srv.Close()
	wl := serverWorkload(t, 5, 2, 0.1) // request 0 done at ~40 ms; Ctrl-C at 150 ms
	tool := newTool()
	inner := tool.Run
	tool.Run = func(c *command.Context) error {
		ctx, cancel := context.WithCancel(c.Ctx)
		defer cancel()
		time.AfterFunc(150*time.Millisecond, cancel)
		c.Ctx = ctx
		return inner(c)
	}
	root := t.TempDir()
	var o, e bytes.Buffer
	st := command.Run(tool, []string{"real-bench", "model=qwen3_tiny", "backend=vllm", "server.url=" + srv.URL, "warmup.requests=0",
		"tokenizer_check=false", "workload.workload_dir=" + wl, "output_root=" + root, "run_id=r"}, &o, &e)
	if st != command.StatusInterrupted || !strings.Contains(e.String(), "interrupted; what completed is in") {
		t.Fatalf("status %d stderr %s", st, e.String())
	}
	run, err := artifacts.ReadRunDir(strings.TrimSpace(o.String()))
	if err != nil {
		t.Fatal(err)
	}
	if run.Meta.Status != artifacts.RunInterrupted || run.Requests[0].Status != artifacts.StatusOK || run.Requests[4].Status != artifacts.StatusFailed ||
		run.Meta.Counts.Completed < 1 || run.Meta.Counts.Completed > 2 {
		t.Errorf("meta %+v requests %+v", run.Meta, run.Requests)
	}
	if got := len(srv.Bodies()); got > 2 {
		t.Errorf("%d requests sent after Ctrl-C at 150 ms, want at most 2", got)
	}
}
