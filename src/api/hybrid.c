/*
 * hybrid.c — keyword, hybrid and diversified text search, and the shared
 * helpers recommendation uses (loading stored vectors, excluding ids).
 *
 * A text query in hybrid mode runs both retrievers over one read snapshot:
 * the dense ranking (the collection's encoder, flat scan or index, exact
 * rescoring) and BM25 over the stored postings, each to a depth of
 * max(2k, 100), and fuses them (filter/fusion.c). Convex fusion of
 * min-max normalized scores is the default because it keeps how far the
 * best keyword match stands above the rest; RRF, which keeps only ranks,
 * fell below BM25 alone on SciFact's train queries whenever the dense
 * ranking was the weaker one (bench/RESULTS.md).
 *
 * MMR and grouping by source document work on a candidate pool larger
 * than k and are applied after fusion: MMR needs each candidate's stored
 * vector, grouping needs its metadata ("_doc").
 *
 * Dense-only queries without MMR or grouping go back to search.c's
 * original path (handled = false), so plain semantic search is unchanged.
 */
#define _POSIX_C_SOURCE 200809L
#include "api/api.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

static size_t max_sz(size_t a, size_t b)
{
	return a > b ? a : b;
}

int api_vec_load(const store_txn *st, const store_coll_rec *r, uint32_t id,
                 float *out)
{
	store_vecs ev = store_vecs_of(r, STORE_DB_EXACT);
	store_vecs vs = ev.slot ? ev : store_vecs_of(r, STORE_DB_CODES);
	const uint8_t *v;
	int rc = store_vec_get(st, &vs, id, &v);
	if (rc)
		return rc == SEMLITE_NOTFOUND
		           ? sl_err(SEMLITE_NOTFOUND,
		                    "document %u has no stored vector", id)
		           : rc;
	if (ev.slot) {
		if (r->precision == STORE_PREC_F32) {
			memcpy(out, v, ev.slot);
			return SEMLITE_OK;
		}
		uint16_t *h = sl_malloc(ev.slot);
		if (!h)
			return sl_err(SEMLITE_NOMEM, "vector");
		memcpy(h, v, ev.slot);
		quant_f16_decode(h, r->dim, out);
		sl_free(h);
		return SEMLITE_OK;
	}
	float scale;
	memcpy(&scale, v, 4);
	quant_i8_decode((const int8_t *)v + STORE_CODE_HEADER, scale, r->dim,
	                out);
	return SEMLITE_OK;
}

/* Re-ranks hits[0..*n) by MMR with lambda, keeping min(k, *n). */
int api_apply_mmr(const store_txn *st, const store_coll_rec *r, filt_hit *hits,
                  size_t *n, size_t k, float lambda)
{
	size_t dim = r->dim, m = *n;
	float *vecs = sl_malloc((m ? m : 1) * dim * sizeof *vecs);
	filt_hit *picked = sl_malloc((m ? m : 1) * sizeof *picked);
	int rc = vecs && picked ? SEMLITE_OK
	                        : sl_err(SEMLITE_NOMEM, "mmr candidates");
	for (size_t i = 0; i < m && !rc; i++) {
		rc = api_vec_load(st, r, hits[i].id, vecs + i * dim);
		if (!rc)
			api_vec_prepare(vecs + i * dim, r->dim,
			                STORE_METRIC_COSINE);
	}
	size_t keep = k < m ? k : m;
	if (!rc)
		rc = filt_mmr(hits, vecs, m, dim, lambda, keep, picked);
	if (!rc) {
		memcpy(hits, picked, keep * sizeof *hits);
		*n = keep;
	}
	sl_free(vecs);
	sl_free(picked);
	return rc;
}

/* The "_doc" of a result's metadata, or its own id. */
static char *source_doc(const semlite_result *r)
{
	cJSON *j = r->metadata ? cJSON_Parse(r->metadata) : NULL;
	cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "_doc");
	char *s = sl_strdup(cJSON_IsString(d) ? d->valuestring : r->id);
	cJSON_Delete(j);
	return s;
}

static void result_clear(semlite_result *r)
{
	sl_free((char *)r->id);
	sl_free((char *)r->text);
	sl_free((char *)r->metadata);
	memset(r, 0, sizeof *r);
}

/* Keeps the first (best) result of each source document, at most k, and
 * drops text/metadata when the caller did not ask for them. */
static int group_results(semlite_results *res, size_t k, bool with_text)
{
	char **seen = sl_calloc(res->count ? res->count : 1, sizeof *seen);
	if (!seen)
		return sl_err(SEMLITE_NOMEM, "grouping");
	size_t w = 0, ns = 0;
	int rc = SEMLITE_OK;
	for (size_t i = 0; i < res->count; i++) {
		char *d = rc || w == k ? NULL : source_doc(&res->items[i]);
		bool dup = !d;
		if (!d && !rc && w < k)
			rc = sl_err(SEMLITE_NOMEM, "grouping");
		for (size_t j = 0; d && j < ns && !dup; j++)
			dup = !strcmp(seen[j], d);
		if (dup) {
			sl_free(d);
			result_clear(&res->items[i]);
			continue;
		}
		seen[ns++] = d;
		res->items[w++] = res->items[i];
	}
	for (size_t j = 0; j < ns; j++)
		sl_free(seen[j]);
	sl_free(seen);
	res->count = w;
	for (size_t i = 0; i < w && !with_text; i++) {
		sl_free((char *)res->items[i].text);
		sl_free((char *)res->items[i].metadata);
		res->items[i].text = res->items[i].metadata = NULL;
		res->items[i].text_len = 0;
	}
	return rc;
}

static int opts_validate(const semlite_search_opts *o)
{
	if (o->mode < SEMLITE_SEARCH_AUTO || o->mode > SEMLITE_SEARCH_HYBRID)
		return sl_err(SEMLITE_INVALID, "search mode %d is unknown",
		              o->mode);
	if (o->fusion != SEMLITE_FUSION_CONVEX &&
	    o->fusion != SEMLITE_FUSION_RRF)
		return sl_err(SEMLITE_INVALID, "fusion %d is unknown",
		              o->fusion);
	if (!(o->dense_weight >= 0 && o->dense_weight <= 1))
		return sl_err(SEMLITE_INVALID,
		              "dense weight %g must be in [0, 1]",
		              (double)o->dense_weight);
	if (!(o->mmr >= 0 && o->mmr <= 1))
		return sl_err(SEMLITE_INVALID,
		              "mmr lambda %g must be in [0, 1]",
		              (double)o->mmr);
	return SEMLITE_OK;
}

typedef struct hq {
	const store_txn *st;
	semlite_collection *c;
	const semlite_search_opts *o;
	int mode;
	size_t depth;
	roaring_bitmap_t *allow;
	filt_hit *dense, *kw, *pool;
	size_t nd, nk, np;
} hq;

static int dense_list(hq *h, const char *text, size_t len)
{
	const enc_model *m;
	float *v = sl_malloc(h->c->rec.dim * sizeof *v);
	if (!v)
		return sl_err(SEMLITE_NOMEM, "query");
	int rc = api_coll_model(h->c, h->st, &m);
	if (!rc)
		rc = api_encode(m, text ? text : "", len, v);
	if (!rc) {
		api_vec_prepare(v, h->c->rec.dim, h->c->rec.metric);
		rc = api_dense_hits(h->st, h->c, v, h->o, h->allow, h->depth,
		                    h->dense, &h->nd);
	}
	sl_free(v);
	return rc;
}

/* Fills h->pool with the fused (or single) ranking. */
static int rank(hq *h, const char *text, size_t len)
{
	int rc = SEMLITE_OK;
	if (h->mode != SEMLITE_SEARCH_KEYWORD)
		rc = dense_list(h, text, len);
	if (!rc && h->mode != SEMLITE_SEARCH_DENSE)
		rc = api_kw_search(h->st, h->c->rec.id, text ? text : "", len,
		                   h->allow, h->depth, h->kw, &h->nk);
	if (rc)
		return rc;
	if (h->mode != SEMLITE_SEARCH_HYBRID) {
		const filt_hit *src =
		    h->mode == SEMLITE_SEARCH_DENSE ? h->dense : h->kw;
		h->np = h->mode == SEMLITE_SEARCH_DENSE ? h->nd : h->nk;
		memcpy(h->pool, src, h->np * sizeof *src);
		return SEMLITE_OK;
	}
	const filt_hit *lists[2] = {h->dense, h->kw};
	size_t lens[2] = {h->nd, h->nk};
	bool rrf = h->o->fusion == SEMLITE_FUSION_RRF;
	float w[2] = {rrf ? 1.0f : h->o->dense_weight,
	              rrf ? 1.0f : 1.0f - h->o->dense_weight};
	filt_fuse_opts fo = {rrf ? FILT_FUSE_RRF : FILT_FUSE_CONVEX,
	                     FILT_NORM_MINMAX, 60};
	return filt_fuse(lists, lens, w, 2, &fo, h->depth, h->pool, &h->np);
}

static int run(hq *h, const char *text, size_t len, semlite_results **out)
{
	const semlite_search_opts *o = h->o;
	size_t want = o->k;
	if (o->mmr > 0)
		want = max_sz(4 * o->k, 50);
	if (o->group_by_doc)
		want = max_sz(want, 10 * o->k);
	h->depth = max_sz(
	    want, h->mode == SEMLITE_SEARCH_HYBRID ? max_sz(2 * o->k, 100) : 0);
	h->dense = sl_malloc(h->depth * sizeof *h->dense);
	h->kw = sl_malloc(h->depth * sizeof *h->kw);
	h->pool = sl_malloc(h->depth * sizeof *h->pool);
	if (!h->dense || !h->kw || !h->pool)
		return sl_err(SEMLITE_NOMEM, "search lists");
	int rc = api_search_allow(h->st, h->c->rec.id, o, &h->allow);
	if (!rc)
		rc = rank(h, text, len);
	if (!rc && h->np > want)
		h->np = want;
	if (!rc && o->mmr > 0)
		rc = api_apply_mmr(h->st, &h->c->rec, h->pool, &h->np,
		                   o->group_by_doc ? h->np : o->k, o->mmr);
	if (!rc && !o->group_by_doc && h->np > o->k)
		h->np = o->k;
	if (!rc)
		rc =
		    api_results_from_hits(h->st, h->c, h->pool, h->np,
		                          o->with_text || o->group_by_doc,
		                          h->mode == SEMLITE_SEARCH_DENSE, out);
	if (!rc && o->group_by_doc) {
		rc = group_results(*out, o->k, o->with_text);
		if (rc) {
			semlite_results_free(*out);
			*out = NULL;
		}
	}
	return rc;
}

int api_search_text_mode(semlite_collection *c, const char *text, size_t len,
                         const semlite_search_opts *o, semlite_results **out,
                         bool *handled)
{
	*handled = false;
	int rc = opts_validate(o);
	if (rc)
		return rc;
	if (o->mode == SEMLITE_SEARCH_DENSE && o->mmr == 0 && !o->group_by_doc)
		return SEMLITE_OK;
	store_txn st;
	rc = store_txn_begin(c->db->env, false, &st);
	if (rc)
		return rc;
	hq h = {.st = &st, .c = c, .o = o, .mode = o->mode};
	filt_kw_stats ks = {0};
	rc = api_coll_check(&st, c);
	if (!rc && h.mode == SEMLITE_SEARCH_AUTO)
		rc = api_kw_stats(&st, c->rec.id, &ks);
	if (!rc && h.mode == SEMLITE_SEARCH_AUTO)
		h.mode =
		    ks.n_docs ? SEMLITE_SEARCH_HYBRID : SEMLITE_SEARCH_DENSE;
	if (!rc &&
	    (h.mode != SEMLITE_SEARCH_DENSE || o->mmr > 0 || o->group_by_doc)) {
		*handled = true;
		rc = run(&h, text, len, out);
	}
	filt_bitmap_free(h.allow);
	sl_free(h.dense);
	sl_free(h.kw);
	sl_free(h.pool);
	store_txn_abort(&st);
	return rc;
}
