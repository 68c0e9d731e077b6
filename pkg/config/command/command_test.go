package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/config"
)

// cfgT is the tests' own tool schema.
type cfgT struct {
	config.Common `koanf:",squash"`
	Model         config.Model    `koanf:"model"`
	Hardware      config.Hardware `koanf:"hardware"`
	// Scheduler takes the scheduler keys that every hardware option sets.
	Scheduler config.Scheduler `koanf:"scheduler"`
	N         int              `koanf:"n"`
}

const defaults = `
defaults:
  - model: qwen3_0_6b
  - hardware: cpu
output_root: tmp
run_id: ""
overwrite: false
n: 1
`

func tool(run func(*Context) error) (Tool, *cfgT) {
	var c cfgT
	return Tool{Name: "t", Usage: "test tool", Schema: config.Schema{Tool: "t", Defaults: []byte(defaults), Target: &c}, Run: run}, &c
}

func runT(tl Tool, args ...string) (stdout, stderr string, status int) {
	var o, e bytes.Buffer
	st := Run(tl, append([]string{"t"}, args...), &o, &e)
	return o.String(), e.String(), st
}

func okRun(*Context) error { return nil }

// TestExitStatuses checks docs/runbook.md's exit statuses: 0 success, 1 run failure, 2 usage or
// configuration error, with `tool: error:` and `tool: hint:` lines on
// stderr and nothing on stdout.
func TestExitStatuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		run    func(*Context) error
		args   []string
		status int
		stderr string // exact
	}{
		{"success", okRun, []string{"n=3", "model=qwen3_tiny"}, 0, ""},
		{"run failure", func(*Context) error { return errors.New("it broke") }, nil, 1, "t: error: it broke\n"},
		{"run failure with hint", func(*Context) error {
			return WithHint(fmt.Errorf("read %q: %w", "x.csv", os.ErrNotExist), "run workload-spec first")
		},
			nil, 1, "t: error: read \"x.csv\": file does not exist\nt: hint: run workload-spec first\n"},
		{"multi-line error becomes one line", func(*Context) error { return errors.New("a\nb") }, nil, 1, "t: error: a; b\n"},
		{"usage error from Run", func(*Context) error {
			return Usage(errors.New("real_run_dir and sim_run_dir are the same"), "give two runs")
		},
			nil, 2, "t: error: real_run_dir and sim_run_dir are the same\nt: hint: give two runs\n"},
		{"interrupted", func(c *Context) error { return fmt.Errorf("replay: %w", context.Canceled) }, nil, 130, "t: error: interrupted\n"},
		{"unknown key", okRun, []string{"nn=3"}, 2,
			"t: error: override nn=3: unknown key \"nn\"; did you mean \"n\"?\nt: hint: every key is listed by --print-config\n"},
		{"unknown group option", okRun, []string{"model=qwen3_tin"}, 2,
			"t: error: unknown model \"qwen3_tin\"; did you mean \"qwen3_tiny\"?\nt: hint: available: qwen2_7b, qwen3_0_6b, qwen3_tiny\n"},
		{"bad value", okRun, []string{"n=1.5"}, 2, "t: error: override n=1.5: expects an integer, got \"1.5\" (refusing to truncate)\n"},
		{"not key=value", okRun, []string{"model"}, 2,
			"t: error: bad argument \"model\": expected key=value\nt: hint: overrides are key=value, e.g. workload.num_requests=64\n"},
		{"unknown flag", okRun, []string{"--no-such-flag"}, 2, "t: error: flag provided but not defined: -no-such-flag\nt: hint: see t --help\n"},
		{"flag without its value", okRun, []string{"--config"}, 2, "t: error: flag needs an argument: -config\nt: hint: see t --help\n"},
		{"nil Run", nil, nil, 1, "t: error: the t stage is not implemented yet\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tl, _ := tool(tc.run)
			out, errs, st := runT(tl, tc.args...)
			if st != tc.status || errs != tc.stderr {
				t.Errorf("status %d, stderr %q\nwant %d, %q", st, errs, tc.status, tc.stderr)
			}
			if out != "" {
				t.Errorf("stdout is for results, got %q", out)
			}
		})
	}
}

func TestRunReceivesConfig(t *testing.T) {
	t.Parallel()
	var got *Context
	tl, c := tool(func(ctx *Context) error { got = ctx; return nil })
	if _, _, st := runT(tl, "n=3", "model=qwen3_tiny"); st != 0 {
		t.Fatalf("status %d", st)
	}
	if c.N != 3 || c.Model.Name != "qwen3_tiny" || got.Tool != "t" || got.Config.Choice("model") != "qwen3_tiny" || got.Ctx == nil {
		t.Errorf("cfg %+v, context %+v", c, got)
	}
	var e bytes.Buffer
	got.Stderr = &e
	got.Warnf("%d rows skipped", 2)
	got.Infof("wrote %s", "tmp/x")
	if e.String() != "t: warning: 2 rows skipped\nt: wrote tmp/x\n" {
		t.Errorf("Warnf/Infof: %q", e.String())
	}
}

// TestFlagsAmongOverrides: flags may follow key=value overrides (urfave/cli
// alone stops parsing flags at the first positional argument).
func TestFlagsAmongOverrides(t *testing.T) {
	t.Parallel()
	tl, _ := tool(func(*Context) error { t.Error("Run called with --print-config"); return nil })
	out, errs, st := runT(tl, "model=qwen3_tiny", "--print-config", "n=7")
	if st != 0 || errs != "" {
		t.Fatalf("status %d, stderr %q", st, errs)
	}
	if !strings.HasPrefix(out, "defaults:\n  - model: qwen3_tiny\n  - hardware: cpu\n") || !strings.Contains(out, "\"n\": 7\n") ||
		!strings.Contains(out, "num_layers: 2\n") {
		t.Errorf("--print-config after overrides:\n%s", out)
	}
	// --config as a separate word, after an override.
	f := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(f, []byte("n: 9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tl2, c := tool(okRun)
	if _, errs, st := runT(tl2, "model=qwen3_tiny", "--config", f); st != 0 || c.N != 9 {
		t.Errorf("--config FILE after an override: %d %q %+v", st, errs, c)
	}
	tl3, c3 := tool(okRun)
	if _, errs, st := runT(tl3, "--config="+f, "n=4"); st != 0 || c3.N != 4 {
		t.Errorf("override after --config=FILE: %d %q %+v", st, errs, c3)
	}
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	tl, _ := tool(func(*Context) error { t.Error("Run called"); return nil })
	out, errs, st := runT(tl, "--version")
	if st != 0 || errs != "" || !regexp.MustCompile(`^t version 0\.1\.0 \(artifact schema 1, go[0-9.]+\S*\)\n$`).MatchString(out) {
		t.Errorf("--version: %d %q %q", st, out, errs)
	}
	// The config groups are listed whichever way help is asked for.
	for _, flag := range []string{"--help", "-h", "-help"} {
		out, errs, st = runT(tl, "n=2", flag)
		if st != 0 || errs != "" {
			t.Errorf("%s: %d %q", flag, st, errs)
		}
		for _, want := range []string{"test tool", "[group=option ...] [key=value ...]", "--print-config", "--config FILE", "--config-dir DIR", "SIMCHECK_CONFIG_DIR", "--version",
			"CONFIG GROUPS", "model=qwen3_0_6b (default) | qwen2_7b | qwen3_tiny", "hardware=cpu (default) | a100 | a30 | h100",
			"t --print-config", "${key}"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", flag, want, out)
			}
		}
	}
}

// TestConfigDirFromEnv: SIMCHECK_CONFIG_DIR is the --config-dir default
// (not parallel: it sets the environment).
func TestConfigDirFromEnv(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "model"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model", "mine.yaml"), []byte("name: mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SIMCHECK_CONFIG_DIR", dir)
	tl, c := tool(okRun)
	if _, errs, st := runT(tl, "model=mine"); st != 0 || c.Model.Name != "mine" {
		t.Errorf("from the environment: %d %q", st, errs)
	}
	tl, c = tool(okRun)
	if _, errs, st := runT(tl, "--config-dir", t.TempDir(), "model=mine"); st != 2 || !strings.Contains(errs, `unknown model "mine"`) {
		t.Errorf("--config-dir overrides the environment: %d %q %+v", st, errs, c.Model)
	}
}

func TestReorder(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"t", "t"},
		{"t a=1", "t -- a=1"},
		{"t a=1 --x v b=2 --y=c=d -- c=3", "t --x v --y=c=d -- a=1 b=2 c=3"},
		{"t --print-config model=x", "t --print-config -- model=x"},
		{"t -- --not-a-flag=1", "t -- --not-a-flag=1"},
		{"t model=x --help", "t --help"},
		{"t -h a=1", "t -h"},
	}
	for _, tc := range cases {
		if got := strings.Join(reorder(strings.Fields(tc.in)), " "); got != tc.want {
			t.Errorf("reorder(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDefaultID(t *testing.T) {
	t.Parallel()
	var c cfgT
	cfg, err := config.Load(config.Schema{Tool: "t", Defaults: []byte(defaults), Target: &c}, nil, config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := DefaultID(cfg)
	if !regexp.MustCompile(`^\d{8}T\d{6}Z-[0-9a-f]{8}$`).MatchString(id) || !strings.HasSuffix(id, "-"+cfg.Hash()) {
		t.Errorf("DefaultID = %q", id)
	}
}

// TestProgressPlainLines: off a terminal, progress is periodic plain lines
// (no carriage returns in a log file), and the last unit always prints.
func TestProgressPlainLines(t *testing.T) {
	t.Parallel()
	var e bytes.Buffer
	ctx := &Context{Stderr: &e, Tool: "t"}
	p := ctx.NewProgress("replay", 3)
	p.Add(1) // first call: prints (nothing printed yet)
	p.Add(1) // within the interval: quiet
	p.Add(1) // done: prints
	p.Done()
	lines := strings.Split(strings.TrimSuffix(e.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "t: replay 1/3 (33%)") || !strings.HasPrefix(lines[1], "t: replay 3/3 (100%)") || strings.Contains(e.String(), "\r") {
		t.Errorf("progress output %q", e.String())
	}
}
