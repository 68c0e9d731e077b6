package align

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

func TestSettingsFromVidurConfig(t *testing.T) {
	r, err := Load(filepath.Join("..", "..", "testdata", "vidur-small"), true)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Settings()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"scheduler.kind": "sarathi", "scheduler.max_batch_size": "128", "scheduler.chunk_size": "512",
		// null: Vidur's memory planner sized it, and the file does not say how.
		"scheduler.num_kv_blocks": Unknown, "scheduler.block_size": "16", "scheduler.max_tokens_in_batch": Unknown,
		"model": "Qwen/Qwen3-0.6B", "dtype": Unknown, "hardware": "a30",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("settings\n got %v\nwant %v", got, want)
	}
}

func TestSettingsOfBrokenVidurConfig(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, artifacts.VidurConfigFile), []byte(`{"cluster_config": NaN}`), 0o644)
	got, err := (&Run{Dir: dir}).Settings()
	if err == nil || got["scheduler.kind"] != Unknown {
		t.Errorf("settings %v, error %v; want every value unknown and an error", got, err)
	}
}

func TestSettingsFromRunMeta(t *testing.T) {
	meta := &artifacts.RunMeta{
		Hardware: "cpu",
		Model:    artifacts.RunModel{Name: "qwen3_0_6b", DType: "bf16"},
		// An older simulated run: Vidur's names for the batch cap and the
		// KV capacity, numbers as JSON decodes them.
		Scheduler: map[string]any{"kind": "sarathi", "batch_size_cap": 8.0, "num_blocks": 1024.0, "chunk_size": 256.0},
	}
	got, _ := (&Run{Meta: meta}).Settings()
	want := map[string]string{
		"scheduler.kind": "sarathi", "scheduler.max_batch_size": "8", "scheduler.chunk_size": "256",
		"scheduler.num_kv_blocks": "1024", "scheduler.block_size": Unknown, "scheduler.max_tokens_in_batch": Unknown,
		"model": "qwen3_0_6b", "dtype": "bf16", "hardware": "cpu",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("settings\n got %v\nwant %v", got, want)
	}
	// The shared name wins over the old one.
	meta.Scheduler["max_batch_size"] = 16.0
	if got, _ := (&Run{Meta: meta}).Settings(); got["scheduler.max_batch_size"] != "16" {
		t.Errorf("max_batch_size %s, want the shared key's 16", got["scheduler.max_batch_size"])
	}
}

func TestCompareSettings(t *testing.T) {
	base := map[string]string{
		"scheduler.kind": "sarathi", "scheduler.max_batch_size": "8", "scheduler.chunk_size": "256",
		"scheduler.num_kv_blocks": "1024", "scheduler.block_size": "16", "scheduler.max_tokens_in_batch": Unknown,
		"model": "m", "dtype": "bf16", "hardware": "cpu",
	}
	with := func(kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	cases := []struct {
		name      string
		real, sim map[string]string
		want      []SettingDiff
	}{
		{"identical", base, base, nil},
		{"kind and block size", base, with("scheduler.kind", "vllm", "scheduler.block_size", "32"),
			[]SettingDiff{{"scheduler.kind", "sarathi", "vllm"}, {"scheduler.block_size", "16", "32"}}},
		{"unknown on one side", base, with("scheduler.num_kv_blocks", Unknown, "scheduler.max_tokens_in_batch", "4096"), nil},
		{"model and hardware are shown, not checked", base, with("model", "other", "hardware", "a100"), nil},
		{"one request at a time: batch cap and chunk do not matter",
			with("scheduler.kind", "transformers"), with("scheduler.kind", "transformers", "scheduler.max_batch_size", "1", "scheduler.chunk_size", "512"), nil},
		{"one side serial: they do",
			with("scheduler.kind", "transformers"), with("scheduler.max_batch_size", "1"),
			[]SettingDiff{{"scheduler.kind", "transformers", "sarathi"}, {"scheduler.max_batch_size", "8", "1"}}},
		{"an external server's kind is not known", with("scheduler.kind", "server"), base, nil},
	}
	for _, c := range cases {
		if got := CompareSettings(c.real, c.sim); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
