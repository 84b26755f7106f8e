/*
 * test_compact_fault.c — faults during compaction leave the database as
 * it was before:
 *   - allocation failures (the sl_malloc seam): the Nth allocation of
 *     semlite_collection_compact() fails, N = 0, 1, 2, ... until one run
 *     completes. Each failure is SEMLITE_NOMEM; afterwards the tombstones
 *     are all still there, the check passes and searches (plain and
 *     filtered) return exactly what they returned before.
 *   - a crash: a child compacting is SIGKILLed after a seeded random
 *     delay; the reopened database passes the check and holds either all
 *     its tombstones (not committed) or none (committed), never a part.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "api/compact/compact_util.h"
#include "common/common.h"

#define DIM 16
#define N   1200
#define NQ  8
#define K   10

static float *vectors(uint64_t seed, unsigned n)
{
	float *x = malloc((size_t)n * DIM * sizeof *x);
	uint64_t s = seed;
	assert_non_null(x);
	for (size_t i = 0; i < (size_t)n * DIM; i++)
		x[i] = (float)(2 * cu_uniform(&s) - 1);
	return x;
}

/* The result ids of NQ plain and NQ filtered searches, "\n"-joined. */
static void answers(semlite_collection *c, const float *q, char *out,
                    size_t cap)
{
	size_t n = 0;
	out[0] = 0;
	for (int f = 0; f < 2; f++)
		for (unsigned i = 0; i < NQ; i++) {
			semlite_search_opts o;
			semlite_results *r;
			semlite_search_opts_init(&o);
			o.k = K;
			o.where_field = f ? "p50" : NULL;
			o.where_value = f ? "1" : NULL;
			assert_int_equal(
			    semlite_search_vector(c, q + (size_t)i * DIM, DIM,
			                          &o, &r),
			    0);
			for (size_t j = 0; j < r->count; j++)
				n += (size_t)snprintf(out + n, cap - n, "%s ",
				                      r->items[j].id);
			n += (size_t)snprintf(out + n, cap - n, "\n");
			semlite_results_free(r);
			assert_true(n < cap);
		}
}

static void test_nomem(void **state)
{
	(void)state;
	tdb_path(cu_path, sizeof cu_path, "compact_nomem");
	semlite_db *db;
	semlite_collection *c = cu_make(&db, DIM, SEMLITE_METRIC_COSINE);
	float *x = vectors(3, N), *q = vectors(4, NQ);
	uint8_t *del = calloc(N, 1);
	assert_non_null(del);
	cu_put(db, c, x, DIM, 0, N);
	unsigned nd = cu_mark(del, N, 0.5, 1, 9);
	cu_delete(db, c, del, N, 1);
	static char want[1 << 16], got[1 << 16];
	answers(c, q, want, sizeof want);
	long failures = 0;
	for (long n = 0;; n++) {
		uint64_t purged = 7;
		sl_fault_set(n);
		int rc = semlite_collection_compact(c, &purged);
		sl_fault_clear();
		if (rc == SEMLITE_OK) {
			assert_int_equal(purged, nd);
			break;
		}
		failures++;
		assert_int_equal(rc, SEMLITE_NOMEM);
		assert_int_equal(purged, 0);
		assert_int_equal(cu_tombstones(c), nd);
		if (n % 8 == 0 || n < 8)
			cu_check_ok(db);
		answers(c, q, got, sizeof got);
		assert_string_equal(got, want);
	}
	print_message("compaction failed %ld times under injection, then "
	              "succeeded\n",
	              failures);
	assert_true(failures > 0);
	assert_int_equal(cu_tombstones(c), 0);
	cu_check_ok(db);
	semlite_collection_close(c);
	semlite_close(db);
	tdb_remove(cu_path);
	free(x);
	free(q);
	free(del);
}

/* The child: opens the database and compacts; exit 0 when it could. */
static void child(void)
{
	semlite_db *db;
	semlite_collection *c;
	if (semlite_open(cu_path, 0, &db) ||
	    semlite_collection_open(db, "v", &c))
		_exit(3);
	_exit(semlite_collection_compact(c, NULL) ? 4 : 0);
}

/* Forks a compacting child and kills it after delay_us (if still
 * running); returns the tombstones found after reopening. */
static uint64_t compact_killed(long delay_us, uint64_t had)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child();
	struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000};
	nanosleep(&ts, NULL);
	kill(pid, SIGKILL);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) || (WIFEXITED(st) && !WEXITSTATUS(st)));
	semlite_db *db;
	semlite_collection *c;
	assert_int_equal(semlite_open(cu_path, 0, &db), 0);
	assert_int_equal(semlite_collection_open(db, "v", &c), 0);
	cu_check_ok(db);
	uint64_t t = cu_tombstones(c);
	assert_true(t == 0 || t == had);
	semlite_collection_close(c);
	semlite_close(db);
	return t;
}

static void test_crash(void **state)
{
	(void)state;
	enum { NC = 3000 };
	tdb_path(cu_path, sizeof cu_path, "compact_crash");
	semlite_db *db;
	semlite_collection *c = cu_make(&db, DIM, SEMLITE_METRIC_COSINE);
	float *x = vectors(5, NC);
	uint8_t *del = calloc(NC, 1);
	assert_non_null(del);
	cu_put(db, c, x, DIM, 0, NC);
	/* how long one compaction of ~20% tombstones takes here */
	cu_mark(del, NC, 0.2, 1, 21);
	cu_delete(db, c, del, NC, 1);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(semlite_collection_compact(c, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long span = (t1.tv_sec - t0.tv_sec) * 1000000L +
	            (t1.tv_nsec - t0.tv_nsec) / 1000 + 1;
	uint64_t seed = 77;
	unsigned kept = 0, done = 0;
	for (int round = 0; round < 12; round++) {
		/* fresh tombstones: the next 5% of the ids */
		unsigned nd = cu_mark(del, NC, 0.2 + 0.05 * (round + 1),
		                      (uint8_t)(2 + round), 30 + round);
		cu_delete(db, c, del, NC, (uint8_t)(2 + round));
		uint64_t had = cu_tombstones(c);
		assert_true(had >= nd);
		semlite_collection_close(c);
		semlite_close(db);
		long delay = (long)(cu_uniform(&seed) * 1.5 * (double)span);
		uint64_t t = compact_killed(delay, had);
		kept += t != 0;
		done += t == 0;
		assert_int_equal(semlite_open(cu_path, 0, &db), 0);
		assert_int_equal(semlite_collection_open(db, "v", &c), 0);
	}
	print_message("compaction killed 12 times (about %ld us each): %u "
	              "rolled back, %u committed\n",
	              span, kept, done);
	semlite_collection_close(c);
	semlite_close(db);
	tdb_remove(cu_path);
	free(x);
	free(del);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nomem),
	    cmocka_unit_test(test_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
