package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/pkg/tokenizer"
)

// modelDir is where scripts/bootstrap_model.sh puts the Qwen3 reference.
func modelDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.work above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "tmp", "models", "qwen3-0.6b", "source-data")
	if _, err := os.Stat(filepath.Join(p, "tokenizer.json")); err != nil {
		t.Fatalf("the Qwen3 tokenizer is missing (%v): run scripts/bootstrap_model.sh", err)
	}
	return p
}

func runTool(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var o, e bytes.Buffer
	status = command.Run(newTool(), append([]string{"workload-spec"}, args...), &o, &e)
	return o.String(), e.String(), status
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func TestWorkloadDeterministicAndExact(t *testing.T) {
	md := modelDir(t)
	args := []string{"model.path=" + md, "workload.num_requests=24", "workload.length.kind=zipf",
		"workload.length.min_tokens=8", "workload.length.max_tokens=700", "workload.arrival.kind=gamma",
		"workload.arrival.cv=2"}
	rootA := t.TempDir()
	outA, errA, st := runTool(t, append(args, "output_root="+rootA)...)
	if st != 0 {
		t.Fatalf("status %d: %s", st, errA)
	}
	dirA := strings.TrimSpace(outA)
	a := readDir(t, dirA)
	// The same settings again: the same id, refused without overwrite,
	// and byte-identical files with it.
	if _, errs, st := runTool(t, append(args, "output_root="+rootA)...); st != 1 || !strings.Contains(errs, "already exists") {
		t.Fatalf("second run without overwrite: status %d, %s", st, errs)
	}
	outB, _, st := runTool(t, append(args, "output_root="+rootA, "overwrite=true")...)
	if st != 0 {
		t.Fatalf("second run status %d", st)
	}
	dirB := strings.TrimSpace(outB)
	if dirA != dirB {
		t.Fatalf("workload directories differ: %s vs %s", dirA, dirB)
	}
	b := readDir(t, dirB)
	for _, name := range []string{artifacts.PromptsFile, artifacts.TraceLengthsFile, artifacts.TraceIntervalsFile,
		artifacts.TraceReplayFile, artifacts.WorkloadMetaFile, artifacts.ConfigFile} {
		if len(a[name]) == 0 {
			t.Errorf("%s missing or empty", name)
		}
		x, y := a[name], b[name]
		if name == artifacts.ConfigFile {
			// overwrite=true is how the second copy was written, not what.
			y = bytes.Replace(y, []byte("overwrite: true"), []byte("overwrite: false"), 1)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same settings", name)
		}
	}
	w, err := artifacts.ReadWorkloadDir(dirA)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Load(filepath.Join(md, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Meta.Model.Tokenizer.SHA256 != tok.SHA256() {
		t.Errorf("meta records tokenizer %s, file is %s", w.Meta.Model.Tokenizer.SHA256, tok.SHA256())
	}
	for _, p := range w.Prompts {
		if got := tok.Encode(p.Prompt); !reflect.DeepEqual(got, p.PromptTokenIDs) {
			t.Fatalf("request %d: prompt re-encodes to %d ids, file has %d", p.RequestID, len(got), len(p.PromptTokenIDs))
		}
		if len(p.PromptTokenIDs) != w.Requests[p.RequestID].NumPrefillTokens {
			t.Fatalf("request %d: %d ids for %d prefill tokens", p.RequestID, len(p.PromptTokenIDs), w.Requests[p.RequestID].NumPrefillTokens)
		}
	}
	// A different seed is a different workload.
	outC, _, _ := runTool(t, append(args, "output_root="+rootA, "workload.seed=43")...)
	if filepath.Base(strings.TrimSpace(outC)) == filepath.Base(dirA) {
		t.Error("a different seed kept the same workload id")
	}
}

func TestCorpusPrompts(t *testing.T) {
	md := modelDir(t)
	corpus := filepath.Join(t.TempDir(), "c.jsonl")
	body := `{"text": "Les modèles de langage prédisent le prochain mot.  Ils sont   entraînés sur beaucoup de textes."}
{"conversations": [{"from": "human", "value": "写一首关于大海的诗。"}, {"from": "gpt", "value": "Sure: the sea 🌊 rolls in,\n\tand rolls out again!!"}]}
`
	if err := os.WriteFile(corpus, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, st := runTool(t, "model.path="+md, "output_root="+t.TempDir(), "workload.num_requests=12",
		"workload.prompt.source=corpus", "workload.prompt.corpus_file="+corpus, "workload.length.min_tokens=4")
	if st != 0 {
		t.Fatalf("status %d: %s", st, errs)
	}
	w, err := artifacts.ReadWorkloadDir(strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := tokenizer.Load(filepath.Join(md, "tokenizer.json"))
	for _, p := range w.Prompts {
		if got := tok.Encode(p.Prompt); !reflect.DeepEqual(got, p.PromptTokenIDs) {
			t.Fatalf("request %d does not re-encode to its ids", p.RequestID)
		}
	}
}

func TestBadInputExitStatus(t *testing.T) {
	md := modelDir(t)
	root := t.TempDir()
	cases := []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"workload.num_request=8"}, 2, `did you mean "workload.num_requests"`},
		{[]string{"model=qwen3_06b"}, 2, `did you mean "qwen3_0_6b"`},
		{[]string{"workload.num_requests=-3"}, 2, "workload.num_requests: -3 is negative"},
		{[]string{"workload.num_requests=1.5"}, 2, "expects an integer"},
		{[]string{"workload.arrival.qps=0"}, 2, "workload.arrival.qps: 0 must be > 0"},
		{[]string{"workload.length.kind=fixed", "workload.length.prefill_tokens=2048", "workload.max_tokens=1000"}, 2, "workload.max_tokens: 1000 is smaller than a request"},
		{[]string{"workload.length.kind=trace", "workload.length.trace_file=" + filepath.Join(root, "nope.csv")}, 1, "nope.csv"},
		{[]string{"model.path=" + filepath.Join(root, "nomodel")}, 1, "scripts/bootstrap_model.sh"},
	}
	for _, tc := range cases {
		args := append([]string{"model.path=" + md, "output_root=" + root}, tc.args...)
		_, errs, st := runTool(t, args...)
		if st != tc.status || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: status %d, stderr %q; want %d and %q", tc.args, st, errs, tc.status, tc.want)
		}
		if !strings.HasPrefix(errs, "workload-spec: error: ") {
			t.Errorf("%v: stderr does not start with the tool's error prefix: %q", tc.args, errs)
		}
	}
	// Nothing half-written: the output root holds no workload directories
	// nor temporary ones.
	if ents, _ := os.ReadDir(filepath.Join(root, "workloads")); len(ents) != 0 {
		t.Errorf("failed runs left %d entries under workloads/", len(ents))
	}
}

func TestCorruptTokenizer(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(`{"model": {"type": "BPE", "vocab": `), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, st := runTool(t, "model.path="+dir, "output_root="+t.TempDir())
	if st != 1 || !strings.Contains(errs, "tokenizer.json") || !strings.Contains(errs, "hint:") {
		t.Errorf("status %d, stderr %q", st, errs)
	}
}
