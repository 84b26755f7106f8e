/*
 * test_kernels.c — every SIMD kernel of every variant this CPU supports
 * against the scalar reference.
 *
 * The comparisons and their tolerances are kern_check_case()'s (see the
 * tolerance table in src/kernels/kernels.h: proven float error bounds
 * g(n+4) * sum|terms| for dot/l2/f16, 2g + 8u absolute for cos, exact for
 * int8 and hamming, and bit-exact results for small-integer inputs whose
 * partial sums are all exact). This file supplies the inputs: every
 * dimension 1..1030 at misalignments of 0..3 elements (odd byte offsets for
 * the byte kernels), zero vectors, and extreme values. A variant the CPU
 * cannot run is skipped with a message; the suite never assumes AVX-512.
 */
#define _POSIX_C_SOURCE 200809L /* popen */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"

#define MAXN  1030
#define SLACK 8
#define SEED  20261122u

/* Buffers with room for misalignment; cmocka checks them for leaks. */
static kern_bufs alloc_bufs(void)
{
	size_t m = MAXN + SLACK;
	kern_bufs b = {test_malloc(m * sizeof(float)),
	               test_malloc(m * sizeof(float)),
	               test_malloc(m),
	               test_malloc(m),
	               test_malloc(m * sizeof(uint16_t)),
	               test_malloc(m),
	               test_malloc(m)};
	return b;
}

static void free_bufs(kern_bufs *b)
{
	test_free(b->fa);
	test_free(b->fb);
	test_free(b->ia);
	test_free(b->ib);
	test_free(b->ha);
	test_free(b->ba);
	test_free(b->bb);
}

/* The same buffers, typed elements shifted by o, bytes by 2*o+1. */
static kern_bufs shifted(const kern_bufs *b, size_t o)
{
	size_t ob = 2 * o + 1;
	kern_bufs s = {b->fa + o, b->fb + o,  b->ia + ob, b->ib + ob,
	               b->ha + o, b->ba + ob, b->bb + ob};
	return s;
}

/* The SIMD variants this CPU runs; prints a skip line for the others. */
static int simd_variants(const kern_ops **out)
{
	int k = 0;
	for (const char *const *nm = kern_variant_names(); *nm; nm++) {
		if (!strcmp(*nm, "scalar"))
			continue;
		const kern_ops *v = kern_variant(*nm);
		if (v)
			out[k++] = v;
		else
			print_message("[  SKIP    ] variant %s: not supported "
			              "by this CPU\n",
			              *nm);
	}
	return k;
}

static void expect_ok(int rc)
{
	if (rc != SEMLITE_OK)
		fail_msg("%s", sl_errmsg());
}

/* Every dimension 1..MAXN, offsets 0..3, random and exact inputs. */
static void test_sweep(void **state)
{
	(void)state;
	const kern_ops *vs[8];
	int nv = simd_variants(vs);
	kern_bufs b = alloc_bufs();
	sl_rng r;
	sl_rng_seed(&r, SEED);
	for (size_t n = 1; n <= MAXN; n++) {
		for (size_t o = 0; o < 4; o++) {
			kern_bufs s = shifted(&b, o);
			for (int exact = 0; exact < 2; exact++) {
				kern_case c = kern_case_fill(&s, n, exact, &r);
				for (int v = 0; v < nv; v++)
					expect_ok(kern_check_case(vs[v], &c));
			}
		}
	}
	free_bufs(&b);
}

/* Fills every buffer with zeros; with one_side, only the a side. */
static kern_case zero_case(const kern_bufs *b, size_t n, bool one_side,
                           sl_rng *r)
{
	kern_case c = kern_case_fill(b, n, false, r);
	memset(b->fa, 0, n * sizeof(float));
	memset(b->ia, 0, n);
	memset(b->ha, 0, n * sizeof(uint16_t));
	memset(b->ba, 0, n);
	if (!one_side) {
		memset(b->fb, 0, n * sizeof(float));
		memset(b->ib, 0, n);
		memset(b->bb, 0, n);
	}
	return c;
}

static void test_zero_vectors(void **state)
{
	(void)state;
	const kern_ops *vs[8];
	int nv = simd_variants(vs);
	vs[nv++] = &kern_scalar_ops;
	kern_bufs b = alloc_bufs();
	sl_rng r;
	sl_rng_seed(&r, SEED + 1);
	size_t dims[] = {0, 1, 7, 16, 63, 64, 65, 256, 1030};
	for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
		size_t n = dims[d];
		for (int one = 0; one < 2; one++) {
			kern_case c = zero_case(&b, n, one, &r);
			for (int v = 0; v < nv; v++) {
				const kern_ops *k = vs[v];
				expect_ok(kern_check_case(k, &c));
				assert_true(k->dot_f32(c.fa, c.fb, n) == 0.0f);
				assert_true(k->cos_f32(c.fa, c.fb, n) == 0.0f);
				assert_int_equal(k->dot_i8(c.ia, c.ib, n), 0);
				assert_true(k->dot_f16_f32(c.ha, c.fb, n) ==
				            0.0f);
				if (!one) {
					assert_true(
					    k->l2sq_f32(c.fa, c.fb, n) == 0.0f);
					assert_int_equal(
					    k->hamming(c.ba, c.bb, n), 0);
				}
			}
		}
	}
	free_bufs(&b);
}

/* Random sign times 10^e with e uniform in [lo, hi]. */
static float big(sl_rng *r, int lo, int hi)
{
	int e = lo + (int)(sl_rng_next(r) % (uint64_t)(hi - lo + 1));
	float m = (float)(1 + sl_rng_uniform(r));
	return (sl_rng_next(r) & 1 ? -m : m) * powf(10.0f, (float)e);
}

/* Large and tiny magnitudes mixed, int8 at its limits, f16 subnormals and
 * the largest finite half. */
static void fill_extreme(const kern_bufs *b, size_t n, int mode, sl_rng *r)
{
	static const uint16_t hx[] = {0x0001, 0x03ff, 0x8001, 0x0200,
	                              0x7bff, 0xfbff, 0x0400, 0x8000};
	static const int8_t ix[3][2] = {{-128, -128}, {-128, 127}, {127, 127}};
	for (size_t i = 0; i < n; i++) {
		b->fa[i] = mode == 0 ? big(r, 10, 17) : big(r, -18, 17);
		b->fb[i] = mode == 0 ? big(r, 10, 17) : big(r, -18, 17);
		b->ia[i] =
		    mode < 3 ? ix[mode][0] : (int8_t)(i & 1 ? -128 : 127);
		b->ib[i] = mode < 3 ? ix[mode][1] : -128;
		b->ha[i] = hx[sl_rng_next(r) % (sizeof hx / sizeof hx[0])];
		b->ba[i] = mode & 1 ? 0xff : 0x00;
		b->bb[i] = mode & 2 ? 0x00 : 0xff;
	}
}

static void test_extremes(void **state)
{
	(void)state;
	const kern_ops *vs[8];
	int nv = simd_variants(vs);
	kern_bufs b = alloc_bufs();
	sl_rng r;
	sl_rng_seed(&r, SEED + 2);
	size_t dims[] = {1, 3, 15, 16, 17, 31, 64, 100, 255, 768, 1029, 1030};
	for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
		size_t n = dims[d];
		for (int mode = 0; mode < 4; mode++) {
			kern_bufs s = shifted(&b, (size_t)mode);
			fill_extreme(&s, n, mode, &r);
			kern_case c = {s.fa, s.fb, s.ia, s.ib,  s.ha,
			               s.ba, s.bb, n,    false, mode != 0};
			for (int v = 0; v < nv; v++)
				expect_ok(kern_check_case(vs[v], &c));
		}
	}
	/* -128 * -128 over the whole length: 16384 * n, no overflow. */
	memset(b.ia, 0x80, MAXN);
	memset(b.ib, 0x80, MAXN);
	for (int v = 0; v < nv; v++)
		assert_int_equal(vs[v]->dot_i8(b.ia, b.ib, MAXN), 16384 * MAXN);
	free_bufs(&b);
}

/* Inf and NaN halves propagate like the reference: Inf*x -> Inf (or NaN
 * when x is 0 or the signs mix), NaN -> NaN. */
static void test_f16_nonfinite(void **state)
{
	(void)state;
	const kern_ops *vs[8];
	int nv = simd_variants(vs);
	kern_bufs b = alloc_bufs();
	sl_rng r;
	sl_rng_seed(&r, SEED + 3);
	static const uint16_t special[] = {0x7c00, 0xfc00, 0x7e00, 0x7c01};
	for (size_t n = 1; n <= 70; n++) {
		for (size_t s = 0; s < 4; s++) {
			kern_case c = kern_case_fill(&b, n, false, &r);
			b.ha[sl_rng_next(&r) % n] = special[s];
			for (int v = 0; v < nv; v++)
				expect_ok(kern_check_case(vs[v], &c));
		}
	}
	free_bufs(&b);
}

/* Every half converts through f32 and back unchanged (NaN stays NaN),
 * and every variant's f16 dot with b = 1 sees the same value (bit for
 * bit: subnormals, the largest half and Inf included). */
static void test_f16_all_halves(void **state)
{
	(void)state;
	const kern_ops *vs[8];
	int nv = simd_variants(vs);
	vs[nv++] = &kern_scalar_ops;
	const float one = 1.0f;
	for (uint32_t h = 0; h <= 0xffff; h++) {
		float f = kern_f16_to_f32((uint16_t)h);
		bool nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff);
		if (nan) {
			assert_true(isnan(f));
			uint16_t back = kern_f32_to_f16(f);
			assert_true((back & 0x7c00) == 0x7c00 &&
			            (back & 0x3ff));
		} else {
			assert_int_equal(kern_f32_to_f16(f), h);
		}
		uint16_t hv = (uint16_t)h;
		for (int v = 0; v < nv; v++) {
			float g = vs[v]->dot_f16_f32(&hv, &one, 1);
			if (nan)
				assert_true(isnan(g));
			else if (f == 0) /* a sum of -0 starts at +0 */
				assert_true(g == 0);
			else
				assert_memory_equal(&g, &f, sizeof f);
		}
	}
}

/* f32 -> f16 rounding: nearest, ties to even, overflow to Inf. */
static void test_f16_rounding(void **state)
{
	(void)state;
	static const struct {
		float f;
		uint16_t h;
	} cases[] = {
	    {1.0f, 0x3c00},
	    {-2.0f, 0xc000},
	    {65504.0f, 0x7bff},
	    {65519.0f, 0x7bff},
	    {65520.0f, 0x7c00},
	    {1e10f, 0x7c00},
	    {0x1p-24f, 0x0001},
	    {0x1p-25f, 0x0000},
	    {0x1.8p-25f, 0x0001},
	    {0x1.8p-24f, 0x0002},
	    {0x1p-14f, 0x0400},
	    {1.0f + 0x1p-11f, 0x3c00},
	    {1.0f + 0x1.8p-11f, 0x3c01},
	    {-0.0f, 0x8000},
	    {INFINITY, 0x7c00},
	    {-INFINITY, 0xfc00},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(kern_f32_to_f16(cases[i].f), cases[i].h);
	assert_true(isnan(kern_f16_to_f32(kern_f32_to_f16(NAN))));
}

/*
 * The one-to-many kernels against NMANY distinct vectors, each at its own
 * misalignment, for every count m = 0..NMANY (groups of eight and four and
 * every remainder) and every dimension 1..MAXN: small-integer floats
 * (every partial sum exact, so results must be bit-identical to the scalar
 * reference) and full-range int8; then int8 at its extremes (-128 and 127
 * in every combination, where the +128 offset and its correction are most
 * likely to go wrong) for every dimension.
 */
#define NMANY 19
typedef struct many_ref {
	float f[NMANY];
	int32_t i[NMANY];
} many_ref;

static void check_many_all(const kern_ops *const *vs, int nv, const float *fq,
                           const float *const *xf, const int8_t *iq,
                           const int8_t *const *xi, size_t n)
{
	many_ref ref;
	for (int j = 0; j < NMANY; j++) {
		ref.f[j] = kern_scalar_ops.dot_f32(fq, xf[j], n);
		ref.i[j] = kern_scalar_ops.dot_i8(iq, xi[j], n);
	}
	for (int v = 0; v < nv; v++) {
		for (size_t m = 0; m <= NMANY; m++) {
			float of[NMANY + 1];
			int32_t oi[NMANY + 1];
			of[m] = -1.0f; /* must stay untouched */
			oi[m] = -1;
			vs[v]->dot_f32_many(fq, xf, m, n, of);
			vs[v]->dot_i8_many(iq, xi, m, n, oi);
			for (size_t j = 0; j < m; j++)
				if (of[j] != ref.f[j] || oi[j] != ref.i[j])
					fail_msg("%s n=%zu m=%zu j=%zu: f32 %g "
					         "vs %g, i8 %d vs %d",
					         vs[v]->name, n, m, j, of[j],
					         ref.f[j], oi[j], ref.i[j]);
			if (of[m] != -1.0f || oi[m] != -1)
				fail_msg("%s n=%zu m=%zu: wrote out[m]",
				         vs[v]->name, n, m);
		}
	}
}

static void test_many(void **state)
{
	(void)state;
	const kern_ops *vs[8];
	int nv = simd_variants(vs);
	vs[nv++] = &kern_scalar_ops;
	size_t m = MAXN + SLACK;
	float *fq = test_malloc((NMANY + 1) * m * sizeof(float));
	int8_t *iq = test_malloc((NMANY + 1) * m);
	sl_rng r;
	sl_rng_seed(&r, SEED + 4);
	for (size_t i = 0; i < (NMANY + 1) * m; i++) {
		fq[i] = (float)((int)(sl_rng_next(&r) % 17) - 8);
		iq[i] = (int8_t)sl_rng_next(&r);
	}
	const float *xf[NMANY];
	const int8_t *xi[NMANY];
	for (int j = 0; j < NMANY; j++) {
		xf[j] = fq + (size_t)(j + 1) * m + (size_t)j % 4;
		xi[j] = iq + (size_t)(j + 1) * m + (size_t)j % 7;
	}
	for (size_t n = 1; n <= MAXN; n++)
		check_many_all(vs, nv, fq + 1, xf, iq + 3, xi, n);
	/* extremes: query and vectors -128 or 127 by position */
	for (size_t i = 0; i < (NMANY + 1) * m; i++) {
		uint64_t b = sl_rng_next(&r);
		iq[i] = (int8_t)(b & 1 ? -128 : 127);
	}
	memset(iq + (size_t)m, 0x80, m);     /* all -128 */
	memset(iq + (size_t)2 * m, 0x7f, m); /* all 127 */
	for (size_t n = 1; n <= MAXN; n++) {
		memset(iq, n & 1 ? 0x80 : 0x7f, m); /* the query uniform too */
		check_many_all(vs, nv, fq + 1, xf, iq + (n & 2 ? 0 : 3), xi, n);
	}
	vs[0]->dot_f32_many(fq, xf, 0, 16, NULL); /* m = 0 writes nothing */
	vs[0]->dot_i8_many(iq, xi, 0, 16, NULL);
	test_free(fq);
	test_free(iq);
}

static void test_dispatch(void **state)
{
	(void)state;
	assert_non_null(kern_get());
	assert_ptr_equal(kern_variant("scalar"), &kern_scalar_ops);
	assert_null(kern_variant("bogus"));
	assert_null(kern_variant(NULL));
	assert_string_equal(semlite_kernels_name(), kern_get()->name);
	/* the chosen variant is the best one this CPU supports, unless
	 * the environment forced one */
	const char *forced = getenv("SEMLITE_KERNELS");
	if (!forced || !*forced) {
		const char *const *nm = kern_variant_names();
		const char *best = "scalar";
		for (; *nm; nm++)
			if (kern_variant(*nm))
				best = *nm;
		assert_string_equal(kern_get()->name, best);
	}
}

/* SEMLITE_KERNELS forces a variant; a bogus one falls back. Checked via
 * the CLI because the choice is made once per process. */
static void test_forced_variant(void **state)
{
	(void)state;
	const char *bin = getenv("SEMLITE_BIN");
	if (!bin) {
		print_message("[  SKIP    ] SEMLITE_BIN not set\n");
		return;
	}
	const char *want[] = {"scalar", "sse42", "avx2", "avx512", "bogus"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		char cmd[1024], out[256] = "";
		snprintf(cmd, sizeof cmd, "SEMLITE_KERNELS=%s '%s' --version",
		         want[i], bin);
		FILE *p = popen(cmd, "r");
		assert_non_null(p);
		if (!fgets(out, sizeof out, p))
			out[0] = '\0';
		assert_int_equal(pclose(p), 0);
		const char *expect =
		    kern_variant(want[i]) ? want[i] : kern_get()->name;
		char needle[64];
		snprintf(needle, sizeof needle, "(kernels: %s)", expect);
		if (!strstr(out, needle))
			fail_msg("SEMLITE_KERNELS=%s: got '%s', want %s",
			         want[i], out, needle);
	}
}

static void test_selfcheck(void **state)
{
	(void)state;
	char report[2048];
	assert_int_equal(semlite_kernels_selfcheck(report, sizeof report),
	                 SEMLITE_OK);
	for (const char *const *nm = kern_variant_names(); *nm; nm++) {
		char line[64];
		snprintf(line, sizeof line, "%s: %s", *nm,
		         kern_variant(*nm) ? "ok" : "not supported");
		assert_non_null(strstr(report, line));
	}
	assert_int_equal(semlite_kernels_selfcheck(NULL, 0), SEMLITE_OK);
	char tiny[10];
	assert_int_equal(semlite_kernels_selfcheck(tiny, sizeof tiny),
	                 SEMLITE_OK);
	assert_int_equal(strlen(tiny), sizeof tiny - 1);
	sl_fault_set(0);
	assert_int_equal(semlite_kernels_selfcheck(report, sizeof report),
	                 SEMLITE_NOMEM);
	sl_fault_clear();
}

int main(void)
{
	printf("kernel tests: seed %u\n", SEED);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sweep),
	    cmocka_unit_test(test_zero_vectors),
	    cmocka_unit_test(test_extremes),
	    cmocka_unit_test(test_f16_nonfinite),
	    cmocka_unit_test(test_f16_all_halves),
	    cmocka_unit_test(test_f16_rounding),
	    cmocka_unit_test(test_many),
	    cmocka_unit_test(test_dispatch),
	    cmocka_unit_test(test_forced_variant),
	    cmocka_unit_test(test_selfcheck),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
