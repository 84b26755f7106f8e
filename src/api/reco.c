/*
 * reco.c — recommendation (semlite_recommend) and text chunking
 * (semlite_chunk_text) behind the public API.
 *
 * Examples are stored documents (their stored vectors: the exact f16/f32
 * copy, or the dequantized int8 code) or texts (encoded with the
 * collection's model). Two strategies, as Qdrant defines them:
 *
 * - average: one query vector, mean(pos) + (mean(pos) - mean(neg)), and an
 *   ordinary dense search; cheap, and the result scores are plain
 *   similarities.
 * - best: every candidate is scored against every example and keeps its
 *   best positive similarity unless a negative example is closer
 *   (filter/fusion.c, filt_rec_best_score). Qdrant evaluates that score
 *   during graph traversal; here the candidates are the union of a dense
 *   search around each positive example, which finds everything close to
 *   some positive — the only candidates that can score in the positive
 *   group.
 *
 * The example documents are excluded from the results; the searches ask
 * for as many extra candidates as there are examples so k survive.
 */
#define _POSIX_C_SOURCE 200809L
#include "api/api.h"

#include <math.h>
#include <string.h>

#include "filter/chunk.h"

typedef struct reco {
	const store_txn *st;
	semlite_collection *c;
	const semlite_search_opts *o;
	roaring_bitmap_t *allow;
	float *pos, *neg; /* rows of dim */
	size_t npos, nneg;
	uint32_t *ex; /* internal ids of example documents */
	size_t nex;
	filt_hit *pool;
	size_t np, cap;
} reco;

static int add_id(reco *r, const char *id, float *row, uint32_t next_id)
{
	size_t n;
	uint32_t iid;
	int rc = api_id_check(id, &n);
	if (!rc)
		rc = api_id_lookup(r->st, r->c->rec.id, next_id, id, n, &iid);
	if (rc == SEMLITE_NOTFOUND)
		return sl_err(SEMLITE_NOTFOUND, "recommend: no document '%s'",
		              id);
	if (!rc)
		rc = api_vec_load(r->st, &r->c->rec, iid, row);
	if (rc)
		return rc;
	api_vec_prepare(row, r->c->rec.dim, r->c->rec.metric);
	r->ex[r->nex++] = iid;
	return SEMLITE_OK;
}

static int add_text(reco *r, const char *text, float *row)
{
	const enc_model *m;
	if (!text)
		return sl_err(SEMLITE_INVALID, "recommend: NULL example text");
	int rc = api_coll_model(r->c, r->st, &m);
	if (!rc)
		rc = api_encode(m, text, strlen(text), row);
	if (!rc)
		api_vec_prepare(row, r->c->rec.dim, r->c->rec.metric);
	return rc;
}

/* Loads every example into r->pos / r->neg. */
static int load_examples(reco *r, const semlite_reco_query *q)
{
	size_t dim = r->c->rec.dim;
	store_counters ctr;
	r->npos = q->n_like_ids + q->n_like_texts;
	r->nneg = q->n_unlike_ids + q->n_unlike_texts;
	r->pos = sl_malloc(r->npos * dim * sizeof *r->pos);
	r->neg = sl_malloc((r->nneg ? r->nneg : 1) * dim * sizeof *r->neg);
	r->ex =
	    sl_malloc((q->n_like_ids + q->n_unlike_ids + 1) * sizeof *r->ex);
	if (!r->pos || !r->neg || !r->ex)
		return sl_err(SEMLITE_NOMEM, "recommend examples");
	int rc = store_counters_get(r->st, r->c->rec.id, &ctr);
	for (size_t i = 0; i < q->n_like_ids && !rc; i++)
		rc = add_id(r, q->like_ids[i], r->pos + i * dim, ctr.next_id);
	for (size_t i = 0; i < q->n_like_texts && !rc; i++)
		rc = add_text(r, q->like_texts[i],
		              r->pos + (q->n_like_ids + i) * dim);
	for (size_t i = 0; i < q->n_unlike_ids && !rc; i++)
		rc = add_id(r, q->unlike_ids[i], r->neg + i * dim, ctr.next_id);
	for (size_t i = 0; i < q->n_unlike_texts && !rc; i++)
		rc = add_text(r, q->unlike_texts[i],
		              r->neg + (q->n_unlike_ids + i) * dim);
	return rc;
}

static bool is_example(const reco *r, uint32_t id)
{
	for (size_t i = 0; i < r->nex; i++)
		if (r->ex[i] == id)
			return true;
	return false;
}

/* Drops the examples from hits[0..*n) in place. */
static void drop_examples(const reco *r, filt_hit *h, size_t *n)
{
	size_t w = 0;
	for (size_t i = 0; i < *n; i++)
		if (!is_example(r, h[i].id))
			h[w++] = h[i];
	*n = w;
}

static int by_average(reco *r)
{
	size_t dim = r->c->rec.dim;
	float *qv = sl_malloc(dim * sizeof *qv);
	if (!qv)
		return sl_err(SEMLITE_NOMEM, "recommend query");
	int rc = filt_rec_average(r->pos, r->npos, r->neg, r->nneg, dim, qv);
	if (!rc)
		rc = api_dense_hits(r->st, r->c, qv, r->o, r->allow, r->cap,
		                    r->pool, &r->np);
	sl_free(qv);
	if (!rc)
		drop_examples(r, r->pool, &r->np);
	return rc;
}

/* Similarity as the dense search ranks it (higher is better). */
static float sim(const reco *r, const float *a, const float *b)
{
	const kern_ops *k = kern_get();
	uint32_t dim = r->c->rec.dim;
	if (r->c->rec.metric == STORE_METRIC_L2)
		return -k->l2sq_f32(a, b, dim);
	return k->dot_f32(a, b, dim);
}

static int score_best(reco *r, const filt_hit *cand, size_t nc, filt_topk *top)
{
	size_t dim = r->c->rec.dim;
	float *v = sl_malloc(dim * sizeof *v);
	float *ps = sl_malloc(r->npos * sizeof *ps);
	float *ns = sl_malloc((r->nneg ? r->nneg : 1) * sizeof *ns);
	int rc = v && ps && ns ? SEMLITE_OK
	                       : sl_err(SEMLITE_NOMEM, "recommend scores");
	for (size_t i = 0; i < nc && !rc; i++) {
		rc = api_vec_load(r->st, &r->c->rec, cand[i].id, v);
		if (rc)
			break;
		api_vec_prepare(v, r->c->rec.dim, r->c->rec.metric);
		for (size_t j = 0; j < r->npos; j++)
			ps[j] = sim(r, v, r->pos + j * dim);
		for (size_t j = 0; j < r->nneg; j++)
			ns[j] = sim(r, v, r->neg + j * dim);
		filt_topk_push(top, cand[i].id,
		               filt_rec_best_score(ps, r->npos, ns, r->nneg));
	}
	sl_free(v);
	sl_free(ps);
	sl_free(ns);
	return rc;
}

static int cmp_hit_id(const void *a, const void *b)
{
	uint32_t x = ((const filt_hit *)a)->id, y = ((const filt_hit *)b)->id;
	return (x > y) - (x < y);
}

static int by_best(reco *r)
{
	size_t per = r->cap, nc = 0;
	filt_hit *cand = sl_malloc(per * r->npos * sizeof *cand);
	if (!cand)
		return sl_err(SEMLITE_NOMEM, "recommend candidates");
	int rc = SEMLITE_OK;
	for (size_t i = 0; i < r->npos && !rc; i++) {
		size_t n;
		rc = api_dense_hits(r->st, r->c, r->pos + i * r->c->rec.dim,
		                    r->o, r->allow, per, cand + nc, &n);
		nc += n;
	}
	/* unique candidates, examples dropped */
	qsort(cand, nc, sizeof *cand, cmp_hit_id);
	size_t w = 0;
	for (size_t i = 0; i < nc; i++)
		if ((w == 0 || cand[w - 1].id != cand[i].id) &&
		    !is_example(r, cand[i].id))
			cand[w++] = cand[i];
	filt_topk top;
	filt_topk_init(&top, r->pool, r->cap);
	if (!rc)
		rc = score_best(r, cand, w, &top);
	r->np = rc ? 0 : filt_topk_finish(&top);
	sl_free(cand);
	return rc;
}

static int reco_check(semlite_collection *c, const semlite_reco_query *q,
                      const semlite_search_opts *o)
{
	if (!c || !q)
		return sl_err(SEMLITE_INVALID,
		              "semlite_recommend: NULL argument");
	if (q->n_like_ids + q->n_like_texts == 0)
		return sl_err(
		    SEMLITE_INVALID,
		    "recommend: at least one positive example (--like "
		    "or --like-text) is needed");
	if ((q->n_like_ids && !q->like_ids) ||
	    (q->n_unlike_ids && !q->unlike_ids) ||
	    (q->n_like_texts && !q->like_texts) ||
	    (q->n_unlike_texts && !q->unlike_texts))
		return sl_err(SEMLITE_INVALID, "recommend: NULL example list");
	if (q->strategy != SEMLITE_RECO_AVERAGE &&
	    q->strategy != SEMLITE_RECO_BEST)
		return sl_err(SEMLITE_INVALID, "recommend: strategy %d unknown",
		              q->strategy);
	if (o->k == 0 || o->k > 1000000)
		return sl_err(SEMLITE_INVALID, "k must be 1..1000000");
	if (!(o->mmr >= 0 && o->mmr <= 1))
		return sl_err(SEMLITE_INVALID, "mmr lambda must be in [0, 1]");
	return SEMLITE_OK;
}

static int reco_run(reco *r, const semlite_reco_query *q, semlite_results **out)
{
	const semlite_search_opts *o = r->o;
	int rc = api_coll_check(r->st, r->c);
	if (!rc)
		rc = api_search_allow(r->st, r->c->rec.id, o, &r->allow);
	if (!rc)
		rc = load_examples(r, q);
	if (rc)
		return rc;
	size_t want = o->mmr > 0 ? (4 * o->k > 50 ? 4 * o->k : 50) : o->k;
	r->cap = want + r->nex;
	r->pool = sl_malloc(r->cap * sizeof *r->pool);
	if (!r->pool)
		return sl_err(SEMLITE_NOMEM, "recommend results");
	rc = q->strategy == SEMLITE_RECO_AVERAGE ? by_average(r) : by_best(r);
	if (!rc && r->np > want)
		r->np = want;
	if (!rc && o->mmr > 0)
		rc = api_apply_mmr(r->st, &r->c->rec, r->pool, &r->np, o->k,
		                   o->mmr);
	if (!rc && r->np > o->k)
		r->np = o->k;
	if (!rc)
		rc = api_results_from_hits(
		    r->st, r->c, r->pool, r->np, o->with_text,
		    q->strategy == SEMLITE_RECO_AVERAGE, out);
	return rc;
}

SEMLITE_API int semlite_recommend(semlite_collection *c,
                                  const semlite_reco_query *q,
                                  const semlite_search_opts *opts,
                                  semlite_results **out)
{
	semlite_search_opts def;
	if (!out)
		return sl_err(SEMLITE_INVALID, "semlite_recommend: NULL out");
	*out = NULL;
	if (!opts) {
		semlite_search_opts_init(&def);
		opts = &def;
	}
	int rc = reco_check(c, q, opts);
	if (rc)
		return rc;
	store_txn st;
	rc = store_txn_begin(c->db->env, false, &st);
	if (rc)
		return rc;
	reco r = {.st = &st, .c = c, .o = opts};
	rc = reco_run(&r, q, out);
	filt_bitmap_free(r.allow);
	sl_free(r.pos);
	sl_free(r.neg);
	sl_free(r.ex);
	sl_free(r.pool);
	store_txn_abort(&st);
	return rc;
}

/* ---- chunking -------------------------------------------------------------
 */

static size_t count_tokens(void *ctx, const char *w, size_t n)
{
	size_t got = 0;
	uint32_t ids[256];
	if (semlite_tokenize(ctx, w, n, ids, 256, &got) != SEMLITE_OK)
		return 1;
	return got;
}

SEMLITE_API int semlite_chunk_text(const char *text, size_t len,
                                   size_t max_tokens, size_t overlap,
                                   const semlite_encoder *enc,
                                   semlite_chunk **out, size_t *n)
{
	if (!out || !n || (!text && len))
		return sl_err(SEMLITE_INVALID, "semlite_chunk_text: NULL");
	*out = NULL;
	*n = 0;
	filt_chunk *ch = NULL;
	int rc =
	    filt_chunk_text(text, len, max_tokens, overlap,
	                    enc ? count_tokens : NULL, (void *)enc, &ch, n);
	if (rc)
		return rc;
	/* semlite_chunk has the same fields; copy to keep the types apart */
	semlite_chunk *c = sl_malloc((*n ? *n : 1) * sizeof *c);
	if (!c) {
		sl_free(ch);
		*n = 0;
		return sl_err(SEMLITE_NOMEM, "chunks");
	}
	for (size_t i = 0; i < *n; i++)
		c[i] = (semlite_chunk){ch[i].start, ch[i].end, ch[i].tokens};
	sl_free(ch);
	*out = c;
	return SEMLITE_OK;
}

SEMLITE_API void semlite_chunks_free(semlite_chunk *chunks)
{
	sl_free(chunks);
}
