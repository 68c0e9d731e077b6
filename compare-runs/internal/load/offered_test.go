package load

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/compare-runs/internal/align"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// The fixtures of compare-runs' load report (testdata/load).
var workloads = filepath.Join("..", "..", "testdata", "load", "workloads")

func runOf(dir string, extra map[string]any, arrivals ...float64) *align.Run {
	r := &align.Run{Meta: &artifacts.RunMeta{Workload: artifacts.RunWorkload{Dir: dir}, Extra: extra}}
	for i, a := range arrivals {
		r.Requests = append(r.Requests, artifacts.RequestRecord{RequestID: i, ArrivedAt: a})
	}
	return r
}

func TestOfferedLoadIsTheWorkloadRate(t *testing.T) {
	o := OfferedLoad(runOf(filepath.Join(workloads, "wl-q2"), nil, 0, 10))
	if o.QPS != 2 || o.FromArrivals || o.Note != "workload wl-q2: poisson arrivals at 2 QPS" {
		t.Errorf("got %+v, want 2 QPS from the workload", o)
	}
	// real-bench admitted request i at arrival × time_scale: twice as
	// slow, half the rate.
	o = OfferedLoad(runOf(filepath.Join(workloads, "wl-q2"), map[string]any{"time_scale": 2.0}))
	if o.QPS != 1 || !strings.Contains(o.Note, "time_scale 2") {
		t.Errorf("got %+v, want 1 QPS after time_scale 2", o)
	}
}

func TestOfferedLoadFallsBackToArrivals(t *testing.T) {
	// A trace workload states no rate: 4 requests over 2 s of arrivals.
	o := OfferedLoad(runOf(filepath.Join(workloads, "wl-q3"), nil, 1, 1.5, 2, 3))
	if o.QPS != 2 || !o.FromArrivals || !strings.Contains(o.Note, `arrival kind "trace"`) {
		t.Errorf("got %+v, want 4 requests / 2 s = 2 QPS from the arrivals", o)
	}
	o = OfferedLoad(runOf("", nil, 0, 4))
	if o.QPS != 0.5 || !strings.Contains(o.Note, "names no workload directory") {
		t.Errorf("got %+v, want 2 requests / 4 s", o)
	}
	o = OfferedLoad(runOf(filepath.Join(workloads, "nope"), nil, 0, 1))
	if o.QPS != 2 || !strings.Contains(o.Note, "cannot be read") {
		t.Errorf("got %+v", o)
	}
	if o := OfferedLoad(runOf("", nil, 3, 3)); !math.IsNaN(o.QPS) {
		t.Errorf("arrivals spanning no time: %+v, want unknown", o)
	}
}
