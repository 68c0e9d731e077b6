package config

import (
	"os"
	"path/filepath"
	"testing"
)

// TestInterpolation: ${key} takes the final value of another key, typed
// as the target key; text around a reference makes a string; \${ is
// literal; a missing key, a resolver, a section and a cycle are usage
// errors naming the value.
func TestInterpolation(t *testing.T) {
	c, cfg, err := loadBench(t, Options{}, "scheduler.chunk_size=${scheduler.max_tokens_in_batch}",
		"scheduler.max_tokens_in_batch=2048", "output_root=runs/${scheduler.kind}-${scheduler.chunk_size}", "run_id=\\${literal}")
	if err != nil {
		t.Fatal(err)
	}
	if c.Scheduler.ChunkSize != 2048 {
		t.Errorf("chunk_size %d, want 2048 (the referenced key's final value)", c.Scheduler.ChunkSize)
	}
	if got := cfg.Get("output_root"); got != "runs/transformers-2048" {
		t.Errorf("output_root %v", got)
	}
	if got := cfg.Get("run_id"); got != "${literal}" {
		t.Errorf("escaped reference became %v", got)
	}

	// A group file's value may refer too.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "hardware"), 0o755)
	os.WriteFile(filepath.Join(dir, "hardware", "ref.yaml"), []byte("name: ref\ndevice: ${model.name}\n"), 0o644)
	if _, cfg, err := loadBench(t, Options{UserDir: dir}, "hardware=ref"); err != nil {
		t.Fatal(err)
	} else if got := cfg.Get("hardware.device"); got == nil || got != cfg.Get("model.name") {
		t.Errorf("hardware.device %v, want model.name's %v", got, cfg.Get("model.name"))
	}

	for _, tc := range []struct {
		arg  []string
		want []string
	}{
		{[]string{"run_id=${scheduler.chunk_sise}"}, []string{"run_id=${scheduler.chunk_sise}: ${scheduler.chunk_sise} names no key", `did you mean "scheduler.chunk_size"`}},
		{[]string{"run_id=${oc.env:HOME}"}, []string{"resolvers such as ${oc.env:HOME} are not supported"}},
		{[]string{"run_id=${scheduler}"}, []string{"${scheduler} is a section"}},
		{[]string{"run_id=${output_root}", "output_root=${run_id}"}, []string{"two keys refer to each other"}},
		{[]string{"scheduler.chunk_size=x${run_id}"}, []string{"scheduler.chunk_size=x${run_id}:"}},
	} {
		_, _, err := loadBench(t, Options{}, tc.arg...)
		mustUsage(t, err, tc.want...)
	}
}
