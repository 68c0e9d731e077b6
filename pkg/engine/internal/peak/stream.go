package peak

import (
	"unsafe"

	"github.com/simcheck/simcheck/pkg/engine/internal/hugemem"
)

// StreamArray returns n floats to read for a bandwidth figure: in huge
// pages (hugemem.Bytes), as the engine's weights and KV cache are, since
// a read through 4 KiB pages measures less than the engine can draw;
// every page touched now, so no pass pays for page faults; and values
// (i mod 1024)/1024, which keep any sum finite. The memory is never freed.
func StreamArray(n int) []float32 {
	if n == 0 {
		return nil
	}
	b, _ := hugemem.Bytes(4 * n)
	x := unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
	for i := range x {
		x[i] = float32(i&1023) * 0x1p-10
	}
	return x
}
