package artifacts

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// capacity.json joins the fixture suite (fixtures_test.go): each case is
// a directory holding a capacity.json, so error texts read
// "<case>/capacity.json:line:column: …".
func init() {
	readers["capacity"] = func(_ *testing.T, dir string) ([]byte, error) {
		c, err := ReadCapacity(dir)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		err = WriteCapacity(&b, c)
		return b.Bytes(), err
	}
}

func ptr[T any](v T) *T { return &v }

// sampleCapacity is a found capacity with a probe that had no TBT to
// measure and one that missed both objectives and left requests
// unfinished.
func sampleCapacity() *Capacity {
	return &Capacity{
		Status:           CapacityFound,
		CapacityQPS:      5.93,
		LowestFailingQPS: ptr(5.99),
		BindingSLO:       "ttft",
		Summary:          "capacity 5.93 req/s (TTFT p90 binds)",
		SLO:              CapacitySLO{TTFTms: 2000, TBTms: 100, Quantile: 0.9},
		Range:            CapacityRange{QPSMin: 0.1, QPSMax: 100},
		Tolerance:        0.01,
		Arrivals:         CapacityArrivals{Mode: "poisson", Seed: ptr[uint64](1)},
		Workload:         RunWorkload{WorkloadID: "wl-1", Dir: "tmp/workloads/wl-1", Artifacts: map[string]string{"trace_replay.csv": "ab12"}},
		NumRequests:      2000,
		Model:            map[string]any{"name": "qwen2_7b", "dtype": "bf16", "vidur_model_id": "Qwen/Qwen2-7B"},
		Hardware:         map[string]any{"name": "a30", "device": "a30", "network_device": "a30_pairwise_nvlink", "memory_gb": 24},
		Scheduler: map[string]any{"kind": "sarathi", "max_batch_size": 128, "chunk_size": 512,
			"num_replicas": 2, "tensor_parallel": 2, "pipeline_parallel": 1},
		SchedulerSources: map[string]string{"chunk_size": "hardware a30"},
		Sim:              map[string]any{"predictor": "vidur-sim/native", "seed": 42},
		Probes: []CapacityProbe{
			{QPS: 100, TTFTms: ptr(91000.5), TBTms: ptr(130.25), Completed: 1800, Misses: []string{"ttft", "tbt", "unfinished"}},
			{QPS: 0.1, TTFTms: ptr(150.0), Completed: 2000, Meets: true},
		},
	}
}

// TestCapacityGolden writes the sample, compares it with
// testdata/golden/capacity.json (-update rewrites it) and reads it back.
func TestCapacityGolden(t *testing.T) {
	c := sampleCapacity()
	var b bytes.Buffer
	if err := WriteCapacity(&b, c); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, goldenPath(CapacityFile), b.Bytes())
	got, err := ReadCapacity(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(roundTrip(t, got), roundTrip(t, c)) {
		t.Errorf("read back differs:\n%+v\n%+v", got, c)
	}
	cl, err := got.Cluster()
	if err != nil || cl != (Cluster{Replicas: 2, Tensor: 2, Pipeline: 1}) || cl.GPUs() != 4 {
		t.Errorf("cluster %+v (%d GPUs), %v", cl, cl.GPUs(), err)
	}
}

// roundTrip is c as JSON text: the in-memory sample holds ints where a
// read holds float64s.
func roundTrip(t *testing.T, c *Capacity) string {
	var b bytes.Buffer
	if err := WriteCapacity(&b, c); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestWriteCapacityRefuses: the writer checks what the reader checks, so
// a tool cannot write a capacity.json its readers refuse.
func TestWriteCapacityRefuses(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Capacity)
		want string
	}{
		{func(c *Capacity) { c.Status = "met" }, `field "status": "met" must be found, above_range or below_range`},
		{func(c *Capacity) { delete(c.Scheduler, "pipeline_parallel") }, `field "scheduler": pipeline_parallel is missing`},
		{func(c *Capacity) { c.Scheduler["tensor_parallel"] = 0 }, `field "scheduler": tensor_parallel=0 must be a positive integer`},
		{func(c *Capacity) { c.Status = CapacityAboveRange }, `field "lowest_failing_qps": must be null when the status is above_range`},
		{func(c *Capacity) { c.Range.QPSMax = 0.1 }, `field "range": qps_min=0.1 and qps_max=0.1 must satisfy 0 < qps_min < qps_max`},
	} {
		c := sampleCapacity()
		tc.edit(c)
		var b bytes.Buffer
		err := WriteCapacity(&b, c)
		if err == nil || err.Error() != tc.want || b.Len() != 0 {
			t.Errorf("got %v (%d bytes written), want %q", err, b.Len(), tc.want)
		}
	}
}

// TestReadCapacityMissing: a run directory without capacity.json (a
// sim.mode=run job) is an error that says the file does not exist.
func TestReadCapacityMissing(t *testing.T) {
	_, err := ReadCapacity(t.TempDir())
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), CapacityFile) {
		t.Errorf("got %v", err)
	}
}
