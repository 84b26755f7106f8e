/*
 * keyword.c — keyword (BM25) postings inside the storage write path, and
 * keyword search over a read snapshot.
 *
 * Write side. Every document put with text is analyzed (filt_kw: folded,
 * stemmed words) and added to the postings of its terms; every retired
 * document (deleted, or replaced by an upsert) is analyzed again from its
 * stored text and removed. The postings of a write transaction go through
 * a write-back cache per collection (filt_kwmem attached to the LMDB
 * `postings` sub-database): each touched term is read once, edited in
 * memory and written once at commit, in the same LMDB transaction as the
 * documents — a crash or abort leaves documents and postings in step.
 * After a map-full replay the cache is simply dropped and rebuilt by the
 * replayed operations.
 *
 * Keys in `postings`: collection id (4 bytes, big-endian) + segment
 * number (u32 BE, internal id >> API_KW_SEG_BITS) + term bytes: a term's
 * postings are split into segments of 4,096 ids, and the segment comes
 * first, so a batch of appended documents rewrites only records of the
 * newest segment, which are neighbours in the B-tree. (One record per
 * term made every commit rewrite the whole postings of every frequent
 * term, and term-first keys made every commit dirty most leaf pages of
 * the tree: ingest was quadratic.) A term lookup costs one get per
 * segment. The collection id alone
 * holds the BM25 statistics (N, total length).
 *
 * Rejected: keeping deleted documents in the postings and subtracting the
 * tombstones at query time, as the filter bitmaps do. That is cheaper on
 * delete, but BM25's statistics (N, df, average length) would drift with
 * every update, and updates are common (an upsert retires an id).
 */
#define _POSIX_C_SOURCE 200809L
#include "api/api.h"

#include <string.h>

#define KW_KEY_MAX (4 + FILT_SEG_KEY_MAX)

/* Per-collection keyword state of a write transaction. Heap-allocated so
 * its address (the store callbacks' ctx) survives the realloc of t->tc. */
struct api_kw {
	semlite_txn *t;
	uint32_t coll;
	filt_kw *kw;
	filt_kwmem *cache;
	filt_kw_bag bag;
};

static size_t kw_key(uint8_t *k, uint32_t coll, const char *term, size_t len)
{
	if (len > KW_KEY_MAX - 4)
		len = KW_KEY_MAX - 4;
	k[0] = (uint8_t)(coll >> 24);
	k[1] = (uint8_t)(coll >> 16);
	k[2] = (uint8_t)(coll >> 8);
	k[3] = (uint8_t)coll;
	memcpy(k + 4, term, len);
	return 4 + len;
}

/* ---- the filt_kw_store over LMDB ---------------------------------------- */

typedef struct kv_ctx {
	const store_txn *st;
	uint32_t coll;
} kv_ctx;

static int kv_get(void *ctx, const char *term, size_t len, const void **v,
                  size_t *vl)
{
	kv_ctx *c = ctx;
	uint8_t k[KW_KEY_MAX];
	MDB_val val;
	int rc = store_get(c->st, STORE_DB_POSTINGS, k,
	                   kw_key(k, c->coll, term, len), &val);
	if (rc)
		return rc;
	*v = val.mv_data;
	*vl = val.mv_size;
	return SEMLITE_OK;
}

static int kv_put(void *ctx, const char *term, size_t len, const void *v,
                  size_t vl)
{
	kv_ctx *c = ctx;
	uint8_t k[KW_KEY_MAX];
	return store_put(c->st, STORE_DB_POSTINGS, k,
	                 kw_key(k, c->coll, term, len), v, vl);
}

static int kv_del(void *ctx, const char *term, size_t len)
{
	kv_ctx *c = ctx;
	uint8_t k[KW_KEY_MAX];
	return store_del(c->st, STORE_DB_POSTINGS, k,
	                 kw_key(k, c->coll, term, len));
}

/* Visits the segments of one term: one lookup per segment that the
 * collection's ids can reach (segment-first keys put a term's segments
 * far apart in the B-tree, so a cursor walk would not help). */
static int kv_each(void *ctx, const char *term, size_t len, filt_kw_seg_fn fn,
                   void *arg)
{
	kv_ctx *c = ctx;
	store_counters ctr;
	int rc = store_counters_get(c->st, c->coll, &ctr);
	if (rc)
		return rc;
	uint32_t nseg =
	    (uint32_t)(((uint64_t)ctr.next_id + (1u << API_KW_SEG_BITS) - 1) >>
	               API_KW_SEG_BITS);
	char sk[FILT_SEG_KEY_MAX];
	for (uint32_t seg = 0; seg < nseg && !rc; seg++) {
		size_t kl = filt_seg_key(sk, term, len, seg);
		const void *v;
		size_t vl;
		rc = kv_get(ctx, sk, kl, &v, &vl);
		if (rc == SEMLITE_NOTFOUND)
			rc = SEMLITE_OK;
		else if (!rc)
			rc = fn(arg, sk, kl, v, vl);
	}
	return rc;
}

/* The store of one collection's postings (segmented, format.h). */
static filt_kw_store kv_store(kv_ctx *kv)
{
	filt_kw_store s = {kv,     kv_get,          kv_put,
	                   kv_del, API_KW_SEG_BITS, kv_each};
	return s;
}

/* The write side's store: its ctx must stay valid for the cache's life,
 * so it lives inside api_kw (t->st keeps its address across replays). */
typedef struct api_kw_full {
	struct api_kw kw;
	kv_ctx kv;
} api_kw_full;

void api_kw_free(api_kw *k)
{
	if (!k)
		return;
	filt_kw_bag_clear(&k->bag);
	filt_kwmem_free(k->cache);
	filt_kw_free(k->kw);
	sl_free(k);
}

static int kw_state(semlite_txn *t, api_tcoll *tc, api_kw **out)
{
	if (tc->kw) {
		*out = tc->kw;
		return SEMLITE_OK;
	}
	api_kw_full *f = sl_calloc(1, sizeof *f);
	if (!f)
		return sl_err(SEMLITE_NOMEM, "keyword index state");
	f->kw.t = t;
	f->kw.coll = tc->coll->rec.id;
	f->kv.st = &t->st;
	f->kv.coll = tc->coll->rec.id;
	filt_kw_store s = kv_store(&f->kv);
	int rc = filt_kw_new(NULL, &f->kw.kw);
	if (!rc)
		rc = filt_kwmem_new(&f->kw.cache);
	if (!rc)
		rc = filt_kwmem_attach(f->kw.cache, &s);
	if (rc) {
		api_kw_free(&f->kw);
		return rc;
	}
	tc->kw = &f->kw;
	*out = tc->kw;
	return SEMLITE_OK;
}

int api_kw_index(semlite_txn *t, api_tcoll *tc, uint32_t id, const char *text,
                 size_t len, bool remove)
{
	api_kw *k = NULL;
	int rc = kw_state(t, tc, &k);
	if (!rc)
		rc = filt_kw_bag_build(k->kw, text, len, &k->bag);
	if (rc)
		return rc;
	if (len == 0)
		return SEMLITE_OK; /* no text: not a keyword document */
	return remove ? filt_kwmem_remove(k->cache, id, &k->bag)
	              : filt_kwmem_add(k->cache, id, &k->bag);
}

int api_kw_retire(semlite_txn *t, api_tcoll *tc, uint32_t id)
{
	store_doc d;
	store_codec_use_dict(t->codec, tc->dict);
	int rc = api_doc_read(&t->st, tc->coll->db->serial, t->codec,
	                      tc->coll->rec.id, id, &d);
	if (rc)
		return rc;
	return api_kw_index(t, tc, id, d.text, d.text_len, true);
}

int api_kw_flush(api_tcoll *tc)
{
	return tc->kw ? filt_kwmem_flush(tc->kw->cache) : SEMLITE_OK;
}

/* ---- read side
 * ---------------------------------------------------------------- */

int api_kw_stats(const store_txn *st, uint32_t coll, filt_kw_stats *out)
{
	kv_ctx kv = {st, coll};
	filt_kw_reader r = {kv_store(&kv), NULL, 0};
	return filt_kw_reader_stats(&r, out);
}

int api_kw_search(const store_txn *st, uint32_t coll, const char *q, size_t len,
                  const roaring_bitmap_t *allow, size_t k, filt_hit *out,
                  size_t *n)
{
	kv_ctx kv = {st, coll};
	filt_kw_reader r = {kv_store(&kv), NULL, 0};
	filt_kw_stats stats;
	filt_kw *kw = NULL;
	*n = 0;
	int rc = filt_kw_reader_stats(&r, &stats);
	if (!rc)
		rc = filt_kw_new(NULL, &kw);
	if (!rc)
		rc = filt_bm25_search(kw, q, len, &stats, NULL,
		                      filt_kw_reader_lookup, &r, allow, k, out,
		                      n);
	filt_kw_free(kw);
	filt_kw_reader_clear(&r);
	return rc;
}

int api_kw_check_record(const void *key, size_t kl, const void *val, size_t vl,
                        uint32_t next_id, const roaring_bitmap_t *tomb)
{
	if (kl == 4) {
		filt_kw_stats s;
		return filt_stats_decode(val, vl, &s);
	}
	char term[FILT_KW_MAX_TERM + 1];
	size_t tl = 0;
	uint32_t seg = 0;
	if (kl < 4 || !filt_seg_parse((const char *)key + 4, kl - 4, &tl, &seg))
		return sl_err(SEMLITE_CORRUPT,
		              "postings: key of %zu bytes is "
		              "not a term segment",
		              kl);
	memcpy(term, (const char *)key + 8, tl);
	term[tl] = '\0';
	filt_post p = {0};
	int rc = filt_post_decode(val, vl, &p, term);
	if (!rc)
		rc = filt_seg_check(&p, API_KW_SEG_BITS, seg, term);
	if (!rc && p.n == 0)
		rc =
		    sl_err(SEMLITE_CORRUPT, "postings %s: empty segment", term);
	for (size_t i = 0; !rc && i < p.n; i++)
		if (p.ids[i] >= next_id ||
		    roaring_bitmap_contains(tomb, p.ids[i]))
			rc = sl_err(SEMLITE_CORRUPT,
			            "postings %s: document %u is not live",
			            term, p.ids[i]);
	filt_post_clear(&p);
	return rc;
}
