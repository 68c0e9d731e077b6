package launch

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Spec is what to start and how to tell it is ready.
type Spec struct {
	Argv []string
	// Log receives the child's stdout and stderr, interleaved.
	Log *os.File
	// ReadyURL is polled with GET until it answers 200.
	ReadyURL     string
	StartTimeout time.Duration
	// StopGrace is how long Stop waits after SIGTERM before SIGKILL.
	StopGrace time.Duration
}

// Process is a started server.
type Process struct {
	spec   Spec
	pid    int
	exited chan struct{} // closed once the child has been waited for
	err    error         // the child's exit status, valid after exited

	stopOnce sync.Once
	stopped  string // how Stop ended it, for the run's metadata
}

// pollEvery is the readiness poll period: short against a server's
// start-up (seconds to minutes), long enough not to load it.
const pollEvery = 200 * time.Millisecond

// FreePort asks the kernel for a free TCP port on 127.0.0.1. The port is
// released before the server binds it, so another process could take it
// in between; the server then fails to start and says so in its log.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("no free port on 127.0.0.1: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts the child and returns once it runs. The environment is
// inherited (CUDA_VISIBLE_DEVICES and the like pass through).
func Start(spec Spec) (*Process, error) {
	p := &Process{spec: spec, exited: make(chan struct{})}
	started := make(chan error, 1)
	// The parent-death signal is tied to the thread that forked the
	// child, not to the process: the goroutine keeps that thread locked
	// until the child is reaped, so the Go runtime never retires the
	// thread (and kills the child) under a live server.
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cmd := exec.Command(spec.Argv[0], spec.Argv[1:]...)
		cmd.Stdout, cmd.Stderr = spec.Log, spec.Log
		cmd.SysProcAttr = sysProcAttr()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		p.pid = cmd.Process.Pid
		started <- nil
		p.err = cmd.Wait()
		close(p.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Argv[0], err)
	}
	return p, nil
}

// Pid is the child's process id (also its process group id).
func (p *Process) Pid() int { return p.pid }

// Exited is closed once the child has ended.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// WaitReady polls spec.ReadyURL until it answers 200. It fails when the
// child exits first (with the last lines of its log), when
// spec.StartTimeout passes, or when ctx is cancelled.
func (p *Process) WaitReady(ctx context.Context) error {
	deadline := time.NewTimer(p.spec.StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		if ready(ctx, client, p.spec.ReadyURL) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.exited:
			return fmt.Errorf("the server exited (%v) before it answered GET %s; its last output: %s",
				p.err, p.spec.ReadyURL, p.LastLines(5))
		case <-deadline.C:
			return fmt.Errorf("the server did not answer GET %s within %s (still running, pid %d); its last output: %s",
				p.spec.ReadyURL, p.spec.StartTimeout, p.pid, p.LastLines(5))
		case <-tick.C:
		}
	}
}

func ready(ctx context.Context, c *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Stop ends the child's process group: SIGTERM, then SIGKILL when it has
// not exited after spec.StopGrace. It returns how the child ended; calls
// after the first return the same.
func (p *Process) Stop() string {
	p.stopOnce.Do(func() {
		select {
		case <-p.exited:
			p.stopped = fmt.Sprintf("had already exited (%v)", p.err)
			return
		default:
		}
		t0 := time.Now()
		signalGroup(p.pid, syscall.SIGTERM)
		select {
		case <-p.exited:
			p.stopped = fmt.Sprintf("SIGTERM; exited after %.1f s (%v)", time.Since(t0).Seconds(), p.err)
			return
		case <-time.After(p.spec.StopGrace):
		}
		signalGroup(p.pid, syscall.SIGKILL)
		<-p.exited
		p.stopped = fmt.Sprintf("SIGTERM, then SIGKILL after %s (%v)", p.spec.StopGrace, p.err)
	})
	return p.stopped
}

// StopOnCancel stops the child when ctx is cancelled (Ctrl-C), whatever
// real-bench is doing then.
func (p *Process) StopOnCancel(ctx context.Context) {
	go func() {
		select {
		case <-ctx.Done():
			p.Stop()
		case <-p.exited:
		}
	}()
}

// LastLines returns the log's last n non-empty lines on one line.
func (p *Process) LastLines(n int) string {
	data, err := os.ReadFile(p.spec.Log.Name())
	if err != nil {
		return "(log unreadable: " + err.Error() + ")"
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "(none)"
	}
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}
