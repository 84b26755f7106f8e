/*
 * test_db.h — the scratch database the API, unit and fault tests set up:
 * a per-process path under /tmp, the removal of that file and of LMDB's
 * "-lock" file beside it (before a test, so a crashed earlier run cannot
 * leak into it, and after), and a new database with one collection,
 * created and opened with every step asserted.
 *
 * For cmocka tests; public API only. Header-only, with static inline
 * functions so that a test using some of them does not warn about the
 * rest. It includes cmocka.h itself, after the headers cmocka.h needs.
 * The tests that are plain programs (exit codes, their own fail()) keep
 * their own set-up: cmocka.h defines a fail() macro.
 */
#ifndef SL_TEST_DB_H
#define SL_TEST_DB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <unistd.h>

#include "semlite.h"

/* Removes the database file at path and its "-lock" file; either may be
 * absent. */
static inline void tdb_remove(const char *path)
{
	char lock[4096];
	snprintf(lock, sizeof lock, "%s-lock", path);
	unlink(path);
	unlink(lock);
}

/* Writes "/tmp/sl_<tag>_<pid>.semlite" to path (cap bytes) and removes
 * what an earlier process with the same pid left there. The pid keeps
 * tests that ctest runs in parallel apart. */
static inline void tdb_path(char *path, size_t cap, const char *tag)
{
	snprintf(path, cap, "/tmp/sl_%s_%d.semlite", tag, (int)getpid());
	tdb_remove(path);
}

/*
 * Creates the database at path with the collection name (NULL: the
 * default collection) made with the options o, and leaves the database
 * open in *db. With c not NULL the collection is opened into *c as well;
 * with c NULL it is only created (for a test that hands the file to other
 * processes, or opens the collection later itself).
 * Fails the test at the first step that does not return SEMLITE_OK.
 */
static inline void tdb_create_opts(const char *path, const char *name,
                                   const semlite_collection_opts *o,
                                   semlite_db **db, semlite_collection **c)
{
	assert_int_equal(semlite_open(path, SEMLITE_OPEN_CREATE, db), 0);
	assert_int_equal(semlite_collection_create(*db, name, o), 0);
	if (c)
		assert_int_equal(semlite_collection_open(*db, name, c), 0);
}

/* tdb_create_opts() for a vector-only collection of dim dimensions with
 * every other option at its default. */
static inline void tdb_create(const char *path, const char *name, uint32_t dim,
                              semlite_db **db, semlite_collection **c)
{
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.dim = dim;
	tdb_create_opts(path, name, &o, db, c);
}

#endif
