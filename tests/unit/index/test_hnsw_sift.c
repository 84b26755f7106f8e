/*
 * test_hnsw_sift.c — recall@10 of HNSW (default M, ef_construction, ef)
 * on siftsmall (10k x 128, L2) against flat exact search and the published
 * ground truth. Reads ../shared at run time; exits 77 (skipped) when the
 * data is absent.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ann_util.h"

#define K 10

static int fail(const char *what)
{
	fprintf(stderr, "test_hnsw_sift: %s (%s)\n", what, sl_errmsg());
	return 1;
}

int main(void)
{
	const char *shared = getenv("SEMLITE_SHARED");
	char pb[4096], pq[4096], pg[4096];
	snprintf(pb, sizeof pb, "%s/data/ann/siftsmall/siftsmall_base.fvecs",
	         shared ? shared : "../shared");
	snprintf(pq, sizeof pq, "%s/data/ann/siftsmall/siftsmall_query.fvecs",
	         shared ? shared : "../shared");
	snprintf(pg, sizeof pg,
	         "%s/data/ann/siftsmall/siftsmall_groundtruth.ivecs",
	         shared ? shared : "../shared");
	uint32_t n, d, nq, dq, ng, dg;
	float *base = ann_read_vecs(pb, &n, &d);
	float *q = ann_read_vecs(pq, &nq, &dq);
	int32_t *gt = ann_read_vecs(pg, &ng, &dg);
	if (!base || !q || !gt || d != dq || ng != nq || dg < K) {
		printf(
		    "SKIP: siftsmall not found under %s/data/ann/siftsmall\n",
		    shared ? shared : "../shared");
		free(base);
		free(q);
		free(gt);
		return 77;
	}
	hnsw_scratch *sc;
	hnsw_mem *mem = NULL;
	hnsw_ctx c;
	int bad = 0;
	if (hnsw_scratch_new(&sc) ||
	    ann_build(&c, &mem, sc, base, n, d, HNSW_L2, 42))
		return fail("build failed");
	if (hnsw_check(&c))
		return fail("check failed");
	uint32_t hits = 0, hits_gt = 0, flat_gt = 0;
	hnsw_search_opts o = {.k = K};
	for (uint32_t i = 0; i < nq; i++) {
		hnsw_hit got[K], want[K], g[K];
		uint32_t a, b;
		if (hnsw_search(&c, sc, q + (size_t)i * d, &o, got, &a) ||
		    hnsw_flat_search(&c, sc, q + (size_t)i * d, K, NULL, want,
		                     &b))
			return fail("search failed");
		if (a != K || b != K)
			bad = 1;
		for (uint32_t j = 0; j < K; j++)
			g[j].id = (uint32_t)gt[(size_t)i * dg + j];
		hits += ann_overlap(got, a, want, b);
		hits_gt += ann_overlap(got, a, g, K);
		flat_gt += ann_overlap(want, b, g, K);
	}
	double r = (double)hits / (nq * K), rg = (double)hits_gt / (nq * K);
	double fg = (double)flat_gt / (nq * K);
	printf("siftsmall: %u x %u, %u queries, M=%u efc=%u ef=%u: recall@10 "
	       "vs flat %.4f, vs ground truth %.4f (flat vs gt %.4f)\n",
	       n, d, nq, c.p.m, c.p.ef_construction, HNSW_DEFAULT_EF, r, rg,
	       fg);
	hnsw_mem_free(mem);
	hnsw_scratch_free(sc);
	free(base);
	free(q);
	free(gt);
	if (bad || r < 0.95 || rg < 0.95 || fg < 0.99)
		return fail("recall below 0.95");
	return 0;
}
