/*
 * avx512.c — the AVX-512 variant (F, BW, DQ, VL, VNNI; 512-bit vectors).
 *
 * Compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512vnni
 * (and the AVX2/FMA/F16C flags they build on) on this file only; the
 * dispatcher selects it only when CPUID and the OS (XCR0 ZMM state) allow
 * all of them. DQ is used only for vxorps (see flip8()); every CPU with
 * VNNI has it.
 *
 * - f32 kernels: 16 lanes, four FMA accumulators (KERN_BLOCKS).
 * - int8 dot: vpdpbusd multiplies unsigned by signed bytes and sums groups
 *   of four into 32-bit lanes without saturation. a is shifted into
 *   unsigned range by flipping its sign bit (a + 128), so the instruction
 *   computes sum (a+128)*b = sum a*b + 128 * sum b; a second vpdpbusd with
 *   all-ones bytes computes sum b, and the correction is subtracted at the
 *   end in modular 32-bit arithmetic. That is exact for every int8 input,
 *   -128 included, whenever the true result fits int32 (n < 2^17).
 *   Rejected: widening to 16 bits (twice the instructions per byte) and
 *   vpdpbusds (saturating — not exact).
 * - f16: vcvtph2ps on 16 halves at once. SIMDe 0.7.4 lacks the 512-bit
 *   form, so with native AVX-512 the intrinsic is called directly and
 *   otherwise two 256-bit conversions are joined.
 * - hamming: nibble-lookup popcount (vpshufb) + vpsadbw, as in avx2.c but
 *   64 bytes per step.
 * - tails: one masked load per operand (see ldt()), except hamming.
 * - dot_f32_many, dot_i8_many: one query against eight vectors at a time
 *   (int8 up to 256 bytes: sixteen, the query held in registers), the
 *   query loaded once per chunk for all of them, one combined horizontal
 *   sum per group (see dot8_f32, dot_i8_reg, dot8_i8).
 * - hamming: VPOPCNTQ would be faster, but it is a separate CPUID feature
 *   (AVX512_VPOPCNTDQ) that many AVX-512 CPUs lack.
 */
#include "kernels/variants.h"

#include <simde/x86/avx512.h>
#include <simde/x86/fma.h>
#include <simde/x86/f16c.h>

#define WF 16 /* floats per vector */
#define WB 64 /* bytes per vector */

static inline float hsum_ps(simde__m512 v)
{
	simde__m256 lo = simde_mm512_castps512_ps256(v);
	simde__m256 hi = simde_mm256_castpd_ps(
	    simde_mm512_extractf64x4_pd(simde_mm512_castps_pd(v), 1));
	simde__m256 h = simde_mm256_add_ps(lo, hi);
	simde__m128 s = simde_mm_add_ps(simde_mm256_castps256_ps128(h),
	                                simde_mm256_extractf128_ps(h, 1));
	s = simde_mm_add_ps(s, simde_mm_movehl_ps(s, s));
	s = simde_mm_add_ss(s, simde_mm_shuffle_ps(s, s, 1));
	return simde_mm_cvtss_f32(s);
}

static inline simde__m256i fold512(simde__m512i v)
{
	return simde_mm256_add_epi32(simde_mm512_castsi512_si256(v),
	                             simde_mm512_extracti64x4_epi64(v, 1));
}

static inline uint32_t hsum_epi32(simde__m512i v)
{
	simde__m256i h = fold512(v);
	simde__m128i s =
	    simde_mm_add_epi32(simde_mm256_castsi256_si128(h),
	                       simde_mm256_extracti128_si256(h, 1));
	s = simde_mm_add_epi32(s, simde_mm_shuffle_epi32(s, 0x4e));
	s = simde_mm_add_epi32(s, simde_mm_shuffle_epi32(s, 0xb1));
	return (uint32_t)simde_mm_cvtsi128_si32(s);
}

static inline simde__m512 sum4_ps(const simde__m512 *s)
{
	return simde_mm512_add_ps(simde_mm512_add_ps(s[0], s[1]),
	                          simde_mm512_add_ps(s[2], s[3]));
}

static inline simde__m512i sum4_epi32(const simde__m512i *s)
{
	return simde_mm512_add_epi32(simde_mm512_add_epi32(s[0], s[1]),
	                             simde_mm512_add_epi32(s[2], s[3]));
}

#define LD(p)  simde_mm512_loadu_ps(p)
#define LDI(p) simde_mm512_loadu_si512((const void *)(p))
#define ZPS                                                                    \
	{                                                                      \
		simde_mm512_setzero_ps(), simde_mm512_setzero_ps(),            \
		    simde_mm512_setzero_ps(), simde_mm512_setzero_ps()         \
	}

/*
 * Tails: the first r elements at p, zeros after, with AVX-512 masked
 * loads (masked-off elements are not read and cannot fault). SIMDe 0.7.4
 * has no masked loads, so the intrinsics are called directly; this file is
 * only ever compiled with native AVX-512 (see CMakeLists.txt), and the
 * fallback is a zero-padded copy.
 */
static inline simde__m512 ldt(const float *p, size_t r)
{
#if defined(SIMDE_X86_AVX512F_NATIVE)
	return _mm512_maskz_loadu_ps((__mmask16)((1u << r) - 1), p);
#else
	float t[16] = {0};
	memcpy(t, p, r * sizeof *p);
	return simde_mm512_loadu_ps(t);
#endif
}

static inline simde__m512i ldti(const void *p, size_t r)
{
#if defined(SIMDE_X86_AVX512BW_NATIVE)
	return _mm512_maskz_loadu_epi8((__mmask64)((1ull << r) - 1), p);
#else
	unsigned char t[64] = {0};
	memcpy(t, p, r);
	return simde_mm512_loadu_si512((const void *)t);
#endif
}

static inline simde__m256i ldth(const uint16_t *p, size_t r)
{
#if defined(SIMDE_X86_AVX512BW_NATIVE) && defined(SIMDE_X86_AVX512VL_NATIVE)
	return _mm256_maskz_loadu_epi16((__mmask16)((1u << r) - 1), p);
#else
	uint16_t t[16] = {0};
	memcpy(t, p, r * sizeof *p);
	return simde_mm256_loadu_si256((const void *)t);
#endif
}

/*
 * acc + vpdpbusd(u, s). gcc 12 compiles the intrinsic in a loop with a
 * register copy of the accumulator before and after every instruction
 * (two extra moves per vpdpbusd, measured 30-40% slower in dot8_i8), so
 * with native VNNI the instruction is written out; the constraint "+v"
 * ties the accumulator to the destination as the instruction does.
 */
static inline simde__m512i dpbusd(simde__m512i acc, simde__m512i u,
                                  simde__m512i s)
{
#if defined(SIMDE_X86_AVX512VNNI_NATIVE) && defined(__GNUC__)
	__asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u), "v"(s));
	return acc;
#else
	return dpbusd(acc, u, s);
#endif
}

/* STEP and TAIL from FOLD(k, va, vb), for 16 floats or 64 bytes. */
#define STEP(k, pa, pb)  FOLD(k, LD(pa), LD(pb))
#define TAIL(i, r)       FOLD(1, ldt(a + (i), r), ldt(b + (i), r))
#define STEPI(k, pa, pb) FOLD(k, LDI(pa), LDI(pb))
#define TAILI(i, r)      FOLD(1, ldti(a + (i), r), ldti(b + (i), r))

static float dot_f32(const float *a, const float *b, size_t n)
{
	simde__m512 s[4] = ZPS;
#define FOLD(k, x, y) s[k] = simde_mm512_fmadd_ps(x, y, s[k])
	KERN_BLOCKS(WF, STEP, TAIL);
#undef FOLD
	return hsum_ps(sum4_ps(s));
}

static float l2sq_f32(const float *a, const float *b, size_t n)
{
	simde__m512 s[4] = ZPS;
#define FOLD(k, x, y)                                                          \
	do {                                                                   \
		simde__m512 d_ = simde_mm512_sub_ps(x, y);                     \
		s[k] = simde_mm512_fmadd_ps(d_, d_, s[k]);                     \
	} while (0)
	KERN_BLOCKS(WF, STEP, TAIL);
#undef FOLD
	return hsum_ps(sum4_ps(s));
}

static float cos_f32(const float *a, const float *b, size_t n)
{
	simde__m512 d[4] = ZPS, na[4] = ZPS, nb[4] = ZPS;
#define FOLD(k, x, y)                                                          \
	do {                                                                   \
		simde__m512 x_ = x, y_ = y;                                    \
		d[k] = simde_mm512_fmadd_ps(x_, y_, d[k]);                     \
		na[k] = simde_mm512_fmadd_ps(x_, x_, na[k]);                   \
		nb[k] = simde_mm512_fmadd_ps(y_, y_, nb[k]);                   \
	} while (0)
	KERN_BLOCKS(WF, STEP, TAIL);
#undef FOLD
	return kern_cos_finish(hsum_ps(sum4_ps(d)), hsum_ps(sum4_ps(na)),
	                       hsum_ps(sum4_ps(nb)));
}

static int32_t dot_i8(const int8_t *a, const int8_t *b, size_t n)
{
	const simde__m512i flip = simde_mm512_set1_epi8((int8_t)0x80);
	const simde__m512i ones = simde_mm512_set1_epi8(1);
	simde__m512i z = simde_mm512_setzero_si512();
	simde__m512i s[4] = {z, z, z, z}, sb[4] = {z, z, z, z};
	/* a zero-filled tail byte of a becomes 128 after the flip, but its
	 * b byte is 0 too, so it adds nothing to either sum */
#define FOLD(k, x, y)                                                          \
	do {                                                                   \
		simde__m512i y_ = y;                                           \
		s[k] = dpbusd(s[k], simde_mm512_xor_si512(x, flip), y_);       \
		sb[k] = dpbusd(sb[k], ones, y_);                               \
	} while (0)
	KERN_BLOCKS(WB, STEPI, TAILI);
#undef FOLD
	/* sum a*b = sum (a+128)*b - 128 * sum b, lane-wise modulo 2^32 */
	simde__m512i t = simde_mm512_sub_epi32(
	    sum4_epi32(s), simde_mm512_slli_epi32(sum4_epi32(sb), 7));
	return (int32_t)hsum_epi32(t);
}

/* 16 halves to 16 floats. */
static inline simde__m512 cvt16(simde__m256i h)
{
#if defined(SIMDE_X86_AVX512F_NATIVE)
	return _mm512_cvtph_ps(h);
#else
	simde__m512 lo = simde_mm512_castps256_ps512(
	    simde_mm256_cvtph_ps(simde_mm256_castsi256_si128(h)));
	return simde_mm512_insertf32x8(
	    lo, simde_mm256_cvtph_ps(simde_mm256_extracti128_si256(h, 1)), 1);
#endif
}

static float dot_f16_f32(const uint16_t *a, const float *b, size_t n)
{
	simde__m512 s[4] = ZPS;
#define LDH(p) simde_mm256_loadu_si256((const void *)(p))
#define STEPH(k, pa, pb)                                                       \
	s[k] = simde_mm512_fmadd_ps(cvt16(LDH(pa)), LD(pb), s[k])
#define TAILH(i, r)                                                            \
	s[1] = simde_mm512_fmadd_ps(cvt16(ldth(a + (i), r)), ldt(b + (i), r),  \
	                            s[1])
	KERN_BLOCKS(WF, STEPH, TAILH);
#undef TAILH
#undef STEPH
#undef LDH
	return hsum_ps(sum4_ps(s));
}

static uint64_t hamming(const uint8_t *a, const uint8_t *b, size_t n)
{
	const simde__m512i lut = simde_mm512_broadcast_i32x4(
	    simde_mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4));
	const simde__m512i lo = simde_mm512_set1_epi8(0x0f);
	simde__m512i z = simde_mm512_setzero_si512();
	simde__m512i s[4] = {z, z, z, z};
	uint64_t tail = 0;
#define FOLD(k, x, y)                                                          \
	do {                                                                   \
		simde__m512i x_ = simde_mm512_xor_si512(x, y);                 \
		simde__m512i c_ = simde_mm512_add_epi8(                        \
		    simde_mm512_shuffle_epi8(lut,                              \
		                             simde_mm512_and_si512(x_, lo)),   \
		    simde_mm512_shuffle_epi8(                                  \
		        lut, simde_mm512_and_si512(                            \
		                 simde_mm512_srli_epi16(x_, 4), lo)));         \
		s[k] =                                                         \
		    simde_mm512_add_epi64(s[k], simde_mm512_sad_epu8(c_, z));  \
	} while (0)
	/* scalar tail: masked loads that miss the cache measured 2-3x slower
	 * than plain ones here, and short binary codes are all tail */
#define TAILP(i, r) tail = kern_tail_popcnt(a + (i), b + (i), r)
	KERN_BLOCKS(WB, STEPI, TAILP);
#undef TAILP
#undef FOLD
	simde__m512i t =
	    simde_mm512_add_epi64(simde_mm512_add_epi64(s[0], s[1]),
	                          simde_mm512_add_epi64(s[2], s[3]));
	uint64_t q[8];
	simde_mm512_storeu_si512((void *)q, t);
	return q[0] + q[1] + q[2] + q[3] + q[4] + q[5] + q[6] + q[7] + tail;
}

/*
 * One query against four vectors. Each 16-float chunk of the query is
 * loaded once for four FMAs, so a chunk costs five loads instead of eight
 * and the cap set by two loads per cycle rises from 50% to 80% of the FMA
 * peak. Two accumulators per vector (eight chains) cover the FMA latency.
 * The last partial chunk uses masked loads.
 */
/* 512 -> 128 bits by adding halves. */
static inline simde__m128 fold_ps(simde__m512 v)
{
	simde__m256 h = simde_mm256_add_ps(
	    simde_mm512_castps512_ps256(v),
	    simde_mm256_castpd_ps(
	        simde_mm512_extractf64x4_pd(simde_mm512_castps_pd(v), 1)));
	return simde_mm_add_ps(simde_mm256_castps256_ps128(h),
	                       simde_mm256_extractf128_ps(h, 1));
}

static inline simde__m128i fold_epi32(simde__m512i v)
{
	simde__m256i h = fold512(v);
	return simde_mm_add_epi32(simde_mm256_castsi256_si128(h),
	                          simde_mm256_extracti128_si256(h, 1));
}

/* The four horizontal sums of four vectors at once (two rounds of hadd
 * instead of four separate reductions). */
static inline void hsum4_ps(simde__m512 v0, simde__m512 v1, simde__m512 v2,
                            simde__m512 v3, float *out)
{
	simde__m128 s01 = simde_mm_hadd_ps(fold_ps(v0), fold_ps(v1));
	simde__m128 s23 = simde_mm_hadd_ps(fold_ps(v2), fold_ps(v3));
	simde_mm_storeu_ps(out, simde_mm_hadd_ps(s01, s23));
}

static inline void hsum4_epi32(simde__m512i v0, simde__m512i v1,
                               simde__m512i v2, simde__m512i v3, int32_t *out)
{
	simde__m128i s01 = simde_mm_hadd_epi32(fold_epi32(v0), fold_epi32(v1));
	simde__m128i s23 = simde_mm_hadd_epi32(fold_epi32(v2), fold_epi32(v3));
	simde_mm_storeu_si128((void *)out, simde_mm_hadd_epi32(s01, s23));
}

static void dot4_f32(const float *q, const float *const *x, size_t n,
                     float *out)
{
	const float *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
	/* named accumulators, not an array: gcc 12 keeps an array of
	 * vectors on the stack here and the loop runs at half speed */
	simde__m512 a0 = simde_mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0,
	            b0 = a0, b1 = a0, b2 = a0, b3 = a0;
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		simde__m512 q0 = LD(q + i), q1 = LD(q + i + 16);
		a0 = simde_mm512_fmadd_ps(q0, LD(x0 + i), a0);
		b0 = simde_mm512_fmadd_ps(q1, LD(x0 + i + 16), b0);
		a1 = simde_mm512_fmadd_ps(q0, LD(x1 + i), a1);
		b1 = simde_mm512_fmadd_ps(q1, LD(x1 + i + 16), b1);
		a2 = simde_mm512_fmadd_ps(q0, LD(x2 + i), a2);
		b2 = simde_mm512_fmadd_ps(q1, LD(x2 + i + 16), b2);
		a3 = simde_mm512_fmadd_ps(q0, LD(x3 + i), a3);
		b3 = simde_mm512_fmadd_ps(q1, LD(x3 + i + 16), b3);
	}
	for (; i < n; i += 16) {
		size_t r = n - i < 16 ? n - i : 16;
#define L(p) (r == 16 ? LD(p) : ldt(p, r))
		simde__m512 q0 = L(q + i);
		a0 = simde_mm512_fmadd_ps(q0, L(x0 + i), a0);
		a1 = simde_mm512_fmadd_ps(q0, L(x1 + i), a1);
		a2 = simde_mm512_fmadd_ps(q0, L(x2 + i), a2);
		a3 = simde_mm512_fmadd_ps(q0, L(x3 + i), a3);
#undef L
	}
	hsum4_ps(simde_mm512_add_ps(a0, b0), simde_mm512_add_ps(a1, b1),
	         simde_mm512_add_ps(a2, b2), simde_mm512_add_ps(a3, b3), out);
}

/*
 * Reductions of int32 accumulators, several vectors at once. Two in-lane
 * rounds first (unpack 32-bit, then 64-bit halves of two vectors and add:
 * cheap single-cycle shuffles, and each round pairs vectors so no lane is
 * wasted) leave, in 128-bit lane k of each result, partial sum k of four
 * vectors; cross-lane rounds then add the lanes. A first version started
 * with the cross-lane rounds (blend + vshufi64x2 / vpermt2q) and measured
 * ~6% slower per distance at dim 256.
 */
#define PAIR(a, b)                                                             \
	simde_mm512_add_epi32(simde_mm512_unpacklo_epi32(a, b),                \
	                      simde_mm512_unpackhi_epi32(a, b))
#define QUAD(a, b)                                                             \
	simde_mm512_add_epi32(simde_mm512_unpacklo_epi64(a, b),                \
	                      simde_mm512_unpackhi_epi64(a, b))
/* 128-bit lanes of a and b added in pairs: a's two sums in the low half,
 * b's in the high half (one blend, one shuffle, one add). */
#define HALVES(a, b)                                                           \
	simde_mm512_add_epi32(simde_mm512_mask_blend_epi64(0xf0, a, b),        \
	                      simde_mm512_shuffle_i64x2(a, b, 0x4e))

/* Eight accumulators to their eight sums, in order, as one 256-bit
 * vector: 24 instructions (against ~9 per sum for separate reductions). */
static inline simde__m256i hsum8_epi32(const simde__m512i v[8])
{
	simde__m512i q0 = QUAD(PAIR(v[0], v[1]), PAIR(v[2], v[3]));
	simde__m512i q1 = QUAD(PAIR(v[4], v[5]), PAIR(v[6], v[7]));
	/* 128-bit lanes 0, 1: vectors 0-3 (two partials); 2, 3: 4-7 */
	simde__m512i r = HALVES(q0, q1);
	r = simde_mm512_add_epi32(r, simde_mm512_shuffle_i64x2(r, r, 0xb1));
	/* 128-bit lanes 0 and 2: the sums of vectors 0-3 and 4-7 */
	return simde_mm512_castsi512_si256(
	    simde_mm512_shuffle_i64x2(r, r, 0x08));
}

/* Sixteen accumulators to their sixteen sums, in order, as one 512-bit
 * vector: 45 instructions, one store. */
static inline simde__m512i hsum16_epi32(const simde__m512i v[16])
{
	simde__m512i w0 = HALVES(QUAD(PAIR(v[0], v[1]), PAIR(v[2], v[3])),
	                         QUAD(PAIR(v[4], v[5]), PAIR(v[6], v[7])));
	simde__m512i w1 = HALVES(QUAD(PAIR(v[8], v[9]), PAIR(v[10], v[11])),
	                         QUAD(PAIR(v[12], v[13]), PAIR(v[14], v[15])));
	/* w0: 128-bit lanes 0, 1 hold halves of the sums of vectors 0-3, 2
	 * and 3 of 4-7; w1 the same for 8-11 and 12-15: add the halves */
	return simde_mm512_add_epi32(simde_mm512_shuffle_i64x2(w0, w1, 0x88),
	                             simde_mm512_shuffle_i64x2(w0, w1, 0xdd));
}
#undef HALVES
#undef QUAD
#undef PAIR

/* hsum8_epi32 (above) for floats: the same shuffles, float adds, no
 * correction. */
static inline simde__m256 hsum8_ps(const simde__m512 v[8])
{
	simde__m512i c[8];
	for (int k = 0; k < 8; k++)
		c[k] = simde_mm512_castps_si512(v[k]);
#define ADD(a, b)                                                              \
	simde_mm512_castps_si512(simde_mm512_add_ps(                           \
	    simde_mm512_castsi512_ps(a), simde_mm512_castsi512_ps(b)))
#define PAIR(a, b)                                                             \
	ADD(simde_mm512_unpacklo_epi32(a, b), simde_mm512_unpackhi_epi32(a, b))
#define QUAD(a, b)                                                             \
	ADD(simde_mm512_unpacklo_epi64(a, b), simde_mm512_unpackhi_epi64(a, b))
	simde__m512i q0 = QUAD(PAIR(c[0], c[1]), PAIR(c[2], c[3]));
	simde__m512i q1 = QUAD(PAIR(c[4], c[5]), PAIR(c[6], c[7]));
	simde__m512i r = ADD(simde_mm512_mask_blend_epi64(0xf0, q0, q1),
	                     simde_mm512_shuffle_i64x2(q0, q1, 0x4e));
	r = ADD(r, simde_mm512_shuffle_i64x2(r, r, 0xb1));
#undef QUAD
#undef PAIR
#undef ADD
	return simde_mm512_castps512_ps256(
	    simde_mm512_castsi512_ps(simde_mm512_shuffle_i64x2(r, r, 0x08)));
}

/*
 * One query against eight float vectors: eight FMA chains (one per
 * vector) cover the FMA latency x throughput; each 16-float query chunk
 * is loaded once for eight FMAs whose other operand comes straight from
 * memory — nine loads per eight FMAs, cap 89% of the FMA peak (dot4_f32:
 * five per four, 80%) — and one hsum8_ps gives the eight results.
 */
static void dot8_f32(const float *q, const float *const *x, size_t n,
                     float *out)
{
	const float *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3], *x4 = x[4],
	            *x5 = x[5], *x6 = x[6], *x7 = x[7];
	simde__m512 a0 = simde_mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0,
	            a4 = a0, a5 = a0, a6 = a0, a7 = a0;
#define CHUNK(L, i)                                                            \
	do {                                                                   \
		simde__m512 q0 = L(q + (i));                                   \
		a0 = simde_mm512_fmadd_ps(q0, L(x0 + (i)), a0);                \
		a1 = simde_mm512_fmadd_ps(q0, L(x1 + (i)), a1);                \
		a2 = simde_mm512_fmadd_ps(q0, L(x2 + (i)), a2);                \
		a3 = simde_mm512_fmadd_ps(q0, L(x3 + (i)), a3);                \
		a4 = simde_mm512_fmadd_ps(q0, L(x4 + (i)), a4);                \
		a5 = simde_mm512_fmadd_ps(q0, L(x5 + (i)), a5);                \
		a6 = simde_mm512_fmadd_ps(q0, L(x6 + (i)), a6);                \
		a7 = simde_mm512_fmadd_ps(q0, L(x7 + (i)), a7);                \
	} while (0)
	size_t i = 0;
	for (; i + 16 <= n; i += 16)
		CHUNK(LD, i);
	if (i < n) {
		size_t r = n - i;
#define LT(p) ldt(p, r)
		CHUNK(LT, i);
#undef LT
	}
#undef CHUNK
	simde__m512 v[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
	simde_mm256_storeu_ps(out, hsum8_ps(v));
}

/* Groups of eight, then as dot_i8_many (dot_i8_rest). */
static void dot_f32_rest(const float *q, const float *const *x, size_t m,
                         size_t n, float *out)
{
	if (m >= 4) {
		dot4_f32(q, x, n, out);
		x += 4;
		out += 4;
		m -= 4;
	}
	if (m >= 2) {
		const float *xs[4] = {x[0], x[1], x[m - 1], x[m - 1]};
		float t[4];
		dot4_f32(q, xs, n, t);
		memcpy(out, t, m * sizeof *t);
	} else if (m == 1) {
		out[0] = dot_f32(q, x[0], n);
	}
}

static void dot_f32_many(const float *q, const float *const *x, size_t m,
                         size_t n, float *out)
{
	size_t j = 0;
	for (; j + 8 <= m; j += 8)
		dot8_f32(q, x + j, n, out + j);
	if (j < m)
		dot_f32_rest(q, x + j, m - j, n, out + j);
}

/*
 * The one-to-many int8 kernels. The vectors are vpdpbusd's unsigned
 * operand (x + 128, by flipping the sign bit, see flip8()) and the query
 * the signed one, so sum (x+128)*q = sum x*q + 128 * sum q: the correction
 * is the same for every vector, one more vpdpbusd per query chunk (the
 * bytes 128 against it), kept lane by lane. All sums are modular 32-bit,
 * exact whenever the true result fits (n < 2^17), -128 included.
 * Masked-off tail bytes of x meet zero query bytes (masked loads too), so
 * they add nothing.
 *
 * Up to 256 bytes (at most four 64-byte chunks), dot_i8_reg: the query
 * chunks stay in registers for the whole call; the correction is computed
 * once per call (two short chains, not one: every accumulator waits for
 * it), negated, and every accumulator starts from it, so the reductions
 * give the dot products directly. Vectors go sixteen at a time (sixteen
 * independent vpdpbusd chains; one hsum16_epi32 and one 64-byte store per
 * group), as two halves of eight taken chunk by chunk with the eight
 * pointers in registers; then a group of eight, vector after vector; then
 * the last 1-7 as a group of eight with the last vector repeated.
 * Measured with bench_kernels (L1, dim 256, calls of 32): 1.31 ns per
 * distance for the previous kernel (groups of eight, query chunks
 * reloaded per group, the correction as a ninth chain per group
 * subtracted in the reduction), 1.07 ns for this one; within a group,
 * chunk by chunk over all sixteen vectors (their pointers reloaded from
 * memory) measured ~5% slower than the halves of eight, and vector after
 * vector ~3% slower.
 *
 * Longer vectors, dot8_i8: eight at a time, each query chunk loaded once
 * for eight vpdpbusd and a ninth for the correction (nine loads for 512
 * multiply-adds), one hsum8_epi32 per group. Sixteen at a time measured
 * ~9% faster at dim 384 but 5-11% slower at 768 and 1536 (the sixteen
 * pointers do not fit in registers).
 */

/* x + 128 for 64 int8s: the sign bit flipped with vxorps (AVX512DQ)
 * rather than vpxord: in a throughput probe on Zen 5 (load, flip,
 * vpdpbusd; twelve chains) the float-domain xor ran ~7% faster, as fast
 * as with no flip at all (vpternlogd: ~25% slower); in dot_i8_many ~2%
 * faster in calls of eight, no different in calls of 32. */
static inline simde__m512i flip8(simde__m512i v)
{
	const simde__m512 f =
	    simde_mm512_castsi512_ps(simde_mm512_set1_epi8((int8_t)0x80));
	return simde_mm512_castps_si512(
	    simde_mm512_xor_ps(simde_mm512_castsi512_ps(v), f));
}

/* acc + the products of query chunk qv and the vector chunk xv. */
#define FLIP_DP(acc, xv, qv) dpbusd(acc, flip8(xv), qv)

#if defined(__GNUC__)
#define KERN_INLINE   inline __attribute__((always_inline))
#define KERN_NOINLINE __attribute__((noinline))
#else
#define KERN_INLINE inline
#define KERN_NOINLINE
#endif

/*
 * dot_i8_reg's helpers, for nch = ceil(n / 64) <= 4 chunks, the last one
 * partial (r bytes) when tail; nch and tail are constants once inlined,
 * so every test on them is resolved at compile time.
 *
 * CH: chunk k of the vector at p (the query's too).
 * VEC: acc = z + the products of the vector at p and the query chunks
 * q0..q3, chunk after chunk.
 * EIGHT: the same for the eight vectors y[0..7] into a0..a7, chunk by
 * chunk: eight independent vpdpbusd in a row, eight pointers held in
 * registers.
 */
#define CH(p, k)                                                               \
	((k) + 1 < nch || !tail ? LDI((p) + 64 * (k)) : ldti((p) + 64 * (k), r))
#define VEC(acc, p)                                                            \
	do {                                                                   \
		const int8_t *p_ = (p);                                        \
		acc = FLIP_DP(z, CH(p_, 0), q0);                               \
		if (nch > 1)                                                   \
			acc = FLIP_DP(acc, CH(p_, 1), q1);                     \
		if (nch > 2)                                                   \
			acc = FLIP_DP(acc, CH(p_, 2), q2);                     \
		if (nch > 3)                                                   \
			acc = FLIP_DP(acc, CH(p_, 3), q3);                     \
	} while (0)
#define EIGHT_CH(k, qk)                                                        \
	do {                                                                   \
		a0 = FLIP_DP(k ? a0 : z, CH(p0, k), qk);                       \
		a1 = FLIP_DP(k ? a1 : z, CH(p1, k), qk);                       \
		a2 = FLIP_DP(k ? a2 : z, CH(p2, k), qk);                       \
		a3 = FLIP_DP(k ? a3 : z, CH(p3, k), qk);                       \
		a4 = FLIP_DP(k ? a4 : z, CH(p4, k), qk);                       \
		a5 = FLIP_DP(k ? a5 : z, CH(p5, k), qk);                       \
		a6 = FLIP_DP(k ? a6 : z, CH(p6, k), qk);                       \
		a7 = FLIP_DP(k ? a7 : z, CH(p7, k), qk);                       \
	} while (0)
#define EIGHT(y)                                                               \
	do {                                                                   \
		const int8_t *p0 = (y)[0], *p1 = (y)[1], *p2 = (y)[2],         \
		             *p3 = (y)[3], *p4 = (y)[4], *p5 = (y)[5],         \
		             *p6 = (y)[6], *p7 = (y)[7];                       \
		EIGHT_CH(0, q0);                                               \
		if (nch > 1)                                                   \
			EIGHT_CH(1, q1);                                       \
		if (nch > 2)                                                   \
			EIGHT_CH(2, q2);                                       \
		if (nch > 3)                                                   \
			EIGHT_CH(3, q3);                                       \
	} while (0)

/* dot_i8_many for n <= 256 (see the helpers above). */
static KERN_INLINE void dot_i8_reg(const int8_t *q, const int8_t *const *x,
                                   size_t m, size_t n, int32_t *out,
                                   const size_t nch, const int tail,
                                   const int big)
{
	const size_t r = n - 64 * (nch - 1); /* bytes in the last chunk */
	const simde__m512i flip = simde_mm512_set1_epi8((int8_t)0x80);
	/* the correction's terms side by side, not one chain: every
	 * accumulator waits for z */
	simde__m512i z = simde_mm512_setzero_si512(), q0 = CH(q, 0), q1 = z,
	             q2 = z, q3 = z, c0 = dpbusd(z, flip, q0), c1 = z;
	if (nch > 1)
		q1 = CH(q, 1), c1 = dpbusd(z, flip, q1);
	if (nch > 2)
		q2 = CH(q, 2), c0 = dpbusd(c0, flip, q2);
	if (nch > 3)
		q3 = CH(q, 3), c1 = dpbusd(c1, flip, q3);
	z = simde_mm512_sub_epi32(simde_mm512_sub_epi32(z, c0), c1);
	size_t j = 0;
	for (; big && j + 16 <= m; j += 16) {
		/* named accumulators: gcc 12 keeps an array of vectors
		 * written in a loop on the stack */
		simde__m512i a0, a1, a2, a3, a4, a5, a6, a7;
		EIGHT(x + j);
		simde__m512i v[16] = {a0, a1, a2, a3, a4, a5, a6, a7};
		EIGHT(x + j + 8);
		v[8] = a0, v[9] = a1, v[10] = a2, v[11] = a3;
		v[12] = a4, v[13] = a5, v[14] = a6, v[15] = a7;
		simde_mm512_storeu_si512((void *)(out + j), hsum16_epi32(v));
	}
	/* eight vectors from y[0..7], their sums to dst (int32_t[8]);
	 * vector after vector here (no pointers to keep) */
#define GROUP8(y, dst)                                                         \
	do {                                                                   \
		simde__m512i a0, a1, a2, a3, a4, a5, a6, a7;                   \
		VEC(a0, (y)[0]);                                               \
		VEC(a1, (y)[1]);                                               \
		VEC(a2, (y)[2]);                                               \
		VEC(a3, (y)[3]);                                               \
		VEC(a4, (y)[4]);                                               \
		VEC(a5, (y)[5]);                                               \
		VEC(a6, (y)[6]);                                               \
		VEC(a7, (y)[7]);                                               \
		simde__m512i v[8] = {a0, a1, a2, a3, a4, a5, a6, a7};          \
		simde_mm256_storeu_si256((void *)(dst), hsum8_epi32(v));       \
	} while (0)
	if (j + 8 <= m) {
		GROUP8(x + j, out + j);
		j += 8;
	}
	if (j < m) { /* the last 1-7: a group of eight, the last repeated */
		const int8_t *ys[8];
		int32_t t[8];
		for (size_t k = 0; k < 8; k++)
			ys[k] = x[j + k < m ? j + k : m - 1];
		GROUP8(ys, t);
		memcpy(out + j, t, (m - j) * sizeof *t);
	}
#undef GROUP8
}
#undef EIGHT
#undef EIGHT_CH
#undef VEC
#undef CH

/*
 * Eight vectors, each query chunk loaded once for eight vpdpbusd, and a
 * ninth, c, for the correction, subtracted before the reduction. (With
 * the correction computed before the loop as the accumulators' start, as
 * in dot_i8_reg, its chain of n / 64 dependent vpdpbusd delays every
 * accumulator: measured 40% slower at dim 1536 in calls of eight.)
 */
static void dot8_i8(const int8_t *q, const int8_t *const *x, size_t n,
                    int32_t *out)
{
	const int8_t *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3], *x4 = x[4],
	             *x5 = x[5], *x6 = x[6], *x7 = x[7];
	const simde__m512i flip = simde_mm512_set1_epi8((int8_t)0x80);
	simde__m512i a0 = simde_mm512_setzero_si512(), a1 = a0, a2 = a0,
	             a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, c = a0;
#define CHUNK(L, i)                                                            \
	do {                                                                   \
		simde__m512i q0 = L(q + (i));                                  \
		c = dpbusd(c, flip, q0);                                       \
		a0 = FLIP_DP(a0, L(x0 + (i)), q0);                             \
		a1 = FLIP_DP(a1, L(x1 + (i)), q0);                             \
		a2 = FLIP_DP(a2, L(x2 + (i)), q0);                             \
		a3 = FLIP_DP(a3, L(x3 + (i)), q0);                             \
		a4 = FLIP_DP(a4, L(x4 + (i)), q0);                             \
		a5 = FLIP_DP(a5, L(x5 + (i)), q0);                             \
		a6 = FLIP_DP(a6, L(x6 + (i)), q0);                             \
		a7 = FLIP_DP(a7, L(x7 + (i)), q0);                             \
	} while (0)
	size_t i = 0;
	for (; i + 64 <= n; i += 64)
		CHUNK(LDI, i);
	if (i < n) {
		size_t r = n - i;
#define LT(p) ldti(p, r)
		CHUNK(LT, i);
#undef LT
	}
#undef CHUNK
#define S(a) simde_mm512_sub_epi32(a, c)
	simde__m512i v[8] = {S(a0), S(a1), S(a2), S(a3),
	                     S(a4), S(a5), S(a6), S(a7)};
#undef S
	simde_mm256_storeu_si256((void *)out, hsum8_epi32(v));
}

/* The same for four vectors (a group of four, or a remainder of two or
 * three with a vector repeated). */
static void dot4_i8(const int8_t *q, const int8_t *const *x, size_t n,
                    int32_t *out)
{
	const int8_t *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
	const simde__m512i flip = simde_mm512_set1_epi8((int8_t)0x80);
	simde__m512i a0 = simde_mm512_setzero_si512(), a1 = a0, a2 = a0,
	             a3 = a0, c = a0;
#define CHUNK(L, i)                                                            \
	do {                                                                   \
		simde__m512i q0 = L(q + (i));                                  \
		c = dpbusd(c, flip, q0);                                       \
		a0 = FLIP_DP(a0, L(x0 + (i)), q0);                             \
		a1 = FLIP_DP(a1, L(x1 + (i)), q0);                             \
		a2 = FLIP_DP(a2, L(x2 + (i)), q0);                             \
		a3 = FLIP_DP(a3, L(x3 + (i)), q0);                             \
	} while (0)
	size_t i = 0;
	for (; i + 64 <= n; i += 64)
		CHUNK(LDI, i);
	if (i < n) {
		size_t r = n - i;
#define LT(p) ldti(p, r)
		CHUNK(LT, i);
#undef LT
	}
#undef CHUNK
	hsum4_epi32(simde_mm512_sub_epi32(a0, c), simde_mm512_sub_epi32(a1, c),
	            simde_mm512_sub_epi32(a2, c), simde_mm512_sub_epi32(a3, c),
	            out);
}
#undef FLIP_DP

/* The last m < 8 vectors of dot_i8_long: a group of four, then two or
 * three as a group of four with the last vector repeated (cheaper than
 * pairwise calls), a single one pairwise. */
static void dot_i8_rest(const int8_t *q, const int8_t *const *x, size_t m,
                        size_t n, int32_t *out)
{
	if (m >= 4) {
		dot4_i8(q, x, n, out);
		x += 4;
		out += 4;
		m -= 4;
	}
	if (m >= 2) {
		const int8_t *xs[4] = {x[0], x[1], x[m - 1], x[m - 1]};
		int32_t t[4];
		dot4_i8(q, xs, n, t);
		memcpy(out, t, m * sizeof *t);
	} else if (m == 1) {
		out[0] = dot_i8(q, x[0], n);
	}
}

/* dot_i8_many for n > 256. Out of line, so that dot_i8_many (the short
 * path's tail call) needs no stack frame. */
static KERN_NOINLINE void dot_i8_long(const int8_t *q, const int8_t *const *x,
                                      size_t m, size_t n, int32_t *out)
{
	size_t j = 0;
	for (; j + 8 <= m; j += 8)
		dot8_i8(q, x + j, n, out + j);
	if (j < m)
		dot_i8_rest(q, x + j, m - j, n, out + j);
}

/*
 * One instantiation of dot_i8_reg per chunk count, tail, and whether
 * there are groups of sixteen: those hold eight pointers in callee-saved
 * registers, whose saving and restoring would otherwise cost every call
 * of fewer than sixteen vectors too (measured 5-10% in calls of eight).
 * Sixteen functions: this file's code grew from ~7 to ~40 KB, of which
 * only the one or two for the database's dimension are ever hot.
 */
#define REG(nch, tail, big)                                                    \
	static void dot_i8_reg##nch##tail##big(                                \
	    const int8_t *q, const int8_t *const *x, size_t m, size_t n,       \
	    int32_t *out)                                                      \
	{                                                                      \
		dot_i8_reg(q, x, m, n, out, nch, tail, big);                   \
	}
#define REG2(nch, tail) REG(nch, tail, 0) REG(nch, tail, 1)
REG2(1, 0)
REG2(1, 1)
REG2(2, 0)
REG2(2, 1)
REG2(3, 0)
REG2(3, 1)
REG2(4, 0)
REG2(4, 1)
#undef REG2
#undef REG

static void dot_i8_many(const int8_t *q, const int8_t *const *x, size_t m,
                        size_t n, int32_t *out)
{
	typedef void many_fn(const int8_t *, const int8_t *const *, size_t,
	                     size_t, int32_t *);
	static many_fn *const reg[16] = {
	    dot_i8_reg100, dot_i8_reg101, dot_i8_reg110, dot_i8_reg111,
	    dot_i8_reg200, dot_i8_reg201, dot_i8_reg210, dot_i8_reg211,
	    dot_i8_reg300, dot_i8_reg301, dot_i8_reg310, dot_i8_reg311,
	    dot_i8_reg400, dot_i8_reg401, dot_i8_reg410, dot_i8_reg411};
	if (m == 0)
		return;
	if (n == 0 || n > 256)
		dot_i8_long(q, x, m, n, out);
	else
		reg[4 * ((n - 1) / 64) + 2 * (n % 64 != 0) + (m >= 16)](q, x, m,
		                                                        n, out);
}

const kern_ops kern_avx512_ops = {
    .name = "avx512",
    .dot_f32 = dot_f32,
    .l2sq_f32 = l2sq_f32,
    .cos_f32 = cos_f32,
    .dot_i8 = dot_i8,
    .dot_f16_f32 = dot_f16_f32,
    .hamming = hamming,
    .dot_f32_many = dot_f32_many,
    .dot_i8_many = dot_i8_many,
};
