/*
 * test_hnsw.c — HNSW on the in-memory store against flat exact search as
 * the oracle: recall on seeded clustered data, deletes (10% and 50%, with
 * repair and compaction), filtered search at 1/10/50% selectivity on both
 * the exact and the traversal path, reproducible builds, concurrent
 * searches, and the structural check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>

#include "ann_util.h"

#define N    4000
#define DIM  48
#define NQ   100
#define K    10
#define SEED 7

typedef struct fixture {
	float *x, *q;
	hnsw_ctx c;
	hnsw_mem *mem;
	hnsw_scratch *sc;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->x = ann_clustered(SEED, N, DIM, 40, 0.35f);
	f->q = ann_clustered(SEED + 1000, NQ, DIM, 40, 0.35f);
	assert_non_null(f->x);
	assert_non_null(f->q);
	assert_int_equal(hnsw_scratch_new(&f->sc), SEMLITE_OK);
	assert_int_equal(
	    ann_build(&f->c, &f->mem, f->sc, f->x, N, DIM, HNSW_COS, SEED),
	    SEMLITE_OK);
	assert_int_equal(hnsw_check(&f->c), SEMLITE_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	hnsw_mem_free(f->mem);
	hnsw_scratch_free(f->sc);
	free(f->x);
	free(f->q);
	free(f);
	return 0;
}

/* Mean recall@K of hnsw_search against flat search (same allow-list);
 * fails if a deleted or disallowed id is returned or fewer than
 * min(K, matching) results come back. */
static double recall(fixture *f, const roaring_bitmap_t *allow,
                     uint64_t flat_max, const uint8_t *deleted)
{
	hnsw_hit got[K], want[K];
	uint32_t ng, nw, hits = 0, total = 0;
	hnsw_search_opts o = {.k = K, .allow = allow, .flat_max = flat_max};
	for (uint32_t i = 0; i < NQ; i++) {
		const float *q = f->q + (size_t)i * DIM;
		assert_int_equal(hnsw_search(&f->c, f->sc, q, &o, got, &ng),
		                 SEMLITE_OK);
		assert_int_equal(
		    hnsw_flat_search(&f->c, f->sc, q, K, allow, want, &nw),
		    SEMLITE_OK);
		assert_int_equal(ng, nw);
		for (uint32_t j = 0; j < ng; j++) {
			if (deleted)
				assert_false(deleted[got[j].id]);
			if (allow)
				assert_true(
				    roaring_bitmap_contains(allow, got[j].id));
			if (j)
				assert_true(got[j - 1].dist <= got[j].dist);
		}
		hits += ann_overlap(got, ng, want, nw);
		total += nw;
	}
	return total ? (double)hits / total : 1.0;
}

static void test_recall_clustered(void **state)
{
	fixture *f = *state;
	double r = recall(f, NULL, 0, NULL);
	print_message("clustered cosine %ux%u recall@10 = %.4f\n", N, DIM, r);
	assert_true(r >= 0.95);
}

static void delete_fraction(fixture *f, double frac, uint8_t *deleted)
{
	sl_rng r;
	sl_rng_seed(&r, 99);
	for (uint32_t i = 0; i < N; i++) {
		if (deleted[i] || sl_rng_uniform(&r) >= frac)
			continue;
		deleted[i] = 1;
		hnsw_mem_set_deleted(f->mem, i, true);
		assert_int_equal(hnsw_repair(&f->c, f->sc, i), SEMLITE_OK);
	}
}

static void test_deletes(void **state)
{
	fixture *f = *state;
	uint8_t *deleted = calloc(N, 1);
	assert_non_null(deleted);
	delete_fraction(f, 0.10, deleted);
	double r10 = recall(f, NULL, 0, deleted);
	delete_fraction(f, 0.45, deleted); /* ~50% in all */
	uint32_t nd = 0;
	for (uint32_t i = 0; i < N; i++)
		nd += deleted[i];
	double r50 = recall(f, NULL, 0, deleted);
	assert_int_equal(hnsw_check(&f->c), SEMLITE_OK);
	uint32_t dropped;
	assert_int_equal(hnsw_compact(&f->c, f->sc, &dropped), SEMLITE_OK);
	assert_int_equal(dropped, nd);
	assert_int_equal(hnsw_check(&f->c), SEMLITE_OK);
	double rc = recall(f, NULL, 0, deleted);
	print_message("deletes: 10%% recall %.4f, %u/%u deleted recall %.4f, "
	              "after compaction %.4f\n",
	              r10, nd, N, r50, rc);
	assert_true(r10 >= 0.95);
	assert_true(r50 >= 0.95);
	assert_true(rc >= 0.95);
	/* a new insert after compaction links into the remaining graph */
	assert_int_equal(hnsw_mem_put_vector(f->mem, N, f->q), SEMLITE_OK);
	assert_int_equal(hnsw_insert(&f->c, f->sc, N), SEMLITE_OK);
	hnsw_hit h[1];
	uint32_t nh;
	hnsw_search_opts o = {.k = 1};
	assert_int_equal(hnsw_search(&f->c, f->sc, f->q, &o, h, &nh),
	                 SEMLITE_OK);
	assert_int_equal(nh, 1);
	assert_int_equal(h[0].id, N);
	assert_int_equal(hnsw_check(&f->c), SEMLITE_OK);
	free(deleted);
}

static roaring_bitmap_t *random_allow(double sel, uint64_t seed)
{
	roaring_bitmap_t *b = roaring_bitmap_create();
	sl_rng r;
	sl_rng_seed(&r, seed);
	for (uint32_t i = 0; i < N; i++)
		if (sl_rng_uniform(&r) < sel)
			roaring_bitmap_add(b, i);
	return b;
}

static void test_filters(void **state)
{
	fixture *f = *state;
	const double sels[] = {0.01, 0.10, 0.50};
	for (int s = 0; s < 3; s++) {
		roaring_bitmap_t *allow = random_allow(sels[s], 500 + s);
		double ra = recall(f, allow, 0, NULL); /* automatic */
		double rt = recall(f, allow, 1, NULL); /* traversal */
		double rx = recall(f, allow, N, NULL); /* exact */
		print_message(
		    "filter %.0f%% (%llu ids): recall auto %.4f "
		    "traversal %.4f exact %.4f\n",
		    sels[s] * 100,
		    (unsigned long long)roaring_bitmap_get_cardinality(allow),
		    ra, rt, rx);
		assert_true(ra >= 0.9);
		assert_true(rt >= 0.9);
		assert_true(rx >= 0.999);
		roaring_bitmap_free(allow);
	}
	/* fewer matches than k: all of them, through the traversal path */
	roaring_bitmap_t *few = roaring_bitmap_of(3, 5, 1234, 3999);
	hnsw_hit h[K];
	uint32_t nh;
	hnsw_search_opts o = {.k = K, .allow = few, .flat_max = 1};
	assert_int_equal(hnsw_search(&f->c, f->sc, f->q, &o, h, &nh),
	                 SEMLITE_OK);
	assert_int_equal(nh, 3);
	roaring_bitmap_free(few);
}

static void test_reproducible(void **state)
{
	fixture *f = *state;
	hnsw_ctx c2, c3;
	hnsw_mem *m2, *m3;
	assert_int_equal(
	    ann_build(&c2, &m2, f->sc, f->x, N, DIM, HNSW_COS, SEED),
	    SEMLITE_OK);
	assert_int_equal(
	    ann_build(&c3, &m3, f->sc, f->x, N, DIM, HNSW_COS, SEED + 1),
	    SEMLITE_OK);
	uint32_t differ = 0;
	for (uint32_t id = 0; id < N; id++) {
		int l1, l2, l3;
		assert_int_equal(hnsw_mem_ops.get_level(f->mem, id, &l1), 0);
		assert_int_equal(hnsw_mem_ops.get_level(m2, id, &l2), 0);
		assert_int_equal(hnsw_mem_ops.get_level(m3, id, &l3), 0);
		assert_int_equal(l1, l2);
		differ += l1 != l3;
		for (int l = 0; l <= l1; l++) {
			const uint8_t *a, *b;
			uint32_t na, nb;
			hnsw_mem_ops.get_links(f->mem, id, l, &a, &na);
			hnsw_mem_ops.get_links(m2, id, l, &b, &nb);
			assert_int_equal(na, nb);
			assert_memory_equal(a, b, 4 * (size_t)na);
		}
	}
	assert_true(differ > 0); /* the seed matters */
	hnsw_mem_free(m2);
	hnsw_mem_free(m3);
}

typedef struct worker {
	fixture *f;
	hnsw_hit out[NQ][K];
	int rc;
} worker;

static void *run_worker(void *arg)
{
	worker *w = arg;
	hnsw_scratch *sc;
	hnsw_search_opts o = {.k = K};
	w->rc = hnsw_scratch_new(&sc);
	for (uint32_t i = 0; !w->rc && i < NQ; i++) {
		uint32_t n;
		w->rc = hnsw_search(&w->f->c, sc, w->f->q + (size_t)i * DIM, &o,
		                    w->out[i], &n);
	}
	hnsw_scratch_free(sc);
	return NULL;
}

static void test_concurrent(void **state)
{
	fixture *f = *state;
	static worker w[3];
	pthread_t t[2];
	for (int i = 0; i < 3; i++)
		w[i].f = f;
	run_worker(&w[2]);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, run_worker, &w[i]),
		                 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 3; i++)
		assert_int_equal(w[i].rc, SEMLITE_OK);
	for (uint32_t i = 0; i < NQ; i++)
		for (uint32_t j = 0; j < K; j++) {
			assert_int_equal(w[0].out[i][j].id, w[2].out[i][j].id);
			assert_int_equal(w[1].out[i][j].id, w[2].out[i][j].id);
		}
}

static void test_check_detects(void **state)
{
	fixture *f = *state;
	const uint8_t *raw;
	uint32_t n, save[2 * HNSW_MAX_M];
	hnsw_mem_ops.get_links(f->mem, 10, 0, &raw, &n);
	assert_true(n > 0);
	memcpy(save, raw, 4 * (size_t)n);
	uint32_t bad[1] = {10}; /* a self link */
	assert_int_equal(hnsw_mem_ops.put_links(f->mem, 10, 0, bad, 1), 0);
	assert_int_equal(hnsw_check(&f->c), SEMLITE_CORRUPT);
	assert_int_equal(hnsw_mem_ops.put_links(f->mem, 10, 0, save, n), 0);
	assert_int_equal(hnsw_check(&f->c), SEMLITE_OK);
}

static void test_small_and_empty(void **state)
{
	(void)state;
	hnsw_scratch *sc;
	hnsw_mem *m;
	hnsw_ctx c;
	float x[3 * 4] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
	hnsw_hit h[K];
	uint32_t nh;
	hnsw_search_opts o = {.k = K};
	assert_int_equal(hnsw_scratch_new(&sc), 0);
	assert_int_equal(ann_build(&c, &m, sc, x, 0, 4, HNSW_L2, 1), 0);
	assert_int_equal(hnsw_search(&c, sc, x, &o, h, &nh), 0);
	assert_int_equal(nh, 0);
	assert_int_equal(hnsw_check(&c), 0);
	hnsw_mem_free(m);
	assert_int_equal(ann_build(&c, &m, sc, x, 3, 4, HNSW_L2, 1), 0);
	assert_int_equal(hnsw_search(&c, sc, x + 4, &o, h, &nh), 0);
	assert_int_equal(nh, 3);
	assert_int_equal(h[0].id, 1);
	assert_true(h[0].dist == 0.0f);
	assert_int_equal(hnsw_insert(&c, sc, 1), SEMLITE_EXISTS);
	hnsw_params bad = {.dim = 4, .m = 1};
	assert_int_equal(hnsw_params_check(&bad), SEMLITE_INVALID);
	hnsw_mem_free(m);
	hnsw_scratch_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_recall_clustered, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deletes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reproducible, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_check_detects, setup,
	                                    teardown),
	    cmocka_unit_test(test_small_and_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
