package command

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// Launcher names: the value of launcher= on a --multirun command line.
// Without launcher= the jobs run one after another in this process.
const (
	LaunchLocal    = "local"
	LaunchParallel = "parallel"
	LaunchSlurm    = "slurm"
)

// launcher is how a sweep's jobs run outside this process. Its keys are
// taken off the command line before any job's configuration is loaded, so
// that no tool's schema needs to know them.
type launcher struct {
	name   string
	jobs   int      // at most this many jobs at once; 0 for Slurm's own limit
	args   []string // launcher.parallel_args or launcher.sbatch_args
	submit bool     // slurm: submit and wait, else only write the script
}

// launcherKeys are the launcher.* keys each launcher takes.
var launcherKeys = map[string][]string{
	LaunchLocal:    {"jobs"},
	LaunchParallel: {"jobs", "parallel_args"},
	LaunchSlurm:    {"jobs", "sbatch_args", "submit"},
}

// isLauncherArg reports whether a is launcher=… or launcher.…=….
func isLauncherArg(a string) bool {
	key, _, ok := strings.Cut(a, "=")
	return ok && (key == "launcher" || strings.HasPrefix(key, "launcher."))
}

// refuseLauncher is the check of a command line without --multirun: a
// launcher runs the jobs of a sweep, and one run has none.
func refuseLauncher(args []string) error {
	for _, a := range args {
		if isLauncherArg(a) {
			return Usage(fmt.Errorf("%s needs --multirun", a), "a launcher runs the jobs of a sweep: add -m")
		}
	}
	return nil
}

// takeLauncher removes the launcher keys from a sweep's overrides and
// parses them; nil when there are none. As for any override, the last of
// a repeated key wins. Launcher values are never swept.
func takeLauncher(overrides []string) (*launcher, []string, error) {
	var rest []string
	vals := map[string]string{}
	var keys []string
	for _, a := range overrides {
		if !isLauncherArg(a) {
			rest = append(rest, a)
			continue
		}
		k, v, _ := strings.Cut(a, "=")
		if _, seen := vals[k]; !seen {
			keys = append(keys, k)
		}
		vals[k] = v
	}
	if len(vals) == 0 {
		return nil, overrides, nil
	}
	names := "launcher=local, launcher=parallel or launcher=slurm"
	name, ok := vals["launcher"]
	if !ok {
		return nil, nil, Usage(fmt.Errorf("%s=%s without launcher=", keys[0], vals[keys[0]]), "name the launcher: "+names)
	}
	allowed, ok := launcherKeys[name]
	if !ok {
		return nil, nil, Usage(fmt.Errorf("unknown launcher %q", name), "use "+names+"; without launcher= the jobs run one after another in this process")
	}
	l := &launcher{name: name, submit: true}
	if name != LaunchSlurm {
		l.jobs = runtime.NumCPU()
	}
	for _, k := range keys {
		if k == "launcher" {
			continue
		}
		if err := l.set(strings.TrimPrefix(k, "launcher."), vals[k], allowed); err != nil {
			return nil, nil, err
		}
	}
	return l, rest, nil
}

// set parses one launcher.<sub>=v.
func (l *launcher) set(sub, v string, allowed []string) error {
	key := "launcher." + sub + "=" + v
	if !slices.Contains(allowed, sub) {
		return Usage(fmt.Errorf("%s: launcher=%s has no key %s", key, l.name, sub),
			"launcher="+l.name+" takes launcher."+strings.Join(allowed, ", launcher."))
	}
	switch sub {
	case "jobs":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return Usage(fmt.Errorf("%s: expects a positive integer", key), "")
		}
		l.jobs = n
	case "submit":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Usage(fmt.Errorf("%s: expects true or false", key), "")
		}
		l.submit = b
	default: // parallel_args, sbatch_args: words appended to the command
		l.args = strings.Fields(v)
	}
	return nil
}

// check refuses what the launcher cannot do for this tool on this
// machine, before anything is written.
func (l *launcher) check(t Tool) error {
	// real-bench measures time: two benchmarks sharing one machine's CPU
	// would each time the other. GNU parallel's --jobs counts per machine.
	if t.Name == "real-bench" && l.jobs > 1 && l.name != LaunchSlurm {
		return Usage(fmt.Errorf("launcher=%s with launcher.jobs=%d: real benchmarks must not share the CPU", l.name, l.jobs),
			"pass launcher.jobs=1 (one benchmark per machine at a time)")
	}
	switch {
	case l.name == LaunchParallel:
		return checkGNUParallel()
	case l.name == LaunchSlurm && l.submit:
		if _, err := exec.LookPath("sbatch"); err != nil {
			return WithHint(errors.New("launcher=slurm: sbatch not found on PATH"),
				"install Slurm's client (Debian package slurm-client; slurm-wlm for a whole cluster on one machine), or pass launcher.submit=false to only write the script")
		}
	}
	return nil
}

// checkGNUParallel finds GNU parallel: moreutils installs another program
// by the same name, which takes none of its options.
func checkGNUParallel() error {
	hint := "install GNU parallel (Debian package parallel)"
	if _, err := exec.LookPath("parallel"); err != nil {
		return WithHint(errors.New("launcher=parallel: parallel not found on PATH"), hint)
	}
	out, _ := exec.Command("parallel", "--version").Output()
	if !strings.HasPrefix(string(out), "GNU parallel") {
		return WithHint(errors.New("launcher=parallel: the parallel on PATH is not GNU parallel (moreutils has one by that name)"), hint)
	}
	return nil
}

// record is the launcher as the manifest keeps it.
func (l *launcher) record() *LaunchRecord {
	return &LaunchRecord{Name: l.name, Jobs: l.jobs, Args: l.args}
}

// selfCommand is the program, and any words before the flags, that runs
// one job: this executable. Tests replace it, so that the test binary acts
// as the tool.
var selfCommand = func() ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("multirun: find this executable: %w", err)
	}
	return []string{exe}, nil
}

// jobArgv is job j's command line as words: this executable, the flags
// that shape a configuration, then the job's overrides after "--", so
// that none is read as a flag.
func (s *sweep) jobArgv(self []string, j Job) []string {
	argv := slices.Clone(self)
	if s.opt.File != "" {
		argv = append(argv, "--config="+s.opt.File)
	}
	if s.opt.UserDir != "" {
		// Explicit even when it came from SIMCHECK_CONFIG_DIR: a remote
		// machine does not share this process's environment.
		argv = append(argv, "--config-dir="+s.opt.UserDir)
	}
	return append(append(argv, "--"), j.Overrides...)
}

// shellLine quotes words for a POSIX shell.
func shellLine(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shellQuote(w)
	}
	return strings.Join(q, " ")
}

// shellQuote leaves a word of plain characters as it is and puts any
// other in single quotes. Commas are quoted too: a shell does not care,
// but a reader of jobs.txt should not take one for a sweep.
func shellQuote(w string) string {
	plain := w != ""
	for _, c := range w {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_@%+=:./-", c)) {
			plain = false
			break
		}
	}
	if plain {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// Files of a sweep directory that a launcher writes.
const (
	JobsFile   = "jobs.txt" // line i+1: job i's command line
	JobScript  = "job.sh"   // sh job.sh I runs line I+1 of jobs.txt
	JobsDir    = "jobs"     // <i>.out, <i>.err, <i>.status of job i
	SbatchFile = "sweep.sbatch"
	JoblogFile = "joblog.tsv"
)

// writeJobFiles writes jobs.txt, job.sh and the jobs directory, and
// returns each job's command line as words.
func (s *sweep) writeJobFiles(dir string) ([][]string, error) {
	self, err := selfCommand()
	if err != nil {
		return nil, err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("multirun: %w", err)
	}
	argvs := make([][]string, len(s.jobs))
	var lines strings.Builder
	for i, j := range s.jobs {
		argvs[i] = s.jobArgv(self, j)
		lines.WriteString(shellLine(argvs[i]) + "\n")
	}
	if err := os.MkdirAll(filepath.Join(dir, JobsDir), 0o755); err != nil {
		return nil, fmt.Errorf("multirun: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, JobsFile), []byte(lines.String()), 0o644); err != nil {
		return nil, fmt.Errorf("multirun: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, JobScript), []byte(jobScript(dir, cwd)), 0o755); err != nil {
		return nil, fmt.Errorf("multirun: %w", err)
	}
	return argvs, nil
}

// jobScript runs one job by its index wherever the sweep directory and
// the executable are at the same paths (a shared file system): GNU
// parallel's jobs, Slurm's array tasks and a Kubernetes Indexed Job's
// pods all call it.
func jobScript(dir, cwd string) string {
	d := shellQuote(dir)
	return `#!/bin/sh
# Runs job INDEX (from 0) of this sweep: line INDEX+1 of jobs.txt, in the
# directory the sweep was started from. Its stdout and stderr are this
# script's; its exit status is written to jobs/INDEX.status and returned.
# Usage: sh job.sh INDEX  (Slurm: $SLURM_ARRAY_TASK_ID; Kubernetes
# Indexed Job: $JOB_COMPLETION_INDEX)
i=${1-}
case $i in '' | *[!0-9]*) echo "job.sh: bad job index '$i'" >&2; exit 2 ;; esac
line=$(sed -n "$((i + 1))p" ` + d + `/jobs.txt)
if [ -z "$line" ]; then echo "job.sh: no job $i in "` + d + `/jobs.txt >&2; exit 2; fi
cd ` + shellQuote(cwd) + ` || exit 2
sh -c "$line"
st=$?
echo "$st" >` + d + `/jobs/"$i".status
exit "$st"
`
}
