package main

import (
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts/disktest"
)

// TestOutputNotWritable: on a full disk or a read-only file system a
// comparison, a load report and a search report exit 1 with one line
// naming the path and the OS error, and leave neither a report directory
// nor a temporary one.
func TestOutputNotWritable(t *testing.T) {
	fx, realDir, simDir := fixture(t)
	js := fakeEcharts(t, fx)
	reports := map[string][]string{
		"comparison":    {"real_run_dir=" + realDir, "sim_run_dir=" + simDir, "comparison_id=c1", "echarts_js=" + js},
		"load report":   {loadPairs(), "slo.ttft_ms=300", "slo.tbt_ms=50", "comparison_id=l1", "figures=false"},
		"search report": {"search=" + searchGrid, "comparison_id=s1", "echarts_js=" + js},
	}
	for _, disk := range disktest.Cases(4 << 10) {
		for name, args := range reports {
			t.Run(disk.Name+", "+name, func(t *testing.T) {
				root := disk.Mount(t)
				st, stdout, stderr := runTool(t, append(args, "output_root="+root)...)
				t.Logf("stderr:\n%s", stderr)
				disktest.CheckFailure(t, st, stderr, root, disk.Want)
				disktest.CheckNothingLeft(t, root, stdout)
			})
		}
	}
}
