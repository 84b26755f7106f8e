/*
 * api.h — internal state behind the public handles of semlite.h
 * (databases, collections, transactions) and the helpers the api/ files
 * share. Nothing here is API.
 */
#ifndef SL_API_H
#define SL_API_H

#include <pthread.h>

#include "filter/bm25.h"
#include "filter/filter.h"
#include "index/hnsw.h"
#include "kernels/kernels.h"
#include "quant/quant.h"
#include "storage/store.h"

#ifdef SEMLITE_HAVE_ENCODER
#include "encoder/encoder.h"
#else
typedef struct enc_model enc_model;
#endif

struct semlite_db {
	store_env *env;
	uint64_t serial; /* unique per open in this process (index.c) */
};

struct semlite_collection {
	semlite_db *db;
	char name[STORE_MAX_NAME + 1];
	store_coll_rec rec;  /* settings when opened; ids re-checked per txn */
	pthread_mutex_t mu;  /* guards loading of model and dict, and wgraph */
	enc_model *model;    /* loaded on first use by text */
	uint64_t model_hash; /* the pin of `model` */
	/* Models replaced after an adapt: other threads may still encode
	 * with them, and a reader on an older snapshot may need one back;
	 * freed at close. */
	enc_model **old_models;
	uint64_t *old_hashes;
	size_t nold_models;
	store_dict *dict;     /* the zstd dictionary once one exists */
	store_dict **retired; /* replaced dictionaries, freed at close */
	size_t nretired;
	/* The graph records this handle's write transactions touched, kept
	 * between them (index.c): valid after LMDB transaction wgraph_txn;
	 * lent to one open transaction at a time (wgraph_busy). */
	struct hnsw_lmdb_wcache *wgraph;
	size_t wgraph_txn;
	bool wgraph_busy;
};

/* One write operation, kept so a transaction can be replayed after the
 * map was grown (txn.c). Strings are private copies. */
typedef enum api_op_kind { API_OP_PUT, API_OP_DELETE } api_op_kind;

typedef struct api_op {
	api_op_kind kind;
	semlite_collection *coll;
	char *id;
	char *text;
	size_t text_len;
	char *meta; /* NULL: none */
	float *vec; /* NULL: encode text */
} api_op;

/* Keyword postings state of one collection in a write transaction. */
typedef struct api_kw api_kw;

/* Per-collection state of a write transaction. */
typedef struct api_tcoll {
	semlite_collection *coll;
	api_kw *kw; /* keyword postings cache (keyword.c), or NULL */
	store_counters ctr;
	bool dirty;
	const store_dict *dict; /* the collection's (handle-owned), or NULL */
	/* Samples for training a dictionary while the collection has none. */
	uint8_t *samples;
	size_t samples_len, samples_cap;
	size_t *sample_sizes;
	unsigned nsamples;
	/* the graph records this transaction touched (index.c), or NULL;
	 * graph_lent: it is the handle's wgraph */
	struct hnsw_lmdb_wcache *graph;
	bool graph_lent;
} api_tcoll;

struct semlite_txn {
	semlite_db *db;
	store_txn st;
	filt_cache *bitmaps;
	store_codec *codec;
	api_tcoll *tc;
	size_t ntc;
	api_op *ops;
	size_t nops, cap_ops;
	bool failed;
	bool replaying;
	bool unlogged; /* writes outside the op log (adapt): a full map at
	                  commit is returned, not replayed */
	float *vbuf;   /* dim floats: the vector being stored */
	int8_t *cbuf;
	size_t vcap;
};

/* Dictionary training (txn.c): a commit with this many sampled documents
 * in a collection without a dictionary trains one of DICT_SIZE bytes;
 * retraining samples TRAIN_SAMPLES documents spread over the collection.
 * 256 KiB: on Gutenberg paragraphs (bench_ingest zgrid, RESULTS.md
 * ## Storage) it stores 1.5-3 points less of the payload than 32-110 KiB
 * at level 3, for the same speed; 512 KiB and 1 MiB were no better, and
 * more than 4,000 samples gained nothing. */
#define API_DICT_MIN_SAMPLES      1000
#define API_DICT_TRAIN_SAMPLES    4000
#define API_DICT_MAX_SAMPLE_BYTES (8u << 20)
#define API_DICT_SIZE             (256u << 10)

/* txn.c */
/* How many times a write that filled the map is retried after growing it
 * (each growth doubles the map). */
#define API_MAX_GROWTH 40
/* A write that is not in a semlite_txn's operation log (collection create
 * and drop, compact, tune): fn does all of it in the write transaction it
 * is given, which api_write commits when fn returns SEMLITE_OK and aborts
 * otherwise. When fn or the commit reports SEMLITE_FULL the map is grown
 * and fn runs again in a fresh transaction, so fn must start from nothing
 * each time (reset its outputs, free what an earlier run left). */
typedef int (*api_write_fn)(const store_txn *t, void *arg);
int api_write(store_env *e, api_write_fn fn, void *arg);
/* True when an operation's error leaves its transaction usable. */
bool api_rc_keeps_txn(int rc);
int api_txn_coll(semlite_txn *t, semlite_collection *c, api_tcoll **out);
/* Runs op in t (logging it) or, without t, in a transaction of its own. */
int api_txn_run(semlite_collection *c, semlite_txn *t, api_op *op);

/* True when the collection keeps BM25 postings of its text. */
static inline bool api_coll_keywords(const store_coll_rec *r)
{
	return !(r->flags & STORE_COLL_NO_KEYWORDS);
}

/* True when the collection keeps an HNSW graph (not created with
 * SEMLITE_INDEX_NONE). */
static inline bool api_coll_indexed(const store_coll_rec *r)
{
	return !(r->flags & STORE_COLL_NO_INDEX);
}

/* index.c: the HNSW graph of a collection inside its transactions */
int api_index_insert(semlite_txn *t, api_tcoll *tc, uint32_t id);
int api_index_repair(semlite_txn *t, api_tcoll *tc, uint32_t id);
int api_index_search(const store_txn *st, uint64_t serial,
                     const store_coll_rec *r, const float *q,
                     const roaring_bitmap_t *allow, uint32_t k, uint32_t ef,
                     hnsw_hit *out, uint32_t *n);
int api_index_check(const store_txn *st, const store_coll_rec *r);
/* index.c: the stored document record of id (unvalidated bytes, for
 * api_doc_read). In a read snapshot the thread last searched, through
 * its pointer cache (result assembly otherwise pays a B-tree lookup per
 * hit); else a plain lookup. NOTFOUND quietly. */
int api_snap_doc(const store_txn *st, uint64_t serial, uint32_t coll,
                 uint32_t id, MDB_val *v);
/* The calling thread's document codec for reading results (created on
 * first use, freed when the thread ends): a zstd decompression context
 * per query cost ~15% of a search. Not for nested use. */
int api_thread_codec(store_codec **out);
/* Empties the graph record copies tc's transaction uses: for writes of
 * codes or links that bypass the index (adapt re-encodes every vector and
 * clears the links in place). */
void api_index_forget(semlite_txn *t, api_tcoll *tc);
/* Ends tc's use of its graph record copies (tc->graph): its own are
 * freed; the handle's are handed back, valid after LMDB transaction
 * `committed` (store_txn.committed), or emptied when that is 0 (aborted,
 * replayed, or not the file's latest commit). */
void api_index_txn_free(api_tcoll *tc, size_t committed);

/* compact.c: how many tombstoned ids compaction removed for good from the
 * collection (its 'p' meta record; 0 when absent). */
int api_purged_get(const store_txn *st, uint32_t coll, uint64_t *out);
/* compact.c: integrity check of what compaction removed: no id below
 * next_id that is neither a document nor tombstoned is still a graph
 * node or in a filter bitmap. */
int api_compact_check(const store_txn *st, const store_coll_rec *r,
                      uint32_t next_id, const roaring_bitmap_t *tomb);

/* doc.c */
int api_op_apply(semlite_txn *t, const api_op *op);
/* Appends a document's payload to tc's dictionary samples (false when
 * the sample budget is spent). */
bool api_sample_add(api_tcoll *tc, const store_doc *d);
/* Reads, validates and decodes document id of collection id `coll`; a
 * missing record is SEMLITE_CORRUPT. The record comes through
 * api_snap_doc: from the thread's cache in a read snapshot of database
 * `serial` it last searched, else by a lookup. */
int api_doc_read(const store_txn *st, uint64_t serial, store_codec *codec,
                 uint32_t coll, uint32_t id, store_doc *d);
/* Loads a stored dictionary of collection id `coll` (*out NULL when it
 * has none). */
int api_dict_load(const store_txn *st, uint32_t coll, store_dict **out);
/* The collection's current dictionary as st sees it, cached in the
 * handle by dictID (a retrained dictionary has a new id and replaces the
 * cached one; the old stays alive until the handle closes, as other
 * threads may still use it). */
int api_coll_dict(semlite_collection *c, const store_txn *st,
                  const store_dict **out);
/* Checks that the collection still exists with the same id. */
int api_coll_check(const store_txn *st, semlite_collection *c);
int api_id_check(const char *id, size_t *len);

/* model.c */
int api_model_blob_from_dir(const char *dir, uint8_t **blob, size_t *len);
int api_model_blob_default(uint8_t **blob, size_t *len);
/* The collection's model (loaded from the database on first use). */
int api_coll_model(semlite_collection *c, const store_txn *st,
                   const enc_model **out);
void api_model_free(enc_model *m);
int api_model_dim(const uint8_t *blob, size_t len, uint32_t *dim);
int api_encode(const enc_model *m, const char *text, size_t len, float *out);

/* The text iterator of an adapt (the trainer's train_texts_fn shape). */
typedef int (*api_text_fn)(void *ctx, const char *text, size_t len);
typedef int (*api_texts_fn)(void *src, api_text_fn fn, void *fn_ctx);
/* The blob of the model adapted to the texts of src (adapt.c). */
int api_model_adapt(const uint8_t *blob, size_t len, api_texts_fn src,
                    void *src_ctx, const semlite_adapt_opts *o, uint8_t **out,
                    size_t *out_len);
/* Loads a model from a blob. */
int api_model_from_blob(const uint8_t *blob, size_t len, enc_model **out);
/* Frees a handle's current and replaced models. */
void api_coll_models_free(semlite_collection *c);
/* db.c: true when a collection pins model `hash`. */
int api_model_shared(const store_txn *t, uint64_t hash, bool *shared);

/* doc.c: makes t->vbuf/t->cbuf hold dim values. */
int api_vbuf_reserve(semlite_txn *t, uint32_t dim);
/* doc.c: stores t->vbuf (prepared) as document id's code and exact copy. */
int api_vectors_put(semlite_txn *t, api_tcoll *tc, uint32_t id);

/* tune.c: the collection's measured search breadth: *ef (0 when never
 * measured) and the live documents it was measured on (*docs; 0 in a
 * record written before they were kept). SEMLITE_CORRUPT for a malformed
 * record. */
int api_tuned_get(const store_txn *st, uint32_t coll, uint32_t *ef,
                  uint32_t *docs);
/* The measured ef widened for a collection grown from docs to live. */
uint32_t api_ef_grown(uint32_t ef, uint32_t docs, uint32_t live);
/* The ef of a search that sets none (0: never measured, the index's
 * default): the measured one, widened by api_ef_grown. */
int api_default_ef(const store_txn *st, uint32_t coll, uint32_t *ef);

/* Prepares v[dim] for storage/search under metric: cosine normalizes. */
void api_vec_prepare(float *v, uint32_t dim, uint8_t metric);

/* keyword.c: BM25 postings in the write path and keyword search. A
 * term's postings are stored in segments of 2^API_KW_SEG_BITS ids. */
#define API_KW_SEG_BITS 12
/* Adds (remove = false) or removes document id's text to/from the
 * collection's postings (cached; written by api_kw_flush at commit). */
int api_kw_index(semlite_txn *t, api_tcoll *tc, uint32_t id, const char *text,
                 size_t len, bool remove);
/* Removes a stored document's terms (reads its text); call before its
 * record is deleted. */
int api_kw_retire(semlite_txn *t, api_tcoll *tc, uint32_t id);
int api_kw_flush(api_tcoll *tc);
void api_kw_free(api_kw *k);
/* BM25 statistics of a collection (zero when it has no keyword text). */
int api_kw_stats(const store_txn *st, uint32_t coll, filt_kw_stats *out);
/* The best k documents for query q by BM25 (allow: NULL or allow-list). */
int api_kw_search(const store_txn *st, uint32_t coll, const char *q, size_t len,
                  const roaring_bitmap_t *allow, size_t k, filt_hit *out,
                  size_t *n);
/* doc.c: an external id's internal id; SEMLITE_NOTFOUND (quietly) when
 * absent. */
int api_id_lookup(const store_txn *st, uint32_t coll, uint32_t next_id,
                  const char *id, size_t n, uint32_t *out);

/* search.c: building blocks shared with hybrid.c */
/* The field=value allow-list of opts (minus tombstones), or NULL. */
int api_search_allow(const store_txn *st, uint32_t coll,
                     const semlite_search_opts *o, roaring_bitmap_t **out);
/* The best `want` documents for the prepared vector v, exactly rescored;
 * scores higher-is-better (L2: negated squared distance). */
int api_dense_hits(const store_txn *st, semlite_collection *c, const float *v,
                   const semlite_search_opts *o, const roaring_bitmap_t *allow,
                   size_t want, filt_hit *out, size_t *n);
/* Results for hits; dense_scores converts scores as dense search does,
 * otherwise they are copied. */
int api_results_from_hits(const store_txn *st, semlite_collection *c,
                          const filt_hit *hits, size_t n, bool with_text,
                          bool dense_scores, semlite_results **out);

/* hybrid.c: a stored vector (exact copy, or the dequantized code). */
int api_vec_load(const store_txn *st, const store_coll_rec *r, uint32_t id,
                 float *out);
/* hybrid.c: re-ranks hits[0..*n) by MMR (lambda), keeping min(k, *n). */
int api_apply_mmr(const store_txn *st, const store_coll_rec *r, filt_hit *hits,
                  size_t *n, size_t k, float lambda);
/* hybrid.c: semlite_search_text for the keyword and hybrid modes.
 * *handled is false when the dense path should run instead. */
int api_search_text_mode(semlite_collection *c, const char *text, size_t len,
                         const semlite_search_opts *o, semlite_results **out,
                         bool *handled);

/* Checks one stored postings record of a collection (integrity check). */
int api_kw_check_record(const void *key, size_t kl, const void *val, size_t vl,
                        uint32_t next_id, const roaring_bitmap_t *tomb);

#endif /* SL_API_H */
