//go:build !linux

package cpu

// hugeF32 and hugeU16 allocate on the Go heap: huge pages are requested
// on Linux only (hugemem_linux.go).
func hugeF32[T any](_ *T, n int) []float32 { return make([]float32, n) }

func hugeU16[T any](_ *T, n int) []uint16 { return make([]uint16, n) }
