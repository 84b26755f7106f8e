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
 * fill whole overflow pages (up to 8, 32 KiB on 4 KiB pages), which LMDB
 * allocates contiguously: ids that are neighbours are neighbours in the
 * file whatever the build's history, so the kernel's fault-around maps
 * several of a first query's records per page fault, and the B-tree left
 * to walk has one small entry per block instead of a leaf entry per id.
 *
 * Writes copy the block (at most a few tens of KiB) before reserving its
 * new size: LMDB rewrites a value in place only when its pages are dirty
 * in this transaction and large enough, and otherwise frees them, so the
 * old bytes may not survive the reserve.
 *
 * Rejected: a fixed slot per id without a presence bitmap (absence would
 * need a sentinel inside the slot, and exact slots have no header to hold
 * one).
 */
#include "storage/store.h"

#include <string.h>

#define OV_HEADER 16 /* LMDB's page header in front of an overflow value */
#define MAX_PAGES 8

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

/* The slot count of a block value of len bytes. */
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
	if ((uint64_t)b * s->per + out->n - 1 > UINT32_MAX)
		return sl_err(SEMLITE_CORRUPT, "%s: block %u past the last id",
		              store_db_name(s->db), b);
	out->first = b * s->per;
	out->bits = v->mv_data;
	out->slots = out->bits + store_vec_bitmap(s->per);
	if (!full)
		return SEMLITE_OK;
	/* the value ends at its last present slot; nothing is set past it */
	size_t bm = store_vec_bitmap(s->per);
	bool tail_clear = store_vblock_has(out, out->n - 1);
	for (size_t i = out->n; i < bm * 8 && tail_clear; i++)
		tail_clear = !(out->bits[i >> 3] >> (i & 7) & 1);
	if (!tail_clear)
		return sl_err(SEMLITE_CORRUPT,
		              "%s: block %u has a bad presence bitmap",
		              store_db_name(s->db), b);
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
	if (i >= n || !(bits[i >> 3] >> (i & 7) & 1))
		return SEMLITE_NOTFOUND;
	*p = bits + store_vec_bitmap(s->per) + (size_t)i * s->slot;
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

/* Rewrites block k (now old bytes at v, or none) as len bytes; *out
 * receives the new value, holding the old bytes and zeros after them. */
static int block_rewrite(const store_txn *t, const store_vecs *s,
                         const uint8_t k[8], const MDB_val *v, size_t len,
                         uint8_t **out)
{
	size_t old = v ? v->mv_size : 0, keep = old < len ? old : len;
	uint8_t *copy = NULL;
	void *w;
	if (keep && !(copy = sl_malloc(keep)))
		return sl_err(SEMLITE_NOMEM, "%s: block copy",
		              store_db_name(s->db));
	if (keep)
		memcpy(copy, v->mv_data, keep);
	int rc = old ? store_put_reserve(t, s->db, k, 8, len, &w)
	             : store_put_tail(t, s->db, k, 8, NULL, len, &w);
	if (!rc) {
		if (keep)
			memcpy(w, copy, keep);
		memset((uint8_t *)w + keep, 0, len - keep);
		*out = w;
	}
	sl_free(copy);
	return rc;
}

int store_vec_put(const store_txn *t, const store_vecs *s, uint32_t id,
                  void **w)
{
	uint32_t b = id / s->per, i = id % s->per, n = 0;
	size_t bm = store_vec_bitmap(s->per);
	uint8_t k[8], *p;
	MDB_val v;
	store_key_id(k, s->coll, b);
	int rc = store_get(t, s->db, k, 8, &v);
	bool found = rc == SEMLITE_OK;
	if (found)
		rc = vec_len(s, b, v.mv_size, &n);
	else if (rc == SEMLITE_NOTFOUND)
		rc = SEMLITE_OK;
	if (rc)
		return rc;
	size_t len = bm + (size_t)(i + 1 > n ? i + 1 : n) * s->slot;
	rc = block_rewrite(t, s, k, found ? &v : NULL, len, &p);
	if (rc)
		return rc;
	p[i >> 3] |= (uint8_t)(1u << (i & 7));
	*w = p + bm + (size_t)i * s->slot;
	return SEMLITE_OK;
}

int store_vec_del(const store_txn *t, const store_vecs *s, uint32_t id)
{
	uint32_t b = id / s->per, i = id % s->per, n = 0;
	uint8_t k[8], *p;
	MDB_val v;
	const uint8_t *slot;
	store_key_id(k, s->coll, b);
	int rc = store_get(t, s->db, k, 8, &v);
	if (!rc)
		rc = store_vec_slot(s, &v, id, &slot);
	if (!rc)
		rc = vec_len(s, b, v.mv_size, &n);
	if (rc)
		return rc;
	/* the value ends at the last slot still present */
	const uint8_t *bits = v.mv_data;
	uint32_t last = 0;
	for (uint32_t j = n; j-- > 0 && !last;)
		if (j != i && (bits[j >> 3] >> (j & 7) & 1))
			last = j + 1;
	if (!last)
		return store_del(t, s->db, k, 8);
	size_t bm = store_vec_bitmap(s->per);
	rc = block_rewrite(t, s, k, &v, bm + (size_t)last * s->slot, &p);
	if (rc)
		return rc;
	p[i >> 3] &= (uint8_t) ~(1u << (i & 7));
	if (i < last)
		memset(p + bm + (size_t)i * s->slot, 0, s->slot);
	return SEMLITE_OK;
}
