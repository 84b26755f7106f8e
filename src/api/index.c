/*
 * index.c — the HNSW index of every collection, plugged into the write
 * path (put → insert, retire → repair), the search path (candidates from
 * the graph unless `exact`) and the integrity check.
 *
 * The graph lives in the same LMDB transaction as the documents
 * (hnsw_lmdb.h), so a put is atomic with its links and a crashed writer
 * leaves the graph exactly as the last commit had it. Deleting a document
 * removes its vectors at once (storage's rule) and tombstones its id; the
 * node stays in the graph as a bridge with no code, and its neighbours are
 * repaired inside the same transaction.
 *
 * Search state (visited stamps, heaps) is per thread: one hnsw_scratch per
 * thread in a pthread key, created on first use and freed when the thread
 * ends, so a search allocates nothing once warm. Rejected: a scratch per
 * call (the visited array of a 1M collection is 4 MB to zero each query)
 * and a pool on the collection handle (a lock on every search).
 */
#include "api/api.h"
#include "index/hnsw_lmdb.h"

#include <string.h>

/* Per-thread search state: the scratch, and what the thread learned of
 * the last read snapshot, keyed by what makes a pointer into the map
 * valid (database, collection, committed transaction id, map address):
 * the code-pointer cache (hnsw_lmdb_set_cache), the id limit and the
 * tombstones. A snapshot with the same key holds the same bytes, so a
 * query on it skips re-reading the counters and the tombstone bitmap. */
typedef struct api_tls {
	hnsw_scratch *sc;
	store_codec *codec; /* document decoding for result assembly */
	hnsw_lmdb_cache cc;
	uint32_t coll;
	uint64_t serial;
	size_t txnid;
	void *map;
	bool snap;              /* limit and tomb below are valid */
	uint32_t limit;         /* next internal id */
	roaring_bitmap_t *tomb; /* NULL: nothing deleted */
} api_tls;

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static int tls_key_rc;

static void tls_free(void *p)
{
	api_tls *t = p;
	hnsw_scratch_free(t->sc);
	store_codec_free(t->codec);
	filt_bitmap_free(t->tomb);
	sl_free(t->cc.code);
	sl_free(t->cc.l0);
	sl_free(t->cc.l0n);
	sl_free(t->cc.exact);
	sl_free(t);
}

static void tls_init(void)
{
	tls_key_rc = pthread_key_create(&tls_key, tls_free);
}

static int tls_get(api_tls **out)
{
	pthread_once(&tls_once, tls_init);
	if (tls_key_rc)
		return sl_err(SEMLITE_NOMEM, "hnsw: no thread key");
	api_tls *t = pthread_getspecific(tls_key);
	if (!t) {
		t = sl_calloc(1, sizeof *t);
		if (!t || hnsw_scratch_new(&t->sc)) {
			sl_free(t);
			return sl_err(SEMLITE_NOMEM, "hnsw: thread state");
		}
		if (pthread_setspecific(tls_key, t)) {
			tls_free(t);
			return sl_err(SEMLITE_NOMEM, "hnsw: thread state");
		}
	}
	*out = t;
	return SEMLITE_OK;
}

static int scratch_get(hnsw_scratch **out)
{
	api_tls *t;
	int rc = tls_get(&t);
	if (!rc)
		*out = t->sc;
	return rc;
}

int api_thread_codec(store_codec **out)
{
	api_tls *t = NULL;
	int rc = tls_get(&t);
	if (!rc && !t->codec)
		rc = store_codec_new(&t->codec);
	if (!rc)
		*out = t->codec;
	return rc;
}

/* Grows the cache arrays to cap entries (new entries "not looked up"). */
static int cache_grow(hnsw_lmdb_cache *c, uint32_t cap)
{
	const uint8_t **code = sl_realloc(c->code, cap * sizeof *code);
	if (code)
		c->code = code;
	const uint8_t **l0 = sl_realloc(c->l0, cap * sizeof *l0);
	if (l0)
		c->l0 = l0;
	uint32_t *l0n = sl_realloc(c->l0n, cap * sizeof *l0n);
	if (l0n)
		c->l0n = l0n;
	const uint8_t **ex = sl_realloc(c->exact, cap * sizeof *ex);
	if (ex)
		c->exact = ex;
	if (!code || !l0 || !l0n || !ex)
		return SEMLITE_NOMEM;
	memset(c->code + c->cap, 0, (size_t)(cap - c->cap) * sizeof *code);
	memset(c->exact + c->cap, 0, (size_t)(cap - c->cap) * sizeof *ex);
	memset(c->l0n + c->cap, 0, (size_t)(cap - c->cap) * sizeof *l0n);
	c->cap = cap;
	return SEMLITE_OK;
}

/* Points the thread's snapshot state at (st, serial, coll): cleared when
 * the key changed. false when the key cannot be read (no caching). */
static bool snap_key(api_tls *t, const store_txn *st, uint64_t serial,
                     uint32_t coll)
{
	MDB_envinfo info;
	size_t txnid = mdb_txn_id(st->txn);
	if (mdb_env_info(mdb_txn_env(st->txn), &info))
		return false;
	bool same = t->serial == serial && t->coll == coll &&
	            t->txnid == txnid && t->map == info.me_mapaddr;
	hnsw_lmdb_cache *c = &t->cc;
	if (!same) {
		if (c->cap) {
			memset(c->code, 0, (size_t)c->cap * sizeof *c->code);
			memset(c->l0n, 0, (size_t)c->cap * sizeof *c->l0n);
			memset(c->exact, 0, (size_t)c->cap * sizeof *c->exact);
		}
		c->entry_known = false;
		filt_bitmap_free(t->tomb);
		t->tomb = NULL;
		t->snap = false;
	}
	t->serial = serial;
	t->coll = coll;
	t->txnid = txnid;
	t->map = info.me_mapaddr;
	return true;
}

/* The id limit and tombstones of collection r in st (*tomb NULL when
 * none is deleted; the caller frees it). */
static int snap_read(const store_txn *st, const store_coll_rec *r,
                     uint32_t *limit, roaring_bitmap_t **tomb)
{
	uint8_t k[FILT_KEY_MAX];
	store_counters ctr;
	int rc = store_counters_get(st, r->id, &ctr);
	if (!rc)
		rc = filt_bitmap_load(st, k, filt_key_tombstones(k, r->id),
		                      tomb);
	if (rc)
		return rc;
	if (roaring_bitmap_is_empty(*tomb)) {
		filt_bitmap_free(*tomb);
		*tomb = NULL;
	}
	*limit = ctr.next_id;
	return SEMLITE_OK;
}

/* The graph of a write transaction's collection. */
static int write_ctx(semlite_txn *t, api_tcoll *tc, hnsw_lmdb *s, hnsw_ctx *c)
{
	const store_coll_rec *r = &tc->coll->rec;
	uint8_t k[FILT_KEY_MAX];
	roaring_bitmap_t *tomb;
	int rc = filt_cache_get(t->bitmaps, &t->st, k,
	                        filt_key_tombstones(k, r->id), &tomb);
	if (!rc)
		rc = hnsw_lmdb_open(s, &t->st, r->id, r->dim, r->precision,
		                    tc->ctr.next_id, tomb);
	if (rc)
		return rc;
	hnsw_lmdb_params(r, &c->p);
	/* the transaction's record copies; without memory for them the
	 * graph is simply read from LMDB */
	if (!tc->graph && hnsw_lmdb_wcache_new(r->dim, c->p.m, &tc->graph))
		tc->graph = NULL;
	hnsw_lmdb_set_wcache(s, tc->graph);
	c->ops = &hnsw_lmdb_ops;
	c->store = s;
	return SEMLITE_OK;
}

int api_index_insert(semlite_txn *t, api_tcoll *tc, uint32_t id)
{
	hnsw_scratch *sc = NULL;
	hnsw_lmdb s;
	hnsw_ctx c;
	int rc = scratch_get(&sc);
	if (!rc)
		rc = write_ctx(t, tc, &s, &c);
	if (rc)
		return rc;
	rc = hnsw_insert(&c, sc, id);
	hnsw_lmdb_close(&s);
	return rc;
}

int api_index_repair(semlite_txn *t, api_tcoll *tc, uint32_t id)
{
	hnsw_scratch *sc = NULL;
	hnsw_lmdb s;
	hnsw_ctx c;
	int rc = scratch_get(&sc);
	if (!rc)
		rc = write_ctx(t, tc, &s, &c);
	if (rc)
		return rc;
	hnsw_lmdb_wcache_forget(tc->graph, id); /* its vectors are gone */
	rc = hnsw_repair(&c, sc, id);
	hnsw_lmdb_close(&s);
	return rc;
}

void api_index_txn_free(api_tcoll *tc)
{
	hnsw_lmdb_wcache_free(tc->graph);
	tc->graph = NULL;
}

/* The graph of a read snapshot; *tomb must be freed by the caller. */
static int read_ctx(const store_txn *st, const store_coll_rec *r,
                    roaring_bitmap_t **tomb, hnsw_lmdb *s, hnsw_ctx *c)
{
	uint32_t limit = 0;
	int rc = snap_read(st, r, &limit, tomb);
	if (!rc)
		rc = hnsw_lmdb_open(s, st, r->id, r->dim, r->precision, limit,
		                    *tomb);
	if (rc)
		return rc;
	hnsw_lmdb_params(r, &c->p);
	c->ops = &hnsw_lmdb_ops;
	c->store = s;
	return SEMLITE_OK;
}

/* The graph of a read snapshot through the thread's snapshot state. */
static int read_ctx_cached(api_tls *t, const store_txn *st, uint64_t serial,
                           const store_coll_rec *r, roaring_bitmap_t **own,
                           hnsw_lmdb *s, hnsw_ctx *c)
{
	if (!snap_key(t, st, serial, r->id))
		return read_ctx(st, r, own, s, c);
	if (!t->snap) {
		int rc = snap_read(st, r, &t->limit, &t->tomb);
		if (rc)
			return rc;
		t->snap = true;
	}
	int rc = hnsw_lmdb_open(s, st, r->id, r->dim, r->precision, t->limit,
	                        t->tomb);
	if (rc)
		return rc;
	hnsw_lmdb_params(r, &c->p);
	c->ops = &hnsw_lmdb_ops;
	c->store = s;
	/* without memory for the pointer cache the search runs uncached */
	if (t->limit <= t->cc.cap || !cache_grow(&t->cc, t->limit))
		hnsw_lmdb_set_cache(s, &t->cc);
	return SEMLITE_OK;
}

int api_index_search(const store_txn *st, uint64_t serial,
                     const store_coll_rec *r, const float *q,
                     const roaring_bitmap_t *allow, uint32_t k, uint32_t ef,
                     hnsw_hit *out, uint32_t *n)
{
	api_tls *t = NULL;
	roaring_bitmap_t *own = NULL;
	hnsw_lmdb s;
	hnsw_ctx c;
	int rc = tls_get(&t);
	if (!rc)
		rc = read_ctx_cached(t, st, serial, r, &own, &s, &c);
	if (rc) {
		filt_bitmap_free(own);
		return rc;
	}
	hnsw_search_opts o = {.k = k, .ef = ef, .allow = allow};
	rc = hnsw_search(&c, t->sc, q, &o, out, n);
	hnsw_lmdb_close(&s);
	filt_bitmap_free(own);
	return rc;
}

int api_index_check(const store_txn *st, const store_coll_rec *r)
{
	roaring_bitmap_t *tomb = NULL;
	hnsw_lmdb s;
	hnsw_ctx c;
	int rc = read_ctx(st, r, &tomb, &s, &c);
	if (!rc) {
		rc = hnsw_check(&c);
		hnsw_lmdb_close(&s);
	}
	filt_bitmap_free(tomb);
	return rc;
}
