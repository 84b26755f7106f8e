/*
 * check.c — the integrity check (semlite_db_check, `semlite check`).
 *
 * It reads every record of every collection inside one read snapshot and
 * cross-checks them: each document record decodes (zstd frame, checksum,
 * lengths) and its external id maps back to it; each live id has exactly
 * one code record of the right size and, for f16/f32 collections, one
 * exact record; no record exists for an id at or past the counters' next
 * id or in the tombstones; the live count and byte totals equal the
 * counters; bitmaps and model chunks pass their checksums and the model
 * its pin. The first problem stops the check with SEMLITE_CORRUPT.
 *
 * Rejected: walking LMDB's pages ourselves (LMDB validates page headers
 * as we read; reading every value touches every page).
 */
#define _POSIX_C_SOURCE 200809L
#include "api/api.h"

#include <stdio.h>
#include <string.h>

typedef struct chk {
	const store_txn *st;
	const char *name;
	store_coll_rec r;
	store_counters ctr;
	roaring_bitmap_t *tomb;
	store_codec *codec;
	store_dict *dict;
	uint64_t docs, payload, stored;
} chk;

#define BAD(...) sl_err(SEMLITE_CORRUPT, __VA_ARGS__)

/* Calls fn for each record of the collection in db (key prefix COLL). */
static int each(chk *k, store_db db,
                int (*fn)(chk *, const MDB_val *, const MDB_val *))
{
	MDB_cursor *c;
	int rc = mdb_cursor_open(k->st->txn, store_dbi(k->st, db), &c);
	if (rc)
		return store_rc(rc, store_db_name(db));
	uint8_t pre[4];
	pre[0] = (uint8_t)(k->r.id >> 24);
	pre[1] = (uint8_t)(k->r.id >> 16);
	pre[2] = (uint8_t)(k->r.id >> 8);
	pre[3] = (uint8_t)k->r.id;
	MDB_val kv = {4, pre}, v;
	int err = SEMLITE_OK;
	rc = mdb_cursor_get(c, &kv, &v, MDB_SET_RANGE);
	while (!rc && !err && kv.mv_size >= 4 && !memcmp(kv.mv_data, pre, 4)) {
		err = fn(k, &kv, &v);
		rc = mdb_cursor_get(c, &kv, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err)
		return err;
	return rc && rc != MDB_NOTFOUND ? store_rc(rc, store_db_name(db))
	                                : SEMLITE_OK;
}

/* A record's internal id, validated against counters and tombstones. */
static int id_ok(chk *k, store_db db, uint32_t id)
{
	if (id >= k->ctr.next_id)
		return BAD("%s: id %u past the counter %u", store_db_name(db),
		           id, k->ctr.next_id);
	if (roaring_bitmap_contains(k->tomb, id))
		return BAD("%s: id %u is tombstoned", store_db_name(db), id);
	return SEMLITE_OK;
}

/* The id of an 8-byte COLL+id key, validated against counters/tombs. */
static int key_id(chk *k, store_db db, const MDB_val *kv, uint32_t *id)
{
	if (kv->mv_size != 8)
		return BAD("%s: key of %zu bytes", store_db_name(db),
		           kv->mv_size);
	*id = store_load_u32be((const uint8_t *)kv->mv_data + 4);
	return id_ok(k, db, *id);
}

static int has(chk *k, store_db db, uint32_t id, size_t size)
{
	uint8_t key[8];
	MDB_val v;
	store_key_id(key, k->r.id, id);
	int rc = store_get(k->st, db, key, 8, &v);
	if (rc == SEMLITE_NOTFOUND)
		return BAD("%s: record %u missing", store_db_name(db), id);
	if (!rc && size && v.mv_size != size)
		return BAD("%s: record %u of %zu bytes, want %zu",
		           store_db_name(db), id, v.mv_size, size);
	return rc;
}

/* id's record in the vector blocks of db. */
static int has_vec(chk *k, store_db db, uint32_t id)
{
	store_vecs s = store_vecs_of(&k->r, db);
	const uint8_t *p;
	int rc = store_vec_get(k->st, &s, id, &p);
	if (rc == SEMLITE_NOTFOUND)
		return BAD("%s: record %u missing", store_db_name(db), id);
	return rc;
}

static int check_doc(chk *k, const MDB_val *kv, const MDB_val *v)
{
	uint32_t id = 0;
	store_doc d;
	int rc = key_id(k, STORE_DB_DOCS, kv, &id);
	if (!rc)
		rc = store_doc_decode(k->codec, v->mv_data, v->mv_size, &d);
	if (rc)
		return sl_err(rc, "document %u: %s", id, sl_errmsg());
	uint8_t key[4 + STORE_MAX_EXT_ID];
	MDB_val iv;
	store_key_id(key, k->r.id, 0);
	memcpy(key + 4, d.ext, d.ext_len);
	rc = store_get(k->st, STORE_DB_IDS, key, 4 + d.ext_len, &iv);
	if (rc == SEMLITE_NOTFOUND)
		return BAD("ids: no entry for document %u", id);
	if (rc)
		return rc;
	if (iv.mv_size != 4 || sl_load_u32le(iv.mv_data) != id)
		return BAD("ids: entry of document %u points elsewhere", id);
	rc = has_vec(k, STORE_DB_CODES, id);
	if (!rc && store_exact_size(k->r.precision, k->r.dim))
		rc = has_vec(k, STORE_DB_EXACT, id);
	k->docs++;
	k->payload +=
	    (uint64_t)STORE_DOC_HEADER + d.ext_len + d.text_len + d.meta_len;
	k->stored += v->mv_size;
	return rc;
}

/* A vector block: well formed, and each of its ids a live document. */
static int check_vec(chk *k, const MDB_val *kv, const MDB_val *v, store_db db)
{
	store_vecs s = store_vecs_of(&k->r, db);
	store_vblock b = {0};
	if (!s.slot)
		return BAD("%s: a block in an int8 collection",
		           store_db_name(db));
	int rc = store_vec_block(&s, kv, v, true, &b);
	for (uint32_t i = 0, j = 0; !rc && store_vblock_next(&b, &i, &j);) {
		rc = id_ok(k, db, b.first + i - 1);
		if (!rc)
			rc = has(k, STORE_DB_DOCS, b.first + i - 1, 0);
	}
	return rc;
}

static int check_code(chk *k, const MDB_val *kv, const MDB_val *v)
{
	return check_vec(k, kv, v, STORE_DB_CODES);
}

static int check_exact(chk *k, const MDB_val *kv, const MDB_val *v)
{
	return check_vec(k, kv, v, STORE_DB_EXACT);
}

static int check_id(chk *k, const MDB_val *kv, const MDB_val *v)
{
	if (kv->mv_size <= 4 || kv->mv_size > 4 + STORE_MAX_EXT_ID ||
	    v->mv_size != 4)
		return BAD("ids: malformed entry");
	uint32_t id = sl_load_u32le(v->mv_data);
	if (id >= k->ctr.next_id || roaring_bitmap_contains(k->tomb, id))
		return BAD("ids: entry points to retired id %u", id);
	return has(k, STORE_DB_DOCS, id, 0);
}

static int check_bitmap(chk *k, const MDB_val *kv, const MDB_val *v)
{
	const uint8_t *p;
	size_t n;
	roaring_bitmap_t *bm;
	(void)kv;
	int rc = store_checked_view(STORE_DB_BITMAPS, v, &p, &n);
	if (!rc)
		rc = filt_bitmap_decode(p, n, &bm);
	if (rc)
		return rc;
	bool ok = roaring_bitmap_is_empty(bm) ||
	          roaring_bitmap_maximum(bm) < k->ctr.next_id;
	filt_bitmap_free(bm);
	return ok ? SEMLITE_OK : BAD("bitmaps: id past the counter");
}

static int check_posting(chk *k, const MDB_val *kv, const MDB_val *v)
{
	return api_kw_check_record(kv->mv_data, kv->mv_size, v->mv_data,
	                           v->mv_size, k->ctr.next_id, k->tomb);
}

static int check_totals(chk *k)
{
	if (k->docs != k->ctr.live)
		return BAD("counters: %u live documents, found %llu",
		           k->ctr.live, (unsigned long long)k->docs);
	if (k->payload != k->ctr.payload_bytes ||
	    k->stored != k->ctr.stored_bytes)
		return BAD("counters: byte totals differ from the records");
	uint64_t tombs = roaring_bitmap_get_cardinality(k->tomb), purged;
	int rc = api_purged_get(k->st, k->r.id, &purged);
	if (rc)
		return rc;
	if (tombs + k->docs + purged != k->ctr.next_id)
		return BAD("counters: %llu live + %llu tombstones + %llu "
		           "compacted != %u ids",
		           (unsigned long long)k->docs,
		           (unsigned long long)tombs,
		           (unsigned long long)purged, k->ctr.next_id);
	uint32_t ef, docs;
	return api_tuned_get(k->st, k->r.id, &ef, &docs); /* a sound record */
}

static int check_coll(chk *k)
{
	uint8_t key[FILT_KEY_MAX];
	int rc = store_coll_get(k->st, k->name, &k->r);
	if (!rc)
		rc = store_counters_get(k->st, k->r.id, &k->ctr);
	if (!rc)
		rc = filt_bitmap_load(
		    k->st, key, filt_key_tombstones(key, k->r.id), &k->tomb);
	if (!rc)
		rc = api_dict_load(k->st, k->r.id, &k->dict);
	if (!rc)
		store_codec_use_dict(k->codec, k->dict);
	if (!rc)
		rc = each(k, STORE_DB_DOCS, check_doc);
	if (!rc)
		rc = each(k, STORE_DB_CODES, check_code);
	if (!rc)
		rc = each(k, STORE_DB_EXACT, check_exact);
	if (!rc)
		rc = each(k, STORE_DB_IDS, check_id);
	if (!rc)
		rc = each(k, STORE_DB_BITMAPS, check_bitmap);
	if (!rc)
		rc = each(k, STORE_DB_POSTINGS, check_posting);
	if (!rc)
		rc = check_totals(k);
	if (!rc)
		rc = api_index_check(k->st, &k->r);
	if (!rc)
		rc = api_compact_check(k->st, &k->r, k->ctr.next_id, k->tomb);
	if (!rc && (k->r.flags & STORE_COLL_HAS_MODEL)) {
		uint8_t *blob;
		rc = store_model_get(k->st, k->r.model_hash, k->r.model_len,
		                     k->r.model_chunks, &blob);
		sl_free(blob);
	}
	return rc;
}

static int check_all(semlite_db *db, const store_txn *st, char **names,
                     size_t n, uint64_t *docs)
{
	int rc = SEMLITE_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		chk k = {.st = st, .name = names[i]};
		rc = store_codec_new(&k.codec);
		if (!rc)
			rc = check_coll(&k);
		if (rc && rc != SEMLITE_NOMEM)
			sl_err(rc, "collection '%s': %s", names[i],
			       sl_errmsg());
		*docs += k.docs;
		filt_bitmap_free(k.tomb);
		store_codec_free(k.codec);
		store_dict_free(k.dict);
	}
	(void)db;
	return rc;
}

SEMLITE_API int semlite_db_check(semlite_db *db, char *report, size_t cap)
{
	if (report && cap)
		report[0] = 0;
	if (!db)
		return sl_err(SEMLITE_INVALID, "semlite_db_check: NULL");
	char **names;
	size_t n;
	uint64_t docs = 0;
	int rc = semlite_collection_list(db, &names, &n);
	if (rc)
		return rc;
	store_txn st;
	rc = store_txn_begin(db->env, false, &st);
	if (!rc) {
		rc = check_all(db, &st, names, n, &docs);
		store_txn_abort(&st);
	}
	if (report && cap && rc)
		snprintf(report, cap, "%s", sl_errmsg());
	else if (report && cap)
		snprintf(report, cap, "ok: %zu collections, %llu documents", n,
		         (unsigned long long)docs);
	semlite_names_free(names, n);
	return rc;
}
