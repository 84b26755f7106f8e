/*
 * test_procs.c — two reader processes search and count while a writer
 * process commits batches: every snapshot a reader sees holds whole
 * batches only (a multiple of the batch size), counts never go backwards,
 * and searches succeed throughout.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/test_db.h"
#include "semlite.h"

#define DIM     8
#define BATCH   50
#define BATCHES 40

static char path[256];

static int writer(void)
{
	semlite_db *db;
	semlite_collection *c;
	if (semlite_open(path, 0, &db) || semlite_collection_open(db, "c", &c))
		return 10;
	for (int b = 0; b < BATCHES; b++) {
		semlite_txn *t;
		if (semlite_txn_begin(db, &t))
			return 11;
		for (int j = 0; j < BATCH; j++) {
			char id[32];
			float v[DIM];
			for (int d = 0; d < DIM; d++)
				v[d] = (float)((b + j * d) % 13) - 6;
			snprintf(id, sizeof id, "%d-%d", b, j);
			if (semlite_vector_put(c, t, id, v, DIM, "t", 1, NULL))
				return 12;
		}
		if (semlite_txn_commit(t))
			return 13;
	}
	semlite_collection_close(c);
	semlite_close(db);
	return 0;
}

static int reader(void)
{
	semlite_db *db;
	semlite_collection *c;
	if (semlite_open(path, SEMLITE_OPEN_READONLY, &db) ||
	    semlite_collection_open(db, "c", &c))
		return 20;
	uint64_t last = 0;
	while (last < (uint64_t)BATCH * BATCHES) {
		semlite_collection_stats s;
		if (semlite_collection_stats_get(c, &s))
			return 21;
		if (s.documents % BATCH || s.documents < last)
			return 22;
		last = s.documents;
		float q[DIM] = {1, 2, 3, 4, 5, 6, 7, 8};
		semlite_results *r;
		if (semlite_search_vector(c, q, DIM, NULL, &r))
			return 23;
		if (r->count != (last < 10 ? last : 10) && r->count < 10)
			return 24;
		semlite_results_free(r);
	}
	semlite_collection_close(c);
	semlite_close(db);
	return 0;
}

static void test_procs(void **state)
{
	(void)state;
	tdb_path(path, sizeof path, "procs");
	semlite_db *db;
	tdb_create(path, "c", DIM, &db, NULL);
	semlite_close(db);
	pid_t pids[3];
	for (int i = 0; i < 3; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(i == 0 ? writer() : reader());
	}
	/* The readers run until they have seen every batch: if the writer
	 * fails they would spin forever, so reap it first and stop them. */
	int wst;
	assert_int_equal(waitpid(pids[0], &wst, 0), pids[0]);
	if (!WIFEXITED(wst) || WEXITSTATUS(wst)) {
		kill(pids[1], SIGKILL);
		kill(pids[2], SIGKILL);
		waitpid(pids[1], NULL, 0);
		waitpid(pids[2], NULL, 0);
		fail_msg("writer failed (status %d)", wst);
	}
	for (int i = 1; i < 3; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		if (WEXITSTATUS(st))
			fail_msg("process %d exited with %d", i,
			         WEXITSTATUS(st));
	}
	tdb_remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_procs)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
