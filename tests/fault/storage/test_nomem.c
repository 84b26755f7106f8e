/*
 * test_nomem.c — fault injection: fail the Nth allocation (N = 0, 1, 2,
 * ...) during a put and during a commit. Each failure must come back as
 * SEMLITE_NOMEM (or succeed when N is past the last allocation), and the
 * database must stay consistent: the check passes and exactly the
 * committed documents are there.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "common/test_db.h"
#include "semlite.h"

#define DIM 8

static void put_one(semlite_collection *c, semlite_txn *t, const char *id,
                    int *rc)
{
	float v[DIM] = {1, 2, 3, 4, 5, 6, 7, 8};
	*rc = semlite_vector_put(c, t, id, v, DIM, "some text", 9,
	                         "{\"k\": \"v\"}");
}

static void test_nomem(void **state)
{
	(void)state;
	char path[256];
	tdb_path(path, sizeof path, "nomem");
	semlite_db *db;
	semlite_collection *c;
	tdb_create(path, NULL, DIM, &db, &c);
	int committed = 0, failures = 0;
	for (long n = 0; n < 200; n++) {
		char id[32];
		snprintf(id, sizeof id, "d%ld", n);
		semlite_txn *t = NULL;
		int rc;
		/* Autocommit put under injection... */
		sl_fault_set(n);
		put_one(c, NULL, id, &rc);
		sl_fault_clear();
		assert_true(rc == SEMLITE_OK || rc == SEMLITE_NOMEM ||
		            rc == SEMLITE_BUSY);
		if (rc == SEMLITE_OK)
			committed++;
		else
			failures++;
		/* ...and an explicit transaction failing at commit. */
		char id2[32];
		snprintf(id2, sizeof id2, "e%ld", n);
		assert_int_equal(semlite_txn_begin(db, &t), 0);
		put_one(c, t, id2, &rc);
		assert_int_equal(rc, 0);
		sl_fault_set(n);
		rc = semlite_txn_commit(t);
		sl_fault_clear();
		assert_true(rc == SEMLITE_OK || rc == SEMLITE_NOMEM);
		if (rc == SEMLITE_OK)
			committed++;
		else
			failures++;
		semlite_collection_stats s;
		assert_int_equal(semlite_collection_stats_get(c, &s), 0);
		assert_int_equal(s.documents, (uint64_t)committed);
	}
	assert_true(failures > 0);
	assert_int_equal(semlite_db_check(db, NULL, 0), 0);
	semlite_collection_close(c);
	semlite_close(db);
	tdb_remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_nomem)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
