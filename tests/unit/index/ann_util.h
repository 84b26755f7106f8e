/*
 * ann_util.h — helpers shared by the index tests: seeded clustered data,
 * fvecs/ivecs reading, building an in-memory index and measuring recall
 * against exact search.
 */
#ifndef ANN_UTIL_H
#define ANN_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "index/hnsw.h"
#include "index/hnsw_mem.h"

/* Gaussian by Box-Muller from the seeded generator. */
static inline float ann_gauss(sl_rng *r)
{
	double u = sl_rng_uniform(r), v = sl_rng_uniform(r);
	if (u < 1e-300)
		u = 1e-300;
	return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}

/* n points around `clusters` random centres in dim dimensions. */
static inline float *ann_clustered(uint64_t seed, uint32_t n, uint32_t dim,
                                   uint32_t clusters, float spread)
{
	sl_rng r;
	sl_rng_seed(&r, seed);
	float *c = malloc((size_t)clusters * dim * sizeof(float));
	float *x = malloc((size_t)n * dim * sizeof(float));
	if (!c || !x) {
		free(c);
		free(x);
		return NULL;
	}
	for (size_t i = 0; i < (size_t)clusters * dim; i++)
		c[i] = ann_gauss(&r);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = (uint32_t)(sl_rng_next(&r) % clusters);
		for (uint32_t j = 0; j < dim; j++)
			x[(size_t)i * dim + j] =
			    c[(size_t)k * dim + j] + spread * ann_gauss(&r);
	}
	free(c);
	return x;
}

/* Reads an fvecs (or ivecs: same layout, 4-byte elements) file. */
static inline void *ann_read_vecs(const char *path, uint32_t *n, uint32_t *dim)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	int32_t d;
	if (sz < 4 || fread(&d, 4, 1, f) != 1 || d <= 0) {
		fclose(f);
		return NULL;
	}
	size_t row = 4 + 4 * (size_t)d, cnt = (size_t)sz / row;
	char *out = malloc(cnt * 4 * (size_t)d);
	fseek(f, 0, SEEK_SET);
	for (size_t i = 0; out && i < cnt; i++) {
		if (fread(&d, 4, 1, f) != 1 ||
		    fread(out + i * 4 * (size_t)d, 4, (size_t)d, f) !=
		        (size_t)d) {
			free(out);
			out = NULL;
		}
	}
	fclose(f);
	*n = (uint32_t)cnt;
	*dim = (uint32_t)d;
	return out;
}

/* Builds an in-memory index over x[n][dim]; ids 0..n-1. */
static inline int ann_build(hnsw_ctx *c, hnsw_mem **mem, hnsw_scratch *sc,
                            const float *x, uint32_t n, uint32_t dim,
                            int metric, uint64_t seed)
{
	hnsw_params p = {.dim = dim, .metric = metric, .seed = seed};
	int rc = hnsw_params_check(&p);
	if (!rc)
		rc = hnsw_mem_new(dim, metric, p.m, mem);
	if (rc)
		return rc;
	c->p = p;
	c->ops = &hnsw_mem_ops;
	c->store = *mem;
	for (uint32_t i = 0; !rc && i < n; i++)
		rc = hnsw_mem_put_vector(*mem, i, x + (size_t)i * dim);
	for (uint32_t i = 0; !rc && i < n; i++)
		rc = hnsw_insert(c, sc, i);
	return rc;
}

/* |found ∩ truth| over the first k of each. */
static inline uint32_t ann_overlap(const hnsw_hit *found, uint32_t nf,
                                   const hnsw_hit *truth, uint32_t nt)
{
	uint32_t hits = 0;
	for (uint32_t i = 0; i < nf; i++)
		for (uint32_t j = 0; j < nt; j++)
			if (found[i].id == truth[j].id) {
				hits++;
				break;
			}
	return hits;
}

#endif /* ANN_UTIL_H */
