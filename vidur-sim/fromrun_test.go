package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// realRun writes the two files of a real run directory that from_run
// reads: run_meta.json with the given scheduler object, and config.yaml.
func realRun(t *testing.T, sched map[string]any, configYAML string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "real")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	meta := artifacts.RunMeta{SchemaVersion: artifacts.SchemaVersion, RunID: "real", Kind: artifacts.KindReal,
		Status: artifacts.RunComplete, Scheduler: sched, Hardware: "cpu"}
	b, err := json.Marshal(meta)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, artifacts.RunMetaFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, artifacts.ConfigFile), []byte(configYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestFromRunRoundTrip: every shared scheduler key of a real run reaches
// the simulation and its run_meta.json, except a key given on the command
// line, which wins; scheduler_sources names where each value came from.
func TestFromRunRoundTrip(t *testing.T) {
	root, trace := syntheticBundle(t)
	// Every value differs from the hardware=cpu defaults.
	want := map[string]any{"kind": "vllm", "max_batch_size": 5.0, "chunk_size": 96.0, "num_kv_blocks": 333.0,
		"block_size": 32.0, "max_tokens_in_batch": 2048.0, "watermark_blocks_fraction": 0.05}
	// config.yaml sizes the cache in GB; the blocks come from run_meta.
	real := realRun(t, want, "scheduler:\n  kind: vllm\n  num_kv_blocks: 0\n  kv_cache_gb: 1.5\n")
	for _, tc := range []struct {
		name  string
		extra []string
		over  map[string]any // values the command line sets
	}{
		{"all from the run", nil, nil},
		{"command line wins", []string{"scheduler.chunk_size=64", "scheduler.kind=sarathi"}, map[string]any{"chunk_size": 64.0, "kind": "sarathi"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"vidur.profiling.root=" + root, "workload.trace_replay_file=" + trace, "output_root=" + t.TempDir(),
				"scheduler.from_run=" + real}, tc.extra...)
			stdout, stderr, st := runTool(t, args...)
			if st != 0 {
				t.Fatalf("status %d: %s", st, stderr)
			}
			meta, err := artifacts.ReadRunMeta(strings.TrimSpace(stdout))
			if err != nil {
				t.Fatal(err)
			}
			src, _ := meta.Extra["scheduler_sources"].(map[string]any)
			for _, k := range artifacts.SchedulerKeys {
				w, wantSrc := want[k], "from_run "+real
				if v, ok := tc.over[k]; ok {
					w, wantSrc = v, "command line"
				}
				if got := meta.Scheduler[k]; got != w {
					t.Errorf("scheduler.%s = %v, want %v", k, got, w)
				}
				if src[k] != wantSrc {
					t.Errorf("scheduler_sources[%s] = %v, want %q", k, src[k], wantSrc)
				}
			}
		})
	}
}

// TestFromRunRefusals: a directory that is not a real run is refused with
// one line naming what is wrong, before anything is written.
func TestFromRunRefusals(t *testing.T) {
	root, trace := syntheticBundle(t)
	empty := t.TempDir()
	noConfig := realRun(t, map[string]any{"kind": "sarathi"}, "")
	os.Remove(filepath.Join(noConfig, artifacts.ConfigFile))
	sim := realRun(t, nil, "")
	b, _ := os.ReadFile(filepath.Join(sim, artifacts.RunMetaFile))
	os.WriteFile(filepath.Join(sim, artifacts.RunMetaFile), []byte(strings.Replace(string(b), `"kind":"real"`, `"kind":"sim"`, 1)), 0o644)
	server := realRun(t, map[string]any{"kind": "server"}, "")
	for _, tc := range []struct{ dir, want string }{
		{empty, "is not a real run directory: run_meta.json is missing"},
		{noConfig, "is not a real run directory: config.yaml is missing"},
		{sim, "is a sim run, not a real one"},
		{server, "external server"},
	} {
		out := t.TempDir()
		_, stderr, st := runTool(t, "vidur.profiling.root="+root, "workload.trace_replay_file="+trace, "output_root="+out,
			"scheduler.from_run="+tc.dir)
		if st != 2 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "error:") != 1 {
			t.Errorf("%s: status %d, stderr %q; want 2 and %q", tc.dir, st, stderr, tc.want)
		}
		if ents, _ := os.ReadDir(filepath.Join(out, "vidur_runs")); len(ents) != 0 {
			t.Errorf("%s: a run directory was written", tc.dir)
		}
	}
}
