/*
 * avx512.c — the AVX-512 variant (F, BW, VL, VNNI; 512-bit vectors).
 *
 * Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vnni (and the
 * AVX2/FMA/F16C flags they build on) on this file only; the dispatcher
 * selects it only when CPUID and the OS (XCR0 ZMM state) allow all of them.
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
 * - dot_f32_many, dot_i8_many: one query against four (f32) or eight
 *   (int8) vectors at a time, the query loaded once per chunk for all of
 *   them, one combined horizontal sum per group (see dot4_f32, dot8_i8).
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
 * Eight 16-lane int32 accumulators to their eight horizontal sums, in
 * order, as one 256-bit vector. Two rounds pair vectors and add halves
 * (512 -> 256 -> 128 bits per vector; a blend plus one cross-lane shuffle
 * per add, so no lane is wasted), one in-lane round (unpack), then one
 * permutation and a last add: 8 adds, 13 shuffles and blends for eight
 * sums, against ~9 instructions per sum for separate reductions.
 */
static inline simde__m256i hsum8_epi32(const simde__m512i v[8])
{
	static const int64_t mid[8] = {2, 3, 8, 9, 6, 7, 12, 13};
	static const int32_t perm[16] = {0, 8,  4, 12, 1, 9,  5, 13,
	                                 2, 10, 6, 14, 3, 11, 7, 15};
	const simde__m512i ix = LDI(mid);
	/* [a.lo256 + a.hi256 | b.hi256 + b.lo256] */
#define H256(a, b)                                                             \
	simde_mm512_add_epi32(simde_mm512_mask_blend_epi64(0xf0, a, b),        \
	                      simde_mm512_shuffle_i64x2(a, b, 0x4e))
	/* from [a.0 a.1 b.0 b.1] and [c.0 c.1 d.0 d.1] (128-bit lanes),
	 * [a.0+a.1, c.0+c.1, b.0+b.1, d.0+d.1] */
#define H128(a, b)                                                             \
	simde_mm512_add_epi32(simde_mm512_mask_blend_epi64(0xcc, a, b),        \
	                      simde_mm512_permutex2var_epi64(a, ix, b))
	/* 128-bit lane k of u holds four partial sums of vector
	 * {0, 2, 1, 3}[k], of w those of vector {4, 6, 5, 7}[k] */
	simde__m512i u = H128(H256(v[0], v[1]), H256(v[2], v[3]));
	simde__m512i w = H128(H256(v[4], v[5]), H256(v[6], v[7]));
#undef H128
#undef H256
	/* lane k: [u.0+u.2, w.0+w.2, u.1+u.3, w.1+w.3] */
	simde__m512i s = simde_mm512_add_epi32(
	    simde_mm512_unpacklo_epi32(u, w), simde_mm512_unpackhi_epi32(u, w));
	/* the first halves in vector order in the low 256 bits, the second
	 * halves in the high 256 */
	s = simde_mm512_permutexvar_epi32(LDI(perm), s);
	return fold512(s);
}

/* hsum8_epi32 for floats: the same shuffles, float adds. */
static inline simde__m256 hsum8_ps(const simde__m512 v[8])
{
	simde__m512i c[8];
	for (int k = 0; k < 8; k++)
		c[k] = simde_mm512_castps_si512(v[k]);
	static const int64_t mid[8] = {2, 3, 8, 9, 6, 7, 12, 13};
	static const int32_t perm[16] = {0, 8,  4, 12, 1, 9,  5, 13,
	                                 2, 10, 6, 14, 3, 11, 7, 15};
	const simde__m512i ix = LDI(mid);
#define ADD(a, b)                                                              \
	simde_mm512_castps_si512(simde_mm512_add_ps(                           \
	    simde_mm512_castsi512_ps(a), simde_mm512_castsi512_ps(b)))
#define H256(a, b)                                                             \
	ADD(simde_mm512_mask_blend_epi64(0xf0, a, b),                          \
	    simde_mm512_shuffle_i64x2(a, b, 0x4e))
#define H128(a, b)                                                             \
	ADD(simde_mm512_mask_blend_epi64(0xcc, a, b),                          \
	    simde_mm512_permutex2var_epi64(a, ix, b))
	simde__m512i u = H128(H256(c[0], c[1]), H256(c[2], c[3]));
	simde__m512i w = H128(H256(c[4], c[5]), H256(c[6], c[7]));
	simde__m512i s = ADD(simde_mm512_unpacklo_epi32(u, w),
	                     simde_mm512_unpackhi_epi32(u, w));
#undef H128
#undef H256
#undef ADD
	simde__m512 t = simde_mm512_castsi512_ps(
	    simde_mm512_permutexvar_epi32(LDI(perm), s));
	return simde_mm256_add_ps(
	    simde_mm512_castps512_ps256(t),
	    simde_mm256_castpd_ps(
	        simde_mm512_extractf64x4_pd(simde_mm512_castps_pd(t), 1)));
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
 * operand (x + 128, by flipping the sign bit: one xor, folded with the
 * load) and the query the signed one, so sum (x+128)*q = sum x*q +
 * 128 * sum q, and the correction is the same for every vector: one more
 * vpdpbusd per 64-byte chunk (the bytes 128 against the query chunk
 * already in a register) accumulates it lane by lane, and it is
 * subtracted lane-wise from every accumulator before the reduction.
 * Computing it in a separate pass before the loop (as the first version
 * did) measured ~0.5-1 cycle per distance slower at dim 256: its
 * vpdpbusd chain and horizontal sum sat on the critical path of every
 * call. All sums are modular 32-bit, exact whenever the true result fits
 * (n < 2^17), -128 included. Masked-off tail bytes of x become 128 after
 * the flip but meet zero query bytes, which also add nothing to the
 * correction.
 *
 * dot8_i8: one accumulator per vector (eight independent vpdpbusd chains,
 * plus the correction's, cover its latency x throughput); a query chunk is
 * loaded once for eight vectors — nine loads for 512 multiply-adds, cap
 * 89% of the VNNI peak by the two 512-bit loads per cycle — and the eight
 * results share one hsum8_epi32.
 */
#define FLIP_DP(acc, xv, qv)                                                   \
	acc = dpbusd(acc, simde_mm512_xor_si512(xv, flip), qv)

static void dot8_i8(const int8_t *q, const int8_t *const *x, size_t n,
                    int32_t *out)
{
	const int8_t *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3], *x4 = x[4],
	             *x5 = x[5], *x6 = x[6], *x7 = x[7];
	const simde__m512i flip = simde_mm512_set1_epi8((int8_t)0x80);
	/* named accumulators, as in dot4_f32 */
	simde__m512i a0 = simde_mm512_setzero_si512(), a1 = a0, a2 = a0,
	             a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, c = a0;
#define CHUNK(L, i)                                                            \
	do {                                                                   \
		simde__m512i q0 = L(q + (i));                                  \
		c = dpbusd(c, flip, q0);                                       \
		FLIP_DP(a0, L(x0 + (i)), q0);                                  \
		FLIP_DP(a1, L(x1 + (i)), q0);                                  \
		FLIP_DP(a2, L(x2 + (i)), q0);                                  \
		FLIP_DP(a3, L(x3 + (i)), q0);                                  \
		FLIP_DP(a4, L(x4 + (i)), q0);                                  \
		FLIP_DP(a5, L(x5 + (i)), q0);                                  \
		FLIP_DP(a6, L(x6 + (i)), q0);                                  \
		FLIP_DP(a7, L(x7 + (i)), q0);                                  \
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
 * three with a vector repeated); cap 80% of the peak by the loads. */
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
		FLIP_DP(a0, L(x0 + (i)), q0);                                  \
		FLIP_DP(a1, L(x1 + (i)), q0);                                  \
		FLIP_DP(a2, L(x2 + (i)), q0);                                  \
		FLIP_DP(a3, L(x3 + (i)), q0);                                  \
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

/* The last m < 8 vectors: a group of four, then two or three as a group
 * of four with the last vector repeated (cheaper than pairwise calls), a
 * single one pairwise. Out of line so the groups-of-eight path needs no
 * stack frame. */
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

static void dot_i8_many(const int8_t *q, const int8_t *const *x, size_t m,
                        size_t n, int32_t *out)
{
	size_t j = 0;
	for (; j + 8 <= m; j += 8)
		dot8_i8(q, x + j, n, out + j);
	if (j < m)
		dot_i8_rest(q, x + j, m - j, n, out + j);
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
