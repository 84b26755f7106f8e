/*
 * scalar.c — the reference kernels: plain loops, no tricks, the oracle that
 * every SIMD variant is tested against. Float sums accumulate in double so
 * the reference is more accurate than any variant, which lets tests bound
 * each variant's error against it.
 */
#include "kernels/kernels.h"
#include "kernels/variants.h"

#include <math.h>
#include <string.h>

static float dot_f32(const float *a, const float *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return (float)s;
}

static float l2sq_f32(const float *a, const float *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double d = (double)a[i] - b[i];
		s += d * d;
	}
	return (float)s;
}

static float cos_f32(const float *a, const float *b, size_t n)
{
	double d = 0, na = 0, nb = 0;
	for (size_t i = 0; i < n; i++) {
		d += (double)a[i] * b[i];
		na += (double)a[i] * a[i];
		nb += (double)b[i] * b[i];
	}
	if (na == 0 || nb == 0)
		return 0.0f;
	return (float)(d / (sqrt(na) * sqrt(nb)));
}

static int32_t dot_i8(const int8_t *a, const int8_t *b, size_t n)
{
	int32_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += (int32_t)a[i] * b[i];
	return s;
}

static float dot_f16_f32(const uint16_t *a, const float *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		uint16_t h;
		memcpy(&h, a + i, sizeof h);
		s += (double)kern_f16_to_f32(h) * b[i];
	}
	return (float)s;
}

static uint64_t hamming(const uint8_t *a, const uint8_t *b, size_t nbytes)
{
	uint64_t s = 0;
	for (size_t i = 0; i < nbytes; i++)
		s += (uint64_t)__builtin_popcount((unsigned)(a[i] ^ b[i]));
	return s;
}

KERN_MANY_BY_PAIRS(dot_f32, dot_i8)

const kern_ops kern_scalar_ops = {
    .name = "scalar",
    .dot_f32 = dot_f32,
    .l2sq_f32 = l2sq_f32,
    .cos_f32 = cos_f32,
    .dot_i8 = dot_i8,
    .dot_f16_f32 = dot_f16_f32,
    .hamming = hamming,
    .dot_f32_many = dot_f32_many,
    .dot_i8_many = dot_i8_many,
};

float kern_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1f;
	uint32_t man = h & 0x3ff;
	uint32_t bits;
	if (exp == 0) {
		if (man == 0) {
			bits = sign;
		} else { /* subnormal: renormalize */
			int e = -1;
			do {
				e++;
				man <<= 1;
			} while (!(man & 0x400));
			man &= 0x3ff;
			bits =
			    sign | (uint32_t)(127 - 15 - e) << 23 | man << 13;
		}
	} else if (exp == 31) {
		bits = sign | 0x7f800000u | man << 13;
	} else {
		bits = sign | (exp + 127 - 15) << 23 | man << 13;
	}
	float f;
	memcpy(&f, &bits, sizeof f);
	return f;
}

uint16_t kern_f32_to_f16(float f)
{
	uint32_t x;
	memcpy(&x, &f, sizeof x);
	uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
	uint32_t exp = (x >> 23) & 0xff;
	uint32_t man = x & 0x7fffff;
	if (exp == 0xff) /* Inf or NaN (keep NaN quiet and non-zero) */
		return sign | 0x7c00 | (man ? 0x200 | (man >> 13) : 0);
	int e = (int)exp - 127 + 15;
	if (e >= 31)
		return sign | 0x7c00;
	if (e <= 0) { /* subnormal or zero in f16 */
		if (e < -10)
			return sign;
		man |= 0x800000;
		int shift = 14 - e;
		uint32_t half = man >> shift;
		uint32_t rem = man & ((1u << shift) - 1);
		uint32_t mid = 1u << (shift - 1);
		if (rem > mid || (rem == mid && (half & 1)))
			half++;
		return sign | (uint16_t)half;
	}
	uint32_t half = (uint32_t)e << 10 | man >> 13;
	uint32_t rem = man & 0x1fff;
	if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
		half++; /* may carry into the exponent: correct by design */
	return sign | (uint16_t)half;
}
