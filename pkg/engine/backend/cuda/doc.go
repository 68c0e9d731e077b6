// Package cuda is the GPU backend. Without -tags cuda it only registers a
// constructor that explains how to get the real one, so asking for a GPU on
// a CPU-only build is a clear error, never a crash.
//
// With -tags cuda (cgo) it drives the GPU through gorgonia.org/cu (driver
// API: primary context, memory, module loading, launches on the legacy
// default stream) and cuBLAS's GemmEx, which it opens at run time by
// soname (libcublas.so.13, .12, .11) so one binary serves every toolkit.
// The kernels are kernels.cu, compiled to kernels.ptx by `go generate`
// (gen.go), committed and embedded; the driver JIT-compiles the compute_80
// PTX for the GPU at hand, so users need no nvcc.
//
// Every operation follows the cpu backend's layouts and formulas in fp32
// (bf16 weights are widened, never the activations, unless
// SIMCHECK_CUDA_GEMM=bf16 asks for bf16×bf16 cuBLAS products), so
// backendtest's tolerances hold for both backends.
//
// gorgonia.org/cu calls cuInit from its package init and exits the process
// if it fails; init_cuda.c wraps cuInit so a tagged binary starts on any
// machine with libcuda.so.1 and New reports which check failed: no driver
// (or only NVIDIA's link stub), no device, a compute capability below 8.0,
// a driver too old for the PTX, or no cuBLAS. A tagged binary still needs
// libcuda.so.1 to start at all (the dynamic loader says so when it is
// missing). docs/gpu.md has the build recipes for CUDA 12 and 13 and what
// has been verified where.
package cuda
