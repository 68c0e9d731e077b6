package predict

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
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

// a30Paths are the shared bundle's files (its root holds compute/ and
// network/ directly).
func a30Paths(t testing.TB) artifacts.ProfilePaths {
	root := filepath.Join(sharedData(t), "vidur-profiles")
	p := artifacts.NewProfilePaths(root, "a30", "a30_single_gpu", "Qwen/Qwen-2-7B")
	return Relayout(p)
}

var a30Dims = ModelDims{NumQHeads: 28, NumKVHeads: 4, EmbeddingDim: 3584, MLPHiddenDim: 18944, TP: 1, BlockSize: 16, ModelID: "Qwen/Qwen-2-7B"}
