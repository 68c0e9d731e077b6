package cpu

import (
	"runtime"
	"syscall"
	"unsafe"
)

// hugeBytes returns n zeroed bytes backed by transparent huge pages where
// the kernel allows them (madvise mode included), and the function that
// unmaps them. The KV cache and the weights are read in 4 KiB runs
// scattered over gigabytes; in 4 KiB pages nearly every run is a TLB miss,
// which a virtual machine's nested page walk makes costly. 2 MiB pages
// cut the misses 512-fold. Without a mapping (a kernel refusal) it falls
// back to the Go heap.
func hugeBytes(n int) ([]byte, func()) {
	const huge = 2 << 20
	if n < huge {
		return make([]byte, n), func() {}
	}
	// Over-allocate by one huge page to start on a huge-page boundary.
	m, err := syscall.Mmap(-1, 0, n+huge, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]byte, n), func() {}
	}
	off := int((huge - uintptr(unsafe.Pointer(&m[0]))%huge) % huge)
	b := m[off : off+n : off+n]
	_ = syscall.Madvise(b, 14) // MADV_HUGEPAGE; a kernel without THP ignores it
	return b, func() { _ = syscall.Munmap(m) }
}

// hugeF32 and hugeU16 are hugeBytes as element slices. The memory is
// unmapped when owner becomes unreachable, so owner must outlive every
// use of the slice.
func hugeF32[T any](owner *T, n int) []float32 { return hugeSlice[float32](owner, n) }

func hugeU16[T any](owner *T, n int) []uint16 { return hugeSlice[uint16](owner, n) }

func hugeSlice[E float32 | uint16, T any](owner *T, n int) []E {
	var e E
	b, free := hugeBytes(int(unsafe.Sizeof(e)) * n)
	runtime.AddCleanup(owner, func(f func()) { f() }, free)
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*E)(unsafe.Pointer(&b[0])), n)
}
