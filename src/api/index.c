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
 * Write transactions link new nodes through copies of the graph records
 * they read (hnsw_lmdb_wcache). The copies belong to the collection
 * handle and outlive the transaction: the next transaction of the handle
 * reuses them when no other writer committed in between (its LMDB id is
 * the one after the commit they were left valid at), and empties them
 * otherwise, after an abort or replay, and when adapt rewrites the graph
 * in place. At 1M vectors a batch of 1,000 inserts otherwise looked up
 * most of the graph again through the B-tree: such a build took 2.8x as
 * long (bench/RESULTS.md, "Graph copies kept between write transactions").
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
 * valid (database, collection, committed transaction id, and the map's
 * remap count, store_env_map_gen: the map may move when it grows):
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
	uint64_t mapgen;
	bool snap;              /* limit and tomb below are valid */
	uint32_t limit;         /* next internal id */
	roaring_bitmap_t *tomb; /* NULL: nothing deleted */
	/* document records of the snapshot (api_snap_doc); doc_n[id] is
	 * the record's size + 1, 0 = not looked up */
	const uint8_t **doc;
	uint32_t *doc_n;
	uint32_t doc_cap;
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
	hnsw_lmdb_cache_free(&t->cc);
	sl_free(t->doc);
	sl_free(t->doc_n);
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

/* Whether the thread's snapshot state is keyed to (st, serial, coll). */
static bool snap_same(const api_tls *t, const store_txn *st, uint64_t serial,
                      uint32_t coll)
{
	return t->serial == serial && t->coll == coll &&
	       t->txnid == mdb_txn_id(st->txn) &&
	       t->mapgen == store_env_map_gen(st->env);
}

/* Points the thread's snapshot state at (st, serial, coll), cleared when
 * the key changed. */
static void snap_key(api_tls *t, const store_txn *st, uint64_t serial,
                     uint32_t coll)
{
	if (!snap_same(t, st, serial, coll)) {
		hnsw_lmdb_cache_clear(&t->cc);
		if (t->doc_cap)
			memset(t->doc_n, 0,
			       (size_t)t->doc_cap * sizeof *t->doc_n);
		filt_bitmap_free(t->tomb);
		t->tomb = NULL;
		t->snap = false;
	}
	t->serial = serial;
	t->coll = coll;
	t->txnid = mdb_txn_id(st->txn);
	t->mapgen = store_env_map_gen(st->env);
}

/* Room for id in the document pointer arrays (false without memory). */
static bool doc_fit(api_tls *t, uint32_t id)
{
	if (id < t->doc_cap)
		return true;
	if (id >= t->limit)
		return false;
	uint32_t cap = t->limit;
	const uint8_t **d = sl_realloc(t->doc, cap * sizeof *d);
	if (!d)
		return false;
	t->doc = d;
	uint32_t *n = sl_zgrow(t->doc_n, t->doc_cap, cap, sizeof *n);
	if (!n)
		return false;
	t->doc_n = n;
	t->doc_cap = cap;
	return true;
}

int api_snap_doc(const store_txn *st, uint64_t serial, uint32_t coll,
                 uint32_t id, MDB_val *v)
{
	uint8_t k[8];
	api_tls *t = NULL;
	pthread_once(&tls_once, tls_init);
	if (!st->write && !tls_key_rc)
		t = pthread_getspecific(tls_key);
	bool cached =
	    t && t->snap && snap_same(t, st, serial, coll) && doc_fit(t, id);
	if (cached && t->doc_n[id]) {
		v->mv_data = (void *)t->doc[id];
		v->mv_size = t->doc_n[id] - 1;
		return SEMLITE_OK;
	}
	store_key_id(k, coll, id);
	int rc = store_get(st, STORE_DB_DOCS, k, 8, v);
	if (!rc && cached && v->mv_size < UINT32_MAX) {
		t->doc[id] = v->mv_data;
		t->doc_n[id] = (uint32_t)v->mv_size + 1;
	}
	return rc;
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

/* Gives tc the graph record copies for its transaction: the handle's
 * (emptied first unless the last commit that changed the file was the one
 * they were left valid after), or, while another transaction of the handle
 * holds those, copies of its own. Without memory for either, the graph is
 * simply read from LMDB. */
static void graph_borrow(semlite_txn *t, api_tcoll *tc, uint32_t m)
{
	semlite_collection *co = tc->coll;
	size_t id = mdb_txn_id(t->st.txn);
	pthread_mutex_lock(&co->mu);
	if (!co->wgraph_busy && !co->wgraph &&
	    hnsw_lmdb_wcache_new(co->rec.dim, m, &co->wgraph))
		co->wgraph = NULL;
	if (!co->wgraph_busy && co->wgraph) {
		if (co->wgraph_txn + 1 != id)
			hnsw_lmdb_wcache_reset(co->wgraph);
		co->wgraph_busy = true;
		tc->graph = co->wgraph;
		tc->graph_lent = true;
	}
	pthread_mutex_unlock(&co->mu);
	if (!tc->graph && hnsw_lmdb_wcache_new(co->rec.dim, m, &tc->graph))
		tc->graph = NULL;
}

void api_index_forget(semlite_txn *t, api_tcoll *tc)
{
	if (!tc->graph)
		graph_borrow(t, tc, tc->coll->rec.hnsw_m);
	hnsw_lmdb_wcache_reset(tc->graph);
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
		rc = hnsw_lmdb_open(s, &t->st, r, tc->ctr.next_id, tomb);
	if (rc)
		return rc;
	hnsw_lmdb_params(r, &c->p);
	if (!tc->graph)
		graph_borrow(t, tc, c->p.m);
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

void api_index_txn_free(api_tcoll *tc, size_t committed)
{
	if (!tc->graph_lent) {
		hnsw_lmdb_wcache_free(tc->graph);
		tc->graph = NULL;
		return;
	}
	semlite_collection *co = tc->coll;
	pthread_mutex_lock(&co->mu);
	if (!committed)
		hnsw_lmdb_wcache_reset(co->wgraph);
	co->wgraph_txn = committed;
	co->wgraph_busy = false;
	pthread_mutex_unlock(&co->mu);
	tc->graph = NULL;
	tc->graph_lent = false;
}

/* The graph of a read snapshot; *tomb must be freed by the caller. */
static int read_ctx(const store_txn *st, const store_coll_rec *r,
                    roaring_bitmap_t **tomb, hnsw_lmdb *s, hnsw_ctx *c)
{
	uint32_t limit = 0;
	int rc = snap_read(st, r, &limit, tomb);
	if (!rc)
		rc = hnsw_lmdb_open(s, st, r, limit, *tomb);
	if (rc)
		return rc;
	hnsw_lmdb_params(r, &c->p);
	c->ops = &hnsw_lmdb_ops;
	c->store = s;
	return SEMLITE_OK;
}

/* The graph of a read snapshot through the thread's snapshot state. */
static int read_ctx_cached(api_tls *t, const store_txn *st, uint64_t serial,
                           const store_coll_rec *r, hnsw_lmdb *s, hnsw_ctx *c)
{
	snap_key(t, st, serial, r->id);
	if (!t->snap) {
		int rc = snap_read(st, r, &t->limit, &t->tomb);
		if (rc)
			return rc;
		t->snap = true;
	}
	int rc = hnsw_lmdb_open(s, st, r, t->limit, t->tomb);
	if (rc)
		return rc;
	hnsw_lmdb_params(r, &c->p);
	c->ops = &hnsw_lmdb_ops;
	c->store = s;
	/* without memory for the pointer cache the search runs uncached */
	if (!hnsw_lmdb_cache_fit(&t->cc, t->limit))
		hnsw_lmdb_set_cache(s, &t->cc);
	return SEMLITE_OK;
}

int api_index_search(const store_txn *st, uint64_t serial,
                     const store_coll_rec *r, const float *q,
                     const roaring_bitmap_t *allow, uint32_t k, uint32_t ef,
                     hnsw_hit *out, uint32_t *n)
{
	api_tls *t = NULL;
	hnsw_lmdb s;
	hnsw_ctx c;
	int rc = tls_get(&t);
	if (!rc)
		rc = read_ctx_cached(t, st, serial, r, &s, &c);
	if (rc)
		return rc;
	hnsw_search_opts o = {.k = k, .ef = ef, .allow = allow};
	rc = hnsw_search(&c, t->sc, q, &o, out, n);
	hnsw_lmdb_close(&s);
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
