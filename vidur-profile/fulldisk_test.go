package main

import (
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts/disktest"
)

// TestOutputNotWritable: on a full disk or a read-only file system the
// tool exits 1 with one line naming the path and the OS error, and
// leaves neither a bundle nor a temporary directory.
func TestOutputNotWritable(t *testing.T) {
	for _, tc := range disktest.Cases(8 << 10) {
		t.Run(tc.Name, func(t *testing.T) {
			root := tc.Mount(t)
			stdout, stderr, st := runTool(t, append([]string{"output_root=" + root}, quick...)...)
			disktest.CheckFailure(t, st, stderr, root, tc.Want)
			disktest.CheckNothingLeft(t, root, stdout)
		})
	}
}
