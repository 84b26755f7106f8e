/*
 * test_crash.c — crash safety: a writer child is SIGKILLed at a random
 * point (seeded), 200 times; after each kill the database must pass the
 * integrity check and hold every commit the child acknowledged (the child
 * writes a batch's number to a pipe only after semlite_txn_commit()
 * returned). Batches also upsert and delete shared ids, so kills land in
 * retire paths, bitmap flushes and commits alike.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/common.h"
#include "common/test_db.h"
#include "semlite.h"

#define KILLS 200
#define BATCH 20
#define DIM   8

static char path[256];

static void child(int fd, uint32_t first)
{
	semlite_db *db;
	semlite_collection *c;
	if (semlite_open(path, 0, &db) || semlite_collection_open(db, "c", &c))
		_exit(3);
	for (uint32_t b = first;; b++) {
		semlite_txn *t;
		if (semlite_txn_begin(db, &t))
			_exit(4);
		for (int j = 0; j < BATCH; j++) {
			char id[64], text[64];
			float v[DIM];
			for (int d = 0; d < DIM; d++)
				v[d] = (float)((b * 31 + j * 7 + d) % 17) - 8;
			snprintf(id, sizeof id, "b%u-%d", b, j);
			snprintf(text, sizeof text, "text of %u/%d", b, j);
			if (semlite_vector_put(c, t, id, v, DIM, text,
			                       strlen(text),
			                       "{\"group\": \"g\"}"))
				_exit(5);
			snprintf(id, sizeof id, "hot-%d", j % 5);
			if (semlite_vector_put(c, t, id, v, DIM, text,
			                       strlen(text), NULL))
				_exit(6);
		}
		char old[64];
		snprintf(old, sizeof old, "b%u-0", b - 1);
		int rc = semlite_doc_delete(c, t, old);
		if (rc && rc != SEMLITE_NOTFOUND)
			_exit(7);
		if (semlite_txn_commit(t))
			_exit(8);
		if (write(fd, &b, sizeof b) != (ssize_t)sizeof b)
			_exit(9);
	}
}

static void verify(uint32_t *acked, size_t nacked)
{
	semlite_db *db;
	semlite_collection *c;
	char report[512];
	assert_int_equal(semlite_open(path, 0, &db), 0);
	int rc = semlite_db_check(db, report, sizeof report);
	if (rc)
		fail_msg("check failed: %s", report);
	assert_int_equal(semlite_collection_open(db, "c", &c), 0);
	for (size_t i = 0; i < nacked; i++) {
		uint32_t b = acked[i];
		for (int j = 1; j < BATCH; j++) {
			char id[64], text[64];
			semlite_doc *d;
			snprintf(id, sizeof id, "b%u-%d", b, j);
			snprintf(text, sizeof text, "text of %u/%d", b, j);
			rc = semlite_doc_get(c, NULL, id, &d);
			if (rc)
				fail_msg("acknowledged %s missing: %s", id,
				         semlite_errmsg());
			assert_string_equal(d->text, text);
			semlite_doc_free(d);
		}
	}
	semlite_collection_close(c);
	semlite_close(db);
}

/* Records an acknowledged batch (the next batch deletes its document 0,
 * so verify() checks documents 1..BATCH-1). */
static void ack_add(uint32_t **acked, size_t *n, size_t *cap, uint32_t b)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*acked = realloc(*acked, *cap * sizeof **acked);
		assert_non_null(*acked);
	}
	(*acked)[(*n)++] = b;
}

static void test_crash(void **state)
{
	(void)state;
	tdb_path(path, sizeof path, "crash");
	semlite_db *db;
	tdb_create(path, "c", DIM, &db, NULL);
	semlite_close(db);

	sl_rng rng;
	uint64_t seed = 20261122;
	sl_rng_seed(&rng, seed);
	printf("crash test seed %llu, %d kills\n", (unsigned long long)seed,
	       KILLS);
	uint32_t *acked = NULL;
	size_t nacked = 0, cap = 0;
	for (int k = 0; k < KILLS; k++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		uint32_t first = (uint32_t)k * 100000u + 1;
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child(fds[1], first);
		}
		close(fds[1]);
		size_t before = nacked;
		uint32_t b;
		/* Every fourth round first waits for one acknowledged commit,
		 * so kills also land in later commits however slow the build
		 * (ASan) or the machine is; then 0..60 ms more. */
		if (k % 4 == 1 &&
		    read(fds[0], &b, sizeof b) == (ssize_t)sizeof b)
			ack_add(&acked, &nacked, &cap, b);
		long us = (long)(sl_rng_uniform(&rng) * 60000);
		struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status))
			fail_msg("writer exited with %d before the kill",
			         WEXITSTATUS(status));
		while (read(fds[0], &b, sizeof b) == (ssize_t)sizeof b)
			ack_add(&acked, &nacked, &cap, b);
		close(fds[0]);
		/* Check after every kill, the commits acknowledged since the
		 * last one now, and all of them again at the end. */
		verify(acked + before, nacked - before);
	}
	verify(acked, nacked);
	printf("%zu acknowledged commits survived %d kills\n", nacked, KILLS);
	free(acked);
	tdb_remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_crash)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
