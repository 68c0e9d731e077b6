package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/config"
)

// printDir is a Run that prints an output directory named after n, as
// every tool prints its own last on stdout.
func printDir(c *Context, cfg *cfgT) error {
	fmt.Fprintln(c.Stdout, "progress words a tool might print first")
	fmt.Fprintln(c.Stdout, filepath.Join(cfg.OutputRoot, fmt.Sprintf("run-n%d", cfg.N)))
	return nil
}

// sweepTool is a test tool whose Run calls run with the decoded config.
func sweepTool(run func(*Context, *cfgT) error) Tool {
	tl, cfg := tool(nil)
	tl.Run = func(c *Context) error { return run(c, cfg) }
	return tl
}

func readManifest(t *testing.T, root, id string) *Manifest {
	t.Helper()
	m, err := ReadManifest(filepath.Join(root, "multirun", id, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func statusOf(n int) *int { return &n }

// TestMultirunGroupAndKey runs a sweep over a group and a key: the jobs
// run in Hydra's order, each with its own configuration.
func TestMultirunGroupAndKey(t *testing.T) {
	t.Parallel()
	var got []string
	tl := sweepTool(func(c *Context, cfg *cfgT) error {
		got = append(got, fmt.Sprintf("%s/%s/%d", c.Config.Choice("hardware"), cfg.Hardware.Name, cfg.N))
		return nil
	})
	root := t.TempDir()
	if _, errs, st := runT(tl, "hardware=cpu,a100", "-m", "n=1,2", "output_root="+root); st != 0 {
		t.Fatalf("status %d: %s", st, errs)
	}
	want := []string{"cpu/cpu/1", "cpu/cpu/2", "a100/a100/1", "a100/a100/2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jobs ran as %q, want %q", got, want)
	}
}

// TestMultirunManifest checks stdout (one output directory per job, in
// order), the job headers on stderr and multirun.yaml.
func TestMultirunManifest(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	args := []string{"--multirun", "n=1,2", "output_root=" + root, "--sweep-id=s1"}
	out, errs, st := runT(sweepTool(printDir), args...)
	if st != 0 {
		t.Fatalf("status %d: %s", st, errs)
	}
	d1, d2 := filepath.Join(root, "run-n1"), filepath.Join(root, "run-n2")
	pre := "progress words a tool might print first\n"
	if out != pre+d1+"\n"+pre+d2+"\n" {
		t.Errorf("stdout %q", out)
	}
	path := filepath.Join(root, "multirun", "s1", ManifestFile)
	wantErr := "t: multirun: 2 jobs, manifest " + path + "\n" +
		"t: multirun job 1/2: n=1 output_root=" + root + "\n" +
		"t: multirun job 2/2: n=2 output_root=" + root + "\n" +
		"t: multirun: 2 jobs succeeded, manifest " + path + "\n"
	if errs != wantErr {
		t.Errorf("stderr\n%s\nwant\n%s", errs, wantErr)
	}
	want := &Manifest{Tool: "t", SweepID: "s1", Args: args, State: StateFinished, Jobs: []JobRecord{
		{Job: 0, Overrides: []string{"n=1", "output_root=" + root}, State: StateSucceeded, Status: statusOf(0), OutputDir: d1},
		{Job: 1, Overrides: []string{"n=2", "output_root=" + root}, State: StateSucceeded, Status: statusOf(0), OutputDir: d2},
	}}
	if got := readManifest(t, root, "s1"); !reflect.DeepEqual(got, want) {
		t.Errorf("manifest\n%+v\nwant\n%+v", got, want)
	}
	// The same sweep id again is refused, its record kept.
	if _, errs, st := runT(sweepTool(printDir), args...); st != 1 || !strings.Contains(errs, "already exists") || !strings.Contains(errs, "hint: pass another --sweep-id") {
		t.Errorf("reused sweep id: status %d: %s", st, errs)
	}
	// The default id: a UTC timestamp and a hash of the arguments; no
	// temporary file is left beside the manifest.
	if _, errs, st := runT(sweepTool(printDir), "-m", "n=3", "output_root="+root); st != 0 {
		t.Fatalf("status %d: %s", st, errs)
	}
	ents, _ := os.ReadDir(filepath.Join(root, "multirun"))
	if len(ents) != 2 || ents[0].Name() == "s1" || !regexp.MustCompile(`^\d{8}T\d{6}Z-[0-9a-f]{8}$`).MatchString(ents[0].Name()) {
		t.Fatalf("sweep directories %v", ents)
	}
	files, _ := os.ReadDir(filepath.Join(root, "multirun", ents[0].Name()))
	if len(files) != 1 || files[0].Name() != ManifestFile {
		t.Errorf("sweep directory holds %v", files)
	}
}

// TestMultirunFailingJob: a failed job is recorded with its status and
// error, the sweep goes on, and the sweep's status is 1.
func TestMultirunFailingJob(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tl := sweepTool(func(c *Context, cfg *cfgT) error {
		if cfg.N == 2 {
			return WithHint(errors.New("n=2 is unlucky"), "try another n")
		}
		if cfg.N == 4 {
			return Usage(errors.New("n=4 is refused by the tool"), "")
		}
		return printDir(c, cfg)
	})
	out, errs, st := runT(tl, "-m", "n=1,2,3,4", "output_root="+root, "--sweep-id=f")
	if st != 1 {
		t.Fatalf("status %d: %s", st, errs)
	}
	if got := strings.Count(out, root); got != 2 || !strings.HasSuffix(out, filepath.Join(root, "run-n3")+"\n") {
		t.Errorf("stdout %q", out)
	}
	path := filepath.Join(root, "multirun", "f", ManifestFile)
	for _, want := range []string{
		"t: multirun job 2/4: n=2 output_root=" + root + "\nt: error: n=2 is unlucky\nt: hint: try another n\nt: multirun job 3/4",
		"t: multirun job 4/4: n=4 output_root=" + root + "\nt: error: n=4 is refused by the tool\n",
		"t: error: multirun: 2 of 4 jobs failed (jobs 2/4, 4/4); manifest " + path + "\n",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	m := readManifest(t, root, "f")
	type rec struct {
		state  string
		status int
		dir    string
		err    string
	}
	var got []rec
	for _, j := range m.Jobs {
		got = append(got, rec{j.State, *j.Status, j.OutputDir, j.Error})
	}
	want := []rec{
		{StateSucceeded, 0, filepath.Join(root, "run-n1"), ""},
		{StateFailed, 1, "", "n=2 is unlucky"},
		{StateSucceeded, 0, filepath.Join(root, "run-n3"), ""},
		{StateFailed, 2, "", "n=4 is refused by the tool"},
	}
	if !reflect.DeepEqual(got, want) || m.State != StateFinished {
		t.Errorf("manifest %s jobs\n%+v\nwant\n%+v", m.State, got, want)
	}
}

// cfgScratch has a field that Run sets and no configuration key does, as
// vidur-sim fills model.arch from sim.hf_config.
type cfgScratch struct {
	cfgT    `koanf:",squash"`
	Scratch []int `koanf:"-"`
}

// TestMultirunResetsConfig: each job decodes into a zeroed struct, so
// nothing of one job reaches the next.
func TestMultirunResetsConfig(t *testing.T) {
	t.Parallel()
	var cfg cfgScratch
	var seen []string
	tl := Tool{Name: "t", Schema: config.Schema{Tool: "t", Defaults: []byte(defaults), Target: &cfg}, Run: func(*Context) error {
		seen = append(seen, fmt.Sprintf("n=%d scratch=%v", cfg.N, cfg.Scratch))
		cfg.Scratch = append(cfg.Scratch, cfg.N)
		cfg.Model.Name = "changed by Run"
		return nil
	}}
	if _, errs, st := runT(tl, "-m", "n=1,2,3", "output_root="+t.TempDir()); st != 0 {
		t.Fatalf("status %d: %s", st, errs)
	}
	if want := []string{"n=1 scratch=[]", "n=2 scratch=[]", "n=3 scratch=[]"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("jobs saw %q, want %q", seen, want)
	}
	if cfg.Model.Name != "changed by Run" {
		t.Errorf("the last job's Run did not run last: %q", cfg.Model.Name)
	}
}

// TestMultirunConfigErrors: a bad sweep or a bad configuration of any job
// is a usage error (status 2) before any job runs, naming the job.
func TestMultirunConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args   []string
		stderr string
	}{
		{[]string{"n=1,1.5"}, "t: error: multirun job 2/2 (n=1.5 output_root=ROOT): override n=1.5: expects an integer, got \"1.5\" (refusing to truncate)\n"},
		{[]string{"model=qwen3_tiny,qwen3_tin"}, "t: error: multirun job 2/2 (model=qwen3_tin output_root=ROOT): unknown model \"qwen3_tin\"; did you mean \"qwen3_tiny\"?\n" +
			"t: hint: available: qwen2_7b, qwen3_0_6b, qwen3_tiny\n"},
		{[]string{"n=1,,2"}, "t: error: bad sweep n=1,,2: value 2 of 3 is empty (write '' for the empty string)\n" +
			"t: hint: sweep values are comma-separated (k=a,b); quote a value that holds a comma (k='a,b'); k=[a,b] is one list value\n"},
		{[]string{"n=1,2", "--sweep-id=a/b"}, "t: error: bad --sweep-id \"a/b\"\nt: hint: a sweep id names one directory: no slashes, not starting with a dot\n"},
	}
	for _, tc := range cases {
		root := t.TempDir()
		tl := sweepTool(func(*Context, *cfgT) error { t.Errorf("%q: a job ran", tc.args); return nil })
		out, errs, st := runT(tl, append(append([]string{"-m"}, tc.args...), "output_root="+root)...)
		if want := strings.ReplaceAll(tc.stderr, "ROOT", root); st != 2 || errs != want || out != "" {
			t.Errorf("%q: status %d, stdout %q, stderr\n%s\nwant\n%s", tc.args, st, out, errs, want)
		}
		if _, err := os.Stat(filepath.Join(root, "multirun")); err == nil {
			t.Errorf("%q: a manifest was written", tc.args)
		}
	}
	tl := sweepTool(printDir)
	if _, errs, st := runT(tl, "--sweep-id=x", "n=1"); st != 2 || errs != "t: error: --sweep-id needs --multirun\n" {
		t.Errorf("--sweep-id alone: %d %q", st, errs)
	}
}

// TestCommasWithoutMultirun: without -m a comma is part of the value, as
// before sweeps existed; with -m a quoted comma is too.
func TestCommasWithoutMultirun(t *testing.T) {
	t.Parallel()
	var ids []string
	tl := sweepTool(func(_ *Context, cfg *cfgT) error { ids = append(ids, cfg.RunID); return nil })
	root := t.TempDir()
	for _, args := range [][]string{{"run_id=a,b"}, {"-m", "run_id='a,b'", "output_root=" + root}, {"-m", "run_id=[x,y]", "output_root=" + root}} {
		if _, errs, st := runT(tl, args...); st != 0 {
			t.Fatalf("%q: status %d: %s", args, st, errs)
		}
	}
	if want := []string{"a,b", "a,b", "[x,y]"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("run ids %q, want %q", ids, want)
	}
}

// TestMultirunPrintConfig: --print-config prints every job's
// configuration, separated by --- lines, and runs nothing.
func TestMultirunPrintConfig(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tl := sweepTool(func(*Context, *cfgT) error { t.Error("Run called with --print-config"); return nil })
	out, errs, st := runT(tl, "--print-config", "-m", "model=qwen3_tiny,qwen2_7b", "n=1,2", "output_root="+root)
	if st != 0 || errs != "" {
		t.Fatalf("status %d: %s", st, errs)
	}
	docs := strings.Split(out, "---\n")
	if len(docs) != 4 {
		t.Fatalf("%d documents:\n%s", len(docs), out)
	}
	for i, want := range []string{"qwen3_tiny 1", "qwen3_tiny 2", "qwen2_7b 1", "qwen2_7b 2"} {
		model, n, _ := strings.Cut(want, " ")
		if !strings.HasPrefix(docs[i], "defaults:\n  - model: "+model+"\n") || !strings.Contains(docs[i], "\"n\": "+n+"\n") {
			t.Errorf("document %d is not %s:\n%s", i, want, docs[i])
		}
	}
	if _, err := os.Stat(filepath.Join(root, "multirun")); err == nil {
		t.Error("--print-config wrote a manifest")
	}
}

// TestMultirunInterrupt: Ctrl-C during a job records it as interrupted,
// leaves the rest pending and ends the sweep with status 1.
func TestMultirunInterrupt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := t.TempDir()
	tl := sweepTool(func(c *Context, cfg *cfgT) error {
		if cfg.N == 2 {
			cancel() // as Ctrl-C does
			return fmt.Errorf("replay: %w", c.Ctx.Err())
		}
		return printDir(c, cfg)
	})
	var o, e bytes.Buffer
	st := runContext(ctx, tl, []string{"t", "-m", "n=1,2,3", "output_root=" + root, "--sweep-id=i"}, &o, &e)
	path := filepath.Join(root, "multirun", "i", ManifestFile)
	if st != StatusInterrupted || !strings.HasSuffix(e.String(), "t: error: interrupted\nt: error: multirun interrupted at job 2/3 (1 not run); manifest "+path+"\n") {
		t.Fatalf("status %d: %s", st, e.String())
	}
	m := readManifest(t, root, "i")
	j := m.Jobs
	if m.State != StateInterrupted || j[0].State != StateSucceeded || j[1].State != StateInterrupted || *j[1].Status != StatusInterrupted ||
		j[1].Error != "interrupted" || j[2].State != StatePending || j[2].Status != nil {
		t.Errorf("manifest %+v", m)
	}
}

func TestHelpMentionsMultirun(t *testing.T) {
	t.Parallel()
	out, _, st := runT(sweepTool(printDir), "--help")
	for _, want := range []string{"--multirun, -m", "key=a,b", "--sweep-id ID"} {
		if st != 0 || !strings.Contains(out, want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
}
