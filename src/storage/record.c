/*
 * record.c — checked records (payload + CRC-32C) and the small meta
 * records: collections, counters, model chunks.
 *
 * Every decoder here takes the bytes as untrusted: sizes are compared with
 * what the layout requires before a field is read, enum fields are range
 * checked, and a failure names the sub-database and record. Fixed-size
 * records are packed field by field (little-endian) rather than by casting
 * a struct, so the format does not depend on the compiler's padding.
 */
#include "storage/store.h"

#include <string.h>

int store_put_checked(const store_txn *t, store_db db, const void *k, size_t kl,
                      const void *payload, size_t n)
{
	void *w;
	int rc = store_put_reserve(t, db, k, kl, n + 4, &w);
	if (rc)
		return rc;
	memcpy(w, payload, n);
	sl_store_u32le((uint8_t *)w + n, store_crc32c(0, payload, n));
	return SEMLITE_OK;
}

int store_checked_view(store_db db, const MDB_val *v, const uint8_t **p,
                       size_t *n)
{
	if (v->mv_size < 4)
		return sl_err(SEMLITE_CORRUPT, "%s: record of %zu bytes",
		              store_db_name(db), v->mv_size);
	const uint8_t *b = v->mv_data;
	size_t len = v->mv_size - 4;
	if (store_crc32c(0, b, len) != sl_load_u32le(b + len))
		return sl_err(SEMLITE_CORRUPT, "%s: record checksum mismatch",
		              store_db_name(db));
	*p = b;
	*n = len;
	return SEMLITE_OK;
}

int store_get_checked(const store_txn *t, store_db db, const void *k, size_t kl,
                      const uint8_t **p, size_t *n)
{
	MDB_val v;
	int rc = store_get(t, db, k, kl, &v);
	return rc ? rc : store_checked_view(db, &v, p, n);
}

void store_meta_key(uint8_t k[5], char kind, uint32_t coll)
{
	k[0] = (uint8_t)kind;
	k[1] = (uint8_t)(coll >> 24);
	k[2] = (uint8_t)(coll >> 16);
	k[3] = (uint8_t)(coll >> 8);
	k[4] = (uint8_t)coll;
}

int store_meta_get(const store_txn *t, char kind, uint32_t coll,
                   const uint8_t **p, size_t *n)
{
	uint8_t k[5];
	store_meta_key(k, kind, coll);
	int rc = store_get_checked(t, STORE_DB_META, k, 5, p, n);
	if (rc == SEMLITE_NOTFOUND) {
		*p = NULL;
		*n = 0;
		return SEMLITE_OK;
	}
	return rc;
}

int store_meta_put(const store_txn *t, char kind, uint32_t coll, const void *v,
                   size_t n)
{
	uint8_t k[5];
	store_meta_key(k, kind, coll);
	return store_put_checked(t, STORE_DB_META, k, 5, v, n);
}

/* "c:" + name; returns the key length. */
static size_t coll_key(uint8_t *k, const char *name)
{
	size_t n = strlen(name);
	k[0] = 'c';
	k[1] = ':';
	memcpy(k + 2, name, n);
	return n + 2;
}

/* A block of per ids of slot bytes each is one we would write. */
static bool vec_per_ok(uint32_t per, size_t slot)
{
	return per >= 1 && per <= STORE_VEC_MAX_PER &&
	       store_vec_bitmap(per) + (size_t)per * slot <=
	           STORE_VEC_MAX_BLOCK;
}

int store_coll_decode(const uint8_t *p, size_t n, store_coll_rec *r)
{
	if (n != STORE_COLL_REC_SIZE || sl_load_u32le(p) != 1)
		return sl_err(SEMLITE_CORRUPT,
		              "meta: collection record of %zu bytes", n);
	r->id = sl_load_u32le(p + 4);
	r->dim = sl_load_u32le(p + 8);
	r->metric = p[12];
	r->precision = p[13];
	r->flags = p[14];
	r->hnsw_m = sl_load_u32le(p + 16);
	r->hnsw_ef_construction = sl_load_u32le(p + 20);
	r->seed = sl_load_u64le(p + 24);
	r->model_hash = sl_load_u64le(p + 32);
	r->model_len = sl_load_u64le(p + 40);
	r->model_chunks = sl_load_u32le(p + 48);
	r->codes_per = sl_load_u32le(p + 52);
	r->exact_per = sl_load_u32le(p + 56);
	if (r->dim == 0 || r->dim > STORE_MAX_DIM ||
	    r->metric > STORE_METRIC_L2 || r->precision > STORE_PREC_F32 ||
	    (r->flags & ~STORE_COLL_FLAGS))
		return sl_err(SEMLITE_CORRUPT,
		              "meta: collection record has bad settings");
	uint64_t need =
	    (r->model_len + STORE_MODEL_CHUNK - 1) / STORE_MODEL_CHUNK;
	if ((r->flags & STORE_COLL_HAS_MODEL) &&
	    (r->model_len == 0 || need != r->model_chunks))
		return sl_err(SEMLITE_CORRUPT,
		              "meta: collection record has a bad model size");
	size_t ex = store_exact_size(r->precision, r->dim);
	if (!vec_per_ok(r->codes_per, STORE_CODE_HEADER + (size_t)r->dim) ||
	    (ex ? !vec_per_ok(r->exact_per, ex) : r->exact_per != 0))
		return sl_err(SEMLITE_CORRUPT,
		              "meta: collection record has bad vector blocks");
	return SEMLITE_OK;
}

int store_coll_get(const store_txn *t, const char *name, store_coll_rec *out)
{
	uint8_t k[2 + STORE_MAX_NAME];
	const uint8_t *p;
	size_t n;
	if (strlen(name) > STORE_MAX_NAME)
		return SEMLITE_NOTFOUND;
	int rc =
	    store_get_checked(t, STORE_DB_META, k, coll_key(k, name), &p, &n);
	if (rc)
		return rc;
	rc = store_coll_decode(p, n, out);
	if (rc)
		sl_err(rc, "meta: collection '%s': %s", name, sl_errmsg());
	return rc;
}

int store_coll_put(const store_txn *t, const char *name,
                   const store_coll_rec *r)
{
	uint8_t k[2 + STORE_MAX_NAME], p[STORE_COLL_REC_SIZE] = {0};
	sl_store_u32le(p, 1);
	sl_store_u32le(p + 4, r->id);
	sl_store_u32le(p + 8, r->dim);
	p[12] = r->metric;
	p[13] = r->precision;
	p[14] = r->flags;
	sl_store_u32le(p + 16, r->hnsw_m);
	sl_store_u32le(p + 20, r->hnsw_ef_construction);
	sl_store_u64le(p + 24, r->seed);
	sl_store_u64le(p + 32, r->model_hash);
	sl_store_u64le(p + 40, r->model_len);
	sl_store_u32le(p + 48, r->model_chunks);
	sl_store_u32le(p + 52, r->codes_per);
	sl_store_u32le(p + 56, r->exact_per);
	return store_put_checked(t, STORE_DB_META, k, coll_key(k, name), p,
	                         sizeof p);
}

int store_coll_del(const store_txn *t, const char *name)
{
	uint8_t k[2 + STORE_MAX_NAME];
	return store_del(t, STORE_DB_META, k, coll_key(k, name));
}

int store_coll_next_id(const store_txn *t, uint32_t *out)
{
	static const char key[] = "next_collection";
	const uint8_t *p;
	size_t n;
	uint32_t id = 1;
	int rc =
	    store_get_checked(t, STORE_DB_META, key, sizeof key - 1, &p, &n);
	if (rc && rc != SEMLITE_NOTFOUND)
		return rc;
	if (!rc) {
		if (n != 4)
			return sl_err(SEMLITE_CORRUPT,
			              "meta: next_collection record of %zu "
			              "bytes",
			              n);
		id = sl_load_u32le(p);
	}
	if (id == UINT32_MAX)
		return sl_err(SEMLITE_FULL, "no collection ids left");
	uint8_t v[4];
	sl_store_u32le(v, id + 1);
	rc = store_put_checked(t, STORE_DB_META, key, sizeof key - 1, v, 4);
	if (!rc)
		*out = id;
	return rc;
}

int store_counters_get(const store_txn *t, uint32_t coll, store_counters *out)
{
	const uint8_t *p;
	size_t n;
	memset(out, 0, sizeof *out);
	int rc = store_meta_get(t, 'n', coll, &p, &n);
	if (rc || !p)
		return rc;
	if (n != STORE_COUNTERS_SIZE)
		return sl_err(SEMLITE_CORRUPT,
		              "meta: counters of collection %u: %zu bytes",
		              coll, n);
	out->next_id = sl_load_u32le(p);
	out->live = sl_load_u32le(p + 4);
	out->payload_bytes = sl_load_u64le(p + 8);
	out->stored_bytes = sl_load_u64le(p + 16);
	out->dict_docs = sl_load_u64le(p + 24);
	if (out->live > out->next_id)
		return sl_err(SEMLITE_CORRUPT,
		              "meta: counters of collection %u: %u live of "
		              "%u ids",
		              coll, out->live, out->next_id);
	return SEMLITE_OK;
}

int store_counters_put(const store_txn *t, uint32_t coll,
                       const store_counters *c)
{
	uint8_t p[STORE_COUNTERS_SIZE] = {0};
	sl_store_u32le(p, c->next_id);
	sl_store_u32le(p + 4, c->live);
	sl_store_u64le(p + 8, c->payload_bytes);
	sl_store_u64le(p + 16, c->stored_bytes);
	sl_store_u64le(p + 24, c->dict_docs);
	return store_meta_put(t, 'n', coll, p, sizeof p);
}

size_t store_exact_size(uint8_t precision, uint32_t dim)
{
	switch (precision) {
	case STORE_PREC_F16:
		return (size_t)dim * 2;
	case STORE_PREC_F32:
		return (size_t)dim * 4;
	default:
		return 0;
	}
}

static void model_key(uint8_t k[12], uint64_t hash, uint32_t chunk)
{
	for (int i = 0; i < 8; i++)
		k[i] = (uint8_t)(hash >> (56 - 8 * i));
	k[8] = (uint8_t)(chunk >> 24);
	k[9] = (uint8_t)(chunk >> 16);
	k[10] = (uint8_t)(chunk >> 8);
	k[11] = (uint8_t)chunk;
}

int store_model_put(const store_txn *t, const uint8_t *blob, size_t len,
                    uint64_t *hash, uint32_t *chunks)
{
	uint64_t h = store_hash64(blob, len);
	uint32_t nc =
	    (uint32_t)((len + STORE_MODEL_CHUNK - 1) / STORE_MODEL_CHUNK);
	uint8_t k[12];
	MDB_val v;
	*hash = h;
	*chunks = nc;
	model_key(k, h, 0);
	int rc = store_get(t, STORE_DB_MODEL, k, sizeof k, &v);
	if (rc != SEMLITE_NOTFOUND)
		return rc; /* already stored by another collection */
	rc = SEMLITE_OK;
	for (uint32_t i = 0; i < nc && !rc; i++) {
		size_t off = (size_t)i * STORE_MODEL_CHUNK;
		size_t n = len - off < STORE_MODEL_CHUNK ? len - off
		                                         : STORE_MODEL_CHUNK;
		model_key(k, h, i);
		rc = store_put_checked(t, STORE_DB_MODEL, k, sizeof k,
		                       blob + off, n);
	}
	return rc;
}

int store_model_get(const store_txn *t, uint64_t hash, uint64_t len,
                    uint32_t chunks, uint8_t **blob)
{
	*blob = NULL;
	if (len > (uint64_t)chunks * STORE_MODEL_CHUNK || len > SIZE_MAX)
		return sl_err(SEMLITE_CORRUPT, "model: bad size");
	uint8_t *b = sl_malloc((size_t)len);
	if (!b)
		return sl_err(SEMLITE_NOMEM, "model: %llu bytes",
		              (unsigned long long)len);
	size_t off = 0;
	int rc = SEMLITE_OK;
	for (uint32_t i = 0; i < chunks && !rc; i++) {
		uint8_t k[12];
		const uint8_t *p;
		size_t n;
		model_key(k, hash, i);
		rc = store_get_checked(t, STORE_DB_MODEL, k, sizeof k, &p, &n);
		if (rc == SEMLITE_NOTFOUND)
			rc = sl_err(SEMLITE_CORRUPT, "model: chunk %u missing",
			            i);
		else if (!rc && (n > len - off ||
		                 (i + 1 < chunks && n != STORE_MODEL_CHUNK)))
			rc = sl_err(SEMLITE_CORRUPT, "model: chunk %u size", i);
		if (!rc) {
			memcpy(b + off, p, n);
			off += n;
		}
	}
	if (!rc && off != len)
		rc = sl_err(SEMLITE_CORRUPT, "model: %zu of %llu bytes", off,
		            (unsigned long long)len);
	if (!rc && store_hash64(b, (size_t)len) != hash)
		rc = sl_err(SEMLITE_CORRUPT,
		            "model: content does not match its pin");
	if (rc)
		sl_free(b);
	else
		*blob = b;
	return rc;
}

int store_model_del(const store_txn *t, uint64_t hash)
{
	uint8_t k[12];
	model_key(k, hash, 0);
	return store_del_prefix(t, STORE_DB_MODEL, k, 8);
}
