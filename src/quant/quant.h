/*
 * quant.h — vector codes: int8 with a symmetric per-vector scale (the hot
 * path of traversal and flat scans), f16 copies (exact-enough rescoring),
 * and sign bits (binary codes for Hamming pre-filtering).
 *
 * int8: scale = max|v| / 127, code[i] = round(v[i] / scale), so v ~= scale *
 * code. The dot product of two vectors is then approximated by
 * scale_a * scale_b * dot_i8(code_a, code_b), exact in integer arithmetic
 * up to the rounding of each code. A zero vector has scale 0 and all-zero
 * codes.
 */
#ifndef SL_QUANT_H
#define SL_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"

/* Encodes v[n] into code[n]; returns the scale. Non-finite inputs are
 * treated as 0 (callers validate vectors before storing them). */
float quant_i8_encode(const float *v, size_t n, int8_t *code);

/* Decodes code[n] with scale into out[n]. */
void quant_i8_decode(const int8_t *code, float scale, size_t n, float *out);

/* Approximate dot product of two int8-coded vectors. */
static inline float quant_i8_dot(const kern_ops *k, const int8_t *a,
				 float sa, const int8_t *b, float sb, size_t n)
{
	return sa * sb * (float)k->dot_i8(a, b, n);
}

/* f16 copies. */
void quant_f16_encode(const float *v, size_t n, uint16_t *out);
void quant_f16_decode(const uint16_t *h, size_t n, float *out);

/* Sign bits: bit i of out (LSB first within each byte) is v[i] > 0.
 * out must hold (n + 7) / 8 bytes. */
void quant_bits_encode(const float *v, size_t n, uint8_t *out);

#endif /* SL_QUANT_H */
