/*
 * test_index_api.c — the HNSW index through semlite.h only: recall of the
 * default (indexed) search against `exact` search, filtered searches at
 * 1%, 10% and 50% selectivity, deletes of 10% and 50% (no deleted id
 * returned, recall on what remains), and crash safety: a writer killed
 * with SIGKILL in the middle of an insert transaction leaves a database
 * whose check (including the graph check) passes and that holds every
 * acknowledged commit, findable through the index. And the write
 * transaction's graph caches are invisible: the same puts and deletes in
 * one transaction or in many give the same answers; and a search's
 * snapshot pointer caches do not outlive a remap of the map, and a cold
 * snapshot cache (hash table) answers like a warm one (arrays); and the
 * graph records a collection handle keeps between its write transactions
 * are forgotten after another writer's commit, an abort or a replay.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/test_db.h"
#include "semlite.h"

#define DIM 32
#define N   3000
#define NQ  40
#define K   10

static char path[256];

/* Seeded clustered vectors: 30 centres, points around them. */
static float rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (float)((*s >> 33) % 20001) / 10000.0f - 1.0f;
}

static void vec_for(unsigned i, float *v)
{
	uint64_t c = (i % 30) * 7919 + 1, s = (uint64_t)i * 2654435761u + 99;
	for (int d = 0; d < DIM; d++)
		v[d] = rnd(&c) + 0.35f * rnd(&s);
}

static void query_for(unsigned i, float *v)
{
	vec_for(100000 + i, v);
}

static int setup(void **state)
{
	(void)state;
	tdb_path(path, sizeof path, "api_index");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tdb_remove(path);
	return 0;
}

static semlite_collection *make(semlite_db **db)
{
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.dim = DIM;
	o.metric = SEMLITE_METRIC_COSINE;
	o.use_default_model = 0;
	semlite_collection *c;
	tdb_create_opts(path, "v", &o, db, &c);
	return c;
}

static void put_range(semlite_collection *c, semlite_db *db, unsigned from,
                      unsigned to)
{
	semlite_txn *t;
	float v[DIM];
	char id[32], meta[96];
	assert_int_equal(semlite_txn_begin(db, &t), 0);
	for (unsigned i = from; i < to; i++) {
		vec_for(i, v);
		snprintf(id, sizeof id, "%u", i);
		snprintf(meta, sizeof meta,
		         "{\"p1\": \"%u\", \"p10\": \"%u\", \"p50\": \"%u\"}",
		         i % 100, i % 10, i % 2);
		assert_int_equal(
		    semlite_vector_put(c, t, id, v, DIM, NULL, 0, meta), 0);
	}
	assert_int_equal(semlite_txn_commit(t), 0);
}

static int deleted(unsigned i, int phase)
{
	if (phase >= 1 && i % 10 == 1)
		return 1;
	if (phase >= 2 && i % 10 >= 5)
		return 1; /* 10% + 40% = 50% */
	return 0;
}

/* Recall of the indexed search against exact search over `nq` queries;
 * checks that every result passes the filter and the delete phase. */
static double recall(semlite_collection *c, const char *field,
                     const char *value, unsigned mod, unsigned want, int phase)
{
	unsigned hits = 0, total = 0;
	float q[DIM];
	for (unsigned i = 0; i < NQ; i++) {
		semlite_search_opts o;
		semlite_results *a, *b;
		semlite_search_opts_init(&o);
		o.k = K;
		o.where_field = field;
		o.where_value = value;
		query_for(i, q);
		assert_int_equal(semlite_search_vector(c, q, DIM, &o, &a), 0);
		o.exact = 1;
		assert_int_equal(semlite_search_vector(c, q, DIM, &o, &b), 0);
		assert_int_equal(a->count, b->count);
		for (size_t x = 0; x < a->count; x++) {
			unsigned id = (unsigned)atoi(a->items[x].id);
			assert_false(deleted(id, phase));
			if (field)
				assert_int_equal(id % mod, want);
			for (size_t y = 0; y < b->count; y++)
				hits += !strcmp(a->items[x].id, b->items[y].id);
		}
		total += (unsigned)b->count;
		semlite_results_free(a);
		semlite_results_free(b);
	}
	return total ? (double)hits / total : 1.0;
}

static void check_ok(semlite_db *db)
{
	char report[512];
	int rc = semlite_db_check(db, report, sizeof report);
	if (rc)
		print_error("check: %s (%s)\n", report, semlite_errmsg());
	assert_int_equal(rc, 0);
}

static void test_recall_filters_deletes(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = make(&db);
	put_range(c, db, 0, N / 2);
	put_range(c, db, N / 2, N);
	check_ok(db);
	double r = recall(c, NULL, NULL, 1, 0, 0);
	double f1 = recall(c, "p1", "7", 100, 7, 0);
	double f10 = recall(c, "p10", "3", 10, 3, 0);
	double f50 = recall(c, "p50", "1", 2, 1, 0);
	print_message("recall %.4f, filters 1%% %.4f 10%% %.4f 50%% %.4f\n", r,
	              f1, f10, f50);
	assert_true(r >= 0.95);
	assert_true(f1 >= 0.9 && f10 >= 0.9 && f50 >= 0.9);
	char id[32];
	for (int phase = 1; phase <= 2; phase++) {
		semlite_txn *t;
		assert_int_equal(semlite_txn_begin(db, &t), 0);
		for (unsigned i = 0; i < N; i++) {
			if (!deleted(i, phase) || deleted(i, phase - 1))
				continue;
			snprintf(id, sizeof id, "%u", i);
			assert_int_equal(semlite_doc_delete(c, t, id), 0);
		}
		assert_int_equal(semlite_txn_commit(t), 0);
		check_ok(db);
		double rd = recall(c, NULL, NULL, 1, 0, phase);
		double rf = recall(c, "p50", "0", 2, 0, phase);
		print_message("after deleting %d%%: recall %.4f, 50%% filter "
		              "%.4f\n",
		              phase == 1 ? 10 : 50, rd, rf);
		assert_true(rd >= 0.95);
		assert_true(rf >= 0.9);
	}
	/* an upsert replaces the node: the old version is never returned */
	float v[DIM];
	vec_for(0, v);
	assert_int_equal(
	    semlite_vector_put(c, NULL, "0", v, DIM, NULL, 0, "{}"), 0);
	semlite_results *res;
	semlite_search_opts o;
	semlite_search_opts_init(&o);
	assert_int_equal(semlite_search_vector(c, v, DIM, &o, &res), 0);
	unsigned zeros = 0;
	for (size_t i = 0; i < res->count; i++)
		zeros += !strcmp(res->items[i].id, "0");
	assert_int_equal(zeros, 1);
	assert_string_equal(res->items[0].id, "0");
	semlite_results_free(res);
	check_ok(db);
	semlite_collection_close(c);
	semlite_close(db);
}

/* The child: commits batches of 50 puts, reporting each acknowledged
 * batch on fd, and dies by SIGKILL after `die_after` puts. */
static void writer(int fd, unsigned start, unsigned die_after)
{
	semlite_db *db;
	semlite_collection *c;
	float v[DIM];
	char id[32];
	if (semlite_open(path, 0, &db) || semlite_collection_open(db, "v", &c))
		_exit(3);
	unsigned done = 0;
	for (unsigned b = start;; b += 50) {
		semlite_txn *t;
		if (semlite_txn_begin(db, &t))
			_exit(4);
		for (unsigned i = b; i < b + 50; i++, done++) {
			if (done == die_after)
				raise(SIGKILL);
			vec_for(i, v);
			snprintf(id, sizeof id, "%u", i);
			if (semlite_vector_put(c, t, id, v, DIM, NULL, 0, NULL))
				_exit(5);
		}
		if (semlite_txn_commit(t))
			_exit(6);
		unsigned acked = b + 50;
		if (write(fd, &acked, sizeof acked) != sizeof acked)
			_exit(7);
	}
}

static void test_crash_mid_insert(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = make(&db);
	put_range(c, db, 0, 200);
	semlite_collection_close(c);
	semlite_close(db);
	unsigned start = 200;
	const unsigned kills[] = {37, 121, 260};
	for (int round = 0; round < 3; round++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			writer(fds[1], start, kills[round]);
		}
		close(fds[1]);
		unsigned acked = start, x;
		while (read(fds[0], &x, sizeof x) == sizeof x)
			acked = x;
		close(fds[0]);
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		assert_int_equal(semlite_open(path, 0, &db), 0);
		assert_int_equal(semlite_collection_open(db, "v", &c), 0);
		check_ok(db);
		/* every acknowledged document is there and found by the index
		 */
		for (unsigned i = 0; i < acked; i += 7) {
			float v[DIM];
			semlite_results *res;
			vec_for(i, v);
			assert_int_equal(
			    semlite_search_vector(c, v, DIM, NULL, &res), 0);
			assert_true(res->count > 0);
			char id[32];
			snprintf(id, sizeof id, "%u", i);
			assert_string_equal(res->items[0].id, id);
			semlite_results_free(res);
		}
		semlite_collection_close(c);
		semlite_close(db);
		start = acked;
	}
}

/* The NQ queries' results with a narrow beam (ef 16): any difference
 * between two graphs shows in them. */
static void narrow_search(semlite_collection *c, semlite_results **r)
{
	float q[DIM];
	semlite_search_opts o;
	semlite_search_opts_init(&o);
	o.k = K;
	o.ef = 16;
	for (unsigned i = 0; i < NQ; i++) {
		query_for(i, q);
		assert_int_equal(semlite_search_vector(c, q, DIM, &o, &r[i]),
		                 0);
	}
}

/* Puts 0..n-1 in batches of `batch` (0: all in one transaction), each
 * batch followed by deleting its ids with i % 9 == 4. */
static void build_batched(semlite_collection *c, semlite_db *db, unsigned n,
                          unsigned batch)
{
	semlite_txn *t = NULL;
	float v[DIM];
	char id[32];
	unsigned step = batch ? batch : 7;
	for (unsigned b = 0; b < n; b += step) {
		if (!t)
			assert_int_equal(semlite_txn_begin(db, &t), 0);
		for (unsigned i = b; i < n && i < b + step; i++) {
			vec_for(i, v);
			snprintf(id, sizeof id, "%u", i);
			assert_int_equal(
			    semlite_vector_put(c, t, id, v, DIM, NULL, 0, NULL),
			    0);
		}
		if (batch) {
			assert_int_equal(semlite_txn_commit(t), 0);
			assert_int_equal(semlite_txn_begin(db, &t), 0);
		}
		for (unsigned i = b; i < n && i < b + step; i++)
			if (i % 9 == 4) {
				snprintf(id, sizeof id, "%u", i);
				assert_int_equal(semlite_doc_delete(c, t, id),
				                 0);
			}
		if (batch) {
			assert_int_equal(semlite_txn_commit(t), 0);
			t = NULL;
		}
	}
	if (t)
		assert_int_equal(semlite_txn_commit(t), 0);
}

static void test_txn_size_invisible(void **state)
{
	(void)state;
	enum { NB = 600 };
	semlite_results *r[2][NQ];
	for (int pass = 0; pass < 2; pass++) {
		semlite_db *db;
		semlite_collection *c = make(&db);
		build_batched(c, db, NB, pass ? 0 : 7);
		check_ok(db);
		narrow_search(c, r[pass]);
		semlite_collection_close(c);
		semlite_close(db);
		tdb_remove(path);
	}
	for (unsigned i = 0; i < NQ; i++) {
		assert_int_equal(r[0][i]->count, r[1][i]->count);
		for (size_t x = 0; x < r[0][i]->count; x++) {
			assert_string_equal(r[0][i]->items[x].id,
			                    r[1][i]->items[x].id);
			assert_true(r[0][i]->items[x].score ==
			            r[1][i]->items[x].score);
			assert_true(atoi(r[0][i]->items[x].id) % 9 != 4);
		}
		semlite_results_free(r[0][i]);
		semlite_results_free(r[1][i]);
	}
}

/* A search keeps pointers into the map for its snapshot; a write that
 * grows (remaps) the map and is then aborted leaves the snapshot's txn id
 * unchanged while the map moved. Searches after it must not use the old
 * pointers: same answers as before, no fault. */
/* A search thread whose snapshot cache starts as the cold hash table
 * (SEMLITE_CACHE_DENSE_MAX=16: what a collection of more than 32,768 ids
 * gets) and keeps no decoded neighbour list (SEMLITE_LISTS_BUDGET=0: what
 * a cache past its budget does) answers exactly like one with the dense
 * arrays and cached lists: before its table moves into the arrays, across
 * a snapshot change made by its own write, and after. */
typedef struct cold_job {
	semlite_collection *c;
	semlite_db *db;
	semlite_results *before[2], *after[NQ];
} cold_job;

static void *cold_thread(void *arg)
{
	cold_job *j = arg;
	float q[DIM];
	for (unsigned i = 0; i < 2; i++) {
		query_for(i, q);
		if (semlite_search_vector(j->c, q, DIM, NULL, &j->before[i]))
			return NULL;
	}
	put_range(j->c, j->db, N, N + 500);
	for (unsigned i = 0; i < NQ; i++) {
		query_for(i, q);
		if (semlite_search_vector(j->c, q, DIM, NULL, &j->after[i]))
			return NULL;
	}
	return j;
}

static void same_results(const semlite_results *a, const semlite_results *b)
{
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->count, b->count);
	for (size_t i = 0; i < a->count; i++) {
		assert_string_equal(a->items[i].id, b->items[i].id);
		assert_true(a->items[i].score == b->items[i].score);
	}
}

static void test_cold_cache(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = make(&db);
	for (unsigned b = 0; b < N; b += 1000)
		put_range(c, db, b, b + 1000);
	semlite_results *dense[2], *r;
	float q[DIM];
	for (unsigned i = 0; i < 2; i++) {
		query_for(i, q);
		assert_int_equal(
		    semlite_search_vector(c, q, DIM, NULL, &dense[i]), 0);
	}
	cold_job j = {.c = c, .db = db};
	pthread_t th;
	setenv("SEMLITE_CACHE_DENSE_MAX", "16", 1);
	setenv("SEMLITE_LISTS_BUDGET", "0", 1);
	assert_int_equal(pthread_create(&th, NULL, cold_thread, &j), 0);
	void *ok;
	pthread_join(th, &ok);
	unsetenv("SEMLITE_CACHE_DENSE_MAX");
	unsetenv("SEMLITE_LISTS_BUDGET");
	assert_ptr_equal(ok, &j);
	for (unsigned i = 0; i < 2; i++) {
		same_results(dense[i], j.before[i]);
		semlite_results_free(dense[i]);
		semlite_results_free(j.before[i]);
	}
	for (unsigned i = 0; i < NQ; i++) {
		query_for(i, q);
		assert_int_equal(semlite_search_vector(c, q, DIM, NULL, &r), 0);
		same_results(r, j.after[i]);
		semlite_results_free(r);
		semlite_results_free(j.after[i]);
	}
	semlite_collection_close(c);
	semlite_close(db);
}

static void test_search_after_remap(void **state)
{
	(void)state;
	enum { NB = 400 };
	setenv("SEMLITE_MAP_SIZE", "1048576", 1);
	semlite_db *db;
	semlite_collection *c = make(&db);
	put_range(c, db, 0, NB);
	semlite_results *r[2][NQ];
	float q[DIM], v[DIM];
	semlite_search_opts o;
	semlite_search_opts_init(&o);
	o.k = K;
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < NQ; i++) {
			query_for(i, q);
			assert_int_equal(
			    semlite_search_vector(c, q, DIM, &o, &r[pass][i]),
			    0);
		}
		if (pass)
			break;
		/* 8 MiB of text in a 1 MiB map: it grows (remaps) several
		 * times, then the transaction is thrown away */
		static char text[8192];
		uint64_t seed = 7;
		semlite_txn *t;
		char id[32];
		assert_int_equal(semlite_txn_begin(db, &t), 0);
		for (unsigned i = 0; i < 1024; i++) {
			vec_for(NB + i, v);
			snprintf(id, sizeof id, "big%u", i);
			for (size_t b = 0; b + 1 < sizeof text; b++) /* noise */
				text[b] =
				    (char)('a' + (rnd(&seed) + 1.0f) * 12);
			assert_int_equal(
			    semlite_vector_put(c, t, id, v, DIM, text,
			                       sizeof text - 1, NULL),
			    0);
		}
		semlite_txn_abort(t);
	}
	for (unsigned i = 0; i < NQ; i++) {
		assert_int_equal(r[0][i]->count, r[1][i]->count);
		for (size_t x = 0; x < r[0][i]->count; x++) {
			assert_string_equal(r[0][i]->items[x].id,
			                    r[1][i]->items[x].id);
			assert_true(r[0][i]->items[x].score ==
			            r[1][i]->items[x].score);
		}
		semlite_results_free(r[0][i]);
		semlite_results_free(r[1][i]);
	}
	check_ok(db);
	semlite_collection_close(c);
	semlite_close(db);
	unsetenv("SEMLITE_MAP_SIZE");
}

/* One step of test_handle_cache: puts ids [40s, 40s + 40) and deletes
 * the previous step's ids with i % 9 == 4, in one transaction on c; with
 * `junk`, first a transaction of other puts and deletes on c is thrown
 * away. */
static void cache_step(semlite_db *db, semlite_collection *c, unsigned s,
                       bool junk)
{
	semlite_txn *t;
	float v[DIM];
	char id[32];
	for (int j = junk ? 0 : 1; j < 2; j++) {
		assert_int_equal(semlite_txn_begin(db, &t), 0);
		for (unsigned i = 40 * s; i < 40 * s + 40; i++) {
			vec_for(j ? i : 50000 + i, v);
			snprintf(id, sizeof id, j ? "%u" : "junk%u", i);
			assert_int_equal(
			    semlite_vector_put(c, t, id, v, DIM, NULL, 0, NULL),
			    0);
		}
		for (unsigned i = s ? 40 * s - 40 : 0; i < 40 * s; i++)
			if (i % 9 == (j ? 4u : 5u)) {
				snprintf(id, sizeof id, "%u", i);
				assert_int_equal(semlite_doc_delete(c, t, id),
				                 0);
			}
		if (j)
			assert_int_equal(semlite_txn_commit(t), 0);
		else
			semlite_txn_abort(t);
	}
}

/* A collection handle keeps the graph records its write transactions
 * read between them; they must be forgotten when another writer (here a
 * second handle on the same collection) committed in between, when the
 * handle's transaction was aborted, and when a full map made it replay
 * (a 1 MiB map grows several times here). A build that alternates two
 * handles and throws transactions away answers exactly like the same
 * commits made each with a fresh handle, and so does one whose copies
 * have no memory budget at all. */
static void test_handle_cache(void **state)
{
	(void)state;
	enum { STEPS = 30 };
	setenv("SEMLITE_MAP_SIZE", "1048576", 1);
	semlite_results *r[3][NQ];
	for (int pass = 0; pass < 3; pass++) {
		/* pass 2: no copies at all (every record read from LMDB) */
		if (pass == 2)
			setenv("SEMLITE_WCACHE_BUDGET", "0", 1);
		semlite_db *db;
		semlite_collection *c = make(&db), *c2;
		assert_int_equal(semlite_collection_open(db, "v", &c2), 0);
		for (unsigned s = 0; s < STEPS; s++) {
			if (pass) {
				cache_step(db, s % 3 == 2 ? c2 : c, s,
				           s % 4 == 1);
				continue;
			}
			semlite_collection *f;
			assert_int_equal(semlite_collection_open(db, "v", &f),
			                 0);
			cache_step(db, f, s, false);
			semlite_collection_close(f);
		}
		check_ok(db);
		narrow_search(c, r[pass]);
		semlite_collection_close(c2);
		semlite_collection_close(c);
		semlite_close(db);
		tdb_remove(path);
	}
	unsetenv("SEMLITE_MAP_SIZE");
	unsetenv("SEMLITE_WCACHE_BUDGET");
	for (unsigned i = 0; i < NQ; i++) {
		same_results(r[0][i], r[1][i]);
		same_results(r[0][i], r[2][i]);
		for (int pass = 0; pass < 3; pass++)
			semlite_results_free(r[pass][i]);
	}
}

/* Two threads writing through the same collection handle: LMDB runs
 * their transactions one at a time, but one may begin before the other
 * has handed the handle's graph copies back (it then uses copies of its
 * own). The graph stays consistent and as good as a one-writer build. */
typedef struct writer_job {
	semlite_collection *c;
	semlite_db *db;
	unsigned from;
	int ok;
} writer_job;

static void *writer_thread(void *arg)
{
	writer_job *j = arg;
	float v[DIM];
	char id[32];
	for (unsigned b = j->from; b < j->from + 1000; b += 25) {
		semlite_txn *t;
		if (semlite_txn_begin(j->db, &t))
			return NULL;
		for (unsigned i = b; i < b + 25; i++) {
			vec_for(i, v);
			snprintf(id, sizeof id, "%u", i);
			if (semlite_vector_put(j->c, t, id, v, DIM, NULL, 0,
			                       NULL)) {
				semlite_txn_abort(t);
				return NULL;
			}
		}
		if (semlite_txn_commit(t))
			return NULL;
	}
	j->ok = 1;
	return j;
}

static void test_handle_cache_threads(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = make(&db);
	writer_job j[2] = {{c, db, 0, 0}, {c, db, 1000, 0}};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(
		    pthread_create(&th[i], NULL, writer_thread, &j[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_true(j[0].ok && j[1].ok);
	check_ok(db);
	double r = recall(c, NULL, NULL, 0, 0, 0);
	print_message("two writer threads, one handle: recall %.4f\n", r);
	assert_true(r >= 0.95);
	semlite_collection_close(c);
	semlite_close(db);
}

/* semlite_collection_tune: the measured ef becomes the default of
 * searches that pass none (same answers as passing it), a higher target
 * never gives a lower ef, the record survives a reopen and passes check,
 * and bad calls change nothing. */
/* Default search and an explicit ef give the same answers. */
static void same_as_ef(semlite_collection *c, uint32_t ef)
{
	float q[DIM];
	for (unsigned i = 0; i < NQ; i++) {
		semlite_search_opts o;
		semlite_results *a, *b;
		semlite_search_opts_init(&o);
		query_for(i, q);
		assert_int_equal(semlite_search_vector(c, q, DIM, &o, &a), 0);
		o.ef = ef;
		assert_int_equal(semlite_search_vector(c, q, DIM, &o, &b), 0);
		assert_int_equal(a->count, b->count);
		for (size_t x = 0; x < a->count; x++)
			assert_string_equal(a->items[x].id, b->items[x].id);
		semlite_results_free(a);
		semlite_results_free(b);
	}
}

static void test_tune(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = make(&db);
	assert_int_equal(semlite_collection_tune(NULL, 0, NULL, NULL),
	                 SEMLITE_INVALID);
	assert_int_equal(semlite_collection_tune(c, 1.5, NULL, NULL),
	                 SEMLITE_INVALID);
	assert_int_equal(semlite_collection_tune(c, -0.1, NULL, NULL),
	                 SEMLITE_INVALID);
	uint32_t ef = 7;
	double rec = 1;
	/* empty: nothing measured, the built-in default */
	assert_int_equal(semlite_collection_tune(c, 0, &ef, &rec), 0);
	assert_int_equal(ef, 64);
	put_range(c, db, 0, N);
	assert_int_equal(semlite_collection_tune(c, 0, &ef, &rec), 0);
	print_message("tuned: ef %u, sample recall %.4f\n", ef, rec);
	assert_true(ef >= 16 && ef <= 1024);
	assert_true(rec >= 0.95 || ef == 1024);
	uint32_t ef99;
	assert_int_equal(semlite_collection_tune(c, 0.999, &ef99, &rec), 0);
	assert_true(ef99 >= ef);
	assert_int_equal(semlite_collection_tune(c, 0, &ef, NULL), 0);
	semlite_collection_stats s;
	assert_int_equal(semlite_collection_stats_get(c, &s), 0);
	assert_int_equal(s.tuned_ef, ef);
	assert_int_equal(s.tuned_documents, N);
	assert_int_equal(s.search_ef, ef);
	semlite_collection_close(c);
	semlite_close(db);
	assert_int_equal(semlite_open(path, SEMLITE_OPEN_READONLY, &db), 0);
	assert_int_equal(semlite_collection_open(db, "v", &c), 0);
	assert_int_equal(semlite_collection_tune(c, 0, NULL, NULL),
	                 SEMLITE_MISUSE);
	check_ok(db);
	same_as_ef(c, ef);
	semlite_collection_close(c);
	semlite_close(db);
}

/* Measured on a quarter of the documents, the ef of a default search
 * widens by 4^0.6 (semlite_collection_tune()) once the rest is in,
 * returns to the measured one when deletes take the collection back
 * below the measured size, and a new tune measures it afresh. */
static void test_tune_growth(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = make(&db);
	semlite_collection_stats s;
	assert_int_equal(semlite_collection_stats_get(c, &s), 0);
	assert_int_equal(s.tuned_ef, 0);
	assert_int_equal(s.search_ef, 64); /* never measured */
	put_range(c, db, 0, N / 4);
	uint32_t ef;
	assert_int_equal(semlite_collection_tune(c, 0.999, &ef, NULL), 0);
	put_range(c, db, N / 4, N);
	assert_int_equal(semlite_collection_stats_get(c, &s), 0);
	assert_int_equal(s.documents, N);
	assert_int_equal(s.tuned_ef, ef);
	assert_int_equal(s.tuned_documents, N / 4);
	uint32_t wide = (uint32_t)ceil(ef * pow(4.0, 0.6));
	assert_int_equal(s.search_ef, wide < 1024 ? wide : 1024);
	assert_true(s.search_ef > ef || ef == 1024);
	same_as_ef(c, s.search_ef);
	semlite_txn *t;
	assert_int_equal(semlite_txn_begin(db, &t), 0);
	for (unsigned i = 0; i < N - N / 8; i++) {
		char id[16];
		snprintf(id, sizeof id, "%u", i);
		assert_int_equal(semlite_doc_delete(c, t, id), 0);
	}
	assert_int_equal(semlite_txn_commit(t), 0);
	assert_int_equal(semlite_collection_stats_get(c, &s), 0);
	assert_int_equal(s.documents, N / 8);
	assert_int_equal(s.search_ef, ef);
	same_as_ef(c, ef);
	assert_int_equal(semlite_collection_tune(c, 0, &ef, NULL), 0);
	assert_int_equal(semlite_collection_stats_get(c, &s), 0);
	assert_int_equal(s.tuned_documents, N / 8);
	assert_int_equal(s.search_ef, ef);
	check_ok(db);
	semlite_collection_close(c);
	semlite_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_recall_filters_deletes, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_crash_mid_insert, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_txn_size_invisible, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cold_cache, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search_after_remap, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_handle_cache, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_handle_cache_threads, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_tune, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tune_growth, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
