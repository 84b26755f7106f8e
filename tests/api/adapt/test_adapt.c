/*
 * test_adapt.c — semlite_collection_adapt() on a small synthetic corpus
 * (four topics of made-up sentences, deterministic), with a tiny model
 * trained on that corpus:
 *   - the model changes, every document is kept with its text, the
 *     integrity check passes, an exact search over everything returns
 *     every id, and a document's own text finds it first;
 *   - added words become tokens (the model's vocabulary grows);
 *   - topics (LSA, no skip-gram) put a topic's documents first for
 *     a topic query, reproducibly;
 *   - a reader thread searching during the write transaction sees the old
 *     snapshot, and a handle that cached the old model follows the new
 *     one after the commit;
 *   - allocation failures injected at spread-out points (through
 *     sl_malloc's seam), and one injected inside the write transaction,
 *     leave the database exactly as before;
 *   - errors: NULL, bad options, vector-only and empty collections.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "common/test_db.h"
#include "semlite.h"

#define NDOCS 160

/* Each topic's words are two of its own syllables: 24 words a topic, so
 * a 64-piece vocabulary cannot hold them whole. */
static const char *const syllables[4][6] = {
    {"gla", "fjo", "mor", "ice", "tun", "fro"},
    {"vio", "son", "cel", "sym", "con", "rhe"},
    {"enz", "pep", "rib", "kin", "ant", "mol"},
    {"com", "poi", "lin", "reg", "seg", "deb"}};

static void topic_word(int t, unsigned j, char *w)
{
	j %= 24;
	snprintf(w, 8, "%s%s", syllables[t][j % 6],
	         syllables[t][(j / 6 + j % 6 + 1) % 6]);
}

static const char *const common_words[] = {"the",  "a",    "of",  "and",
                                           "with", "near", "was", "is"};

static char path[256], model_dir[256];

/* A tiny model trained on the corpus itself (64 pieces: letters and a few
 * merges, 128 dimensions), so that every test word is several tokens and
 * the test stays fast; the default model would do as well, slower. */
static void doc_text(int i, char *buf, size_t cap);

static int setup(void **state)
{
	(void)state;
	char corpus[300];
	snprintf(model_dir, sizeof model_dir, "/tmp/sl_adapt_model_%d",
	         (int)getpid());
	snprintf(corpus, sizeof corpus, "%s.txt", model_dir);
	FILE *f = fopen(corpus, "w");
	if (!f)
		return -1;
	for (int i = 0; i < NDOCS; i++) {
		char text[512];
		doc_text(i, text, sizeof text);
		fprintf(f, "%s\n", text);
	}
	fclose(f);
	const char *files[] = {corpus};
	semlite_train_opts o;
	semlite_train_opts_init(&o);
	o.corpus = files;
	o.n_corpus = 1;
	o.out_dir = model_dir;
	o.vocab_size = 64;
	o.dim = 128;
	o.epochs = 1;
	o.seed = 1;
	int rc = semlite_train(&o);
	unlink(corpus);
	return rc ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	const char *names[] = {"config.json", "tokenizer.json",
	                       "model.safetensors"};
	for (int i = 0; i < 3; i++) {
		char p[400];
		snprintf(p, sizeof p, "%s/%s", model_dir, names[i]);
		unlink(p);
	}
	rmdir(model_dir);
	return 0;
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void doc_text(int i, char *buf, size_t cap)
{
	uint32_t s = (uint32_t)i * 2654435761u + 7;
	size_t n = 0;
	buf[0] = 0;
	for (int w = 0; w < 24; w++) {
		char word[8];
		if (w % 3 == 2)
			snprintf(word, sizeof word, "%s",
			         common_words[lcg(&s) % 8]);
		else
			topic_word(i % 4, lcg(&s), word);
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", w ? " " : "",
		                      word);
	}
}

static void open_fresh(semlite_db **db, semlite_collection **c, int fill)
{
	tdb_path(path, sizeof path, "adapt");
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.model_path = model_dir;
	tdb_create_opts(path, NULL, &o, db, c);
	if (!fill)
		return;
	semlite_txn *t;
	assert_int_equal(semlite_txn_begin(*db, &t), 0);
	for (int i = 0; i < NDOCS; i++) {
		char id[32], text[512];
		snprintf(id, sizeof id, "d%03d", i);
		doc_text(i, text, sizeof text);
		assert_int_equal(
		    semlite_doc_put(*c, t, id, text, strlen(text), NULL), 0);
	}
	assert_int_equal(semlite_txn_commit(t), 0);
}

static void close_db(semlite_db *db, semlite_collection *c)
{
	semlite_collection_close(c);
	semlite_close(db);
	tdb_remove(path);
}

static uint64_t model_hash(semlite_collection *c)
{
	semlite_collection_stats s;
	assert_int_equal(semlite_collection_stats_get(c, &s), 0);
	assert_int_equal(s.documents, NDOCS);
	return s.model_hash;
}

/* Top results of a few queries, as "id:score;" text, for comparisons. */
static void fingerprint(semlite_collection *c, char *out, size_t cap)
{
	semlite_search_opts so;
	semlite_search_opts_init(&so);
	so.k = 5;
	so.mode = SEMLITE_SEARCH_DENSE;
	size_t n = 0;
	out[0] = 0;
	for (int i = 0; i < 4; i++) {
		semlite_results *r = NULL;
		char q[32], w1[8], w2[8];
		topic_word(i, 3, w1);
		topic_word(i, 17, w2);
		snprintf(q, sizeof q, "%s %s", w1, w2);
		assert_int_equal(semlite_search_text(c, q, strlen(q), &so, &r),
		                 0);
		for (size_t j = 0; j < r->count && n + 40 < cap; j++)
			n +=
			    (size_t)snprintf(out + n, cap - n, "%s:%.6f;",
			                     r->items[j].id, r->items[j].score);
		semlite_results_free(r);
	}
}

static semlite_adapt_opts quick_opts(void)
{
	semlite_adapt_opts o;
	semlite_adapt_opts_init(&o);
	o.epochs = 2;
	o.min_count = 3;
	return o;
}

static void test_adapt_keeps_documents(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c;
	open_fresh(&db, &c, 1);
	uint64_t before = model_hash(c);
	semlite_adapt_opts o = quick_opts();
	o.add_vocab = 100; /* every topic word */
	assert_int_equal(semlite_collection_adapt(c, &o), 0);
	assert_int_not_equal(model_hash(c), before);
	assert_int_equal(semlite_db_check(db, NULL, 0), 0);
	/* every document kept, with its text */
	for (int i = 0; i < NDOCS; i++) {
		char id[32], text[512];
		semlite_doc *d = NULL;
		snprintf(id, sizeof id, "d%03d", i);
		doc_text(i, text, sizeof text);
		assert_int_equal(semlite_doc_get(c, NULL, id, &d), 0);
		assert_string_equal(d->text, text);
		semlite_doc_free(d);
	}
	/* an exact search over everything returns every id once */
	semlite_search_opts so;
	semlite_search_opts_init(&so);
	so.k = NDOCS + 10;
	so.exact = 1;
	so.mode = SEMLITE_SEARCH_DENSE;
	semlite_results *r = NULL;
	assert_int_equal(semlite_search_text(c, "the", 3, &so, &r), 0);
	assert_int_equal(r->count, NDOCS);
	char seen[NDOCS] = {0};
	for (size_t j = 0; j < r->count; j++) {
		int k = atoi(r->items[j].id + 1);
		assert_true(k >= 0 && k < NDOCS && !seen[k]);
		seen[k] = 1;
	}
	semlite_results_free(r);
	/* the graph works: a document's own text finds it first */
	so.exact = 0;
	so.k = 3;
	for (int i = 0; i < NDOCS; i += 17) {
		char id[32], text[512];
		snprintf(id, sizeof id, "d%03d", i);
		doc_text(i, text, sizeof text);
		assert_int_equal(
		    semlite_search_text(c, text, strlen(text), &so, &r), 0);
		assert_true(r->count > 0);
		assert_string_equal(r->items[0].id, id);
		semlite_results_free(r);
	}
	/* the same topic's documents rank first for a topic query */
	so.k = 10;
	char q[32], w1[8], w2[8];
	topic_word(1, 5, w1);
	topic_word(1, 11, w2);
	snprintf(q, sizeof q, "%s %s", w1, w2);
	assert_int_equal(semlite_search_text(c, q, strlen(q), &so, &r), 0);
	for (size_t j = 0; j < r->count; j++)
		assert_int_equal(atoi(r->items[j].id + 1) % 4, 1);
	semlite_results_free(r);
	close_db(db, c);
}

/* The model of a fresh collection adapted with o. */
static uint64_t adapted_hash(const semlite_adapt_opts *o)
{
	semlite_db *db;
	semlite_collection *c;
	open_fresh(&db, &c, 1);
	assert_int_equal(semlite_collection_adapt(c, o), 0);
	uint64_t h = model_hash(c);
	close_db(db, c);
	return h;
}

/* Topics (LSA, no skip-gram): a topic query finds its topic's
 * documents, and the run is reproducible bit for bit. */
static void test_adapt_topics(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c;
	semlite_adapt_opts o = quick_opts();
	o.mix = 0;
	o.lsa_dim = 64; /* half of the tiny model's 128 columns */
	o.lsa_share = 0.8;
	o.add_vocab = 100; /* every topic word: the tiny vocabulary's pieces
	                      are letters, which every topic shares */
	open_fresh(&db, &c, 1);
	uint64_t before = model_hash(c);
	assert_int_equal(semlite_collection_adapt(c, &o), 0);
	uint64_t h = model_hash(c);
	assert_true(h != before);
	assert_int_equal(semlite_db_check(db, NULL, 0), 0);
	semlite_search_opts so;
	semlite_search_opts_init(&so);
	so.k = 10;
	so.mode = SEMLITE_SEARCH_DENSE;
	for (int t = 0; t < 4; t++) {
		semlite_results *r = NULL;
		char q[32], w1[8], w2[8];
		topic_word(t, 2, w1);
		topic_word(t, 19, w2);
		snprintf(q, sizeof q, "%s %s", w1, w2);
		assert_int_equal(semlite_search_text(c, q, strlen(q), &so, &r),
		                 0);
		assert_int_equal(r->count, 10);
		for (size_t j = 0; j < r->count; j++)
			assert_int_equal(atoi(r->items[j].id + 1) % 4, t);
		semlite_results_free(r);
	}
	close_db(db, c);
	assert_true(adapted_hash(&o) == h);
	/* more columns than the model has: the whole row is topics */
	o.lsa_dim = 100000;
	uint64_t all = adapted_hash(&o);
	assert_true(all != h && adapted_hash(&o) == all);
}

static uint64_t adapted_bytes(size_t add_vocab)
{
	semlite_db *db;
	semlite_collection *c;
	semlite_collection_stats st;
	open_fresh(&db, &c, 1);
	semlite_adapt_opts o = quick_opts();
	o.add_vocab = add_vocab;
	assert_int_equal(semlite_collection_adapt(c, &o), 0);
	assert_int_equal(semlite_collection_stats_get(c, &st), 0);
	close_db(db, c);
	return st.model_bytes;
}

static void test_adapt_adds_words(void **state)
{
	(void)state;
	/* 10 more words: 10 more rows of 128 int8 values, and their keys in
	 * tokenizer.json */
	uint64_t b5 = adapted_bytes(5), b15 = adapted_bytes(15);
	assert_true(b15 >= b5 + 10 * (128 + 4));
}

typedef struct reader {
	semlite_collection *c;
	uint64_t hash;
	char fp[2048];
	int ran;
} reader;

static void *reader_main(void *arg)
{
	reader *r = arg;
	r->hash = model_hash(r->c);
	fingerprint(r->c, r->fp, sizeof r->fp);
	return NULL;
}

/* During the write transaction, a reader thread on another handle. */
static void during(void *ctx, const char *stage, double done, double rate,
                   double loss, double eta)
{
	(void)done;
	(void)rate;
	(void)loss;
	(void)eta;
	reader *r = ctx;
	if (strcmp(stage, "encoding") || r->ran)
		return;
	r->ran = 1;
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, reader_main, r), 0);
	pthread_join(th, NULL);
}

static void test_adapt_readers(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c, *c2;
	char before[2048], after[2048], after2[2048];
	open_fresh(&db, &c, 1);
	assert_int_equal(semlite_collection_open(db, NULL, &c2), 0);
	uint64_t h0 = model_hash(c);
	fingerprint(c2, before, sizeof before); /* c2 caches the old model */
	reader r = {.c = c2};
	semlite_adapt_opts o = quick_opts();
	o.progress = during;
	o.progress_ctx = &r;
	assert_int_equal(semlite_collection_adapt(c, &o), 0);
	assert_true(r.ran);
	assert_true(r.hash == h0);
	assert_string_equal(r.fp, before); /* old snapshot: unchanged */
	fingerprint(c, after, sizeof after);
	fingerprint(c2, after2, sizeof after2);
	assert_string_not_equal(after, before);
	assert_string_equal(after2, after); /* c2 follows the new model */
	semlite_collection_close(c2);
	close_db(db, c);
}

/* Fails every allocation from the start of re-encoding on (the new model
 * is already stored and the graph cleared in the transaction). */
static void fail_inside(void *ctx, const char *stage, double done, double rate,
                        double loss, double eta)
{
	(void)ctx;
	(void)rate;
	(void)loss;
	(void)eta;
	if (!strcmp(stage, "encoding") && done < 1)
		sl_fault_set(0);
}

static void assert_unchanged(semlite_db *db, semlite_collection *c, uint64_t h0,
                             const char *fp0)
{
	char fp[2048];
	assert_true(model_hash(c) == h0);
	assert_int_equal(semlite_db_check(db, NULL, 0), 0);
	fingerprint(c, fp, sizeof fp);
	assert_string_equal(fp, fp0);
}

static void test_adapt_faults(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c;
	char fp0[2048];
	open_fresh(&db, &c, 1);
	uint64_t h0 = model_hash(c);
	fingerprint(c, fp0, sizeof fp0);
	semlite_adapt_opts o = quick_opts();
	o.epochs = 1;
	o.add_vocab = 10;
	/* inside the write transaction */
	o.progress = fail_inside;
	int rc = semlite_collection_adapt(c, &o);
	sl_fault_clear();
	assert_int_equal(rc, SEMLITE_NOMEM);
	assert_unchanged(db, c, h0, fp0);
	/* spread-out points over the whole run, until one gets through */
	o.progress = NULL;
	int failures = 0;
	for (long n = 0;; n = n ? n * 2 : 1) {
		sl_fault_set(n);
		rc = semlite_collection_adapt(c, &o);
		sl_fault_clear();
		if (rc == SEMLITE_OK)
			break;
		assert_int_equal(rc, SEMLITE_NOMEM);
		failures++;
		assert_unchanged(db, c, h0, fp0);
	}
	assert_true(failures > 5);
	assert_true(model_hash(c) != h0);
	assert_int_equal(semlite_db_check(db, NULL, 0), 0);
	close_db(db, c);
}

static void test_adapt_errors(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c, *v;
	assert_int_equal(semlite_collection_adapt(NULL, NULL), SEMLITE_INVALID);
	open_fresh(&db, &c, 0);
	/* empty collection */
	assert_int_equal(semlite_collection_adapt(c, NULL), SEMLITE_INVALID);
	assert_non_null(strstr(semlite_errmsg(), "empty"));
	/* bad options */
	semlite_adapt_opts o;
	semlite_adapt_opts_init(&o);
	o.epochs = 0;
	assert_int_equal(semlite_collection_adapt(c, &o), SEMLITE_INVALID);
	semlite_adapt_opts_init(&o);
	o.mix = 2;
	assert_int_equal(semlite_collection_adapt(c, &o), SEMLITE_INVALID);
	semlite_adapt_opts_init(&o);
	o.lsa_share = 1.5;
	assert_int_equal(semlite_collection_adapt(c, &o), SEMLITE_INVALID);
	semlite_adapt_opts_init(&o);
	o.lsa_iters = 101;
	assert_int_equal(semlite_collection_adapt(c, &o), SEMLITE_INVALID);
	/* vector-only collection */
	semlite_collection_opts co;
	semlite_collection_opts_init(&co);
	co.dim = 4;
	assert_int_equal(semlite_collection_create(db, "vec", &co), 0);
	assert_int_equal(semlite_collection_open(db, "vec", &v), 0);
	float x[4] = {1, 2, 3, 4};
	assert_int_equal(semlite_vector_put(v, NULL, "a", x, 4, NULL, 0, NULL),
	                 0);
	assert_int_equal(semlite_collection_adapt(v, NULL), SEMLITE_INVALID);
	assert_non_null(strstr(semlite_errmsg(), "vector-only"));
	semlite_collection_close(v);
	/* documents without text */
	assert_int_equal(semlite_doc_put(c, NULL, "empty", "", 0, NULL), 0);
	assert_int_equal(semlite_collection_adapt(c, NULL), SEMLITE_INVALID);
	assert_non_null(strstr(semlite_errmsg(), "no text"));
	close_db(db, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_adapt_errors),
	    cmocka_unit_test(test_adapt_keeps_documents),
	    cmocka_unit_test(test_adapt_adds_words),
	    cmocka_unit_test(test_adapt_topics),
	    cmocka_unit_test(test_adapt_readers),
	    cmocka_unit_test(test_adapt_faults),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
