/*
 * bitmap.c — stored CRoaring bitmaps and the write-side bitmap cache.
 *
 * Stored form: the portable serialization inside a checked record, so
 * damage is caught by the CRC before CRoaring parses anything, and
 * CRoaring's own bounds-checked deserializer (portable_deserialize_safe)
 * guards against a record that is consistent but malformed.
 *
 * The cache is a small open-addressing hash table from key bytes to a
 * bitmap. It grows by doubling; a transaction of thousands of documents
 * touches at most a few thousand distinct field=value keys.
 *
 * Rejected: read-modify-write of the stored bitmap on every put (one
 * deserialize + serialize per document per field — measured as the
 * dominant cost of an import before the cache existed).
 */
#include "filter/filter.h"

#include <string.h>

size_t filt_key_tombstones(uint8_t *out, uint32_t coll)
{
	store_meta_key(out, 0, coll);
	memmove(out, out + 1, 4);
	out[4] = STORE_BITMAP_TOMBSTONES;
	return 5;
}

size_t filt_key_field(uint8_t *out, uint32_t coll, const char *field, size_t fl,
                      const char *value, size_t vl)
{
	filt_key_tombstones(out, coll);
	out[4] = STORE_BITMAP_FILTER;
	size_t n = 5;
	if (fl + vl + 1 <= STORE_MAX_FILTER_KEY && !memchr(field, 0, fl)) {
		memcpy(out + n, field, fl);
		n += fl;
		out[n++] = 0;
		memcpy(out + n, value, vl);
		return n + vl;
	}
	/* Long (or NUL-bearing) pairs: hash the field too when it alone is
	 * too long; 0x01 never starts a textual value we index. */
	uint64_t h = store_hash64(value, vl);
	if (fl > STORE_MAX_FILTER_KEY - 10 || memchr(field, 0, fl)) {
		out[n++] = 1;
		sl_store_u64le(out + n, store_hash64(field, fl));
		n += 8;
	} else {
		memcpy(out + n, field, fl);
		n += fl;
	}
	out[n++] = 0;
	out[n++] = 1;
	sl_store_u64le(out + n, h);
	return n + 8;
}

int filt_bitmap_decode(const void *p, size_t n, roaring_bitmap_t **out)
{
	*out = NULL;
	if (!filt_roaring_wellformed(p, n) ||
	    roaring_bitmap_portable_deserialize_size(p, n) != n)
		return sl_err(SEMLITE_CORRUPT, "bitmaps: malformed bitmap");
	roaring_bitmap_t *bm = roaring_bitmap_portable_deserialize_safe(p, n);
	if (!bm)
		return sl_err(SEMLITE_CORRUPT, "bitmaps: malformed bitmap");
	*out = bm;
	return SEMLITE_OK;
}

int filt_bitmap_load(const store_txn *t, const uint8_t *k, size_t kl,
                     roaring_bitmap_t **out)
{
	const uint8_t *p;
	size_t n;
	*out = NULL;
	int rc = store_get_checked(t, STORE_DB_BITMAPS, k, kl, &p, &n);
	if (rc == SEMLITE_NOTFOUND) {
		*out = roaring_bitmap_create();
		return *out ? SEMLITE_OK : sl_err(SEMLITE_NOMEM, "bitmap");
	}
	return rc ? rc : filt_bitmap_decode(p, n, out);
}

int filt_bitmap_store(const store_txn *t, const uint8_t *k, size_t kl,
                      const roaring_bitmap_t *bm)
{
	if (roaring_bitmap_is_empty(bm)) {
		int rc = store_del(t, STORE_DB_BITMAPS, k, kl);
		return rc == SEMLITE_NOTFOUND ? SEMLITE_OK : rc;
	}
	size_t n = roaring_bitmap_portable_size_in_bytes(bm);
	void *w;
	int rc = store_put_reserve(t, STORE_DB_BITMAPS, k, kl, n + 4, &w);
	if (rc)
		return rc;
	size_t got = roaring_bitmap_portable_serialize(bm, w);
	if (got != n)
		return sl_err(SEMLITE_INTERNAL,
		              "bitmap serialized to %zu of "
		              "%zu bytes",
		              got, n);
	sl_store_u32le((uint8_t *)w + n, store_crc32c(0, w, n));
	return SEMLITE_OK;
}

typedef struct cache_slot {
	uint8_t *key; /* NULL: empty */
	size_t kl;
	roaring_bitmap_t *bm;
	bool dirty;
} cache_slot;

struct filt_cache {
	cache_slot *slots;
	size_t cap; /* power of two */
	size_t used;
};

int filt_cache_new(filt_cache **out)
{
	filt_cache *c = sl_calloc(1, sizeof *c);
	if (c && !(c->slots = sl_calloc(64, sizeof *c->slots))) {
		sl_free(c);
		c = NULL;
	}
	*out = c;
	if (!c)
		return sl_err(SEMLITE_NOMEM, "bitmap cache");
	c->cap = 64;
	return SEMLITE_OK;
}

void filt_cache_clear(filt_cache *c)
{
	for (size_t i = 0; i < c->cap; i++) {
		if (!c->slots[i].key)
			continue;
		sl_free(c->slots[i].key);
		filt_bitmap_free(c->slots[i].bm);
		c->slots[i] = (cache_slot){0};
	}
	c->used = 0;
}

void filt_cache_free(filt_cache *c)
{
	if (!c)
		return;
	filt_cache_clear(c);
	sl_free(c->slots);
	sl_free(c);
}

static cache_slot *probe(cache_slot *slots, size_t cap, const uint8_t *k,
                         size_t kl)
{
	size_t i = (size_t)store_hash64(k, kl) & (cap - 1);
	while (slots[i].key &&
	       (slots[i].kl != kl || memcmp(slots[i].key, k, kl)))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(filt_cache *c)
{
	size_t cap = c->cap * 2;
	cache_slot *s = sl_calloc(cap, sizeof *s);
	if (!s)
		return sl_err(SEMLITE_NOMEM, "bitmap cache");
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].key)
			*probe(s, cap, c->slots[i].key, c->slots[i].kl) =
			    c->slots[i];
	sl_free(c->slots);
	c->slots = s;
	c->cap = cap;
	return SEMLITE_OK;
}

int filt_cache_get(filt_cache *c, const store_txn *t, const uint8_t *k,
                   size_t kl, roaring_bitmap_t **bm)
{
	if ((c->used + 1) * 2 > c->cap) {
		int rc = grow(c);
		if (rc)
			return rc;
	}
	cache_slot *s = probe(c->slots, c->cap, k, kl);
	if (s->key) {
		*bm = s->bm;
		return SEMLITE_OK;
	}
	uint8_t *key = sl_malloc(kl);
	if (!key)
		return sl_err(SEMLITE_NOMEM, "bitmap cache");
	roaring_bitmap_t *b;
	int rc = filt_bitmap_load(t, k, kl, &b);
	if (rc) {
		sl_free(key);
		return rc;
	}
	memcpy(key, k, kl);
	*s = (cache_slot){key, kl, b, false};
	c->used++;
	*bm = b;
	return SEMLITE_OK;
}

int filt_cache_add(filt_cache *c, const store_txn *t, const uint8_t *k,
                   size_t kl, uint32_t id)
{
	roaring_bitmap_t *bm;
	int rc = filt_cache_get(c, t, k, kl, &bm);
	if (rc)
		return rc;
	roaring_bitmap_add(bm, id);
	probe(c->slots, c->cap, k, kl)->dirty = true;
	return SEMLITE_OK;
}

int filt_cache_flush(filt_cache *c, const store_txn *t)
{
	for (size_t i = 0; i < c->cap; i++) {
		cache_slot *s = &c->slots[i];
		if (!s->key || !s->dirty)
			continue;
		roaring_bitmap_run_optimize(s->bm);
		int rc = filt_bitmap_store(t, s->key, s->kl, s->bm);
		if (rc)
			return rc;
		s->dirty = false;
	}
	return SEMLITE_OK;
}
