package command

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// toolEnv makes the test binary act as jobTool: the launchers run jobs
// as subprocesses of "this executable", which in a test is the test
// binary.
const toolEnv = "COMMAND_TEST_TOOL"

func TestMain(m *testing.M) {
	if os.Getenv(toolEnv) == "1" {
		os.Exit(Run(jobTool(), os.Args, os.Stdout, os.Stderr))
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	selfCommand = func() ([]string, error) { return []string{"env", toolEnv + "=1", exe}, nil }
	os.Exit(m.Run())
}

// jobTool is the tool the launched jobs run: n=2 fails, any other n
// prints its output directory. With run_id=barrier each job waits until
// two jobs have started, so a sweep that ran them one at a time fails.
func jobTool() Tool {
	return sweepTool(func(c *Context, cfg *cfgT) error {
		if cfg.RunID == "barrier" {
			if err := barrier(cfg.OutputRoot, cfg.N); err != nil {
				return err
			}
		}
		if cfg.N == 2 {
			return WithHint(errors.New("n=2 is unlucky"), "try another n")
		}
		return printDir(c, cfg)
	})
}

func barrier(dir string, n int) error {
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("started-%d", n)), nil, 0o644); err != nil {
		return err
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(dir, "started-*")); len(m) >= 2 {
			return nil
		}
	}
	return errors.New("barrier: no other job started within 20s")
}

// wantLaunched checks what every launcher leaves for the jobs n=1,2,3 of
// jobTool: stdout in job order, the manifest's records, the job list and
// each job's files.
func wantLaunched(t *testing.T, root, id, out string, lr *LaunchRecord, extra ...string) {
	t.Helper()
	dir := filepath.Join(root, "multirun", id)
	d1, d3 := filepath.Join(root, "run-n1"), filepath.Join(root, "run-n3")
	pre := "progress words a tool might print first\n"
	if want := pre + d1 + "\n" + pre + d3 + "\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	m := readManifest(t, root, id)
	if !reflect.DeepEqual(m.Launcher, lr) || m.State != StateFinished {
		t.Errorf("manifest state %s, launcher %+v, want %+v", m.State, m.Launcher, lr)
	}
	ov := func(n int) []string {
		return append(append([]string{fmt.Sprintf("n=%d", n)}, extra...), "output_root="+root)
	}
	want := []JobRecord{
		{Job: 0, Overrides: ov(1), State: StateSucceeded, Status: statusOf(0), OutputDir: d1},
		{Job: 1, Overrides: ov(2), State: StateFailed, Status: statusOf(1), Error: "n=2 is unlucky"},
		{Job: 2, Overrides: ov(3), State: StateSucceeded, Status: statusOf(0), OutputDir: d3},
	}
	if !reflect.DeepEqual(m.Jobs, want) {
		t.Errorf("jobs\n%+v\nwant\n%+v", m.Jobs, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, JobsDir, "1.err")); string(b) != "t: error: n=2 is unlucky\nt: hint: try another n\n" {
		t.Errorf("jobs/1.err %q", b)
	}
	b, err := os.ReadFile(filepath.Join(dir, JobsFile))
	if lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); err != nil || len(lines) != 3 ||
		!strings.HasSuffix(lines[1], " -- "+strings.Join(m.Jobs[1].Overrides, " ")) {
		t.Errorf("jobs.txt %q, %v", b, err)
	}
}

// TestJobList: job i is line i+1 of jobs.txt, the executable, the
// sweep's configuration flags and its overrides after --, each word
// quoted for a shell where it needs it; a shell reads the words back.
func TestJobList(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	cdir := filepath.Join(t.TempDir(), "my conf")
	if err := os.Mkdir(cdir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, errs, st := runT(jobTool(), "-m", "launcher=slurm", "launcher.submit=false", "--config-dir", cdir,
		"run_id='a, b',it's", "n=1,2", "output_root="+root, "--sweep-id=q")
	if st != 0 {
		t.Fatalf("status %d: %s", st, errs)
	}
	dir := filepath.Join(root, "multirun", "q")
	self, _ := selfCommand()
	pre := shellLine(self) + " '--config-dir=" + cdir + "' -- "
	want := []string{
		pre + `'run_id='\''a, b'\''' n=1 output_root=` + root,
		pre + `'run_id='\''a, b'\''' n=2 output_root=` + root,
		pre + `'run_id=it'\''s' n=1 output_root=` + root,
		pre + `'run_id=it'\''s' n=2 output_root=` + root,
	}
	b, err := os.ReadFile(filepath.Join(dir, JobsFile))
	if got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("jobs.txt\n%s\nwant\n%s", b, strings.Join(want, "\n"))
	}
	m := readManifest(t, root, "q")
	for i, line := range want {
		words, err := exec.Command("sh", "-c", `printf '%s\n' `+line).Output()
		argv := append(append(self, "--config-dir="+cdir, "--"), m.Jobs[i].Overrides...)
		if err != nil || string(words) != strings.Join(argv, "\n")+"\n" {
			t.Errorf("line %d: the shell reads %q, %v; want %q", i+1, words, err, argv)
		}
	}
	if out != filepath.Join(dir, SbatchFile)+"\n" || m.State != StatePrepared || m.Jobs[3].State != StatePending {
		t.Errorf("stdout %q, manifest %+v", out, m)
	}
}

// TestLaunchLocal: a pool of two subprocesses runs the jobs (the barrier
// fails unless two run at once); the failed job is recorded while the
// others succeed, and the sweep's status is 1.
func TestLaunchLocal(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	out, errs, st := runT(jobTool(), "-m", "launcher=local", "launcher.jobs=2", "n=1,2,3", "run_id=barrier", "output_root="+root, "--sweep-id=l")
	dir := filepath.Join(root, "multirun", "l")
	path := filepath.Join(dir, ManifestFile)
	if st != 1 || !strings.HasSuffix(errs, "t: error: multirun: 1 of 3 jobs failed (job 2/3); manifest "+path+"\n") ||
		!strings.Contains(errs, "t: multirun job 2/3 failed (status 1): n=2 is unlucky; see "+filepath.Join(dir, JobsDir, "1.err")+"\n") {
		t.Fatalf("status %d: %s", st, errs)
	}
	wantLaunched(t, root, "l", out, &LaunchRecord{Name: LaunchLocal, Jobs: 2}, "run_id=barrier")
}

// TestLaunchParallel runs GNU parallel for real: it must be installed
// (Debian package parallel).
func TestLaunchParallel(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("parallel"); err != nil {
		t.Fatal("GNU parallel is not installed (Debian package parallel); launcher=parallel cannot be tested")
	}
	root := t.TempDir()
	out, errs, st := runT(jobTool(), "-m", "launcher=parallel", "launcher.jobs=2", "launcher.parallel_args=--halt never", "n=1,2,3", "output_root="+root, "--sweep-id=p")
	if st != 1 || !strings.Contains(errs, "t: error: multirun: 1 of 3 jobs failed (job 2/3)") {
		t.Fatalf("status %d: %s", st, errs)
	}
	wantLaunched(t, root, "p", out, &LaunchRecord{Name: LaunchParallel, Jobs: 2, Args: []string{"--halt", "never"}})
	rows, err := readJoblog(filepath.Join(root, "multirun", "p", JoblogFile))
	if err != nil || len(rows) != 3 || rows[1].exit != 1 {
		t.Errorf("joblog %+v, %v", rows, err)
	}
}

// fakeSbatch is an sbatch that runs the array's tasks itself, one after
// another, with SLURM_ARRAY_TASK_ID set and the output files of the
// script's #SBATCH lines; it logs its arguments and, as sbatch --wait
// does, fails when a task failed.
const fakeSbatch = `#!/bin/sh
printf '%s\n' "$@" >"$(dirname "$0")/args"
for script; do :; done
range=$(sed -n 's/^#SBATCH --array=\([0-9]*-[0-9]*\).*/\1/p' "$script")
out=$(sed -n 's/^#SBATCH --output=//p' "$script")
err=$(sed -n 's/^#SBATCH --error=//p' "$script")
echo "Submitted batch job 42"
st=0
i=${range%-*}
while [ "$i" -le "${range#*-}" ]; do
	SLURM_ARRAY_TASK_ID=$i sh "$script" >"$(echo "$out" | sed "s/%a/$i/")" 2>"$(echo "$err" | sed "s/%a/$i/")" || st=1
	i=$((i + 1))
done
exit $st
`

// TestLaunchSlurm submits to a fake sbatch (not parallel: it sets PATH).
func TestLaunchSlurm(t *testing.T) {
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "sbatch"), []byte(fakeSbatch), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	root := t.TempDir()
	out, errs, st := runT(jobTool(), "-m", "launcher=slurm", "launcher.sbatch_args=--partition=debug --time=5", "n=1,2,3", "output_root="+root, "--sweep-id=s")
	if st != 1 || !strings.Contains(errs, "t: error: multirun: 1 of 3 jobs failed (job 2/3)") {
		t.Fatalf("status %d: %s", st, errs)
	}
	wantLaunched(t, root, "s", out, &LaunchRecord{Name: LaunchSlurm, Args: []string{"--partition=debug", "--time=5"}, SlurmJob: "42"})
	dir := filepath.Join(root, "multirun", "s")
	args, _ := os.ReadFile(filepath.Join(bin, "args"))
	if want := "--wait\n--partition=debug\n--time=5\n" + filepath.Join(dir, SbatchFile) + "\n"; string(args) != want {
		t.Errorf("sbatch arguments %q, want %q", args, want)
	}
	for i, want := range []string{"0", "1", "0"} {
		if b, _ := os.ReadFile(jobFile(dir, i, ".status")); string(b) != want+"\n" {
			t.Errorf("jobs/%d.status %q", i, b)
		}
	}
}

// TestSlurmNoSubmit: launcher.submit=false writes the script and runs
// nothing; sbatch need not be installed. launcher.jobs caps the tasks
// running at once.
func TestSlurmNoSubmit(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	root := t.TempDir()
	out, errs, st := runT(jobTool(), "-m", "launcher=slurm", "launcher.submit=false", "launcher.jobs=2", "launcher.sbatch_args=-p x", "n=1,2,3", "output_root="+root, "--sweep-id=w")
	dir := filepath.Join(root, "multirun", "w")
	script := filepath.Join(dir, SbatchFile)
	if st != 0 || out != script+"\n" || !strings.Contains(errs, "not submitted; submit it with: sbatch -p x "+script+"\n") {
		t.Fatalf("status %d, stdout %q: %s", st, out, errs)
	}
	b, _ := os.ReadFile(script)
	jobs := filepath.Join(dir, JobsDir)
	for _, want := range []string{"#SBATCH --array=0-2%2\n", "#SBATCH --output=" + jobs + "/%a.out\n", "#SBATCH --error=" + jobs + "/%a.err\n",
		"exec sh " + filepath.Join(dir, JobScript) + ` "$SLURM_ARRAY_TASK_ID"` + "\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("sweep.sbatch lacks %q:\n%s", want, b)
		}
	}
	if ents, _ := os.ReadDir(jobs); len(ents) != 0 {
		t.Errorf("jobs ran: %v", ents)
	}
	m := readManifest(t, root, "w")
	if m.State != StatePrepared || m.Jobs[0].State != StatePending || m.Launcher.Jobs != 2 {
		t.Errorf("manifest %+v", m)
	}
	// job.sh runs one job by its index, as a Kubernetes Indexed Job would.
	cmd := exec.Command("/bin/sh", filepath.Join(dir, JobScript), "2")
	cmd.Env = append(os.Environ(), "PATH=/usr/bin:/bin")
	var o bytes.Buffer
	cmd.Stdout = &o
	if err := cmd.Run(); err != nil || !strings.HasSuffix(o.String(), filepath.Join(root, "run-n3")+"\n") {
		t.Errorf("job.sh 2: %v, stdout %q", err, o.String())
	}
	if b, _ := os.ReadFile(jobFile(dir, 2, ".status")); string(b) != "0\n" {
		t.Errorf("jobs/2.status %q", b)
	}
}

// TestLauncherErrors: launcher keys are checked before anything runs or
// is written; a missing program names its Debian package.
func TestLauncherErrors(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	cases := []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"t", []string{"launcher.jobs=2", "n=1"}, 2, "t: error: launcher.jobs=2 needs --multirun\nt: hint: a launcher runs the jobs of a sweep: add -m\n"},
		{"t", []string{"-m", "launcher=k8s"}, 2, "t: error: unknown launcher \"k8s\"\nt: hint: use launcher=local, launcher=parallel or launcher=slurm; without launcher= the jobs run one after another in this process\n"},
		{"t", []string{"-m", "launcher.jobs=2"}, 2, "t: error: launcher.jobs=2 without launcher=\nt: hint: name the launcher: launcher=local, launcher=parallel or launcher=slurm\n"},
		{"t", []string{"-m", "launcher=local", "launcher.submit=false"}, 2, "t: error: launcher.submit=false: launcher=local has no key submit\nt: hint: launcher=local takes launcher.jobs\n"},
		{"t", []string{"-m", "launcher=local", "launcher.jobs=0"}, 2, "t: error: launcher.jobs=0: expects a positive integer\n"},
		{"t", []string{"-m", "launcher=slurm", "launcher.submit=maybe"}, 2, "t: error: launcher.submit=maybe: expects true or false\n"},
		{"real-bench", []string{"-m", "launcher=local", "launcher.jobs=2"}, 2, "real-bench: error: launcher=local with launcher.jobs=2: real benchmarks must not share the CPU\nreal-bench: hint: pass launcher.jobs=1 (one benchmark per machine at a time)\n"},
		{"t", []string{"-m", "launcher=parallel"}, 1, "t: error: launcher=parallel: parallel not found on PATH\nt: hint: install GNU parallel (Debian package parallel)\n"},
		{"t", []string{"-m", "launcher=slurm"}, 1, "t: error: launcher=slurm: sbatch not found on PATH\nt: hint: install Slurm's client (Debian package slurm-client; slurm-wlm for a whole cluster on one machine), or pass launcher.submit=false to only write the script\n"},
	}
	for _, tc := range cases {
		root := t.TempDir()
		tl := sweepTool(func(*Context, *cfgT) error { t.Errorf("%q: a job ran", tc.args); return nil })
		tl.Name = tc.name
		var o, e bytes.Buffer
		st := Run(tl, append(append([]string{tc.name}, tc.args...), "output_root="+root), &o, &e)
		if st != tc.status || e.String() != tc.stderr || o.Len() != 0 {
			t.Errorf("%q: status %d, stdout %q, stderr\n%s\nwant %d\n%s", tc.args, st, o.String(), e.String(), tc.status, tc.stderr)
		}
		if _, err := os.Stat(filepath.Join(root, "multirun")); err == nil {
			t.Errorf("%q: a manifest was written", tc.args)
		}
	}
}
