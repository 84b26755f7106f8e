/*
 * store.h — the storage layer: one LMDB environment, its sub-databases,
 * transactions with automatic map growth, checked records and the codecs
 * of every record kind. format.h documents the bytes; this header is the
 * interface the rest of semlite (api/, filter/, index/) uses.
 *
 * Error mapping happens here, at the LMDB boundary: MDB_NOTFOUND ->
 * SEMLITE_NOTFOUND (quietly, no message: absence is normal), MDB_MAP_FULL
 * -> SEMLITE_FULL (the caller grows the map with store_env_grow() and
 * replays its transaction), MDB_CORRUPTED/MDB_PAGE_NOTFOUND/MDB_INVALID ->
 * SEMLITE_CORRUPT, MDB_VERSION_MISMATCH -> SEMLITE_VERSION, ENOMEM ->
 * SEMLITE_NOMEM, everything else -> SEMLITE_IOERR; each with a message.
 */
#ifndef SL_STORAGE_STORE_H
#define SL_STORAGE_STORE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/common.h"
#include "storage/format.h"

typedef enum store_db {
	STORE_DB_META,
	STORE_DB_MODEL,
	STORE_DB_DOCS,
	STORE_DB_IDS,
	STORE_DB_CODES,
	STORE_DB_EXACT,
	STORE_DB_BITMAPS,
	STORE_DB_LINKS,
	STORE_DB_POSTINGS,
	STORE_DB_COUNT
} store_db;

typedef struct store_env store_env;

typedef struct store_txn {
	MDB_txn *txn;
	store_env *env;
	bool write;
	/* After a successful commit of a write transaction: its LMDB
	 * transaction id when the commit is the environment's latest (no
	 * other writer came after it; an empty commit writes nothing and is
	 * never this), else 0. Caches kept across transactions key on it. */
	size_t committed;
} store_txn;

/* ---- environment and transactions (env.c) --------------------------- */

/* Opens path as a database; creates it (and writes the format record)
 * when `create` and it is missing. */
int store_env_open(const char *path, bool create, bool readonly,
                   store_env **out);
void store_env_close(store_env *e);
bool store_env_readonly(const store_env *e);
const char *store_env_path(const store_env *e);

/* Begins a transaction. Every transaction holds the environment's map lock
 * shared until it ends, so store_env_grow() can resize safely. */
int store_txn_begin(store_env *e, bool write, store_txn *t);
int store_txn_commit(store_txn *t);
void store_txn_abort(store_txn *t);

/* Writes a consistent copy of the database as of one read snapshot to
 * the new file dest (which must not exist: SEMLITE_EXISTS), leaving out
 * free pages when `compact`. The copy is written under a temporary name
 * in dest's directory, synced, then linked into place, so dest is either
 * complete or absent. The calling thread must hold no transaction. */
int store_env_copy(store_env *e, const char *dest, bool compact);

/* Rewrites the closed database at path in place as its compacted copy
 * would be (SQLite's VACUUM): the new image is written beside it, synced,
 * and renamed over it. SEMLITE_BUSY when any handle has it open, in this
 * process or another; openers that arrive meanwhile wait for it. On any
 * failure the file is left as it was. */
int store_env_vacuum(const char *path);
/* Bytes of the file in pages LMDB keeps free for reuse (its free list):
 * what a compacting copy leaves out. SEMLITE_CORRUPT for a malformed
 * free-list record. */
int store_env_free_bytes(store_env *e, uint64_t *bytes);
/* LMDB's page size of the file. */
size_t store_env_psize(store_env *e);

/* Doubles the map size. The calling thread must hold no transaction.
 * Returns SEMLITE_FULL when the map cannot grow further (or the lock
 * could not be taken in time). */
int store_env_grow(store_env *e);
size_t store_env_mapsize(store_env *e);
/* How many times this process has remapped e (growth, or adopting
 * another process's size). A pointer into the map read in a snapshot
 * stays valid for later transactions with the same LMDB txn id only
 * while this is unchanged (the map may move when it is remapped). Call
 * with a transaction of e open. */
uint64_t store_env_map_gen(const store_env *e);

/* Maps an LMDB return code (never MDB_SUCCESS) to a semlite code. */
int store_rc(int mdb_rc, const char *what);

MDB_dbi store_dbi(const store_txn *t, store_db db);
const char *store_db_name(store_db db);

/* ---- plain access ---------------------------------------------------- */

int store_get(const store_txn *t, store_db db, const void *k, size_t kl,
              MDB_val *v);
int store_put(const store_txn *t, store_db db, const void *k, size_t kl,
              const void *v, size_t vl);
/* Reserves vl bytes for key k and returns where to write them (valid until
 * the next write in this transaction). */
int store_put_reserve(const store_txn *t, store_db db, const void *k, size_t kl,
                      size_t vl, void **where);
/* store_put (where NULL) or store_put_reserve (v NULL, *where receives
 * the room) for keys that usually sort after every key of db, such as a
 * collection's new internal ids: tried with MDB_APPEND, where LMDB leaves
 * a full page full when it splits (records appended in key order fill
 * pages completely, not to (n-1)/n as plain puts do), and put the plain
 * way when the key is not past the last one. */
int store_put_tail(const store_txn *t, store_db db, const void *k, size_t kl,
                   const void *v, size_t vl, void **where);
int store_del(const store_txn *t, store_db db, const void *k, size_t kl);
/* Deletes every key starting with prefix. */
int store_del_prefix(const store_txn *t, store_db db, const void *prefix,
                     size_t pl);

/* ---- checked records: payload + CRC-32C (record.c) ------------------- */

int store_put_checked(const store_txn *t, store_db db, const void *k, size_t kl,
                      const void *payload, size_t n);
/* On success *p and *n view the payload inside the map (valid until the
 * transaction ends or writes). SEMLITE_CORRUPT on a bad checksum. */
int store_get_checked(const store_txn *t, store_db db, const void *k, size_t kl,
                      const uint8_t **p, size_t *n);
/* Validates one stored value in place (no lookup). */
int store_checked_view(store_db db, const MDB_val *v, const uint8_t **p,
                       size_t *n);

/* ---- checksums (checksum.c) ------------------------------------------ */

uint32_t store_crc32c(uint32_t crc, const void *p, size_t n);
/* A fast non-cryptographic 64-bit hash (pins models, hashes long filter
 * values); never 0. */
uint64_t store_hash64(const void *p, size_t n);

/* ---- keys ------------------------------------------------------------ */

static inline void store_key_id(uint8_t k[8], uint32_t coll, uint32_t id)
{
	k[0] = (uint8_t)(coll >> 24);
	k[1] = (uint8_t)(coll >> 16);
	k[2] = (uint8_t)(coll >> 8);
	k[3] = (uint8_t)coll;
	k[4] = (uint8_t)(id >> 24);
	k[5] = (uint8_t)(id >> 16);
	k[6] = (uint8_t)(id >> 8);
	k[7] = (uint8_t)id;
}

static inline uint32_t store_load_u32be(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* ---- meta records (record.c) ----------------------------------------- */

typedef struct store_coll_rec {
	uint32_t id;
	uint32_t dim;
	uint8_t metric;
	uint8_t precision;
	uint8_t flags;
	uint32_t hnsw_m;
	uint32_t hnsw_ef_construction;
	uint64_t seed;
	uint64_t model_hash;
	uint64_t model_len;
	uint32_t model_chunks;
	uint32_t codes_per; /* ids per codes block (vecblk.c) */
	uint32_t exact_per; /* ids per exact block; 0 for int8 */
} store_coll_rec;

typedef struct store_counters {
	uint32_t next_id;
	uint32_t live;
	uint64_t payload_bytes;
	uint64_t stored_bytes;
	uint64_t dict_docs; /* live documents when the dictionary was trained */
} store_counters;

int store_coll_get(const store_txn *t, const char *name, store_coll_rec *out);
int store_coll_put(const store_txn *t, const char *name,
                   const store_coll_rec *r);
int store_coll_del(const store_txn *t, const char *name);
int store_coll_decode(const uint8_t *p, size_t n, store_coll_rec *out);
/* Allocates the next collection id. */
int store_coll_next_id(const store_txn *t, uint32_t *out);

int store_counters_get(const store_txn *t, uint32_t coll, store_counters *out);
int store_counters_put(const store_txn *t, uint32_t coll,
                       const store_counters *c);

/* Small per-collection meta keys: kind byte + collection id. */
void store_meta_key(uint8_t k[5], char kind, uint32_t coll);
/* The checked meta record of kind for collection coll; SEMLITE_OK with
 * *p NULL and *n 0 when it does not exist (an absent record means "never
 * written": zero counters, no dictionary, no tuned ef). */
int store_meta_get(const store_txn *t, char kind, uint32_t coll,
                   const uint8_t **p, size_t *n);
int store_meta_put(const store_txn *t, char kind, uint32_t coll, const void *v,
                   size_t n);

/* ---- document records (docrec.c) ------------------------------------- */

typedef struct store_doc {
	const char *ext;
	uint32_t ext_len;
	const char *text;
	uint32_t text_len;
	const char *meta;
	uint32_t meta_len;
} store_doc;

/* Reusable compression state and buffers (one per thread of use). */
typedef struct store_codec store_codec;

int store_codec_new(store_codec **out);
void store_codec_free(store_codec *c);
/* A zstd dictionary ready for both directions; immutable once made, so
 * one may be shared by threads and codecs. */
typedef struct store_dict store_dict;

/* SEMLITE_CORRUPT when the bytes are not a usable zstd dictionary. */
int store_dict_new(const void *p, size_t n, store_dict **out);
void store_dict_free(store_dict *d);
/* The zstd dictID of a dictionary (0 for NULL) / of raw bytes (0 when they
 * are not a zstd dictionary). */
unsigned store_dict_id(const store_dict *d);
unsigned store_dict_id_of(const void *p, size_t n);
/* Makes the codec compress with (and accept frames naming) d; NULL for
 * none. d is borrowed and must outlive the codec's use of it. */
void store_codec_use_dict(store_codec *c, const store_dict *d);

/* Compresses a document record; *frame and *n view the codec's buffer, valid
 * until its next use. */
int store_doc_encode(store_codec *c, const store_doc *d, const void **frame,
                     size_t *n);
/* Validates and decompresses a stored frame; the views in *d point into
 * the codec's buffer. Frames that name a dictionary need the codec to hold
 * that dictionary (store_codec_set_dict). */
int store_doc_decode(store_codec *c, const void *frame, size_t n, store_doc *d);
/* The uncompressed size a frame declares (validated), for statistics. */
int store_doc_payload_size(const void *frame, size_t n, uint64_t *out);

/* Trains a zstd dictionary of at most cap bytes from n concatenated
 * samples; SEMLITE_INVALID when the samples are too few or too alike. */
int store_dict_train(const void *samples, const size_t *sizes, unsigned n,
                     void *dict, size_t cap, size_t *out);

/* ---- vectors ---------------------------------------------------------- */

/* Bytes of an exact-vector record for this precision (0 for int8). */
size_t store_exact_size(uint8_t precision, uint32_t dim);

/* ---- vector blocks (vecblk.c; format.h, "codes" and "exact") --------- */

/* Where one kind of per-id vector record of a collection lives: `per`
 * consecutive internal ids share one LMDB value of `slot`-byte records. */
typedef struct store_vecs {
	store_db db;   /* STORE_DB_CODES or STORE_DB_EXACT */
	uint32_t coll; /* collection id */
	uint32_t slot; /* bytes of one id's record */
	uint32_t per;  /* ids per block */
} store_vecs;

/* One block value, validated (store_vec_block). */
typedef struct store_vblock {
	uint32_t first;       /* internal id of slot 0 */
	uint32_t per;         /* slots (ids) of the block */
	uint32_t n;           /* records stored */
	const uint8_t *bits;  /* presence: bit i of byte i / 8, LSB first */
	const uint8_t *slots; /* n records of `slot` bytes, in slot order */
} store_vblock;

/* The layout of collection r's codes (db STORE_DB_CODES) or exact vectors
 * (STORE_DB_EXACT; slot and per 0 for an int8 collection). */
store_vecs store_vecs_of(const store_coll_rec *r, store_db db);
/* Ids per block for records of `slot` bytes on `psize`-byte pages: the
 * block (bitmap + slots + LMDB's 16-byte overflow header) that fills its
 * pages best, up to 16 pages (or the pages one record needs). */
uint32_t store_vec_per(size_t slot, size_t psize);
/* Bytes of the presence bitmap of a block of per ids (a multiple of 8). */
size_t store_vec_bitmap(uint32_t per);
/* Sets the block sizes of a new collection record for psize-byte pages. */
void store_vec_layout(store_coll_rec *r, size_t psize);

/* Validates a block value read with a cursor (key COLL + block number;
 * the caller checked COLL); `full` also requires exactly one record per
 * set bit and no bit past the block's ids (the check; readers walk with
 * store_vblock_next, which stops at whichever ends first). */
int store_vec_block(const store_vecs *s, const MDB_val *k, const MDB_val *v,
                    bool full, store_vblock *out);
/* Walks a block's records in id order: start with *i = *j = 0; each true
 * return gives slot *i - 1 and record *j - 1. */
static inline bool store_vblock_next(const store_vblock *b, uint32_t *i,
                                     uint32_t *j)
{
	while (*i < b->per && *j < b->n) {
		uint32_t k = (*i)++;
		if (b->bits[k >> 3] >> (k & 7) & 1) {
			(*j)++;
			return true;
		}
	}
	return false;
}
/* The record of id inside block value v (the block id / per): *p points
 * into v; SEMLITE_NOTFOUND when the slot is empty. */
int store_vec_slot(const store_vecs *s, const MDB_val *v, uint32_t id,
                   const uint8_t **p);
/* The record of id (a view into the map, valid until the transaction
 * writes or ends); SEMLITE_NOTFOUND when id has none. */
int store_vec_get(const store_txn *t, const store_vecs *s, uint32_t id,
                  const uint8_t **p);
/* Makes room for id's record and marks it present; *w receives where to
 * write its `slot` bytes (valid until the next write in the transaction). */
int store_vec_put(const store_txn *t, const store_vecs *s, uint32_t id,
                  void **w);
/* Removes id's record; SEMLITE_NOTFOUND when it had none. */
int store_vec_del(const store_txn *t, const store_vecs *s, uint32_t id);

/* ---- model chunks ----------------------------------------------------- */

int store_model_put(const store_txn *t, const uint8_t *blob, size_t len,
                    uint64_t *hash, uint32_t *chunks);
/* Reads and verifies a whole blob (allocated with sl_malloc). */
int store_model_get(const store_txn *t, uint64_t hash, uint64_t len,
                    uint32_t chunks, uint8_t **blob);
int store_model_del(const store_txn *t, uint64_t hash);

#endif /* SL_STORAGE_STORE_H */
