/*
 * test_query.c — keyword search, hybrid options, recommendation, MMR,
 * grouping by source document and chunking, through semlite.h only.
 *
 * Collections here have no model: documents are stored with explicit
 * vectors and text (semlite_vector_put), so keyword search and
 * recommendation by stored ids are fully deterministic.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/test_db.h"
#include "semlite.h"

#define DIM 4
static char path[256];

static int setup(void **state)
{
	(void)state;
	tdb_path(path, sizeof path, "api_query");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tdb_remove(path);
	return 0;
}

/* Topic vectors: "cells" docs point along e0, "stars" along e1. */
static const struct {
	const char *id, *text, *meta;
	float v[DIM];
} docs[] = {
    {"c1", "Cells divide and cells grow.", "{\"t\":\"bio\"}", {1, 0.1f, 0, 0}},
    {"c2", "Stem cells renew tissue.", "{\"t\":\"bio\"}", {0.6f, 0, 0.8f, 0}},
    {"c3", "Cell membranes and proteins.", "{\"t\":\"bio\"}", {1, 0, 0, 0.1f}},
    {"c4",
     "Cells, cells, cells: a duplicate of c1.",
     "{\"t\":\"bio\"}",
     {1, 0.1f, 0, 0.01f}},
    {"s1", "Stars burn hydrogen.", "{\"t\":\"astro\"}", {0, 1, 0, 0}},
    {"s2", "Galaxies hold many stars.", "{\"t\":\"astro\"}", {0.1f, 1, 0, 0}},
    {"s3", "Neutron stars are dense.", "{\"t\":\"astro\"}", {0, 0.9f, 0.1f, 0}},
};
#define NDOCS (sizeof docs / sizeof docs[0])

static semlite_collection *make(semlite_db **db)
{
	semlite_collection *c;
	tdb_create(path, "c", DIM, db, &c);
	semlite_txn *t;
	assert_int_equal(semlite_txn_begin(*db, &t), 0);
	for (size_t i = 0; i < NDOCS; i++)
		assert_int_equal(semlite_vector_put(c, t, docs[i].id, docs[i].v,
		                                    DIM, docs[i].text,
		                                    strlen(docs[i].text),
		                                    docs[i].meta),
		                 0);
	assert_int_equal(semlite_txn_commit(t), 0);
	return c;
}

static bool has(const semlite_results *r, const char *id)
{
	for (size_t i = 0; i < r->count; i++)
		if (!strcmp(r->items[i].id, id))
			return true;
	return false;
}

static semlite_results *kw(semlite_collection *c, const char *q, size_t k)
{
	semlite_search_opts o;
	semlite_search_opts_init(&o);
	o.mode = SEMLITE_SEARCH_KEYWORD;
	o.k = k;
	semlite_results *r = NULL;
	assert_int_equal(semlite_search_text(c, q, strlen(q), &o, &r), 0);
	return r;
}

static void test_keyword_and_maintenance(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = make(&db);
	semlite_results *r = kw(c, "cell", 10);
	assert_int_equal(r->count, 4);             /* stemming: cells/cell */
	assert_string_equal(r->items[0].id, "c4"); /* highest tf */
	assert_false(has(r, "s1"));
	semlite_results_free(r);
	/* delete and upsert keep postings in step */
	assert_int_equal(semlite_doc_delete(c, NULL, "c4"), 0);
	float v[DIM] = {0, 0, 1, 0};
	assert_int_equal(semlite_vector_put(c, NULL, "c3", v, DIM,
	                                    "Comets and stars.", 17, NULL),
	                 0);
	r = kw(c, "cells", 10);
	assert_int_equal(r->count, 2);
	assert_false(has(r, "c4"));
	assert_false(has(r, "c3"));
	semlite_results_free(r);
	r = kw(c, "comet", 10);
	assert_int_equal(r->count, 1);
	assert_string_equal(r->items[0].id, "c3");
	semlite_results_free(r);
	/* the integrity check reads every postings record */
	char rep[256];
	assert_int_equal(semlite_db_check(db, rep, sizeof rep), 0);
	/* a filter restricts keyword results */
	semlite_search_opts o;
	semlite_search_opts_init(&o);
	o.mode = SEMLITE_SEARCH_KEYWORD;
	o.where_field = "t";
	o.where_value = "astro";
	assert_int_equal(semlite_search_text(c, "stars cells", 11, &o, &r), 0);
	assert_int_equal(r->count, 3);
	assert_false(has(r, "c1"));
	semlite_results_free(r);
	/* bad options */
	o.mode = 9;
	assert_int_equal(semlite_search_text(c, "x", 1, &o, &r),
	                 SEMLITE_INVALID);
	o.mode = SEMLITE_SEARCH_KEYWORD;
	o.dense_weight = 2;
	assert_int_equal(semlite_search_text(c, "x", 1, &o, &r),
	                 SEMLITE_INVALID);
	semlite_collection_close(c);
	semlite_close(db);
}

static void test_persisted_after_reopen(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = make(&db);
	semlite_collection_close(c);
	semlite_close(db);
	assert_int_equal(semlite_open(path, SEMLITE_OPEN_READONLY, &db), 0);
	assert_int_equal(semlite_collection_open(db, "c", &c), 0);
	semlite_results *r = kw(c, "galaxy", 5);
	assert_int_equal(r->count, 1);
	assert_string_equal(r->items[0].id, "s2");
	semlite_results_free(r);
	semlite_collection_close(c);
	semlite_close(db);
}

static semlite_results *reco(semlite_collection *c, const char **like,
                             size_t nl, const char **unlike, size_t nu,
                             int strategy, size_t k, int *rc)
{
	semlite_reco_query q = {0};
	q.like_ids = like;
	q.n_like_ids = nl;
	q.unlike_ids = unlike;
	q.n_unlike_ids = nu;
	q.strategy = strategy;
	semlite_search_opts o;
	semlite_search_opts_init(&o);
	o.k = k;
	semlite_results *r = NULL;
	*rc = semlite_recommend(c, &q, &o, &r);
	return r;
}

static void test_recommend(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = make(&db);
	int rc;
	for (int s = 0; s < 2; s++) {
		const char *like[] = {"c1"};
		semlite_results *r = reco(c, like, 1, NULL, 0, s, 3, &rc);
		assert_int_equal(rc, 0);
		assert_int_equal(r->count, 3);
		assert_false(has(r, "c1")); /* examples excluded */
		for (size_t i = 0; i < r->count; i++)
			assert_int_equal(r->items[i].id[0], 'c'); /* topic */
		semlite_results_free(r);
	}
	/* --unlike: s2 (stars with a little of e0) moves below s1, s3 */
	const char *like[] = {"c2", "s1"}, *unlike[] = {"c1"};
	semlite_results *r =
	    reco(c, like, 2, unlike, 1, SEMLITE_RECO_BEST, 6, &rc);
	assert_int_equal(rc, 0);
	assert_false(has(r, "c1") || has(r, "c2") || has(r, "s1"));
	/* c3 and c4 are closer to the negative c1 than to any positive:
	 * they score below zero, after every astro document */
	size_t last_astro = 0, first_bio = r->count;
	for (size_t i = 0; i < r->count; i++) {
		if (r->items[i].id[0] == 's')
			last_astro = i;
		else if (first_bio == r->count)
			first_bio = i;
		if (r->items[i].id[0] == 'c')
			assert_true(r->items[i].score < 0);
	}
	assert_true(last_astro < first_bio);
	semlite_results_free(r);
	/* unknown ids are named */
	const char *bad[] = {"nope"};
	r = reco(c, bad, 1, NULL, 0, SEMLITE_RECO_AVERAGE, 3, &rc);
	assert_int_equal(rc, SEMLITE_NOTFOUND);
	assert_non_null(strstr(semlite_errmsg(), "nope"));
	assert_null(r);
	r = reco(c, NULL, 0, NULL, 0, SEMLITE_RECO_AVERAGE, 3, &rc);
	assert_int_equal(rc, SEMLITE_INVALID);
	semlite_collection_close(c);
	semlite_close(db);
}

static void test_mmr_and_group(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = make(&db);
	/* without MMR the near-duplicates c4, c1 lead; with a strong
	 * diversity weight the second pick is not c1's twin */
	semlite_search_opts o;
	semlite_search_opts_init(&o);
	o.mode = SEMLITE_SEARCH_KEYWORD;
	o.k = 2;
	o.mmr = 0.1f;
	semlite_results *r;
	assert_int_equal(semlite_search_text(c, "cells", 5, &o, &r), 0);
	assert_int_equal(r->count, 2);
	assert_string_equal(r->items[0].id, "c4");
	assert_string_not_equal(r->items[1].id, "c1");
	semlite_results_free(r);
	/* chunks of one source document collapse to the best one */
	const char *m1 = "{\"_doc\":\"book\",\"_start\":0,\"_end\":10}";
	const char *m2 = "{\"_doc\":\"book\",\"_start\":8,\"_end\":20}";
	float v[DIM] = {0, 0, 0, 1};
	assert_int_equal(semlite_vector_put(c, NULL, "book#0", v, DIM,
	                                    "quasar quasar", 13, m1),
	                 0);
	assert_int_equal(semlite_vector_put(c, NULL, "book#1", v, DIM,
	                                    "quasar light", 12, m2),
	                 0);
	semlite_search_opts_init(&o);
	o.mode = SEMLITE_SEARCH_KEYWORD;
	o.group_by_doc = 1;
	assert_int_equal(semlite_search_text(c, "quasar", 6, &o, &r), 0);
	assert_int_equal(r->count, 1);
	assert_string_equal(r->items[0].id, "book#0");
	assert_null(r->items[0].text); /* with_text not asked */
	semlite_results_free(r);
	semlite_collection_close(c);
	semlite_close(db);
}

static void test_chunk_api(void **state)
{
	(void)state;
	const char *t = "First sentence here. Second one! Third?";
	semlite_chunk *ch;
	size_t n;
	assert_int_equal(semlite_chunk_text(t, strlen(t), 5, 2, NULL, &ch, &n),
	                 0);
	assert_int_equal(n, 2);
	assert_int_equal(ch[0].start, 0);
	assert_int_equal(ch[0].tokens, 5);
	assert_int_equal(ch[1].end, strlen(t));
	semlite_chunks_free(ch);
	assert_int_equal(semlite_chunk_text(t, strlen(t), 5, 5, NULL, &ch, &n),
	                 SEMLITE_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_keyword_and_maintenance, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_persisted_after_reopen, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_recommend, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mmr_and_group, setup,
	                                    teardown),
	    cmocka_unit_test(test_chunk_api),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
