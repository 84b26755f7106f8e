/*
 * bench_compact.c — what compaction costs and gives back, through the
 * public API on a database file:
 *
 *   bench_compact sift BASE.fvecs QUERY.fvecs DB     (siftsmall, L2)
 *   bench_compact synthetic N DIM DB [SEED]          (clustered, cosine)
 *
 * Builds the collection (transactions of 1,000 puts), then twice: deletes
 * a seeded share of the ids (10%, then up to 50% of the original), measures
 * recall@10 of the indexed search against exact search over what remains,
 * compacts (timed), measures recall again, and re-inserts the deleted
 * vectors under new ids, printing the file size after each step. The file
 * never shrinks (LMDB keeps its pages); what compaction buys is that the
 * re-inserts reuse the pages it freed. Prints one line per step.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "semlite.h"

#define K 10

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double uniform(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*s >> 11) / 9007199254740992.0;
}

static float *read_fvecs(const char *p, unsigned *n, unsigned *dim)
{
	FILE *f = fopen(p, "rb");
	int32_t d = 0;
	if (!f || fread(&d, 4, 1, f) != 1 || d <= 0) {
		if (f)
			fclose(f);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	size_t row = 4 + 4 * (size_t)d, rows = (size_t)ftell(f) / row;
	fseek(f, 0, SEEK_SET);
	float *x = malloc(rows * (size_t)d * sizeof *x);
	for (size_t i = 0; x && i < rows; i++)
		if (fread(&d, 4, 1, f) != 1 ||
		    fread(x + i * (size_t)d, 4, (size_t)d, f) != (size_t)d) {
			free(x);
			x = NULL;
		}
	fclose(f);
	*n = (unsigned)rows;
	*dim = (unsigned)d;
	return x;
}

/* Low intrinsic dimension, as real embeddings have: 100 clusters in an
 * 8-dim latent space (spread 0.3), mapped to dim by a fixed random matrix,
 * plus noise 0.02 per output dimension. */
#define LAT 8
static float *clustered(uint64_t seed, unsigned n, unsigned dim)
{
	float *x = malloc((size_t)n * dim * sizeof *x);
	float *a = malloc((size_t)LAT * dim * sizeof *a), cen[100][LAT];
	uint64_t s = 20261122;
	if (!x || !a) {
		free(x);
		free(a);
		return NULL;
	}
	for (size_t i = 0; i < (size_t)LAT * dim; i++)
		a[i] = (float)(2 * uniform(&s) - 1);
	for (int c = 0; c < 100; c++)
		for (int l = 0; l < LAT; l++)
			cen[c][l] = (float)(2 * uniform(&s) - 1);
	s = seed;
	for (unsigned i = 0; i < n; i++) {
		unsigned c = (unsigned)(uniform(&s) * 100) % 100;
		float z[LAT];
		for (int l = 0; l < LAT; l++)
			z[l] = cen[c][l] + 0.3f * (float)(2 * uniform(&s) - 1);
		for (unsigned d = 0; d < dim; d++) {
			float v = 0.02f * (float)(2 * uniform(&s) - 1);
			for (int l = 0; l < LAT; l++)
				v += a[(size_t)d * LAT + l] * z[l];
			x[(size_t)i * dim + d] = v;
		}
	}
	free(a);
	return x;
}

typedef struct run {
	semlite_db *db;
	semlite_collection *c;
	const float *x, *q;
	unsigned n, nq, dim, next;
	uint8_t *del;
} run;

static int put_range(run *r, unsigned from, unsigned to, const float *x)
{
	int rc = 0;
	for (unsigned b = from; b < to && !rc; b += 1000) {
		semlite_txn *t;
		char id[32];
		if ((rc = semlite_txn_begin(r->db, &t)))
			break;
		for (unsigned i = b; i < to && i < b + 1000 && !rc; i++) {
			snprintf(id, sizeof id, "%u", i);
			rc = semlite_vector_put(r->c, t, id,
			                        x + (size_t)(i - from) * r->dim,
			                        r->dim, NULL, 0, NULL);
		}
		if (rc)
			semlite_txn_abort(t);
		else
			rc = semlite_txn_commit(t);
	}
	return rc;
}

static double recall(run *r)
{
	unsigned hits = 0, total = 0;
	for (unsigned i = 0; i < r->nq; i++) {
		semlite_search_opts o;
		semlite_results *a = NULL, *b = NULL;
		semlite_search_opts_init(&o);
		o.k = K;
		const float *v = r->q + (size_t)i * r->dim;
		if (semlite_search_vector(r->c, v, r->dim, &o, &a))
			return -1;
		o.exact = 1;
		if (semlite_search_vector(r->c, v, r->dim, &o, &b)) {
			semlite_results_free(a);
			return -1;
		}
		for (size_t x = 0; x < a->count; x++)
			for (size_t y = 0; y < b->count; y++)
				hits += !strcmp(a->items[x].id, b->items[y].id);
		total += (unsigned)b->count;
		semlite_results_free(a);
		semlite_results_free(b);
	}
	return total ? (double)hits / total : 1.0;
}

static uint64_t fsize(run *r)
{
	uint64_t b = 0;
	semlite_db_file_size(r->db, &b);
	return b;
}

/* Deletes ids until `frac` of the original n are gone; returns how many. */
static int delete_to(run *r, double frac, uint64_t seed, unsigned *nd)
{
	unsigned have = 0, want = (unsigned)(frac * r->n);
	uint64_t s = seed;
	semlite_txn *t;
	char id[32];
	int rc = semlite_txn_begin(r->db, &t);
	for (unsigned i = 0; i < r->n; i++)
		have += r->del[i] != 0;
	*nd = 0;
	while (!rc && have < want) {
		unsigned i = (unsigned)(uniform(&s) * r->n) % r->n;
		if (r->del[i])
			continue;
		r->del[i] = 1;
		have++;
		(*nd)++;
		snprintf(id, sizeof id, "%u", i);
		rc = semlite_doc_delete(r->c, t, id);
	}
	if (rc)
		semlite_txn_abort(t);
	return rc ? rc : semlite_txn_commit(t);
}

/* Re-inserts the vectors of the last nd deleted ids under fresh ids. */
static int reinsert(run *r, unsigned nd)
{
	float *x = malloc((size_t)nd * r->dim * sizeof *x);
	unsigned k = 0;
	if (!x)
		return SEMLITE_NOMEM;
	for (unsigned i = 0; i < r->n && k < nd; i++)
		if (r->del[i] == 1) {
			memcpy(x + (size_t)k * r->dim,
			       r->x + (size_t)i * r->dim, r->dim * sizeof *x);
			r->del[i] = 2; /* re-inserted already */
			k++;
		}
	int rc = put_range(r, r->next, r->next + k, x);
	r->next += k;
	free(x);
	return rc;
}

static int step(run *r, double frac, uint64_t seed)
{
	unsigned nd;
	double t0 = now();
	int rc = delete_to(r, frac, seed, &nd);
	if (rc)
		return rc;
	double tdel = now() - t0, rb = recall(r);
	uint64_t s_del = fsize(r), purged = 0;
	t0 = now();
	rc = semlite_collection_compact(r->c, &purged);
	double tc = now() - t0;
	if (rc)
		return rc;
	double ra = recall(r);
	uint64_t s_cmp = fsize(r);
	if ((rc = reinsert(r, nd)))
		return rc;
	uint64_t s_re = fsize(r);
	char rep[256];
	rc = semlite_db_check(r->db, rep, sizeof rep);
	printf("deleted %2.0f%% (%u now): delete %.2f s, recall@10 %.4f -> "
	       "compact %.3f s (%llu ids) -> recall@10 %.4f; file %llu "
	       "after delete, %llu after compaction, %llu after "
	       "re-inserting %u; check %s\n",
	       frac * 100, nd, tdel, rb, tc, (unsigned long long)purged, ra,
	       (unsigned long long)s_del, (unsigned long long)s_cmp,
	       (unsigned long long)s_re, nd, rc ? "FAILED" : "ok");
	return rc;
}

int main(int argc, char **argv)
{
	run r = {0};
	const char *dbp;
	semlite_metric metric;
	float *x = NULL, *q = NULL;
	if (argc == 5 && !strcmp(argv[1], "sift")) {
		unsigned qd = 0;
		x = read_fvecs(argv[2], &r.n, &r.dim);
		q = read_fvecs(argv[3], &r.nq, &qd);
		if (!x || !q || qd != r.dim)
			return fprintf(stderr, "cannot read the fvecs\n"), 1;
		dbp = argv[4];
		metric = SEMLITE_METRIC_L2;
	} else if ((argc == 5 || argc == 6) && !strcmp(argv[1], "synthetic")) {
		uint64_t seed = argc == 6 ? strtoull(argv[5], NULL, 10) : 42;
		r.n = (unsigned)atoi(argv[2]);
		r.dim = (unsigned)atoi(argv[3]);
		r.nq = 100;
		x = clustered(seed, r.n, r.dim);
		q = clustered(seed + 1, r.nq, r.dim);
		dbp = argv[4];
		metric = SEMLITE_METRIC_COSINE;
		printf("synthetic %u x %u, seed %llu\n", r.n, r.dim,
		       (unsigned long long)seed);
	} else {
		fprintf(stderr,
		        "usage: %s sift BASE QUERY DB | synthetic N "
		        "DIM DB [SEED]\n",
		        argv[0]);
		return 2;
	}
	r.x = x;
	r.q = q;
	r.next = r.n;
	r.del = calloc(r.n, 1);
	char lock[4200];
	snprintf(lock, sizeof lock, "%s-lock", dbp);
	unlink(dbp);
	unlink(lock);
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.dim = r.dim;
	o.metric = metric;
	o.use_default_model = 0;
	int rc = semlite_open(dbp, SEMLITE_OPEN_CREATE, &r.db);
	if (!rc)
		rc = semlite_collection_create(r.db, NULL, &o);
	if (!rc)
		rc = semlite_collection_open(r.db, NULL, &r.c);
	double t0 = now();
	if (!rc)
		rc = put_range(&r, 0, r.n, x);
	if (!rc)
		printf("built %u x %u in %.2f s, file %llu bytes, recall@10 "
		       "%.4f\n",
		       r.n, r.dim, now() - t0, (unsigned long long)fsize(&r),
		       recall(&r));
	if (!rc)
		rc = step(&r, 0.10, 101);
	if (!rc)
		rc = step(&r, 0.50, 202);
	if (rc)
		fprintf(stderr, "failed: %s (%s)\n", semlite_errstr(rc),
		        semlite_errmsg());
	semlite_collection_close(r.c);
	semlite_close(r.db);
	unlink(dbp);
	unlink(lock);
	free(x);
	free(q);
	free(r.del);
	return rc ? 1 : 0;
}
