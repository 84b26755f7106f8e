/*
 * sse42.c — the SSE4.2 variant (128-bit vectors, no FMA, no F16C), for
 * x86-64 CPUs older than AVX2 and for virtual machines that hide AVX.
 *
 * Compiled with -msse4.2 -mpopcnt on this file only.
 *
 * - f32 kernels: 4 lanes, four multiply+add accumulators (KERN_BLOCKS).
 * - int8 dot: 8 bytes sign-extended to 16 bits (pmovsxbw) and multiplied
 *   pairwise into 32 bits (pmaddwd): exact for every int8, -128 included.
 * - f16: there is no conversion instruction before F16C, so halves are
 *   converted with integer ops: shift the exponent and mantissa into float
 *   position and multiply by 2^112, which rebiases the exponent and, for
 *   subnormal halves, normalizes them exactly (the product of a float
 *   subnormal and a power of two that lands in the normal range is exact);
 *   Inf/NaN get an all-ones exponent and keep their payload. That is the
 *   same value kern_f16_to_f32() gives, for every one of the 65536 inputs.
 * - hamming: POPCNT on 64-bit words (every SSE4.2 CPU has POPCNT; the
 *   dispatcher checks both bits anyway).
 * - tails: built in registers for floats, scalar loops for int8 and
 *   hamming, a zero-padded step for f16.
 */
#include "kernels/variants.h"

#include <simde/x86/sse4.2.h>

#define WF 4 /* floats per vector */

static inline float hsum_ps(simde__m128 s)
{
	s = simde_mm_add_ps(s, simde_mm_movehl_ps(s, s));
	s = simde_mm_add_ss(s, simde_mm_shuffle_ps(s, s, 1));
	return simde_mm_cvtss_f32(s);
}

static inline simde__m128 sum4_ps(const simde__m128 *s)
{
	return simde_mm_add_ps(simde_mm_add_ps(s[0], s[1]),
	                       simde_mm_add_ps(s[2], s[3]));
}

#define LD(p)           simde_mm_loadu_ps(p)
#define MADD(x, y, acc) simde_mm_add_ps(acc, simde_mm_mul_ps(x, y))
#define ZPS                                                                    \
	{                                                                      \
		simde_mm_setzero_ps(), simde_mm_setzero_ps(),                  \
		    simde_mm_setzero_ps(), simde_mm_setzero_ps()               \
	}

/* The first r < 4 floats at p, zeros after, without touching p[r..]. */
static inline simde__m128 ldt(const float *p, size_t r)
{
	return simde_mm_setr_ps(p[0], r > 1 ? p[1] : 0.0f, r > 2 ? p[2] : 0.0f,
	                        0.0f);
}

/* STEP and TAIL of the f32 kernels, from FOLD(k, va, vb). */
#define STEP(k, pa, pb) FOLD(k, LD(pa), LD(pb))
#define TAIL(i, r)      FOLD(1, ldt(a + (i), r), ldt(b + (i), r))

static float dot_f32(const float *a, const float *b, size_t n)
{
	simde__m128 s[4] = ZPS;
#define FOLD(k, x, y) s[k] = MADD(x, y, s[k])
	KERN_BLOCKS(WF, STEP, TAIL);
#undef FOLD
	return hsum_ps(sum4_ps(s));
}

static float l2sq_f32(const float *a, const float *b, size_t n)
{
	simde__m128 s[4] = ZPS;
#define FOLD(k, x, y)                                                          \
	do {                                                                   \
		simde__m128 d_ = simde_mm_sub_ps(x, y);                        \
		s[k] = MADD(d_, d_, s[k]);                                     \
	} while (0)
	KERN_BLOCKS(WF, STEP, TAIL);
#undef FOLD
	return hsum_ps(sum4_ps(s));
}

static float cos_f32(const float *a, const float *b, size_t n)
{
	simde__m128 d[4] = ZPS, na[4] = ZPS, nb[4] = ZPS;
#define FOLD(k, x, y)                                                          \
	do {                                                                   \
		simde__m128 x_ = x, y_ = y;                                    \
		d[k] = MADD(x_, y_, d[k]);                                     \
		na[k] = MADD(x_, x_, na[k]);                                   \
		nb[k] = MADD(y_, y_, nb[k]);                                   \
	} while (0)
	KERN_BLOCKS(WF, STEP, TAIL);
#undef FOLD
#undef STEP
#undef TAIL
	return kern_cos_finish(hsum_ps(sum4_ps(d)), hsum_ps(sum4_ps(na)),
	                       hsum_ps(sum4_ps(nb)));
}

static int32_t dot_i8(const int8_t *a, const int8_t *b, size_t n)
{
	simde__m128i z = simde_mm_setzero_si128();
	simde__m128i s[4] = {z, z, z, z};
	int32_t tail = 0;
#define W16(p) simde_mm_cvtepi8_epi16(simde_mm_loadl_epi64((const void *)(p)))
#define STEP(k, pa, pb)                                                        \
	s[k] = simde_mm_add_epi32(s[k], simde_mm_madd_epi16(W16(pa), W16(pb)))
#define TAIL(i, r) tail = kern_tail_i8(a + (i), b + (i), r)
	KERN_BLOCKS(8, STEP, TAIL);
#undef TAIL
#undef STEP
#undef W16
	simde__m128i t = simde_mm_add_epi32(simde_mm_add_epi32(s[0], s[1]),
	                                    simde_mm_add_epi32(s[2], s[3]));
	t = simde_mm_add_epi32(t, simde_mm_shuffle_epi32(t, 0x4e));
	t = simde_mm_add_epi32(t, simde_mm_shuffle_epi32(t, 0xb1));
	return (int32_t)((uint32_t)simde_mm_cvtsi128_si32(t) + (uint32_t)tail);
}

/* 4 halves at p to 4 floats, bit-exact with kern_f16_to_f32(). */
static inline simde__m128 cvt4(const uint16_t *p)
{
	simde__m128i h =
	    simde_mm_cvtepu16_epi32(simde_mm_loadl_epi64((const void *)p));
	simde__m128i em = simde_mm_and_si128(h, simde_mm_set1_epi32(0x7fff));
	simde__m128i sign = simde_mm_slli_epi32(simde_mm_xor_si128(h, em), 16);
	simde__m128 scaled = simde_mm_mul_ps(
	    simde_mm_castsi128_ps(simde_mm_slli_epi32(em, 13)),
	    simde_mm_castsi128_ps(simde_mm_set1_epi32((254 - 15) << 23)));
	simde__m128i infnan = simde_mm_and_si128(
	    simde_mm_cmpgt_epi32(em, simde_mm_set1_epi32(0x7bff)),
	    simde_mm_set1_epi32(255 << 23));
	return simde_mm_or_ps(
	    scaled, simde_mm_castsi128_ps(simde_mm_or_si128(sign, infnan)));
}

static float dot_f16_f32(const uint16_t *a, const float *b, size_t n)
{
	simde__m128 s[4] = ZPS;
#define STEP(k, pa, pb) s[k] = MADD(cvt4(pa), LD(pb), s[k])
#define TAIL(i, r)      KERN_PAD_TAIL(STEP, i, r)
	KERN_BLOCKS(WF, STEP, TAIL);
#undef TAIL
#undef STEP
	return hsum_ps(sum4_ps(s));
}

static inline uint64_t pop8(const uint8_t *a, const uint8_t *b)
{
	uint64_t x, y;
	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	return (uint64_t)__builtin_popcountll(x ^ y);
}

static uint64_t hamming(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t s[4] = {0, 0, 0, 0};
	uint64_t tail = 0;
#define STEP(k, pa, pb) s[k] += pop8(pa, pb)
#define TAIL(i, r)      tail = kern_tail_popcnt(a + (i), b + (i), r)
	KERN_BLOCKS(8, STEP, TAIL);
#undef TAIL
#undef STEP
	return s[0] + s[1] + s[2] + s[3] + tail;
}

KERN_MANY_BY_PAIRS(dot_f32, dot_i8)

const kern_ops kern_sse42_ops = {
    .name = "sse42",
    .dot_f32 = dot_f32,
    .l2sq_f32 = l2sq_f32,
    .cos_f32 = cos_f32,
    .dot_i8 = dot_i8,
    .dot_f16_f32 = dot_f16_f32,
    .hamming = hamming,
    .dot_f32_many = dot_f32_many,
    .dot_i8_many = dot_i8_many,
};
