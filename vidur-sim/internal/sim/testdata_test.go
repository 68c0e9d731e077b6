package sim

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedData returns ../shared/data beside the checkout (the directory
// holding go.work), or skips the test when it is absent.
func sharedData(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared data not found: no go.work above the test directory, so ../shared/data cannot be located")
		}
		dir = parent
	}
	data := filepath.Join(dir, "..", "shared", "data")
	if _, err := os.Stat(data); err != nil {
		t.Skipf("shared data absent at %s (third-party reference data, not in the repository): %v", data, err)
	}
	return data
}
