/*
 * compact.c — semlite_collection_compact(): removes a collection's
 * tombstones for good.
 *
 * A delete (or the old version of an upsert) leaves its internal id behind
 * as a tombstone: the document, id map, postings and vectors go at once
 * (doc.c), but the HNSW node stays as a bridge that searches walk through,
 * the id stays in the filter bitmaps (readers subtract the tombstones) and
 * in the tombstone bitmap itself. Compaction ends all three, in one write
 * transaction so a reader or a crash sees the collection either before or
 * after:
 *
 *   1. the graph: every live node that links to a tombstone gets its list
 *      re-chosen with the heuristic from its live neighbours plus the live
 *      neighbours of its deleted ones, tombstoned nodes are dropped with
 *      their link records (and any vector left), the entry point moves to
 *      a live node of the highest level, and a live node left without
 *      level-0 links is linked again (hnsw_compact(), hnsw_delete.c);
 *   2. the field=value filter bitmaps lose the tombstoned ids;
 *   3. the tombstone bitmap is emptied and the ids are counted in the
 *      collection's 'p' meta record ("purged"), so the integrity check's
 *      books still balance: live + tombstoned + purged = next internal id.
 *      Internal ids are still never reused (format.h).
 *
 * The map may fill while the links are rewritten (copy-on-write pages):
 * the transaction is then aborted, the map grown and compaction started
 * over, as collection creation does. The work is deterministic, so the
 * retry does the same thing.
 *
 * Not automatic: compaction visits every node of the collection (cost in
 * the collection's size, not in the tombstones'), so running it inside the
 * commit of a delete once tombstones pass some fraction would make one
 * unlucky delete as slow as a rebuild of the links. Repair already keeps
 * recall while tombstones accumulate; the caller runs compaction when it
 * suits it (`semlite compact`), and `semlite stats` shows the tombstones.
 *
 * Rejected: rebuilding the graph from scratch (an insert per live node,
 * far slower than re-choosing only the lists that touch a tombstone) and
 * reusing purged ids (every id-keyed structure would have to prove it no
 * longer knows the old document).
 */
#include "api/api.h"
#include "index/hnsw_lmdb.h"

#include <string.h>

/* LMDB's default largest key (511 bytes) */
#define WALK_KEY_MAX 511

int api_purged_get(const store_txn *st, uint32_t coll, uint64_t *out)
{
	const uint8_t *p;
	size_t n;
	*out = 0;
	int rc = store_meta_get(st, 'p', coll, &p, &n);
	if (rc || !p)
		return rc;
	if (n != 8)
		return sl_err(SEMLITE_CORRUPT,
		              "meta: purged-ids record of collection %u has "
		              "%zu bytes",
		              coll, n);
	*out = sl_load_u64le(p);
	return SEMLITE_OK;
}

static int purged_add(const store_txn *st, uint32_t coll, uint64_t n)
{
	uint64_t had;
	uint8_t v[8];
	int rc = api_purged_get(st, coll, &had);
	if (rc)
		return rc;
	sl_store_u64le(v, had + n);
	return store_meta_put(st, 'p', coll, v, 8);
}

/* Refuses to work on counters that disagree with the tombstones (the
 * walk over every id below next_id would trust a damaged next_id). */
static int books_check(const store_txn *st, uint32_t coll,
                       const store_counters *ctr, uint64_t tombs)
{
	uint64_t purged;
	int rc = api_purged_get(st, coll, &purged);
	if (rc)
		return rc;
	if ((uint64_t)ctr->live + tombs + purged != ctr->next_id)
		return sl_err(SEMLITE_CORRUPT,
		              "meta: collection %u counts %u live + %llu "
		              "tombstoned + %llu compacted ids, next id %u",
		              coll, ctr->live, (unsigned long long)tombs,
		              (unsigned long long)purged, ctr->next_id);
	return SEMLITE_OK;
}

/* Step 1: the graph, through the LMDB store of the index. */
static int graph_compact(const store_txn *st, const store_coll_rec *r,
                         uint32_t next_id, const roaring_bitmap_t *tomb,
                         uint32_t *dropped)
{
	hnsw_scratch *sc = NULL;
	hnsw_lmdb s;
	hnsw_ctx c;
	int rc = hnsw_scratch_new(&sc);
	if (rc)
		return rc;
	rc = hnsw_lmdb_open(&s, st, r, next_id, tomb);
	if (!rc) {
		hnsw_lmdb_params(r, &c.p);
		c.ops = &hnsw_lmdb_ops;
		c.store = &s;
		/* a damaged graph is reported, not rewritten into another
		 * damaged one */
		rc = hnsw_check(&c);
		if (!rc)
			rc = hnsw_compact(&c, sc, dropped);
		hnsw_lmdb_close(&s);
	}
	hnsw_scratch_free(sc);
	return rc;
}

/* Rewrites one filter bitmap without the tombstoned ids (an empty result
 * deletes the key). */
static int filter_purge(const store_txn *st, const MDB_val *k, const MDB_val *v,
                        const roaring_bitmap_t *tomb)
{
	const uint8_t *p;
	size_t n;
	roaring_bitmap_t *bm;
	int rc = store_checked_view(STORE_DB_BITMAPS, v, &p, &n);
	if (!rc)
		rc = filt_bitmap_decode(p, n, &bm);
	if (rc)
		return rc;
	if (roaring_bitmap_intersect(bm, tomb)) {
		roaring_bitmap_andnot_inplace(bm, tomb);
		rc = filt_bitmap_store(st, k->mv_data, k->mv_size, bm);
	}
	filt_bitmap_free(bm);
	return rc;
}

/* Calls fn on every record of db whose key starts with pre[pl], in key
 * order. The cursor is re-seeked just past each key after fn returns, so
 * fn may rewrite or delete the record it was given (the value then stops
 * being valid; the key is a copy). */
typedef int (*walk_fn)(const store_txn *st, const MDB_val *k, const MDB_val *v,
                       void *arg);

static int walk(const store_txn *st, store_db db, const uint8_t *pre, size_t pl,
                walk_fn fn, void *arg)
{
	uint8_t seek[WALK_KEY_MAX + 1];
	size_t sl = pl;
	MDB_cursor *cur;
	memcpy(seek, pre, pl);
	int rc = mdb_cursor_open(st->txn, store_dbi(st, db), &cur);
	if (rc)
		return store_rc(rc, store_db_name(db));
	int err = SEMLITE_OK;
	for (;;) {
		MDB_val k = {sl, seek}, v;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc || k.mv_size < pl || memcmp(k.mv_data, pre, pl))
			break;
		if (k.mv_size > WALK_KEY_MAX) {
			err = sl_err(SEMLITE_CORRUPT, "%s: key of %zu bytes",
			             store_db_name(db), k.mv_size);
			break;
		}
		/* fn gets the key as a copy: a write may move the bytes
		 * of the map it pointed to (LMDB reuses and reshuffles
		 * pages dirtied in this transaction) */
		memcpy(seek, k.mv_data, k.mv_size);
		seek[k.mv_size] = 0;
		sl = k.mv_size + 1;
		k.mv_data = seek;
		if ((err = fn(st, &k, &v, arg)))
			break;
	}
	mdb_cursor_close(cur);
	if (err)
		return err;
	return rc && rc != MDB_NOTFOUND ? store_rc(rc, store_db_name(db))
	                                : SEMLITE_OK;
}

/* The key prefix of a collection's filter bitmaps: COLL 'F'. */
static void filter_prefix(uint8_t pre[5], uint32_t coll)
{
	filt_key_tombstones(pre, coll);
	pre[4] = STORE_BITMAP_FILTER;
}

static int filter_purge_fn(const store_txn *st, const MDB_val *k,
                           const MDB_val *v, void *arg)
{
	return filter_purge(st, k, v, arg);
}

typedef struct compact_arg {
	semlite_collection *c;
	uint64_t purged; /* out: ids dropped */
} compact_arg;

/* One attempt (api_write); nothing is written when the collection has no
 * tombstones. */
static int compact_fn(const store_txn *t, void *arg)
{
	compact_arg *a = arg;
	semlite_collection *c = a->c;
	store_counters ctr;
	roaring_bitmap_t *tomb = NULL;
	uint8_t k[FILT_KEY_MAX];
	uint32_t dropped = 0;
	size_t kl = filt_key_tombstones(k, c->rec.id);
	a->purged = 0;
	int rc = api_coll_check(t, c);
	if (!rc)
		rc = store_counters_get(t, c->rec.id, &ctr);
	if (!rc)
		rc = filt_bitmap_load(t, k, kl, &tomb);
	if (rc || roaring_bitmap_is_empty(tomb))
		goto out;
	a->purged = roaring_bitmap_get_cardinality(tomb);
	if ((rc = books_check(t, c->rec.id, &ctr, a->purged)))
		goto out;
	if (api_coll_indexed(&c->rec))
		rc = graph_compact(t, &c->rec, ctr.next_id, tomb, &dropped);
	if (!rc) {
		uint8_t pre[5];
		filter_prefix(pre, c->rec.id);
		rc = walk(t, STORE_DB_BITMAPS, pre, 5, filter_purge_fn, tomb);
	}
	if (!rc)
		rc = purged_add(t, c->rec.id, a->purged);
	roaring_bitmap_clear(tomb);
	if (!rc)
		rc = filt_bitmap_store(t, k, kl, tomb);
out:
	filt_bitmap_free(tomb);
	return rc;
}

/* ---- integrity check ------------------------------------------------ */

static int live_fn(const store_txn *st, const MDB_val *k, const MDB_val *v,
                   void *arg)
{
	(void)st;
	(void)v;
	if (k->mv_size != 8)
		return sl_err(SEMLITE_CORRUPT, "docs: key of %zu bytes",
		              k->mv_size);
	roaring_bitmap_add(arg,
	                   store_load_u32be((const uint8_t *)k->mv_data + 4));
	return SEMLITE_OK;
}

static int filter_gone_fn(const store_txn *st, const MDB_val *k,
                          const MDB_val *v, void *arg)
{
	const uint8_t *p;
	size_t n;
	roaring_bitmap_t *bm;
	(void)st;
	(void)k;
	int rc = store_checked_view(STORE_DB_BITMAPS, v, &p, &n);
	if (!rc)
		rc = filt_bitmap_decode(p, n, &bm);
	if (rc)
		return rc;
	bool bad = roaring_bitmap_intersect(bm, arg);
	filt_bitmap_free(bm);
	return bad ? sl_err(SEMLITE_CORRUPT,
	                    "bitmaps: a filter bitmap holds a compacted id")
	           : SEMLITE_OK;
}

/* Every id below next_id that is neither a document nor tombstoned was
 * compacted: it must be no graph node and in no filter bitmap. */
static int gone_check(const store_txn *st, const store_coll_rec *r,
                      uint32_t next_id, const roaring_bitmap_t *gone)
{
	hnsw_lmdb s;
	uint8_t pre[5];
	int rc = hnsw_lmdb_open(&s, st, r, next_id, NULL);
	if (rc)
		return rc;
	roaring_uint32_iterator_t *it = roaring_create_iterator(gone);
	if (!it)
		rc = sl_err(SEMLITE_NOMEM, "check: iterator");
	for (; !rc && it->has_value; roaring_advance_uint32_iterator(it)) {
		int lvl;
		rc = hnsw_lmdb_ops.get_level(&s, it->current_value, &lvl);
		if (rc == SEMLITE_NOTFOUND)
			rc = SEMLITE_OK;
		else if (!rc)
			rc = sl_err(SEMLITE_CORRUPT,
			            "links: compacted id %u is still a graph "
			            "node",
			            it->current_value);
	}
	if (it)
		roaring_free_uint32_iterator(it);
	hnsw_lmdb_close(&s);
	filter_prefix(pre, r->id);
	if (!rc)
		rc = walk(st, STORE_DB_BITMAPS, pre, 5, filter_gone_fn,
		          (void *)gone);
	return rc;
}

int api_compact_check(const store_txn *st, const store_coll_rec *r,
                      uint32_t next_id, const roaring_bitmap_t *tomb)
{
	uint8_t pre[8];
	roaring_bitmap_t *gone = roaring_bitmap_create();
	if (!gone)
		return sl_err(SEMLITE_NOMEM, "check: bitmap");
	store_key_id(pre, r->id, 0);
	int rc = walk(st, STORE_DB_DOCS, pre, 4, live_fn, gone);
	if (!rc) {
		roaring_bitmap_flip_inplace(gone, 0, next_id);
		roaring_bitmap_andnot_inplace(gone, tomb);
		rc = gone_check(st, r, next_id, gone);
	}
	roaring_bitmap_free(gone);
	return rc;
}

SEMLITE_API int semlite_collection_compact(semlite_collection *coll,
                                           uint64_t *purged)
{
	if (purged)
		*purged = 0;
	if (!coll)
		return sl_err(SEMLITE_INVALID,
		              "semlite_collection_compact: NULL");
	if (store_env_readonly(coll->db->env))
		return sl_err(SEMLITE_MISUSE, "database opened read-only");
	compact_arg a = {coll, 0};
	int rc = api_write(coll->db->env, compact_fn, &a);
	if (!rc && purged)
		*purged = a.purged;
	return rc;
}
