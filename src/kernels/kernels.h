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

#include <stddef.h>
#include <stdint.h>

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

#endif /* SL_KERNELS_H */
