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
 * - tails: one masked load per operand (see ldt()), except hamming. VPOPCNTQ
 * would be faster, but it is a separate CPUID feature (AVX512_VPOPCNTDQ) that
 * many AVX-512 CPUs lack.
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
		s[k] = simde_mm512_dpbusd_epi32(                               \
		    s[k], simde_mm512_xor_si512(x, flip), y_);                 \
		sb[k] = simde_mm512_dpbusd_epi32(sb[k], ones, y_);             \
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

const kern_ops kern_avx512_ops = {
    .name = "avx512",
    .dot_f32 = dot_f32,
    .l2sq_f32 = l2sq_f32,
    .cos_f32 = cos_f32,
    .dot_i8 = dot_i8,
    .dot_f16_f32 = dot_f16_f32,
    .hamming = hamming,
};
