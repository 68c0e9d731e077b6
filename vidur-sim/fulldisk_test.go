package main

import (
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts/disktest"
)

// TestOutputNotWritable: on a full disk or a read-only file system the
// simulator exits 1 with one line naming the path and the OS error, and
// leaves neither a run directory nor a temporary one.
func TestOutputNotWritable(t *testing.T) {
	bundle, trace := syntheticBundle(t)
	for _, tc := range disktest.Cases(4 << 10) {
		t.Run(tc.Name, func(t *testing.T) {
			root := tc.Mount(t)
			stdout, stderr, st := runTool(t, "vidur.profiling.root="+bundle, "workload.trace_replay_file="+trace, "output_root="+root, "run_id=q3")
			t.Logf("stderr:\n%s", stderr)
			disktest.CheckFailure(t, st, stderr, root, tc.Want)
			disktest.CheckNothingLeft(t, root, stdout)
		})
	}
}

// TestCapacityNotWritable: the same for a capacity search, whose run
// directory is claimed before the first probe and gets capacity.json
// (some 5 KiB here) and config.yaml once the search is done.
func TestCapacityNotWritable(t *testing.T) {
	bundle, dir := capacityWorkload(t, 20)
	cases := append(disktest.Cases(4<<10), disktest.Case{
		// capacity.json fits, config.yaml (written apart from it) does not.
		Name: "full disk after capacity.json", Mount: func(t testing.TB) string { return disktest.Full(t, 8<<10) }, Want: "no space left on device",
	})
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			root := tc.Mount(t)
			stdout, stderr, st := runTool(t, "sim.mode=capacity", "vidur.profiling.root="+bundle, "workload.workload_dir="+dir,
				"output_root="+root, "run_id=cap", "slo.ttft_ms=500", "capacity.qps_min=0.5", "capacity.qps_max=50")
			t.Logf("stderr:\n%s", stderr)
			disktest.CheckFailure(t, st, stderr, root, tc.Want)
			disktest.CheckNothingLeft(t, root, stdout)
		})
	}
}
