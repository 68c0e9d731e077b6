package predict

import (
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/artifacts/refdata"
	"github.com/simcheck/simcheck/vidur-sim/internal/bundle"
)

// a30Paths are the A30 bundle's files (its root holds compute/ and
// network/ directly).
func a30Paths(t testing.TB) artifacts.ProfilePaths {
	root := filepath.Join(refdata.A30(t), refdata.Profiles)
	p := artifacts.NewProfilePaths(root, "a30", "a30_single_gpu", "Qwen/Qwen-2-7B")
	return bundle.Relayout(p)
}

var a30Dims = bundle.ModelDims{NumQHeads: 28, NumKVHeads: 4, EmbeddingDim: 3584, MLPHiddenDim: 18944, TP: 1, BlockSize: 16, ModelID: "Qwen/Qwen-2-7B"}
