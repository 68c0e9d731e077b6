// Kernels of the cuda backend. Each one mirrors an operation of the cpu
// backend (pkg/engine/backend/cpu): same layouts, same formulas, fp32
// arithmetic, so backendtest's tolerances hold for both. Compiled to PTX by
// `go generate` (gen.go); the PTX is committed and loaded at run time.
//
// Every kernel is extern "C" so its PTX name is the plain name the Go side
// looks up. Integer parameters are int (row counts and widths of one model
// fit easily); bf16 values travel as unsigned short and are widened by a
// shift, exactly as cpu.FromBF16 does.

#define WARP 32
// The largest head dimension attention supports: each lane keeps
// HEAD_MAX/32 output accumulators in registers. Qwen3 uses 128.
#define HEAD_MAX 256

__device__ __forceinline__ float bf16_to_f32(unsigned short h) {
	return __uint_as_float(((unsigned int)h) << 16);
}

__device__ __forceinline__ float warp_sum(float v) {
	for (int o = WARP / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

// block_sum returns the sum of v over the block to every thread; scratch
// holds one float per warp. Callers must not reuse scratch before a
// __syncthreads().
__device__ float block_sum(float v, float *scratch) {
	int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP;
	int nwarps = (blockDim.x + WARP - 1) / WARP;
	v = warp_sum(v);
	if (lane == 0) scratch[warp] = v;
	__syncthreads();
	float s = 0;
	for (int w = 0; w < nwarps; w++) s += scratch[w];
	__syncthreads();
	return s;
}

// rms_scale is 1/rms as the cpu backend computes it: the mean square in
// fp32, the reciprocal square root in double, rounded once.
__device__ __forceinline__ float rms_scale(float ss, int n, float eps) {
	return (float)(1.0 / sqrt((double)(ss / (float)n + eps)));
}

// rmsnorm: one block per row; y may alias x (every read of x happens
// before the block's first write, separated by block_sum's barriers).
extern "C" __global__ void rmsnorm(float *y, const float *x, const float *w, int n, float eps) {
	__shared__ float scratch[WARP];
	const float *xr = x + (long long)blockIdx.x * n;
	float *yr = y + (long long)blockIdx.x * n;
	float ss = 0;
	for (int j = threadIdx.x; j < n; j += blockDim.x) ss += xr[j] * xr[j];
	float inv = rms_scale(block_sum(ss, scratch), n, eps);
	for (int j = threadIdx.x; j < n; j += blockDim.x) yr[j] = xr[j] * inv * w[j];
}

// headnorm: block (row, head) normalises one q head (head < nq) with qw or
// one k head with kw, in place.
extern "C" __global__ void headnorm(float *qkv, const float *qw, const float *kw,
                                    int nq, int d, int width, float eps) {
	__shared__ float scratch[WARP];
	int head = blockIdx.y;
	float *x = qkv + (long long)blockIdx.x * width + head * d;
	const float *w = head < nq ? qw : kw;
	float ss = 0;
	for (int j = threadIdx.x; j < d; j += blockDim.x) ss += x[j] * x[j];
	float inv = rms_scale(block_sum(ss, scratch), d, eps);
	for (int j = threadIdx.x; j < d; j += blockDim.x) x[j] = x[j] * inv * w[j];
}

// rope: one block per row, thread i owns frequency i of every q and k head
// (neox half-split: x[i] pairs with x[i+d/2]). The angle is computed in
// double as the cpu backend's table is, then rounded to fp32.
extern "C" __global__ void rope(float *qkv, const int *pos, int heads, int d, int width, double theta) {
	int half = d / 2;
	float *row = qkv + (long long)blockIdx.x * width;
	double p = (double)pos[blockIdx.x];
	for (int i = threadIdx.x; i < half; i += blockDim.x) {
		double inv = pow(theta, -(double)(2 * i) / (double)d);
		double s, c;
		sincos(p * inv, &s, &c);
		float cs = (float)c, sn = (float)s;
		for (int h = 0; h < heads; h++) {
			float *x = row + h * d;
			float x1 = x[i], x2 = x[i + half];
			x[i] = x1 * cs - x2 * sn;
			x[i + half] = x2 * cs + x1 * sn;
		}
	}
}

// silu_mul: y[m][i] = silu(gu[m][i]) * gu[m][n+i] over total = M*n outputs.
extern "C" __global__ void silu_mul(float *y, const float *gu, int n, long long total) {
	for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
	     e += (long long)gridDim.x * blockDim.x) {
		long long m = e / n, i = e % n;
		float g = gu[m * 2 * n + i], u = gu[m * 2 * n + n + i];
		y[e] = g / (1.0f + expf(-g)) * u;
	}
}

// add: y = a + b over total elements; y may alias a.
extern "C" __global__ void add(float *y, const float *a, const float *b, long long total) {
	for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
	     e += (long long)gridDim.x * blockDim.x)
		y[e] = a[e] + b[e];
}

// add_bias: y[m][j] += b[j].
extern "C" __global__ void add_bias(float *y, const float *b, int n, long long total) {
	for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
	     e += (long long)gridDim.x * blockDim.x)
		y[e] += b[e % n];
}

// embed_f32 / embed_bf16 / gather: block r copies row idx[r] of the
// source into row r of y. The host has checked every index.
extern "C" __global__ void embed_f32(float *y, const float *table, const int *idx, int n) {
	const float *src = table + (long long)idx[blockIdx.x] * n;
	float *dst = y + (long long)blockIdx.x * n;
	for (int j = threadIdx.x; j < n; j += blockDim.x) dst[j] = src[j];
}

extern "C" __global__ void embed_bf16(float *y, const unsigned short *table, const int *idx, int n) {
	const unsigned short *src = table + (long long)idx[blockIdx.x] * n;
	float *dst = y + (long long)blockIdx.x * n;
	for (int j = threadIdx.x; j < n; j += blockDim.x) dst[j] = bf16_to_f32(src[j]);
}

// widen_bf16: dst[i] = float(src[i]), for products of bf16 weights with
// many rows (ops.go).
extern "C" __global__ void widen_bf16(float *dst, const unsigned short *src, long long total) {
	for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
	     e += (long long)gridDim.x * blockDim.x)
		dst[e] = bf16_to_f32(src[e]);
}

// narrow_f32: dst[i] = bf16(src[i]), rounded to nearest even with NaN kept
// a NaN, as cpu.ToBF16; activations for the bf16 GemmEx path (ops.go).
extern "C" __global__ void narrow_f32(unsigned short *dst, const float *src, long long total) {
	for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
	     e += (long long)gridDim.x * blockDim.x) {
		unsigned int b = __float_as_uint(src[e]);
		if (src[e] != src[e])
			dst[e] = (unsigned short)((b >> 16) | 0x40);
		else
			dst[e] = (unsigned short)((b + 0x7fffu + ((b >> 16) & 1u)) >> 16);
	}
}

// kv_write: block r stores the k and v heads of qkv row r at slot
// slots[r] of one layer's cache, laid out [block][kvHead][slot][d] as the
// cpu backend's.
extern "C" __global__ void kv_write(float *kc, float *vc, const float *qkv, const int *slots,
                                    int nq, int nkv, int d, int width, int bs) {
	int slot = slots[blockIdx.x];
	long long b = slot / bs, off = slot % bs;
	const float *row = qkv + (long long)blockIdx.x * width;
	for (int e = threadIdx.x; e < nkv * d; e += blockDim.x) {
		int h = e / d, j = e % d;
		long long dst = ((b * nkv + h) * bs + off) * d + j;
		kc[dst] = row[(nq + h) * d + j];
		vc[dst] = row[(nq + nkv + h) * d + j];
	}
}

// matmul_bf16_rows: y[M][N] = x[M][K]·w[N][K]ᵀ for bf16 w and few rows
// (M <= MM_ROWS): one warp per output column reads its weight row once for
// all M activation rows, fp32 accumulation as the cpu tiles do. vec8 says
// K % 8 == 0, so 8 bf16 (16 bytes) load at once.
#define MM_ROWS 8
extern "C" __global__ void matmul_bf16_rows(float *y, const float *x, const unsigned short *w,
                                            int M, int N, int K, int vec8) {
	int lane = threadIdx.x % WARP;
	int n = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP;
	if (n >= N) return;
	const unsigned short *wr = w + (long long)n * K;
	// Loops over m run to the constant MM_ROWS with a guard, so acc stays
	// in registers (a dynamic index would put it in local memory).
	float acc[MM_ROWS];
#pragma unroll
	for (int m = 0; m < MM_ROWS; m++) acc[m] = 0;
	int k0 = 0;
	if (vec8) {
		for (int k = lane * 8; k < K; k += WARP * 8) {
			uint4 pk = *(const uint4 *)(wr + k);
			unsigned int p[4] = {pk.x, pk.y, pk.z, pk.w};
			float wv[8];
#pragma unroll
			for (int t = 0; t < 4; t++) {
				wv[2 * t] = __uint_as_float(p[t] << 16);              // low half: element 2t
				wv[2 * t + 1] = __uint_as_float(p[t] & 0xffff0000u); // high half: 2t+1
			}
#pragma unroll
			for (int m = 0; m < MM_ROWS; m++) {
				if (m < M) {
					const float *xr = x + (long long)m * K + k;
					float s = 0;
#pragma unroll
					for (int t = 0; t < 8; t++) s += xr[t] * wv[t];
					acc[m] += s;
				}
			}
		}
		k0 = K;
	}
	for (int k = k0 + lane; k < K; k += WARP) {
		float wv = bf16_to_f32(wr[k]);
#pragma unroll
		for (int m = 0; m < MM_ROWS; m++)
			if (m < M) acc[m] += x[(long long)m * K + k] * wv;
	}
#pragma unroll
	for (int m = 0; m < MM_ROWS; m++) {
		if (m < M) {
			float s = warp_sum(acc[m]);
			if (lane == 0) y[(long long)m * N + n] = s;
		}
	}
}

// attention: block (r, head) computes one query row of one head. meta[3r..]
// = (row of qkv and out, keys this row sees, offset of its sequence's block
// table in tables). Warps take keys round-robin with an online softmax
// (running max and sum, rescaled accumulators), then merge through shared
// memory; the result equals the cpu backend's softmax((q·k) / sqrt(d))·V
// up to rounding. Keys are read from the paged cache [block][kvHead][slot][d].
#define ATT_WARPS 4
extern "C" __global__ void attention(float *out, const float *qkv, const float *kc, const float *vc,
                                     const int *meta, const int *tables,
                                     int nq, int nkv, int d, int width, int bs, float scale) {
	__shared__ float m_s[ATT_WARPS], l_s[ATT_WARPS];
	__shared__ float acc_s[ATT_WARPS][HEAD_MAX];
	int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP;
	int row = meta[3 * blockIdx.x], see = meta[3 * blockIdx.x + 1];
	const int *tab = tables + meta[3 * blockIdx.x + 2];
	int head = blockIdx.y, kvh = head / (nq / nkv);
	const float *q = qkv + (long long)row * width + head * d;

	const int C = HEAD_MAX / WARP;
	float qv[C], acc[C];
#pragma unroll
	for (int c = 0; c < C; c++) {
		int j = lane + c * WARP;
		qv[c] = j < d ? q[j] : 0.0f;
		acc[c] = 0;
	}
	float mx = -INFINITY, sum = 0;
	for (int t = warp; t < see; t += ATT_WARPS) {
		long long base = (((long long)tab[t / bs] * nkv + kvh) * bs + t % bs) * d;
		const float *k = kc + base, *v = vc + base;
		float s = 0;
#pragma unroll
		for (int c = 0; c < C; c++) {
			int j = lane + c * WARP;
			if (j < d) s += qv[c] * k[j];
		}
		s = warp_sum(s);
		float nmx = fmaxf(mx, s);
		float corr = expf((mx - nmx) * scale), p = expf((s - nmx) * scale);
		sum = sum * corr + p;
#pragma unroll
		for (int c = 0; c < C; c++) {
			int j = lane + c * WARP;
			if (j < d) acc[c] = acc[c] * corr + p * v[j];
		}
		mx = nmx;
	}
	if (lane == 0) {
		m_s[warp] = mx;
		l_s[warp] = sum;
	}
#pragma unroll
	for (int c = 0; c < C; c++) {
		int j = lane + c * WARP;
		if (j < d) acc_s[warp][j] = acc[c];
	}
	__syncthreads();
	float gm = -INFINITY;
#pragma unroll
	for (int w = 0; w < ATT_WARPS; w++) gm = fmaxf(gm, m_s[w]);
	float tot = 0, f[ATT_WARPS];
#pragma unroll
	for (int w = 0; w < ATT_WARPS; w++) {
		// A warp that saw no key has max -inf and sum 0: factor 0.
		f[w] = l_s[w] > 0 ? expf((m_s[w] - gm) * scale) : 0.0f;
		tot += l_s[w] * f[w];
	}
	float *o = out + (long long)row * nq * d + head * d;
	for (int j = threadIdx.x; j < d; j += blockDim.x) {
		float s = 0;
#pragma unroll
		for (int w = 0; w < ATT_WARPS; w++) s += acc_s[w][j] * f[w];
		o[j] = s / tot;
	}
}
