/*
 * search.c — flat (exact) search and result objects.
 *
 * Flat search is two passes. The scan reads the collection's int8 codes in
 * the memory map (zero-copy: a cursor walk, or the thread's cached list of
 * record pointers for the same snapshot) and scores them against the
 * int8-quantized query with the dot_i8_many kernel, keeping the best
 * `rescore` candidates in a min-heap. The rescoring pass reads the f16/f32
 * copies of just those candidates and scores them against the f32 query;
 * the best k of them are the results. For int8 precision there is no copy
 * and the scan's scores are final. All metrics are ranked as "higher is
 * better" internally (L2 as the negated squared distance) and converted
 * back at the end.
 *
 * With a field=value filter the allowed ids are the filter bitmap minus
 * the tombstones; small allow-lists are fetched by id, large ones are
 * checked during the scan.
 *
 * The index (issue 6) plugs in at api_search(): when a collection has an
 * HNSW graph and the caller did not ask for `exact`, candidates come from
 * the graph instead of the scan; rescoring and result assembly are shared.
 */
#define _POSIX_C_SOURCE 200809L
#include "api/api.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

typedef struct cand {
	float score; /* higher is better */
	uint32_t id;
} cand;

typedef struct heap {
	cand *a;
	size_t n, cap;
	bool exact; /* scores already final (index hits of f16 vectors) */
} heap;

static bool worse(cand x, cand y)
{
	return x.score < y.score || (x.score == y.score && x.id > y.id);
}

/* Min-heap of the best `cap` candidates seen (root = the worst kept). */
static void heap_push(heap *h, cand c)
{
	if (h->n == h->cap) {
		if (!worse(h->a[0], c))
			return;
		size_t i = 0;
		for (;;) {
			size_t l = 2 * i + 1, m = i;
			cand mv = c;
			if (l < h->n && worse(h->a[l], mv))
				mv = h->a[m = l];
			if (l + 1 < h->n && worse(h->a[l + 1], mv))
				mv = h->a[m = l + 1];
			if (m == i)
				break;
			h->a[i] = h->a[m];
			i = m;
		}
		h->a[i] = c;
		return;
	}
	size_t i = h->n++;
	while (i && worse(c, h->a[(i - 1) / 2])) {
		h->a[i] = h->a[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->a[i] = c;
}

typedef struct query {
	const float *v;
	uint32_t dim;
	uint8_t metric;
	float norm2;
	int8_t *code;
	float scale;
} query;

/* Approximate score of one stored code record (already validated). */
static float code_score(const kern_ops *k, const query *q, const uint8_t *p)
{
	float scale, norm2;
	memcpy(&scale, p, 4);
	memcpy(&norm2, p + 4, 4);
	float dot = q->scale * scale *
	            (float)k->dot_i8(q->code, (const int8_t *)p + 8, q->dim);
	if (q->metric == STORE_METRIC_L2)
		return -(q->norm2 + norm2 - 2 * dot);
	return dot;
}

/* ---- the scan ------------------------------------------------------------
 * Codes are scored SCAN_BLOCK at a time with the kernels' one-query-many-
 * vectors int8 dot (the query is loaded once per group of vectors). The
 * records to score come from the thread's snapshot cache when there is
 * one: a read snapshot's code records never move, so a thread keeps the
 * (id, record pointer) list of the last snapshot it scanned and a later
 * query in the same snapshot (same committed txn id, map remap count,
 * database handle and collection) skips the B-tree walk, which perf
 * showed to be half of a 100k scan. Write transactions walk every time:
 * their dirty pages are not in the map and die at commit. */

#define SCAN_BLOCK 256

typedef struct scan_block {
	const int8_t *code[SCAN_BLOCK];
	const uint8_t *rec[SCAN_BLOCK];
	uint32_t id[SCAN_BLOCK];
	int32_t dot[SCAN_BLOCK];
	size_t n;
} scan_block;

static void block_flush(const kern_ops *k, const query *q, scan_block *b,
                        heap *h)
{
	if (!b->n)
		return;
	k->dot_i8_many(q->code, b->code, b->n, q->dim, b->dot);
	for (size_t i = 0; i < b->n; i++) {
		float scale, norm2;
		memcpy(&scale, b->rec[i], 4);
		memcpy(&norm2, b->rec[i] + 4, 4);
		float dot = q->scale * scale * (float)b->dot[i];
		float sc = q->metric == STORE_METRIC_L2
		               ? -(q->norm2 + norm2 - 2 * dot)
		               : dot;
		heap_push(h, (cand){sc, b->id[i]});
	}
	b->n = 0;
}

static void block_add(const kern_ops *k, const query *q, scan_block *b, heap *h,
                      uint32_t id, const uint8_t *rec)
{
	b->rec[b->n] = rec;
	b->code[b->n] = (const int8_t *)rec + STORE_CODE_HEADER;
	b->id[b->n++] = id;
	if (b->n == SCAN_BLOCK)
		block_flush(k, q, b, h);
}

/* The (id, record) list of one snapshot of one collection's codes. */
typedef struct flat_cache {
	uint64_t serial;
	uint32_t coll;
	size_t txnid;
	uint64_t mapgen;
	bool valid;
	uint32_t *ids;
	const uint8_t **recs;
	size_t n, cap;
} flat_cache;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_key_rc;

static void cache_free(void *p)
{
	flat_cache *fc = p;
	if (!fc)
		return;
	sl_free(fc->ids);
	sl_free(fc->recs);
	sl_free(fc);
}

static void cache_init(void)
{
	cache_key_rc = pthread_key_create(&cache_key, cache_free);
}

/* The thread's cache (NULL without memory: the scan then walks). */
static flat_cache *cache_get(void)
{
	pthread_once(&cache_once, cache_init);
	if (cache_key_rc)
		return NULL;
	flat_cache *fc = pthread_getspecific(cache_key);
	if (!fc && (fc = sl_calloc(1, sizeof *fc)) &&
	    pthread_setspecific(cache_key, fc)) {
		sl_free(fc);
		fc = NULL;
	}
	return fc;
}

static bool cache_push(flat_cache *fc, uint32_t id, const uint8_t *rec)
{
	if (fc->n == fc->cap) {
		size_t cap = fc->cap ? fc->cap * 2 : 4096;
		uint32_t *ids = sl_realloc(fc->ids, cap * sizeof *ids);
		if (ids)
			fc->ids = ids;
		const uint8_t **recs =
		    ids ? sl_realloc(fc->recs, cap * sizeof *recs) : NULL;
		if (!recs)
			return false;
		fc->recs = recs;
		fc->cap = cap;
	}
	fc->ids[fc->n] = id;
	fc->recs[fc->n++] = rec;
	return true;
}

/* Scores (or, with fc, caches) the present codes of one block. */
static int walk_block(const kern_ops *k, const store_vecs *cv, const query *q,
                      const roaring_bitmap_t *allow, heap *h, flat_cache *fc,
                      scan_block *b, const store_vblock *vb)
{
	for (uint32_t i = 0, j = 0; store_vblock_next(vb, &i, &j);) {
		uint32_t id = vb->first + i - 1;
		const uint8_t *rec = vb->slots + (size_t)(j - 1) * cv->slot;
		if (fc && !cache_push(fc, id, rec))
			return SEMLITE_NOMEM;
		if (!fc && (!allow || roaring_bitmap_contains(allow, id)))
			block_add(k, q, b, h, id, rec);
	}
	return SEMLITE_OK;
}

/* Walks the collection's code blocks with a cursor (validating each):
 * scores them unless `fc`, in which case it only fills the cache. */
static int walk_codes(const store_txn *st, const store_vecs *cv, const query *q,
                      const roaring_bitmap_t *allow, heap *h, flat_cache *fc)
{
	const kern_ops *k = kern_get();
	scan_block b;
	MDB_cursor *c;
	int rc = mdb_cursor_open(st->txn, store_dbi(st, STORE_DB_CODES), &c);
	if (rc)
		return store_rc(rc, "codes");
	uint8_t key[8];
	store_key_id(key, cv->coll, 0);
	MDB_val kv = {8, key}, v;
	b.n = 0;
	rc = mdb_cursor_get(c, &kv, &v, MDB_SET_RANGE);
	int err = SEMLITE_OK;
	while (!rc && !err) {
		if (kv.mv_size < 4 || store_load_u32be(kv.mv_data) != cv->coll)
			break;
		store_vblock vb;
		err = store_vec_block(cv, &kv, &v, false, &vb);
		if (!err)
			err = walk_block(k, cv, q, allow, h, fc, &b, &vb);
		if (!err)
			rc = mdb_cursor_get(c, &kv, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (!fc)
		block_flush(k, q, &b, h);
	if (err)
		return err;
	return rc && rc != MDB_NOTFOUND ? store_rc(rc, "codes") : SEMLITE_OK;
}

/* The cache for this read snapshot, filled if it was not; NULL when
 * there is none to use (write transaction, no memory). */
static int cache_for(const store_txn *st, uint64_t serial, const store_vecs *cv,
                     const query *q, flat_cache **out)
{
	uint32_t coll = cv->coll;
	flat_cache *fc;
	*out = NULL;
	if (st->write || !(fc = cache_get()))
		return SEMLITE_OK;
	size_t txnid = mdb_txn_id(st->txn);
	uint64_t mapgen = store_env_map_gen(st->env);
	if (fc->valid && fc->serial == serial && fc->coll == coll &&
	    fc->txnid == txnid && fc->mapgen == mapgen) {
		*out = fc;
		return SEMLITE_OK;
	}
	fc->valid = false;
	fc->n = 0;
	int rc = walk_codes(st, cv, q, NULL, NULL, fc);
	if (rc == SEMLITE_NOMEM)
		return SEMLITE_OK; /* scan without the cache */
	if (rc)
		return rc;
	fc->serial = serial;
	fc->coll = coll;
	fc->txnid = txnid;
	fc->mapgen = mapgen;
	fc->valid = true;
	*out = fc;
	return SEMLITE_OK;
}

/* Scans every code of the collection (allow: optional bitmap). */
static int scan_all(const store_txn *st, uint64_t serial, const store_vecs *cv,
                    const query *q, const roaring_bitmap_t *allow, heap *h)
{
	flat_cache *fc = NULL;
	int rc = cache_for(st, serial, cv, q, &fc);
	if (rc || !fc)
		return rc ? rc : walk_codes(st, cv, q, allow, h, NULL);
	const kern_ops *k = kern_get();
	scan_block b;
	b.n = 0;
	for (size_t i = 0; i < fc->n; i++)
		if (!allow || roaring_bitmap_contains(allow, fc->ids[i]))
			block_add(k, q, &b, h, fc->ids[i], fc->recs[i]);
	block_flush(k, q, &b, h);
	return SEMLITE_OK;
}

typedef struct scan_ctx {
	const store_txn *st;
	const query *q;
	heap *h;
	store_vecs cv;
	int rc;
} scan_ctx;

static bool scan_id(uint32_t id, void *arg)
{
	scan_ctx *s = arg;
	const uint8_t *p;
	int rc = store_vec_get(s->st, &s->cv, id, &p);
	if (rc == SEMLITE_NOTFOUND)
		return true; /* a document without a vector */
	if (!rc)
		heap_push(s->h, (cand){code_score(kern_get(), s->q, p), id});
	s->rc = rc;
	return rc == SEMLITE_OK;
}

/* Exact score of a candidate from its f16/f32 copy. */
static int rescore(const store_txn *st, const store_coll_rec *r, const query *q,
                   cand *c)
{
	store_vecs ev = store_vecs_of(r, STORE_DB_EXACT);
	if (!ev.slot)
		return SEMLITE_OK;
	const uint8_t *v;
	int rc = store_vec_get(st, &ev, c->id, &v);
	if (rc == SEMLITE_NOTFOUND)
		return sl_err(SEMLITE_CORRUPT, "exact: record %u missing",
		              c->id);
	if (rc)
		return rc;
	const kern_ops *kk = kern_get();
	float dot, n2;
	if (r->precision == STORE_PREC_F16) {
		/* The map is only byte-aligned for our purposes; the kernels
		 * accept unaligned pointers. */
		dot = kk->dot_f16_f32((const uint16_t *)(const void *)v, q->v,
		                      r->dim);
		if (q->metric == STORE_METRIC_L2) {
			store_vecs cv = store_vecs_of(r, STORE_DB_CODES);
			const uint8_t *cp;
			rc = store_vec_get(st, &cv, c->id, &cp);
			if (rc == SEMLITE_NOTFOUND)
				rc = sl_err(SEMLITE_CORRUPT,
				            "codes: record %u missing", c->id);
			if (rc)
				return rc;
			memcpy(&n2, cp + 4, 4);
			c->score = -(q->norm2 + n2 - 2 * dot);
			return SEMLITE_OK;
		}
	} else {
		if (q->metric == STORE_METRIC_L2) {
			c->score = -kk->l2sq_f32((const float *)(const void *)v,
			                         q->v, r->dim);
			return SEMLITE_OK;
		}
		dot = kk->dot_f32((const float *)(const void *)v, q->v, r->dim);
	}
	c->score = dot;
	return SEMLITE_OK;
}

static int cand_cmp(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	if (worse(*x, *y))
		return 1;
	if (worse(*y, *x))
		return -1;
	return 0;
}

/* The allow-list for a filter: filter bitmap minus tombstones. */
static int filter_allow(const store_txn *st, uint32_t coll,
                        const semlite_search_opts *o, roaring_bitmap_t **out)
{
	uint8_t k[FILT_KEY_MAX];
	roaring_bitmap_t *tomb = NULL, *allow = NULL;
	*out = NULL;
	if (!o->where_field)
		return SEMLITE_OK;
	if (!o->where_value)
		return sl_err(SEMLITE_INVALID, "filter field without a value");
	size_t kl =
	    filt_key_field(k, coll, o->where_field, strlen(o->where_field),
	                   o->where_value, strlen(o->where_value));
	int rc = filt_bitmap_load(st, k, kl, &allow);
	if (!rc)
		rc = filt_bitmap_load(st, k, filt_key_tombstones(k, coll),
		                      &tomb);
	if (!rc)
		roaring_bitmap_andnot_inplace(allow, tomb);
	filt_bitmap_free(tomb);
	if (rc)
		filt_bitmap_free(allow);
	else
		*out = allow;
	return rc;
}

static int result_fill(const store_txn *st, uint64_t serial, store_codec *codec,
                       const store_coll_rec *r, const cand *c, bool with_text,
                       semlite_result *res)
{
	store_doc d;
	int rc = api_doc_read(st, serial, codec, r->id, c->id, &d);
	if (rc)
		return rc;
	res->score = r->metric == STORE_METRIC_L2 ? -c->score : c->score;
	char *id = sl_strndup(d.ext, d.ext_len);
	res->id = id;
	if (!id)
		return sl_err(SEMLITE_NOMEM, "results");
	if (!with_text)
		return SEMLITE_OK;
	char *text = sl_strndup(d.text, d.text_len);
	res->text = text;
	res->text_len = d.text_len;
	char *meta = sl_strndup(d.meta, d.meta_len);
	res->metadata = meta;
	return text && meta ? SEMLITE_OK : sl_err(SEMLITE_NOMEM, "results");
}

SEMLITE_API void semlite_results_free(semlite_results *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->count; i++) {
		sl_free((char *)res->items[i].id);
		sl_free((char *)res->items[i].text);
		sl_free((char *)res->items[i].metadata);
	}
	sl_free(res->items);
	sl_free(res);
}

static int results_make(const store_txn *st, semlite_collection *c, heap *h,
                        const query *q, const semlite_search_opts *o,
                        semlite_results **out)
{
	const store_coll_rec *r = &c->rec;
	const store_dict *dict = NULL;
	int rc = SEMLITE_OK;
	for (size_t i = 0; i < h->n && !rc && !h->exact; i++)
		rc = rescore(st, r, q, &h->a[i]);
	if (rc)
		return rc;
	qsort(h->a, h->n, sizeof *h->a, cand_cmp);
	size_t n = h->n < o->k ? h->n : o->k;
	semlite_results *res = sl_calloc(1, sizeof *res);
	store_codec *codec = NULL;
	if (!res || !(res->items = sl_calloc(n ? n : 1, sizeof *res->items))) {
		sl_free(res);
		return sl_err(SEMLITE_NOMEM, "results");
	}
	rc = api_thread_codec(&codec);
	if (!rc)
		rc = api_coll_dict(c, st, &dict);
	if (!rc)
		store_codec_use_dict(codec, dict);
	for (size_t i = 0; i < n && !rc; i++) {
		res->count = i + 1;
		rc = result_fill(st, c->db->serial, codec, r, &h->a[i],
		                 o->with_text, &res->items[i]);
	}
	if (rc)
		semlite_results_free(res);
	else
		*out = res;
	return rc;
}

/* Candidates by flat scan (which scores the query's int8 code, made
 * here: the index path quantizes the query itself). */
static int flat_candidates(const store_txn *st, uint64_t serial,
                           const store_coll_rec *r, query *q,
                           const roaring_bitmap_t *allow, heap *h)
{
	store_counters ctr;
	if (!q->code && !(q->code = sl_malloc(q->dim)))
		return sl_err(SEMLITE_NOMEM, "query code");
	q->scale = quant_i8_encode(q->v, q->dim, q->code);
	int rc = store_counters_get(st, r->id, &ctr);
	if (rc)
		return rc;
	/* A small allow-list is cheaper to fetch id by id than to test
	 * during a full scan. */
	if (allow && roaring_bitmap_get_cardinality(allow) * 8 < ctr.live) {
		scan_ctx s = {st, q, h, store_vecs_of(r, STORE_DB_CODES),
		              SEMLITE_OK};
		roaring_iterate(allow, scan_id, &s);
		return s.rc;
	}
	store_vecs cv = store_vecs_of(r, STORE_DB_CODES);
	return scan_all(st, serial, &cv, q, allow, h);
}

/* Candidates from the HNSW graph (index.c): the k nearest, already
 * rescored exactly; results_make rescores them the same way. */
static int index_candidates(const store_txn *st, semlite_collection *c,
                            const query *q, const semlite_search_opts *o,
                            const roaring_bitmap_t *allow, uint32_t k, heap *h)
{
	const store_coll_rec *r = &c->rec;
	uint32_t n = 0, ef = o->ef;
	int rc = ef ? SEMLITE_OK : api_default_ef(st, r->id, &ef);
	if (rc)
		return rc;
	hnsw_hit *hits = sl_malloc((k ? k : 1) * sizeof *hits);
	if (!hits)
		return sl_err(SEMLITE_NOMEM, "search hits");
	rc = api_index_search(st, c->db->serial, r, q->v, allow, k, ef, hits,
	                      &n);
	for (uint32_t i = 0; !rc && i < n; i++)
		heap_push(h, (cand){-hits[i].dist, hits[i].id});
	/* The graph rescored its hits with the same f16 dot product and
	 * stored norm as rescore() (cosine runs as inner product on the
	 * normalized vectors, hnsw_lmdb_params): no second pass. f32
	 * collections keep rescore()'s direct L2 kernel. */
	h->exact = r->precision != STORE_PREC_F32;
	sl_free(hits);
	return rc;
}

/* The best `k` dense candidates of a query into h (from the index unless
 * o->exact; the flat scan fills h to its capacity). */
static int candidates(const store_txn *st, semlite_collection *c, query *q,
                      const semlite_search_opts *o,
                      const roaring_bitmap_t *allow, size_t k, heap *h)
{
	if (!o->exact && api_coll_indexed(&c->rec))
		return index_candidates(st, c, q, o, allow, (uint32_t)k, h);
	return flat_candidates(st, c->db->serial, &c->rec, q, allow, h);
}

static int search_in(const store_txn *st, semlite_collection *c, query *q,
                     const semlite_search_opts *o, semlite_results **out)
{
	roaring_bitmap_t *allow = NULL;
	heap h = {0};
	int rc = api_coll_check(st, c);
	if (!rc)
		rc = filter_allow(st, c->rec.id, o, &allow);
	if (rc)
		return rc;
	h.cap = o->rescore ? o->rescore : (o->k * 4 > 64 ? o->k * 4 : 64);
	if (h.cap < o->k)
		h.cap = o->k;
	h.a = sl_malloc(h.cap * sizeof *h.a);
	if (!h.a)
		rc = sl_err(SEMLITE_NOMEM, "search heap");
	if (!rc)
		rc = candidates(st, c, q, o, allow, o->k, &h);
	if (!rc)
		rc = results_make(st, c, &h, q, o, out);
	sl_free(h.a);
	filt_bitmap_free(allow);
	return rc;
}

SEMLITE_API void semlite_search_opts_init(semlite_search_opts *o)
{
	memset(o, 0, sizeof *o);
	o->k = 10;
	o->mode = SEMLITE_SEARCH_AUTO;
	o->fusion = SEMLITE_FUSION_CONVEX;
	o->dense_weight = SEMLITE_DENSE_WEIGHT;
	o->mmr = 0.0f; /* off */
}

/* Searches with q->v holding the prepared query vector. */
static int search_vec(semlite_collection *c, const store_txn *st, query *q,
                      const semlite_search_opts *o, semlite_results **out)
{
	q->dim = c->rec.dim;
	q->metric = c->rec.metric;
	q->norm2 = kern_get()->dot_f32(q->v, q->v, q->dim);
	q->code = NULL; /* made by a flat scan when it needs it */
	int rc = search_in(st, c, q, o, out);
	sl_free(q->code);
	return rc;
}

static int opts_check(semlite_collection *c, const semlite_search_opts **o,
                      semlite_search_opts *def, semlite_results **out)
{
	if (!c || !out)
		return sl_err(SEMLITE_INVALID, "search: NULL argument");
	*out = NULL;
	if (!*o) {
		semlite_search_opts_init(def);
		*o = def;
	}
	if ((*o)->k == 0 || (*o)->k > 1000000)
		return sl_err(SEMLITE_INVALID, "k must be 1..1000000");
	return SEMLITE_OK;
}

SEMLITE_API int semlite_search_vector(semlite_collection *c, const float *vec,
                                      size_t dim, const semlite_search_opts *o,
                                      semlite_results **out)
{
	semlite_search_opts def;
	int rc = opts_check(c, &o, &def, out);
	if (rc)
		return rc;
	if (!vec || dim != c->rec.dim)
		return sl_err(SEMLITE_DIM_MISMATCH,
		              "query of dimension %zu, collection has %u", dim,
		              c->rec.dim);
	for (size_t i = 0; i < dim; i++)
		if (!isfinite(vec[i]))
			return sl_err(SEMLITE_INVALID,
			              "query element %zu is not finite", i);
	float *v = sl_malloc(dim * sizeof *v);
	if (!v)
		return sl_err(SEMLITE_NOMEM, "query");
	memcpy(v, vec, dim * sizeof *v);
	api_vec_prepare(v, (uint32_t)dim, c->rec.metric);
	store_txn st;
	rc = store_txn_begin(c->db->env, false, &st);
	if (!rc) {
		query q = {.v = v};
		rc = search_vec(c, &st, &q, o, out);
		store_txn_abort(&st);
	}
	sl_free(v);
	return rc;
}

SEMLITE_API int semlite_search_text(semlite_collection *c, const char *text,
                                    size_t len, const semlite_search_opts *o,
                                    semlite_results **out)
{
	semlite_search_opts def;
	int rc = opts_check(c, &o, &def, out);
	if (rc)
		return rc;
	if (!text && len)
		return sl_err(SEMLITE_INVALID, "query text is NULL");
	bool handled = false;
	rc = api_search_text_mode(c, text, len, o, out, &handled);
	if (rc || handled)
		return rc;
	float *v = sl_malloc(c->rec.dim * sizeof *v);
	if (!v)
		return sl_err(SEMLITE_NOMEM, "query");
	store_txn st;
	rc = store_txn_begin(c->db->env, false, &st);
	if (!rc) {
		const enc_model *m;
		rc = api_coll_model(c, &st, &m);
		if (!rc)
			rc = api_encode(m, text ? text : "", len, v);
		if (!rc) {
			api_vec_prepare(v, c->rec.dim, c->rec.metric);
			query q = {.v = v};
			rc = search_vec(c, &st, &q, o, out);
		}
		store_txn_abort(&st);
	}
	sl_free(v);
	return rc;
}

/* ---- building blocks for keyword/hybrid search and recommendation ------- */

int api_search_allow(const store_txn *st, uint32_t coll,
                     const semlite_search_opts *o, roaring_bitmap_t **out)
{
	return filter_allow(st, coll, o, out);
}

int api_dense_hits(const store_txn *st, semlite_collection *c, const float *v,
                   const semlite_search_opts *o, const roaring_bitmap_t *allow,
                   size_t want, filt_hit *out, size_t *n)
{
	query q = {.v = v, .dim = c->rec.dim, .metric = c->rec.metric};
	heap h = {0};
	*n = 0;
	q.norm2 = kern_get()->dot_f32(v, v, q.dim);
	h.cap = o->rescore > want ? o->rescore : want;
	h.a = sl_malloc((h.cap ? h.cap : 1) * sizeof *h.a);
	int rc = SEMLITE_OK;
	if (!h.a) {
		rc = sl_err(SEMLITE_NOMEM, "dense search");
		goto out;
	}
	rc = candidates(st, c, &q, o, allow, want, &h);
	for (size_t i = 0; i < h.n && !rc && !h.exact; i++)
		rc = rescore(st, &c->rec, &q, &h.a[i]);
	if (rc)
		goto out;
	qsort(h.a, h.n, sizeof *h.a, cand_cmp);
	*n = h.n < want ? h.n : want;
	for (size_t i = 0; i < *n; i++)
		out[i] = (filt_hit){h.a[i].id, h.a[i].score};
out:
	sl_free(q.code);
	sl_free(h.a);
	return rc;
}

int api_results_from_hits(const store_txn *st, semlite_collection *c,
                          const filt_hit *hits, size_t n, bool with_text,
                          bool dense_scores, semlite_results **out)
{
	const store_dict *dict = NULL;
	store_codec *codec = NULL;
	semlite_results *res = sl_calloc(1, sizeof *res);
	if (!res || !(res->items = sl_calloc(n ? n : 1, sizeof *res->items))) {
		sl_free(res);
		return sl_err(SEMLITE_NOMEM, "results");
	}
	int rc = api_thread_codec(&codec);
	if (!rc)
		rc = api_coll_dict(c, st, &dict);
	if (!rc)
		store_codec_use_dict(codec, dict);
	for (size_t i = 0; i < n && !rc; i++) {
		cand x = {hits[i].score, hits[i].id};
		res->count = i + 1;
		rc = result_fill(st, c->db->serial, codec, &c->rec, &x,
		                 with_text, &res->items[i]);
		if (!dense_scores)
			res->items[i].score = hits[i].score;
	}
	if (rc)
		semlite_results_free(res);
	else
		*out = res;
	return rc;
}
