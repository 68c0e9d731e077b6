//go:build cudaemu && !cuda

package cuda

// #cgo CXXFLAGS: -std=c++20 -O1 -Wno-unknown-pragmas
// #cgo LDFLAGS: -lstdc++ -lpthread
// #include <stdint.h>
// #include <stdlib.h>
// #include <string.h>
// int emu_launch(const char *name, int gx, int gy, int threads, const uint64_t *w, int n);
// void emu_gemm(int m, int n, int k, uintptr_t w, int wbf, uintptr_t x, int xbf, uintptr_t y, int ldy);
// // Emulated device addresses are C heap addresses, kept as integers on the
// // Go side (they are not Go pointers); these turn them back in C.
// static void emu_free(uintptr_t p) { free((void *)p); }
// static void emu_set32(uintptr_t p, uint32_t v, int64_t n) {
// 	for (int64_t i = 0; i < n; i++) ((uint32_t *)p)[i] = v;
// }
// static void emu_htod(uintptr_t p, const void *src, size_t n) { memcpy((void *)p, src, n); }
// static void emu_dtoh(void *dst, uintptr_t p, size_t n) { memcpy(dst, (const void *)p, n); }
import "C"

import (
	_ "embed"
	"fmt"
	"unsafe"
)

// kernelsSource is unused at run time: embedding kernels.cu puts its
// content into this package's build ID, so the Go build cache recompiles
// emu_kernels.cc (which #includes it) whenever the kernels change. Without
// it a stale emulation would be tested.
//
//go:embed kernels.cu
var kernelsSource string

// The cudaemu build tag swaps the GPU for emu_kernels.cc: kernels.cu
// compiled as C++ and run block by block on host threads, device memory in
// C's heap, GemmEx as a triple loop. It needs g++ only, so the backend's
// own Go code and its kernels' logic meet backendtest on any machine:
//
//	go test -tags cudaemu ./backend/cuda/
//
// It is a test of correctness, far too slow for anything else.

type devPtr uintptr

type device struct{}

func openDevice() (*device, error) { return &device{}, nil }

func (d *device) memAlloc(bytes int64) (devPtr, error) {
	p := C.malloc(C.size_t(bytes))
	if p == nil {
		return 0, fmt.Errorf("emu: out of memory (%d bytes)", bytes)
	}
	return devPtr(uintptr(p)), nil
}

func (d *device) memFree(p devPtr) error { C.emu_free(C.uintptr_t(p)); return nil }

func (d *device) memsetD32(p devPtr, v uint32, n int64) error {
	C.emu_set32(C.uintptr_t(p), C.uint32_t(v), C.int64_t(n))
	return nil
}

func (d *device) htod(p devPtr, src unsafe.Pointer, bytes int64) error {
	C.emu_htod(C.uintptr_t(p), src, C.size_t(bytes))
	return nil
}

func (d *device) dtoh(dst unsafe.Pointer, p devPtr, bytes int64) error {
	C.emu_dtoh(dst, C.uintptr_t(p), C.size_t(bytes))
	return nil
}

func (d *device) sync() error        { return nil }
func (d *device) makeCurrent() error { return nil }
func (d *device) release() error     { return nil }
func (d *device) describe() string   { return "cudaemu (kernels.cu on host threads)" }

func (d *device) launch(name string, gx, gy, threads int, params []unsafe.Pointer) error {
	words := make([]C.uint64_t, len(params))
	for i, p := range params {
		words[i] = C.uint64_t(*(*uint64)(p))
	}
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var w0 *C.uint64_t
	if len(words) > 0 {
		w0 = &words[0]
	}
	switch rc := C.emu_launch(cs, C.int(gx), C.int(gy), C.int(threads), w0, C.int(len(words))); rc {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("emu: %s: %d arguments do not match the kernel's parameters", name, len(words))
	case 2:
		return fmt.Errorf("emu: %s: block of %d threads (want a multiple of 32 up to 1024)", name, threads)
	default:
		return fmt.Errorf("emu: no kernel %s", name)
	}
}

type blas struct{}

func openBLAS(*device) (*blas, error) { return &blas{}, nil }

func (b *blas) gemm(m, n, k int, w devPtr, wbf16 bool, x devPtr, xbf16 bool, y devPtr, ldy int) error {
	C.emu_gemm(C.int(m), C.int(n), C.int(k), C.uintptr_t(w), cbool(wbf16), C.uintptr_t(x), cbool(xbf16), C.uintptr_t(y), C.int(ldy))
	return nil
}

func (b *blas) close()       {}
func (b *blas) name() string { return "emulated GemmEx" }

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
