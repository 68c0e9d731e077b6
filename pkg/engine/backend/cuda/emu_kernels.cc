//go:build cudaemu && !cuda

// The cudaemu build's "device": kernels.cu compiled as C++ (emu.h), a
// launcher that runs each block's threads on host threads, and a plain
// triple-loop GemmEx. Device memory is host memory.
#include "emu.h"

#include <cstdio>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include "kernels.cu"

thread_local dim3 threadIdx, blockIdx;
dim3 blockDim, gridDim;
thread_local emu_block *emu_cur;

namespace {

// arg converts one 8-byte launch word to a kernel parameter the way
// cuLaunchKernel reads it: pointers whole, 4-byte values from the low bytes.
template <typename T> T arg(uint64_t w) {
	if constexpr (std::is_pointer_v<T>) {
		return reinterpret_cast<T>(static_cast<uintptr_t>(w));
	} else if constexpr (std::is_same_v<T, float>) {
		return __uint_as_float(static_cast<unsigned int>(w));
	} else if constexpr (std::is_same_v<T, double>) {
		double d;
		std::memcpy(&d, &w, 8);
		return d;
	} else {
		return static_cast<T>(static_cast<int64_t>(sizeof(T) == 4 ? (int64_t)(int32_t)w : (int64_t)w));
	}
}

template <typename... A, size_t... I>
void call(void (*k)(A...), const uint64_t *w, std::index_sequence<I...>) {
	k(arg<A>(w[I])...);
}

template <typename... A>
int run(void (*k)(A...), int gx, int gy, int threads, const uint64_t *w, int n) {
	if (n != (int)sizeof...(A)) return 1;
	if (threads % 32 != 0 || threads > 1024) return 2;
	gridDim = dim3{(unsigned)gx, (unsigned)gy, 1};
	blockDim = dim3{(unsigned)threads, 1, 1};
	// One host thread per CUDA thread for the whole launch, walking the
	// blocks in order; the `done` barrier keeps a block's static "shared"
	// memory from being reused before all its threads have finished.
	emu_block b;
	std::barrier<> all(threads), done(threads);
	b.all = &all;
	for (int i = 0; i < threads / 32; i++) b.warps.push_back(new std::barrier<>(32));
	std::vector<std::thread> ts;
	for (int t = 0; t < threads; t++) {
		ts.emplace_back([&, t] {
			threadIdx = dim3{(unsigned)t, 0, 0};
			emu_cur = &b;
			for (int by = 0; by < gy; by++) {
				for (int bx = 0; bx < gx; bx++) {
					blockIdx = dim3{(unsigned)bx, (unsigned)by, 0};
					call(k, w, std::index_sequence_for<A...>{});
					done.arrive_and_wait();
				}
			}
		});
	}
	for (auto &t : ts) t.join();
	for (auto *p : b.warps) delete p;
	return 0;
}

} // namespace

extern "C" int emu_launch(const char *name, int gx, int gy, int threads, const uint64_t *w, int n) {
	std::string s(name);
#define K(f) \
	if (s == #f) return run(f, gx, gy, threads, w, n);
	K(rmsnorm) K(headnorm) K(rope) K(silu_mul) K(add) K(add_bias)
	K(embed_f32) K(embed_bf16) K(widen_bf16) K(narrow_f32) K(kv_write)
	K(matmul_bf16_rows) K(attention)
#undef K
	return 3;
}

// emu_gemm is GemmEx as blas_gemm calls it: y[m][ldy] (first n columns) =
// x[m][k]·w[n][k]ᵀ, w and x fp32 or bf16 (bf16 != 0), fp32 accumulation.
extern "C" void emu_gemm(int m, int n, int k, uintptr_t w, int wbf, uintptr_t x, int xbf, uintptr_t y, int ldy) {
	auto get = [](uintptr_t p, int bf, long long i) {
		if (bf) return __uint_as_float(((unsigned int)((const unsigned short *)p)[i]) << 16);
		return ((const float *)p)[i];
	};
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			float s = 0;
			for (int l = 0; l < k; l++) s += get(x, xbf, (long long)i * k + l) * get(w, wbf, (long long)j * k + l);
			((float *)y)[(long long)i * ldy + j] = s;
		}
}
