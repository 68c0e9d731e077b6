package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/simcheck/simcheck/pkg/config"
)

// sweep is one --multirun command line: its jobs run one after another in
// this process, never two at once (a benchmark must not share the CPU).
type sweep struct {
	ctx            context.Context
	tool           Tool
	args           []string // the command line after the program name
	opt            config.Options
	jobs           []Job
	stdout, stderr io.Writer
}

// sweepFlags are the flags of a --multirun command line that shape it.
type sweepFlags struct {
	printConfig bool
	id          string
}

// runSweep expands the overrides into jobs, checks every job's
// configuration before running any, then runs them and records each in
// the manifest. A failed job is recorded and the sweep goes on.
func runSweep(s *sweep, overrides []string, f sweepFlags) error {
	l, overrides, err := takeLauncher(overrides)
	if err != nil {
		return err
	}
	if s.jobs, err = Expand(overrides); err != nil {
		return err
	}
	cfgs, err := s.loadAll()
	if err != nil {
		return err
	}
	if f.printConfig {
		return printConfigs(s.stdout, cfgs)
	}
	id := f.id
	if id == "" {
		id = sweepID(s.args)
	}
	path := filepath.Join(outputRoot(cfgs[0]), "multirun", id, ManifestFile)
	if l == nil {
		m, err := s.start(id, path, nil)
		if err != nil {
			return err
		}
		return s.runAll(m, path)
	}
	if err := l.check(s.tool); err != nil {
		return err
	}
	m, err := s.start(id, path, l.record())
	if err != nil {
		return err
	}
	return s.launch(l, m, path)
}

// checkSweepID refuses an id that is not one directory name.
func checkSweepID(id string) error {
	if id == "" || strings.ContainsAny(id, `/\`) || strings.HasPrefix(id, ".") {
		return Usage(fmt.Errorf("bad --sweep-id %q", id), "a sweep id names one directory: no slashes, not starting with a dot")
	}
	return nil
}

// load resolves one job's configuration into the tool's struct, zeroed
// first: the tool's Run captured that struct once, and nothing of one job
// (a map's keys, a field Run set) may reach the next.
func (s *sweep) load(j Job) (*config.Config, error) {
	if v := reflect.ValueOf(s.tool.Schema.Target); v.Kind() == reflect.Pointer && !v.IsNil() {
		v.Elem().SetZero()
	}
	return config.Load(s.tool.Schema, j.Overrides, s.opt)
}

// loadAll loads every job's configuration, so that a mistake in the last
// job is reported before the first one runs.
func (s *sweep) loadAll() ([]*config.Config, error) {
	cfgs := make([]*config.Config, len(s.jobs))
	for i, j := range s.jobs {
		cfg, err := s.load(j)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.jobName(i), err)
		}
		cfgs[i] = cfg
	}
	return cfgs, nil
}

func (s *sweep) jobName(i int) string {
	return fmt.Sprintf("multirun job %d/%d (%s)", i+1, len(s.jobs), s.jobs[i])
}

// printConfigs prints every job's configuration as one YAML stream.
func printConfigs(w io.Writer, cfgs []*config.Config) error {
	for i, cfg := range cfgs {
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(cfg.YAML()); err != nil {
			return err
		}
	}
	return nil
}

// outputRoot is where the manifest goes: the first job's output_root.
func outputRoot(cfg *config.Config) string {
	if r, ok := cfg.Get("output_root").(string); ok && r != "" {
		return r
	}
	return "tmp"
}

// start writes the manifest with every job pending; a sweep id already
// used is refused rather than its record overwritten.
func (s *sweep) start(id, path string, lr *LaunchRecord) (*Manifest, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, WithHint(fmt.Errorf("multirun: %s already exists", path), "pass another --sweep-id")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("multirun: %w", err)
	}
	m := newManifest(s.tool.Name, id, s.args, s.jobs)
	m.Launcher = lr
	if err := m.write(path); err != nil {
		os.Remove(filepath.Dir(path)) // a sweep directory without its record is no sweep; fails harmlessly if not empty
		return nil, fmt.Errorf("multirun: write %s: %w", path, err)
	}
	fmt.Fprintf(s.stderr, "%s: multirun: %s, manifest %s\n", s.tool.Name, count(len(s.jobs), "job"), path)
	return m, nil
}

// runAll runs the jobs in order, rewriting the manifest around each. A
// Ctrl-C ends the sweep once the current job has returned.
func (s *sweep) runAll(m *Manifest, path string) error {
	for i, j := range s.jobs {
		rec := &m.Jobs[i]
		fmt.Fprintf(s.stderr, "%s: multirun job %d/%d: %s\n", s.tool.Name, i+1, len(s.jobs), j)
		rec.State = StateRunning
		s.save(m, path)
		r := s.runJob(j)
		rec.Status, rec.OutputDir, rec.Error, rec.State = &r.status, r.outputDir, r.errLine, r.state
		if s.ctx.Err() != nil {
			m.State = StateInterrupted
			s.save(m, path)
			return fmt.Errorf("multirun %w at job %d/%d (%d not run); manifest %s", ErrInterrupted, i+1, len(s.jobs), len(s.jobs)-i-1, path)
		}
		s.save(m, path)
	}
	return s.finish(m, path)
}

// finish records the sweep as finished and sums it up: an error naming
// the failed jobs, if any.
func (s *sweep) finish(m *Manifest, path string) error {
	m.State = StateFinished
	s.save(m, path)
	var failed []string
	for i, rec := range m.Jobs {
		if rec.State != StateSucceeded {
			failed = append(failed, fmt.Sprintf("%d/%d", i+1, len(m.Jobs)))
		}
	}
	if len(failed) > 0 {
		which := "job "
		if len(failed) > 1 {
			which = "jobs "
		}
		return fmt.Errorf("multirun: %d of %s failed (%s%s); manifest %s", len(failed), count(len(s.jobs), "job"), which, strings.Join(failed, ", "), path)
	}
	fmt.Fprintf(s.stderr, "%s: multirun: %s succeeded, manifest %s\n", s.tool.Name, count(len(s.jobs), "job"), path)
	return nil
}

// count is "1 job", "2 jobs".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// save rewrites the manifest; a failure is a warning, not the end of a
// sweep that may have hours of jobs left.
func (s *sweep) save(m *Manifest, path string) {
	if err := m.write(path); err != nil {
		fmt.Fprintf(s.stderr, "%s: warning: multirun: write %s: %v\n", s.tool.Name, path, err)
	}
}

// outcome is how one job ended.
type outcome struct {
	status    int
	state     string
	outputDir string
	errLine   string
}

// runJob loads the job's configuration afresh and runs it. Its stdout
// passes through and its last line is kept as its output directory; its
// errors are printed and mapped to a status as a single run's are.
func (s *sweep) runJob(j Job) outcome {
	out := &lastLine{w: s.stdout}
	err := func() error {
		cfg, err := s.load(j)
		if err != nil {
			return err
		}
		if s.tool.Run == nil {
			return fmt.Errorf("the %s stage is %w", s.tool.Name, ErrNotImplemented)
		}
		return s.tool.Run(&Context{Ctx: s.ctx, Config: cfg, Stdout: out, Stderr: s.stderr, Tool: s.tool.Name})
	}()
	o := outcome{state: StateSucceeded, outputDir: out.last()}
	if err == nil {
		return o
	}
	f := classify(s.tool.Name, err, false)
	f.print(s.tool.Name, s.stderr)
	o.status, o.errLine, o.state = f.status, f.msg, StateFailed
	if errors.Is(err, context.Canceled) {
		o.state = StateInterrupted
	}
	return o
}

// lastLine passes writes through and keeps the last non-empty line.
type lastLine struct {
	w    io.Writer
	cur  []byte
	line string
}

func (l *lastLine) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	for _, b := range p[:n] {
		if b == '\n' {
			l.endLine()
		} else {
			l.cur = append(l.cur, b)
		}
	}
	return n, err
}

func (l *lastLine) endLine() {
	if s := strings.TrimSpace(string(l.cur)); s != "" {
		l.line = s
	}
	l.cur = l.cur[:0]
}

func (l *lastLine) last() string {
	l.endLine()
	return l.line
}
