// The AVX512_BF16 instructions, for the bf16 kernel files.

// AVX512_BF16 kernels. Go's assembler (1.26) does not know VDPBF16PS or
// VCVTNE2PS2BF16, so they are spelled as bytes (EVEX.512.F3.0F38.W0 52 /r
// and EVEX.512.F2.0F38.W0 72 /r), register forms only, each fixed to the
// registers in its comment (Intel operand order; bytes from GNU as 2.40,
// checked by TestBF16KernelsMatchGoTwins and TestAttnKernelsMatchGoTwins). DP_ji: Z(4j+i) += x row i
// (Z16+i) · w row j (Z20+j), each fp32 lane taking two bf16 products.
#define DP_00 BYTE $0x62; BYTE $0xb2; BYTE $0x7e; BYTE $0x40; BYTE $0x52; BYTE $0xc4 // vdpbf16ps zmm0,zmm16,zmm20
#define DP_01 BYTE $0x62; BYTE $0xb2; BYTE $0x76; BYTE $0x40; BYTE $0x52; BYTE $0xcc // vdpbf16ps zmm1,zmm17,zmm20
#define DP_02 BYTE $0x62; BYTE $0xb2; BYTE $0x6e; BYTE $0x40; BYTE $0x52; BYTE $0xd4 // vdpbf16ps zmm2,zmm18,zmm20
#define DP_03 BYTE $0x62; BYTE $0xb2; BYTE $0x66; BYTE $0x40; BYTE $0x52; BYTE $0xdc // vdpbf16ps zmm3,zmm19,zmm20
#define DP_10 BYTE $0x62; BYTE $0xb2; BYTE $0x7e; BYTE $0x40; BYTE $0x52; BYTE $0xe5 // vdpbf16ps zmm4,zmm16,zmm21
#define DP_11 BYTE $0x62; BYTE $0xb2; BYTE $0x76; BYTE $0x40; BYTE $0x52; BYTE $0xed // vdpbf16ps zmm5,zmm17,zmm21
#define DP_12 BYTE $0x62; BYTE $0xb2; BYTE $0x6e; BYTE $0x40; BYTE $0x52; BYTE $0xf5 // vdpbf16ps zmm6,zmm18,zmm21
#define DP_13 BYTE $0x62; BYTE $0xb2; BYTE $0x66; BYTE $0x40; BYTE $0x52; BYTE $0xfd // vdpbf16ps zmm7,zmm19,zmm21
#define DP_20 BYTE $0x62; BYTE $0x32; BYTE $0x7e; BYTE $0x40; BYTE $0x52; BYTE $0xc6 // vdpbf16ps zmm8,zmm16,zmm22
#define DP_21 BYTE $0x62; BYTE $0x32; BYTE $0x76; BYTE $0x40; BYTE $0x52; BYTE $0xce // vdpbf16ps zmm9,zmm17,zmm22
#define DP_22 BYTE $0x62; BYTE $0x32; BYTE $0x6e; BYTE $0x40; BYTE $0x52; BYTE $0xd6 // vdpbf16ps zmm10,zmm18,zmm22
#define DP_23 BYTE $0x62; BYTE $0x32; BYTE $0x66; BYTE $0x40; BYTE $0x52; BYTE $0xde // vdpbf16ps zmm11,zmm19,zmm22
#define DP_30 BYTE $0x62; BYTE $0x32; BYTE $0x7e; BYTE $0x40; BYTE $0x52; BYTE $0xe7 // vdpbf16ps zmm12,zmm16,zmm23
#define DP_31 BYTE $0x62; BYTE $0x32; BYTE $0x76; BYTE $0x40; BYTE $0x52; BYTE $0xef // vdpbf16ps zmm13,zmm17,zmm23
#define DP_32 BYTE $0x62; BYTE $0x32; BYTE $0x6e; BYTE $0x40; BYTE $0x52; BYTE $0xf7 // vdpbf16ps zmm14,zmm18,zmm23
#define DP_33 BYTE $0x62; BYTE $0x32; BYTE $0x66; BYTE $0x40; BYTE $0x52; BYTE $0xff // vdpbf16ps zmm15,zmm19,zmm23
#define CVT_Z2 BYTE $0x62; BYTE $0xf2; BYTE $0x77; BYTE $0x48; BYTE $0x72; BYTE $0xd0 // vcvtne2ps2bf16 zmm2,zmm1,zmm0
// PV_j: Z(j) += the probability pair broadcast in Z4 · value pairs Z(20+j).
#define PV_0 BYTE $0x62; BYTE $0xb2; BYTE $0x5e; BYTE $0x48; BYTE $0x52; BYTE $0xc4 // vdpbf16ps zmm0,zmm4,zmm20
#define PV_1 BYTE $0x62; BYTE $0xb2; BYTE $0x5e; BYTE $0x48; BYTE $0x52; BYTE $0xcd // vdpbf16ps zmm1,zmm4,zmm21
#define PV_2 BYTE $0x62; BYTE $0xb2; BYTE $0x5e; BYTE $0x48; BYTE $0x52; BYTE $0xd6 // vdpbf16ps zmm2,zmm4,zmm22
#define PV_3 BYTE $0x62; BYTE $0xb2; BYTE $0x5e; BYTE $0x48; BYTE $0x52; BYTE $0xdf // vdpbf16ps zmm3,zmm4,zmm23
// PW_j: Z(8+j) += the second row's probability pair in Z5 · Z(20+j).
#define PW_0 BYTE $0x62; BYTE $0x32; BYTE $0x56; BYTE $0x48; BYTE $0x52; BYTE $0xc4 // vdpbf16ps zmm8,zmm5,zmm20
#define PW_1 BYTE $0x62; BYTE $0x32; BYTE $0x56; BYTE $0x48; BYTE $0x52; BYTE $0xcd // vdpbf16ps zmm9,zmm5,zmm21
#define PW_2 BYTE $0x62; BYTE $0x32; BYTE $0x56; BYTE $0x48; BYTE $0x52; BYTE $0xd6 // vdpbf16ps zmm10,zmm5,zmm22
#define PW_3 BYTE $0x62; BYTE $0x32; BYTE $0x56; BYTE $0x48; BYTE $0x52; BYTE $0xdf // vdpbf16ps zmm11,zmm5,zmm23
// PX_j: Z(j) += the first row's pair (Z16) · Z(20+j) for j < 8, and
// Z(8+j) += the second row's pair (Z17) · Z(20+j): 128 columns of two rows.
#define PX_0 BYTE $0x62; BYTE $0xb2; BYTE $0x7e; BYTE $0x40; BYTE $0x52; BYTE $0xc4 // vdpbf16ps zmm0,zmm16,zmm20
#define PX_1 BYTE $0x62; BYTE $0xb2; BYTE $0x7e; BYTE $0x40; BYTE $0x52; BYTE $0xcd // vdpbf16ps zmm1,zmm16,zmm21
#define PX_2 BYTE $0x62; BYTE $0xb2; BYTE $0x7e; BYTE $0x40; BYTE $0x52; BYTE $0xd6 // vdpbf16ps zmm2,zmm16,zmm22
#define PX_3 BYTE $0x62; BYTE $0xb2; BYTE $0x7e; BYTE $0x40; BYTE $0x52; BYTE $0xdf // vdpbf16ps zmm3,zmm16,zmm23
#define PX_4 BYTE $0x62; BYTE $0x92; BYTE $0x7e; BYTE $0x40; BYTE $0x52; BYTE $0xe0 // vdpbf16ps zmm4,zmm16,zmm24
#define PX_5 BYTE $0x62; BYTE $0x92; BYTE $0x7e; BYTE $0x40; BYTE $0x52; BYTE $0xe9 // vdpbf16ps zmm5,zmm16,zmm25
#define PX_6 BYTE $0x62; BYTE $0x92; BYTE $0x7e; BYTE $0x40; BYTE $0x52; BYTE $0xf2 // vdpbf16ps zmm6,zmm16,zmm26
#define PX_7 BYTE $0x62; BYTE $0x92; BYTE $0x7e; BYTE $0x40; BYTE $0x52; BYTE $0xfb // vdpbf16ps zmm7,zmm16,zmm27
#define PX_8 BYTE $0x62; BYTE $0x32; BYTE $0x76; BYTE $0x40; BYTE $0x52; BYTE $0xc4 // vdpbf16ps zmm8,zmm17,zmm20
#define PX_9 BYTE $0x62; BYTE $0x32; BYTE $0x76; BYTE $0x40; BYTE $0x52; BYTE $0xcd // vdpbf16ps zmm9,zmm17,zmm21
#define PX_10 BYTE $0x62; BYTE $0x32; BYTE $0x76; BYTE $0x40; BYTE $0x52; BYTE $0xd6 // vdpbf16ps zmm10,zmm17,zmm22
#define PX_11 BYTE $0x62; BYTE $0x32; BYTE $0x76; BYTE $0x40; BYTE $0x52; BYTE $0xdf // vdpbf16ps zmm11,zmm17,zmm23
#define PX_12 BYTE $0x62; BYTE $0x12; BYTE $0x76; BYTE $0x40; BYTE $0x52; BYTE $0xe0 // vdpbf16ps zmm12,zmm17,zmm24
#define PX_13 BYTE $0x62; BYTE $0x12; BYTE $0x76; BYTE $0x40; BYTE $0x52; BYTE $0xe9 // vdpbf16ps zmm13,zmm17,zmm25
#define PX_14 BYTE $0x62; BYTE $0x12; BYTE $0x76; BYTE $0x40; BYTE $0x52; BYTE $0xf2 // vdpbf16ps zmm14,zmm17,zmm26
#define PX_15 BYTE $0x62; BYTE $0x12; BYTE $0x76; BYTE $0x40; BYTE $0x52; BYTE $0xfb // vdpbf16ps zmm15,zmm17,zmm27
