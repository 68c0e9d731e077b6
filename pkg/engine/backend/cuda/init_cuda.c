//go:build cuda

// gorgonia.org/cu calls cuInit from its package init and exits the process
// when it fails, so a binary built with -tags cuda would die at start-up on
// a machine without a GPU, before any backend is asked for. This definition
// of cuInit takes precedence over libcuda's at link time: it forwards to
// the driver's own cuInit, records the result for the backend's checks
// (driver.go), and reports success to gorgonia.org/cu's init.

#include <cuda.h>
#include <dlfcn.h>

// -1: the driver's cuInit could not be found at all.
static int simcheck_init_status = -2;

CUresult cuInit(unsigned int flags) {
	CUresult (*real)(unsigned int) = (CUresult(*)(unsigned int))dlsym(RTLD_NEXT, "cuInit");
	if (real == NULL) {
		simcheck_init_status = -1;
		return CUDA_SUCCESS;
	}
	CUresult r = real(flags);
	simcheck_init_status = (int)r;
	return CUDA_SUCCESS;
}

// simcheck_cu_init_status is cuInit's real result, -1 when libcuda has no
// cuInit, -2 when cuInit was never called.
int simcheck_cu_init_status(void) { return simcheck_init_status; }
