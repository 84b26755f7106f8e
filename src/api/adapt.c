/*
 * adapt.c — semlite_collection_adapt(): the collection's encoder continues
 * training on the collection's own documents, then every document is
 * re-encoded and the HNSW graph rebuilt.
 *
 * Two phases. Training (minutes) reads the texts from a read snapshot, so
 * writers are not held up while it runs; the model half lives in
 * encoder/train_adapt.c behind api_model_adapt (model.c). Then ONE write
 * transaction stores the new model blob, points the collection record at
 * it (dropping the old blob unless another collection pins it), clears
 * the collection's graph, and re-encodes and re-inserts every live
 * document — including any written between the two phases. Readers see
 * the old model, old vectors and old graph until the commit; any error
 * aborts the transaction and leaves the database as it was.
 *
 * The write transaction's changes are not in the op log that txn.c
 * replays after growing a full map (they are far too many to log cheaply,
 * and the work is deterministic): the transaction is marked unlogged, and
 * on SEMLITE_FULL the whole write phase is redone after growing the map.
 *
 * Rejected: rebuilding the graph in place by repairing every node (the
 * old links reflect the old geometry; a fresh build is both simpler and
 * better), and a new collection swapped in by name (ids, bitmaps, keyword
 * postings and the zstd dictionary would all be copied for nothing).
 */
#include "api/api.h"

#include <string.h>

SEMLITE_API void semlite_adapt_opts_init(semlite_adapt_opts *o)
{
	if (!o)
		return;
	memset(o, 0, sizeof *o);
	o->epochs = 5;
	o->threads = 1;
	o->seed = 42;
	o->add_vocab = 5000;
	o->min_count = 5;
	o->window = 5;
	o->train_dim = 128;
	o->init_model = 0;
	o->mix = 0;
	o->mix_k = 100;
	o->sif_a = 3e-5;
	o->n_common = 1;
	o->lsa_dim = 192;
	o->lsa_share = 0.7;
	o->lsa_iters = 4;
	o->lsa_power = 0;
}

static int check_opts(const semlite_adapt_opts *o, uint32_t dim)
{
	if (!o->epochs || o->epochs > 1000 || !o->threads || o->threads > 256 ||
	    o->add_vocab > (1u << 22) || !o->window || o->window > 64 ||
	    !o->train_dim || !(o->mix >= 0) || o->mix > 1 ||
	    !(o->mix_k > -1e300) || !(o->sif_a < 1) || o->n_common > dim ||
	    !(o->lsa_share >= 0) || o->lsa_share > 1 || o->lsa_iters > 100 ||
	    !(o->lsa_power >= -4) || o->lsa_power > 4)
		return sl_err(
		    SEMLITE_INVALID,
		    "adapt: epochs 1..1000, threads 1..256, "
		    "window 1..64, train_dim >= 1, mix 0..1, sif_a < 1, "
		    "n_common <= %u, lsa_share 0..1, "
		    "lsa_iters <= 100, lsa_power -4..4",
		    dim);
	return SEMLITE_OK;
}

/* ---- phase 1: the texts of a snapshot ----------------------------------- */

typedef struct text_src {
	const store_txn *st;
	store_codec *codec;
	uint32_t coll;
	size_t ntexts;
} text_src;

/* Calls fn(ctx, id, record) for every document record of collection
 * coll, in id order. */
typedef int (*rec_fn)(void *ctx, uint32_t id, const MDB_val *v);

static int each_record(const store_txn *st, uint32_t coll, rec_fn fn, void *ctx)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(st->txn, store_dbi(st, STORE_DB_DOCS), &cur);
	if (rc)
		return store_rc(rc, "docs");
	uint8_t key[8];
	store_key_id(key, coll, 0);
	MDB_val k = {8, key}, v;
	int err = SEMLITE_OK;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (!rc && !err && k.mv_size == 8 &&
	       store_load_u32be(k.mv_data) == coll) {
		err = fn(ctx, store_load_u32be((uint8_t *)k.mv_data + 4), &v);
		if (!err)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (err)
		return err;
	return rc && rc != MDB_NOTFOUND ? store_rc(rc, "docs") : SEMLITE_OK;
}

typedef struct text_call {
	text_src *src;
	api_text_fn fn;
	void *ctx;
} text_call;

static int text_of_record(void *ctx, uint32_t id, const MDB_val *v)
{
	text_call *tc = ctx;
	store_doc d;
	int rc = store_doc_decode(tc->src->codec, v->mv_data, v->mv_size, &d);
	if (rc)
		return sl_err(rc, "document %u: %s", id, sl_errmsg());
	if (!d.text_len)
		return SEMLITE_OK;
	tc->src->ntexts++;
	return tc->fn(tc->ctx, d.text, d.text_len);
}

static int each_text(void *src, api_text_fn fn, void *fn_ctx)
{
	text_src *s = src;
	text_call tc = {s, fn, fn_ctx};
	s->ntexts = 0;
	int rc = each_record(s->st, s->coll, text_of_record, &tc);
	if (!rc && !s->ntexts)
		rc = sl_err(SEMLITE_INVALID,
		            "adapt: the collection's documents have no text");
	return rc;
}

/* Trains the adapted model on the last committed snapshot. */
static int train_phase(semlite_collection *c, const semlite_adapt_opts *o,
                       uint8_t **blob, size_t *len)
{
	store_txn st;
	store_coll_rec r;
	store_counters ctr;
	const store_dict *dict = NULL;
	uint8_t *old = NULL;
	text_src src = {&st, NULL, c->rec.id, 0};
	int rc = store_txn_begin(c->db->env, false, &st);
	if (rc)
		return rc;
	rc = store_coll_get(&st, c->name, &r);
	if (rc == SEMLITE_NOTFOUND || (!rc && r.id != c->rec.id))
		rc = sl_err(SEMLITE_NOTFOUND, "collection '%s' was dropped",
		            c->name);
	if (!rc)
		rc = store_counters_get(&st, r.id, &ctr);
	if (!rc && !ctr.live)
		rc = sl_err(SEMLITE_INVALID, "adapt: collection '%s' is empty",
		            c->name);
	if (!rc)
		rc = store_model_get(&st, r.model_hash, r.model_len,
		                     r.model_chunks, &old);
	if (!rc)
		rc = store_codec_new(&src.codec);
	if (!rc)
		rc = api_coll_dict(c, &st, &dict);
	if (!rc) {
		store_codec_use_dict(src.codec, dict);
		rc = api_model_adapt(old, (size_t)r.model_len, each_text, &src,
		                     o, blob, len);
	}
	store_codec_free(src.codec);
	sl_free(old);
	store_txn_abort(&st);
	return rc;
}

/* ---- phase 2: one write transaction ------------------------------------- */

/* Points the collection at the new blob; drops the old one unless another
 * collection pins it. */
static int swap_model(semlite_txn *t, semlite_collection *c,
                      const uint8_t *blob, size_t len)
{
	store_coll_rec r;
	bool shared = true;
	int rc = store_coll_get(&t->st, c->name, &r);
	uint64_t old = r.model_hash;
	if (!rc)
		rc = store_model_put(&t->st, blob, len, &r.model_hash,
		                     &r.model_chunks);
	r.model_len = len;
	if (!rc)
		rc = store_coll_put(&t->st, c->name, &r);
	if (!rc && old != r.model_hash)
		rc = api_model_shared(&t->st, old, &shared);
	if (!rc && !shared)
		rc = store_model_del(&t->st, old);
	return rc;
}

/* Deletes the collection's graph: every links record, the entry point
 * and the measured search breadth (the vectors change). */
static int clear_graph(semlite_txn *t, uint32_t coll)
{
	uint8_t k[8], mk[5];
	store_key_id(k, coll, 0);
	int rc = store_del_prefix(&t->st, STORE_DB_LINKS, k, 4);
	for (const char *kind = "he"; !rc && *kind; kind++) {
		store_meta_key(mk, *kind, coll);
		rc = store_del(&t->st, STORE_DB_META, mk, 5);
		rc = rc == SEMLITE_NOTFOUND ? SEMLITE_OK : rc;
	}
	return rc;
}

typedef struct id_list {
	uint32_t *ids;
	size_t n, cap;
} id_list;

static int add_id(void *ctx, uint32_t id, const MDB_val *v)
{
	id_list *l = ctx;
	(void)v;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		uint32_t *p = sl_realloc(l->ids, cap * sizeof *p);
		if (!p)
			return sl_err(SEMLITE_NOMEM, "adapt: id list");
		l->ids = p;
		l->cap = cap;
	}
	l->ids[l->n++] = id;
	return SEMLITE_OK;
}

/* Re-encodes document id with m and inserts it into the graph. */
static int reencode(semlite_txn *t, api_tcoll *tc, const enc_model *m,
                    uint32_t id)
{
	const store_coll_rec *r = &tc->coll->rec;
	store_doc d;
	store_codec_use_dict(t->codec, tc->dict);
	int rc =
	    api_doc_read(&t->st, tc->coll->db->serial, t->codec, r->id, id, &d);
	if (!rc)
		rc = api_encode(m, d.text, d.text_len, t->vbuf);
	if (rc)
		return rc;
	api_vec_prepare(t->vbuf, r->dim, r->metric);
	rc = api_vectors_put(t, tc, id);
	if (rc || !api_coll_indexed(r))
		return rc;
	return api_index_insert(t, tc, id);
}

static void report(const semlite_adapt_opts *o, size_t i, size_t n)
{
	if (o->progress && (i % 256 == 0 || i == n))
		o->progress(o->progress_ctx, "encoding",
		            n ? (double)i / (double)n : 1, 0, 0, 0);
}

/* The write transaction; commits, or aborts and returns the error. */
static int write_phase(semlite_collection *c, const uint8_t *blob, size_t len,
                       const enc_model *m, const semlite_adapt_opts *o)
{
	semlite_txn *t = NULL;
	api_tcoll *tc = NULL;
	id_list l = {0};
	int rc = semlite_txn_begin(c->db, &t);
	if (rc)
		return rc;
	t->unlogged = true;
	rc = api_txn_coll(t, c, &tc);
	if (!rc)
		rc = api_vbuf_reserve(t, c->rec.dim);
	if (!rc)
		rc = swap_model(t, c, blob, len);
	if (!rc)
		rc = clear_graph(t, c->rec.id);
	if (!rc) /* copies of the old codes and links are stale now */
		api_index_forget(t, tc);
	if (!rc)
		rc = each_record(&t->st, c->rec.id, add_id, &l);
	if (!rc)
		report(o, 0, l.n);
	for (size_t i = 0; i < l.n && !rc; i++) {
		rc = reencode(t, tc, m, l.ids[i]);
		report(o, i + 1, l.n);
	}
	sl_free(l.ids);
	if (rc) {
		semlite_txn_abort(t);
		return rc;
	}
	return semlite_txn_commit(t);
}

SEMLITE_API int semlite_collection_adapt(semlite_collection *c,
                                         const semlite_adapt_opts *opts)
{
	if (!c)
		return sl_err(SEMLITE_INVALID,
		              "semlite_collection_adapt: NULL");
	semlite_adapt_opts o;
	if (opts)
		o = *opts;
	else
		semlite_adapt_opts_init(&o);
	if (!(c->rec.flags & STORE_COLL_HAS_MODEL))
		return sl_err(SEMLITE_INVALID,
		              "adapt: collection '%s' has no model "
		              "(vector-only): there is no encoder to adapt",
		              c->name);
	int rc = check_opts(&o, c->rec.dim);
	if (rc)
		return rc;
	uint8_t *blob = NULL;
	size_t len = 0;
	enc_model *m = NULL;
	rc = train_phase(c, &o, &blob, &len);
	if (!rc)
		rc = api_model_from_blob(blob, len, &m);
	for (int i = 0; !rc; i++) {
		rc = write_phase(c, blob, len, m, &o);
		if (rc != SEMLITE_FULL || i + 1 == API_MAX_GROWTH)
			break;
		rc = store_env_grow(c->db->env);
	}
	api_model_free(m);
	sl_free(blob);
	return rc;
}
