/*
 * vecblk.c — vector blocks: the codes and exact vectors of `per`
 * consecutive internal ids share one LMDB value (format.h, "codes" and
 * "exact").
 *
 * Why blocks (format 3): one record per id paid LMDB's leaf-node overhead
 * (8-byte node header, 8-byte key, 2-byte index) per vector and left the
 * tail of every page unused (7 f16 vectors of dim 256 fill 3,710 of a
 * page's 4,080 bytes), and a file grown by many write transactions
 * scattered each tree's leaf pages among the others'. A block is sized to
 * fill whole overflow pages (up to 16, 64 KiB on 4 KiB pages), which LMDB
 * allocates contiguously: ids that are neighbours are neighbours in the
 * file whatever the build's history, so the kernel's fault-around maps
 * several of a first query's records per page fault, and the B-tree left
 * to walk has one small entry per block instead of a leaf entry per id.
 *
 * A block holds only the records of present ids, in id order after the
 * presence bitmap; record j belongs to the j-th set bit (its rank, a few
 * popcounts). So deleted and replaced documents give their bytes back at
 * once, as separate records did: upserts tombstone the old id, and a
 * block that kept a slot per id would keep every old vector's bytes
 * until all its ids were gone.
 *
 * Writes copy the block (at most 64 KiB) before reserving its new size:
 * LMDB rewrites a value in place only when its pages are dirty in this
 * transaction and large enough, and otherwise frees them, so the old
 * bytes may not survive the reserve.
 *
 * Rejected: fixed slots without a bitmap (absence would need a sentinel
 * inside the slot, and exact slots have no header to hold one); slots for
 * every id up to the last present one (tried first: the file stopped
 * shrinking back under cycles of deletes and inserts, test_compact).
 */
#include "storage/store.h"

#include <string.h>

#define OV_HEADER 16 /* LMDB's page header in front of an overflow value */
#define MAX_PAGES 16

size_t store_vec_bitmap(uint32_t per)
{
	return ((size_t)per + 63) / 64 * 8;
}

static size_t pages_of(size_t bytes, size_t psize)
{
	return (bytes + OV_HEADER + psize - 1) / psize;
}

uint32_t store_vec_per(size_t slot, size_t psize)
{
	size_t maxp = pages_of(store_vec_bitmap(1) + slot, psize);
	if (maxp < MAX_PAGES)
		maxp = MAX_PAGES;
	uint32_t best = 1;
	size_t best_v = 0, best_pg = 1;
	for (uint32_t n = 1; n <= STORE_VEC_MAX_PER; n++) {
		size_t v = store_vec_bitmap(n) + (size_t)n * slot;
		size_t pg = pages_of(v, psize);
		if (v > STORE_VEC_MAX_BLOCK || pg > maxp)
			break;
		/* v / pg > best_v / best_pg: a better fill of the pages */
		if (v * best_pg > best_v * pg) {
			best = n;
			best_v = v;
			best_pg = pg;
		}
	}
	return best;
}

void store_vec_layout(store_coll_rec *r, size_t psize)
{
	size_t ex = store_exact_size(r->precision, r->dim);
	r->codes_per = store_vec_per(STORE_CODE_HEADER + (size_t)r->dim, psize);
	r->exact_per = ex ? store_vec_per(ex, psize) : 0;
}

store_vecs store_vecs_of(const store_coll_rec *r, store_db db)
{
	store_vecs s = {db, r->id, 0, 0};
	if (db == STORE_DB_CODES) {
		s.slot = STORE_CODE_HEADER + r->dim;
		s.per = r->codes_per;
	} else {
		s.slot = (uint32_t)store_exact_size(r->precision, r->dim);
		s.per = s.slot ? r->exact_per : 0;
	}
	return s;
}

/* The record count of a block value of len bytes. */
static int vec_len(const store_vecs *s, uint32_t b, size_t len, uint32_t *n)
{
	size_t bm = store_vec_bitmap(s->per);
	if (len < bm + s->slot || (len - bm) % s->slot ||
	    (len - bm) / s->slot > s->per)
		return sl_err(SEMLITE_CORRUPT, "%s: block %u of %zu bytes",
		              store_db_name(s->db), b, len);
	*n = (uint32_t)((len - bm) / s->slot);
	return SEMLITE_OK;
}

/* Present slots before slot i: the index of slot i's record. */
static uint32_t rank(const uint8_t *bits, uint32_t i)
{
	uint32_t r = 0, w = i >> 6;
	for (uint32_t k = 0; k < w; k++)
		r +=
		    (uint32_t)__builtin_popcountll(sl_load_u64le(bits + 8 * k));
	if (!(i & 63)) /* the word holding slot i may be past the bitmap */
		return r;
	uint64_t last = sl_load_u64le(bits + 8 * (size_t)w);
	return r + (uint32_t)__builtin_popcountll(
	               last & ((UINT64_C(1) << (i & 63)) - 1));
}

static bool bit(const uint8_t *bits, uint32_t i)
{
	return bits[i >> 3] >> (i & 7) & 1;
}

static int bad_bitmap(const store_vecs *s, uint32_t b)
{
	return sl_err(SEMLITE_CORRUPT, "%s: block %u has a bad presence bitmap",
	              store_db_name(s->db), b);
}

int store_vec_block(const store_vecs *s, const MDB_val *k, const MDB_val *v,
                    bool full, store_vblock *out)
{
	if (k->mv_size != 8)
		return sl_err(SEMLITE_CORRUPT, "%s: key of %zu bytes",
		              store_db_name(s->db), k->mv_size);
	uint32_t b = store_load_u32be((const uint8_t *)k->mv_data + 4);
	int rc = vec_len(s, b, v->mv_size, &out->n);
	if (rc)
		return rc;
	if ((uint64_t)b * s->per + s->per - 1 > UINT32_MAX)
		return sl_err(SEMLITE_CORRUPT, "%s: block %u past the last id",
		              store_db_name(s->db), b);
	out->first = b * s->per;
	out->per = s->per;
	out->bits = v->mv_data;
	out->slots = out->bits + store_vec_bitmap(s->per);
	if (!full)
		return SEMLITE_OK;
	/* one record per set bit, none past the block's ids */
	size_t bm = store_vec_bitmap(s->per);
	bool tail_clear = true;
	for (size_t i = s->per; i < bm * 8 && tail_clear; i++)
		tail_clear = !bit(out->bits, (uint32_t)i);
	if (!tail_clear || rank(out->bits, s->per) != out->n)
		return bad_bitmap(s, b);
	return SEMLITE_OK;
}

int store_vec_slot(const store_vecs *s, const MDB_val *v, uint32_t id,
                   const uint8_t **p)
{
	uint32_t b = id / s->per, i = id % s->per, n = 0;
	int rc = vec_len(s, b, v->mv_size, &n);
	if (rc)
		return rc;
	const uint8_t *bits = v->mv_data;
	if (!bit(bits, i))
		return SEMLITE_NOTFOUND;
	uint32_t r = rank(bits, i);
	if (r >= n) /* more bits than records */
		return bad_bitmap(s, b);
	*p = bits + store_vec_bitmap(s->per) + (size_t)r * s->slot;
	return SEMLITE_OK;
}

int store_vec_get(const store_txn *t, const store_vecs *s, uint32_t id,
                  const uint8_t **p)
{
	uint8_t k[8];
	MDB_val v;
	store_key_id(k, s->coll, id / s->per);
	int rc = store_get(t, s->db, k, 8, &v);
	return rc ? rc : store_vec_slot(s, &v, id, p);
}

/* Rewrites block k (now old bytes at v, or none) as len bytes: the old
 * bytes up to `at`, then `grow` zero bytes (a new record) or, with
 * `shrink`, `shrink` old bytes left out (a deleted record), then the rest.
 * *out receives the new value. */
static int block_rewrite(const store_txn *t, const store_vecs *s,
                         const uint8_t k[8], const MDB_val *v, size_t at,
                         size_t grow, size_t shrink, uint8_t **out)
{
	size_t old = v ? v->mv_size : 0, len = old + grow - shrink;
	uint8_t *copy = NULL;
	void *w;
	if (old && !(copy = sl_malloc(old)))
		return sl_err(SEMLITE_NOMEM, "%s: block copy",
		              store_db_name(s->db));
	if (old)
		memcpy(copy, v->mv_data, old);
	int rc = old ? store_put_reserve(t, s->db, k, 8, len, &w)
	             : store_put_tail(t, s->db, k, 8, NULL, len, &w);
	if (!rc) {
		uint8_t *p = w;
		if (old) {
			memcpy(p, copy, at);
			memcpy(p + at + grow, copy + at + shrink,
			       old - at - shrink);
		}
		memset(p + at, 0, grow);
		*out = p;
	}
	sl_free(copy);
	return rc;
}

int store_vec_put(const store_txn *t, const store_vecs *s, uint32_t id,
                  void **w)
{
	uint32_t b = id / s->per, i = id % s->per;
	size_t bm = store_vec_bitmap(s->per);
	uint8_t k[8], *p;
	MDB_val v;
	const uint8_t *rec;
	store_key_id(k, s->coll, b);
	int rc = store_get(t, s->db, k, 8, &v);
	bool found = rc == SEMLITE_OK;
	if (found && (rc = store_vec_slot(s, &v, id, &rec)) == SEMLITE_OK) {
		/* present: rewritten in place (made writable) */
		size_t at = (size_t)(rec - (const uint8_t *)v.mv_data);
		rc = block_rewrite(t, s, k, &v, at, 0, 0, &p);
		if (!rc)
			*w = p + at;
		return rc;
	}
	if (rc != SEMLITE_NOTFOUND)
		return rc;
	size_t at = bm;
	if (found) { /* a new record at the rank of slot i (store_vec_slot
		      * validated the length) */
		at += (size_t)rank(v.mv_data, i) * s->slot;
		if (at > v.mv_size)
			return bad_bitmap(s, b);
		rc = block_rewrite(t, s, k, &v, at, s->slot, 0, &p);
	} else { /* a new block: bitmap and one record, zeroed */
		rc = block_rewrite(t, s, k, NULL, 0, bm + s->slot, 0, &p);
	}
	if (rc)
		return rc;
	p[i >> 3] |= (uint8_t)(1u << (i & 7));
	*w = p + at;
	return SEMLITE_OK;
}

int store_vec_del(const store_txn *t, const store_vecs *s, uint32_t id)
{
	uint32_t i = id % s->per;
	uint8_t k[8], *p;
	MDB_val v;
	const uint8_t *rec;
	store_key_id(k, s->coll, id / s->per);
	int rc = store_get(t, s->db, k, 8, &v);
	if (!rc)
		rc = store_vec_slot(s, &v, id, &rec);
	if (rc)
		return rc;
	if (v.mv_size == store_vec_bitmap(s->per) + s->slot) /* the last */
		return store_del(t, s->db, k, 8);
	size_t at = (size_t)(rec - (const uint8_t *)v.mv_data);
	rc = block_rewrite(t, s, k, &v, at, 0, s->slot, &p);
	if (!rc)
		p[i >> 3] &= (uint8_t) ~(1u << (i & 7));
	return rc;
}
