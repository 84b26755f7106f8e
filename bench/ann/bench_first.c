/*
 * bench_first.c — time from opening a database file to the first answered
 * query, phase by phase, with the minor page faults each phase took: what
 * issue 6's "open to first answer" target measures. Run it on a file that
 * is in the page cache (it is after a build, or after one cold run).
 *
 *   bench_first DBFILE COLLECTION QUERY.fvecs [ROW]
 *
 * Prints open, collection open and first search times in ms, with the
 * minor page faults of each, then three more queries (rows ROW+1..ROW+3):
 * one-time costs show in the first only, first touches of the data in
 * all four. Each run is a fresh process; run it several times.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "semlite.h"

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static long faults(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return u.ru_minflt + u.ru_majflt;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_first: %s: %s (%s)\n", what, semlite_errstr(rc),
	        semlite_errmsg());
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_first DBFILE COLLECTION "
		                "QUERY.fvecs [ROW]\n");
		return 2;
	}
	long row = argc > 4 ? atol(argv[4]) : 0;
	FILE *f = fopen(argv[3], "rb");
	int32_t d = 0;
	if (!f || fread(&d, 4, 1, f) != 1 || d <= 0 || d > 65536) {
		fprintf(stderr, "bench_first: %s: not an fvecs file\n",
		        argv[3]);
		return 1;
	}
	/* rows row .. row + 3: the first query and three more */
	float *q = malloc(4 * 4 * (size_t)d);
	for (long i = 0; i < 4; i++)
		if (!q ||
		    fseek(f, (row + i) * (4 + 4 * (long)d) + 4, SEEK_SET) ||
		    fread(q + i * d, 4, (size_t)d, f) != (size_t)d) {
			fprintf(stderr, "bench_first: %s: no row %ld\n",
			        argv[3], row + i);
			return 1;
		}
	fclose(f);
	semlite_db *db;
	semlite_collection *c;
	semlite_results *r;
	long f0 = faults();
	double t0 = now_ms();
	int rc = semlite_open(argv[1], SEMLITE_OPEN_READONLY, &db);
	if (rc)
		die("open", rc);
	double t1 = now_ms();
	long f1 = faults();
	if ((rc = semlite_collection_open(db, argv[2], &c)))
		die("collection open", rc);
	double t2 = now_ms();
	long f2 = faults();
	if ((rc = semlite_search_vector(c, q, (uint32_t)d, NULL, &r)))
		die("search", rc);
	double t3 = now_ms();
	long f3 = faults();
	printf("open %.2f ms (%ld faults), collection %.2f ms (%ld), first "
	       "search %.2f ms (%ld), open to first answer %.2f ms\n",
	       t1 - t0, f1 - f0, t2 - t1, f2 - f1, t3 - t2, f3 - f2, t3 - t0);
	semlite_results_free(r);
	/* three other queries: one-time costs against data first touched */
	for (long i = 1; i <= 3; i++) {
		long fr = faults();
		double ta = now_ms();
		if ((rc = semlite_search_vector(c, q + i * d, (uint32_t)d, NULL,
		                                &r)))
			die("search", rc);
		printf("  next query %ld: %.2f ms (%ld faults)\n", i,
		       now_ms() - ta, faults() - fr);
		semlite_results_free(r);
	}
	semlite_collection_close(c);
	semlite_close(db);
	free(q);
	return 0;
}
