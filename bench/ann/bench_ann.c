/*
 * bench_ann.c — semlite's HNSW on the in-memory store: build time,
 * recall@10 against ground truth and single-thread queries/s for a range
 * of ef, and the two-thread speed-up. peers.py measures hnswlib and FAISS
 * on the same files; run_ann.sh runs both and prints one table.
 *
 *   bench_ann gen N DIM NQ SEED PREFIX     seeded clustered data (cosine):
 *                                         PREFIX_base.fvecs, _query.fvecs,
 *                                         _gt.ivecs (exact top 100)
 *   bench_ann run BASE QUERY GT l2|cos [M EFC SEED]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/common.h"
#include "index/hnsw.h"
#include "index/hnsw_mem.h"

#define K    10
#define GT_K 100

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *read_vecs(const char *path, uint32_t *n, uint32_t *dim)
{
	FILE *f = fopen(path, "rb");
	int32_t d;
	if (!f || fread(&d, 4, 1, f) != 1 || d <= 0) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	size_t row = 4 + 4 * (size_t)d, cnt = (size_t)ftell(f) / row;
	char *out = malloc(cnt * 4 * (size_t)d);
	fseek(f, 0, SEEK_SET);
	for (size_t i = 0; i < cnt; i++)
		if (fread(&d, 4, 1, f) != 1 || fread(out + i * 4 * (size_t)d, 4,
		                                     (size_t)d, f) != (size_t)d)
			exit(1);
	fclose(f);
	*n = (uint32_t)cnt;
	*dim = (uint32_t)d;
	return out;
}

static void write_vecs(const char *path, const void *x, uint32_t n,
                       uint32_t dim)
{
	FILE *f = fopen(path, "wb");
	int32_t d = (int32_t)dim;
	for (uint32_t i = 0; f && i < n; i++) {
		fwrite(&d, 4, 1, f);
		fwrite((const char *)x + (size_t)i * dim * 4, 4, dim, f);
	}
	if (!f || fclose(f)) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
}

static float gauss(sl_rng *r)
{
	double u = sl_rng_uniform(r), v = sl_rng_uniform(r);
	if (u < 1e-300)
		u = 1e-300;
	return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}

/*
 * Clustered data with a low intrinsic dimension, like text embeddings:
 * cluster centres and points live in a LATENT-dimensional space, are
 * mapped to dim dimensions by one random matrix, get a little isotropic
 * noise, and are normalized. (Isotropic clusters in 256 dimensions are
 * nearly uniform on the sphere: no index reaches useful recall there.)
 */
#define LATENT 32

static float *clustered(sl_rng *r, const float *cent, const float *w,
                        uint32_t nc, uint32_t n, uint32_t dim)
{
	float *x = malloc((size_t)n * dim * sizeof(float));
	const kern_ops *k = kern_get();
	float z[LATENT];
	for (uint32_t i = 0; i < n; i++) {
		uint32_t c = (uint32_t)(sl_rng_next(r) % nc);
		float spread = 0.6f + 0.1f * (float)(c % 5);
		float *v = x + (size_t)i * dim;
		for (uint32_t j = 0; j < LATENT; j++)
			z[j] = cent[(size_t)c * LATENT + j] + spread * gauss(r);
		for (uint32_t j = 0; j < dim; j++)
			v[j] = k->dot_f32(w + (size_t)j * LATENT, z, LATENT) +
			       0.1f * gauss(r);
		float nrm = sqrtf(k->dot_f32(v, v, dim));
		for (uint32_t j = 0; j < dim; j++)
			v[j] /= nrm;
	}
	return x;
}

typedef struct gt_job {
	const float *x, *q;
	uint32_t n, dim, q0, q1;
	int32_t *gt;
} gt_job;

static void *gt_worker(void *arg)
{
	gt_job *j = arg;
	const kern_ops *k = kern_get();
	float *d = malloc((size_t)j->n * sizeof(float));
	for (uint32_t qi = j->q0; qi < j->q1; qi++) {
		const float *q = j->q + (size_t)qi * j->dim;
		for (uint32_t i = 0; i < j->n; i++)
			d[i] =
			    -k->dot_f32(q, j->x + (size_t)i * j->dim, j->dim);
		int32_t *g = j->gt + (size_t)qi * GT_K;
		/* selection of the GT_K smallest by repeated insertion */
		float best[GT_K];
		uint32_t m = 0;
		for (uint32_t i = 0; i < j->n; i++) {
			if (m == GT_K && d[i] >= best[GT_K - 1])
				continue;
			uint32_t p = m < GT_K ? m++ : GT_K - 1;
			while (p > 0 && best[p - 1] > d[i]) {
				best[p] = best[p - 1];
				g[p] = g[p - 1];
				p--;
			}
			best[p] = d[i];
			g[p] = (int32_t)i;
		}
	}
	free(d);
	return NULL;
}

static int cmd_gen(int argc, char **argv)
{
	if (argc < 7)
		return 2;
	uint32_t n = (uint32_t)atol(argv[2]), dim = (uint32_t)atol(argv[3]);
	uint32_t nq = (uint32_t)atol(argv[4]), nc = 1000;
	uint64_t seed = strtoull(argv[5], NULL, 10);
	sl_rng r;
	sl_rng_seed(&r, seed);
	float *cent = malloc((size_t)nc * LATENT * sizeof(float));
	float *w = malloc((size_t)dim * LATENT * sizeof(float));
	for (size_t i = 0; i < (size_t)nc * LATENT; i++)
		cent[i] = gauss(&r);
	for (size_t i = 0; i < (size_t)dim * LATENT; i++)
		w[i] = gauss(&r) / sqrtf((float)LATENT);
	float *x = clustered(&r, cent, w, nc, n, dim);
	float *q = clustered(&r, cent, w, nc, nq, dim);
	int32_t *gt = malloc((size_t)nq * GT_K * sizeof(int32_t));
	gt_job jobs[2];
	pthread_t t[2];
	for (int i = 0; i < 2; i++) {
		jobs[i] = (gt_job){x,
		                   q,
		                   n,
		                   dim,
		                   nq * (uint32_t)i / 2,
		                   nq * (uint32_t)(i + 1) / 2,
		                   gt};
		pthread_create(&t[i], NULL, gt_worker, &jobs[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	char p[4096];
	snprintf(p, sizeof p, "%s_base.fvecs", argv[6]);
	write_vecs(p, x, n, dim);
	snprintf(p, sizeof p, "%s_query.fvecs", argv[6]);
	write_vecs(p, q, nq, dim);
	snprintf(p, sizeof p, "%s_gt.ivecs", argv[6]);
	write_vecs(p, gt, nq, GT_K);
	printf("generated %u x %u (+%u queries), seed %llu, %u clusters, "
	       "latent dim %d\n",
	       n, dim, nq, (unsigned long long)seed, nc, LATENT);
	free(cent);
	free(w);
	free(x);
	free(q);
	free(gt);
	return 0;
}

/* Exact top-GT_K ground truth by inner product of the L2-normalized
 * vectors (cosine) of BASE and QUERY, two threads. */
static int cmd_gt(int argc, char **argv)
{
	if (argc < 5)
		return 2;
	uint32_t n, dim, nq, qd;
	float *x = read_vecs(argv[2], &n, &dim);
	float *q = read_vecs(argv[3], &nq, &qd);
	if (qd != dim)
		return 2;
	const kern_ops *k = kern_get();
	float *all[2] = {x, q};
	uint32_t cnt[2] = {n, nq};
	for (int s = 0; s < 2; s++)
		for (uint32_t i = 0; i < cnt[s]; i++) {
			float *v = all[s] + (size_t)i * dim;
			float nrm = sqrtf(k->dot_f32(v, v, dim));
			for (uint32_t j = 0; nrm > 0 && j < dim; j++)
				v[j] /= nrm;
		}
	int32_t *gt = malloc((size_t)nq * GT_K * sizeof(int32_t));
	gt_job jobs[2];
	pthread_t t[2];
	for (int i = 0; i < 2; i++) {
		jobs[i] = (gt_job){x,
		                   q,
		                   n,
		                   dim,
		                   nq * (uint32_t)i / 2,
		                   nq * (uint32_t)(i + 1) / 2,
		                   gt};
		pthread_create(&t[i], NULL, gt_worker, &jobs[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	write_vecs(argv[4], gt, nq, GT_K);
	printf("ground truth: %u queries x top %d of %u\n", nq, GT_K, n);
	free(x);
	free(q);
	free(gt);
	return 0;
}

typedef struct run {
	hnsw_ctx c;
	const float *q;
	const int32_t *gt;
	uint32_t nq, dim, gtk, ef, reps;
	double recall;
} run;

static void *search_all(void *arg)
{
	run *r = arg;
	hnsw_scratch *sc;
	hnsw_hit h[K];
	uint32_t hits = 0, n;
	hnsw_search_opts o = {.k = K, .ef = r->ef};
	if (hnsw_scratch_new(&sc))
		exit(1);
	for (uint32_t rep = 0; rep < r->reps; rep++)
		for (uint32_t i = 0; i < r->nq; i++) {
			if (hnsw_search(&r->c, sc, r->q + (size_t)i * r->dim,
			                &o, h, &n))
				exit(1);
			for (uint32_t a = 0; rep == 0 && a < n; a++)
				for (uint32_t b = 0; b < K; b++)
					hits +=
					    h[a].id ==
					    (uint32_t)
					        r->gt[(size_t)i * r->gtk + b];
		}
	r->recall = (double)hits / ((double)r->nq * K);
	hnsw_scratch_free(sc);
	return NULL;
}

static int cmd_run(int argc, char **argv)
{
	if (argc < 6)
		return 2;
	uint32_t n, dim, nq, qd, ngt, gtk;
	float *x = read_vecs(argv[2], &n, &dim);
	float *q = read_vecs(argv[3], &nq, &qd);
	int32_t *gt = read_vecs(argv[4], &ngt, &gtk);
	hnsw_params p = {.dim = dim,
	                 .metric = strcmp(argv[5], "l2") ? HNSW_COS : HNSW_L2};
	p.m = argc > 6 ? (uint32_t)atol(argv[6]) : 16;
	p.ef_construction = argc > 7 ? (uint32_t)atol(argv[7]) : 200;
	p.seed = argc > 8 ? strtoull(argv[8], NULL, 10) : 42;
	if (qd != dim || ngt != nq || hnsw_params_check(&p))
		return 2;
	hnsw_mem *mem;
	hnsw_scratch *sc;
	if (hnsw_mem_new(dim, p.metric, p.m, &mem) || hnsw_scratch_new(&sc))
		return 1;
	hnsw_ctx c = {p, &hnsw_mem_ops, mem};
	double t0 = now();
	for (uint32_t i = 0; i < n; i++)
		if (hnsw_mem_put_vector(mem, i, x + (size_t)i * dim) ||
		    hnsw_insert(&c, sc, i))
			return 1;
	double build = now() - t0;
	printf("semlite  kernels=%s n=%u dim=%u M=%u efc=%u seed=%llu "
	       "build_s=%.2f mem_bytes=%zu\n",
	       kern_get()->name, n, dim, p.m, p.ef_construction,
	       (unsigned long long)p.seed, build, hnsw_mem_bytes(mem));
	/* the tune ladder, as peers.py's EFS */
	const uint32_t efs[] = {16,  24,  32,  48,  64, 96,
	                        128, 192, 256, 384, 512};
	for (size_t e = 0; e < sizeof efs / sizeof efs[0]; e++) {
		run r = {c, q, gt, nq, dim, gtk, efs[e], 1, 0};
		uint32_t reps = 1;
		double t, t1 = now();
		search_all(&r); /* warm-up and recall */
		t = now() - t1;
		reps = t < 1.0 ? (uint32_t)(1.0 / (t + 1e-9)) + 1 : 1;
		r.reps = reps;
		t1 = now();
		search_all(&r);
		t = now() - t1;
		printf("semlite  ef=%u recall@10=%.4f qps=%.0f\n", efs[e],
		       r.recall, (double)nq * reps / t);
	}
	/* two threads against one at ef 64 */
	run r1 = {c, q, gt, nq, dim, gtk, 64, 3, 0}, r2[2] = {r1, r1};
	double t1 = now();
	search_all(&r1);
	double one = (double)nq * 3 / (now() - t1);
	pthread_t th[2];
	t1 = now();
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, search_all, &r2[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	double two = (double)nq * 6 / (now() - t1);
	printf("semlite  threads ef=64 qps_1=%.0f qps_2=%.0f speedup=%.2f\n",
	       one, two, two / one);
	hnsw_mem_free(mem);
	hnsw_scratch_free(sc);
	free(x);
	free(q);
	free(gt);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;
	if (argc > 1 && !strcmp(argv[1], "gen"))
		rc = cmd_gen(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "run"))
		rc = cmd_run(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "gt"))
		rc = cmd_gt(argc, argv);
	if (rc == 2)
		fprintf(stderr, "usage: bench_ann gen N DIM NQ SEED PREFIX | "
		                "run BASE QUERY GT l2|cos [M EFC SEED] | "
		                "gt BASE QUERY OUT_GT\n");
	return rc;
}
