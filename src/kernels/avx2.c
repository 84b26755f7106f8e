/*
 * avx2.c — the AVX2 + FMA + F16C variant (256-bit vectors).
 *
 * Compiled with -mavx2 -mfma -mf16c -mpopcnt (CMake sets the flags on this file
 * only), so SIMDe maps every simde_ call to the native instruction; the
 * dispatcher selects this table only when CPUID reports all four.
 *
 * - f32 kernels: 8 lanes, four FMA accumulators (see KERN_BLOCKS), one
 *   horizontal add at the end.
 * - int8 dot: each 16-byte chunk is sign-extended to 16 bits (vpmovsxbw)
 *   and multiplied pairwise into 32 bits (vpmaddwd). Products are at most
 *   128*128 and a pair at most 32768, so nothing saturates and the result
 *   is exact for every int8 input, -128 included. Rejected: the
 *   abs/sign + vpmaddubsw trick — it saturates at 2*128*128 > INT16_MAX
 *   and sign(-128) overflows, so it is wrong for -128.
 * - f16: vcvtph2ps (F16C) converts 8 halves exactly, then FMA.
 * - hamming: the nibble-lookup popcount (vpshufb on both nibbles of the
 *   XOR) summed per 8 bytes with vpsadbw into 64-bit lanes.
 * - tails: vmaskmovps for floats, scalar loops for int8 and hamming (at
 *   most 15 / 31 bytes), a zero-padded step for f16.
 */
#include "kernels/variants.h"

#include <simde/x86/avx2.h>
#include <simde/x86/fma.h>
#include <simde/x86/f16c.h>

#define WF 8  /* floats per vector */
#define WB 32 /* bytes per vector */

static inline float hsum_ps(simde__m256 v)
{
	simde__m128 s = simde_mm_add_ps(simde_mm256_castps256_ps128(v),
	                                simde_mm256_extractf128_ps(v, 1));
	s = simde_mm_add_ps(s, simde_mm_movehl_ps(s, s));
	s = simde_mm_add_ss(s, simde_mm_shuffle_ps(s, s, 1));
	return simde_mm_cvtss_f32(s);
}

static inline uint32_t hsum_epi32(simde__m256i v)
{
	simde__m128i s =
	    simde_mm_add_epi32(simde_mm256_castsi256_si128(v),
	                       simde_mm256_extracti128_si256(v, 1));
	s = simde_mm_add_epi32(s, simde_mm_shuffle_epi32(s, 0x4e));
	s = simde_mm_add_epi32(s, simde_mm_shuffle_epi32(s, 0xb1));
	return (uint32_t)simde_mm_cvtsi128_si32(s);
}

static inline simde__m256 sum4_ps(const simde__m256 *s)
{
	return simde_mm256_add_ps(simde_mm256_add_ps(s[0], s[1]),
	                          simde_mm256_add_ps(s[2], s[3]));
}

#define LD(p) simde_mm256_loadu_ps(p)

/* The first r < 8 floats at p, zeros after, via vmaskmovps (masked-off
 * lanes are not read, so nothing past the buffer is touched). */
static inline simde__m256 ldt(const float *p, size_t r)
{
	static const int32_t win[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
	                                0,  0,  0,  0,  0,  0,  0,  0};
	return simde_mm256_maskload_ps(
	    p, simde_mm256_loadu_si256((const void *)(win + 8 - r)));
}

/* STEP and TAIL of the f32 kernels, from FOLD(k, va, vb). */
#define STEP(k, pa, pb) FOLD(k, LD(pa), LD(pb))
#define TAIL(i, r)      FOLD(1, ldt(a + (i), r), ldt(b + (i), r))

static float dot_f32(const float *a, const float *b, size_t n)
{
	simde__m256 s[4] = {simde_mm256_setzero_ps(), simde_mm256_setzero_ps(),
	                    simde_mm256_setzero_ps(), simde_mm256_setzero_ps()};
#define FOLD(k, x, y) s[k] = simde_mm256_fmadd_ps(x, y, s[k])
	KERN_BLOCKS(WF, STEP, TAIL);
#undef FOLD
	return hsum_ps(sum4_ps(s));
}

static float l2sq_f32(const float *a, const float *b, size_t n)
{
	simde__m256 s[4] = {simde_mm256_setzero_ps(), simde_mm256_setzero_ps(),
	                    simde_mm256_setzero_ps(), simde_mm256_setzero_ps()};
#define FOLD(k, x, y)                                                          \
	do {                                                                   \
		simde__m256 d_ = simde_mm256_sub_ps(x, y);                     \
		s[k] = simde_mm256_fmadd_ps(d_, d_, s[k]);                     \
	} while (0)
	KERN_BLOCKS(WF, STEP, TAIL);
#undef FOLD
	return hsum_ps(sum4_ps(s));
}

static float cos_f32(const float *a, const float *b, size_t n)
{
	simde__m256 z = simde_mm256_setzero_ps();
	simde__m256 d[4] = {z, z, z, z}, na[4] = {z, z, z, z},
	            nb[4] = {z, z, z, z};
#define FOLD(k, x, y)                                                          \
	do {                                                                   \
		simde__m256 x_ = x, y_ = y;                                    \
		d[k] = simde_mm256_fmadd_ps(x_, y_, d[k]);                     \
		na[k] = simde_mm256_fmadd_ps(x_, x_, na[k]);                   \
		nb[k] = simde_mm256_fmadd_ps(y_, y_, nb[k]);                   \
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
	simde__m256i z = simde_mm256_setzero_si256();
	simde__m256i s[4] = {z, z, z, z};
	int32_t tail = 0;
#define W16(p)                                                                 \
	simde_mm256_cvtepi8_epi16(simde_mm_loadu_si128((const void *)(p)))
#define STEP(k, pa, pb)                                                        \
	s[k] = simde_mm256_add_epi32(s[k],                                     \
	                             simde_mm256_madd_epi16(W16(pa), W16(pb)))
#define TAIL(i, r) tail = kern_tail_i8(a + (i), b + (i), r)
	KERN_BLOCKS(16, STEP, TAIL);
#undef TAIL
#undef STEP
#undef W16
	simde__m256i t =
	    simde_mm256_add_epi32(simde_mm256_add_epi32(s[0], s[1]),
	                          simde_mm256_add_epi32(s[2], s[3]));
	return (int32_t)(hsum_epi32(t) + (uint32_t)tail);
}

static float dot_f16_f32(const uint16_t *a, const float *b, size_t n)
{
	simde__m256 s[4] = {simde_mm256_setzero_ps(), simde_mm256_setzero_ps(),
	                    simde_mm256_setzero_ps(), simde_mm256_setzero_ps()};
#define H8(p)           simde_mm256_cvtph_ps(simde_mm_loadu_si128((const void *)(p)))
#define STEP(k, pa, pb) s[k] = simde_mm256_fmadd_ps(H8(pa), LD(pb), s[k])
#define TAIL(i, r)      KERN_PAD_TAIL(STEP, i, r)
	KERN_BLOCKS(WF, STEP, TAIL);
#undef TAIL
#undef STEP
#undef H8
	return hsum_ps(sum4_ps(s));
}

static uint64_t hamming(const uint8_t *a, const uint8_t *b, size_t n)
{
	const simde__m256i lut = simde_mm256_setr_epi8(
	    0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2,
	    3, 1, 2, 2, 3, 2, 3, 3, 4);
	const simde__m256i lo = simde_mm256_set1_epi8(0x0f);
	simde__m256i z = simde_mm256_setzero_si256();
	simde__m256i s[4] = {z, z, z, z};
	uint64_t tail = 0;
#define LDI(p) simde_mm256_loadu_si256((const void *)(p))
#define STEP(k, pa, pb)                                                        \
	do {                                                                   \
		simde__m256i x_ = simde_mm256_xor_si256(LDI(pa), LDI(pb));     \
		simde__m256i c_ = simde_mm256_add_epi8(                        \
		    simde_mm256_shuffle_epi8(lut,                              \
		                             simde_mm256_and_si256(x_, lo)),   \
		    simde_mm256_shuffle_epi8(                                  \
		        lut, simde_mm256_and_si256(                            \
		                 simde_mm256_srli_epi16(x_, 4), lo)));         \
		s[k] =                                                         \
		    simde_mm256_add_epi64(s[k], simde_mm256_sad_epu8(c_, z));  \
	} while (0)
#define TAIL(i, r) tail = kern_tail_popcnt(a + (i), b + (i), r)
	KERN_BLOCKS(WB, STEP, TAIL);
#undef TAIL
#undef STEP
#undef LDI
	simde__m256i t =
	    simde_mm256_add_epi64(simde_mm256_add_epi64(s[0], s[1]),
	                          simde_mm256_add_epi64(s[2], s[3]));
	uint64_t q[4];
	simde_mm256_storeu_si256((void *)q, t);
	return q[0] + q[1] + q[2] + q[3] + tail;
}

KERN_MANY_BY_PAIRS(dot_f32, dot_i8)

const kern_ops kern_avx2_ops = {
    .name = "avx2",
    .dot_f32 = dot_f32,
    .l2sq_f32 = l2sq_f32,
    .cos_f32 = cos_f32,
    .dot_i8 = dot_i8,
    .dot_f16_f32 = dot_f16_f32,
    .hamming = hamming,
    .dot_f32_many = dot_f32_many,
    .dot_i8_many = dot_i8_many,
};
