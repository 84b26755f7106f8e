/*
 * test_storage.c — the database API through semlite.h only: create and
 * reopen, upsert, delete, get exact text, filters, transactions (commit,
 * abort, read-your-writes), map growth, and flat search against a brute
 * force oracle computed here.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/test_db.h"
#include "semlite.h"

#define DIM 16

static char path[256];

static void vec_for(unsigned i, float *v)
{
	unsigned s = i * 2654435761u + 12345;
	for (int d = 0; d < DIM; d++) {
		s = s * 1103515245u + 12345;
		v[d] = (float)((s >> 8) % 2000) / 1000.0f - 1.0f;
	}
}

static int setup(void **state)
{
	(void)state;
	tdb_path(path, sizeof path, "api_storage");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tdb_remove(path);
	return 0;
}

static semlite_collection *make(semlite_db **db, semlite_metric m)
{
	semlite_collection_opts o;
	semlite_collection *c;
	semlite_collection_opts_init(&o);
	o.dim = DIM;
	o.metric = m;
	tdb_create_opts(path, "c", &o, db, &c);
	return c;
}

static void put(semlite_collection *c, semlite_txn *t, unsigned i,
                const char *text, const char *meta)
{
	float v[DIM];
	char id[32];
	vec_for(i, v);
	snprintf(id, sizeof id, "doc-%u", i);
	assert_int_equal(semlite_vector_put(c, t, id, v, DIM, text,
	                                    text ? strlen(text) : 0, meta),
	                 SEMLITE_OK);
}

static void expect_text(semlite_collection *c, semlite_txn *t, const char *id,
                        const char *text)
{
	semlite_doc *d;
	int rc = semlite_doc_get(c, t, id, &d);
	if (!text) {
		assert_int_equal(rc, SEMLITE_NOTFOUND);
		return;
	}
	assert_int_equal(rc, SEMLITE_OK);
	assert_string_equal(d->id, id);
	assert_int_equal(d->text_len, strlen(text));
	assert_memory_equal(d->text, text, d->text_len);
	semlite_doc_free(d);
}

static uint64_t count(semlite_collection *c)
{
	semlite_collection_stats s;
	assert_int_equal(semlite_collection_stats_get(c, &s), 0);
	return s.documents;
}

static void test_upsert_delete_reopen(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = make(&db, SEMLITE_METRIC_COSINE);
	put(c, NULL, 1, "first version", "{\"lang\": \"en\"}");
	put(c, NULL, 2, "second doc", NULL);
	expect_text(c, NULL, "doc-1", "first version");
	put(c, NULL, 1, "replaced \xc3\xa9 text", NULL);
	expect_text(c, NULL, "doc-1", "replaced \xc3\xa9 text");
	assert_int_equal(count(c), 2);
	assert_int_equal(semlite_doc_delete(c, NULL, "doc-2"), SEMLITE_OK);
	assert_int_equal(semlite_doc_delete(c, NULL, "doc-2"),
	                 SEMLITE_NOTFOUND);
	expect_text(c, NULL, "doc-2", NULL);
	assert_int_equal(count(c), 1);
	semlite_collection_close(c);
	semlite_close(db);

	assert_int_equal(semlite_open(path, 0, &db), 0);
	assert_int_equal(semlite_collection_open(db, "c", &c), 0);
	expect_text(c, NULL, "doc-1", "replaced \xc3\xa9 text");
	semlite_collection_stats s;
	assert_int_equal(semlite_collection_stats_get(c, &s), 0);
	assert_int_equal(s.documents, 1);
	assert_int_equal(s.tombstones, 2);
	char report[256];
	assert_int_equal(semlite_db_check(db, report, sizeof report), 0);
	semlite_collection_close(c);
	semlite_close(db);
}

/* semlite_db_copy: a compacted copy made while a read snapshot of the
 * source is open leaves out the free pages and repacks the half-empty
 * ones (smaller than the used pages), holds the same
 * documents and answers searches identically; a plain copy is as large as
 * the source's used pages; dest in the way is EXISTS and untouched. */
static void test_copy(void **state)
{
	(void)state;
	char dest[300], dest2[300];
	snprintf(dest, sizeof dest, "%s.copy", path);
	snprintf(dest2, sizeof dest2, "%s.copy2", path);
	semlite_db *db;
	semlite_collection *c = make(&db, SEMLITE_METRIC_COSINE);
	/* many small transactions and deletes leave free pages behind */
	for (unsigned b = 0; b < 20; b++) {
		semlite_txn *t;
		assert_int_equal(semlite_txn_begin(db, &t), 0);
		for (unsigned i = b * 50; i < b * 50 + 50; i++)
			put(c, t, i, "some text to store, and some more text",
			    NULL);
		assert_int_equal(semlite_txn_commit(t), 0);
	}
	for (unsigned i = 0; i < 1000; i += 3) {
		char id[32];
		snprintf(id, sizeof id, "doc-%u", i);
		assert_int_equal(semlite_doc_delete(c, NULL, id), SEMLITE_OK);
	}
	assert_int_equal(semlite_db_copy(NULL, dest, 0), SEMLITE_INVALID);
	assert_int_equal(semlite_db_copy(db, dest, 4), SEMLITE_INVALID);
	assert_int_equal(semlite_db_copy(db, dest, SEMLITE_COPY_COMPACT), 0);
	assert_int_equal(semlite_db_copy(db, dest2, 0), 0);
	uint64_t src_bytes, dst_bytes, dst2_bytes;
	assert_int_equal(semlite_db_file_size(db, &src_bytes), 0);
	/* in the way: refused, the existing file untouched */
	FILE *f = fopen(dest2, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	dst2_bytes = (uint64_t)ftell(f);
	fclose(f);
	assert_int_equal(semlite_db_copy(db, dest2, SEMLITE_COPY_COMPACT),
	                 SEMLITE_EXISTS);
	f = fopen(dest2, "rb");
	fseek(f, 0, SEEK_END);
	assert_int_equal((uint64_t)ftell(f), dst2_bytes);
	fclose(f);

	semlite_db *cdb;
	semlite_collection *cc;
	assert_int_equal(semlite_open(dest, SEMLITE_OPEN_READONLY, &cdb), 0);
	assert_int_equal(semlite_db_file_size(cdb, &dst_bytes), 0);
	assert_true(dst_bytes < src_bytes);
	assert_true(dst_bytes < dst2_bytes);
	/* the copy is the source without its free pages */
	uint64_t src_free, dst_free;
	assert_int_equal(semlite_db_free_bytes(NULL, &src_free),
	                 SEMLITE_INVALID);
	assert_int_equal(semlite_db_free_bytes(db, &src_free), 0);
	assert_int_equal(semlite_db_free_bytes(cdb, &dst_free), 0);
	assert_true(src_free > 0);
	assert_int_equal(dst_free, 0);
	/* and well under its used pages: the trees are repacked full (a
	 * page-by-page copy, MDB_CP_COMPACT, kept 99% of them here; the
	 * repacked copy 67%) */
	printf("copy: source %llu bytes, %llu free; compacted %llu\n",
	       (unsigned long long)src_bytes, (unsigned long long)src_free,
	       (unsigned long long)dst_bytes);
	assert_true(dst_bytes * 4 < (src_bytes - src_free) * 3);
	char report[256];
	assert_int_equal(semlite_db_check(cdb, report, sizeof report), 0);
	assert_int_equal(semlite_collection_open(cdb, "c", &cc), 0);
	assert_int_equal(count(cc), count(c));
	expect_text(cc, NULL, "doc-1",
	            "some text to store, and some more text");
	expect_text(cc, NULL, "doc-3", NULL);
	for (unsigned q = 0; q < 20; q++) {
		float v[DIM];
		vec_for(5000 + q, v);
		semlite_results *a, *b;
		assert_int_equal(semlite_search_vector(c, v, DIM, NULL, &a), 0);
		assert_int_equal(semlite_search_vector(cc, v, DIM, NULL, &b),
		                 0);
		assert_int_equal(a->count, b->count);
		for (size_t i = 0; i < a->count; i++) {
			assert_string_equal(a->items[i].id, b->items[i].id);
			assert_true(a->items[i].score == b->items[i].score);
		}
		semlite_results_free(a);
		semlite_results_free(b);
	}
	semlite_collection_close(cc);
	semlite_close(cdb);
	semlite_collection_close(c);
	semlite_close(db);
	const char *made[] = {dest, dest2};
	for (int i = 0; i < 2; i++)
		tdb_remove(made[i]);
}

static void test_errors(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = make(&db, SEMLITE_METRIC_DOT);
	float v[DIM] = {0};
	assert_int_equal(
	    semlite_vector_put(c, NULL, "x", v, DIM - 1, NULL, 0, NULL),
	    SEMLITE_DIM_MISMATCH);
	assert_int_equal(semlite_vector_put(c, NULL, "", v, DIM, NULL, 0, NULL),
	                 SEMLITE_INVALID);
	assert_int_equal(
	    semlite_vector_put(c, NULL, "x", v, DIM, NULL, 0, "[1,2]"),
	    SEMLITE_INVALID);
	assert_int_equal(
	    semlite_vector_put(c, NULL, "x", v, DIM, NULL, 0, "{\"a\":"),
	    SEMLITE_INVALID);
	v[3] = NAN;
	assert_int_equal(
	    semlite_vector_put(c, NULL, "x", v, DIM, NULL, 0, NULL),
	    SEMLITE_INVALID);
	assert_int_equal(semlite_doc_put(c, NULL, "x", "t", 1, NULL),
	                 SEMLITE_INVALID); /* no model */
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.dim = 4;
	assert_int_equal(semlite_collection_create(db, "c", &o),
	                 SEMLITE_EXISTS);
	assert_int_equal(semlite_collection_create(db, "bad name", &o),
	                 SEMLITE_INVALID);
	semlite_collection *none;
	assert_int_equal(semlite_collection_open(db, "nope", &none),
	                 SEMLITE_NOTFOUND);
	assert_int_equal(count(c), 0);
	/* A dropped collection's handle fails cleanly. */
	assert_int_equal(semlite_collection_drop(db, "c"), SEMLITE_OK);
	assert_int_equal(semlite_vector_put(c, NULL, "y", (float[DIM]){1}, DIM,
	                                    NULL, 0, NULL),
	                 SEMLITE_NOTFOUND);
	semlite_collection_close(c);
	semlite_close(db);
	semlite_db *missing;
	assert_int_equal(semlite_open("/nonexistent/x.semlite", 0, &missing),
	                 SEMLITE_NOTFOUND);
	assert_null(missing);
}

static void test_txn(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = make(&db, SEMLITE_METRIC_COSINE);
	semlite_txn *t;
	assert_int_equal(semlite_txn_begin(db, &t), 0);
	for (unsigned i = 0; i < 3000; i++)
		put(c, t, i, "batch", NULL);
	expect_text(c, t, "doc-2999", "batch"); /* read your writes */
	expect_text(c, NULL, "doc-2999", NULL); /* invisible outside */
	assert_int_equal(semlite_txn_commit(t), 0);
	assert_int_equal(count(c), 3000);

	assert_int_equal(semlite_txn_begin(db, &t), 0);
	put(c, t, 5000, "aborted", NULL);
	assert_int_equal(semlite_doc_delete(c, t, "doc-7"), 0);
	/* An invalid put leaves the transaction usable. */
	assert_int_equal(
	    semlite_vector_put(c, t, "", (float[DIM]){0}, DIM, NULL, 0, NULL),
	    SEMLITE_INVALID);
	semlite_txn_abort(t);
	expect_text(c, NULL, "doc-5000", NULL);
	expect_text(c, NULL, "doc-7", "batch");
	assert_int_equal(count(c), 3000);
	assert_int_equal(semlite_db_check(db, NULL, 0), 0);
	semlite_collection_close(c);
	semlite_close(db);
}

/* Brute-force oracle: the k best ids by exact f32 score. */
static float score_of(semlite_metric m, const float *q, const float *v)
{
	double dot = 0, qq = 0, vv = 0, l2 = 0;
	for (int d = 0; d < DIM; d++) {
		dot += (double)q[d] * v[d];
		qq += (double)q[d] * q[d];
		vv += (double)v[d] * v[d];
		l2 += ((double)q[d] - v[d]) * ((double)q[d] - v[d]);
	}
	if (m == SEMLITE_METRIC_COSINE)
		return (float)(dot / sqrt(qq * vv));
	return (float)(m == SEMLITE_METRIC_DOT ? dot : l2);
}

static void search_vs_oracle(semlite_metric m, semlite_precision p)
{
	semlite_db *db;
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.dim = DIM;
	o.metric = m;
	o.precision = p;
	semlite_collection *c;
	tdb_create_opts(path, "s", &o, &db, &c);
	semlite_txn *t;
	assert_int_equal(semlite_txn_begin(db, &t), 0);
	enum { N = 500 };
	for (unsigned i = 0; i < N; i++)
		put(c, t, i, NULL,
		    i % 3 == 0 ? "{\"group\": \"a\", \"n\": 3}"
		               : "{\"group\": \"b\"}");
	assert_int_equal(semlite_txn_commit(t), 0);
	float q[DIM];
	vec_for(100000, q);
	semlite_search_opts so;
	semlite_search_opts_init(&so);
	so.k = 5;
	so.rescore = N; /* rescore everything: must match the oracle */
	semlite_results *r;
	assert_int_equal(semlite_search_vector(c, q, DIM, &so, &r), 0);
	assert_int_equal(r->count, 5);
	float best = 0;
	int best_i = -1;
	for (unsigned i = 0; i < N; i++) {
		float v[DIM];
		vec_for(i, v);
		float s = score_of(m, q, v);
		if (best_i < 0 ||
		    (m == SEMLITE_METRIC_L2 ? s < best : s > best)) {
			best = s;
			best_i = (int)i;
		}
	}
	char want[32];
	snprintf(want, sizeof want, "doc-%d", best_i);
	assert_string_equal(r->items[0].id, want);
	double tol = p == SEMLITE_PRECISION_F32 ? 1e-4 : 2e-2;
	assert_true(fabs(r->items[0].score - best) <= tol * (1 + fabs(best)));
	semlite_results_free(r);
	/* Filtered: every result is in group a (ids divisible by 3). */
	so.where_field = "group";
	so.where_value = "a";
	so.k = 20;
	so.with_text = 1;
	assert_int_equal(semlite_search_vector(c, q, DIM, &so, &r), 0);
	assert_int_equal(r->count, 20);
	for (size_t i = 0; i < r->count; i++) {
		assert_int_equal(atoi(r->items[i].id + 4) % 3, 0);
		assert_non_null(strstr(r->items[i].metadata, "\"a\""));
	}
	semlite_results_free(r);
	so.where_field = "n";
	so.where_value = "3";
	assert_int_equal(semlite_search_vector(c, q, DIM, &so, &r), 0);
	assert_int_equal(r->count, 20);
	semlite_results_free(r);
	/* Deleted documents leave the filter's results. */
	assert_int_equal(semlite_doc_delete(c, NULL, "doc-0"), 0);
	so.where_field = "group";
	so.where_value = "a";
	so.k = 1000;
	assert_int_equal(semlite_search_vector(c, q, DIM, &so, &r), 0);
	assert_int_equal(r->count, (N + 2) / 3 - 1);
	semlite_results_free(r);
	assert_int_equal(semlite_collection_drop(db, "s"), 0);
	semlite_collection_close(c);
	semlite_close(db);
}

static void test_search(void **state)
{
	(void)state;
	search_vs_oracle(SEMLITE_METRIC_COSINE, SEMLITE_PRECISION_F16);
	search_vs_oracle(SEMLITE_METRIC_DOT, SEMLITE_PRECISION_F32);
	search_vs_oracle(SEMLITE_METRIC_L2, SEMLITE_PRECISION_F16);
	search_vs_oracle(SEMLITE_METRIC_L2, SEMLITE_PRECISION_F32);
}

static void test_growth(void **state)
{
	(void)state;
	/* A 64 KiB map must grow many times under one transaction. */
	setenv("SEMLITE_MAP_SIZE", "65536", 1);
	semlite_db *db;
	semlite_collection *c = make(&db, SEMLITE_METRIC_COSINE);
	semlite_txn *t;
	assert_int_equal(semlite_txn_begin(db, &t), 0);
	char text[600];
	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = 0;
	for (unsigned i = 0; i < 2000; i++)
		put(c, t, i, text, "{\"k\": \"v\"}");
	assert_int_equal(semlite_txn_commit(t), 0);
	assert_int_equal(count(c), 2000);
	expect_text(c, NULL, "doc-1999", text);
	assert_int_equal(semlite_db_check(db, NULL, 0), 0);
	semlite_collection_close(c);
	semlite_close(db);
	unsetenv("SEMLITE_MAP_SIZE");
}

/* Past 1,000 and 10,000 documents the collection trains, then retrains
 * its zstd dictionary and recompresses every document: all must read
 * back exactly, and the check must pass. */
static void test_dictionary(void **state)
{
	(void)state;
	static const char *const words[] = {
	    "river",  "stone",  "light",   "quiet",  "garden",
	    "winter", "letter", "morning", "window", "harbour"};
	semlite_db *db;
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.dim = DIM;
	o.hnsw_m = 4;
	o.hnsw_ef_construction = 8;
	semlite_collection *c;
	tdb_create_opts(path, "z", &o, &db, &c);
	char text[256];
	enum { N = 10500 };
	for (unsigned b = 0; b < N / 500; b++) {
		semlite_txn *t;
		assert_int_equal(semlite_txn_begin(db, &t), 0);
		for (unsigned i = b * 500; i < (b + 1) * 500; i++) {
			size_t n = 0;
			for (unsigned w = 0; w < 12; w++)
				n += (size_t)snprintf(
				    text + n, sizeof text - n, "%s%s",
				    w ? " " : "", words[(i * 7 + w * i) % 10]);
			snprintf(text + n, sizeof text - n, " %u", i);
			put(c, t, i, text, "{\"kind\": \"dict\"}");
		}
		assert_int_equal(semlite_txn_commit(t), 0);
	}
	semlite_collection_stats s;
	assert_int_equal(semlite_collection_stats_get(c, &s), 0);
	assert_int_equal(s.documents, N);
	/* Frames of ~120-byte documents stay near their size without a
	 * dictionary; with one they shrink by a third or more. */
	assert_true(s.stored_bytes * 4 < s.payload_bytes * 3);
	for (unsigned i = 0; i < N; i += 97) {
		size_t n = 0;
		char id[32];
		for (unsigned w = 0; w < 12; w++)
			n += (size_t)snprintf(text + n, sizeof text - n, "%s%s",
			                      w ? " " : "",
			                      words[(i * 7 + w * i) % 10]);
		snprintf(text + n, sizeof text - n, " %u", i);
		snprintf(id, sizeof id, "doc-%u", i);
		expect_text(c, NULL, id, text);
	}
	assert_int_equal(semlite_db_check(db, NULL, 0), 0);
	semlite_collection_close(c);
	semlite_close(db);
}

static size_t kw_count(semlite_collection *c, const char *q)
{
	semlite_search_opts so;
	semlite_search_opts_init(&so);
	so.mode = SEMLITE_SEARCH_KEYWORD;
	so.k = 100000;
	semlite_results *r;
	assert_int_equal(semlite_search_text(c, q, strlen(q), &so, &r), 0);
	size_t n = r->count;
	semlite_results_free(r);
	return n;
}

/* A collection without ANN and keyword indexes, and keyword postings
 * that span several 4,096-id segments: every document is found, deletes
 * and upserts in old segments leave them, the check passes. */
static void test_settings_segments(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.dim = DIM;
	o.index = SEMLITE_INDEX_NONE;
	tdb_create_opts(path, "k", &o, &db, NULL);
	o.keyword_index = 0;
	assert_int_equal(semlite_collection_create(db, "n", &o), 0);
	o.index = (semlite_index)7;
	assert_int_equal(semlite_collection_create(db, "bad", &o),
	                 SEMLITE_INVALID);
	semlite_collection *c, *n;
	assert_int_equal(semlite_collection_open(db, "k", &c), 0);
	assert_int_equal(semlite_collection_open(db, "n", &n), 0);
	enum { N = 9000 };
	char text[64];
	for (unsigned b = 0; b < N / 1000; b++) {
		semlite_txn *t;
		assert_int_equal(semlite_txn_begin(db, &t), 0);
		for (unsigned i = b * 1000; i < (b + 1) * 1000; i++) {
			snprintf(text, sizeof text, "common tag%u word%u",
			         i % 7, i);
			put(c, t, i, text, NULL);
			put(n, t, i, text, NULL);
		}
		assert_int_equal(semlite_txn_commit(t), 0);
	}
	semlite_collection_stats s;
	assert_int_equal(semlite_collection_stats_get(c, &s), 0);
	assert_int_equal(s.index, SEMLITE_INDEX_NONE);
	assert_int_equal(s.keyword_index, 1);
	assert_int_equal(semlite_collection_stats_get(n, &s), 0);
	assert_int_equal(s.keyword_index, 0);
	assert_int_equal(kw_count(c, "common"), N);
	assert_int_equal(kw_count(c, "tag3"), (N - 3 + 6) / 7);
	assert_int_equal(kw_count(c, "word5000"), 1);
	assert_int_equal(kw_count(n, "common"), 0);
	/* delete in segment 0, upsert in segment 1 */
	assert_int_equal(semlite_doc_delete(c, NULL, "doc-17"), 0);
	put(c, NULL, 5000, "replaced", NULL);
	assert_int_equal(kw_count(c, "common"), N - 2);
	assert_int_equal(kw_count(c, "word17"), 0);
	assert_int_equal(kw_count(c, "word5000"), 0);
	assert_int_equal(kw_count(c, "replac"), 1);
	/* without an index, search is the exact scan: the stored vector of
	 * a document finds that document first */
	float v[DIM];
	vec_for(4321, v);
	semlite_results *r;
	assert_int_equal(semlite_search_vector(n, v, DIM, NULL, &r), 0);
	assert_string_equal(r->items[0].id, "doc-4321");
	semlite_results_free(r);
	char report[256];
	assert_int_equal(semlite_db_check(db, report, sizeof report), 0);
	semlite_collection_close(c);
	semlite_collection_close(n);
	semlite_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_upsert_delete_reopen, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_txn, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_growth, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dictionary, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_settings_segments, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
