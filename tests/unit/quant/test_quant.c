/*
 * test_quant.c — int8, f16 and sign-bit codes.
 *
 * int8: every decoded element is within half a quantization step of the
 * input (|v - scale*code| <= scale/2, plus float rounding of the division
 * and product), codes stay in -127..127, the largest magnitude maps to
 * +-127, a zero vector gives scale 0 and zero codes, non-finite inputs
 * count as 0; the code-space dot product is within the bound that follows
 * from the per-element bound. f16: encode/decode is the kernels'
 * conversion. Bits: LSB-first sign bits, padding bits zero.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "quant/quant.h"

#define SEED 7u
#define MAXN 1030

static void test_i8_roundtrip(void **state)
{
	(void)state;
	float v[MAXN], out[MAXN];
	int8_t code[MAXN];
	sl_rng r;
	sl_rng_seed(&r, SEED);
	for (size_t n = 1; n <= MAXN; n += 37) {
		float amp = (float)pow(10.0, 6 * sl_rng_uniform(&r) - 3);
		for (size_t i = 0; i < n; i++)
			v[i] = amp * (float)(2 * sl_rng_uniform(&r) - 1);
		float scale = quant_i8_encode(v, n, code);
		quant_i8_decode(code, scale, n, out);
		float m = 0;
		for (size_t i = 0; i < n; i++)
			m = fmaxf(m, fabsf(v[i]));
		assert_true(fabsf(scale - m / 127.0f) <= 1e-6f * scale);
		bool hit = false;
		for (size_t i = 0; i < n; i++) {
			assert_true(code[i] >= -127 && code[i] <= 127);
			hit |= code[i] == 127 || code[i] == -127;
			float err = fabsf(v[i] - out[i]);
			assert_true(err <= scale * (0.5f + 1e-4f));
		}
		assert_true(hit);
	}
}

static void test_i8_zero_and_nonfinite(void **state)
{
	(void)state;
	float v[64] = {0};
	int8_t code[64];
	memset(code, 0x55, sizeof code);
	assert_true(quant_i8_encode(v, 64, code) == 0.0f);
	for (int i = 0; i < 64; i++)
		assert_int_equal(code[i], 0);
	v[3] = NAN;
	v[5] = INFINITY;
	v[7] = -2.0f;
	float scale = quant_i8_encode(v, 64, code);
	assert_true(scale == 2.0f / 127.0f);
	assert_int_equal(code[3], 0);
	assert_int_equal(code[5], 0);
	assert_int_equal(code[7], -127);
}

/* |a.b - sa*sb*(ca.cb)| <= sum |a-a'||b| + |a'||b-b'| with |x-x'| <= s/2. */
static void test_i8_dot_bound(void **state)
{
	(void)state;
	float a[MAXN], b[MAXN], da[MAXN];
	int8_t ca[MAXN], cb[MAXN];
	sl_rng r;
	sl_rng_seed(&r, SEED + 1);
	const kern_ops *k = kern_get();
	for (size_t n = 1; n <= MAXN; n += 53) {
		for (size_t i = 0; i < n; i++) {
			a[i] = (float)(2 * sl_rng_uniform(&r) - 1);
			b[i] = (float)(2 * sl_rng_uniform(&r) - 1);
		}
		float sa = quant_i8_encode(a, n, ca);
		float sb = quant_i8_encode(b, n, cb);
		quant_i8_decode(ca, sa, n, da);
		double exact = 0, bound = 0;
		for (size_t i = 0; i < n; i++) {
			exact += (double)a[i] * b[i];
			bound += sa / 2 * fabs(b[i]) + sb / 2 * fabs(da[i]);
		}
		float got = quant_i8_dot(k, ca, sa, cb, sb, n);
		assert_true(fabs(got - exact) <= bound * 1.01 + 1e-5);
	}
}

static void test_f16_codes(void **state)
{
	(void)state;
	float v[5] = {1.0f, -0.5f, 65504.0f, 0x1p-24f, 3.14159f}, out[5];
	uint16_t h[5];
	quant_f16_encode(v, 5, h);
	quant_f16_decode(h, 5, out);
	assert_int_equal(h[0], 0x3c00);
	assert_int_equal(h[1], 0xb800);
	assert_int_equal(h[2], 0x7bff);
	assert_int_equal(h[3], 0x0001);
	for (int i = 0; i < 4; i++)
		assert_true(out[i] == v[i]);
	assert_true(fabsf(out[4] - v[4]) <= 0x1p-10f * 2);
}

static void test_bits(void **state)
{
	(void)state;
	float v[11] = {1, -1, 0, 2, -3, 0.5f, 0, 0, 7, -0.0f, 1e-30f};
	uint8_t out[2];
	memset(out, 0xff, sizeof out);
	quant_bits_encode(v, 11, out);
	assert_int_equal(out[0], 0x29); /* bits 0, 3, 5 */
	assert_int_equal(out[1], 0x05); /* bits 8, 10; 11..15 zero */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_i8_roundtrip),
	    cmocka_unit_test(test_i8_zero_and_nonfinite),
	    cmocka_unit_test(test_i8_dot_bound),
	    cmocka_unit_test(test_f16_codes),
	    cmocka_unit_test(test_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
