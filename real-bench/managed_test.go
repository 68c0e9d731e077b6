package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/pkg/config/command/clitest"
)

var (
	standinOnce sync.Once
	standinDir  string
	standinPath string
	standinErr  error
)

// TestMain removes the stand-in server built by the tests, and lets the
// CLI scripts run real-bench as a command.
func TestMain(m *testing.M) {
	clitest.Main(m, "real-bench", main, func() func() {
		return func() {
			if standinDir != "" {
				os.RemoveAll(standinDir)
			}
		}
	})
}

// standin builds internal/cmd/standin once per test binary.
func standin(t *testing.T) string {
	t.Helper()
	standinOnce.Do(func() {
		if standinDir, standinErr = os.MkdirTemp("", "real-bench-standin-"); standinErr != nil {
			return
		}
		standinPath = filepath.Join(standinDir, "standin")
		out, err := exec.Command("go", "build", "-o", standinPath, "./internal/cmd/standin").CombinedOutput()
		if err != nil {
			standinErr = fmt.Errorf("go build standin: %v: %s", err, out)
		}
	})
	if standinErr != nil {
		t.Fatal(standinErr)
	}
	return standinPath
}

// standinRecord is what the stand-in wrote about itself.
type standinRecord struct {
	Argv []string `json:"argv"`
	Env  []string `json:"env"`
	Pid  int      `json:"pid"`
}

func readRecord(t *testing.T, path string) standinRecord {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r standinRecord
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// gone says whether pid no longer runs (a zombie no one has reaped yet
// counts as gone: it holds no GPU and serves nothing).
func gone(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(f) > 0 && f[0] == "Z"
}

func waitGone(t *testing.T, pid int, within time.Duration) {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if gone(pid) {
			return
		}
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Fatalf("server pid %d still running %s after real-bench ended", pid, within)
}

// snapshot writes a model directory with a config.json, as a Hugging
// Face snapshot has.
func snapshot(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "Llama-2-7b-hf")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":"llama"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// managedEnv points the stand-in's record at a fresh file and sets its
// mode; it returns the record's path.
func managedEnv(t *testing.T, mode string) string {
	t.Helper()
	rec := filepath.Join(t.TempDir(), "standin.json")
	t.Setenv("STANDIN_RECORD", rec)
	t.Setenv("STANDIN_MODE", mode)
	t.Setenv("STANDIN_DELAY", "")
	// A failed start leaves the server's log in TMPDIR for the user.
	t.Setenv("TMPDIR", t.TempDir())
	return rec
}

// The command real-bench derives for each backend reaches the server
// word for word, the environment passes through, the server is waited
// for, its output lands in server.log, run_meta.json records the command
// and the scheduler under the shared names, and the server is gone after
// the run.
func TestManagedServerRun(t *testing.T) {
	sa := standin(t)
	model := snapshot(t)
	cases := []struct {
		backend string
		want    func(port string) []string
		kind    string
		version string
	}{
		{"sarathi", func(port string) []string {
			return []string{"-m", "sarathi.entrypoints.openai.api_server", "--host", "127.0.0.1", "--port", port, "--log_level", "info",
				"--model_config_model", model, "--model_config_dtype", "float32", "--model_config_seed", "5",
				"--parallel_config_pipeline_parallel_size", "1", "--parallel_config_tensor_parallel_size", "1",
				"--scheduler_config_type", "SARATHI", "--sarathi_scheduler_config_chunk_size", "256",
				"--sarathi_scheduler_config_max_num_seqs", "32", "--cache_config_block_size", "16", "--extra", "x"}
		}, "sarathi", ""},
		{"vllm", func(port string) []string {
			return []string{"serve", model, "--host", "127.0.0.1", "--port", port, "--dtype", "float32", "--seed", "5",
				"--max-num-seqs", "32", "--max-num-batched-tokens", "4096", "--block-size", "16", "--enable-chunked-prefill",
				"--num-gpu-blocks-override", "900", "--extra", "x"}
		}, "vllm", "standin-vllm-1.0"},
	}
	for _, tc := range cases {
		t.Run(tc.backend, func(t *testing.T) {
			rec := managedEnv(t, "")
			t.Setenv("STANDIN_DELAY", "600ms") // readiness is waited for
			t.Setenv("CUDA_VISIBLE_DEVICES", "3")
			blocks := "scheduler.num_kv_blocks=0"
			if tc.backend == "vllm" {
				blocks = "scheduler.num_kv_blocks=900"
			}
			wl := serverWorkload(t, 3, 3, 0.01)
			root := t.TempDir()
			out, errs, st := runTool(t, "model=qwen3_tiny", "hardware=a100", "backend="+tc.backend, "model.model_id="+model,
				"server.command="+sa+" {args}", "server.extra_args=--extra x", "engine.seed=5", "scheduler.chunk_size=256",
				"scheduler.max_batch_size=32", blocks, "tokenizer_check=false", "workload.workload_dir="+wl, "output_root="+root, "run_id=r")
			if st != 0 {
				t.Fatalf("status %d: %s", st, errs)
			}
			r := readRecord(t, rec)
			waitGone(t, r.Pid, 2*time.Second)
			port := r.Argv[slices.Index(r.Argv, "--port")+1]
			if want := append([]string{sa}, tc.want(port)...); !slices.Equal(r.Argv, want) {
				t.Errorf("argv\n got %q\nwant %q", r.Argv, want)
			}
			if !slices.Contains(r.Env, "CUDA_VISIBLE_DEVICES=3") {
				t.Errorf("CUDA_VISIBLE_DEVICES did not pass through: %q", r.Env)
			}
			run, err := artifacts.ReadRunDir(strings.TrimSpace(out))
			if err != nil {
				t.Fatal(err)
			}
			m := run.Meta
			if m.Status != artifacts.RunComplete || m.Counts.Completed != 3 {
				t.Errorf("meta %+v", m)
			}
			// Sarathi-Serve sizes its cache itself: unknown, left out.
			var wantBlocks any
			if tc.backend == "vllm" {
				wantBlocks = 900.0
			}
			s := m.Scheduler
			if s["kind"] != tc.kind || s["chunk_size"] != 256.0 || s["max_batch_size"] != 32.0 || s["block_size"] != 16.0 ||
				s["num_kv_blocks"] != wantBlocks || s["max_tokens_in_batch"] != 4096.0 || m.Model.DType != "fp32" {
				t.Errorf("scheduler %v model %+v", s, m.Model)
			}
			if m.Extra["server_command"] != strings.Join(r.Argv, " ") || m.Extra["server_version"] != tc.version ||
				m.Extra["served_model"] != model || m.Extra["server_ready_s"].(float64) < 0.6 ||
				!strings.HasPrefix(m.Extra["server_stop"].(string), "SIGTERM; exited") {
				t.Errorf("extra %v", m.Extra)
			}
			log, err := os.ReadFile(filepath.Join(run.Dir, ServerLogFile))
			if err != nil || !strings.Contains(string(log), "listening on") || !strings.Contains(string(log), "SIGTERM, shutting down") {
				t.Errorf("server.log: %v %q", err, log)
			}
		})
	}
}

// Every way a run can end stops the server: a failed run, Ctrl-C, a
// server that never answers, one that ignores SIGTERM.
func TestManagedServerStopped(t *testing.T) {
	sa := standin(t)
	model := snapshot(t)
	wl := serverWorkload(t, 4, 2, 0.5) // 1.5 s of arrivals
	base := []string{"model=qwen3_tiny", "hardware=a100", "backend=vllm", "model.model_id=" + model, "server.command=" + sa + " {args}",
		"tokenizer_check=false", "workload.workload_dir=" + wl}
	cases := []struct {
		name, mode string
		args       []string
		cancel     time.Duration // Ctrl-C this long after the start
		status     int
		stderr     string
		stop       string // run_meta.json server_stop prefix; "" = no run directory
	}{
		{"failed run", "fail", nil, 0, 1, "warm-up request 0 to http://127.0.0.1:", ""},
		{"exits before ready", "exit", nil, 0, 1, "exited (exit status 3) before it answered GET", ""},
		{"never answers", "silent", []string{"server.start_timeout=0.5"}, 0, 1, "did not answer GET", ""},
		{"ignores SIGTERM", "ignore-term", []string{"server.stop_grace=0.3"}, 0, 0, "", "SIGTERM, then SIGKILL after 300ms"},
		{"Ctrl-C", "", nil, 1200 * time.Millisecond, command.StatusInterrupted, "interrupted; what completed is in", "SIGTERM; exited"},
		{"Ctrl-C before ready", "silent", nil, 300 * time.Millisecond, command.StatusInterrupted, "interrupted while waiting for vLLM to start", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := managedEnv(t, tc.mode)
			root := t.TempDir()
			tool := newTool()
			if tc.cancel > 0 {
				inner := tool.Run
				tool.Run = func(c *command.Context) error {
					ctx, cancel := context.WithCancel(c.Ctx)
					defer cancel()
					time.AfterFunc(tc.cancel, cancel)
					c.Ctx = ctx
					return inner(c)
				}
			}
			var o, e bytes.Buffer
			args := append(append([]string{"real-bench"}, base...), "output_root="+root, "run_id=r")
			st := command.Run(tool, append(args, tc.args...), &o, &e)
			if st != tc.status || !strings.Contains(e.String(), tc.stderr) {
				t.Fatalf("status %d stderr %q; want %d and %q", st, e.String(), tc.status, tc.stderr)
			}
			waitGone(t, readRecord(t, rec).Pid, 2*time.Second)
			if tc.mode == "exit" && !strings.Contains(e.String(), "CUDA out of memory (pretend)") {
				t.Errorf("the error lacks the server's last output: %q", e.String())
			}
			// A failed start or warm-up keeps the server's log and says where.
			if tc.status == 1 && tc.cancel == 0 && !strings.Contains(e.String(), "hint: the server's whole output is in "+os.Getenv("TMPDIR")) {
				t.Errorf("the hint does not name the log: %q", e.String())
			}
			if tc.stop == "" {
				if _, err := os.Stat(filepath.Join(root, "real_runs", "r")); err == nil {
					t.Error("a run directory was committed")
				}
				return
			}
			run, err := artifacts.ReadRunDir(filepath.Join(root, "real_runs", "r"))
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := run.Meta.Extra["server_stop"].(string); !strings.HasPrefix(got, tc.stop) {
				t.Errorf("server_stop %q, want %q…", got, tc.stop)
			}
		})
	}
}

// real-bench killed with SIGKILL (no deferred code runs): the kernel
// kills the server with it.
func TestManagedServerDiesWithRealBench(t *testing.T) {
	sa := standin(t)
	bin := filepath.Join(t.TempDir(), "real-bench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	rec := managedEnv(t, "")
	wl := serverWorkload(t, 40, 2, 0.25) // 10 s of arrivals
	cmd := exec.Command(bin, "model=qwen3_tiny", "hardware=a100", "backend=vllm", "model.model_id="+snapshot(t),
		"server.command="+sa+" {args}", "tokenizer_check=false", "workload.workload_dir="+wl, "output_root="+t.TempDir())
	var errs bytes.Buffer
	cmd.Stderr = &errs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// The record is written when the server starts; the replay is under
	// way once the warm-up has reached it.
	var pid int
	for end := time.Now().Add(20 * time.Second); pid == 0 && time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if data, err := os.ReadFile(rec); err == nil {
			var r standinRecord
			if json.Unmarshal(data, &r) == nil {
				pid = r.Pid
			}
		}
	}
	if pid == 0 {
		t.Fatalf("the server never started: %s", errs.String())
	}
	time.Sleep(700 * time.Millisecond)
	if gone(pid) {
		t.Fatalf("the server ended before real-bench was killed: %s", errs.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	waitGone(t, pid, 5*time.Second)
}

// The bare managed command, as one would type it with no server
// installed: it gets as far as looking for the server and says it is not
// installed, before reading the workload.
func TestManagedNotInstalled(t *testing.T) {
	model := snapshot(t)
	wl := serverWorkload(t, 1, 1, 0)
	for _, tc := range []struct{ backend, want, hint string }{
		{"sarathi", "backend=sarathi starts Sarathi-Serve, but it is not installed here", "pip install -e sarathi-serve"},
		{"vllm", "backend=vllm starts vLLM, but it is not installed here: no vllm program on PATH", "pip install vllm"},
	} {
		t.Run(tc.backend, func(t *testing.T) {
			switch tc.backend {
			case "sarathi":
				for _, py := range []string{"python", "python3"} {
					if exec.Command(py, "-c", "import sarathi").Run() == nil {
						t.Skip(py + " has Sarathi-Serve installed")
					}
				}
			case "vllm":
				if _, err := exec.LookPath("vllm"); err == nil {
					t.Skip("vllm is installed")
				}
			}
			root := t.TempDir()
			_, errs, st := runTool(t, "backend="+tc.backend, "model.model_id="+model, "workload.workload_dir="+wl, "output_root="+root)
			if st != 1 || !strings.Contains(errs, tc.want) || !strings.Contains(errs, tc.hint) || !strings.Contains(errs, "server.url=") {
				t.Errorf("status %d stderr %q", st, errs)
			}
		})
	}
}

func TestManagedUsageErrors(t *testing.T) {
	sa := standin(t)
	model := snapshot(t)
	bare := t.TempDir()
	wl := serverWorkload(t, 1, 1, 0)
	cases := []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"backend=vllm", "model.model_id=" + bare}, 2, "model.model_id=" + bare + ": " + filepath.Join(bare, "config.json") + " does not exist"},
		{[]string{"backend=vllm", "model.model_id=./no/such/snapshot"}, 2, "model.model_id=./no/such/snapshot: no such directory"},
		{[]string{"backend=vllm", "model.model_id=" + model, "server.command=" + sa}, 2, "has neither {port} nor {args}"},
		{[]string{"backend=vllm", "model.model_id=" + model, "server.command=" + sa + " --port {port}", "server.extra_args=-x"}, 2, "server.extra_args is only added through {args}"},
		{[]string{"backend=vllm", "model.model_id=" + model, "server.command=/no/such/server {args}"}, 1, "server.command: exec: \"/no/such/server\""},
		{[]string{"backend=vllm", "model.model_id=" + model, "server.start_timeout=0"}, 2, "server.start_timeout: 0 must be > 0"},
		{[]string{"backend=sarathi", "model.model_id=" + model, "server.model=other", "server.command=" + sa + " {args}"}, 2, "Sarathi-Serve serves the model under the name it loads"},
		{[]string{"backend=openai"}, 2, "server.url is not set"},
		// A snapshot directory is the tokenizer reference too.
		{[]string{"backend=vllm", "model.model_id=" + model, "tokenizer_check=true", "server.url=http://127.0.0.1:1"}, 1,
			"model reference for qwen3_tiny not found: " + filepath.Join(model, "tokenizer.json") + " does not exist"},
	}
	for _, tc := range cases {
		args := append([]string{"model=qwen3_tiny", "tokenizer_check=false", "workload.workload_dir=" + wl, "output_root=" + t.TempDir()}, tc.args...)
		_, errs, st := runTool(t, args...)
		if st != tc.status || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: status %d stderr %q; want %d and %q", tc.args, st, errs, tc.status, tc.want)
		}
	}
}

func TestExpandCommand(t *testing.T) {
	m := &managed{model: "/models/llama", port: 8123}
	got, err := expandCommand(Server{Command: "run.sh --port={port}  --model {model} {args} --tail"}, m, []string{"-a", "b"})
	want := []string{"run.sh", "--port=8123", "--model", "/models/llama", "-a", "b", "--tail"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}
