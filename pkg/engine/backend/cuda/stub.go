//go:build !cuda && !cudaemu

package cuda

import (
	"fmt"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// Built reports whether this binary contains the CUDA backend.
const Built = false

func init() {
	backend.Register("cuda", func(backend.Options) (backend.Backend, error) {
		return nil, fmt.Errorf("cuda: %w: this binary was built without -tags cuda; rebuild with -tags cuda on a machine with the CUDA toolkit", backend.ErrNotBuilt)
	})
}
