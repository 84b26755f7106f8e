/*
 * test_compact_sift.c — compaction on siftsmall (10000 x 128, L2, default
 * settings), read from ../shared at run time: delete a seeded 10% and
 * compact, then delete up to 50% and compact again. After each
 * compaction the tombstones are gone, the check passes, no deleted id is
 * returned and recall@10 of the indexed search against exact search over
 * the remaining vectors (the 100 siftsmall queries) is >= 0.95. Exits 77
 * (skipped) when the data is absent.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api/compact/compact_util.h"

#define DIM 128
#define K   10

static float *base, *queries;
static unsigned nbase, nq;

/* Reads an fvecs file of DIM-dimensional rows; NULL when unreadable. */
static float *read_fvecs(const char *p, unsigned *n)
{
	FILE *f = fopen(p, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	size_t row = 4 + 4 * (size_t)DIM, rows = (size_t)ftell(f) / row;
	fseek(f, 0, SEEK_SET);
	float *x = malloc(rows * DIM * sizeof *x);
	for (size_t i = 0; x && i < rows; i++) {
		int32_t d;
		if (fread(&d, 4, 1, f) != 1 || d != DIM ||
		    fread(x + i * DIM, 4, DIM, f) != DIM) {
			free(x);
			x = NULL;
		}
	}
	fclose(f);
	*n = (unsigned)rows;
	return x;
}

static void phase(semlite_db *db, semlite_collection *c, uint8_t *del,
                  double frac, uint8_t mark, uint64_t seed)
{
	unsigned n = cu_mark(del, nbase, frac, mark, seed);
	cu_delete(db, c, del, nbase, mark);
	assert_int_equal(cu_tombstones(c), n);
	double before = cu_recall(c, queries, nq, DIM, K, del, NULL);
	uint64_t purged = 0;
	assert_int_equal(semlite_collection_compact(c, &purged), 0);
	assert_int_equal(purged, n);
	assert_int_equal(cu_tombstones(c), 0);
	cu_check_ok(db);
	double after = cu_recall(c, queries, nq, DIM, K, del, NULL);
	print_message("siftsmall, %.0f%% deleted: recall@10 %.4f before "
	              "compaction, %.4f after\n",
	              frac * 100, before, after);
	assert_true(after >= 0.95);
}

static void test_sift_compact(void **state)
{
	(void)state;
	semlite_db *db;
	semlite_collection *c = cu_make(&db, DIM, SEMLITE_METRIC_L2);
	uint8_t *del = calloc(nbase, 1);
	assert_non_null(del);
	cu_put(db, c, base, DIM, 0, nbase);
	phase(db, c, del, 0.10, 1, 101);
	phase(db, c, del, 0.50, 2, 202);
	semlite_collection_close(c);
	semlite_close(db);
	tdb_remove(cu_path);
	free(del);
}

int main(void)
{
	const char *shared = getenv("SEMLITE_SHARED");
	char p[4096];
	snprintf(p, sizeof p, "%s/data/ann/siftsmall/siftsmall_base.fvecs",
	         shared ? shared : "../shared");
	base = read_fvecs(p, &nbase);
	snprintf(p, sizeof p, "%s/data/ann/siftsmall/siftsmall_query.fvecs",
	         shared ? shared : "../shared");
	queries = read_fvecs(p, &nq);
	if (!base || !queries || !nbase || !nq) {
		fprintf(stderr,
		        "test_compact_sift: siftsmall not found under "
		        "%s/data/ann: skipped\n",
		        shared ? shared : "../shared");
		free(base);
		free(queries);
		return 77;
	}
	tdb_path(cu_path, sizeof cu_path, "compact_sift");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sift_compact),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tdb_remove(cu_path);
	free(base);
	free(queries);
	return rc;
}
