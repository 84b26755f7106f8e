/*
 * variants.h — private to kernels/: the table of each SIMD variant, each
 * defined in its own translation unit compiled with that ISA's flags, and
 * the small helpers the variants share.
 *
 * Tails: a variant processes whole vectors of its width, then the last
 * partial vector, without ever reading past the caller's buffer (which
 * ASan would rightly report and a page boundary would turn into a crash):
 * AVX-512 with masked loads, AVX2 with vmaskmovps for floats, and
 * otherwise short scalar loops or one step on a zero-padded copy
 * (kern_pad()). Zero padding is neutral for every kernel (0*x = 0,
 * (0-0)^2 = 0, f16 bit pattern 0 is +0.0, 0^0 has no bits set). The first
 * version padded every tail; the copy's store-forwarding stall made a
 * 32-byte hamming five times slower than the scalar loop, hence the
 * per-variant choice.
 */
#ifndef SL_KERNELS_VARIANTS_H
#define SL_KERNELS_VARIANTS_H

#include <math.h>
#include <string.h>

#include "kernels/kernels.h"

/* The table for a variant name compiled into this build, or NULL.
 * Does not check the CPU: kern_variant() does. */
const kern_ops *kern_variant_table(const char *name);

/* Tables of the SIMD variants (defined only when built for x86). */
extern const kern_ops kern_sse42_ops;
extern const kern_ops kern_avx2_ops;
extern const kern_ops kern_avx512_ops;

/* Largest vector in bytes any variant loads at once. */
#define KERN_PAD_BYTES 64

/* Copies nbytes (< KERN_PAD_BYTES) from src into the zeroed buffer dst of
 * KERN_PAD_BYTES bytes, ready for one full-width unaligned load. */
static inline void kern_pad(void *dst, const void *src, size_t nbytes)
{
	memset(dst, 0, KERN_PAD_BYTES);
	memcpy(dst, src, nbytes);
}

/*
 * The loop every SIMD kernel shares, for parameters named a, b and n:
 * blocks of four vectors of W elements into four independent
 * accumulators (STEP(k, pa, pb) folds one vector at pa/pb into
 * accumulator k), so the adds of one block do not wait on the previous
 * block's; then single vectors; then TAIL(i, r) for the last r < W
 * elements from index i. Four accumulators cover FMA latency x throughput
 * on these load-bound kernels (two loads per FMA); more would only lengthen
 * the short-vector path.
 */
#define KERN_BLOCKS(W, STEP, TAIL)                                             \
	do {                                                                   \
		size_t i_ = 0;                                                 \
		for (; i_ + 4 * (size_t)(W) <= n; i_ += 4 * (size_t)(W)) {     \
			STEP(0, a + i_, b + i_);                               \
			STEP(1, a + i_ + (W), b + i_ + (W));                   \
			STEP(2, a + i_ + 2 * (W), b + i_ + 2 * (W));           \
			STEP(3, a + i_ + 3 * (W), b + i_ + 3 * (W));           \
		}                                                              \
		for (; i_ + (W) <= n; i_ += (W))                               \
			STEP(0, a + i_, b + i_);                               \
		if (i_ < n)                                                    \
			TAIL(i_, n - i_);                                      \
	} while (0)

/*
 * A tail as one more STEP on zero-padded copies (see the top of this
 * file). Simple and exact, but the copy costs a store-forwarding stall
 * (~20 cycles), so variants use it only where a tail is rare (f16).
 */
#define KERN_PAD_TAIL(STEP, i, r)                                              \
	do {                                                                   \
		_Alignas(64) unsigned char ta_[KERN_PAD_BYTES];                \
		_Alignas(64) unsigned char tb_[KERN_PAD_BYTES];                \
		kern_pad(ta_, a + (i), (r) * sizeof *a);                       \
		kern_pad(tb_, b + (i), (r) * sizeof *b);                       \
		STEP(1, (const __typeof__(*a) *)(void *)ta_,                   \
		     (const __typeof__(*b) *)(void *)tb_);                     \
	} while (0)

/* Scalar tails: the exact integer dot and popcount of the last r bytes. */
static inline int32_t kern_tail_i8(const int8_t *a, const int8_t *b, size_t r)
{
	int32_t s = 0;
	for (size_t i = 0; i < r; i++)
		s += (int32_t)a[i] * b[i];
	return s;
}

static inline uint64_t kern_tail_popcnt(const uint8_t *a, const uint8_t *b,
                                        size_t r)
{
	uint64_t s = 0;
	for (; r >= 8; r -= 8, a += 8, b += 8) {
		uint64_t x, y;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		s += (uint64_t)__builtin_popcountll(x ^ y);
	}
	for (size_t i = 0; i < r; i++)
		s += (uint64_t)__builtin_popcount((unsigned)(a[i] ^ b[i]));
	return s;
}

/* dot_f32_many / dot_i8_many as a loop over the pairwise kernels, for
 * variants without a native one-to-many kernel. */
#define KERN_MANY_BY_PAIRS(DOT_F32, DOT_I8)                                    \
	static void dot_f32_many(const float *q, const float *const *x,        \
	                         size_t m, size_t n, float *out)               \
	{                                                                      \
		for (size_t j = 0; j < m; j++)                                 \
			out[j] = DOT_F32(q, x[j], n);                          \
	}                                                                      \
	static void dot_i8_many(const int8_t *q, const int8_t *const *x,       \
	                        size_t m, size_t n, int32_t *out)              \
	{                                                                      \
		for (size_t j = 0; j < m; j++)                                 \
			out[j] = DOT_I8(q, x[j], n);                           \
	}

/* cos from float sums: the division and roots in double, so the only
 * error is that of the three sums (the scalar reference does the same). */
static inline float kern_cos_finish(float d, float na, float nb)
{
	if (na == 0 || nb == 0)
		return 0.0f;
	return (float)((double)d / (sqrt((double)na) * sqrt((double)nb)));
}

#endif
