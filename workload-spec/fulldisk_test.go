package main

import (
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts/disktest"
)

// TestOutputNotWritable: on a full disk or a read-only file system the
// tool exits 1 with one line naming the path and the OS error, and
// leaves neither a workload directory nor a temporary one.
func TestOutputNotWritable(t *testing.T) {
	args := []string{"model.path=" + modelDir(t), "workload.num_requests=200"}
	for _, tc := range []struct {
		name  string
		mount func(t *testing.T) string
		want  string
	}{
		{"full disk", func(t *testing.T) string { return disktest.Full(t, 8<<10) }, "no space left on device"},
		{"read-only", func(t *testing.T) string { return disktest.ReadOnly(t) }, "read-only file system"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := tc.mount(t)
			stdout, stderr, st := runTool(t, append(args, "output_root="+root)...)
			disktest.CheckFailure(t, st, stderr, root, tc.want)
			if stdout != "" {
				t.Errorf("printed %q, want nothing", stdout)
			}
			if left := disktest.Files(t, root); len(left) > 0 {
				t.Errorf("files left: %v", left)
			}
			if tmp := disktest.TempDirs(t, root); len(tmp) > 0 {
				t.Errorf("temporary directories left: %v", tmp)
			}
		})
	}
}
