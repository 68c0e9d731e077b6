package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// spreadWorkload writes n requests arriving gap s apart.
func spreadWorkload(t *testing.T, n int, gap float64) string {
	t.Helper()
	w := &artifacts.Workload{Meta: artifacts.WorkloadMeta{SchemaVersion: artifacts.SchemaVersion, WorkloadID: "wl-spread",
		Model: artifacts.ModelRef{Name: "qwen3_tiny"}}}
	for i := 0; i < n; i++ {
		ids := make([]int, 8+i%5)
		for j := range ids {
			ids[j] = 100 + 13*i + j
		}
		w.Prompts = append(w.Prompts, artifacts.Prompt{RequestID: i, Prompt: "x", PromptTokenIDs: ids, NumPrefillTokens: len(ids), NumDecodeTokens: 4 + i%3})
		w.Requests = append(w.Requests, artifacts.Request{RequestID: i, ArrivedAt: gap * float64(i), NumPrefillTokens: len(ids), NumDecodeTokens: 4 + i%3})
	}
	d, err := artifacts.CreateDir(filepath.Join(t.TempDir(), "wl-spread"), false)
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

// journaled is a request line of the journal, decoded here on its own so
// the test does not take the reader under test on trust.
type journaled struct {
	Type          string    `json:"type"`
	RequestID     int       `json:"request_id"`
	ArrivedAt     float64   `json:"arrived_at"`
	ScheduledAt   *float64  `json:"scheduled_at"`
	Status        string    `json:"status"`
	FailureReason string    `json:"failure_reason"`
	TokenTimes    []float64 `json:"token_times"`
}

func journalRecords(t *testing.T, data []byte) (reqs map[int]journaled, batches int) {
	t.Helper()
	reqs = map[int]journaled{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r journaled
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("journal line %q: %v", sc.Text(), err)
		}
		switch r.Type {
		case "request":
			reqs[r.RequestID] = r
		case "batch":
			batches++
		}
	}
	return reqs, batches
}

// buildTool builds real-bench into a temporary directory, for tests that
// need a process of their own to kill.
func buildTool(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "real-bench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// waitForJournal polls until the run's journal holds at least n request
// records and returns its path.
func waitForJournal(t *testing.T, root string, n int, stderr *bytes.Buffer) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		paths, _ := filepath.Glob(filepath.Join(root, "real_runs", ".r.tmp-*", artifacts.JournalFile))
		if len(paths) == 1 {
			data, _ := os.ReadFile(paths[0])
			if bytes.Count(data, []byte(`{"type":"request"`)) >= n {
				return paths[0]
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no journal with %d requests after 2 min; stderr:\n%s", n, stderr)
	return ""
}

// A run killed with SIGKILL mid-replay is refused as a restart, then
// recovered: every request that had ended before the kill keeps its
// times bit for bit, every other one fails as cut off by the crash.
func TestKilledRunIsRecovered(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real-bench and replays for a few seconds")
	}
	bin := buildTool(t)
	const n = 40
	wl := spreadWorkload(t, n, 0.1)
	root := t.TempDir()
	args := []string{"model=qwen3_tiny", "backend=native", "scheduler.kind=sarathi", "tokenizer_check=false",
		"scheduler.num_kv_blocks=64", "workload.workload_dir=" + wl, "output_root=" + root, "run_id=r"}
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	path := waitForJournal(t, root, 5, &stderr)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	tmp := filepath.Dir(path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ended, batches := journalRecords(t, data)
	t.Logf("killed with %d of %d requests and %d batches journaled", len(ended), n, batches)
	if len(ended) < 5 || len(ended) >= n {
		t.Fatalf("%d of %d requests journaled at the kill: the test needs some, not all", len(ended), n)
	}
	// A crash inside a write would leave a cut line; SIGKILL between
	// writes does not, so add one.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"type":"request","request_id":39,"arr`); err != nil {
		t.Fatal(err)
	}
	f.Close()

	_, errs, st := runTool(t, args...)
	if st != 2 || !strings.Contains(errs, "run r crashed earlier: "+tmp) || !strings.Contains(errs, "hint: recover it with: real-bench recover=r output_root="+root) {
		t.Fatalf("restart: status %d, stderr %q", st, errs)
	}

	out, errs, st := runTool(t, "recover=r", "output_root="+root)
	if st != 0 {
		t.Fatalf("recover: status %d: %s", st, errs)
	}
	if !strings.Contains(errs, "was cut short by the crash and dropped") {
		t.Errorf("no warning about the torn line: %s", errs)
	}
	run, err := artifacts.ReadRunDir(strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, run, ended, batches, n)
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("the crashed run's temporary directory is still there: %v", err)
	}
	saved, err := os.ReadFile(filepath.Join(run.Dir, artifacts.ConfigFile))
	if err != nil || !bytes.Contains(saved, []byte("run_id: r\n")) || !bytes.Contains(saved, []byte("kind: sarathi")) {
		t.Errorf("config.yaml is not the crashed run's: %v\n%s", err, saved)
	}
	if _, errs, st := runTool(t, "recover=r", "output_root="+root); st != 1 || !strings.Contains(errs, `no crashed run "r"`) {
		t.Errorf("second recover: status %d, %s", st, errs)
	}
}

func checkRecovered(t *testing.T, run *artifacts.Run, ended map[int]journaled, batches, n int) {
	t.Helper()
	m := run.Meta
	ok := 0
	for _, q := range ended {
		if q.Status == artifacts.StatusOK {
			ok++
		}
	}
	if m.Status != artifacts.RunCrashed || m.Counts.Requests != n || m.Counts.Completed != ok || m.Counts.Failed != n-ok ||
		m.Model.Name != "qwen3_tiny" || m.Scheduler["kind"] != "sarathi" || m.Device.Name == "" {
		t.Errorf("run_meta.json: %+v", m)
	}
	if len(run.Batches) != batches {
		t.Errorf("%d batch rows, %d journaled", len(run.Batches), batches)
	}
	tokens := map[int][]float64{}
	for _, r := range run.Tokens {
		tokens[r.RequestID] = append(tokens[r.RequestID], r.CompletedAt)
	}
	same := func(a, b []float64) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	for _, r := range run.Requests {
		q, was := ended[r.RequestID]
		switch {
		case !was:
			if r.Status != artifacts.StatusFailed || r.FailureReason != "not finished before the crash" {
				t.Errorf("request %d, unfinished at the kill: %+v", r.RequestID, r)
			}
		case q.Status != artifacts.StatusOK:
			if r.Status != artifacts.StatusFailed || r.FailureReason != q.FailureReason {
				t.Errorf("request %d failed before the kill (%q): %+v", r.RequestID, q.FailureReason, r)
			}
		default:
			sched := math.NaN()
			if q.ScheduledAt != nil {
				sched = *q.ScheduledAt
			}
			if r.Status != artifacts.StatusOK || r.ArrivedAt != q.ArrivedAt || r.ScheduledAt != sched ||
				r.PrefillCompletedAt != q.TokenTimes[0] || r.CompletedAt != q.TokenTimes[len(q.TokenTimes)-1] ||
				!same(tokens[r.RequestID], q.TokenTimes) {
				t.Errorf("request %d changed:\n%+v, tokens %v\njournaled %+v", r.RequestID, r, tokens[r.RequestID], q)
			}
		}
	}
}

// fakeCrash leaves a temporary run directory for run id r under root
// whose journal was written by pid.
func fakeCrash(t *testing.T, root string, pid int) string {
	t.Helper()
	d, err := artifacts.CreateDir(filepath.Join(root, "real_runs", "r"), false)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	j, err := artifacts.CreateJournal(d.Path(artifacts.JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := j.WriteHeader(&artifacts.JournalHeader{RunID: "r", PID: pid, Host: host,
		Meta: artifacts.RunMeta{RunID: "r", StartedAt: "2026-01-01T00:00:00Z"}}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return d.Tmp
}

// deadPID is the id of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestCrashedRunChecks(t *testing.T) {
	wl := smallWorkload(t, "")
	run := []string{"model=qwen3_tiny", "backend=native", "tokenizer_check=false", "scheduler.num_kv_blocks=64", "workload.workload_dir=" + wl, "run_id=r"}

	// A journal whose process lives is a run in progress: a run of the
	// same id starts (and its own journal is gone once it ends), and
	// recovery refuses it.
	live := t.TempDir()
	tmp := fakeCrash(t, live, os.Getpid())
	if _, errs, st := runTool(t, "recover=r", "output_root="+live); st != 1 || !strings.Contains(errs, "may still be running") {
		t.Errorf("recover of a live run: status %d, %s", st, errs)
	}
	if out, errs, st := runTool(t, append(run, "output_root="+live)...); st != 0 {
		t.Errorf("run beside a live journal: status %d, %s", st, errs)
	} else if _, err := os.Stat(filepath.Join(strings.TrimSpace(out), artifacts.JournalFile)); !os.IsNotExist(err) {
		t.Errorf("a committed run kept its journal: %v", err)
	}
	if ents, _ := filepath.Glob(filepath.Join(live, "real_runs", ".r.tmp-*")); len(ents) != 1 || ents[0] != tmp {
		t.Errorf("temporary directories after the run: %v, want only %s", ents, tmp)
	}

	dead := t.TempDir()
	tmp1 := fakeCrash(t, dead, deadPID(t))
	cases := []struct {
		args   []string
		status int
		want   string
	}{
		{append(run, "output_root="+dead), 2, "run r crashed earlier: " + tmp1},
		{[]string{"recover=nope", "output_root=" + dead}, 1, `recover=nope: no crashed run "nope" under ` + filepath.Join(dead, "real_runs")},
		{[]string{"recover=" + wl}, 1, "has no journal.jsonl, so it is not a crashed run's temporary directory"},
		// The workload directory the fake header names does not exist.
		{[]string{"recover=" + tmp1}, 1, "workload_meta.json"},
	}
	for _, tc := range cases {
		_, errs, st := runTool(t, tc.args...)
		if st != tc.status || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: status %d, stderr %q; want %d and %q", tc.args, st, errs, tc.status, tc.want)
		}
	}
	tmp2 := fakeCrash(t, dead, deadPID(t))
	if _, errs, st := runTool(t, "recover=r", "output_root="+dead); st != 1 || !strings.Contains(errs, "2 temporary directories hold a journal") ||
		!strings.Contains(errs, tmp2) {
		t.Errorf("two crashed runs: status %d, %s", st, errs)
	}
}
