/*
 * model.c — the collection's encoder, stored inside the database.
 *
 * The model's files (config.json or config_sentence_transformers.json,
 * tokenizer.json, model.safetensors) are packed into one blob (format.h),
 * pinned by its 64-bit hash and written as 1 MiB chunks to the `model`
 * sub-database. Opening a collection later needs no model path: the blob
 * is read back, verified against the pin and handed to the encoder, so
 * queries are encoded by exactly the model that encoded the documents.
 *
 * Builds without the encoder module still open, read and search vector
 * collections; anything that needs a model returns SEMLITE_UNSUPPORTED.
 */
#define _POSIX_C_SOURCE 200809L
#include "api/api.h"
#ifdef SEMLITE_HAVE_ENCODER
#include "encoder/default_model.h"
#include "encoder/train.h"
#endif

#include <math.h>
#include <string.h>

#define BLOB_FILES  4
#define BLOB_HEADER (8 + 4 + 8 * BLOB_FILES)

void api_vec_prepare(float *v, uint32_t dim, uint8_t metric)
{
	if (metric != STORE_METRIC_COSINE)
		return;
	double s = 0;
	for (uint32_t i = 0; i < dim; i++)
		s += (double)v[i] * v[i];
	if (s <= 0)
		return;
	float inv = (float)(1.0 / sqrt(s));
	for (uint32_t i = 0; i < dim; i++)
		v[i] *= inv;
}

#ifdef SEMLITE_HAVE_ENCODER

static int blob_pack(const enc_files *f, uint8_t **blob, size_t *len)
{
	const void *src[BLOB_FILES] = {f->config_json, f->st_config_json,
	                               f->tokenizer_json, f->safetensors};
	size_t n[BLOB_FILES] = {f->config_len, f->st_config_len,
	                        f->tokenizer_len, f->safetensors_len};
	size_t total = BLOB_HEADER;
	for (int i = 0; i < BLOB_FILES; i++)
		if (!sl_add_ok(total, n[i], &total))
			return sl_err(SEMLITE_MODEL, "model too large");
	uint8_t *b = sl_malloc(total);
	if (!b)
		return sl_err(SEMLITE_NOMEM, "model blob of %zu bytes", total);
	memcpy(b, STORE_MODEL_MAGIC, 8);
	sl_store_u32le(b + 8, BLOB_FILES);
	size_t off = BLOB_HEADER;
	for (int i = 0; i < BLOB_FILES; i++) {
		sl_store_u64le(b + 12 + 8 * i, n[i]);
		if (n[i])
			memcpy(b + off, src[i], n[i]);
		off += n[i];
	}
	*blob = b;
	*len = total;
	return SEMLITE_OK;
}

/* Views the blob as enc_files (pointers into the blob). */
static int blob_view(const uint8_t *b, size_t len, enc_files *f)
{
	memset(f, 0, sizeof *f);
	if (len < BLOB_HEADER || memcmp(b, STORE_MODEL_MAGIC, 8) ||
	    sl_load_u32le(b + 8) != BLOB_FILES)
		return sl_err(SEMLITE_CORRUPT, "model: bad blob header");
	uint64_t n[BLOB_FILES];
	uint64_t off = BLOB_HEADER;
	for (int i = 0; i < BLOB_FILES; i++) {
		n[i] = sl_load_u64le(b + 12 + 8 * i);
		if (n[i] > len - off)
			return sl_err(SEMLITE_CORRUPT,
			              "model: blob file %d overruns", i);
		off += n[i];
	}
	if (off != len)
		return sl_err(SEMLITE_CORRUPT,
		              "model: blob has trailing bytes");
	uint8_t *p = (uint8_t *)b + BLOB_HEADER;
	f->config_json = n[0] ? (char *)p : NULL;
	f->config_len = (size_t)n[0];
	p += n[0];
	f->st_config_json = n[1] ? (char *)p : NULL;
	f->st_config_len = (size_t)n[1];
	p += n[1];
	f->tokenizer_json = (char *)p;
	f->tokenizer_len = (size_t)n[2];
	p += n[2];
	f->safetensors = p;
	f->safetensors_len = (size_t)n[3];
	return SEMLITE_OK;
}

static int blob_load(const uint8_t *b, size_t len, enc_model **out)
{
	enc_files f;
	int rc = blob_view(b, len, &f);
	return rc ? rc : enc_model_load_files(&f, out);
}

int api_model_blob_from_dir(const char *dir, uint8_t **blob, size_t *len)
{
	enc_files f;
	int rc = enc_files_read_dir(dir, &f);
	if (rc)
		return rc;
	rc = blob_pack(&f, blob, len);
	enc_files_free(&f);
	return rc;
}

int api_model_dim(const uint8_t *blob, size_t len, uint32_t *dim)
{
	enc_model *m;
	int rc = blob_load(blob, len, &m);
	if (rc)
		return rc;
	size_t d = enc_dim(m);
	enc_model_free(m);
	if (d == 0 || d > STORE_MAX_DIM)
		return sl_err(SEMLITE_MODEL, "model dimension %zu", d);
	*dim = (uint32_t)d;
	return SEMLITE_OK;
}

void api_model_free(enc_model *m)
{
	enc_model_free(m);
}

int api_encode(const enc_model *m, const char *text, size_t len, float *out)
{
	return enc_encode(m, text, len, out);
}

/* Moves the handle's current model to old_models (caller holds c->mu). */
static int keep_old(semlite_collection *c)
{
	size_t n = c->nold_models + 1;
	enc_model **om = sl_realloc(c->old_models, n * sizeof *om);
	if (!om)
		return sl_err(SEMLITE_NOMEM, "model list");
	c->old_models = om;
	uint64_t *oh = sl_realloc(c->old_hashes, n * sizeof *oh);
	if (!oh)
		return sl_err(SEMLITE_NOMEM, "model list");
	c->old_hashes = oh;
	om[c->nold_models] = c->model;
	oh[c->nold_models++] = c->model_hash;
	return SEMLITE_OK;
}

/* Makes the model pinned by r the handle's current one (caller holds
 * c->mu): a replaced model moves to old_models, as other threads may be
 * encoding with it, and comes back from there when an older snapshot
 * asks for it again. */
static int coll_model_switch(semlite_collection *c, const store_txn *st,
                             const store_coll_rec *r)
{
	enc_model *m = NULL;
	size_t i = 0;
	while (i < c->nold_models && c->old_hashes[i] != r->model_hash)
		i++;
	if (i < c->nold_models) {
		m = c->old_models[i];
		c->old_models[i] = c->model;
		c->old_hashes[i] = c->model_hash;
		goto done;
	}
	uint8_t *blob;
	int rc = store_model_get(st, r->model_hash, r->model_len,
	                         r->model_chunks, &blob);
	if (rc)
		return rc;
	rc = blob_load(blob, (size_t)r->model_len, &m);
	sl_free(blob);
	if (!rc && enc_dim(m) != c->rec.dim)
		rc = sl_err(SEMLITE_CORRUPT,
		            "model: dimension differs from the collection's");
	if (!rc && c->model)
		rc = keep_old(c);
	if (rc) {
		enc_model_free(m);
		return rc;
	}
done:
	c->model = m;
	c->model_hash = r->model_hash;
	return SEMLITE_OK;
}

int api_coll_model(semlite_collection *c, const store_txn *st,
                   const enc_model **out)
{
	if (!(c->rec.flags & STORE_COLL_HAS_MODEL))
		return sl_err(SEMLITE_INVALID,
		              "collection '%s' has no model (vector-only)",
		              c->name);
	/* The snapshot's record says which model is current: `semlite
	 * adapt` replaces it, and a handle opened before must follow. */
	store_coll_rec r;
	int rc = store_coll_get(st, c->name, &r);
	if (rc == SEMLITE_NOTFOUND || (!rc && r.id != c->rec.id))
		return sl_err(SEMLITE_NOTFOUND, "collection '%s' was dropped",
		              c->name);
	if (rc)
		return rc;
	pthread_mutex_lock(&c->mu);
	if (!c->model || c->model_hash != r.model_hash)
		rc = coll_model_switch(c, st, &r);
	*out = rc ? NULL : c->model;
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void api_coll_models_free(semlite_collection *c)
{
	enc_model_free(c->model);
	for (size_t i = 0; i < c->nold_models; i++)
		enc_model_free(c->old_models[i]);
	sl_free(c->old_models);
	sl_free(c->old_hashes);
}

int api_model_from_blob(const uint8_t *blob, size_t len, enc_model **out)
{
	*out = NULL;
	return blob_load(blob, len, out);
}

int api_model_adapt(const uint8_t *blob, size_t len, api_texts_fn src,
                    void *src_ctx, const semlite_adapt_opts *o, uint8_t **out,
                    size_t *out_len)
{
	enc_files in, nf;
	int rc = blob_view(blob, len, &in);
	if (rc)
		return rc;
	train_adapt_opts to = {.epochs = o->epochs,
	                       .threads = o->threads,
	                       .seed = o->seed,
	                       .add_vocab = o->add_vocab,
	                       .min_count = o->min_count,
	                       .window = o->window,
	                       .train_dim = o->train_dim,
	                       .init_model = o->init_model != 0,
	                       .mix = o->mix,
	                       .mix_k = o->mix_k,
	                       .sif_a = o->sif_a,
	                       .n_common = o->n_common,
	                       .lsa_dim = o->lsa_dim,
	                       .lsa_share = o->lsa_share,
	                       .lsa_iters = o->lsa_iters,
	                       .lsa_power = o->lsa_power,
	                       .progress = {o->progress, o->progress_ctx}};
	rc = train_adapt(&in, src, src_ctx, &to, &nf);
	if (rc)
		return rc;
	rc = blob_pack(&nf, out, out_len);
	enc_files_free(&nf);
	return rc;
}

#else /* !SEMLITE_HAVE_ENCODER */

static int no_encoder(void)
{
	return sl_err(SEMLITE_UNSUPPORTED, "this build has no text encoder");
}

int api_model_blob_from_dir(const char *dir, uint8_t **blob, size_t *len)
{
	(void)dir;
	(void)blob;
	(void)len;
	return no_encoder();
}

int api_model_dim(const uint8_t *blob, size_t len, uint32_t *dim)
{
	(void)blob;
	(void)len;
	(void)dim;
	return no_encoder();
}

void api_model_free(enc_model *m)
{
	(void)m;
}

int api_encode(const enc_model *m, const char *text, size_t len, float *out)
{
	(void)m;
	(void)text;
	(void)len;
	(void)out;
	return no_encoder();
}

int api_coll_model(semlite_collection *c, const store_txn *st,
                   const enc_model **out)
{
	(void)c;
	(void)st;
	*out = NULL;
	return no_encoder();
}

void api_coll_models_free(semlite_collection *c)
{
	(void)c;
}

int api_model_from_blob(const uint8_t *blob, size_t len, enc_model **out)
{
	(void)blob;
	(void)len;
	*out = NULL;
	return no_encoder();
}

int api_model_adapt(const uint8_t *blob, size_t len, api_texts_fn src,
                    void *src_ctx, const semlite_adapt_opts *o, uint8_t **out,
                    size_t *out_len)
{
	(void)blob;
	(void)len;
	(void)src;
	(void)src_ctx;
	(void)o;
	(void)out;
	(void)out_len;
	return no_encoder();
}

#endif

int api_model_blob_default(uint8_t **blob, size_t *len)
{
#ifdef SEMLITE_HAVE_ENCODER
	/* The built-in semlite-base (encoder/default_model.h), stored like
	 * any model read from a directory. */
	enc_files f;
	int rc = enc_default_files(&f);
	if (rc == SEMLITE_OK)
		rc = blob_pack(&f, blob, len);
	enc_files_free(&f);
	return rc;
#else
	(void)blob;
	(void)len;
	return sl_err(SEMLITE_UNSUPPORTED,
	              "this build has no default model: give a model path or "
	              "a dimension");
#endif
}
