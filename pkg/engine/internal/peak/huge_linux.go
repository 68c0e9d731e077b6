package peak

import (
	"syscall"
	"unsafe"
)

// Floats returns n zeroed float32s that the kernel may back with 2 MiB
// transparent huge pages (it honours the request in "always" and
// "madvise" modes), as the engine's weights and KV cache are: read
// through 4 KiB pages, a stream misses the TLB every 4 KiB, which a
// virtual machine's nested page walk makes costly, and the read would
// measure less than the engine can draw. Without a mapping (a refusal) it
// falls back to the Go heap. The memory is never freed.
func Floats(n int) []float32 {
	const huge = 2 << 20
	size := 4 * n
	if size < huge {
		return make([]float32, n)
	}
	m, err := syscall.Mmap(-1, 0, size+huge, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]float32, n)
	}
	off := int((huge - uintptr(unsafe.Pointer(&m[0]))%huge) % huge)
	b := m[off : off+size : off+size]
	_ = syscall.Madvise(b, 14) // MADV_HUGEPAGE; a kernel without THP ignores it
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
}
