package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
)

func runTool(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var o, e bytes.Buffer
	st := command.Run(newTool(), append([]string{"vidur-profile"}, args...), &o, &e)
	return o.String(), e.String(), st
}

// quick is a grid small enough for a test: the tiny model, a few points,
// one repeat, a 10 ms idle gap, 20 jitter steps and only the KV cache the
// grid needs.
var quick = []string{"model=qwen3_tiny", "hardware=cpu", "profile.max_tokens=32", "profile.max_kv_cache_size=64",
	"profile.max_batch_size=2", "profile.repeats=1", "profile.idle_gaps=[0.01]", "profile.idle_repeats=1", "profile.jitter_steps=20",
	"scheduler.num_kv_blocks=0"}

// TestProfileBundle: a quick profile writes every file of the bundle, in
// Vidur's layout, that the artifacts readers accept, holding the KV cache
// it was asked for; a second run without overwrite=true is refused and
// leaves the first bundle as it was.
func TestProfileBundle(t *testing.T) {
	root := filepath.Join(t.TempDir(), "bundle")
	args := append(append([]string{"vidur.profiling.root=" + root, "output_root=" + t.TempDir()}, quick...), "scheduler.num_kv_blocks=500")
	stdout, stderr, st := runTool(t, args...)
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	if got := strings.TrimSpace(stdout); got != root {
		t.Fatalf("printed %q, want the root %q", got, root)
	}
	// The progress count comes from the same plan the loops run: it ends
	// at exactly its total, never past it.
	final := regexp.MustCompile(`profile points (\d+)/(\d+) \(`)
	var lastDone, lastTotal string
	for _, m := range final.FindAllStringSubmatch(stderr, -1) {
		lastDone, lastTotal = m[1], m[2]
	}
	if lastDone == "" || lastDone != lastTotal {
		t.Errorf("progress ended at %s/%s, want done == total:\n%s", lastDone, lastTotal, stderr)
	}
	meta, err := artifacts.ReadProfileMeta(filepath.Join(root, artifacts.ProfileMetaFile))
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := meta.Grid["num_kv_blocks"].(float64); !ok || n != 500 {
		t.Errorf("profile_meta grid num_kv_blocks %v, want the 500 asked for", meta.Grid["num_kv_blocks"])
	}
	p := artifacts.NewProfilePaths(root, meta.DeviceName, "cpu_single", meta.ModelID)
	want := []string{p.MLP, p.Attention, p.CPUOverheads, p.IdleWakeup, p.StepJitter}
	if len(meta.Files) != len(want) {
		t.Errorf("profile_meta lists %v, want %d files", meta.Files, len(want))
	}
	for i, f := range want {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("missing %s: %v", f, err)
		} else if rel, _ := filepath.Rel(root, f); i < len(meta.Files) && meta.Files[i] != filepath.ToSlash(rel) {
			t.Errorf("profile_meta file %d is %s, want %s", i, meta.Files[i], rel)
		}
	}
	wake, err := artifacts.ReadIdleWakeup(p.IdleWakeup)
	if err != nil || len(wake) != 2 {
		t.Errorf("idle_wakeup.csv: %d rows (want a decode and a prefill), %v", len(wake), err)
	}
	jit, err := artifacts.ReadStepJitter(p.StepJitter)
	if err != nil || len(jit) != 101 || jit[50].Ratio != 1 {
		t.Errorf("step_jitter.csv: %d rows (want 101, median ratio 1), %v", len(jit), err)
	}
	for _, f := range []string{p.MLP, p.Attention} {
		b, _ := os.ReadFile(f)
		if head, _, _ := strings.Cut(string(b), "\n"); !strings.Contains(head, "num_tensor_parallel_workers") {
			t.Errorf("%s header lacks Vidur's model columns: %s", f, head)
		}
	}

	before, _ := os.ReadFile(p.MLP)
	_, stderr, st = runTool(t, args...)
	if st == 0 || !strings.Contains(stderr, "never overwritten without overwrite=true") {
		t.Errorf("second run: status %d, %s", st, stderr)
	}
	if after, _ := os.ReadFile(p.MLP); !bytes.Equal(before, after) {
		t.Error("the refused run changed the bundle")
	}
}

// TestRunbookCases: settings and hardware the tool must refuse with a
// precise error, writing nothing.
func TestRunbookCases(t *testing.T) {
	out := t.TempDir()
	for _, tc := range []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"hardware=a100"}, 1, "requires a CUDA-capable GPU"},
		{[]string{"profile.jitter_steps=5"}, 2, "profile.jitter_steps: 5 must be 0 (skip) or at least 20"},
		{[]string{"profile.idle_gaps=[2,1]"}, 2, "profile.idle_gaps"},
		{[]string{"profile.repeats=0"}, 2, "profile.repeats: 0 must be at least 1"},
		{[]string{"scheduler.num_kv_blocks=-1"}, 2, "scheduler.num_kv_blocks=-1 must not be negative"},
		{[]string{"model.dtype=int4"}, 2, `model.dtype "int4"`},
		{[]string{"profile.jiter_steps=5"}, 2, "profile.jitter_steps"},
	} {
		args := append(append([]string{"output_root=" + out}, quick...), tc.args...)
		_, stderr, st := runTool(t, args...)
		if st != tc.status || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: status %d, %q; want %d and %q", tc.args, st, stderr, tc.status, tc.want)
		}
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Errorf("refused runs left %d entries under output_root", len(ents))
	}
}
