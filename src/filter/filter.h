/*
 * filter.h — bitmaps of internal ids: the tombstones of a collection and
 * its field=value metadata filters (keyword postings live beside them in
 * this module, owned by the keyword-search work).
 *
 * Bitmaps are CRoaring bitmaps stored in the `bitmaps` sub-database as
 * checked records of their portable serialization (format.h). A write
 * transaction changes many bitmaps many times (every put touches the
 * bitmaps of its metadata values), so writers go through a filt_cache:
 * each bitmap is loaded once per transaction, changed in memory and
 * written back once at commit.
 */
#ifndef SL_FILTER_H
#define SL_FILTER_H

#include <roaring/roaring.h>

#include "storage/store.h"

/* Room for any bitmap key. */
#define FILT_KEY_MAX (5 + STORE_MAX_FILTER_KEY + 16)

size_t filt_key_tombstones(uint8_t *out, uint32_t coll);
/* Key of field=value; long pairs hash the value (format.h). */
size_t filt_key_field(uint8_t *out, uint32_t coll, const char *field, size_t fl,
                      const char *value, size_t vl);

/* Frees a bitmap; NULL is a no-op (CRoaring 0.2's free is not). */
static inline void filt_bitmap_free(roaring_bitmap_t *bm)
{
	if (bm)
		roaring_bitmap_free(bm);
}

/* True when p[0..n) is exactly one well-formed CRoaring portable
 * serialization (sorted keys and values, runs in range, cardinalities and
 * offsets that match): CRoaring 0.2's deserializer trusts all of these
 * (roaring_check.c). */
bool filt_roaring_wellformed(const void *p, size_t n);
/* Decodes a checked record's payload; SEMLITE_CORRUPT when invalid. */
int filt_bitmap_decode(const void *p, size_t n, roaring_bitmap_t **out);
/* Loads a bitmap; a missing key gives an empty bitmap. */
int filt_bitmap_load(const store_txn *t, const uint8_t *k, size_t kl,
                     roaring_bitmap_t **out);
/* Stores a bitmap (an empty one deletes the key). */
int filt_bitmap_store(const store_txn *t, const uint8_t *k, size_t kl,
                      const roaring_bitmap_t *bm);

typedef struct filt_cache filt_cache;

int filt_cache_new(filt_cache **out);
void filt_cache_free(filt_cache *c);
/* Forgets every cached bitmap (after an abort). */
void filt_cache_clear(filt_cache *c);
/* The cached bitmap for key k, loaded on first use; the caller may change
 * it and must then call filt_cache_dirty(). */
int filt_cache_get(filt_cache *c, const store_txn *t, const uint8_t *k,
                   size_t kl, roaring_bitmap_t **bm);
int filt_cache_add(filt_cache *c, const store_txn *t, const uint8_t *k,
                   size_t kl, uint32_t id);
/* Writes every changed bitmap. */
int filt_cache_flush(filt_cache *c, const store_txn *t);

/* ---- metadata ------------------------------------------------------- */

/* Called for each top-level field=value scalar of a metadata object. */
typedef int (*filt_pair_fn)(void *ctx, const char *field, size_t fl,
                            const char *value, size_t vl);

/* Checks that json[len] is a JSON object (SEMLITE_INVALID otherwise,
 * naming the problem); with fn, calls it for every string, number and
 * boolean field (and each such element of an array field). */
int filt_meta_scan(const char *json, size_t len, filt_pair_fn fn, void *ctx);

#endif /* SL_FILTER_H */
