package cuda

// kernels.ptx is generated from kernels.cu and committed, so building the
// backend needs no nvcc; docs/gpu.md names the nvcc that produced it.
// compute_80 PTX is JIT-compiled by the driver for the GPU at hand (A100,
// H100 and newer).
//go:generate nvcc -ptx -arch=compute_80 -O3 -o kernels.ptx kernels.cu
