//go:build !linux

package peak

// Floats returns n zeroed float32s (huge pages are requested on Linux
// only).
func Floats(n int) []float32 { return make([]float32, n) }
