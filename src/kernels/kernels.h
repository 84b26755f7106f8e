/*
 * kernels.h — distance kernels.
 *
 * Each kernel has a plain scalar reference (the oracle in tests) and SIMD
 * variants built from SIMDe in separate translation units, each compiled
 * with its own instruction-set flags. The best variant the CPU supports is
 * chosen once, at first use of kern_get(); SEMLITE_KERNELS=scalar|sse42|
 * avx2|avx512 forces one. Callers fetch the table once and call through it.
 *
 * All pointers may be unaligned. n is the number of elements (bytes for
 * hamming). n == 0 gives 0.
 */
#ifndef SL_KERNELS_H
#define SL_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

typedef struct kern_ops {
	const char *name;
	/* sum a[i]*b[i] */
	float (*dot_f32)(const float *a, const float *b, size_t n);
	/* sum (a[i]-b[i])^2 */
	float (*l2sq_f32)(const float *a, const float *b, size_t n);
	/* dot / (|a| |b|); 0 when either norm is 0 */
	float (*cos_f32)(const float *a, const float *b, size_t n);
	/* exact integer sum a[i]*b[i] (no overflow for n < 2^17) */
	int32_t (*dot_i8)(const int8_t *a, const int8_t *b, size_t n);
	/* sum f16(a[i]) * b[i]; a holds IEEE binary16 bit patterns */
	float (*dot_f16_f32)(const uint16_t *a, const float *b, size_t n);
	/* number of differing bits over nbytes bytes */
	uint64_t (*hamming)(const uint8_t *a, const uint8_t *b, size_t nbytes);
	/*
	 * One query against m vectors: out[j] = dot_f32(q, x[j], n) (within
	 * the same tolerance) and out[j] = dot_i8(q, x[j], n) (exact), for
	 * j < m. The vectors may be anywhere (x[j] need not be contiguous).
	 * Variants that implement them natively (avx512: groups of eight,
	 * then four; int8 up to n = 256: sixteen, then eight) load the query
	 * once per group (or per call) and share the reduction overhead,
	 * which is what a pairwise call cannot do (see bench/RESULTS.md ##
	 * Kernels); the others loop over the pairwise kernel. Calls of 8 or
	 * more vectors get the most out of them, of 16 or more for int8.
	 */
	void (*dot_f32_many)(const float *q, const float *const *x, size_t m,
	                     size_t n, float *out);
	void (*dot_i8_many)(const int8_t *q, const int8_t *const *x, size_t m,
	                    size_t n, int32_t *out);
} kern_ops;

/* The variant chosen for this process (thread-safe, never NULL). */
const kern_ops *kern_get(void);

/* A named variant if this CPU and build support it, else NULL. */
const kern_ops *kern_variant(const char *name);

/* All variant names known to this build, NULL-terminated. */
const char *const *kern_variant_names(void);

/* The scalar reference table. */
extern const kern_ops kern_scalar_ops;

/* IEEE binary16 <-> binary32, round-to-nearest-even; NaN/Inf preserved. */
float kern_f16_to_f32(uint16_t h);
uint16_t kern_f32_to_f16(float f);

/*
 * Checking a variant against the scalar reference (selfcheck.c), shared by
 * semlite_kernels_selfcheck() and the unit tests so the tolerances live in
 * one place.
 *
 * Tolerances (u = 2^-24, the float unit roundoff; g(m) = m*u / (1 - m*u)):
 * - dot_f32, l2sq_f32, dot_f16_f32, dot_f32_many: |got - ref| <= g(n + 4) * S +
 *   (n + 1) * 2^-148, where S = sum |a[i]*b[i]| (or sum (a[i]-b[i])^2) in
 *   double. Any order of n float additions of correctly rounded (or fused)
 *   products is within g(n) * S of the exact sum (Higham, Accuracy and
 *   Stability, 2nd ed., eq. 4.4); the +4 covers the rounding of a-b and of
 *   the reference to float; the absolute term covers products that
 *   underflow into subnormals (half a subnormal ulp each).
 * - cos_f32: |got - ref| <= 2 * g(n + 4) + 8u absolute, since the dot's
 *   error is at most g * |a| |b| (Cauchy-Schwarz) and each norm's relative
 *   error at most g; it assumes the squares neither overflow nor underflow.
 * - dot_i8, dot_i8_many, hamming: exact.
 * - exact cases (small integers, every partial sum below 2^24): every
 *   float kernel, cos included, must equal the reference bit for bit —
 *   this is what catches a dropped or repeated element, which the error
 *   bounds above could hide.
 * - a reference that is NaN must give NaN; an infinite one the same Inf.
 */
typedef struct kern_case {
	const float *fa, *fb;   /* n floats each */
	const int8_t *ia, *ib;  /* n int8 each */
	const uint16_t *ha;     /* n halves (paired with fb) */
	const uint8_t *ba, *bb; /* n bytes each (hamming) */
	size_t n;
	bool exact;    /* float inputs are small integers */
	bool skip_cos; /* inputs outside cos's tolerance model */
} kern_case;

/* Mutable buffers of n elements that kern_case_fill() writes. */
typedef struct kern_bufs {
	float *fa, *fb;
	int8_t *ia, *ib;
	uint16_t *ha;
	uint8_t *ba, *bb;
} kern_bufs;

/*
 * Fills n elements of each buffer from r: floats uniform in [-1, 1) (or
 * integers in [-8, 8] when exact), int8 over the full range -128..127,
 * halves encoded from floats in [-2, 2) (integers in [-8, 8] when exact),
 * bytes uniform. Returns the matching case.
 */
kern_case kern_case_fill(const kern_bufs *buf, size_t n, bool exact, sl_rng *r);

/*
 * Runs every kernel of v on c and compares with kern_scalar_ops within the
 * tolerances above. Returns SEMLITE_OK, or SEMLITE_INTERNAL with a message
 * (variant, kernel, n, got, reference, tolerance) recorded by sl_err().
 */
int kern_check_case(const kern_ops *v, const kern_case *c);

#endif /* SL_KERNELS_H */
