package hugemem

import (
	"runtime"
	"testing"
	"unsafe"
)

// TestBytes: n zeroed, writable bytes; on Linux a request of Huge bytes or
// more is mapped on a huge-page boundary; free may be called.
func TestBytes(t *testing.T) {
	for _, n := range []int{0, 1, 4096, Huge, 3*Huge + 5} {
		b, free := Bytes(n)
		if len(b) != n || cap(b) != n {
			t.Fatalf("Bytes(%d): len %d cap %d", n, len(b), cap(b))
		}
		for i, v := range b {
			if v != 0 {
				t.Fatalf("Bytes(%d)[%d] = %d, want 0", n, i, v)
			}
			b[i] = byte(i)
		}
		if runtime.GOOS == "linux" && n >= Huge {
			if p := uintptr(unsafe.Pointer(&b[0])); p%Huge != 0 {
				t.Errorf("Bytes(%d) starts at %#x, not on a %d-byte boundary", n, p, Huge)
			}
		}
		free()
	}
}
