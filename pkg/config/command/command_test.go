package command

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/config"
)

type cfgT struct {
	config.Common `koanf:",squash"`
	Model         config.Model `koanf:"model"`
	N             int          `koanf:"n"`
}

const defaults = "defaults:\n  - model: qwen3_0_6b\noutput_root: tmp\nrun_id: \"\"\noverwrite: false\nn: 1\n"

func tool(run func(*Context) error) (Tool, *cfgT) {
	var c cfgT
	return Tool{Name: "t", Usage: "test tool", Schema: config.Schema{Tool: "t", Defaults: []byte(defaults), Target: &c}, Run: run}, &c
}

func runT(tl Tool, args ...string) (string, string, int) {
	var o, e bytes.Buffer
	st := Run(tl, append([]string{"t"}, args...), &o, &e)
	return o.String(), e.String(), st
}

func TestExitStatuses(t *testing.T) {
	ok, c := tool(func(*Context) error { return nil })
	if _, _, st := runT(ok, "n=3", "model=qwen3_tiny"); st != 0 || c.N != 3 || c.Model.Name != "qwen3_tiny" {
		t.Errorf("status %d, cfg %+v", st, c)
	}
	fail, _ := tool(func(*Context) error { return WithHint(errors.New("it broke"), "try again") })
	_, e, st := runT(fail)
	if st != 1 || e != "t: error: it broke\nt: hint: try again\n" {
		t.Errorf("run failure: %d %q", st, e)
	}
	_, e, st = runT(ok, "nn=3")
	if st != 2 || !strings.HasPrefix(e, `t: error: override nn=3: unknown key "nn"; did you mean "n"?`) {
		t.Errorf("config error: %d %q", st, e)
	}
	_, e, st = runT(ok, "--no-such-flag")
	if st != 2 || !strings.Contains(e, "t: error:") {
		t.Errorf("unknown flag: %d %q", st, e)
	}
	usage, _ := tool(func(*Context) error { return Usage(errors.New("bad combination"), "") })
	if _, _, st := runT(usage); st != 2 {
		t.Errorf("Usage error: status %d", st)
	}
	stub, _ := tool(nil)
	_, e, st = runT(stub)
	if st != 1 || e != "t: error: the t stage is not implemented yet\n" {
		t.Errorf("nil Run: %d %q", st, e)
	}
}

func TestFlagsAnywhere(t *testing.T) {
	ok, _ := tool(func(*Context) error { t.Error("Run called with --print-config"); return nil })
	o, e, st := runT(ok, "n=7", "--print-config", "model=qwen3_tiny")
	if st != 0 || !strings.Contains(o, "\"n\": 7") || !strings.Contains(o, "- model: qwen3_tiny") {
		t.Errorf("print-config after overrides: %d %q %q", st, o, e)
	}
	o, _, st = runT(ok, "--version")
	if st != 0 || !strings.Contains(o, Version) {
		t.Errorf("--version: %d %q", st, o)
	}
	o, _, st = runT(ok, "--help")
	if st != 0 || !strings.Contains(o, "test tool") || !strings.Contains(o, "--print-config") {
		t.Errorf("--help: %d %q", st, o)
	}
}

func TestReorder(t *testing.T) {
	got := reorder([]string{"t", "a=1", "--x", "v", "b=2", "--y=c=d", "--", "c=3"})
	want := "t --x v --y=c=d -- a=1 b=2 c=3"
	if strings.Join(got, " ") != want {
		t.Errorf("reorder = %q, want %q", strings.Join(got, " "), want)
	}
}
