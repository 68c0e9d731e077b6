package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/pkg/engine/backend/cuda"
)

func runTool(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var o, e bytes.Buffer
	st := command.Run(newTool(), append([]string{"real-bench"}, args...), &o, &e)
	return o.String(), e.String(), st
}

// smallWorkload writes a 6-request workload with arrivals 20 ms apart.
func smallWorkload(t *testing.T, tokSHA string) string {
	t.Helper()
	w := &artifacts.Workload{Meta: artifacts.WorkloadMeta{SchemaVersion: artifacts.SchemaVersion, WorkloadID: "wl-test",
		Model: artifacts.ModelRef{Name: "qwen3_tiny", Tokenizer: artifacts.TokenizerRef{SHA256: tokSHA}}}}
	for i := 0; i < 6; i++ {
		ids := make([]int, 5+3*i)
		for j := range ids {
			ids[j] = 100 + 17*i + j
		}
		w.Prompts = append(w.Prompts, artifacts.Prompt{RequestID: i, Prompt: "x", PromptTokenIDs: ids, NumPrefillTokens: len(ids), NumDecodeTokens: 3 + i%3})
		w.Requests = append(w.Requests, artifacts.Request{RequestID: i, ArrivedAt: 0.02 * float64(i), NumPrefillTokens: len(ids), NumDecodeTokens: 3 + i%3})
	}
	d, err := artifacts.CreateDir(filepath.Join(t.TempDir(), "wl-test"), false)
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

func TestNativeReplayEveryScheduler(t *testing.T) {
	wl := smallWorkload(t, "")
	for _, sched := range []string{"transformers", "sarathi", "vllm"} {
		t.Run(sched, func(t *testing.T) {
			root := t.TempDir()
			out, errs, st := runTool(t, "model=qwen3_tiny", "backend=native", "scheduler.kind="+sched, "tokenizer_check=false",
				"scheduler.num_kv_blocks=64", "workload.workload_dir="+wl, "output_root="+root, "run_id=r")
			if st != 0 {
				t.Fatalf("status %d: %s", st, errs)
			}
			run, err := artifacts.ReadRunDir(strings.TrimSpace(out))
			if err != nil {
				t.Fatal(err)
			}
			if run.Meta.Status != artifacts.RunComplete || run.Meta.Counts.Completed != 6 || run.Meta.Model.Weights != "synthetic" {
				t.Fatalf("meta %+v", run.Meta)
			}
			tokens := 0
			for _, r := range run.Requests {
				m := r.Metrics()
				if r.NumDecodeTokensActual != r.NumDecodeTokens || m.TTFT <= 0 || m.SchedulingDelay < 0 || r.ScheduledAt < r.ArrivedAt {
					t.Errorf("request %+v metrics %+v", r, m)
				}
				tokens += r.NumDecodeTokensActual
			}
			if len(run.Tokens) != tokens || len(run.Batches) == 0 {
				t.Errorf("%d token rows for %d tokens, %d batches", len(run.Tokens), tokens, len(run.Batches))
			}
			for _, b := range run.Batches {
				if sched == "transformers" && b.BatchSize != 1 {
					t.Errorf("transformers batch of %d", b.BatchSize)
				}
				if sched == "vllm" && b.NumPrefillTokens > 0 && b.NumDecodeTokens > 0 {
					t.Errorf("vllm mixed batch %+v", b)
				}
			}
			if _, err := os.Stat(filepath.Join(root, "real_runs", "r", artifacts.ConfigFile)); err != nil {
				t.Error(err)
			}
		})
	}
}

// a100Error is the runbook's hardware=a100 case: a build without -tags
// cuda names the missing tag; a cuda build on a machine without a GPU
// fails in the backend's driver check.
var a100Error = map[bool]string{false: "hardware=a100 requires a CUDA-capable GPU: this binary was built without -tags cuda",
	true: "cuda:"}[cuda.Built]

func TestRunbookCases(t *testing.T) {
	wl := smallWorkload(t, "0000")
	root := t.TempDir()
	cases := []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"hardware=a100", "backend=native", "tokenizer_check=false"}, 1, a100Error},
		{[]string{"workload.workload_dir="}, 2, "workload.workload_dir is not set"},
		{[]string{"model.path=" + filepath.Join(root, "none")}, 1, "scripts/bootstrap_model.sh"},
		{[]string{"backend=openai"}, 2, "server.url is not set"},
		{[]string{"scheduler.kind=fifo", "tokenizer_check=false", "backend=native"}, 2, `scheduler.kind "fifo"`},
		{[]string{"backend=natve"}, 2, `did you mean "native"`},
		{[]string{"engine.temperature=-1", "tokenizer_check=false", "backend=native"}, 2, "engine.temperature -1 must be ≥ 0"},
		{[]string{"model.dtype=int4", "tokenizer_check=false", "backend=native"}, 2, `model.dtype "int4" is not bf16, fp16 or fp32`},
		{[]string{"model.path=" + modelDir(t)}, 1, "tokenizer mismatch: the workload was encoded with tokenizer sha256 0000"},
	}
	for _, tc := range cases {
		args := append([]string{"model=qwen3_tiny", "workload.workload_dir=" + wl, "output_root=" + root}, tc.args...)
		_, errs, st := runTool(t, args...)
		if st != tc.status || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: status %d stderr %q; want %d and %q", tc.args, st, errs, tc.status, tc.want)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(root, "real_runs")); len(ents) != 0 {
		t.Errorf("failed runs left %d entries", len(ents))
	}
}

// modelDir is where scripts/bootstrap_model.sh puts the Qwen3 reference.
func modelDir(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("no go.work above the test directory")
		}
		dir = filepath.Dir(dir)
	}
	p := filepath.Join(dir, "tmp", "models", "qwen3-0.6b", "source-data")
	if _, err := os.Stat(filepath.Join(p, "tokenizer.json")); err != nil {
		t.Fatalf("the Qwen3 tokenizer is missing (%v): run scripts/bootstrap_model.sh", err)
	}
	return p
}
