package command

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// runParallel hands the jobs to GNU parallel: its input is the job
// indexes, and each job is `sh job.sh <index>` with its output
// redirected to jobs/<index>.out and .err. Its job log (Seq is the index
// plus one) gives each job's exit status. launcher.parallel_args come
// after our options, so --sshloginfile spreads the jobs over machines
// that see the sweep directory and the executable at the same paths.
func (s *sweep) runParallel(l *launcher, m *Manifest, path, dir string) error {
	jobs := shellQuote(filepath.Join(dir, JobsDir)) + "/"
	tmpl := "sh " + shellQuote(filepath.Join(dir, JobScript)) + " {} >" + jobs + "{}.out 2>" + jobs + "{}.err"
	args := append([]string{"--jobs", strconv.Itoa(l.jobs), "--joblog", filepath.Join(dir, JoblogFile)}, l.args...)
	args = append(args, tmpl)
	var in strings.Builder
	for i := range s.jobs {
		fmt.Fprintln(&in, i)
		m.Jobs[i].State = StateRunning
	}
	s.save(m, path)
	fmt.Fprintf(s.stderr, "%s: multirun: parallel %s; each job's output in %s\n", s.tool.Name, shellLine(args), filepath.Join(dir, JobsDir))
	cmd := exec.CommandContext(s.ctx, "parallel", args...)
	cmd.Stdin = strings.NewReader(in.String())
	// parallel's own words are messages: our stdout stays for results.
	cmd.Stdout, cmd.Stderr = s.stderr, s.stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	runErr := cmd.Run()
	rows, err := readJoblog(filepath.Join(dir, JoblogFile))
	if err != nil {
		return fmt.Errorf("multirun: parallel: %w (parallel: %v)", err, runErr)
	}
	for i := range m.Jobs {
		r, ok := rows[i]
		switch {
		case !ok:
			m.Jobs[i].State = StatePending // parallel never started it
		case r.signal != 0:
			s.record(m, dir, i, 128+r.signal, fmt.Sprintf("killed by signal %d", r.signal))
		default:
			s.record(m, dir, i, r.exit, "")
		}
	}
	// parallel's status counts the failed jobs (1 to 101); 255 is its own
	// failure, as is a sweep it ran no job of.
	var ee *exec.ExitError
	if runErr != nil && (!errors.As(runErr, &ee) || ee.ExitCode() == 255 || len(rows) == 0) && s.ctx.Err() == nil {
		s.save(m, path)
		return fmt.Errorf("multirun: parallel: %w; manifest %s", runErr, path)
	}
	return nil
}

// joblogRow is one finished job of a GNU parallel job log.
type joblogRow struct{ exit, signal int }

// readJoblog reads parallel's --joblog: a header, then one tab-separated
// row per finished job (Seq Host Starttime JobRuntime Send Receive
// Exitval Signal Command), keyed here by job index (Seq - 1).
func readJoblog(path string) (map[int]joblogRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows := map[int]joblogRow{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if n == 1 {
			continue
		}
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) < 9 {
			return nil, fmt.Errorf("%s:%d: %d fields, want 9", path, n, len(fields))
		}
		seq, err1 := strconv.Atoi(fields[0])
		exit, err2 := strconv.Atoi(fields[6])
		sig, err3 := strconv.Atoi(fields[7])
		if err := errors.Join(err1, err2, err3); err != nil || seq < 1 {
			return nil, fmt.Errorf("%s:%d: bad row %q", path, n, sc.Text())
		}
		rows[seq-1] = joblogRow{exit: exit, signal: sig}
	}
	return rows, sc.Err()
}

// sbatchPath matches a directory that an #SBATCH line can carry: Slurm
// reads no shell quoting there and expands % in file names.
var sbatchPath = regexp.MustCompile(`^[A-Za-z0-9_@+=:,./-]+$`)

// writeSbatch writes the job array script: task i runs `sh job.sh i`,
// which writes jobs/<i>.status, with its output in jobs/<i>.out and .err
// (Slurm's own messages for the task, such as a time limit, land there
// too). launcher.jobs, when given, caps the tasks running at once.
func (s *sweep) writeSbatch(l *launcher, dir string) (string, error) {
	if !sbatchPath.MatchString(dir) {
		return "", Usage(fmt.Errorf("launcher=slurm: the sweep directory %q holds characters an #SBATCH line cannot carry", dir),
			"choose an output_root and --sweep-id of letters, digits and _@+=:,./-")
	}
	array := fmt.Sprintf("0-%d", len(s.jobs)-1)
	if l.jobs > 0 {
		array += fmt.Sprintf("%%%d", l.jobs)
	}
	jobs := filepath.Join(dir, JobsDir)
	script := "#!/bin/sh\n" +
		"#SBATCH --job-name=" + s.tool.Name + "\n" +
		"#SBATCH --array=" + array + "\n" +
		"#SBATCH --output=" + jobs + "/%a.out\n" +
		"#SBATCH --error=" + jobs + "/%a.err\n" +
		"# Task i runs job i of jobs.txt; see job.sh.\n" +
		"exec sh " + filepath.Join(dir, JobScript) + ` "$SLURM_ARRAY_TASK_ID"` + "\n"
	path := filepath.Join(dir, SbatchFile)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		return "", fmt.Errorf("multirun: %w", err)
	}
	return path, nil
}

// prepareSlurm only writes the script (launcher.submit=false): stdout is
// its path, stderr the command that submits it.
func (s *sweep) prepareSlurm(l *launcher, m *Manifest, path, dir string) error {
	script, err := s.writeSbatch(l, dir)
	if err != nil {
		return err
	}
	m.State = StatePrepared
	s.save(m, path)
	submit := shellLine(append(append([]string{"sbatch"}, l.args...), script))
	fmt.Fprintf(s.stderr, "%s: multirun: wrote %s, not submitted; submit it with: %s\n", s.tool.Name, script, submit)
	fmt.Fprintf(s.stderr, "%s: multirun: job i's exit status will be in %s\n", s.tool.Name, jobFile(dir, 0, ".status"))
	_, err = fmt.Fprintln(s.stdout, script)
	return err
}

var submitted = regexp.MustCompile(`Submitted batch job (\d+)`)

// runSlurm submits the array with sbatch --wait, which returns once every
// task has ended, and reads each job's exit status from jobs/<i>.status.
// A task that wrote none (cancelled, out of time) is failed, status
// absent. Ctrl-C stops the waiting, not the array: scancel does.
func (s *sweep) runSlurm(l *launcher, m *Manifest, path, dir string) error {
	script, err := s.writeSbatch(l, dir)
	if err != nil {
		return err
	}
	args := append(append([]string{"--wait"}, l.args...), script)
	for i := range m.Jobs {
		m.Jobs[i].State = StateRunning
	}
	s.save(m, path)
	fmt.Fprintf(s.stderr, "%s: multirun: sbatch %s; each job's output in %s\n", s.tool.Name, shellLine(args), filepath.Join(dir, JobsDir))
	var out bytes.Buffer
	cmd := exec.CommandContext(s.ctx, "sbatch", args...)
	// exec copies stdout and stderr on two goroutines: both reach
	// s.stderr, which need not be safe for concurrent writes.
	errw := &lockedWriter{w: s.stderr}
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&out, errw), errw
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	// sbatch --wait fails when any task failed: the statuses say which.
	runErr := cmd.Run()
	id := submitted.FindStringSubmatch(out.String())
	if id == nil {
		for i := range m.Jobs {
			m.Jobs[i].State = StatePending
		}
		s.save(m, path)
		return fmt.Errorf("multirun: sbatch did not submit %s: %v; manifest %s", script, runErr, path)
	}
	m.Launcher.SlurmJob = id[1]
	for i := range m.Jobs {
		b, err := os.ReadFile(jobFile(dir, i, ".status"))
		st, perr := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || perr != nil {
			if s.ctx.Err() != nil {
				continue // still running under Slurm, or never started
			}
			rec := &m.Jobs[i]
			rec.State, rec.Error = StateFailed, "the task wrote no exit status (cancelled or out of time?)"
			rec.OutputDir = lastNonEmptyLine(jobFile(dir, i, ".out"), "")
			fmt.Fprintf(s.stderr, "%s: multirun job %d/%d failed: %s; see %s\n", s.tool.Name, i+1, len(m.Jobs), rec.Error, jobFile(dir, i, ".err"))
			continue
		}
		s.record(m, dir, i, st, "")
	}
	return nil
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
