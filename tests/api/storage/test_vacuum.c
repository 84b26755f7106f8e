/*
 * test_vacuum.c — semlite_vacuum(): the file shrinks to its packed size and
 * answers every read as before (documents, metadata, searches, check), and
 * takes writes after; it refuses with SEMLITE_BUSY while a handle in this
 * or another process has the file open, changing nothing; the permission
 * bits survive; an opener that finds the lock file a vacuum emptied waits
 * for it rather than trusting it; a process that keeps opening and
 * searching while another vacuums over and over never sees an error or a
 * wrong answer; and a vacuum killed at any moment leaves a database that
 * opens, checks and holds the same documents.
 */
#define _GNU_SOURCE /* usleep, kill, symlink */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/test_db.h"
#include "semlite.h"

#define DIM  24
#define N    3000
#define NDEL 600
#define NQ   20
#define K    10

static char path[256], lock[300];

static void vec_for(unsigned i, float *v)
{
	unsigned s = i * 2654435761u + 777;
	for (int d = 0; d < DIM; d++) {
		s = s * 1103515245u + 12345;
		v[d] = (float)((s >> 8) % 2000) / 1000.0f - 1.0f;
	}
}

static void remove_files(void)
{
	char tmp[400];
	tdb_remove(path);
	snprintf(tmp, sizeof tmp, "%s.vacuum-%d", path, (int)getpid());
	unlink(tmp);
}

static int setup(void **state)
{
	(void)state;
	tdb_path(path, sizeof path, "vacuum");
	snprintf(lock, sizeof lock, "%s-lock", path);
	remove_files();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	remove_files();
	return 0;
}

/* N documents with text and metadata in batches, NDEL of them deleted
 * and 100 replaced: a file with free pages and split leaves. */
static void build(void)
{
	semlite_db *db;
	semlite_collection *c;
	tdb_create(path, "c", DIM, &db, &c);
	for (unsigned b = 0; b < N; b += 250) {
		semlite_txn *t;
		assert_int_equal(semlite_txn_begin(db, &t), 0);
		for (unsigned i = b; i < b + 250; i++) {
			float v[DIM];
			char id[32], text[64], meta[64];
			vec_for(i, v);
			snprintf(id, sizeof id, "d%u", i);
			snprintf(text, sizeof text, "document number %u", i);
			snprintf(meta, sizeof meta, "{\"g\": \"%u\"}", i % 7);
			assert_int_equal(semlite_vector_put(c, t, id, v, DIM,
			                                    text, strlen(text),
			                                    meta),
			                 0);
		}
		assert_int_equal(semlite_txn_commit(t), 0);
	}
	for (unsigned i = 0; i < NDEL; i++) {
		char id[32];
		snprintf(id, sizeof id, "d%u", i * 5);
		assert_int_equal(semlite_doc_delete(c, NULL, id), 0);
	}
	for (unsigned i = 1; i < 200; i += 2) {
		float v[DIM];
		char id[32];
		vec_for(i + N, v);
		snprintf(id, sizeof id, "d%u", i);
		assert_int_equal(semlite_vector_put(c, NULL, id, v, DIM,
		                                    "replaced", 8, NULL),
		                 0);
	}
	semlite_collection_close(c);
	semlite_close(db);
}

/* Everything a reader can see, as one string: the documents of a sample
 * of ids and the results (ids and scores) of NQ searches, exact and
 * through the index, filtered and not. */
static char *snapshot(void)
{
	semlite_db *db;
	semlite_collection *c;
	assert_int_equal(semlite_open(path, SEMLITE_OPEN_READONLY, &db), 0);
	assert_int_equal(semlite_collection_open(db, "c", &c), 0);
	size_t cap = 1 << 20, len = 0;
	char *s = malloc(cap);
	assert_non_null(s);
	for (unsigned i = 0; i < N; i += 7) {
		char id[32];
		semlite_doc *d;
		snprintf(id, sizeof id, "d%u", i);
		int rc = semlite_doc_get(c, NULL, id, &d);
		if (rc == SEMLITE_NOTFOUND) {
			len += (size_t)snprintf(s + len, cap - len, "%s-;", id);
			continue;
		}
		assert_int_equal(rc, 0);
		len += (size_t)snprintf(s + len, cap - len, "%s=%.*s/%s;", id,
		                        (int)d->text_len, d->text,
		                        d->metadata ? d->metadata : "");
		semlite_doc_free(d);
	}
	for (unsigned q = 0; q < NQ; q++) {
		float v[DIM];
		vec_for(q * 31 + 5, v);
		for (int mode = 0; mode < 3; mode++) {
			semlite_search_opts so;
			semlite_search_opts_init(&so);
			so.k = K;
			so.exact = mode == 1;
			if (mode == 2) {
				so.where_field = "g";
				so.where_value = "3";
			}
			semlite_results *r;
			assert_int_equal(
			    semlite_search_vector(c, v, DIM, &so, &r), 0);
			assert_int_equal(r->count, K);
			for (size_t j = 0; j < r->count; j++)
				len += (size_t)snprintf(
				    s + len, cap - len, "%s:%.6f,",
				    r->items[j].id, (double)r->items[j].score);
			semlite_results_free(r);
		}
	}
	assert_true(len < cap - 1);
	char report[256];
	assert_int_equal(semlite_db_check(db, report, sizeof report), 0);
	semlite_collection_close(c);
	semlite_close(db);
	return s;
}

static off_t file_size(void)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void test_vacuum_same_answers(void **state)
{
	(void)state;
	build();
	char *before = snapshot();
	off_t raw = file_size();
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(semlite_vacuum(path), SEMLITE_OK);
	off_t packed = file_size();
	printf("vacuum: %lld -> %lld bytes\n", (long long)raw,
	       (long long)packed);
	/* measured 0.39 here: deletes, replacements and batches */
	assert_true(packed * 10 < raw * 7);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	char *after = snapshot();
	assert_string_equal(before, after);
	free(after);
	/* a second vacuum finds nothing left to pack */
	assert_int_equal(semlite_vacuum(path), SEMLITE_OK);
	assert_int_equal(file_size(), packed);
	/* the vacuumed file takes writes, and keeps them */
	semlite_db *db;
	semlite_collection *c;
	assert_int_equal(semlite_open(path, 0, &db), 0);
	assert_int_equal(semlite_collection_open(db, "c", &c), 0);
	float v[DIM];
	vec_for(99999, v);
	assert_int_equal(
	    semlite_vector_put(c, NULL, "new", v, DIM, "after", 5, NULL), 0);
	assert_int_equal(semlite_doc_delete(c, NULL, "d1"), 0);
	semlite_collection_close(c);
	semlite_close(db);
	assert_int_equal(semlite_open(path, SEMLITE_OPEN_READONLY, &db), 0);
	assert_int_equal(semlite_collection_open(db, "c", &c), 0);
	semlite_search_opts so;
	semlite_search_opts_init(&so);
	so.k = 1;
	semlite_results *r;
	assert_int_equal(semlite_search_vector(c, v, DIM, &so, &r), 0);
	assert_string_equal(r->items[0].id, "new");
	semlite_results_free(r);
	semlite_doc *d;
	assert_int_equal(semlite_doc_get(c, NULL, "d1", &d), SEMLITE_NOTFOUND);
	assert_int_equal(semlite_db_check(db, NULL, 0), 0);
	semlite_collection_close(c);
	semlite_close(db);
	free(before);
	/* through a symbolic link: the file it points at is vacuumed, the
	 * link stays a link */
	char link[300], linklock[320];
	snprintf(link, sizeof link, "%s.link", path);
	snprintf(linklock, sizeof linklock, "%s-lock", link);
	unlink(link);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(semlite_vacuum(link), SEMLITE_OK);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(semlite_open(link, SEMLITE_OPEN_READONLY, &db), 0);
	assert_int_equal(semlite_db_check(db, NULL, 0), 0);
	semlite_close(db);
	unlink(link);
	unlink(linklock);
}

static void test_vacuum_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(semlite_vacuum(NULL), SEMLITE_INVALID);
	assert_int_equal(semlite_vacuum(""), SEMLITE_INVALID);
	assert_int_equal(semlite_vacuum(path), SEMLITE_NOTFOUND);
	assert_int_equal(semlite_vacuum("/tmp"), SEMLITE_INVALID);
	/* not a database: an error, and the file is untouched */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("just some text, not an LMDB file at all\n", f);
	fclose(f);
	off_t n = file_size();
	assert_int_not_equal(semlite_vacuum(path), SEMLITE_OK);
	assert_int_equal(file_size(), n);
}

/* The file's bytes, to show a refused vacuum changed nothing. */
static uint64_t file_hash(void)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint64_t h = 1469598103934665603ull;
	int ch;
	while ((ch = getc(f)) != EOF)
		h = (h ^ (uint64_t)ch) * 1099511628211ull;
	fclose(f);
	return h;
}

static void test_vacuum_busy(void **state)
{
	(void)state;
	build();
	uint64_t h = file_hash();
	/* a handle of this process */
	semlite_db *db;
	assert_int_equal(semlite_open(path, SEMLITE_OPEN_READONLY, &db), 0);
	assert_int_equal(semlite_vacuum(path), SEMLITE_BUSY);
	semlite_close(db);
	assert_int_equal(file_hash(), h);
	/* a handle of another process */
	int up[2], down[2];
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char ch = 0;
		int rc = semlite_open(path, 0, &db);
		if (write(up[1], &ch, 1) != 1 || read(down[0], &ch, 1) != 1)
			_exit(3);
		if (!rc)
			semlite_close(db);
		_exit(rc ? 2 : 0);
	}
	char ch;
	assert_int_equal(read(up[0], &ch, 1), 1);
	assert_int_equal(semlite_vacuum(path), SEMLITE_BUSY);
	assert_int_equal(write(down[1], &ch, 1), 1);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(file_hash(), h);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	assert_int_equal(semlite_vacuum(path), SEMLITE_OK);
}

/* A process queued on the lock while a vacuum ran gets the lock once the
 * vacuum is done, and finds the lock file emptied. A child plays that
 * process (a read lock on the empty file, as LMDB's opener holds it); an
 * open here waits for it, then succeeds from the new file. */
/* Forks a child that holds a read lock on byte 0 of the lock file for ms
 * milliseconds, as LMDB's opener holds it; returns once it holds it. */
static pid_t hold_lock(unsigned ms)
{
	int up[2];
	char ch = 0;
	assert_int_equal(pipe(up), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(lock, O_RDWR);
		struct flock fl = {.l_type = F_RDLCK,
		                   .l_whence = SEEK_SET,
		                   .l_start = 0,
		                   .l_len = 1};
		if (fd < 0 || fcntl(fd, F_SETLK, &fl) ||
		    write(up[1], &ch, 1) != 1)
			_exit(2);
		usleep(ms * 1000);
		_exit(0);
	}
	assert_int_equal(read(up[0], &ch, 1), 1);
	close(up[0]);
	close(up[1]);
	return pid;
}

static void test_vacuum_queued_opener(void **state)
{
	(void)state;
	build();
	assert_int_equal(semlite_vacuum(path), SEMLITE_OK);
	struct stat st;
	assert_int_equal(stat(lock, &st), 0);
	assert_int_equal(st.st_size, 0);
	pid_t pid = hold_lock(300);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	semlite_db *db;
	assert_int_equal(semlite_open(path, SEMLITE_OPEN_READONLY, &db), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* it waited for the child instead of reading the empty file */
	assert_true(t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) * 1e-9 >
	            0.1);
	assert_int_equal(semlite_db_check(db, NULL, 0), 0);
	semlite_close(db);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* held for longer than an open waits: SEMLITE_BUSY, not a crash */
	assert_int_equal(semlite_vacuum(path), SEMLITE_OK);
	pid = hold_lock(4000);
	assert_int_equal(semlite_open(path, SEMLITE_OPEN_READONLY, &db),
	                 SEMLITE_BUSY);
	assert_non_null(strstr(semlite_errmsg(), "vacuum"));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	assert_int_equal(semlite_open(path, SEMLITE_OPEN_READONLY, &db), 0);
	semlite_close(db);
}

/* One process opens, searches and closes in a loop while this one
 * vacuums every 2 ms: every open and search in the child succeeds with the
 * same answer (opens queue behind a vacuum, and wait while the lock file
 * is set up again); each vacuum either runs or finds the file open. */
static void test_vacuum_under_openers(void **state)
{
	(void)state;
	build();
	float q[DIM];
	vec_for(4242, q);
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char first[64] = "";
		char ch = 0;
		if (write(ready[1], &ch, 1) != 1)
			_exit(2);
		for (int i = 0; i < 300; i++) {
			semlite_db *db;
			semlite_collection *c;
			semlite_results *r;
			if (semlite_open(path, SEMLITE_OPEN_READONLY, &db)) {
				fprintf(stderr, "child open %d: %s\n", i,
				        semlite_errmsg());
				_exit(3);
			}
			if (semlite_collection_open(db, "c", &c) ||
			    semlite_search_vector(c, q, DIM, NULL, &r) ||
			    r->count != K)
				_exit(4);
			if (!*first)
				snprintf(first, sizeof first, "%s",
				         r->items[0].id);
			else if (strcmp(first, r->items[0].id))
				_exit(5);
			semlite_results_free(r);
			semlite_collection_close(c);
			semlite_close(db);
			usleep(500);
		}
		_exit(0);
	}
	char ch;
	assert_int_equal(read(ready[0], &ch, 1), 1);
	int done = 0, busy = 0, status;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		int rc = semlite_vacuum(path);
		assert_true(rc == SEMLITE_OK || rc == SEMLITE_BUSY);
		if (rc == SEMLITE_OK)
			done++;
		else
			busy++;
		usleep(2000); /* vacuums back to back would starve openers */
	}
	printf("vacuums while another process opened: %d ran, %d busy\n", done,
	       busy);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(ready[0]);
	close(ready[1]);
	semlite_db *db;
	assert_int_equal(semlite_open(path, SEMLITE_OPEN_READONLY, &db), 0);
	assert_int_equal(semlite_db_check(db, NULL, 0), 0);
	semlite_close(db);
}

/* Vacuums killed after 0..10 ms: the database left behind opens, checks
 * and answers as before, and the next vacuum goes through. */
static void test_vacuum_killed(void **state)
{
	(void)state;
	build();
	char *before = snapshot();
	for (int i = 0; i < 12; i++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(semlite_vacuum(path) == SEMLITE_OK ? 0 : 1);
		usleep((useconds_t)(i * 900));
		kill(pid, SIGKILL);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		char tmp[400];
		snprintf(tmp, sizeof tmp, "%s.vacuum-%d", path, (int)pid);
		unlink(tmp); /* what a killed vacuum leaves */
		char *after = snapshot();
		assert_string_equal(before, after);
		free(after);
	}
	free(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_vacuum_same_answers, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_bad_arguments, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_busy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_queued_opener, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_under_openers, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_killed, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
