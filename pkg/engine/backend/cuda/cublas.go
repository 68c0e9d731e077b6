//go:build cuda

package cuda

/*
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <cublas_v2.h>

// cuBLAS is opened at run time by soname rather than linked, so one binary
// runs with whichever major version the machine has (docs/gpu.md). Only
// the four entry points below are used; their signatures are the same in
// cuBLAS 11, 12 and 13.
typedef cublasStatus_t (*create_fn)(cublasHandle_t *);
typedef cublasStatus_t (*destroy_fn)(cublasHandle_t);
typedef cublasStatus_t (*mathmode_fn)(cublasHandle_t, cublasMath_t);
typedef cublasStatus_t (*gemmex_fn)(cublasHandle_t, cublasOperation_t, cublasOperation_t,
	int, int, int, const void *, const void *, cudaDataType, int, const void *, cudaDataType, int,
	const void *, void *, cudaDataType, int, cublasComputeType_t, cublasGemmAlgo_t);

static void *blas_lib;
static create_fn blas_create;
static destroy_fn blas_destroy;
static mathmode_fn blas_mathmode;
static gemmex_fn blas_gemmex;

// blas_open returns 0, or 1 when the library is not found, 2 when a symbol
// is missing (*missing names it).
static int blas_open(const char *soname, const char **missing) {
	blas_lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (blas_lib == NULL) return 1;
	*missing = "cublasCreate_v2";
	if ((blas_create = (create_fn)dlsym(blas_lib, "cublasCreate_v2")) == NULL) return 2;
	*missing = "cublasDestroy_v2";
	if ((blas_destroy = (destroy_fn)dlsym(blas_lib, "cublasDestroy_v2")) == NULL) return 2;
	*missing = "cublasSetMathMode";
	if ((blas_mathmode = (mathmode_fn)dlsym(blas_lib, "cublasSetMathMode")) == NULL) return 2;
	*missing = "cublasGemmEx";
	if ((blas_gemmex = (gemmex_fn)dlsym(blas_lib, "cublasGemmEx")) == NULL) return 2;
	return 0;
}

static int blas_create_handle(cublasHandle_t *h) {
	int st = blas_create(h);
	if (st != 0) return st;
	// Plain fp32 products (no TF32), as the cpu backend computes them.
	return blas_mathmode(*h, CUBLAS_DEFAULT_MATH);
}

static int blas_destroy_handle(cublasHandle_t h) { return blas_destroy(h); }

// blas_gemm computes, in cuBLAS's column-major terms, C[n][m] = op(A)·B with
// A the weight [N][K] row-major read transposed, B the activation [M][K]
// row-major: that is y[M][N] = x[M][K]·w[N][K]ᵀ in row-major terms.
// wtype/xtype are cudaDataType values; y is fp32 with row stride ldy, so
// a block of y's columns can be computed alone. Compute is fp32.
// Device pointers travel as integers: they are not Go pointers.
static int blas_gemm(cublasHandle_t h, int M, int N, int K,
	unsigned long long w, int wtype, unsigned long long x, int xtype, unsigned long long y, int ldy) {
	const float one = 1.0f, zero = 0.0f;
	return blas_gemmex(h, CUBLAS_OP_T, CUBLAS_OP_N, N, M, K, &one,
		(const void *)(uintptr_t)w, (cudaDataType)wtype, K,
		(const void *)(uintptr_t)x, (cudaDataType)xtype, K, &zero,
		(void *)(uintptr_t)y, CUDA_R_32F, ldy, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
}

enum { dtypeF32 = CUDA_R_32F, dtypeBF16 = CUDA_R_16BF };
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// cublasSonames are tried in order: the newest first, so a machine with
// several toolkits uses the one matching its driver best.
var cublasSonames = []string{"libcublas.so.13", "libcublas.so.12", "libcublas.so.11"}

// ErrNoCUBLAS is wrapped when no cuBLAS library can be opened.
var ErrNoCUBLAS = fmt.Errorf("cuBLAS not found")

type blas struct {
	h      C.cublasHandle_t
	soname string
}

var blasOpened string // the soname blas_open succeeded with, process-wide

// loadBLAS opens cuBLAS (once per process) and resolves its entry points.
// It needs no GPU.
func loadBLAS() (string, error) {
	if blasOpened != "" {
		return blasOpened, nil
	}
	var missing *C.char
	for _, so := range cublasSonames {
		cs := C.CString(so)
		rc := C.blas_open(cs, &missing)
		C.free(unsafe.Pointer(cs))
		switch rc {
		case 0:
			blasOpened = so
			return so, nil
		case 2:
			return "", fmt.Errorf("cuda: %s has no %s: is it a cuBLAS library?", so, C.GoString(missing))
		}
	}
	return "", fmt.Errorf("cuda: %w: tried %s; install cuBLAS from the CUDA toolkit (or pip's nvidia-cublas-cu12) and put its folder on LD_LIBRARY_PATH",
		ErrNoCUBLAS, strings.Join(cublasSonames, ", "))
}

// openBLAS creates a cuBLAS handle bound to the current context; the
// caller holds the context on its OS thread.
func openBLAS(*device) (*blas, error) {
	so, err := loadBLAS()
	if err != nil {
		return nil, err
	}
	b := &blas{soname: so}
	if st := C.blas_create_handle(&b.h); st != 0 {
		return nil, fmt.Errorf("cuda: cublasCreate (%s) failed with status %d", so, int(st))
	}
	return b, nil
}

// gemm runs y[M][N] = x[M][K]·w[N][K]ᵀ with fp32 accumulation; w and x are
// fp32 or bf16 (cuBLAS wants them equal), y is fp32 with row stride ldy.
func (b *blas) gemm(m, n, k int, w devPtr, wbf16 bool, x devPtr, xbf16 bool, y devPtr, ldy int) error {
	dt := func(bf bool) C.int {
		if bf {
			return C.dtypeBF16
		}
		return C.dtypeF32
	}
	st := C.blas_gemm(b.h, C.int(m), C.int(n), C.int(k),
		C.ulonglong(w), dt(wbf16), C.ulonglong(x), dt(xbf16), C.ulonglong(y), C.int(ldy))
	if st != 0 {
		return fmt.Errorf("cuda: cublasGemmEx [%d×%d]·[%d×%d]ᵀ failed with status %d", m, k, n, k, int(st))
	}
	return nil
}

func (b *blas) close() { C.blas_destroy_handle(b.h) }

func (b *blas) name() string { return b.soname }
