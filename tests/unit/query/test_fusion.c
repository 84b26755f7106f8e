/* Unit tests of top-k, fusion, recommendation scoring and MMR
 * (src/filter/fusion.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "filter/fusion.h"

static void test_topk(void **state)
{
	(void)state;
	sl_rng r;
	sl_rng_seed(&r, 5);
	float all[1000];
	filt_hit buf[10];
	filt_topk t;
	filt_topk_init(&t, buf, 10);
	for (uint32_t i = 0; i < 1000; i++) {
		all[i] = (float)(sl_rng_next(&r) % 100); /* many ties */
		filt_topk_push(&t, i, all[i]);
	}
	filt_topk_push(&t, 5000, NAN); /* ignored */
	size_t n = filt_topk_finish(&t);
	assert_int_equal(n, 10);
	/* oracle: best score, then smallest id */
	for (size_t k = 0; k < 10; k++) {
		uint32_t best = 0;
		for (uint32_t i = 1; i < 1000; i++)
			if (all[i] > all[best])
				best = i;
		assert_int_equal(buf[k].id, best);
		assert_true(buf[k].score == all[best]);
		all[best] = -1;
	}
	filt_topk_init(&t, buf, 0);
	filt_topk_push(&t, 1, 1.0f);
	assert_int_equal(filt_topk_finish(&t), 0);
}

static void test_rrf(void **state)
{
	(void)state;
	filt_hit a[] = {{1, 9.0f}, {2, 5.0f}, {3, 1.0f}};
	filt_hit b[] = {{3, 0.9f}, {4, 0.8f}};
	const filt_hit *lists[] = {a, b};
	size_t lens[] = {3, 2};
	float w[] = {1, 1};
	filt_fuse_opts o = {FILT_FUSE_RRF, FILT_NORM_MINMAX, 60};
	filt_hit out[10];
	size_t n;
	assert_int_equal(filt_fuse(lists, lens, w, 2, &o, 10, out, &n),
	                 SEMLITE_OK);
	assert_int_equal(n, 4);
	/* doc 3: 1/63 + 1/61 is the best */
	assert_int_equal(out[0].id, 3);
	assert_float_equal(out[0].score, 1.0 / 63 + 1.0 / 61, 1e-6);
	assert_int_equal(out[1].id, 1);
	assert_float_equal(out[1].score, 1.0 / 61, 1e-6);
	/* docs 2 and 4 both get 1/62: the tie goes to the smaller id */
	assert_int_equal(out[2].id, 2);
	assert_int_equal(out[3].id, 4);
	o.rrf_k = 0;
	assert_int_equal(filt_fuse(lists, lens, w, 2, &o, 10, out, &n),
	                 SEMLITE_INVALID);
}

static void test_convex(void **state)
{
	(void)state;
	filt_hit a[] = {{1, 10.0f}, {2, 6.0f}, {3, 2.0f}};
	filt_hit b[] = {{3, 0.9f}, {4, 0.5f}, {1, 0.1f}};
	const filt_hit *lists[] = {a, b};
	size_t lens[] = {3, 3};
	float w[] = {0.7f, 0.3f};
	filt_fuse_opts o = {FILT_FUSE_CONVEX, FILT_NORM_MINMAX, 60};
	filt_hit out[4];
	size_t n;
	assert_int_equal(filt_fuse(lists, lens, w, 2, &o, 2, out, &n),
	                 SEMLITE_OK);
	assert_int_equal(n, 2);
	/* normalized a: 1 -> 1, 2 -> .5, 3 -> 0; b: 3 -> 1, 4 -> .5, 1 -> 0
	 * doc 1: .7; doc 2: .35 + 0 (missing gets b's min, 0); doc 3: .3;
	 * doc 4: 0 + .15 */
	assert_int_equal(out[0].id, 1);
	assert_float_equal(out[0].score, 0.7, 1e-6);
	assert_int_equal(out[1].id, 2);
	assert_float_equal(out[1].score, 0.35, 1e-6);
	/* z-score: list a has mean 6, sd sqrt(32/3) */
	o.norm = FILT_NORM_ZSCORE;
	float w1[] = {1, 0};
	assert_int_equal(filt_fuse(lists, lens, w1, 2, &o, 2, out, &n),
	                 SEMLITE_OK);
	assert_int_equal(out[0].id, 1);
	assert_float_equal(out[0].score, 4.0 / sqrt(32.0 / 3), 1e-5);
	/* a list with identical scores (or one hit) marks presence: its
	 * documents get the full weight, documents missing from it nothing */
	filt_hit c[] = {{8, 1.0f}, {9, 1.0f}};
	filt_hit d[] = {{7, 5.0f}, {8, 1.0f}};
	const filt_hit *l2[] = {c, d};
	size_t n2[] = {2, 2};
	float w2[] = {0.5f, 0.5f};
	o.norm = FILT_NORM_MINMAX;
	assert_int_equal(filt_fuse(l2, n2, w2, 2, &o, 3, out, &n), SEMLITE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].id, 7); /* 0 + .5 */
	assert_float_equal(out[0].score, 0.5, 1e-6);
	assert_int_equal(out[1].id, 8); /* .5 + 0 */
	assert_int_equal(out[2].id, 9); /* .5 + 0 */
	filt_hit one[] = {{3, 2.0f}};
	const filt_hit *l3[] = {one};
	size_t n3[] = {1};
	assert_int_equal(filt_fuse(l3, n3, w2, 1, &o, 3, out, &n), SEMLITE_OK);
	assert_int_equal(n, 1);
	assert_float_equal(out[0].score, 0.5, 1e-6);
	assert_false(isnan(out[0].score));
}

static void test_rec_average(void **state)
{
	(void)state;
	float pos[] = {1, 0, 0, 1, 0, 0}; /* two rows of dim 3 */
	float neg[] = {0, 1, 0};
	float q[3];
	assert_int_equal(filt_rec_average(pos, 2, neg, 1, 3, q), SEMLITE_OK);
	/* mean pos (1,0,0) + ((1,0,0) - (0,1,0)) = (2,-1,0), normalized */
	assert_float_equal(q[0], 2 / sqrt(5), 1e-6);
	assert_float_equal(q[1], -1 / sqrt(5), 1e-6);
	assert_float_equal(q[2], 0, 1e-6);
	assert_int_equal(filt_rec_average(pos, 1, NULL, 0, 3, q), SEMLITE_OK);
	assert_float_equal(q[0], 1, 1e-6);
	assert_int_equal(filt_rec_average(pos, 0, neg, 1, 3, q),
	                 SEMLITE_INVALID);
}

static void test_rec_best(void **state)
{
	(void)state;
	float p1[] = {0.2f, 0.8f}, n1[] = {0.5f};
	float s1 = filt_rec_best_score(p1, 2, n1, 1);
	assert_float_equal(s1, 0.5 * (0.8 / 1.8 + 1), 1e-6);
	float p2[] = {0.3f}, n2[] = {0.9f};
	float s2 = filt_rec_best_score(p2, 1, n2, 1);
	assert_float_equal(s2, -0.5 * (0.9 / 1.9 + 1), 1e-6);
	assert_true(s2 < 0 && s1 > 0);
	/* any candidate won by a positive outranks any won by a negative */
	float p3[] = {-0.9f}, n3[] = {-0.95f};
	float s3 = filt_rec_best_score(p3, 1, n3, 1);
	assert_true(s3 > 0);
	float p4[] = {0.1f}, n4[] = {0.1f}; /* a tie goes to the negative */
	assert_true(filt_rec_best_score(p4, 1, n4, 1) < 0);
	/* no negatives: monotone in the best positive */
	float a[] = {0.4f}, b[] = {0.6f};
	assert_true(filt_rec_best_score(a, 1, NULL, 0) <
	            filt_rec_best_score(b, 1, NULL, 0));
}

static void test_mmr(void **state)
{
	(void)state;
	/* candidates 0 and 1 are duplicates; 2 is different but less
	 * relevant */
	filt_hit h[] = {{10, 0.9f}, {11, 0.85f}, {12, 0.5f}};
	float v[] = {1, 0, 1, 0, 0, 1};
	filt_hit out[3];
	assert_int_equal(filt_mmr(h, v, 3, 2, 1.0f, 3, out), SEMLITE_OK);
	assert_int_equal(out[0].id, 10);
	assert_int_equal(out[1].id, 11);
	assert_int_equal(out[2].id, 12);
	assert_int_equal(filt_mmr(h, v, 3, 2, 0.5f, 2, out), SEMLITE_OK);
	assert_int_equal(out[0].id, 10);
	assert_int_equal(out[1].id, 12); /* the duplicate is pushed down */
	assert_float_equal(out[1].score, 0.5, 1e-6);
	assert_int_equal(filt_mmr(h, v, 3, 2, 1.5f, 2, out), SEMLITE_INVALID);
	assert_int_equal(filt_mmr(h, v, 3, 2, 0.5f, 4, out), SEMLITE_INVALID);
}

static void test_nomem(void **state)
{
	(void)state;
	filt_hit a[] = {{1, 9.0f}, {2, 5.0f}};
	const filt_hit *lists[] = {a, a};
	size_t lens[] = {2, 2};
	float w[] = {1, 1};
	filt_fuse_opts o = {FILT_FUSE_RRF, FILT_NORM_MINMAX, 60};
	filt_hit out[4];
	size_t n;
	for (long k = 0; k < 3; k++) {
		sl_fault_set(k);
		int rc = filt_fuse(lists, lens, w, 2, &o, 4, out, &n);
		sl_fault_clear();
		assert_int_equal(rc, SEMLITE_NOMEM);
	}
	float v[] = {1, 0, 0, 1};
	sl_fault_set(0);
	assert_int_equal(filt_mmr(a, v, 2, 2, 0.5f, 2, out), SEMLITE_NOMEM);
	sl_fault_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_topk),     cmocka_unit_test(test_rrf),
	    cmocka_unit_test(test_convex),   cmocka_unit_test(test_rec_average),
	    cmocka_unit_test(test_rec_best), cmocka_unit_test(test_mmr),
	    cmocka_unit_test(test_nomem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
