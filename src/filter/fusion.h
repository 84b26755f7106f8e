/*
 * fusion.h — ranking utilities shared by keyword, hybrid and recommendation
 * queries: a bounded top-k heap, rank fusion of several result lists, the
 * recommendation scoring rules, and MMR diversity re-ranking.
 *
 * All functions are pure (no storage access) and thread-safe on distinct
 * arguments. Ties are always broken by the smaller document id, so every
 * ranking is deterministic.
 */
#ifndef SL_FILTER_FUSION_H
#define SL_FILTER_FUSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

/* One scored document (internal id). Higher score = better. */
typedef struct filt_hit {
	uint32_t id;
	float score;
} filt_hit;

/* ---- bounded top-k (a min-heap on the worst kept hit) -------------------- */

typedef struct filt_topk {
	filt_hit *h; /* caller buffer of k entries */
	size_t n, k;
} filt_topk;

void filt_topk_init(filt_topk *t, filt_hit *buf, size_t k);
/* Offers a hit; kept if it beats the worst of the k kept so far. */
void filt_topk_push(filt_topk *t, uint32_t id, float score);
/* The worst kept score once k hits are held (for early exits), else -inf. */
float filt_topk_floor(const filt_topk *t);
/* Sorts the kept hits best-first in the caller buffer; returns how many. */
size_t filt_topk_finish(filt_topk *t);

/* Sorts hits best-first (score desc, id asc). */
void filt_hits_sort(filt_hit *h, size_t n);

/* ---- fusion of ranked lists ------------------------------------------------
 */

typedef enum filt_fuse_method {
	FILT_FUSE_RRF = 0,    /* sum of w / (rrf_k + rank), rank from 1 */
	FILT_FUSE_CONVEX = 1, /* sum of w * normalized score */
} filt_fuse_method;

typedef enum filt_fuse_norm {
	FILT_NORM_MINMAX = 0, /* (s - min) / (max - min) per list */
	FILT_NORM_ZSCORE = 1, /* (s - mean) / stddev per list */
} filt_fuse_norm;

typedef struct filt_fuse_opts {
	filt_fuse_method method;
	filt_fuse_norm norm; /* convex only */
	double rrf_k;        /* RRF only; 60 is the published default */
} filt_fuse_opts;

/* Fuses m ranked lists (each sorted best-first, ids unique within a list)
 * with per-list weights into the best k hits. In a convex combination a
 * document missing from a list gets that list's lowest normalized score;
 * in RRF it gets nothing from that list. out has room for k hits; *n_out
 * gets the count. Returns SEMLITE_OK, SEMLITE_INVALID or SEMLITE_NOMEM. */
int filt_fuse(const filt_hit *const *lists, const size_t *lens,
              const float *weights, size_t m, const filt_fuse_opts *opts,
              size_t k, filt_hit *out, size_t *n_out);

/* ---- recommendation
 * ---------------------------------------------------------- */

/* The `average` strategy's query: q = mean(pos) + (mean(pos) - mean(neg)),
 * or mean(pos) without negatives; then L2-normalized (a zero vector stays
 * zero). pos is npos rows of dim floats, neg nneg rows. npos >= 1. */
int filt_rec_average(const float *pos, size_t npos, const float *neg,
                     size_t nneg, size_t dim, float *q);

/* The `best` strategy's score of one candidate (Qdrant's "best_score"):
 * given its similarities to every positive and negative example, if the
 * best positive similarity beats the best negative one the score is
 * sigmoid(best_pos) in (0, 1), otherwise -sigmoid(best_neg) in (-1, 0),
 * where sigmoid(x) = 0.5 * (x / (1 + |x|) + 1). So any candidate closer to
 * some positive than to every negative outranks every candidate that is
 * closer to a negative, and within each group the ordering follows the
 * deciding similarity. */
float filt_rec_best_score(const float *pos_sims, size_t npos,
                          const float *neg_sims, size_t nneg);

/* ---- maximal marginal relevance
 * ------------------------------------------------ */

/* Re-ranks n candidates (hits best-first, with row i of vecs = the
 * L2-normalized vector of hits[i], dim floats) by MMR: repeatedly pick the
 * candidate maximizing lambda * rel - (1 - lambda) * max cosine to the
 * already picked ones, where rel is the hit's score min-max normalized to
 * [0, 1] over the candidates. lambda in [0, 1]; 1 = plain relevance order.
 * Writes the first k picks (k <= n) to out. */
int filt_mmr(const filt_hit *hits, const float *vecs, size_t n, size_t dim,
             float lambda, size_t k, filt_hit *out);

#endif /* SL_FILTER_FUSION_H */
