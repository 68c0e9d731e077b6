package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// withScheduler sets run_meta.json's configuration: the scheduler
// settings given (under the shared names) and the model, dtype and
// hardware.
func withScheduler(sched map[string]any, model, dtype, hardware string) func(*artifacts.RunMeta) {
	return func(m *artifacts.RunMeta) {
		m.Scheduler = sched
		m.Model = artifacts.RunModel{Name: model, DType: dtype}
		m.Hardware = hardware
	}
}

// configRuns writes a real and a simulated run of one workload with the
// scheduler settings given.
func configRuns(t *testing.T, real, sim map[string]any) (root, realDir, simDir string) {
	root = t.TempDir()
	realDir = writeRunWith(t, root, "real-a", artifacts.KindReal, "wl1", synth(10, 1), true, withScheduler(real, "qwen3_0_6b", "bf16", "cpu"))
	simDir = writeRunWith(t, root, "sim-a", artifacts.KindSim, "wl1", synth(10, 1.2), true, withScheduler(sim, "qwen3_0_6b", "", "cpu"))
	return root, realDir, simDir
}

func TestConfigurationDifferenceIsWarnedFirst(t *testing.T) {
	root, realDir, simDir := configRuns(t,
		map[string]any{"kind": "transformers", "max_batch_size": 8, "chunk_size": 256, "block_size": 16},
		map[string]any{"kind": "sarathi", "max_batch_size": 8, "chunk_size": 256, "block_size": 16})
	out := filepath.Join(root, "out")
	st, _, stderr := runTool(t, "real_run_dir="+realDir, "sim_run_dir="+simDir, "output_root="+out, "comparison_id=c", "figures=false")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	const want = "configuration differs: scheduler.kind real=transformers sim=sarathi (sim run sim-a)"
	if !strings.Contains(stderr, "warning: "+want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if strings.Count(stderr, "configuration differs") != 1 {
		t.Errorf("only the kind differs:\n%s", stderr)
	}
	sum := readFile(t, filepath.Join(out, "comparisons", "c", artifacts.SummaryFile))
	if first, _, _ := strings.Cut(sum, "\n"); !strings.Contains(first, want) {
		t.Errorf("summary.md's first line is %q, want the warning %q", first, want)
	}
	if strings.Index(sum, want) > strings.Index(sum, "## Headline") {
		t.Error("the warning must come before the headline table")
	}
}

func TestStrictRefusesADifferentConfiguration(t *testing.T) {
	root, realDir, simDir := configRuns(t,
		map[string]any{"kind": "transformers", "num_kv_blocks": 1024},
		map[string]any{"kind": "sarathi", "num_blocks": 512}) // an older run's name for num_kv_blocks
	out := filepath.Join(root, "out")
	st, _, stderr := runTool(t, "real_run_dir="+realDir, "sim_run_dir="+simDir, "output_root="+out, "comparison_id=c", "figures=false", "strict=true")
	if st != 1 || !strings.Contains(stderr, "scheduler.kind real=transformers sim=sarathi") ||
		!strings.Contains(stderr, "scheduler.num_kv_blocks real=1024 sim=512") {
		t.Errorf("status %d, stderr %s; want 1 and both differences named", st, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("strict=true must write nothing, and %s exists", out)
	}
}

func TestIdenticalConfigurationTable(t *testing.T) {
	sched := map[string]any{"kind": "sarathi", "max_batch_size": 8, "chunk_size": 256, "num_kv_blocks": 1024, "block_size": 16}
	root, realDir, simDir := configRuns(t, sched, sched)
	out := filepath.Join(root, "out")
	st, _, stderr := runTool(t, "real_run_dir="+realDir, "sim_run_dir="+simDir, "output_root="+out, "comparison_id=c", "figures=false", "strict=true")
	if st != 0 || strings.Contains(stderr, "configuration differs") {
		t.Fatalf("status %d, stderr %s; want no configuration warning", st, stderr)
	}
	sum := readFile(t, filepath.Join(out, "comparisons", "c", artifacts.SummaryFile))
	if strings.Contains(sum, "configuration differs") {
		t.Error("summary.md warns about identical configurations")
	}
	for _, row := range []string{
		"| setting | real-a | sim-a |",
		"| scheduler kind | sarathi | sarathi |",
		"| max_batch_size | 8 | 8 |",
		"| num_kv_blocks | 1024 | 1024 |",
		"| max_tokens_in_batch | unknown | unknown |", // recorded by neither
		"| model | qwen3_0_6b | qwen3_0_6b |",
		"| dtype | bf16 | unknown |", // a simulation stores no weights
		"| hardware | cpu | cpu |",
	} {
		if !strings.Contains(sum, row) {
			t.Errorf("configuration table lacks %q", row)
		}
	}
}

// Two runs that serve one request at a time: batch cap and chunk size do
// not change what they do.
func TestSerialRunsIgnoreBatchSettings(t *testing.T) {
	root, realDir, simDir := configRuns(t,
		map[string]any{"kind": "transformers", "max_batch_size": 1, "chunk_size": 4096},
		map[string]any{"kind": "transformers", "max_batch_size": 8, "chunk_size": 256})
	out := filepath.Join(root, "out")
	if st, _, stderr := runTool(t, "real_run_dir="+realDir, "sim_run_dir="+simDir, "output_root="+out, "figures=false", "strict=true"); st != 0 {
		t.Errorf("status %d: %s", st, stderr)
	}
}

func TestVidurConfigurationIsRead(t *testing.T) {
	root := t.TempDir()
	decode := []int{10, 11, 10, 12, 12}
	real := make([]req, 5)
	for i := range real {
		real[i] = req{id: i, arrived: 0.5 * float64(i), queue: 0.01, prefill: 0.05, gap: 0.04, prompt: 100, decode: decode[i]}
	}
	realDir := writeRunWith(t, root, "real", artifacts.KindReal, "wl1", real, true,
		withScheduler(map[string]any{"kind": "sarathi", "max_batch_size": 8, "num_kv_blocks": 1024}, "qwen3_0_6b", "", "a30"))
	out := filepath.Join(root, "out")
	st, _, stderr := runTool(t, "real_run_dir="+realDir, "sim_run_dir="+filepath.Join("testdata", "vidur-small"),
		"output_root="+out, "comparison_id=v", "figures=false")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	// Vidur's num_blocks is null (its memory planner's choice): unknown,
	// so not compared.
	if !strings.Contains(stderr, "configuration differs: scheduler.max_batch_size real=8 sim=128 (sim run vidur:vidur-small)") ||
		strings.Contains(stderr, "num_kv_blocks") {
		t.Errorf("stderr: %s", stderr)
	}
	sum := readFile(t, filepath.Join(out, "comparisons", "v", artifacts.SummaryFile))
	for _, row := range []string{"| num_kv_blocks | 1024 | unknown |", "| model | qwen3_0_6b | Qwen/Qwen3-0.6B |", "| hardware | a30 | a30 |",
		"| request_throughput |", "| mean_itl_ms |"} {
		if !strings.Contains(sum, row) {
			t.Errorf("summary.md lacks %q", row)
		}
	}
}
