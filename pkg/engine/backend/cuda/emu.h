// emu.h lets kernels.cu compile as plain C++ for the cudaemu build tag:
// every CUDA thread of a block runs as a host thread, blocks run one after
// another (the same host threads walk all blocks of a launch), so `static` stands in for __shared__ (one block's threads share
// it, and no two blocks are live at once). __syncthreads and warp shuffles
// are barriers over the block's or the warp's threads. This checks the
// kernels' logic (indexing, reductions, softmax) on a CPU; it says nothing
// about timing, memory coalescing or the hardware's float intrinsics.
#pragma once
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static

struct dim3 {
	unsigned int x = 1, y = 1, z = 1;
};
struct uint4 {
	unsigned int x, y, z, w;
};

// The block every thread of this launch belongs to.
struct emu_block {
	std::barrier<> *all;
	std::vector<std::barrier<> *> warps;
	float xch[1024]; // one slot per thread for shuffles
};

extern thread_local dim3 threadIdx, blockIdx;
extern dim3 blockDim, gridDim;
extern thread_local emu_block *emu_cur;

inline void __syncthreads() { emu_cur->all->arrive_and_wait(); }

inline float __shfl_xor_sync(unsigned int, float v, int lanemask) {
	unsigned int t = threadIdx.x;
	std::barrier<> *w = emu_cur->warps[t / 32];
	emu_cur->xch[t] = v;
	w->arrive_and_wait();
	float r = emu_cur->xch[t ^ (unsigned int)lanemask];
	w->arrive_and_wait();
	return r;
}

inline float __uint_as_float(unsigned int u) {
	float f;
	std::memcpy(&f, &u, 4);
	return f;
}
inline unsigned int __float_as_uint(float f) {
	unsigned int u;
	std::memcpy(&u, &f, 4);
	return u;
}
// sincos(double, double*, double*) is glibc's (g++ defines _GNU_SOURCE).
