/*
 * quant.c — int8, f16 and sign-bit codes (see quant.h for the formats).
 *
 * Symmetric per-vector int8 (no zero point) keeps the code-space dot product
 * a single integer kernel call times one float, which is what lets HNSW
 * traversal run on VNNI dot products. A per-dimension scale would fit the
 * data a little better but costs a float multiply per element in the inner
 * loop; rescoring with the exact copy recovers the ranking instead.
 */
#include "quant/quant.h"

#include <math.h>
#include <string.h>

float quant_i8_encode(const float *v, size_t n, int8_t *code)
{
	float m = 0;
	for (size_t i = 0; i < n; i++) {
		float a = fabsf(v[i]);
		if (isfinite(a) && a > m)
			m = a;
	}
	if (m == 0) {
		memset(code, 0, n);
		return 0;
	}
	float scale = m / 127.0f;
	float inv = 127.0f / m;
	for (size_t i = 0; i < n; i++) {
		float x = isfinite(v[i]) ? v[i] * inv : 0.0f;
		long r = lrintf(x);
		code[i] = (int8_t)(r > 127 ? 127 : r < -127 ? -127 : r);
	}
	return scale;
}

void quant_i8_decode(const int8_t *code, float scale, size_t n, float *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = scale * (float)code[i];
}

void quant_f16_encode(const float *v, size_t n, uint16_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = kern_f32_to_f16(v[i]);
}

void quant_f16_decode(const uint16_t *h, size_t n, float *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = kern_f16_to_f32(h[i]);
}

void quant_bits_encode(const float *v, size_t n, uint8_t *out)
{
	memset(out, 0, (n + 7) / 8);
	for (size_t i = 0; i < n; i++)
		if (v[i] > 0)
			out[i / 8] |= (uint8_t)(1u << (i % 8));
}
