package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
)

// tinyModelDir writes a byte-level BPE tokenizer.json with GPT-2's byte
// alphabet and three merges, so that " the" is one token: enough for the
// prompt builder, and independent of the Qwen3 download.
func tinyModelDir(t *testing.T) string {
	t.Helper()
	// GPT-2's byte-to-character table: printable bytes stand for
	// themselves, the others for 256, 257, ... in byte order.
	vocab := map[string]int{}
	next := 256
	for b := range 256 {
		r := rune(b)
		if !(b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE) {
			r = rune(next)
			next++
		}
		vocab[string(r)] = b
	}
	merges := []string{"Ġ t", "Ġt h", "Ġth e"}
	for i, m := range merges {
		vocab[strings.ReplaceAll(m, " ", "")] = 256 + i
	}
	data, err := json.Marshal(map[string]any{
		"added_tokens":  []any{},
		"normalizer":    map[string]string{"type": "NFC"},
		"pre_tokenizer": map[string]any{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
		"model":         map[string]any{"type": "BPE", "vocab": vocab, "merges": merges},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMultirunTwoWorkloads sweeps workload.num_requests over two values:
// two workload directories on stdout in sweep order, and a manifest that
// records both jobs.
func TestMultirunTwoWorkloads(t *testing.T) {
	root := t.TempDir()
	args := []string{"-m", "workload.num_requests=4,6", "model.path=" + tinyModelDir(t), "output_root=" + root,
		"workload.length.min_tokens=8", "workload.length.max_tokens=40", "--sweep-id=two"}
	stdout, stderr, st := runTool(t, args...)
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	dirs := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(dirs) != 2 {
		t.Fatalf("stdout %q: want two directories", stdout)
	}
	for i, n := range []int{4, 6} {
		w, err := artifacts.ReadWorkloadDir(dirs[i])
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Requests) != n {
			t.Errorf("job %d wrote %d requests, want %d", i, len(w.Requests), n)
		}
	}
	for _, want := range []string{"workload-spec: multirun job 1/2: workload.num_requests=4 ", "workload-spec: multirun job 2/2: workload.num_requests=6 "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	m, err := command.ReadManifest(filepath.Join(root, "multirun", "two", command.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if m.Tool != "workload-spec" || m.SweepID != "two" || m.State != command.StateFinished || strings.Join(m.Args, " ") != strings.Join(args, " ") || len(m.Jobs) != 2 {
		t.Fatalf("manifest %+v", m)
	}
	for i, j := range m.Jobs {
		if j.Job != i || j.State != command.StateSucceeded || j.Status == nil || *j.Status != 0 || j.OutputDir != dirs[i] || j.Overrides[0] != []string{"workload.num_requests=4", "workload.num_requests=6"}[i] {
			t.Errorf("manifest job %d: %+v", i, j)
		}
	}
}
