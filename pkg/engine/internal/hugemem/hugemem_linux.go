package hugemem

import (
	"syscall"
	"unsafe"
)

// Bytes returns n zeroed bytes, mapped on a huge-page boundary and marked
// for huge pages (the kernel honours the request in its "always" and
// "madvise" modes), and the function that unmaps them. Under Huge bytes,
// or where the kernel refuses the mapping, it falls back to the Go heap
// (and free does nothing).
func Bytes(n int) (b []byte, free func()) {
	if n < Huge {
		return make([]byte, n), func() {}
	}
	// Over-allocate by one huge page to start on a huge-page boundary.
	m, err := syscall.Mmap(-1, 0, n+Huge, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]byte, n), func() {}
	}
	off := int((Huge - uintptr(unsafe.Pointer(&m[0]))%Huge) % Huge)
	b = m[off : off+n : off+n]
	_ = syscall.Madvise(b, 14) // MADV_HUGEPAGE; a kernel without THP ignores it
	return b, func() { _ = syscall.Munmap(m) }
}
