package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/artifacts/refdata"
	"github.com/simcheck/simcheck/pkg/config/command"
)

func runTool(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var o, e bytes.Buffer
	status = runArgs(append([]string{"vidur-sim"}, args...), &o, &e)
	return o.String(), e.String(), status
}

func runArgs(args []string, o, e io.Writer) int { return command.Run(newTool(), args, o, e) }

// a30Root is the A30 reference case, unpacked by TestMain.
var a30Root string

func a30Args(t *testing.T, out string) []string {
	d := a30Root
	return []string{"model=qwen2_7b", "hardware=a30", "vidur.profiling.root=" + filepath.Join(d, refdata.Profiles),
		"workload.trace_replay_file=" + filepath.Join(d, refdata.Reference, "trace_2000.csv"),
		"output_root=" + out}
}

// TestE2EA30Bundle runs the native predictor on the A30 Qwen2-7B
// bundle end to end and reads the run back through pkg/artifacts.
func TestE2EA30Bundle(t *testing.T) {
	out := t.TempDir()
	stdout, stderr, st := runTool(t, append(a30Args(t, out), "run_id=e2e", "sim.chrome_trace=true")...)
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	dir := strings.TrimSpace(stdout)
	run, err := artifacts.ReadRunDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Requests) != 2000 || run.Meta.Status != artifacts.RunComplete || run.Meta.Counts.Completed != 2000 {
		t.Fatalf("%d requests, status %s, %+v", len(run.Requests), run.Meta.Status, run.Meta.Counts)
	}
	if len(run.Tokens) != run.Meta.Counts.Tokens || len(run.Batches) == 0 {
		t.Fatalf("%d token rows, %d batches", len(run.Tokens), len(run.Batches))
	}
	pred, ok := run.Meta.Extra["predictor"].(map[string]any)
	if !ok || pred["name"] != "native" {
		t.Fatalf("run_meta predictor report missing: %v", run.Meta.Extra)
	}
	var tr struct {
		TraceEvents []map[string]any `json:"traceEvents"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "chrome_trace.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &tr); err != nil || len(tr.TraceEvents) != len(run.Batches) {
		t.Fatalf("chrome trace: %v, %d events for %d batches", err, len(tr.TraceEvents), len(run.Batches))
	}
}

// TestDeterminism: the same inputs and seed give byte-identical artifacts
// (run_meta.json aside from its wall-clock started_at).
func TestDeterminism(t *testing.T) {
	var dirs []string
	for range 2 {
		out := t.TempDir()
		stdout, stderr, st := runTool(t, append(a30Args(t, out), "run_id=same", "sim.chrome_trace=true", "cluster.num_replicas=2", "cluster.global_scheduler=random")...)
		if st != 0 {
			t.Fatalf("status %d: %s", st, stderr)
		}
		dirs = append(dirs, strings.TrimSpace(stdout))
	}
	for _, f := range []string{"request_metrics.csv", "token_metrics.csv", "batch_metrics.csv", "chrome_trace.json", "config.yaml", "run_meta.json"} {
		a, _ := os.ReadFile(filepath.Join(dirs[0], f))
		b, _ := os.ReadFile(filepath.Join(dirs[1], f))
		if f == "run_meta.json" || f == "config.yaml" {
			a, b = dropLines(a, "started_at", "output_root", "dir"), dropLines(b, "started_at", "output_root", "dir")
		}
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between identical runs", f)
		}
	}
}

func dropLines(b []byte, keys ...string) []byte {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		keep := true
		for _, k := range keys {
			if strings.Contains(l, `"`+k+`"`) || strings.HasPrefix(strings.TrimSpace(l), k+":") {
				keep = false
			}
		}
		if keep {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n"))
}

// TestVidurTableCLI runs the reference case through the command line and
// compares TTFT, E2E and scheduling delay with Python Vidur's file.
func TestVidurTableCLI(t *testing.T) {
	d := a30Root
	ref := filepath.Join(d, refdata.Reference)
	out := t.TempDir()
	stdout, stderr, st := runTool(t, "model=qwen2_7b", "hardware=a30", "sim.predictor=vidur_table",
		"sim.predictor_tables="+filepath.Join(ref, "predictions"), "workload.trace_replay_file="+filepath.Join(ref, "trace_2000.csv"),
		"output_root="+out, "run_id=ref")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	run, err := artifacts.ReadRunDir(strings.TrimSpace(stdout))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(ref, "request_metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, err := artifacts.NewTable(f.Name(), f, "Request Id", "request_e2e_time", "prefill_e2e_time", "request_scheduling_delay")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for tb.Next() {
		id := tb.Int("Request Id")
		m := run.Requests[id].Metrics()
		for _, c := range []struct {
			col string
			got float64
		}{{"request_e2e_time", m.E2E}, {"prefill_e2e_time", m.TTFT}, {"request_scheduling_delay", m.SchedulingDelay}} {
			want, _ := strconv.ParseFloat(tb.String(c.col), 64)
			if c.got != want || math.IsNaN(c.got) {
				t.Fatalf("request %d %s: %v, Vidur %v", id, c.col, c.got, want)
			}
		}
		n++
	}
	if n != 2000 {
		t.Fatalf("compared %d rows", n)
	}
}

// TestErrors: bad input gets one clear line and the right exit status.
func TestErrors(t *testing.T) {
	d := a30Root
	trace := filepath.Join(d, refdata.Reference, "trace_2000.csv")
	tmp := t.TempDir()
	mlpSrc, _ := os.ReadFile(filepath.Join(d, "vidur-profiles", "compute", "a30", "Qwen", "Qwen-2-7B", "mlp.csv"))
	attnSrc, _ := os.ReadFile(filepath.Join(d, "vidur-profiles", "compute", "a30", "Qwen", "Qwen-2-7B", "attention.csv"))
	bundle := func(name string, mlp []byte) string {
		root := filepath.Join(tmp, name)
		c := filepath.Join(root, "data", "profiling", "compute", "a30", "Qwen", "Qwen-2-7B")
		os.MkdirAll(c, 0o755)
		os.WriteFile(filepath.Join(c, "mlp.csv"), mlp, 0o644)
		os.WriteFile(filepath.Join(c, "attention.csv"), attnSrc, 0o644)
		return root
	}
	lines := strings.Split(string(mlpSrc), "\n")
	// Drop the num_tokens column's header name: a missing column.
	noCol := strings.Replace(string(mlpSrc), ",num_tokens,", ",num_tokenz,", 1)
	// A non-numeric num_tokens cell on file line 4.
	head := strings.Split(lines[0], ",")
	col := 0
	for i, h := range head {
		if h == "num_tokens" {
			col = i
		}
	}
	cells := strings.Split(lines[3], ",")
	cells[col] = "abc"
	lines[3] = strings.Join(cells, ",")
	badCell := strings.Join(lines, "\n")
	cellPos := "mlp.csv:4:" + strconv.Itoa(len(strings.Join(cells[:col], ","))+2) // 1-based byte column
	cases := []struct {
		name   string
		args   []string
		status int
		want   []string
	}{
		{"unknown scheduler", []string{"scheduler.kind=fifo"}, 2, []string{`unknown scheduler.kind "fifo"`}},
		{"missing bundle", []string{"vidur.profiling.root=" + filepath.Join(tmp, "nothing")}, 1,
			[]string{"Missing profiling inputs:", "mlp.csv", "attention.csv"}},
		{"missing TP inputs", []string{"vidur.profiling.root=" + bundle("tp", mlpSrc), "parallel.tensor=2"}, 1,
			[]string{"Missing profiling inputs:", "all_reduce.csv"}},
		{"missing column", []string{"vidur.profiling.root=" + bundle("col", []byte(noCol))}, 1,
			[]string{"mlp.csv:1:", "missing required column(s) num_tokens"}},
		{"non-numeric cell", []string{"vidur.profiling.root=" + bundle("cell", []byte(badCell))}, 1,
			[]string{cellPos, `"abc" is not an integer`}},
		{"no workload", []string{"vidur.profiling.root=x", "workload.trace_replay_file="}, 2,
			[]string{"exactly one of workload.workload_dir= and workload.trace_replay_file="}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"model=qwen2_7b", "hardware=a30", "workload.trace_replay_file=" + trace, "output_root=" + tmp}, c.args...)
			_, stderr, st := runTool(t, args...)
			if st != c.status {
				t.Errorf("status %d, want %d: %s", st, c.status, stderr)
			}
			first := strings.SplitN(stderr, "\n", 2)[0]
			if !strings.HasPrefix(first, "vidur-sim: error: ") {
				t.Errorf("first line %q", first)
			}
			for _, w := range c.want {
				if !strings.Contains(first, w) {
					t.Errorf("error line %q lacks %q", first, w)
				}
			}
		})
	}
}

// TestSpec10_14_KeyOutsideRange: a request longer than the tables' 4096
// tokens makes Vidur raise KeyError; vidur_table refuses with a clear
// line, native extrapolates and warns.
func TestSpec10_14_KeyOutsideRange(t *testing.T) {
	d := a30Root
	ref := filepath.Join(d, refdata.Reference)
	tmp := t.TempDir()
	trace := filepath.Join(tmp, "long.csv")
	os.WriteFile(trace, []byte("arrived_at,num_prefill_tokens,num_decode_tokens\n0.5,5000,3\n"), 0o644)
	_, stderr, st := runTool(t, "model=qwen2_7b", "hardware=a30", "sim.predictor=vidur_table", "sim.predictor_tables="+filepath.Join(ref, "predictions"),
		"workload.trace_replay_file="+trace, "output_root="+tmp, "run_id=table")
	if st != 1 || !strings.Contains(stderr, "attn_prefill has no entry for kv_cache_size=4608") {
		t.Errorf("vidur_table: status %d: %s", st, stderr)
	}
	_, stderr, st = runTool(t, "model=qwen2_7b", "hardware=a30", "vidur.profiling.root="+filepath.Join(d, refdata.Profiles),
		"workload.trace_replay_file="+trace, "output_root="+tmp, "run_id=native")
	if st != 0 || !strings.Contains(stderr, "warning: attn_prefill") {
		t.Errorf("native: status %d: %s", st, stderr)
	}
}

// TestE2EWorkloadDir runs the main command shape: a workload
// directory written through pkg/artifacts.
func TestE2EWorkloadDir(t *testing.T) {
	d := a30Root
	tmp := t.TempDir()
	w := &artifacts.Workload{Meta: artifacts.WorkloadMeta{SchemaVersion: artifacts.SchemaVersion, WorkloadID: "wl-test"}}
	for i := range 50 {
		p, dec := 20+37*i%900, 5+i%40
		ids := make([]int, p)
		w.Prompts = append(w.Prompts, artifacts.Prompt{RequestID: i, Prompt: "x", PromptTokenIDs: ids, NumPrefillTokens: p, NumDecodeTokens: dec})
		w.Requests = append(w.Requests, artifacts.Request{RequestID: i, ArrivedAt: 0.25 * float64(i), NumPrefillTokens: p, NumDecodeTokens: dec})
	}
	dir, err := artifacts.CreateDir(filepath.Join(tmp, "workloads", "wl-test"), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := artifacts.WriteWorkload(dir, w); err != nil {
		t.Fatal(err)
	}
	if err := dir.Commit(); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, st := runTool(t, "model=qwen2_7b", "hardware=a30", "vidur.profiling.root="+filepath.Join(d, refdata.Profiles),
		"workload.workload_dir="+dir.Final, "output_root="+tmp, "run_id=wl")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	run, err := artifacts.ReadRunDir(strings.TrimSpace(stdout))
	if err != nil {
		t.Fatal(err)
	}
	if run.Meta.Workload.WorkloadID != "wl-test" || len(run.Requests) != 50 || run.Meta.Counts.Completed != 50 {
		t.Fatalf("workload %q, %d requests, %+v", run.Meta.Workload.WorkloadID, len(run.Requests), run.Meta.Counts)
	}
	for _, r := range run.Requests {
		if r.NumDecodeTokensActual != r.NumDecodeTokens {
			t.Errorf("request %d: %d of %d tokens", r.RequestID, r.NumDecodeTokensActual, r.NumDecodeTokens)
		}
	}
}

// TestE2EDefaultsSyntheticBundle runs the defaults (model=qwen3_0_6b,
// hardware=cpu) on a small synthetic bundle in vidur-profile's layout,
// with its extra columns; it needs no shared data.
func TestE2EDefaultsSyntheticBundle(t *testing.T) {
	root, trace := syntheticBundle(t)
	stdout, stderr, st := runTool(t, "vidur.profiling.root="+root, "workload.trace_replay_file="+trace, "output_root="+root, "run_id=q3")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	run, err := artifacts.ReadRunDir(strings.TrimSpace(stdout))
	if err != nil {
		t.Fatal(err)
	}
	if run.Meta.Counts.Completed != 3 || run.Meta.Model.Name != "qwen3_0_6b" {
		t.Fatalf("%+v %+v", run.Meta.Counts, run.Meta.Model)
	}
	ops2 := fmt.Sprint(run.Meta.Extra["predictor"])
	for _, op := range []string{"lm_head", "attn_qk_norm", "norm", "sample"} {
		if !strings.Contains(ops2, "op:"+op+" ") {
			t.Errorf("predictor report lacks %s", op)
		}
	}
}

// syntheticBundle writes a small Qwen3-0.6B bundle in vidur-profile's
// layout and a three-request trace beside it, and returns the root and
// the trace's path.
func syntheticBundle(t *testing.T) (root, trace string) {
	t.Helper()
	root = t.TempDir()
	p := artifacts.NewProfilePaths(root, "cpu", "cpu_single", "Qwen/Qwen3-0.6B")
	os.MkdirAll(filepath.Dir(p.MLP), 0o755)
	ops := []string{"emb", "input_layernorm", "attn_pre_proj", "attn_rope", "attn_post_proj", "post_attention_layernorm",
		"mlp_up_proj", "mlp_act", "mlp_down_proj", "add", "attn_qk_norm", "norm", "lm_head", "sample"}
	var b strings.Builder
	for _, op := range ops {
		b.WriteString("time_stats." + op + ".median,")
	}
	b.WriteString("n_head,n_kv_head,n_embd,n_expanded_embd,vocab_size,use_gated_mlp,num_tokens,num_tensor_parallel_workers\n")
	for _, n := range []int{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096} {
		for i := range ops {
			b.WriteString(strconv.FormatFloat(0.01+0.0001*float64((i+1)*n), 'g', -1, 64) + ",")
		}
		b.WriteString("16,8,1024,3072,151936,True," + strconv.Itoa(n) + ",1\n")
	}
	os.WriteFile(p.MLP, []byte(b.String()), 0o644)
	b.Reset()
	b.WriteString("time_stats.attn_prefill.median,time_stats.attn_decode.median,n_embd,n_q_head,n_kv_head,block_size,num_tensor_parallel_workers,batch_size,prefill_chunk_size,kv_cache_size\n")
	for _, c := range []int{16, 128, 512, 2048, 4096} {
		for _, kv := range []int{0, 512, 2048} {
			b.WriteString(strconv.FormatFloat(0.01+1e-6*float64(c*c+c*kv), 'g', -1, 64) + ",,1024,16,8,16,1,1," + strconv.Itoa(c) + "," + strconv.Itoa(kv) + "\n")
		}
	}
	for _, bs := range []int{1, 4, 16, 64, 128} {
		for _, kv := range []int{64, 1024, 4096} {
			b.WriteString("," + strconv.FormatFloat(0.01+1e-5*float64(bs*kv), 'g', -1, 64) + ",1024,16,8,16,1," + strconv.Itoa(bs) + ",0," + strconv.Itoa(kv) + "\n")
		}
	}
	os.WriteFile(p.Attention, []byte(b.String()), 0o644)
	trace = filepath.Join(root, "trace.csv")
	os.WriteFile(trace, []byte("arrived_at,num_prefill_tokens,num_decode_tokens\n0,100,5\n0.01,700,3\n0.02,30,1\n"), 0o644)
	return root, trace
}
