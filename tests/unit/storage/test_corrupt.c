/*
 * test_corrupt.c — damaged records: flip bytes of stored values (and
 * truncate the fixed-size vector records) through raw LMDB access, then
 * require the integrity check to report SEMLITE_CORRUPT, and get/search to
 * return SEMLITE_OK or SEMLITE_CORRUPT — never crash. Each damage is
 * undone before the next, so every case sees one fault.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "common/test_db.h"
#include "semlite.h"

#define DIM  8
#define DOCS 50

static char path[256];

static void build(void)
{
	semlite_db *db;
	semlite_collection *c;
	tdb_create(path, "c", DIM, &db, &c);
	for (int i = 0; i < DOCS; i++) {
		char id[16], text[64];
		float v[DIM];
		for (int d = 0; d < DIM; d++)
			v[d] = (float)((i * 7 + d * 3) % 11) - 5;
		snprintf(id, sizeof id, "d%d", i);
		snprintf(text, sizeof text, "document number %d text", i);
		assert_int_equal(semlite_vector_put(c, NULL, id, v, DIM, text,
		                                    strlen(text),
		                                    "{\"g\": \"x\"}"),
		                 0);
	}
	assert_int_equal(semlite_doc_delete(c, NULL, "d3"), 0);
	semlite_collection_close(c);
	semlite_close(db);
}

/* Runs the check and some reads; returns the check's code. */
static int probe(void)
{
	semlite_db *db;
	semlite_collection *c;
	int rc = semlite_open(path, 0, &db);
	if (rc)
		return rc;
	int check = semlite_db_check(db, NULL, 0);
	if (!semlite_collection_open(db, "c", &c)) {
		semlite_doc *d;
		for (int i = 0; i < DOCS; i += 7) {
			char id[16];
			snprintf(id, sizeof id, "d%d", i);
			rc = semlite_doc_get(c, NULL, id, &d);
			assert_true(rc == SEMLITE_OK || rc == SEMLITE_CORRUPT ||
			            rc == SEMLITE_NOTFOUND);
			semlite_doc_free(rc ? NULL : d);
		}
		float q[DIM] = {1, 0, 0, 0, 0, 0, 0, 1};
		semlite_search_opts so;
		semlite_search_opts_init(&so);
		so.with_text = 1;
		semlite_results *r;
		rc = semlite_search_vector(c, q, DIM, &so, &r);
		assert_true(rc == SEMLITE_OK || rc == SEMLITE_CORRUPT);
		semlite_results_free(rc ? NULL : r);
		so.where_field = "g";
		so.where_value = "x";
		rc = semlite_search_vector(c, q, DIM, &so, &r);
		assert_true(rc == SEMLITE_OK || rc == SEMLITE_CORRUPT);
		semlite_results_free(rc ? NULL : r);
		semlite_collection_close(c);
	}
	semlite_close(db);
	return check;
}

typedef enum { FLIP, TRUNCATE } damage;

/* Damages record `which` of sub-db `name` (byte `pos` of its value, or
 * by dropping its last byte), runs probe(), then restores it. */
static void damage_one(const char *name, size_t which, damage how, sl_rng *rng,
                       int *checked)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val k, v;
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR, 0644), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
	assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
	int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (size_t i = 0; i < which && !rc; i++)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	mdb_cursor_close(cur);
	if (rc) {
		mdb_txn_abort(txn);
		mdb_env_close(env);
		return;
	}
	uint8_t key[512], *orig = malloc(v.mv_size), *bad = malloc(v.mv_size);
	size_t kl = k.mv_size, vl = v.mv_size;
	memcpy(key, k.mv_data, kl);
	memcpy(orig, v.mv_data, vl);
	memcpy(bad, orig, vl);
	size_t badlen = vl;
	if (how == FLIP)
		bad[sl_rng_next(rng) % vl] ^=
		    (uint8_t)(1 + sl_rng_next(rng) % 255);
	else
		badlen = vl - 1;
	MDB_val kk = {kl, key}, bv = {badlen, bad};
	assert_int_equal(mdb_put(txn, dbi, &kk, &bv, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	rc = probe();
	if (rc != SEMLITE_CORRUPT)
		fail_msg("damage to %s record %zu (%s) not detected: %d", name,
		         which, how == FLIP ? "flip" : "truncate", rc);
	(*checked)++;

	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR, 0644), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
	MDB_val ov = {vl, orig};
	assert_int_equal(mdb_put(txn, dbi, &kk, &ov, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	free(orig);
	free(bad);
}

static void test_corrupt(void **state)
{
	(void)state;
	tdb_path(path, sizeof path, "corrupt");
	build();
	assert_int_equal(probe(), SEMLITE_OK);
	sl_rng rng;
	sl_rng_seed(&rng, 7);
	int checked = 0;
	/* Checksummed records: any flipped byte must be caught. */
	static const char *const flip_dbs[] = {"docs", "meta", "bitmaps"};
	for (size_t d = 0; d < 3; d++)
		for (size_t i = 0; i < 6; i++)
			for (int rep = 0; rep < 3; rep++)
				damage_one(flip_dbs[d], i * 5, FLIP, &rng,
				           &checked);
	/* Fixed-size records: a wrong length must be caught. */
	static const char *const trunc_dbs[] = {"codes", "exact", "ids",
	                                        "docs"};
	for (size_t d = 0; d < 4; d++)
		for (size_t i = 0; i < 4; i++)
			damage_one(trunc_dbs[d], i * 9, TRUNCATE, &rng,
			           &checked);
	printf("%d damaged records detected\n", checked);
	assert_true(checked >= 30);
	assert_int_equal(probe(), SEMLITE_OK);
	tdb_remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_corrupt)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
