package cpu

import (
	"runtime"
	"unsafe"

	"github.com/simcheck/simcheck/pkg/engine/internal/hugemem"
)

// hugeF32 and hugeU16 return n zeroed elements in huge pages where the
// kernel allows them (hugemem.Bytes): the KV cache and the weights are
// read in 4 KiB runs scattered over gigabytes, and in 4 KiB pages nearly
// every run would be a TLB miss. The memory is unmapped when owner
// becomes unreachable, so owner must outlive every use of the slice.
func hugeF32[T any](owner *T, n int) []float32 { return hugeSlice[float32](owner, n) }

func hugeU16[T any](owner *T, n int) []uint16 { return hugeSlice[uint16](owner, n) }

func hugeSlice[E float32 | uint16, T any](owner *T, n int) []E {
	var e E
	b, free := hugemem.Bytes(int(unsafe.Sizeof(e)) * n)
	runtime.AddCleanup(owner, func(f func()) { f() }, free)
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*E)(unsafe.Pointer(&b[0])), n)
}

// ownSlice is hugeSlice where huge holds, else n elements of the Go heap.
func ownSlice[E float32 | uint16, T any](owner *T, n int, huge bool) []E {
	if huge {
		return hugeSlice[E](owner, n)
	}
	return make([]E, n)
}
