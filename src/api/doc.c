/*
 * doc.c — putting, reading and deleting documents.
 *
 * A put writes, in one transaction: the zstd document record (docs), the
 * external->internal id map (ids), the int8 code (codes), the f16/f32
 * copy for rescoring (exact), and the id into the field=value bitmaps of
 * its metadata (through the transaction's bitmap cache). An upsert first
 * retires the old internal id exactly as a delete does: its records go,
 * its id joins the tombstone bitmap, and the new version gets a fresh id.
 * Filter bitmaps keep retired ids; readers subtract the tombstones.
 *
 * Everything that can reject the input (id, metadata JSON, dimension,
 * finiteness, encoding) runs before the first write, so such errors leave
 * the transaction usable.
 */
#define _POSIX_C_SOURCE 200809L
#include "api/api.h"

#include <math.h>
#include <string.h>

int api_id_check(const char *id, size_t *len)
{
	if (!id)
		return sl_err(SEMLITE_INVALID, "document id is NULL");
	size_t n = strlen(id);
	if (n == 0 || n > STORE_MAX_EXT_ID)
		return sl_err(SEMLITE_INVALID,
		              "document id must be 1..%d bytes, got %zu",
		              STORE_MAX_EXT_ID, n);
	*len = n;
	return SEMLITE_OK;
}

static size_t ids_key(uint8_t *k, uint32_t coll, const char *id, size_t n)
{
	store_key_id(k, coll, 0);
	memcpy(k + 4, id, n);
	return n + 4;
}

/* Looks up an external id: SEMLITE_NOTFOUND quietly when absent. */
static int id_lookup(const store_txn *st, uint32_t coll, uint32_t next_id,
                     const char *id, size_t n, uint32_t *out)
{
	uint8_t k[4 + STORE_MAX_EXT_ID];
	MDB_val v;
	int rc = store_get(st, STORE_DB_IDS, k, ids_key(k, coll, id, n), &v);
	if (rc)
		return rc;
	if (v.mv_size != 4 || sl_load_u32le(v.mv_data) >= next_id)
		return sl_err(SEMLITE_CORRUPT, "ids: bad entry for '%.*s'",
		              (int)n, id);
	*out = sl_load_u32le(v.mv_data);
	return SEMLITE_OK;
}

int api_id_lookup(const store_txn *st, uint32_t coll, uint32_t next_id,
                  const char *id, size_t n, uint32_t *out)
{
	return id_lookup(st, coll, next_id, id, n, out);
}

int api_dict_load(const store_txn *st, uint32_t coll, store_dict **out)
{
	const uint8_t *p;
	size_t n;
	*out = NULL;
	int rc = store_meta_get(st, 'z', coll, &p, &n);
	return rc || !p ? rc : store_dict_new(p, n, out);
}

/* Replaces the handle's dictionary with a fresh load (caller holds mu). */
static int dict_reload(semlite_collection *c, const store_txn *st)
{
	store_dict *d;
	int rc = api_dict_load(st, c->rec.id, &d);
	if (rc || !d)
		return rc;
	if (c->dict) {
		store_dict **r =
		    sl_realloc(c->retired, (c->nretired + 1) * sizeof *r);
		if (!r) {
			store_dict_free(d);
			return sl_err(SEMLITE_NOMEM, "zstd dictionary");
		}
		c->retired = r;
		r[c->nretired++] = c->dict;
	}
	c->dict = d;
	return SEMLITE_OK;
}

int api_coll_dict(semlite_collection *c, const store_txn *st,
                  const store_dict **out)
{
	uint8_t k[5];
	MDB_val v;
	*out = NULL;
	store_meta_key(k, 'z', c->rec.id);
	int rc = store_get(st, STORE_DB_META, k, 5, &v);
	if (rc == SEMLITE_NOTFOUND)
		return SEMLITE_OK;
	if (rc)
		return rc;
	/* The id is read from the unchecked bytes; a full (checksummed)
	 * load happens whenever it differs from the cached one. */
	unsigned id =
	    v.mv_size > 4 ? store_dict_id_of(v.mv_data, v.mv_size - 4) : 0;
	pthread_mutex_lock(&c->mu);
	if (!c->dict || !id || store_dict_id(c->dict) != id)
		rc = dict_reload(c, st);
	if (!rc && (!c->dict || store_dict_id(c->dict) != id))
		rc = sl_err(SEMLITE_CORRUPT, "meta: bad zstd dictionary");
	*out = rc ? NULL : c->dict;
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int api_doc_read(const store_txn *st, uint64_t serial, store_codec *codec,
                 uint32_t coll, uint32_t id, store_doc *d)
{
	MDB_val v;
	int rc = api_snap_doc(st, serial, coll, id, &v);
	if (rc == SEMLITE_NOTFOUND)
		return sl_err(SEMLITE_CORRUPT, "docs: record %u missing", id);
	if (!rc)
		rc = store_doc_decode(codec, v.mv_data, v.mv_size, d);
	if (rc)
		sl_err(rc, "collection %u, document %u: %s", coll, id,
		       sl_errmsg());
	return rc;
}

/* Retires internal id `old`: records deleted, id tombstoned. */
static int retire(semlite_txn *t, api_tcoll *tc, uint32_t old)
{
	uint32_t coll = tc->coll->rec.id;
	uint8_t k[8], bk[FILT_KEY_MAX];
	MDB_val v;
	uint64_t payload;
	store_key_id(k, coll, old);
	int rc = api_coll_keywords(&tc->coll->rec) ? api_kw_retire(t, tc, old)
	                                           : SEMLITE_OK;
	if (!rc)
		rc = store_get(&t->st, STORE_DB_DOCS, k, 8, &v);
	if (rc == SEMLITE_NOTFOUND)
		return sl_err(SEMLITE_CORRUPT, "docs: record %u missing", old);
	if (!rc)
		rc = store_doc_payload_size(v.mv_data, v.mv_size, &payload);
	if (rc)
		return rc;
	if (tc->ctr.live == 0 || tc->ctr.payload_bytes < payload ||
	    tc->ctr.stored_bytes < v.mv_size)
		return sl_err(SEMLITE_CORRUPT, "meta: counters out of step");
	tc->ctr.live--;
	tc->ctr.payload_bytes -= payload;
	tc->ctr.stored_bytes -= v.mv_size;
	tc->dirty = true;
	rc = store_del(&t->st, STORE_DB_DOCS, k, 8);
	store_vecs cv = store_vecs_of(&tc->coll->rec, STORE_DB_CODES);
	store_vecs ev = store_vecs_of(&tc->coll->rec, STORE_DB_EXACT);
	if (!rc)
		rc = store_vec_del(&t->st, &cv, old);
	if (!rc && ev.slot)
		rc = store_vec_del(&t->st, &ev, old);
	if (rc == SEMLITE_NOTFOUND)
		rc = sl_err(SEMLITE_CORRUPT, "vector of document %u missing",
		            old);
	if (!rc)
		rc = filt_cache_add(t->bitmaps, &t->st, bk,
		                    filt_key_tombstones(bk, coll), old);
	/* the graph keeps `old` as a tombstoned bridge and reconnects the
	 * nodes that linked to it (index.c) */
	if (!rc && api_coll_indexed(&tc->coll->rec))
		rc = api_index_repair(t, tc, old);
	return rc;
}

int api_vbuf_reserve(semlite_txn *t, uint32_t dim)
{
	if (t->vcap < dim) {
		float *v = sl_realloc(t->vbuf, dim * sizeof *v);
		if (v)
			t->vbuf = v;
		int8_t *c = v ? sl_realloc(t->cbuf, dim) : NULL;
		if (c)
			t->cbuf = c;
		if (!v || !c)
			return sl_err(SEMLITE_NOMEM, "vector buffer");
		t->vcap = dim;
	}
	return SEMLITE_OK;
}

/* The vector of op in t->vbuf: given, or encoded from the text. */
static int op_vector(semlite_txn *t, api_tcoll *tc, const api_op *op)
{
	uint32_t dim = tc->coll->rec.dim;
	int rc0 = api_vbuf_reserve(t, dim);
	if (rc0)
		return rc0;
	if (op->vec) {
		memcpy(t->vbuf, op->vec, dim * sizeof(float));
	} else {
		const enc_model *m;
		int rc = api_coll_model(tc->coll, &t->st, &m);
		if (!rc)
			rc = api_encode(m, op->text, op->text_len, t->vbuf);
		if (rc)
			return rc;
	}
	api_vec_prepare(t->vbuf, dim, tc->coll->rec.metric);
	return SEMLITE_OK;
}

int api_vectors_put(semlite_txn *t, api_tcoll *tc, uint32_t id)
{
	const store_coll_rec *r = &tc->coll->rec;
	store_vecs cv = store_vecs_of(r, STORE_DB_CODES);
	store_vecs ev = store_vecs_of(r, STORE_DB_EXACT);
	void *w;
	int rc = store_vec_put(&t->st, &cv, id, &w);
	if (rc)
		return rc;
	float scale = quant_i8_encode(t->vbuf, r->dim, (int8_t *)w + 8);
	float norm2 = kern_get()->dot_f32(t->vbuf, t->vbuf, r->dim);
	memcpy(w, &scale, 4);
	memcpy((uint8_t *)w + 4, &norm2, 4);
	if (!ev.slot)
		return SEMLITE_OK;
	rc = store_vec_put(&t->st, &ev, id, &w);
	if (rc)
		return rc;
	if (r->precision == STORE_PREC_F16)
		quant_f16_encode(t->vbuf, r->dim, w);
	else
		memcpy(w, t->vbuf, ev.slot);
	return SEMLITE_OK;
}

typedef struct pair_ctx {
	semlite_txn *t;
	uint32_t coll, id;
} pair_ctx;

static int add_pair(void *ctx, const char *f, size_t fl, const char *v,
                    size_t vl)
{
	pair_ctx *p = ctx;
	uint8_t k[FILT_KEY_MAX];
	size_t kl = filt_key_field(k, p->coll, f, fl, v, vl);
	return filt_cache_add(p->t->bitmaps, &p->t->st, k, kl, p->id);
}

/* Keeps the payload as a dictionary training sample. */
static void keep_sample(api_tcoll *tc, const store_doc *d)
{
	if (!tc->dict)
		api_sample_add(tc, d);
}

bool api_sample_add(api_tcoll *tc, const store_doc *d)
{
	size_t n =
	    (size_t)STORE_DOC_HEADER + d->ext_len + d->text_len + d->meta_len;
	if (tc->samples_len + n > API_DICT_MAX_SAMPLE_BYTES)
		return false;
	if (tc->samples_len + n > tc->samples_cap) {
		size_t cap = tc->samples_cap ? tc->samples_cap * 2 : 1 << 16;
		while (cap < tc->samples_len + n)
			cap *= 2;
		uint8_t *p = sl_realloc(tc->samples, cap);
		if (!p)
			return false; /* a sample is an optimisation only */
		tc->samples = p;
		tc->samples_cap = cap;
	}
	size_t *s =
	    sl_realloc(tc->sample_sizes, (tc->nsamples + 1) * sizeof *s);
	if (!s)
		return false;
	tc->sample_sizes = s;
	uint8_t *p = tc->samples + tc->samples_len;
	p[0] = 1;
	sl_store_u32le(p + 1, d->ext_len);
	sl_store_u32le(p + 5, d->text_len);
	sl_store_u32le(p + 9, d->meta_len);
	memcpy(p + STORE_DOC_HEADER, d->ext, d->ext_len);
	if (d->text_len) /* text is NULL for vector-only puts */
		memcpy(p + STORE_DOC_HEADER + d->ext_len, d->text, d->text_len);
	if (d->meta_len) /* meta may be NULL when empty */
		memcpy(p + STORE_DOC_HEADER + d->ext_len + d->text_len, d->meta,
		       d->meta_len);
	tc->sample_sizes[tc->nsamples++] = n;
	tc->samples_len += n;
	return true;
}

static int put_doc_record(semlite_txn *t, api_tcoll *tc, const api_op *op,
                          size_t idlen, uint32_t id)
{
	store_doc d = {op->id,   (uint32_t)idlen,
	               op->text, (uint32_t)op->text_len,
	               op->meta, op->meta ? (uint32_t)strlen(op->meta) : 0};
	const void *frame;
	size_t n;
	uint8_t k[8];
	store_codec_use_dict(t->codec, tc->dict);
	int rc = store_doc_encode(t->codec, &d, &frame, &n);
	store_key_id(k, tc->coll->rec.id, id);
	if (!rc)
		rc =
		    store_put_tail(&t->st, STORE_DB_DOCS, k, 8, frame, n, NULL);
	if (rc)
		return rc;
	keep_sample(tc, &d);
	tc->ctr.payload_bytes +=
	    (size_t)STORE_DOC_HEADER + d.ext_len + d.text_len + d.meta_len;
	tc->ctr.stored_bytes += n;
	return SEMLITE_OK;
}

static int apply_put(semlite_txn *t, api_tcoll *tc, const api_op *op)
{
	uint32_t coll = tc->coll->rec.id, old, id;
	size_t idlen = strlen(op->id);
	int rc = op_vector(t, tc, op);
	if (rc)
		return rc;
	if (tc->ctr.next_id == UINT32_MAX)
		return sl_err(SEMLITE_FULL, "collection '%s': no ids left",
		              tc->coll->name);
	rc = id_lookup(&t->st, coll, tc->ctr.next_id, op->id, idlen, &old);
	if (!rc)
		rc = retire(t, tc, old);
	else if (rc == SEMLITE_NOTFOUND)
		rc = SEMLITE_OK;
	if (rc)
		return rc;
	id = tc->ctr.next_id++;
	tc->ctr.live++;
	tc->dirty = true;
	uint8_t k[4 + STORE_MAX_EXT_ID], v[4];
	sl_store_u32le(v, id);
	rc = store_put(&t->st, STORE_DB_IDS, k, ids_key(k, coll, op->id, idlen),
	               v, 4);
	if (!rc)
		rc = put_doc_record(t, tc, op, idlen, id);
	if (!rc && op->text && api_coll_keywords(&tc->coll->rec))
		rc = api_kw_index(t, tc, id, op->text, op->text_len, false);
	if (!rc)
		rc = api_vectors_put(t, tc, id);
	if (!rc && api_coll_indexed(&tc->coll->rec))
		rc = api_index_insert(t, tc, id);
	if (!rc && op->meta) {
		pair_ctx pc = {t, coll, id};
		rc = filt_meta_scan(op->meta, strlen(op->meta), add_pair, &pc);
	}
	return rc;
}

static int apply_delete(semlite_txn *t, api_tcoll *tc, const api_op *op)
{
	uint32_t coll = tc->coll->rec.id, old = 0;
	size_t idlen = strlen(op->id);
	uint8_t k[4 + STORE_MAX_EXT_ID];
	int rc = id_lookup(&t->st, coll, tc->ctr.next_id, op->id, idlen, &old);
	if (rc == SEMLITE_NOTFOUND)
		return sl_err(SEMLITE_NOTFOUND, "no document '%s'", op->id);
	if (!rc)
		rc = store_del(&t->st, STORE_DB_IDS, k,
		               ids_key(k, coll, op->id, idlen));
	if (!rc)
		rc = retire(t, tc, old);
	return rc;
}

int api_op_apply(semlite_txn *t, const api_op *op)
{
	api_tcoll *tc;
	int rc = api_txn_coll(t, op->coll, &tc);
	if (rc)
		return rc;
	return op->kind == API_OP_PUT ? apply_put(t, tc, op)
	                              : apply_delete(t, tc, op);
}

/* Copies the caller's inputs into op (validated first). */
static int op_make(semlite_collection *c, api_op *op, const char *id,
                   const char *text, size_t text_len, const char *meta)
{
	size_t idlen = 0;
	memset(op, 0, sizeof *op);
	op->coll = c;
	int rc = api_id_check(id, &idlen);
	if (rc)
		return rc;
	if (meta && !*meta)
		meta = NULL;
	if (meta && (rc = filt_meta_scan(meta, strlen(meta), NULL, NULL)))
		return rc;
	if (text_len && !text)
		return sl_err(SEMLITE_INVALID, "text is NULL");
	if (text_len > STORE_MAX_DOC)
		return sl_err(SEMLITE_INVALID, "text of %zu bytes", text_len);
	op->id = sl_strndup(id, idlen);
	op->text = sl_strndup(text ? text : "", text_len);
	op->text_len = text_len;
	op->meta = meta ? sl_strdup(meta) : NULL;
	if (!op->id || !op->text || (meta && !op->meta)) {
		sl_free(op->id);
		sl_free(op->text);
		sl_free(op->meta);
		return sl_err(SEMLITE_NOMEM, "copying a document");
	}
	return SEMLITE_OK;
}

SEMLITE_API int semlite_doc_put(semlite_collection *c, semlite_txn *t,
                                const char *id, const char *text,
                                size_t text_len, const char *metadata)
{
	if (!c)
		return sl_err(SEMLITE_INVALID, "semlite_doc_put: NULL");
	if (!(c->rec.flags & STORE_COLL_HAS_MODEL))
		return sl_err(SEMLITE_INVALID,
		              "collection '%s' has no model: put vectors",
		              c->name);
	api_op op;
	int rc = op_make(c, &op, id, text, text_len, metadata);
	if (rc)
		return rc;
	op.kind = API_OP_PUT;
	return api_txn_run(c, t, &op);
}

SEMLITE_API int semlite_vector_put(semlite_collection *c, semlite_txn *t,
                                   const char *id, const float *vec, size_t dim,
                                   const char *text, size_t text_len,
                                   const char *metadata)
{
	if (!c || !vec)
		return sl_err(SEMLITE_INVALID, "semlite_vector_put: NULL");
	if (dim != c->rec.dim)
		return sl_err(SEMLITE_DIM_MISMATCH,
		              "vector of dimension %zu, collection has %u", dim,
		              c->rec.dim);
	for (size_t i = 0; i < dim; i++)
		if (!isfinite(vec[i]))
			return sl_err(SEMLITE_INVALID,
			              "vector element %zu is not finite", i);
	api_op op;
	int rc = op_make(c, &op, id, text, text_len, metadata);
	if (rc)
		return rc;
	op.kind = API_OP_PUT;
	op.vec = sl_malloc(dim * sizeof(float));
	if (!op.vec) {
		op.kind = API_OP_DELETE;
		sl_free(op.id);
		sl_free(op.text);
		sl_free(op.meta);
		return sl_err(SEMLITE_NOMEM, "copying a vector");
	}
	memcpy(op.vec, vec, dim * sizeof(float));
	return api_txn_run(c, t, &op);
}

SEMLITE_API int semlite_doc_delete(semlite_collection *c, semlite_txn *t,
                                   const char *id)
{
	if (!c)
		return sl_err(SEMLITE_INVALID, "semlite_doc_delete: NULL");
	api_op op;
	int rc = op_make(c, &op, id, NULL, 0, NULL);
	if (rc)
		return rc;
	op.kind = API_OP_DELETE;
	return api_txn_run(c, t, &op);
}

SEMLITE_API void semlite_doc_free(semlite_doc *d)
{
	if (!d)
		return;
	sl_free(d->id);
	sl_free(d->text);
	sl_free(d->metadata);
	sl_free(d);
}

static int doc_copy(const store_doc *d, semlite_doc **out)
{
	semlite_doc *r = sl_calloc(1, sizeof *r);
	if (!r)
		return sl_err(SEMLITE_NOMEM, "document");
	r->id = sl_strndup(d->ext, d->ext_len);
	r->text = sl_strndup(d->text, d->text_len);
	r->text_len = d->text_len;
	r->metadata = sl_strndup(d->meta, d->meta_len);
	if (!r->id || !r->text || !r->metadata) {
		semlite_doc_free(r);
		return sl_err(SEMLITE_NOMEM, "document");
	}
	*out = r;
	return SEMLITE_OK;
}

/* next_id: the collection's id bound (from the writer's counters when
 * reading inside a write transaction), or 0 to read the stored one. */
static int doc_get(semlite_collection *c, const store_txn *st, uint32_t next_id,
                   const char *id, size_t idlen, semlite_doc **out)
{
	store_counters ctr = {0};
	store_codec *codec = NULL;
	store_doc d;
	uint32_t iid;
	int rc = api_coll_check(st, c);
	if (!rc && !next_id)
		rc = store_counters_get(st, c->rec.id, &ctr);
	if (!rc && !next_id)
		next_id = ctr.next_id;
	if (!rc)
		rc = id_lookup(st, c->rec.id, next_id, id, idlen, &iid);
	if (rc == SEMLITE_NOTFOUND)
		return sl_err(SEMLITE_NOTFOUND, "no document '%s'", id);
	if (!rc)
		rc = store_codec_new(&codec);
	const store_dict *dict = NULL;
	if (!rc)
		rc = api_coll_dict(c, st, &dict);
	if (!rc) {
		store_codec_use_dict(codec, dict);
		rc = api_doc_read(st, c->db->serial, codec, c->rec.id, iid, &d);
	}
	if (!rc && (d.ext_len != idlen || memcmp(d.ext, id, idlen)))
		rc = sl_err(SEMLITE_CORRUPT,
		            "docs: record %u belongs to another id", iid);
	if (!rc)
		rc = doc_copy(&d, out);
	store_codec_free(codec);
	return rc;
}

SEMLITE_API int semlite_doc_get(semlite_collection *c, semlite_txn *t,
                                const char *id, semlite_doc **out)
{
	if (!c || !out)
		return sl_err(SEMLITE_INVALID, "semlite_doc_get: NULL");
	*out = NULL;
	size_t idlen = 0;
	int rc = api_id_check(id, &idlen);
	if (rc)
		return rc;
	if (t) {
		if (t->failed)
			return sl_err(SEMLITE_MISUSE, "transaction failed");
		/* The writer's counters are ahead of the stored ones. */
		api_tcoll *tc;
		rc = api_txn_coll(t, c, &tc);
		if (rc)
			return rc;
		return doc_get(c, &t->st, tc->ctr.next_id ? tc->ctr.next_id : 1,
		               id, idlen, out);
	}
	store_txn st;
	rc = store_txn_begin(c->db->env, false, &st);
	if (rc)
		return rc;
	rc = doc_get(c, &st, 0, id, idlen, out);
	store_txn_abort(&st);
	return rc;
}
