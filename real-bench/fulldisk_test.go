package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/artifacts/disktest"
)

// TestOutputNotWritable: when the run's files cannot be written the tool
// exits 1 with one line naming the path and the OS error and leaves no
// run directory. On a full disk that still took the journal, the
// temporary directory stays with the journal alone (the whole replay)
// and the hint says how to recover it; on a read-only file system nothing
// can be written and nothing is left.
func TestOutputNotWritable(t *testing.T) {
	wl := smallWorkload(t, "")
	args := []string{"model=qwen3_tiny", "backend=native", "scheduler.kind=sarathi", "tokenizer_check=false",
		"scheduler.num_kv_blocks=64", "workload.workload_dir=" + wl, "run_id=r"}
	t.Run("full disk, journal kept", func(t *testing.T) {
		// 8 KiB: the journal's page or two, not the run's files.
		root := disktest.Full(t, 8<<10)
		stdout, stderr, st := runTool(t, append(args, "output_root="+root)...)
		t.Logf("stderr:\n%s", stderr)
		disktest.CheckFailure(t, st, stderr, root, "no space left on device")
		if stdout != "" {
			t.Errorf("printed %q, want nothing", stdout)
		}
		if !strings.Contains(stderr, "real-bench: hint: the replay is kept in its journal") || !strings.Contains(stderr, "recover=r") {
			t.Errorf("no recovery hint:\n%s", stderr)
		}
		if _, err := os.Stat(filepath.Join(root, "real_runs", "r")); err == nil {
			t.Error("a run directory exists")
		}
		if left := disktest.Files(t, root, artifacts.JournalFile); len(left) > 0 {
			t.Errorf("files left beside the journal: %v", left)
		}
		tmp := disktest.TempDirs(t, root)
		if len(tmp) != 1 {
			t.Fatalf("temporary directories %v, want the journal's one", tmp)
		}
		j, err := artifacts.ReadJournalFile(filepath.Join(root, tmp[0], artifacts.JournalFile))
		if err != nil {
			t.Fatal(err)
		}
		if len(j.Requests) != 6 || j.TornLine != 0 {
			t.Errorf("journal holds %d requests (torn line %d), want all 6", len(j.Requests), j.TornLine)
		}
	})
	t.Run("full disk, no room for the journal", func(t *testing.T) {
		root := disktest.Full(t, 0)
		_, stderr, st := runTool(t, append(args, "output_root="+root)...)
		t.Logf("stderr:\n%s", stderr)
		disktest.CheckFailure(t, st, stderr, root, "no space left on device")
		if left := disktest.Files(t, root); len(left) > 0 {
			t.Errorf("files left: %v", left)
		}
		if tmp := disktest.TempDirs(t, root); len(tmp) > 0 {
			t.Errorf("temporary directories left: %v", tmp)
		}
	})
	t.Run("read-only", func(t *testing.T) {
		root := disktest.ReadOnly(t)
		_, stderr, st := runTool(t, append(args, "output_root="+root)...)
		t.Logf("stderr:\n%s", stderr)
		disktest.CheckFailure(t, st, stderr, root, "read-only file system")
		if left := disktest.Files(t, root); len(left) > 0 {
			t.Errorf("files left: %v", left)
		}
	})
}
