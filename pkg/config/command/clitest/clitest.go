// Package clitest runs a tool's end-to-end CLI scripts: testscript
// (.txtar) files under the tool's testdata/script, each a sequence of
// command lines with their expected exit status, stdout and stderr.
//
// Beyond testscript's own commands, a script has
//
//	exits N tool args...   run tool, require exit status N (0, 1, 2, 130)
//
// and the environment variables ROOT (the repository root, the directory
// holding go.work) and MODEL (the Qwen3 model reference that
// scripts/bootstrap_model.sh fetches, under ROOT/tmp/models).
package clitest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// Main registers the tool's main as a command of the scripts; call it
// from TestMain. setup, when not nil, runs once around the tests in the
// test process only (a script's tool runs in a child process).
func Main(m *testing.M, tool string, main func(), setup func() (cleanup func())) {
	testscript.Main(setupM{m, setup}, map[string]func(){tool: main})
}

type setupM struct {
	m     *testing.M
	setup func() func()
}

func (s setupM) Run() int {
	if s.setup != nil {
		defer s.setup()()
	}
	return s.m.Run()
}

// Run runs every testdata/script/*.txtar of the calling package; env
// adds NAME=value variables to every script.
func Run(t *testing.T, env ...string) {
	root := repoRoot(t)
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(e *testscript.Env) error {
			e.Setenv("ROOT", root)
			e.Setenv("MODEL", filepath.Join(root, "tmp", "models", "qwen3-0.6b", "source-data"))
			for _, kv := range env {
				k, v, _ := strings.Cut(kv, "=")
				e.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"exits": exits},
	})
}

// exits runs a command and requires its exit status.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not a status", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("clitest: no go.work above the test directory")
		}
		dir = parent
	}
}
