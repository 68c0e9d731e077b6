//go:build cuda || cudaemu

package cuda

// SetWideChunk shrinks the widening block so small tests cover the
// multi-block path of bf16 products; it returns a function restoring it.
func SetWideChunk(floats int) (restore func()) {
	old := wideChunk
	wideChunk = floats
	return func() { wideChunk = old }
}
