package launch

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func logFile(t *testing.T) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// A server that ignores SIGTERM gets SIGKILL after the grace period, and
// so does every process of its group (a server's workers).
func TestStopKillsTheGroupAfterGrace(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "worker.pid")
	script := `trap "" TERM; sleep 60 & echo $! > ` + pidFile + `; echo started; wait`
	p, err := Start(Spec{Argv: []string{"sh", "-c", script}, Log: logFile(t), ReadyURL: "http://127.0.0.1:1/", StartTimeout: time.Second, StopGrace: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var worker int
	for end := time.Now().Add(5 * time.Second); worker == 0 && time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(pidFile)
		worker, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if worker == 0 {
		t.Fatal("the worker never started")
	}
	t0 := time.Now()
	got := p.Stop()
	if el := time.Since(t0); el < 200*time.Millisecond || !strings.HasPrefix(got, "SIGTERM, then SIGKILL after 200ms") {
		t.Errorf("Stop took %s: %q", el, got)
	}
	if p.Stop() != got {
		t.Error("a second Stop answered differently")
	}
	// The worker was reparented when sh died: someone else reaps it, so
	// allow a moment.
	for end := time.Now().Add(2 * time.Second); syscall.Kill(worker, 0) == nil; time.Sleep(10 * time.Millisecond) {
		if b, _ := os.ReadFile("/proc/" + strconv.Itoa(worker) + "/stat"); strings.Contains(string(b), ") Z ") {
			break
		}
		if time.Now().After(end) {
			syscall.Kill(worker, syscall.SIGKILL)
			t.Fatalf("worker %d survived the group's SIGKILL", worker)
		}
	}
	if ll := p.LastLines(3); ll != "started" {
		t.Errorf("LastLines %q", ll)
	}
}

// WaitReady reports a child that exits before it answers, with its last
// output, and a child that never answers, once the timeout has passed.
func TestWaitReadyFailures(t *testing.T) {
	p, err := Start(Spec{Argv: []string{"sh", "-c", "for i in 1 2 3 4 5; do echo $i; done; echo 6 >&2; echo; echo 7; exit 4"}, Log: logFile(t),
		ReadyURL: "http://127.0.0.1:1/v1/models", StartTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = p.WaitReady(context.Background())
	if err == nil || !strings.Contains(err.Error(), "exited (exit status 4) before it answered GET http://127.0.0.1:1/v1/models; its last output: 3 | 4 | 5 | 6 | 7") {
		t.Errorf("exit: %v", err)
	}
	p, err = Start(Spec{Argv: []string{"sleep", "30"}, Log: logFile(t), ReadyURL: "http://127.0.0.1:1/v1/models",
		StartTimeout: 300 * time.Millisecond, StopGrace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if err := p.WaitReady(context.Background()); err == nil || !strings.Contains(err.Error(), "did not answer GET http://127.0.0.1:1/v1/models within 300ms") {
		t.Errorf("timeout: %v", err)
	}
	if got := p.Stop(); !strings.HasPrefix(got, "SIGTERM; exited after") {
		t.Errorf("Stop: %q", got)
	}
}
