/*
 * hnsw_int.h — private to src/index: the scratch object, the binary heap
 * of (distance, id) pairs, and the distance functions on codes.
 *
 * One heap type serves both roles the search needs: the result set W is a
 * max-heap on distance (the furthest kept result on top, evicted first),
 * and the candidate queue C is the same max-heap fed with negated distances
 * (so the closest candidate is on top) — hnswlib's trick, which halves the
 * code without a comparator callback in the hot loop.
 */
#ifndef SL_HNSW_INT_H
#define SL_HNSW_INT_H

#include "index/hnsw.h"
#include "common/common.h"

#include <math.h>

typedef struct hnsw_pair {
	float d;
	uint32_t id;
} hnsw_pair;

typedef struct hnsw_heap {
	hnsw_pair *a;
	uint32_t n, cap;
} hnsw_heap;

struct hnsw_scratch {
	const kern_ops *k;
	/* visited set: stamp[id] == epoch means visited in this search.
	 * One byte per id (cleared every 255 searches): a first search of
	 * a large collection faults in a fresh page per few visits, and
	 * u8 stamps touch a quarter of the pages u32 ones did. */
	uint8_t *stamp;
	uint32_t stamp_cap;
	uint8_t epoch;
	hnsw_heap cand, res;
	/* the query as a code */
	int8_t *qcode;
	float *qf; /* normalized query (cosine) */
	float *exact;
	uint32_t qcap;
	/* batch buffers: ids to fetch, their codes, selection work space */
	uint32_t *ids;
	hnsw_code *codes;
	const int8_t **qp; /* codes[i].q for dot_i8_many */
	int32_t *dots;
	float *dist; /* distances of a batch (hnsw_code_dists) */
	uint32_t batch_cap;
	hnsw_pair *pairs, *sel;
	uint32_t pairs_cap;
	uint32_t *nb, *nb2;
	uint32_t nb_cap;
};

/* ---- heap ------------------------------------------------------------ */

int hnsw_heap_reserve(hnsw_heap *h, uint32_t need);

static inline void hnsw_heap_push(hnsw_heap *h, float d, uint32_t id)
{
	uint32_t i = h->n++;
	hnsw_pair *a = h->a;
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (a[p].d >= d)
			break;
		a[i] = a[p];
		i = p;
	}
	a[i].d = d;
	a[i].id = id;
}

static inline void hnsw_heap_pop(hnsw_heap *h)
{
	hnsw_pair *a = h->a;
	hnsw_pair last = a[--h->n];
	uint32_t n = h->n, i = 0;
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		float md = last.d;
		if (l < n && a[l].d > md) {
			m = l;
			md = a[l].d;
		}
		if (r < n && a[r].d > md)
			m = r;
		if (m == i)
			break;
		a[i] = a[m];
		i = m;
	}
	if (n)
		a[i] = last;
}

/* ---- distances --------------------------------------------------------- */

/* The distance of code b from a given their integer dot product. */
static inline float hnsw_dist_of_dot(int metric, const hnsw_code *a,
                                     const hnsw_code *b, int32_t idot)
{
	float dot = a->scale * b->scale * (float)idot;
	if (metric == HNSW_L2)
		return a->sqnorm + b->sqnorm - 2.0f * dot;
	if (metric == HNSW_COS)
		return 1.0f - dot;
	return -dot;
}

/* A NULL code (a tombstoned node whose vectors are gone) is infinitely
 * far: it can still be walked through, never preferred. */
static inline float hnsw_code_dist(const kern_ops *k, int metric, size_t dim,
                                   const hnsw_code *a, const hnsw_code *b)
{
	if (SL_UNLIKELY(!a->q || !b->q))
		return INFINITY;
	return hnsw_dist_of_dot(metric, a, b, k->dot_i8(a->q, b->q, dim));
}

/* sc->dist[i] = hnsw_code_dist(a, &b[i]) for i < n (n <= batch_cap): one
 * dot_i8_many call loads a once for the whole batch instead of a call per
 * neighbour. */
void hnsw_code_dists(hnsw_scratch *sc, int metric, size_t dim,
                     const hnsw_code *a, const hnsw_code *b, uint32_t n);

static inline float hnsw_exact_dist(const kern_ops *k, int metric, size_t dim,
                                    const float *q, const float *v)
{
	if (metric == HNSW_L2)
		return k->l2sq_f32(q, v, dim);
	if (metric == HNSW_COS)
		return 1.0f - k->cos_f32(q, v, dim);
	return -k->dot_f32(q, v, dim);
}

static inline uint32_t hnsw_max_links(const hnsw_params *p, int level)
{
	return level == 0 ? 2 * p->m : p->m;
}

/* ---- shared internals (hnsw.c) ----------------------------------------- */

/* Grows the scratch's batch/pair/neighbour buffers to hold n entries. */
int hnsw_scratch_fit(hnsw_scratch *sc, uint32_t n);

/* Starts a new visited epoch sized for the store's id_limit. */
int hnsw_visit_begin(hnsw_scratch *sc, uint32_t limit);

static inline bool hnsw_visit(hnsw_scratch *sc, uint32_t id)
{
	if (sc->stamp[id] == sc->epoch)
		return false;
	sc->stamp[id] = sc->epoch;
	return true;
}

/* Copies the list of (id, level) into dst (capacity cap); *n its length.
 * SEMLITE_CORRUPT when the stored list is longer than cap or names an id
 * beyond id_limit. */
int hnsw_links_copy(const hnsw_ctx *c, uint32_t id, int level, uint32_t *dst,
                    uint32_t cap, uint32_t *n);

/*
 * The heuristic neighbour selection (Algorithm 4 of the paper, as hnswlib
 * does it: extendCandidates off, pruned connections dropped): walks cand[n]
 * in ascending distance to the base and keeps a candidate only when it is
 * closer to the base than to every neighbour kept so far. At most m are
 * written to out; *nout receives the count. cand is sorted in place.
 */
int hnsw_select(const hnsw_ctx *c, hnsw_scratch *sc, hnsw_pair *cand,
                uint32_t n, uint32_t m, uint32_t *out, uint32_t *nout);

/* Links id (already a node of level lvl, code stored) into the graph from
 * the entry point (ep, top). */
int hnsw_link(const hnsw_ctx *c, hnsw_scratch *sc, uint32_t id, int lvl,
              uint32_t ep, int top);

void hnsw_pairs_sort(hnsw_pair *a, uint32_t n);

#endif /* SL_HNSW_INT_H */
