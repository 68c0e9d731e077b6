// Macros shared by the AVX-512 kernel files.

// Horizontal sum of one zmm accumulator into a float32 at off(DX).
// VHADDPS has no EVEX form, so the accumulator's own low xmm is reused.
#define REDUCE(Zr, Yr, Xr, off) \
	VEXTRACTF64X4 $1, Zr, Y16; \
	VADDPS        Y16, Yr, Yr; \
	VEXTRACTF32X4 $1, Yr, X16; \
	VADDPS        X16, Xr, Xr; \
	VHADDPS       Xr, Xr, Xr;  \
	VHADDPS       Xr, Xr, Xr;  \
	VMOVSS        Xr, off(DX)

// Accumulator Z(4j+i) holds x row i · w row j; out[i*4+j] gets it.
#define REDUCE16 \
	REDUCE(Z0, Y0, X0, 0);     \
	REDUCE(Z1, Y1, X1, 16);    \
	REDUCE(Z2, Y2, X2, 32);    \
	REDUCE(Z3, Y3, X3, 48);    \
	REDUCE(Z4, Y4, X4, 4);     \
	REDUCE(Z5, Y5, X5, 20);    \
	REDUCE(Z6, Y6, X6, 36);    \
	REDUCE(Z7, Y7, X7, 52);    \
	REDUCE(Z8, Y8, X8, 8);     \
	REDUCE(Z9, Y9, X9, 24);    \
	REDUCE(Z10, Y10, X10, 40); \
	REDUCE(Z11, Y11, X11, 56); \
	REDUCE(Z12, Y12, X12, 12); \
	REDUCE(Z13, Y13, X13, 28); \
	REDUCE(Z14, Y14, X14, 44); \
	REDUCE(Z15, Y15, X15, 60)

#define ZERO16 \
	VXORPS Z0, Z0, Z0;    \
	VXORPS Z1, Z1, Z1;    \
	VXORPS Z2, Z2, Z2;    \
	VXORPS Z3, Z3, Z3;    \
	VXORPS Z4, Z4, Z4;    \
	VXORPS Z5, Z5, Z5;    \
	VXORPS Z6, Z6, Z6;    \
	VXORPS Z7, Z7, Z7;    \
	VXORPS Z8, Z8, Z8;    \
	VXORPS Z9, Z9, Z9;    \
	VXORPS Z10, Z10, Z10; \
	VXORPS Z11, Z11, Z11; \
	VXORPS Z12, Z12, Z12; \
	VXORPS Z13, Z13, Z13; \
	VXORPS Z14, Z14, Z14; \
	VXORPS Z15, Z15, Z15

// REDUCE16T sums each of the 16 accumulators Z(4j+i) and stores the sums
// as out[i*4+j] (DX), by a transpose tree: each level halves the lanes per
// accumulator and doubles the accumulators per register, 45 instructions
// for all 16 against 112 for REDUCE16. Uses Z24..Z31 as scratch.
// Level 1: Z(2p) = low 256 bits of Z(2p)+Z(2p+1)'s halves, Z(2p+1)'s in
// the high 256.
#define RT1(P, Q, T) \
	VSHUFF64X2 $0xee, Q, P, T; \
	VSHUFF64X2 $0x44, Q, P, P; \
	VADDPS     T, P, P

// Level 2: Z(4a) holds Z(4a+l)'s four partial sums in 128-bit lane l.
#define RT2(R, S, T) \
	VSHUFF32X4 $0xdd, S, R, T; \
	VSHUFF32X4 $0x88, S, R, R; \
	VADDPS     T, R, R

// Levels 3 and 4 within 128-bit lanes: pairs of partials, then one sum.
#define RT3(X, Y, T) \
	VSHUFPS $0xee, Y, X, T; \
	VSHUFPS $0x44, Y, X, X; \
	VADDPS  T, X, X

#define RT4(X, Y, T) \
	VSHUFPS $0xdd, Y, X, T; \
	VSHUFPS $0x88, Y, X, X; \
	VADDPS  T, X, X

#define REDUCE16T \
	RT1(Z0, Z1, Z24);   \
	RT1(Z2, Z3, Z25);   \
	RT1(Z4, Z5, Z26);   \
	RT1(Z6, Z7, Z27);   \
	RT1(Z8, Z9, Z28);   \
	RT1(Z10, Z11, Z29); \
	RT1(Z12, Z13, Z30); \
	RT1(Z14, Z15, Z31); \
	RT2(Z0, Z2, Z24);   \
	RT2(Z4, Z6, Z25);   \
	RT2(Z8, Z10, Z26);  \
	RT2(Z12, Z14, Z27); \
	RT3(Z0, Z4, Z28);   \
	RT3(Z8, Z12, Z29);  \
	RT4(Z0, Z8, Z30);   \
	VMOVUPS Z0, (DX)
