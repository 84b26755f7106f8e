/*
 * fusion.c — top-k heap, rank fusion, recommendation scoring and MMR.
 *
 * Fusion. Hybrid search gets two ranked lists (dense cosine, BM25) whose
 * scores live on unrelated scales. Reciprocal rank fusion (Cormack et al.
 * 2009, k = 60) ignores scores and sums 1/(k + rank); a convex combination
 * normalizes each list's scores (min-max or z-score) and sums them with
 * weights. RRF is robust when both lists are good, but it throws away how
 * much better the top keyword hit is than the rest, and with a weak dense
 * list it drags a strong BM25 ranking down; the convex combination keeps
 * that information. Both are offered; the default is chosen by measurement
 * (bench/eval_search, SciFact train queries).
 *
 * Implementation: the lists are concatenated, sorted by id, and each run of
 * equal ids is summed into one fused score, which then goes through the
 * top-k heap: O(N log N) for N input hits, no hash table.
 *
 * Recommendation `best` follows Qdrant's code (its RecoBestScore query):
 * the best positive similarity squashed into (0, 1) when it beats the best
 * negative, else the negated squashed best negative similarity. Qdrant's
 * older documentation describes -(best_neg)^2 for the second branch; the
 * squashed form keeps both groups apart for any similarity range (with the
 * square, a weak negative match could outrank a weak positive one).
 *
 * MMR (Carbonell & Goldstein 1998) runs greedily over a candidate pool,
 * keeping for each candidate its running max similarity to the picks, so
 * picking k of n costs O(k * n * dim).
 */
#include "filter/fusion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- top-k ----------------------------------------------------------------
 */

/* a is worse than b: lower score, or equal score and larger id. */
static inline bool worse(const filt_hit *a, const filt_hit *b)
{
	return a->score < b->score || (a->score == b->score && a->id > b->id);
}

void filt_topk_init(filt_topk *t, filt_hit *buf, size_t k)
{
	t->h = buf;
	t->n = 0;
	t->k = k;
}

static void sift_down(filt_hit *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && worse(&h[l], &h[m]))
			m = l;
		if (r < n && worse(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		filt_hit tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

void filt_topk_push(filt_topk *t, uint32_t id, float score)
{
	filt_hit x = {id, score};
	if (t->k == 0 || isnan(score))
		return;
	if (t->n < t->k) {
		size_t i = t->n++;
		t->h[i] = x;
		while (i > 0) {
			size_t p = (i - 1) / 2;
			if (!worse(&t->h[i], &t->h[p]))
				break;
			filt_hit tmp = t->h[i];
			t->h[i] = t->h[p];
			t->h[p] = tmp;
			i = p;
		}
		return;
	}
	if (!worse(&t->h[0], &x))
		return;
	t->h[0] = x;
	sift_down(t->h, t->n, 0);
}

float filt_topk_floor(const filt_topk *t)
{
	return t->n == t->k && t->k ? t->h[0].score : -INFINITY;
}

static int cmp_best_first(const void *a, const void *b)
{
	const filt_hit *x = a, *y = b;
	if (worse(x, y))
		return 1;
	if (worse(y, x))
		return -1;
	return 0;
}

void filt_hits_sort(filt_hit *h, size_t n)
{
	if (n > 1)
		qsort(h, n, sizeof *h, cmp_best_first);
}

size_t filt_topk_finish(filt_topk *t)
{
	filt_hits_sort(t->h, t->n);
	return t->n;
}

/* ---- fusion -----------------------------------------------------------------
 */

typedef struct fuse_item {
	uint32_t id;
	uint32_t list;
	float contrib;
} fuse_item;

static int cmp_item(const void *a, const void *b)
{
	const fuse_item *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->list > y->list) - (x->list < y->list);
}

/* Per-list normalization: contribution = (s - shift) * scale. A list
 * whose scores are all equal (one hit, or ties) carries only "present":
 * its documents get 1. Returns false in that degenerate case. */
static bool list_norm(const filt_hit *l, size_t n, const filt_fuse_opts *o,
                      double *shift, double *scale)
{
	double lo = INFINITY, hi = -INFINITY, mean = 0, var = 0;
	for (size_t i = 0; i < n; i++) {
		lo = fmin(lo, l[i].score);
		hi = fmax(hi, l[i].score);
		mean += l[i].score;
	}
	if (n == 0 || !(hi > lo)) {
		*shift = n ? lo - 1.0 : 0.0;
		*scale = 1.0;
		return false;
	}
	if (o->norm == FILT_NORM_MINMAX) {
		*shift = lo;
		*scale = 1.0 / (hi - lo);
		return true;
	}
	mean /= (double)n;
	for (size_t i = 0; i < n; i++)
		var += (l[i].score - mean) * (l[i].score - mean);
	*shift = mean;
	*scale = 1.0 / sqrt(var / (double)n);
	return true;
}

/* Fills items[] with each list's contributions and floor[] with what a
 * document missing from the list receives: nothing for RRF and for a
 * degenerate list, else the list's lowest normalized score (0 for
 * min-max). */
static size_t fuse_collect(const filt_hit *const *lists, const size_t *lens,
                           const float *weights, size_t m,
                           const filt_fuse_opts *o, fuse_item *items,
                           double *floor)
{
	size_t w = 0;
	for (size_t j = 0; j < m; j++) {
		double shift, scale, lo = INFINITY;
		bool spread = list_norm(lists[j], lens[j], o, &shift, &scale);
		for (size_t i = 0; i < lens[j]; i++) {
			double c;
			if (o->method == FILT_FUSE_RRF)
				c = 1.0 / (o->rrf_k + (double)(i + 1));
			else
				c = (lists[j][i].score - shift) * scale;
			lo = fmin(lo, c);
			items[w].id = lists[j][i].id;
			items[w].list = (uint32_t)j;
			items[w++].contrib = (float)(weights[j] * c);
		}
		floor[j] = o->method == FILT_FUSE_RRF || !spread
		               ? 0.0
		               : weights[j] * lo;
	}
	return w;
}

int filt_fuse(const filt_hit *const *lists, const size_t *lens,
              const float *weights, size_t m, const filt_fuse_opts *opts,
              size_t k, filt_hit *out, size_t *n_out)
{
	*n_out = 0;
	size_t total = 0;
	for (size_t j = 0; j < m; j++)
		if (!sl_add_ok(total, lens[j], &total))
			return sl_err(SEMLITE_INVALID, "fusion: too many hits");
	if (opts->method == FILT_FUSE_RRF && !(opts->rrf_k > 0))
		return sl_err(SEMLITE_INVALID, "fusion: RRF k must be > 0");
	fuse_item *items = sl_malloc((total ? total : 1) * sizeof *items);
	double *floor = sl_malloc((m ? m : 1) * sizeof *floor);
	bool *seen = sl_malloc((m ? m : 1) * sizeof *seen);
	int rc = SEMLITE_OK;
	if (!items || !floor || !seen) {
		rc = sl_err(SEMLITE_NOMEM, "fusion: out of memory");
		goto out;
	}
	size_t n = fuse_collect(lists, lens, weights, m, opts, items, floor);
	qsort(items, n, sizeof *items, cmp_item);
	filt_topk top;
	filt_topk_init(&top, out, k);
	for (size_t i = 0; i < n;) {
		double s = 0;
		memset(seen, 0, m * sizeof *seen);
		size_t j = i;
		for (; j < n && items[j].id == items[i].id; j++) {
			if (!seen[items[j].list])
				s += items[j].contrib;
			seen[items[j].list] = true;
		}
		for (size_t l = 0; l < m; l++)
			if (!seen[l])
				s += floor[l];
		filt_topk_push(&top, items[i].id, (float)s);
		i = j;
	}
	*n_out = filt_topk_finish(&top);
out:
	sl_free(items);
	sl_free(floor);
	sl_free(seen);
	return rc;
}

/* ---- recommendation
 * ------------------------------------------------------------ */

int filt_rec_average(const float *pos, size_t npos, const float *neg,
                     size_t nneg, size_t dim, float *q)
{
	if (npos == 0)
		return sl_err(SEMLITE_INVALID,
		              "recommend: at least one positive example is "
		              "needed");
	for (size_t d = 0; d < dim; d++) {
		double mp = 0, mn = 0;
		for (size_t i = 0; i < npos; i++)
			mp += pos[i * dim + d];
		mp /= (double)npos;
		for (size_t i = 0; i < nneg; i++)
			mn += neg[i * dim + d];
		q[d] = (float)(nneg ? mp + (mp - mn / (double)nneg) : mp);
	}
	double norm = 0;
	for (size_t d = 0; d < dim; d++)
		norm += (double)q[d] * q[d];
	if (norm > 0) {
		float inv = (float)(1.0 / sqrt(norm));
		for (size_t d = 0; d < dim; d++)
			q[d] *= inv;
	}
	return SEMLITE_OK;
}

static float squash(float x)
{
	return 0.5f * (x / (1.0f + fabsf(x)) + 1.0f);
}

float filt_rec_best_score(const float *pos_sims, size_t npos,
                          const float *neg_sims, size_t nneg)
{
	float bp = -INFINITY, bn = -INFINITY;
	for (size_t i = 0; i < npos; i++)
		bp = fmaxf(bp, pos_sims[i]);
	for (size_t i = 0; i < nneg; i++)
		bn = fmaxf(bn, neg_sims[i]);
	if (bp > bn)
		return squash(bp);
	return -squash(bn);
}

/* ---- MMR
 * ------------------------------------------------------------------------- */

static float dotf(const float *a, const float *b, size_t dim)
{
	float s = 0;
	for (size_t d = 0; d < dim; d++)
		s += a[d] * b[d];
	return s;
}

int filt_mmr(const filt_hit *hits, const float *vecs, size_t n, size_t dim,
             float lambda, size_t k, filt_hit *out)
{
	if (!(lambda >= 0 && lambda <= 1) || k > n)
		return sl_err(SEMLITE_INVALID,
		              "mmr: lambda %g must be in [0, 1] and k <= n",
		              (double)lambda);
	float *maxsim = sl_malloc((n ? n : 1) * sizeof *maxsim);
	bool *taken = sl_calloc(n ? n : 1, sizeof *taken);
	int rc = SEMLITE_OK;
	if (!maxsim || !taken) {
		rc = sl_err(SEMLITE_NOMEM, "mmr: out of memory");
		goto out;
	}
	float lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		lo = fminf(lo, hits[i].score);
		hi = fmaxf(hi, hits[i].score);
		maxsim[i] = -INFINITY;
	}
	float scale = hi > lo ? 1.0f / (hi - lo) : 0.0f;
	for (size_t r = 0; r < k; r++) {
		size_t best = n;
		float bv = -INFINITY;
		for (size_t i = 0; i < n; i++) {
			if (taken[i])
				continue;
			float rel = (hits[i].score - lo) * scale;
			float div = r ? maxsim[i] : 0.0f;
			float v = lambda * rel - (1 - lambda) * div;
			if (best == n || v > bv) {
				best = i;
				bv = v;
			}
		}
		taken[best] = true;
		out[r] = hits[best];
		for (size_t i = 0; i < n; i++)
			if (!taken[i])
				maxsim[i] = fmaxf(maxsim[i],
				                  dotf(vecs + i * dim,
				                       vecs + best * dim, dim));
	}
out:
	sl_free(maxsim);
	sl_free(taken);
	return rc;
}
