/*
 * test_lsa.c — train_lsa() (encoder/train_lsa.c) against a dense oracle.
 *
 * The rows it returns are V_k * sigma^p, so R R^T is rotation- and
 * sign-free: with p = 1 it is the best rank-k approximation of X^T X
 * (X = documents x tokens, log(1 + tf) * idf, built here independently),
 * which LAPACK's dense dsyev gives exactly; with k at or above X's rank
 * it is X^T X itself. Also: tokens that never occur get zero rows, the
 * result depends only on the stream and the seed, and a collection of
 * fewer documents than the rank asked for gives zero columns, not NaN.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "encoder/train.h"

#define VOCAB 45 /* ids 40..44 never occur */
#define USED  40

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* ndocs documents of 5..34 tokens, skewed towards low ids, with breaks. */
static size_t make_stream(uint32_t *toks, size_t ndocs, uint32_t seed)
{
	uint32_t s = seed;
	size_t n = 0;
	for (size_t d = 0; d < ndocs; d++) {
		size_t len = 5 + lcg(&s) % 30;
		for (size_t i = 0; i < len; i++) {
			uint32_t a = lcg(&s) % USED, b = lcg(&s) % USED;
			toks[n++] = a < b ? a : b;
		}
		toks[n++] = TRAIN_BREAK;
	}
	return n;
}

/* X^T X of the stream, dense (VOCAB x VOCAB). */
static void gram_oracle(const uint32_t *toks, size_t n, double *m)
{
	double tf[VOCAB], df[VOCAB] = {0}, x[VOCAB];
	size_t docs = 0;
	memset(tf, 0, sizeof tf);
	for (size_t i = 0; i < n; i++) {
		if (toks[i] != TRAIN_BREAK) {
			tf[toks[i]]++;
			continue;
		}
		for (int t = 0; t < VOCAB; t++)
			df[t] += tf[t] > 0;
		docs++;
		memset(tf, 0, sizeof tf);
	}
	memset(m, 0, VOCAB * VOCAB * sizeof *m);
	for (size_t i = 0; i < n; i++) {
		if (toks[i] != TRAIN_BREAK) {
			tf[toks[i]]++;
			continue;
		}
		for (int t = 0; t < VOCAB; t++)
			x[t] = tf[t] > 0 ? log1p(tf[t]) * log(docs / df[t]) : 0;
		for (int a = 0; a < VOCAB; a++)
			for (int b = 0; b < VOCAB; b++)
				m[a * VOCAB + b] += x[a] * x[b];
		memset(tf, 0, sizeof tf);
	}
}

/* Largest |(R R^T - ref)_ab| relative to ref's largest entry. */
static double gram_error(const float *r, size_t k, const double *ref)
{
	double err = 0, big = 0;
	for (int a = 0; a < VOCAB; a++)
		for (int b = 0; b < VOCAB; b++) {
			double s = 0;
			for (size_t c = 0; c < k; c++)
				s += (double)r[a * k + c] * r[b * k + c];
			double e = fabs(s - ref[a * VOCAB + b]);
			err = e > err ? e : err;
			big = fabs(ref[a * VOCAB + b]) > big
			          ? fabs(ref[a * VOCAB + b])
			          : big;
		}
	return err / big;
}

static void test_lsa_matches_dense(void **state)
{
	(void)state;
	static uint32_t toks[200 * 36];
	size_t n = make_stream(toks, 200, 7);
	double m[VOCAB * VOCAB], w[VOCAB], ref[VOCAB * VOCAB];
	gram_oracle(toks, n, m);
	assert_int_equal(
	    LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', VOCAB, m, VOCAB, w), 0);
	/* rank-6 approximation: the 6 largest eigenpairs (ascending order) */
	const size_t k = 6;
	memset(ref, 0, sizeof ref);
	for (size_t c = VOCAB - k; c < VOCAB; c++)
		for (int a = 0; a < VOCAB; a++)
			for (int b = 0; b < VOCAB; b++)
				ref[a * VOCAB + b] +=
				    w[c] * m[a * VOCAB + c] * m[b * VOCAB + c];
	float r[VOCAB * 6], r2[VOCAB * 6];
	train_lsa_opts o = {.rank = k, .iters = 30, .sv_power = 1, .seed = 3};
	assert_int_equal(train_lsa(toks, n, VOCAB, &o, r), 0);
	assert_true(gram_error(r, k, ref) < 1e-4);
	for (size_t i = USED * k; i < VOCAB * k; i++)
		assert_true(r[i] == 0);
	/* the same inputs and seed: the same bytes */
	assert_int_equal(train_lsa(toks, n, VOCAB, &o, r2), 0);
	assert_memory_equal(r, r2, sizeof r);
	/* sv_power 0: the rows are orthonormal columns (V_k^T V_k = I) */
	o.sv_power = 0;
	assert_int_equal(train_lsa(toks, n, VOCAB, &o, r), 0);
	for (size_t a = 0; a < k; a++)
		for (size_t b = 0; b < k; b++) {
			double s = 0;
			for (int t = 0; t < VOCAB; t++)
				s += (double)r[t * k + a] * r[t * k + b];
			assert_true(fabs(s - (a == b)) < 1e-4);
		}
}

static void test_lsa_few_documents(void **state)
{
	(void)state;
	/* 3 documents, rank 8 asked: X has rank <= 3, so R R^T = X^T X and
	 * every value is finite */
	uint32_t toks[3 * 36];
	size_t n = make_stream(toks, 3, 11);
	double m[VOCAB * VOCAB];
	gram_oracle(toks, n, m);
	float r[VOCAB * 8];
	train_lsa_opts o = {.rank = 8, .iters = 4, .sv_power = 1, .seed = 3};
	assert_int_equal(train_lsa(toks, n, VOCAB, &o, r), 0);
	for (size_t i = 0; i < VOCAB * 8; i++)
		assert_true(isfinite(r[i]));
	assert_true(gram_error(r, 8, m) < 1e-4);
	/* a single document: every idf is 0, so every row is 0 */
	uint32_t one[] = {1, 2, 2, 3, TRAIN_BREAK};
	assert_int_equal(train_lsa(one, 5, VOCAB, &o, r), 0);
	for (size_t i = 0; i < VOCAB * 8; i++)
		assert_true(r[i] == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lsa_matches_dense),
	    cmocka_unit_test(test_lsa_few_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
