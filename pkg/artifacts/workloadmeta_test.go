package artifacts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadWorkloadMetaAndArrivalQPS(t *testing.T) {
	m, err := ReadWorkloadMeta(filepath.Join("testdata", "golden", "workload"))
	if err != nil {
		t.Fatal(err)
	}
	if qps, kind, ok := m.ArrivalQPS(); !ok || qps != 2.5 || kind != "poisson" {
		t.Errorf("ArrivalQPS = %g, %q, %v; want 2.5, poisson, true", qps, kind, ok)
	}
	for _, c := range []struct {
		name string
		gen  map[string]any
	}{
		{"static", map[string]any{"arrival": map[string]any{"kind": "static", "qps": 2.0}}},
		{"trace", map[string]any{"arrival": map[string]any{"kind": "trace", "qps": 2.0}}},
		{"no qps", map[string]any{"arrival": map[string]any{"kind": "poisson"}}},
		{"zero", map[string]any{"arrival": map[string]any{"kind": "gamma", "qps": 0.0}}},
		{"no arrival", map[string]any{}},
	} {
		w := WorkloadMeta{Generator: c.gen}
		if _, _, ok := w.ArrivalQPS(); ok {
			t.Errorf("%s: ArrivalQPS ok, want not ok", c.name)
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, WorkloadMetaFile), []byte(`{"schema_version": 2}`), 0o644)
	if _, err := ReadWorkloadMeta(dir); err == nil || !strings.Contains(err.Error(), "unsupported schema_version 2") {
		t.Errorf("schema 2: %v", err)
	}
}
