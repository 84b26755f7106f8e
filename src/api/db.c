/*
 * db.c — databases and collections: open/close, create/drop/open/list,
 * statistics.
 *
 * A semlite_db is little more than the storage environment; a
 * semlite_collection caches the collection record read at open and its
 * model. Every operation re-reads the record inside its own transaction
 * (api_coll_check) so a handle whose collection was dropped or recreated
 * fails cleanly with SEMLITE_NOTFOUND instead of writing under a stale id.
 */
#define _POSIX_C_SOURCE 200809L
#include "api/api.h"
#include "index/hnsw_lmdb.h"

#include <string.h>
#include <sys/stat.h>

SEMLITE_API int semlite_open(const char *path, int flags, semlite_db **out)
{
	if (!out)
		return sl_err(SEMLITE_INVALID, "semlite_open: out is NULL");
	*out = NULL;
	if (!path || !*path)
		return sl_err(SEMLITE_INVALID, "semlite_open: no path");
	if (flags & ~(SEMLITE_OPEN_CREATE | SEMLITE_OPEN_READONLY))
		return sl_err(SEMLITE_INVALID, "semlite_open: unknown flags");
	semlite_db *db = sl_calloc(1, sizeof *db);
	if (!db)
		return sl_err(SEMLITE_NOMEM, "semlite_open");
	static _Atomic uint64_t serials;
	db->serial = ++serials; /* keys the index's pointer caches */
	int rc = store_env_open(path, flags & SEMLITE_OPEN_CREATE,
	                        flags & SEMLITE_OPEN_READONLY, &db->env);
	if (rc) {
		sl_free(db);
		return rc;
	}
	*out = db;
	return SEMLITE_OK;
}

SEMLITE_API void semlite_close(semlite_db *db)
{
	if (!db)
		return;
	store_env_close(db->env);
	sl_free(db);
}

SEMLITE_API int semlite_db_file_size(semlite_db *db, uint64_t *bytes)
{
	struct stat st;
	if (!db || !bytes)
		return sl_err(SEMLITE_INVALID, "semlite_db_file_size: NULL");
	if (stat(store_env_path(db->env), &st))
		return sl_err(SEMLITE_IOERR, "%s: cannot stat",
		              store_env_path(db->env));
	*bytes = (uint64_t)st.st_size;
	return SEMLITE_OK;
}

SEMLITE_API int semlite_db_free_bytes(semlite_db *db, uint64_t *bytes)
{
	if (!db || !bytes)
		return sl_err(SEMLITE_INVALID, "semlite_db_free_bytes: NULL");
	return store_env_free_bytes(db->env, bytes);
}

SEMLITE_API int semlite_db_copy(semlite_db *db, const char *dest, int flags)
{
	if (!db || !dest || !*dest)
		return sl_err(SEMLITE_INVALID,
		              "semlite_db_copy: NULL argument");
	if (flags & ~SEMLITE_COPY_COMPACT)
		return sl_err(SEMLITE_INVALID,
		              "semlite_db_copy: unknown flags");
	return store_env_copy(db->env, dest, flags & SEMLITE_COPY_COMPACT);
}

SEMLITE_API int semlite_vacuum(const char *path)
{
	if (!path || !*path)
		return sl_err(SEMLITE_INVALID, "semlite_vacuum: no path");
	return store_env_vacuum(path);
}

static int name_check(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > STORE_MAX_NAME)
		return sl_err(SEMLITE_INVALID,
		              "collection name must be 1..%d characters",
		              STORE_MAX_NAME);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return sl_err(SEMLITE_INVALID,
			              "collection name '%s': only "
			              "[A-Za-z0-9_.-] allowed",
			              name);
	}
	return SEMLITE_OK;
}

SEMLITE_API void semlite_collection_opts_init(semlite_collection_opts *o)
{
	memset(o, 0, sizeof *o);
	o->use_default_model = 1;
	o->metric = SEMLITE_METRIC_COSINE;
	o->precision = SEMLITE_PRECISION_F16;
	o->hnsw_m = 16;
	o->hnsw_ef_construction = 200;
	o->seed = 42;
	o->keyword_index = 1;
}

/* Fills the record's settings and, for a model, the blob to store. */
static int coll_settings(const semlite_collection_opts *o, store_coll_rec *r,
                         uint8_t **blob, size_t *blen)
{
	*blob = NULL;
	if ((unsigned)o->metric > SEMLITE_METRIC_L2 ||
	    (unsigned)o->precision > SEMLITE_PRECISION_F32 ||
	    (unsigned)o->index > SEMLITE_INDEX_NONE)
		return sl_err(SEMLITE_INVALID,
		              "unknown metric, precision or index");
	if (o->model_path && o->dim)
		return sl_err(SEMLITE_INVALID,
		              "give a model or a dimension, not both");
	if (o->dim > STORE_MAX_DIM)
		return sl_err(SEMLITE_INVALID, "dimension %u over %u", o->dim,
		              STORE_MAX_DIM);
	if (o->hnsw_m < 2 || o->hnsw_m > 256 || o->hnsw_ef_construction == 0)
		return sl_err(SEMLITE_INVALID, "bad HNSW parameters");
	memset(r, 0, sizeof *r);
	r->metric = (uint8_t)o->metric;
	r->precision = (uint8_t)o->precision;
	r->hnsw_m = o->hnsw_m;
	r->hnsw_ef_construction = o->hnsw_ef_construction;
	r->seed = o->seed;
	r->dim = o->dim;
	r->flags = o->index == SEMLITE_INDEX_NONE ? STORE_COLL_NO_INDEX : 0;
	if (!o->keyword_index)
		r->flags |= STORE_COLL_NO_KEYWORDS;
	if (o->dim)
		return SEMLITE_OK;
	int rc;
	if (o->model_path)
		rc = api_model_blob_from_dir(o->model_path, blob, blen);
	else if (o->use_default_model)
		rc = api_model_blob_default(blob, blen);
	else
		return sl_err(SEMLITE_INVALID,
		              "a collection needs a model or a dimension");
	if (!rc)
		rc = api_model_dim(*blob, *blen, &r->dim);
	if (rc) {
		sl_free(*blob);
		*blob = NULL;
		return rc;
	}
	r->flags |= STORE_COLL_HAS_MODEL;
	r->model_len = *blen;
	return SEMLITE_OK;
}

/* The new collection's record and model blob (NULL: vector-only). */
typedef struct coll_new {
	const char *name;
	store_coll_rec *r;
	const uint8_t *blob;
	size_t blen;
} coll_new;

static int coll_create_fn(const store_txn *t, void *arg)
{
	coll_new *a = arg;
	store_coll_rec old;
	int rc = store_coll_get(t, a->name, &old);
	if (!rc)
		rc = sl_err(SEMLITE_EXISTS, "collection '%s' exists", a->name);
	else if (rc == SEMLITE_NOTFOUND)
		rc = store_coll_next_id(t, &a->r->id);
	if (!rc && a->blob)
		rc = store_model_put(t, a->blob, a->blen, &a->r->model_hash,
		                     &a->r->model_chunks);
	store_vec_layout(a->r, store_env_psize(t->env));
	return rc ? rc : store_coll_put(t, a->name, a->r);
}

SEMLITE_API int semlite_collection_create(semlite_db *db, const char *name,
                                          const semlite_collection_opts *opts)
{
	semlite_collection_opts defaults;
	if (!db)
		return sl_err(SEMLITE_INVALID,
		              "semlite_collection_create: NULL");
	if (!name)
		name = "default";
	if (!opts) {
		semlite_collection_opts_init(&defaults);
		opts = &defaults;
	}
	int rc = name_check(name);
	if (rc)
		return rc;
	if (store_env_readonly(db->env))
		return sl_err(SEMLITE_MISUSE, "database opened read-only");
	store_coll_rec r;
	uint8_t *blob;
	size_t blen = 0;
	rc = coll_settings(opts, &r, &blob, &blen);
	if (rc)
		return rc;
	coll_new a = {name, &r, blob, blen};
	rc = api_write(db->env, coll_create_fn, &a);
	sl_free(blob);
	return rc;
}

/* Deletes every key of collection id in every per-collection sub-db. */
static int coll_erase(const store_txn *t, const store_coll_rec *r)
{
	static const store_db dbs[] = {
	    STORE_DB_DOCS,    STORE_DB_IDS,   STORE_DB_CODES,   STORE_DB_EXACT,
	    STORE_DB_BITMAPS, STORE_DB_LINKS, STORE_DB_POSTINGS};
	uint8_t k[8];
	store_key_id(k, r->id, 0);
	int rc = SEMLITE_OK;
	for (size_t i = 0; i < sizeof dbs / sizeof dbs[0] && !rc; i++)
		rc = store_del_prefix(t, dbs[i], k, 4);
	static const char kinds[] = {'n', 'z', 'h', 'p', 'e'};
	for (size_t i = 0; i < sizeof kinds && !rc; i++) {
		uint8_t mk[5];
		store_meta_key(mk, kinds[i], r->id);
		rc = store_del_prefix(t, STORE_DB_META, mk, 5);
	}
	return rc;
}

/* True when another collection still pins this model hash. */
int api_model_shared(const store_txn *t, uint64_t hash, bool *shared)
{
	MDB_cursor *c;
	*shared = false;
	int rc = mdb_cursor_open(t->txn, store_dbi(t, STORE_DB_META), &c);
	if (rc)
		return store_rc(rc, "meta");
	MDB_val k = {2, "c:"}, v;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (!rc && k.mv_size >= 2 && !memcmp(k.mv_data, "c:", 2)) {
		const uint8_t *p;
		size_t n;
		store_coll_rec r;
		if (!store_checked_view(STORE_DB_META, &v, &p, &n) &&
		    !store_coll_decode(p, n, &r) &&
		    (r.flags & STORE_COLL_HAS_MODEL) && r.model_hash == hash)
			*shared = true;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return rc && rc != MDB_NOTFOUND ? store_rc(rc, "meta") : SEMLITE_OK;
}

static int coll_drop_fn(const store_txn *t, void *arg)
{
	const char *name = arg;
	store_coll_rec r;
	bool shared = false;
	int rc = store_coll_get(t, name, &r);
	if (rc == SEMLITE_NOTFOUND)
		rc = sl_err(SEMLITE_NOTFOUND, "no collection '%s'", name);
	if (!rc)
		rc = coll_erase(t, &r);
	if (!rc)
		rc = store_coll_del(t, name);
	if (!rc && (r.flags & STORE_COLL_HAS_MODEL))
		rc = api_model_shared(t, r.model_hash, &shared);
	if (!rc && (r.flags & STORE_COLL_HAS_MODEL) && !shared)
		rc = store_model_del(t, r.model_hash);
	return rc;
}

SEMLITE_API int semlite_collection_drop(semlite_db *db, const char *name)
{
	if (!db)
		return sl_err(SEMLITE_INVALID, "semlite_collection_drop: NULL");
	if (!name)
		name = "default";
	return api_write(db->env, coll_drop_fn, (void *)name);
}

SEMLITE_API int semlite_collection_open(semlite_db *db, const char *name,
                                        semlite_collection **out)
{
	if (!db || !out)
		return sl_err(SEMLITE_INVALID, "semlite_collection_open: NULL");
	*out = NULL;
	if (!name)
		name = "default";
	if (strlen(name) > STORE_MAX_NAME)
		return sl_err(SEMLITE_NOTFOUND, "no collection '%s'", name);
	semlite_collection *c = sl_calloc(1, sizeof *c);
	if (!c)
		return sl_err(SEMLITE_NOMEM, "semlite_collection_open");
	store_txn t;
	int rc = store_txn_begin(db->env, false, &t);
	if (!rc) {
		rc = store_coll_get(&t, name, &c->rec);
		store_txn_abort(&t);
	}
	if (rc == SEMLITE_NOTFOUND)
		rc = sl_err(SEMLITE_NOTFOUND, "no collection '%s'", name);
	if (rc) {
		sl_free(c);
		return rc;
	}
	c->db = db;
	strcpy(c->name, name);
	pthread_mutex_init(&c->mu, NULL);
	*out = c;
	return SEMLITE_OK;
}

SEMLITE_API void semlite_collection_close(semlite_collection *c)
{
	if (!c)
		return;
	api_coll_models_free(c);
	hnsw_lmdb_wcache_free(c->wgraph);
	store_dict_free(c->dict);
	for (size_t i = 0; i < c->nretired; i++)
		store_dict_free(c->retired[i]);
	sl_free(c->retired);
	pthread_mutex_destroy(&c->mu);
	sl_free(c);
}

int api_coll_check(const store_txn *st, semlite_collection *c)
{
	store_coll_rec r;
	int rc = store_coll_get(st, c->name, &r);
	if (rc == SEMLITE_NOTFOUND || (!rc && r.id != c->rec.id))
		return sl_err(SEMLITE_NOTFOUND, "collection '%s' was dropped",
		              c->name);
	return rc;
}

SEMLITE_API void semlite_names_free(char **names, size_t count)
{
	if (!names)
		return;
	for (size_t i = 0; i < count; i++)
		sl_free(names[i]);
	sl_free(names);
}

static int list_names(const store_txn *t, char ***names, size_t *count)
{
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, store_dbi(t, STORE_DB_META), &c);
	if (rc)
		return store_rc(rc, "meta");
	MDB_val k = {2, "c:"}, v;
	size_t n = 0, cap = 0;
	char **out = NULL;
	bool nomem = false;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (!rc && k.mv_size >= 2 && !memcmp(k.mv_data, "c:", 2)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			char **p = sl_realloc(out, cap * sizeof *p);
			if (!p) {
				nomem = true;
				break;
			}
			out = p;
		}
		if (!(out[n] = sl_strndup((const char *)k.mv_data + 2,
		                          k.mv_size - 2))) {
			nomem = true;
			break;
		}
		n++;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	*names = out;
	*count = n;
	if (nomem)
		return sl_err(SEMLITE_NOMEM, "listing collections");
	return rc && rc != MDB_NOTFOUND ? store_rc(rc, "meta") : SEMLITE_OK;
}

SEMLITE_API int semlite_collection_list(semlite_db *db, char ***names,
                                        size_t *count)
{
	if (!db || !names || !count)
		return sl_err(SEMLITE_INVALID, "semlite_collection_list: NULL");
	*names = NULL;
	*count = 0;
	store_txn t;
	int rc = store_txn_begin(db->env, false, &t);
	if (rc)
		return rc;
	rc = list_names(&t, names, count);
	store_txn_abort(&t);
	if (rc) {
		semlite_names_free(*names, *count);
		*names = NULL;
		*count = 0;
	}
	return rc;
}

SEMLITE_API int semlite_collection_stats_get(semlite_collection *c,
                                             semlite_collection_stats *out)
{
	if (!c || !out)
		return sl_err(SEMLITE_INVALID,
		              "semlite_collection_stats: NULL");
	memset(out, 0, sizeof *out);
	store_txn t;
	int rc = store_txn_begin(c->db->env, false, &t);
	if (rc)
		return rc;
	store_counters ctr;
	store_coll_rec r; /* the snapshot's: adapt changes the model pin */
	roaring_bitmap_t *tomb = NULL;
	uint8_t k[FILT_KEY_MAX];
	uint32_t ef = 0, ef_docs = 0;
	rc = api_coll_check(&t, c);
	if (!rc)
		rc = store_coll_get(&t, c->name, &r);
	if (!rc)
		rc = store_counters_get(&t, c->rec.id, &ctr);
	if (!rc)
		rc = api_tuned_get(&t, c->rec.id, &ef, &ef_docs);
	if (!rc)
		rc = filt_bitmap_load(&t, k, filt_key_tombstones(k, c->rec.id),
		                      &tomb);
	store_txn_abort(&t);
	if (rc)
		return rc;
	out->documents = ctr.live;
	out->dim = c->rec.dim;
	out->metric = (semlite_metric)c->rec.metric;
	out->precision = (semlite_precision)c->rec.precision;
	out->has_model = !!(c->rec.flags & STORE_COLL_HAS_MODEL);
	out->model_hash = out->has_model ? r.model_hash : 0;
	out->model_bytes = r.model_len;
	out->payload_bytes = ctr.payload_bytes;
	out->stored_bytes = ctr.stored_bytes;
	out->tombstones = roaring_bitmap_get_cardinality(tomb);
	out->hnsw_m = c->rec.hnsw_m;
	out->hnsw_ef_construction = c->rec.hnsw_ef_construction;
	out->index = (c->rec.flags & STORE_COLL_NO_INDEX) ? SEMLITE_INDEX_NONE
	                                                  : SEMLITE_INDEX_HNSW;
	out->keyword_index = !(c->rec.flags & STORE_COLL_NO_KEYWORDS);
	out->seed = c->rec.seed;
	out->tuned_ef = ef;
	out->tuned_documents = ef_docs;
	if (out->index != SEMLITE_INDEX_NONE)
		out->search_ef =
		    ef ? api_ef_grown(ef, ef_docs, ctr.live) : HNSW_DEFAULT_EF;
	filt_bitmap_free(tomb);
	return SEMLITE_OK;
}
