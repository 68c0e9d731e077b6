//go:build cuda

package cuda

import (
	"errors"
	"testing"
)

// TestLoadCUBLAS resolves the cuBLAS entry points the backend uses, by
// soname, which needs the library but no GPU: it checks the symbol names
// against whichever cuBLAS this machine has.
func TestLoadCUBLAS(t *testing.T) {
	so, err := loadBLAS()
	if errors.Is(err, ErrNoCUBLAS) {
		t.Skipf("no cuBLAS on this machine: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cuBLAS: %s", so)
}
