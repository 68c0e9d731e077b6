package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/capacity"
)

// TestCapacityRoundTrip: what a search writes, artifacts.ReadCapacity
// accepts, and artifacts.WriteCapacity writes back byte for byte, for
// each status; the cluster's shape is read from the scheduler object.
func TestCapacityRoundTrip(t *testing.T) {
	root, dir := capacityWorkload(t, 60)
	for _, tc := range []struct {
		status capacity.Status
		args   []string
	}{
		{capacity.Found, []string{"run_id=rt-found", "slo.ttft_ms=500", "capacity.qps_min=0.5", "capacity.qps_max=50", "cluster.num_replicas=2"}},
		{capacity.AboveRange, []string{"run_id=rt-above", "slo.ttft_ms=500", "capacity.qps_min=0.1", "capacity.qps_max=2", "capacity.arrivals=rescale"}},
		{capacity.BelowRange, []string{"run_id=rt-below", "slo.tbt_ms=1e-3", "capacity.qps_min=10", "capacity.qps_max=50"}},
	} {
		out, _, _ := runCapacityCLI(t, root, dir, tc.args...)
		want, err := os.ReadFile(filepath.Join(out, CapacityFile))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := artifacts.ReadCapacity(out)
		if err != nil {
			t.Fatalf("%s: %v", tc.status, err)
		}
		if doc.Status != tc.status {
			t.Errorf("status %s, want %s", doc.Status, tc.status)
		}
		var b bytes.Buffer
		if err := artifacts.WriteCapacity(&b, doc); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s: capacity.json changed on a read and write:\n%s\nvs\n%s", tc.status, want, b.Bytes())
		}
		cl, err := doc.Cluster()
		wantReplicas := 1
		if tc.status == capacity.Found {
			wantReplicas = 2
		}
		if err != nil || cl != (artifacts.Cluster{Replicas: wantReplicas, Tensor: 1, Pipeline: 1}) || cl.GPUs() != wantReplicas {
			t.Errorf("%s: cluster %+v, %v", tc.status, cl, err)
		}
	}
}

// TestCapacityGrid runs a small grid of capacity searches with
// --multirun, as compare-runs search= reads it: every job's
// capacity.json, found from multirun.yaml, records the cluster's shape
// its overrides set.
func TestCapacityGrid(t *testing.T) {
	root, dir := capacityWorkload(t, 40)
	stdout, stderr, st := runTool(t, "-m", "sim.mode=capacity", "vidur.profiling.root="+root, "workload.workload_dir="+dir,
		"output_root="+root, "--sweep-id=grid", "slo.ttft_ms=500", "capacity.qps_min=0.5", "capacity.qps_max=50",
		"scheduler.kind=sarathi,vllm", "cluster.num_replicas=1,2")
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	m := readManifest(t, root, "grid")
	if len(m.Jobs) != 4 || len(strings.Fields(stdout)) != 4 {
		t.Fatalf("%d jobs, stdout %q", len(m.Jobs), stdout)
	}
	for i, j := range m.Jobs {
		doc, err := artifacts.ReadCapacity(j.OutputDir)
		if err != nil {
			t.Fatalf("job %d: %v", i, err)
		}
		cl, _ := doc.Cluster()
		if want := 1 + i%2; cl.Replicas != want || !slices.Contains(j.Overrides, fmt.Sprintf("cluster.num_replicas=%d", want)) {
			t.Errorf("job %d (%v): %d replicas recorded", i, j.Overrides, cl.Replicas)
		}
		if doc.Status != capacity.Found {
			t.Errorf("job %d: %s", i, doc.Summary)
		}
	}
}
