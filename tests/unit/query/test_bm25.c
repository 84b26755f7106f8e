/* Unit tests of BM25 ranking and the in-memory keyword index
 * (src/filter/bm25.c). The oracle is a brute-force scorer over the
 * documents' bags of terms. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filter/bm25.h"

#define NDOC 300
static const char *vocab[] = {"alpha", "beta",  "gamma", "delta",  "epsilon",
                              "zeta",  "theta", "kappa", "lambda", "sigma"};

static char docs[NDOC][512];

static void make_docs(sl_rng *r)
{
	for (int d = 0; d < NDOC; d++) {
		size_t n = 0, words = 1 + sl_rng_next(r) % 40;
		docs[d][0] = '\0';
		for (size_t w = 0; w < words; w++) {
			/* skewed: low indices frequent */
			size_t v = (size_t)(sl_rng_uniform(r) *
			                    sl_rng_uniform(r) * 10);
			n += (size_t)snprintf(docs[d] + n, sizeof docs[d] - n,
			                      "%s ", vocab[v]);
		}
	}
}

/* Brute force: score of document d for query bag q. */
static double oracle(filt_kw *kw, const filt_kwmem *m, const filt_kw_bag *q,
                     int d, const filt_bm25_params *p)
{
	filt_kw_bag b = {0};
	assert_int_equal(filt_kw_bag_build(kw, docs[d], strlen(docs[d]), &b),
	                 SEMLITE_OK);
	const filt_kw_stats *st = filt_kwmem_stats(m);
	double avgdl = (double)st->total_len / (double)st->n_docs, s = 0;
	for (size_t i = 0; i < q->n; i++)
		for (size_t j = 0; j < b.n; j++) {
			if (strcmp(q->terms[i].term, b.terms[j].term))
				continue;
			const filt_post *post = filt_kwmem_get(
			    m, q->terms[i].term, q->terms[i].len);
			double df = (double)post->n, N = (double)st->n_docs;
			double idf = log(1 + (N - df + 0.5) / (df + 0.5));
			double tf = b.terms[j].tf;
			s += q->terms[i].tf * idf * tf * (p->k1 + 1) /
			     (tf +
			      p->k1 * (1 - p->b + p->b * b.doc_len / avgdl));
		}
	filt_kw_bag_clear(&b);
	return s;
}

static filt_kwmem *build(filt_kw *kw)
{
	filt_kwmem *m = NULL;
	filt_kw_bag b = {0};
	assert_int_equal(filt_kwmem_new(&m), SEMLITE_OK);
	for (int d = 0; d < NDOC; d++) {
		assert_int_equal(
		    filt_kw_bag_build(kw, docs[d], strlen(docs[d]), &b),
		    SEMLITE_OK);
		assert_int_equal(filt_kwmem_add(m, (uint32_t)d, &b),
		                 SEMLITE_OK);
	}
	filt_kw_bag_clear(&b);
	return m;
}

static void check_query(filt_kw *kw, filt_kwmem *m, const char *query,
                        const filt_bm25_params *p,
                        const roaring_bitmap_t *allow)
{
	filt_hit hits[NDOC];
	size_t n;
	filt_kw_bag q = {0};
	assert_int_equal(
	    filt_bm25_search(kw, query, strlen(query), filt_kwmem_stats(m), p,
	                     filt_kwmem_lookup, m, allow, 10, hits, &n),
	    SEMLITE_OK);
	assert_int_equal(filt_kw_bag_build(kw, query, strlen(query), &q),
	                 SEMLITE_OK);
	/* every returned score matches the oracle, and no document outside
	 * the results beats the last one */
	for (size_t i = 0; i < n; i++) {
		assert_true(!allow ||
		            roaring_bitmap_contains(allow, hits[i].id));
		double o = oracle(kw, m, &q, (int)hits[i].id, p);
		assert_true(fabs(o - hits[i].score) < 1e-4 * (1 + o));
		assert_true(i == 0 || hits[i].score <= hits[i - 1].score);
	}
	for (int d = 0; d < NDOC && n == 10; d++) {
		if (allow && !roaring_bitmap_contains(allow, (uint32_t)d))
			continue;
		bool in = false;
		for (size_t i = 0; i < n; i++)
			in |= hits[i].id == (uint32_t)d;
		if (!in)
			assert_true(oracle(kw, m, &q, d, p) <=
			            hits[9].score + 1e-4);
	}
	filt_kw_bag_clear(&q);
}

static void test_against_oracle(void **state)
{
	(void)state;
	sl_rng r;
	sl_rng_seed(&r, 11);
	make_docs(&r);
	filt_kw *kw = NULL;
	assert_int_equal(filt_kw_new(NULL, &kw), SEMLITE_OK);
	filt_kwmem *m = build(kw);
	filt_bm25_params p = filt_bm25_params_default();
	check_query(kw, m, "sigma", &p, NULL);
	check_query(kw, m, "kappa lambda lambda alpha", &p, NULL);
	filt_bm25_params p2 = {2.0f, 1.0f};
	check_query(kw, m, "theta zeta", &p2, NULL);
	roaring_bitmap_t *allow = roaring_bitmap_from_range(0, NDOC, 3);
	check_query(kw, m, "theta zeta beta", &p, allow);
	roaring_bitmap_free(allow);
	filt_kwmem_free(m);
	filt_kw_free(kw);
}

static void test_small_and_edges(void **state)
{
	(void)state;
	filt_kw *kw = NULL;
	filt_kwmem *m = NULL;
	filt_kw_bag b = {0};
	assert_int_equal(filt_kw_new(NULL, &kw), SEMLITE_OK);
	assert_int_equal(filt_kwmem_new(&m), SEMLITE_OK);
	const char *t[] = {"Protein folding in cells",
	                   "Cells divide; cells grow", "Galaxies and stars"};
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(filt_kw_bag_build(kw, t[i], strlen(t[i]), &b),
		                 SEMLITE_OK);
		assert_int_equal(filt_kwmem_add(m, i, &b), SEMLITE_OK);
	}
	filt_hit h[5];
	size_t n;
	assert_int_equal(filt_bm25_search(kw, "cell", 4, filt_kwmem_stats(m),
	                                  NULL, filt_kwmem_lookup, m, NULL, 5,
	                                  h, &n),
	                 SEMLITE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(h[0].id, 1); /* tf 2 beats tf 1 */
	assert_int_equal(h[1].id, 0);
	/* no known term, only stop words, k = 0 */
	assert_int_equal(filt_bm25_search(kw, "quasar", 6, filt_kwmem_stats(m),
	                                  NULL, filt_kwmem_lookup, m, NULL, 5,
	                                  h, &n),
	                 SEMLITE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(filt_bm25_search(kw, "the and", 7, filt_kwmem_stats(m),
	                                  NULL, filt_kwmem_lookup, m, NULL, 5,
	                                  h, &n),
	                 SEMLITE_OK);
	assert_int_equal(n, 0);
	/* bad parameters */
	filt_bm25_params bad = {1.2f, 1.5f};
	assert_int_equal(filt_bm25_search(kw, "cell", 4, filt_kwmem_stats(m),
	                                  &bad, filt_kwmem_lookup, m, NULL, 5,
	                                  h, &n),
	                 SEMLITE_INVALID);
	/* removal */
	assert_int_equal(filt_kw_bag_build(kw, t[1], strlen(t[1]), &b),
	                 SEMLITE_OK);
	assert_int_equal(filt_kwmem_remove(m, 1, &b), SEMLITE_OK);
	assert_int_equal(filt_kwmem_stats(m)->n_docs, 2);
	assert_int_equal(filt_bm25_search(kw, "cell", 4, filt_kwmem_stats(m),
	                                  NULL, filt_kwmem_lookup, m, NULL, 5,
	                                  h, &n),
	                 SEMLITE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].id, 0);
	filt_kw_bag_clear(&b);
	filt_kwmem_free(m);
	filt_kw_free(kw);
}

static int count_terms(void *ctx, const char *term, size_t len,
                       const filt_post *p)
{
	(void)term;
	(void)len;
	*(size_t *)ctx += p->n;
	return 0;
}

static void test_grow_and_each(void **state)
{
	(void)state;
	filt_kw_opts o = {.stem = false, .stopwords = false};
	filt_kw *kw = NULL;
	filt_kwmem *m = NULL;
	filt_kw_bag b = {0};
	assert_int_equal(filt_kw_new(&o, &kw), SEMLITE_OK);
	assert_int_equal(filt_kwmem_new(&m), SEMLITE_OK);
	char text[64];
	for (uint32_t i = 0; i < 5000; i++) {
		int n = snprintf(text, sizeof text, "w%u common", i);
		assert_int_equal(filt_kw_bag_build(kw, text, (size_t)n, &b),
		                 SEMLITE_OK);
		assert_int_equal(filt_kwmem_add(m, i, &b), SEMLITE_OK);
	}
	size_t total = 0;
	assert_int_equal(filt_kwmem_each(m, count_terms, &total), SEMLITE_OK);
	assert_int_equal(total, 10000);
	assert_non_null(filt_kwmem_get(m, "w4999", 5));
	assert_int_equal(filt_kwmem_get(m, "common", 6)->n, 5000);
	filt_kw_bag_clear(&b);
	filt_kwmem_free(m);
	filt_kw_free(kw);
}

/* A tiny key-value store standing in for the LMDB sub-database. */
typedef struct kv {
	char key[NDOC][80];
	size_t klen[NDOC];
	uint8_t *val[NDOC];
	size_t vlen[NDOC];
	size_t n;
	int puts, fail_put; /* fail_put > 0: that put fails with NOMEM */
} kv;

static long kv_find(kv *s, const char *k, size_t kl)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->klen[i] == kl && !memcmp(s->key[i], k, kl))
			return (long)i;
	return -1;
}

static int kv_get(void *ctx, const char *k, size_t kl, const void **v,
                  size_t *vl)
{
	kv *s = ctx;
	long i = kv_find(s, k, kl);
	if (i < 0)
		return SEMLITE_NOTFOUND;
	*v = s->val[i];
	*vl = s->vlen[i];
	return SEMLITE_OK;
}

static int kv_put(void *ctx, const char *k, size_t kl, const void *v, size_t vl)
{
	kv *s = ctx;
	if (++s->puts == s->fail_put)
		return SEMLITE_NOMEM;
	long i = kv_find(s, k, kl);
	if (i < 0) {
		assert_true(s->n < NDOC && kl < 80);
		i = (long)s->n++;
		memcpy(s->key[i], k, kl);
		s->klen[i] = kl;
		s->val[i] = NULL;
	}
	free(s->val[i]);
	s->val[i] = malloc(vl);
	memcpy(s->val[i], v, vl);
	s->vlen[i] = vl;
	return SEMLITE_OK;
}

static int kv_del(void *ctx, const char *k, size_t kl)
{
	kv *s = ctx;
	long i = kv_find(s, k, kl);
	if (i < 0)
		return SEMLITE_NOTFOUND;
	free(s->val[i]);
	s->n--;
	memmove(s->key[i], s->key[s->n], sizeof s->key[0]);
	s->klen[i] = s->klen[s->n];
	s->val[i] = s->val[s->n];
	s->vlen[i] = s->vlen[s->n];
	return SEMLITE_OK;
}

static void add_docs(filt_kw *kw, filt_kwmem *m, int from, int to, bool rm)
{
	filt_kw_bag b = {0};
	for (int d = from; d < to; d++) {
		assert_int_equal(
		    filt_kw_bag_build(kw, docs[d], strlen(docs[d]), &b),
		    SEMLITE_OK);
		if (rm)
			assert_int_equal(filt_kwmem_remove(m, (uint32_t)d, &b),
			                 SEMLITE_OK);
		else
			assert_int_equal(filt_kwmem_add(m, (uint32_t)d, &b),
			                 SEMLITE_OK);
	}
	filt_kw_bag_clear(&b);
}

static void test_write_back(void **state)
{
	(void)state;
	static kv store;
	memset(&store, 0, sizeof store);
	filt_kw_store st = {&store, kv_get, kv_put, kv_del, 0, NULL};
	sl_rng r;
	sl_rng_seed(&r, 12);
	make_docs(&r);
	filt_kw *kw = NULL;
	filt_kwmem *w = NULL, *ref = NULL;
	assert_int_equal(filt_kw_new(NULL, &kw), SEMLITE_OK);
	/* two "transactions": add 0..200; then remove 0..50, add 200..300 */
	assert_int_equal(filt_kwmem_new(&w), SEMLITE_OK);
	assert_int_equal(filt_kwmem_attach(w, &st), SEMLITE_OK);
	add_docs(kw, w, 0, 200, false);
	assert_int_equal(filt_kwmem_flush(w), SEMLITE_OK);
	filt_kwmem_reset(w);
	assert_int_equal(filt_kwmem_flush(w), SEMLITE_MISUSE);
	assert_int_equal(filt_kwmem_attach(w, &st), SEMLITE_OK);
	assert_int_equal(filt_kwmem_stats(w)->n_docs, 200);
	add_docs(kw, w, 0, 50, true);
	add_docs(kw, w, 200, NDOC, false);
	assert_int_equal(filt_kwmem_flush(w), SEMLITE_OK);
	/* the reference: the same final documents, built in memory */
	assert_int_equal(filt_kwmem_new(&ref), SEMLITE_OK);
	add_docs(kw, ref, 50, NDOC, false);
	filt_kw_reader rd = {st, NULL, 0};
	filt_kw_stats rs;
	assert_int_equal(filt_kw_reader_stats(&rd, &rs), SEMLITE_OK);
	assert_int_equal(rs.n_docs, filt_kwmem_stats(ref)->n_docs);
	assert_int_equal(rs.total_len, filt_kwmem_stats(ref)->total_len);
	const char *qs[] = {"sigma kappa", "alpha", "zeta theta lambda"};
	for (int q = 0; q < 3; q++) {
		filt_hit a[20], b[20];
		size_t na, nb;
		size_t ql = strlen(qs[q]);
		assert_int_equal(filt_bm25_search(kw, qs[q], ql, &rs, NULL,
		                                  filt_kw_reader_lookup, &rd,
		                                  NULL, 20, a, &na),
		                 SEMLITE_OK);
		assert_int_equal(
		    filt_bm25_search(kw, qs[q], ql, filt_kwmem_stats(ref), NULL,
		                     filt_kwmem_lookup, ref, NULL, 20, b, &nb),
		    SEMLITE_OK);
		assert_int_equal(na, nb);
		for (size_t i = 0; i < na; i++) {
			assert_int_equal(a[i].id, b[i].id);
			assert_true(a[i].score == b[i].score);
			assert_true(a[i].id >= 50);
		}
	}
	/* a failing put surfaces */
	filt_kwmem_reset(w);
	assert_int_equal(filt_kwmem_attach(w, &st), SEMLITE_OK);
	add_docs(kw, w, 0, 1, false);
	store.fail_put = store.puts + 1;
	assert_int_equal(filt_kwmem_flush(w), SEMLITE_NOMEM);
	/* a corrupt stored record is reported when touched */
	long i = kv_find(&store, "sigma", 5);
	if (i >= 0) {
		store.val[i][store.vlen[i] / 2] ^= 0x40;
		filt_kwmem_reset(w);
		assert_int_equal(filt_kwmem_attach(w, &st), SEMLITE_OK);
		filt_kw_bag b = {0};
		assert_int_equal(filt_kw_bag_build(kw, "sigma", 5, &b),
		                 SEMLITE_OK);
		assert_int_equal(filt_kwmem_add(w, 999, &b), SEMLITE_CORRUPT);
		filt_kw_bag_clear(&b);
	}
	filt_kw_reader_clear(&rd);
	for (size_t j = 0; j < store.n; j++)
		free(store.val[j]);
	filt_kwmem_free(w);
	filt_kwmem_free(ref);
	filt_kw_free(kw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_against_oracle),
	    cmocka_unit_test(test_small_and_edges),
	    cmocka_unit_test(test_grow_and_each),
	    cmocka_unit_test(test_write_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
