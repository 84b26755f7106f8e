/*
 * encoder_api.c — the public encoder functions of semlite.h.
 *
 * A thin layer over the encoder module: argument checks, and the choice
 * between a full model (a directory) and a tokenizer-only one (a file).
 * semlite_encoder wraps the internal enc_model so the public type can
 * grow (e.g. a name or a hash of the model) without touching the module.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <sys/stat.h>

#include "api/api_encoder.h"
#include "common/common.h"

SEMLITE_API int semlite_encoder_open(const char *path, semlite_encoder **out)
{
	if (!out)
		return sl_err(SEMLITE_INVALID, "semlite_encoder_open: out is "
		                               "NULL");
	*out = NULL;
	if (!path)
		return sl_err(SEMLITE_INVALID,
		              "semlite_encoder_open: path is NULL");
	struct stat st;
	if (stat(path, &st))
		return sl_err(SEMLITE_NOTFOUND, "%s: no such file or directory",
		              path);
	enc_model *m;
	int rc = S_ISDIR(st.st_mode) ? enc_model_load_dir(path, &m)
	                             : enc_model_load_tokenizer(path, &m);
	if (rc)
		return rc;
	return api_encoder_wrap(m, out);
}

int api_encoder_wrap(enc_model *m, semlite_encoder **out)
{
	semlite_encoder *e = sl_calloc(1, sizeof *e);
	if (!e) {
		enc_model_free(m);
		return sl_err(SEMLITE_NOMEM, "encoder: out of memory");
	}
	e->model = m;
	*out = e;
	return SEMLITE_OK;
}

SEMLITE_API void semlite_encoder_free(semlite_encoder *enc)
{
	if (!enc)
		return;
	enc_model_free(enc->model);
	sl_free(enc);
}

SEMLITE_API size_t semlite_encoder_dim(const semlite_encoder *enc)
{
	return enc ? enc_dim(enc->model) : 0;
}

SEMLITE_API size_t semlite_encoder_vocab_size(const semlite_encoder *enc)
{
	return enc ? enc_vocab_size(enc->model) : 0;
}

SEMLITE_API int semlite_encode(const semlite_encoder *enc, const char *text,
                               size_t len, float *out, size_t cap)
{
	if (!enc || !out || (!text && len))
		return sl_err(SEMLITE_INVALID, "semlite_encode: NULL argument");
	size_t dim = enc_dim(enc->model);
	if (dim && cap < dim)
		return sl_err(SEMLITE_INVALID,
		              "semlite_encode: out holds %zu floats, the "
		              "encoder's dimension is %zu",
		              cap, dim);
	return enc_encode(enc->model, text ? text : "", len, out);
}

SEMLITE_API int semlite_encode_batch(const semlite_encoder *enc,
                                     const char *const *texts,
                                     const size_t *lens, size_t n, float *out,
                                     size_t cap)
{
	if (!enc || (n && (!texts || !out)))
		return sl_err(SEMLITE_INVALID,
		              "semlite_encode_batch: NULL argument");
	size_t dim = enc_dim(enc->model), need;
	if (!sl_mul_ok(n, dim, &need) || cap < need)
		return sl_err(SEMLITE_INVALID,
		              "semlite_encode_batch: out holds %zu floats, %zu "
		              "texts need %zu x %zu",
		              cap, n, n, dim);
	for (size_t i = 0; i < n; i++) {
		const char *t = texts[i];
		if (!t && (!lens || lens[i]))
			return sl_err(SEMLITE_INVALID,
			              "semlite_encode_batch: text %zu is NULL",
			              i);
		size_t len = lens ? lens[i] : strlen(t);
		int rc = enc_encode(enc->model, t ? t : "", len, out + i * dim);
		if (rc)
			return rc;
	}
	return SEMLITE_OK;
}

SEMLITE_API int semlite_tokenize(const semlite_encoder *enc, const char *text,
                                 size_t len, uint32_t *ids, size_t cap,
                                 size_t *n)
{
	if (n)
		*n = 0;
	if (!enc || !n || (!text && len) || (!ids && cap))
		return sl_err(SEMLITE_INVALID,
		              "semlite_tokenize: NULL argument");
	return enc_tokenize(enc->model, text ? text : "", len, ids, cap, n);
}

SEMLITE_API int semlite_encoder_token(const semlite_encoder *enc, uint32_t id,
                                      char *buf, size_t cap)
{
	if (!enc || !buf || !cap)
		return sl_err(SEMLITE_INVALID,
		              "semlite_encoder_token: NULL argument");
	size_t len;
	const char *s = enc_token_text(enc->model, id, &len);
	if (!s)
		return sl_err(SEMLITE_NOTFOUND, "no token with id %u",
		              (unsigned)id);
	if (len >= cap)
		len = cap - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return SEMLITE_OK;
}
