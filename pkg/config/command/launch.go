package command

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// launch runs the sweep's jobs with a launcher: each job is this
// executable run on the job's overrides, its stdout and stderr kept in
// the sweep directory's jobs/<index>.out and .err. At the end the jobs'
// stdout is copied to ours in job order, as a sweep in this process
// would have printed it.
func (s *sweep) launch(l *launcher, m *Manifest, path string) error {
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("multirun: %w", err)
	}
	argvs, err := s.writeJobFiles(dir)
	if err != nil {
		return err
	}
	switch l.name {
	case LaunchLocal:
		fmt.Fprintf(s.stderr, "%s: multirun: launcher=local, %s at once; each job's output in %s\n", s.tool.Name, count(l.jobs, "job"), filepath.Join(dir, JobsDir))
		s.runLocal(l, m, path, dir, argvs)
	case LaunchParallel:
		err = s.runParallel(l, m, path, dir)
	case LaunchSlurm:
		if !l.submit {
			return s.prepareSlurm(l, m, path, dir)
		}
		err = s.runSlurm(l, m, path, dir)
	}
	if err != nil {
		return err
	}
	s.copyStdout(dir)
	if s.ctx.Err() != nil {
		m.State = StateInterrupted
		s.save(m, path)
		return fmt.Errorf("multirun %w (%d of %s not run); manifest %s", ErrInterrupted, pending(m), count(len(m.Jobs), "job"), path)
	}
	return s.finish(m, path)
}

func pending(m *Manifest) int {
	n := 0
	for _, j := range m.Jobs {
		if j.State == StatePending || j.State == StateRunning {
			n++
		}
	}
	return n
}

// runLocal runs the jobs as subprocesses, at most l.jobs at once, and
// records each as it ends. A failed job does not stop the others; Ctrl-C
// reaches the running jobs (they share our process group) and no other
// starts.
func (s *sweep) runLocal(l *launcher, m *Manifest, path, dir string, argvs [][]string) {
	var mu sync.Mutex // the manifest and our stderr
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(l.jobs, len(argvs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				mu.Lock()
				m.Jobs[i].State = StateRunning
				fmt.Fprintf(s.stderr, "%s: multirun job %d/%d: %s\n", s.tool.Name, i+1, len(argvs), s.jobs[i])
				s.save(m, path)
				mu.Unlock()
				st, why := s.runProcess(argvs[i], dir, i)
				mu.Lock()
				s.record(m, dir, i, st, why)
				s.save(m, path)
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range argvs {
		select {
		case next <- i:
		case <-s.ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
}

// runProcess runs one job's command line with its output in the jobs
// directory and returns its exit status, with why it has none of its own
// (it did not start, or a signal ended it).
func (s *sweep) runProcess(argv []string, dir string, i int) (int, string) {
	out, err := os.Create(jobFile(dir, i, ".out"))
	if err != nil {
		return 1, err.Error()
	}
	defer out.Close()
	errf, err := os.Create(jobFile(dir, i, ".err"))
	if err != nil {
		return 1, err.Error()
	}
	defer errf.Close()
	cmd := exec.CommandContext(s.ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, errf
	// Ctrl-C, not a kill: the job records itself as interrupted.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, ""
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode(), ""
	case errors.As(err, &ee):
		return 1, ee.String() // "signal: killed"
	default:
		return 1, err.Error()
	}
}

func jobFile(dir string, i int, ext string) string {
	return filepath.Join(dir, JobsDir, fmt.Sprint(i)+ext)
}

// record fills job i's manifest record from its exit status and the
// files it left, and reports a failure on our stderr. why, when not
// empty, is the error when the job could not say it itself.
func (s *sweep) record(m *Manifest, dir string, i, status int, why string) {
	rec := &m.Jobs[i]
	rec.Status = &status
	rec.OutputDir = lastNonEmptyLine(jobFile(dir, i, ".out"), "")
	rec.State = StateSucceeded
	if status == 0 {
		return
	}
	rec.State = StateFailed
	if s.ctx.Err() != nil {
		rec.State = StateInterrupted
	}
	rec.Error = why
	if rec.Error == "" {
		rec.Error = lastNonEmptyLine(jobFile(dir, i, ".err"), s.tool.Name+": error: ")
	}
	if rec.Error == "" {
		rec.Error = fmt.Sprintf("exit status %d", status)
	}
	fmt.Fprintf(s.stderr, "%s: multirun job %d/%d failed (status %d): %s; see %s\n", s.tool.Name, i+1, len(m.Jobs), status, rec.Error, jobFile(dir, i, ".err"))
}

// lastNonEmptyLine is the last non-empty line of a file that starts with
// prefix, without it; "" when there is none or no file.
func lastNonEmptyLine(path, prefix string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var last string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && strings.HasPrefix(line, prefix) {
			last = strings.TrimPrefix(line, prefix)
		}
	}
	return last
}

// copyStdout prints every job's stdout in job order.
func (s *sweep) copyStdout(dir string) {
	for i := range s.jobs {
		f, err := os.Open(jobFile(dir, i, ".out"))
		if err != nil {
			continue // a job that never ran printed nothing
		}
		_, err = io.Copy(s.stdout, f)
		f.Close()
		if err != nil {
			fmt.Fprintf(s.stderr, "%s: warning: multirun: %v\n", s.tool.Name, err)
		}
	}
}
