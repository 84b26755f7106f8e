/*
 * test_compact.c — semlite_collection_compact() through semlite.h on a
 * seeded clustered set: 10% and then 50% deletes, each followed by
 * compaction, after which the tombstones are gone (stats), the check
 * passes, no deleted id comes back and the indexed search keeps recall
 * >= 0.95 against exact search (also under a filter, whose bitmap
 * compaction cleaned). Then repeated delete/insert/compact cycles: the
 * file stops growing (LMDB reuses the freed pages), against the same
 * cycles without compaction as the control.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api/compact/compact_util.h"

#define DIM  32
#define N    4000
#define NQ   60
#define K    10
#define SEED 11

/* Clustered vectors: 40 centres in [-1, 1]^DIM, points spread 0.35. */
static float *clustered(uint64_t seed, unsigned n)
{
	float *x = malloc((size_t)n * DIM * sizeof *x), cen[40][DIM];
	uint64_t s = 777;
	assert_non_null(x);
	for (int c = 0; c < 40; c++)
		for (int d = 0; d < DIM; d++)
			cen[c][d] = (float)(2 * cu_uniform(&s) - 1);
	s = seed;
	for (unsigned i = 0; i < n; i++) {
		unsigned c = (unsigned)(cu_uniform(&s) * 40) % 40;
		for (int d = 0; d < DIM; d++)
			x[(size_t)i * DIM + d] =
			    cen[c][d] + 0.35f * (float)(2 * cu_uniform(&s) - 1);
	}
	return x;
}

static int setup(void **state)
{
	(void)state;
	tdb_path(cu_path, sizeof cu_path, "compact");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tdb_remove(cu_path);
	return 0;
}

static void compact_phase(semlite_db *db, semlite_collection *c, const float *q,
                          const uint8_t *del, unsigned ndel_new,
                          const char *what)
{
	uint64_t purged = 99;
	assert_int_equal(cu_tombstones(c), ndel_new);
	double before = cu_recall(c, q, NQ, DIM, K, del, NULL);
	assert_int_equal(semlite_collection_compact(c, &purged), 0);
	assert_int_equal(purged, ndel_new);
	assert_int_equal(cu_tombstones(c), 0);
	cu_check_ok(db);
	double after = cu_recall(c, q, NQ, DIM, K, del, NULL);
	double filt = cu_recall(c, q, NQ, DIM, K, del, "1");
	print_message("%s: recall before compaction %.4f, after %.4f, "
	              "filtered after %.4f\n",
	              what, before, after, filt);
	assert_true(after >= 0.95);
	assert_true(filt >= 0.95);
}

static void test_compact_deletes(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = cu_make(&db, DIM, SEMLITE_METRIC_L2);
	float *x = clustered(SEED, N), *q = clustered(SEED + 1, NQ);
	uint8_t *del = calloc(N, 1);
	assert_non_null(del);
	cu_put(db, c, x, DIM, 0, N);
	uint64_t purged = 99;
	/* nothing to do: nothing written */
	assert_int_equal(semlite_collection_compact(c, &purged), 0);
	assert_int_equal(purged, 0);
	unsigned n1 = cu_mark(del, N, 0.10, 1, 5);
	cu_delete(db, c, del, N, 1);
	compact_phase(db, c, q, del, n1, "10% deleted");
	cu_groups_ok(c, q, DIM, del, N);
	unsigned n2 = cu_mark(del, N, 0.50, 2, 6);
	cu_delete(db, c, del, N, 2);
	compact_phase(db, c, q, del, n2, "50% deleted");
	cu_groups_ok(c, q, DIM, del, N);
	/* an upsert leaves a tombstone of the old version, compacted too */
	assert_int_equal(semlite_vector_put(c, NULL, "0", q, DIM, NULL, 0,
	                                    "{\"p50\": \"0\"}"),
	                 0);
	del[0] = 0;
	assert_int_equal(semlite_collection_compact(c, &purged), 0);
	cu_check_ok(db);
	semlite_results *res;
	semlite_search_opts o;
	semlite_search_opts_init(&o);
	assert_int_equal(semlite_search_vector(c, q, DIM, &o, &res), 0);
	assert_true(res->count >= 1);
	assert_string_equal(res->items[0].id, "0");
	semlite_results_free(res);
	/* compaction is durable: reopen and search again */
	semlite_collection_close(c);
	semlite_close(db);
	assert_int_equal(semlite_open(cu_path, 0, &db), 0);
	assert_int_equal(semlite_collection_open(db, "v", &c), 0);
	cu_check_ok(db);
	assert_true(cu_recall(c, q, NQ, DIM, K, del, NULL) >= 0.95);
	semlite_collection_close(c);
	semlite_close(db);
	free(del);
	free(x);
	free(q);
}

/* Runs `cycles` rounds of: delete half the live ids, insert as many new
 * ones, compact (when asked); returns the file size after each round. */
static void cycles(int compact, unsigned cycles, uint64_t *sizes)
{
	const unsigned live = 1000, total = live * (cycles + 1);
	semlite_db *db;
	tdb_remove(cu_path);
	semlite_collection *c = cu_make(&db, DIM, SEMLITE_METRIC_COSINE);
	float *x = clustered(SEED + 2, total);
	uint8_t *del = calloc(total, 1);
	assert_non_null(del);
	cu_put(db, c, x, DIM, 0, live);
	unsigned next = live;
	for (unsigned r = 0; r < cycles; r++) {
		/* delete every other live id, oldest first */
		unsigned flip = 0;
		for (unsigned i = 0; i < next; i++)
			if (!del[i] && (flip++ & 1))
				del[i] = 3;
		cu_delete(db, c, del, next, 3);
		for (unsigned i = 0; i < next; i++)
			if (del[i] == 3)
				del[i] = 1;
		unsigned add = live - (flip - flip / 2);
		cu_put(db, c, x, DIM, next, next + add);
		next += add;
		if (compact)
			assert_int_equal(semlite_collection_compact(c, NULL),
			                 0);
		assert_int_equal(semlite_db_file_size(db, &sizes[r]), 0);
	}
	cu_check_ok(db);
	semlite_collection_close(c);
	semlite_close(db);
	free(del);
	free(x);
}

static void test_file_size_cycles(void **state)
{
	(void)state;
	enum { R = 16 };
	uint64_t with[R], without[R];
	cycles(1, R, with);
	cycles(0, R, without);
	for (int r = 0; r < R; r += 3)
		print_message("cycle %2d: %8llu bytes with compaction, %8llu "
		              "without\n",
		              r + 1, (unsigned long long)with[r],
		              (unsigned long long)without[r]);
	/* with compaction the file reaches a plateau: the last eight cycles
	 * add (almost) nothing over the middle one */
	assert_true(with[R - 1] <= with[R / 2 - 1] + with[R / 2 - 1] / 10);
	assert_true(with[R - 1] <= without[R - 1]);
}

/* A collection without an ANN index has no graph: compaction only
 * clears the bitmaps and the tombstones. */
static void test_unindexed(void **state)
{
	(void)state;
	enum { NU = 300 };
	semlite_db *db;
	semlite_collection *c;
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.dim = DIM;
	o.use_default_model = 0;
	o.index = SEMLITE_INDEX_NONE;
	tdb_create_opts(cu_path, "v", &o, &db, &c);
	float *x = clustered(SEED + 3, NU);
	uint8_t del[NU] = {0};
	cu_put(db, c, x, DIM, 0, NU);
	unsigned nd = cu_mark(del, NU, 0.5, 1, 8);
	cu_delete(db, c, del, NU, 1);
	uint64_t purged = 0;
	assert_int_equal(semlite_collection_compact(c, &purged), 0);
	assert_int_equal(purged, nd);
	assert_int_equal(cu_tombstones(c), 0);
	cu_check_ok(db);
	cu_groups_ok(c, x, DIM, del, NU);
	semlite_collection_close(c);
	semlite_close(db);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_compact_deletes, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_file_size_cycles, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_unindexed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
