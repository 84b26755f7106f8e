/*
 * api.h — internal state behind the public handles of semlite.h
 * (databases, collections, transactions) and the helpers the api/ files
 * share. Nothing here is API.
 */
#ifndef SL_API_H
#define SL_API_H

#include <pthread.h>

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
};

struct semlite_collection {
	semlite_db *db;
	char name[STORE_MAX_NAME + 1];
	store_coll_rec rec;   /* settings when opened; ids re-checked per txn */
	pthread_mutex_t mu;   /* guards loading of model and dict */
	enc_model *model;     /* loaded on first use by text */
	store_dict *dict;     /* the zstd dictionary once one exists */
	store_dict **retired; /* replaced dictionaries, freed at close */
	size_t nretired;
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

/* Per-collection state of a write transaction. */
typedef struct api_tcoll {
	semlite_collection *coll;
	store_counters ctr;
	bool dirty;
	const store_dict *dict; /* the collection's (handle-owned), or NULL */
	/* Samples for training a dictionary while the collection has none. */
	uint8_t *samples;
	size_t samples_len, samples_cap;
	size_t *sample_sizes;
	unsigned nsamples;
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
	float *vbuf; /* dim floats: the vector being stored */
	int8_t *cbuf;
	size_t vcap;
};

/* Dictionary training (txn.c): a commit with this many sampled documents
 * in a collection without a dictionary trains one of DICT_SIZE bytes. */
#define API_DICT_MIN_SAMPLES      1000
#define API_DICT_MAX_SAMPLE_BYTES (4u << 20)
#define API_DICT_SIZE             (32u << 10)

/* txn.c */
/* True when an operation's error leaves its transaction usable. */
bool api_rc_keeps_txn(int rc);
int api_txn_coll(semlite_txn *t, semlite_collection *c, api_tcoll **out);
/* Runs op in t (logging it) or, without t, in a transaction of its own. */
int api_txn_run(semlite_collection *c, semlite_txn *t, api_op *op);

/* index.c: the HNSW graph of a collection inside its transactions */
int api_index_insert(semlite_txn *t, api_tcoll *tc, uint32_t id);
int api_index_repair(semlite_txn *t, api_tcoll *tc, uint32_t id);
int api_index_search(const store_txn *st, const store_coll_rec *r,
                     const float *q, const roaring_bitmap_t *allow, uint32_t k,
                     uint32_t ef, hnsw_hit *out, uint32_t *n);
int api_index_check(const store_txn *st, const store_coll_rec *r);

/* doc.c */
int api_op_apply(semlite_txn *t, const api_op *op);
/* Appends a document's payload to tc's dictionary samples (false when
 * the sample budget is spent). */
bool api_sample_add(api_tcoll *tc, const store_doc *d);
int api_doc_read(const store_txn *st, store_codec *codec, uint32_t coll,
                 uint32_t id, store_doc *d);
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

/* Prepares v[dim] for storage/search under metric: cosine normalizes. */
void api_vec_prepare(float *v, uint32_t dim, uint8_t metric);

#endif /* SL_API_H */
