package command

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts/disktest"
)

// TestManifestNotWritable: when a sweep's manifest cannot be written (a
// full disk, a read-only file system) the sweep runs no job, exits 1 with
// one line naming the path and the OS error, and leaves neither a
// manifest directory nor a temporary manifest behind.
func TestManifestNotWritable(t *testing.T) {
	// No byte free: even the first manifest, a few hundred bytes, fails.
	for _, tc := range disktest.Cases(0) {
		t.Run(tc.Name, func(t *testing.T) {
			root := tc.Mount(t)
			ran := 0
			tl := sweepTool(func(c *Context, cfg *cfgT) error { ran++; return printDir(c, cfg) })
			stdout, stderr, st := runT(tl, "-m", "n=1,2", "output_root="+root, "--sweep-id=full")
			t.Logf("stderr:\n%s", stderr)
			disktest.CheckFailure(t, st, stderr, root, tc.Want)
			if stdout != "" || ran != 0 {
				t.Errorf("ran %d jobs and printed %q, want none", ran, stdout)
			}
			if left := disktest.Files(t, root); len(left) > 0 {
				t.Errorf("files left: %v", left)
			}
			if _, err := os.Stat(filepath.Join(root, "multirun", "full")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the sweep directory is left: %v", err)
			}
		})
	}
}
