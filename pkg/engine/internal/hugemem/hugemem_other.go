//go:build !linux

package hugemem

// Bytes returns n zeroed bytes from the Go heap: huge pages are requested
// on Linux only. free does nothing.
func Bytes(n int) (b []byte, free func()) { return make([]byte, n), func() {} }
