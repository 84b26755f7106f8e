/*
 * txn.c — write transactions: the operation log, map growth with replay,
 * per-collection state, and zstd dictionary training at commit.
 *
 * Each put/delete is applied to the LMDB write transaction at once (so a
 * get inside the transaction sees it) and also logged with private copies
 * of its inputs. When LMDB reports the map full — during an operation or
 * at commit — the LMDB transaction is aborted, the map doubled
 * (store_env_grow) and the log replayed into a fresh transaction: callers
 * never see MDB_MAP_FULL. Replay is deterministic: internal ids are
 * reassigned from the same counters and the encoder is deterministic.
 *
 * State that must be written once per transaction (collection counters,
 * changed bitmaps, a newly trained dictionary) lives here and is written
 * at commit. An error after an operation started writing leaves the
 * transaction failed (LMDB's rule): only abort is allowed then.
 *
 * Dictionary: while a collection has no zstd dictionary, the first
 * documents' payloads are kept as samples; a commit with at least
 * API_DICT_MIN_SAMPLES of them trains a API_DICT_SIZE-byte dictionary and
 * stores it. Documents committed before stay dictionary-less (their frames say
 * so).
 *
 * Rejected: returning SEMLITE_FULL and asking the caller to retry (every
 * caller would need the replay logic) and one huge fixed map (see env.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "api/api.h"

#include <string.h>

static void op_free(api_op *op)
{
	sl_free(op->id);
	sl_free(op->text);
	sl_free(op->meta);
	sl_free(op->vec);
}

static void tcoll_reset(semlite_txn *t)
{
	for (size_t i = 0; i < t->ntc; i++) {
		api_kw_free(t->tc[i].kw);
		sl_free(t->tc[i].samples);
		sl_free(t->tc[i].sample_sizes);
		api_index_txn_free(&t->tc[i], t->st.committed);
	}
	sl_free(t->tc);
	t->tc = NULL;
	t->ntc = 0;
	filt_cache_clear(t->bitmaps);
}

static void txn_free(semlite_txn *t)
{
	store_txn_abort(&t->st);
	if (t->bitmaps)
		tcoll_reset(t);
	filt_cache_free(t->bitmaps);
	store_codec_free(t->codec);
	for (size_t i = 0; i < t->nops; i++)
		op_free(&t->ops[i]);
	sl_free(t->ops);
	sl_free(t->vbuf);
	sl_free(t->cbuf);
	sl_free(t);
}

SEMLITE_API int semlite_txn_begin(semlite_db *db, semlite_txn **out)
{
	if (!db || !out)
		return sl_err(SEMLITE_INVALID, "semlite_txn_begin: NULL");
	*out = NULL;
	semlite_txn *t = sl_calloc(1, sizeof *t);
	if (!t)
		return sl_err(SEMLITE_NOMEM, "semlite_txn_begin");
	t->db = db;
	int rc = filt_cache_new(&t->bitmaps);
	if (!rc)
		rc = store_codec_new(&t->codec);
	if (!rc)
		rc = store_txn_begin(db->env, true, &t->st);
	if (rc) {
		txn_free(t);
		return rc;
	}
	*out = t;
	return SEMLITE_OK;
}

SEMLITE_API void semlite_txn_abort(semlite_txn *t)
{
	if (t)
		txn_free(t);
}

int api_txn_coll(semlite_txn *t, semlite_collection *c, api_tcoll **out)
{
	for (size_t i = 0; i < t->ntc; i++)
		if (t->tc[i].coll->rec.id == c->rec.id) {
			*out = &t->tc[i];
			return SEMLITE_OK;
		}
	int rc = api_coll_check(&t->st, c);
	if (rc)
		return rc;
	api_tcoll *p = sl_realloc(t->tc, (t->ntc + 1) * sizeof *p);
	if (!p)
		return sl_err(SEMLITE_NOMEM, "transaction state");
	t->tc = p;
	api_tcoll *tc = &t->tc[t->ntc];
	memset(tc, 0, sizeof *tc);
	tc->coll = c;
	rc = store_counters_get(&t->st, c->rec.id, &tc->ctr);
	if (!rc)
		rc = api_coll_dict(c, &t->st, &tc->dict);
	if (rc)
		return rc;
	t->ntc++;
	*out = tc;
	return SEMLITE_OK;
}

int api_write(store_env *e, api_write_fn fn, void *arg)
{
	int rc = SEMLITE_OK;
	for (int attempt = 0; attempt < API_MAX_GROWTH; attempt++) {
		store_txn t;
		rc = store_txn_begin(e, true, &t);
		if (rc)
			return rc;
		rc = fn(&t, arg);
		if (rc)
			store_txn_abort(&t);
		else
			rc = store_txn_commit(&t);
		if (rc != SEMLITE_FULL)
			return rc;
		if ((rc = store_env_grow(e)))
			return rc;
	}
	return sl_err(SEMLITE_FULL, "the map kept filling while growing");
}

/* Aborts the LMDB transaction, grows the map and replays the log. */
static int grow_and_replay(semlite_txn *t)
{
	for (int attempt = 0; attempt < API_MAX_GROWTH; attempt++) {
		store_txn_abort(&t->st);
		tcoll_reset(t);
		int rc = store_env_grow(t->db->env);
		if (!rc)
			rc = store_txn_begin(t->db->env, true, &t->st);
		if (rc)
			return rc;
		t->replaying = true;
		for (size_t i = 0; i < t->nops && !rc; i++)
			rc = api_op_apply(t, &t->ops[i]);
		t->replaying = false;
		if (rc != SEMLITE_FULL)
			return rc;
	}
	return sl_err(SEMLITE_FULL, "the map kept filling while growing");
}

bool api_rc_keeps_txn(int rc)
{
	return rc == SEMLITE_INVALID || rc == SEMLITE_NOTFOUND ||
	       rc == SEMLITE_DIM_MISMATCH;
}

/* Applies op and keeps it in the log; takes ownership of op's copies. */
static int txn_do(semlite_txn *t, api_op *op)
{
	if (t->failed) {
		op_free(op);
		return sl_err(SEMLITE_MISUSE,
		              "the transaction failed earlier: abort it");
	}
	if (t->nops == t->cap_ops) {
		size_t cap = t->cap_ops ? t->cap_ops * 2 : 64;
		api_op *p = sl_realloc(t->ops, cap * sizeof *p);
		if (!p) {
			op_free(op);
			return sl_err(SEMLITE_NOMEM, "transaction log");
		}
		t->ops = p;
		t->cap_ops = cap;
	}
	t->ops[t->nops++] = *op;
	int rc = api_op_apply(t, op);
	if (rc == SEMLITE_FULL)
		rc = grow_and_replay(t);
	if (rc) {
		op_free(&t->ops[--t->nops]);
		if (!api_rc_keeps_txn(rc))
			t->failed = true;
	}
	return rc;
}

/* Trains a dictionary from tc's samples and stores it; *trained is false
 * when the samples could not train one (too few or too alike). */
static int train_store(semlite_txn *t, api_tcoll *tc, bool *trained)
{
	uint8_t *dict = sl_malloc(API_DICT_SIZE);
	size_t n;
	*trained = false;
	if (!dict)
		return sl_err(SEMLITE_NOMEM, "zstd dictionary");
	int rc = store_dict_train(tc->samples, tc->sample_sizes, tc->nsamples,
	                          dict, API_DICT_SIZE, &n);
	tc->nsamples = 0;
	tc->samples_len = 0;
	/* Remember the attempt even when the samples could not train a
	 * dictionary (too few or too alike), so the next attempt waits
	 * until the collection grew tenfold. */
	tc->ctr.dict_docs = tc->ctr.live;
	tc->dirty = true;
	if (rc == SEMLITE_INVALID) {
		sl_free(dict);
		return SEMLITE_OK;
	}
	if (!rc)
		rc = store_meta_put(&t->st, 'z', tc->coll->rec.id, dict, n);
	sl_free(dict);
	if (!rc)
		*trained = true;
	return rc;
}

/* Calls fn on every document record of the collection, in id order. The
 * cursor is re-seeked after each call, so fn may rewrite the record it
 * was given (LMDB cursors are not to be trusted across a size-changing
 * overwrite of their own position). */
typedef int (*doc_fn)(semlite_txn *, api_tcoll *, uint32_t, const MDB_val *,
                      size_t, void *);

static int each_doc(semlite_txn *t, api_tcoll *tc, doc_fn fn, void *arg)
{
	MDB_cursor *c;
	int rc =
	    mdb_cursor_open(t->st.txn, store_dbi(&t->st, STORE_DB_DOCS), &c);
	if (rc)
		return store_rc(rc, "docs");
	uint32_t coll = tc->coll->rec.id, next = 0;
	int err = SEMLITE_OK;
	for (size_t i = 0; !err; i++) {
		uint8_t key[8];
		store_key_id(key, coll, next);
		MDB_val k = {8, key}, v;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc || k.mv_size != 8 || store_load_u32be(k.mv_data) != coll)
			break;
		uint32_t id = store_load_u32be((uint8_t *)k.mv_data + 4);
		err = fn(t, tc, id, &v, i, arg);
		if (id == UINT32_MAX)
			break;
		next = id + 1;
	}
	mdb_cursor_close(c);
	if (err)
		return err;
	return rc && rc != MDB_NOTFOUND ? store_rc(rc, "docs") : SEMLITE_OK;
}

static int sample_doc(semlite_txn *t, api_tcoll *tc, uint32_t id,
                      const MDB_val *v, size_t i, void *arg)
{
	(void)id;
	size_t stride = *(size_t *)arg;
	if (i % stride)
		return SEMLITE_OK;
	store_doc d;
	int rc = store_doc_decode(t->codec, v->mv_data, v->mv_size, &d);
	if (!rc)
		api_sample_add(tc, &d);
	return rc;
}

static int recompress_doc(semlite_txn *t, api_tcoll *tc, uint32_t id,
                          const MDB_val *v, size_t i, void *arg)
{
	(void)i;
	store_codec *nc = arg;
	store_doc d;
	const void *frame;
	size_t n;
	uint8_t key[8];
	int rc = store_doc_decode(t->codec, v->mv_data, v->mv_size, &d);
	if (!rc)
		rc = store_doc_encode(nc, &d, &frame, &n);
	if (rc)
		return rc;
	tc->ctr.stored_bytes += n;
	tc->ctr.stored_bytes -= v->mv_size;
	store_key_id(key, tc->coll->rec.id, id);
	return store_put(&t->st, STORE_DB_DOCS, key, 8, frame, n);
}

/* Retrains the dictionary from documents spread over the whole collection
 * and recompresses every document with it, in this transaction. Frames
 * then name only the new dictionary, so no old one must be kept. */
static int retrain(semlite_txn *t, api_tcoll *tc)
{
	size_t stride = tc->ctr.live / API_DICT_TRAIN_SAMPLES;
	bool trained;
	stride = stride ? stride : 1;
	store_codec_use_dict(t->codec, tc->dict);
	int rc = each_doc(t, tc, sample_doc, &stride);
	if (!rc)
		rc = train_store(t, tc, &trained);
	if (rc || !trained)
		return rc;
	store_dict *nd = NULL;
	store_codec *nc = NULL;
	rc = api_dict_load(&t->st, tc->coll->rec.id, &nd);
	if (!rc && !nd) /* train_store just wrote it */
		rc = sl_err(SEMLITE_CORRUPT, "meta: zstd dictionary missing");
	if (!rc)
		rc = store_codec_new(&nc);
	if (!rc) {
		store_codec_use_dict(nc, nd);
		rc = each_doc(t, tc, recompress_doc, nc);
	}
	store_codec_free(nc);
	store_dict_free(nd);
	tc->dict = NULL; /* the handle's is stale within this txn now */
	return rc;
}

/* Trains a first dictionary from this transaction's documents when it
 * brought enough of them; otherwise (re)trains from the stored documents
 * once the collection reached API_DICT_MIN_SAMPLES documents, and again
 * each time it grew tenfold since the last attempt. */
static int maybe_train(semlite_txn *t, api_tcoll *tc)
{
	bool trained;
	if (!tc->dict && tc->nsamples >= API_DICT_MIN_SAMPLES)
		return train_store(t, tc, &trained);
	uint64_t base = tc->ctr.dict_docs > API_DICT_MIN_SAMPLES
	                    ? tc->ctr.dict_docs * 10
	                    : API_DICT_MIN_SAMPLES;
	if (tc->ctr.dict_docs && base < 10 * API_DICT_MIN_SAMPLES)
		base = 10 * API_DICT_MIN_SAMPLES;
	if (tc->ctr.live < base)
		return SEMLITE_OK;
	tc->nsamples = 0;
	tc->samples_len = 0;
	return retrain(t, tc);
}

static int commit_once(semlite_txn *t)
{
	int rc = SEMLITE_OK;
	for (size_t i = 0; i < t->ntc && !rc; i++) {
		api_tcoll *tc = &t->tc[i];
		rc = maybe_train(t, tc);
		if (!rc && tc->dirty)
			rc = store_counters_put(&t->st, tc->coll->rec.id,
			                        &tc->ctr);
		if (!rc)
			rc = api_kw_flush(tc);
	}
	if (!rc)
		rc = filt_cache_flush(t->bitmaps, &t->st);
	if (!rc)
		rc = store_txn_commit(&t->st);
	return rc;
}

SEMLITE_API int semlite_txn_commit(semlite_txn *t)
{
	if (!t)
		return sl_err(SEMLITE_INVALID, "semlite_txn_commit: NULL");
	int rc;
	if (t->failed) {
		rc = sl_err(SEMLITE_MISUSE,
		            "the transaction failed earlier: abort it");
		goto out;
	}
	for (int attempt = 0; attempt < API_MAX_GROWTH; attempt++) {
		rc = commit_once(t);
		if (rc != SEMLITE_FULL || t->unlogged)
			break;
		rc = grow_and_replay(t);
		if (rc)
			break;
	}
out:
	txn_free(t);
	return rc;
}

int api_txn_run(semlite_collection *c, semlite_txn *t, api_op *op)
{
	if (t) {
		if (t->db != c->db) {
			op_free(op);
			return sl_err(SEMLITE_MISUSE,
			              "transaction of another database");
		}
		return txn_do(t, op);
	}
	semlite_txn *own;
	int rc = semlite_txn_begin(c->db, &own);
	if (rc) {
		op_free(op);
		return rc;
	}
	rc = txn_do(own, op);
	if (rc) {
		semlite_txn_abort(own);
		return rc;
	}
	return semlite_txn_commit(own);
}
