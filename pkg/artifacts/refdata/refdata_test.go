package refdata

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
)

// The case comes back complete: the row counts its README states.
func TestA30Counts(t *testing.T) {
	dir := A30(t)
	for _, c := range []struct {
		path string
		rows int // data rows, header excluded
	}{
		{filepath.Join(Profiles, "compute/a30/Qwen/Qwen-2-7B/mlp.csv"), 261},
		{filepath.Join(Profiles, "compute/a30/Qwen/Qwen-2-7B/attention.csv"), 4492},
		{filepath.Join(Reference, "trace_2000.csv"), 2000},
		{filepath.Join(Reference, "request_metrics.csv"), 2000},
	} {
		f, err := os.Open(filepath.Join(dir, c.path))
		if err != nil {
			t.Fatal(err)
		}
		n := -1
		for s := bufio.NewScanner(f); s.Scan(); {
			n++
		}
		f.Close()
		if n != c.rows {
			t.Errorf("%s: %d rows, want %d", c.path, n, c.rows)
		}
	}
	preds, err := filepath.Glob(filepath.Join(dir, Reference, "predictions", "*_predictions.csv"))
	if err != nil || len(preds) != 12 {
		t.Errorf("%d prediction tables (%v), want 12", len(preds), err)
	}
}
