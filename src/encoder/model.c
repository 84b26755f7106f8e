/*
 * model.c — Model2Vec models: loading the three files, and encoding.
 *
 * Layouts accepted:
 *   Hugging Face Model2Vec: config.json, tokenizer.json, model.safetensors
 *     with "embeddings" [rows, dim] (F32, F16, BF16, F64 or I8), and for
 *     vocabulary-quantized models "mapping" [vocab] (token -> row) and
 *     "weights" [vocab] (a per-token scale);
 *   sentence-transformers StaticEmbedding: config_sentence_transformers.json
 *     and "embedding.weight", with the files at the top level or in
 *     0_StaticEmbedding/.
 *
 * The table is converted to float32 once at load (I8 is cast as is, with
 * no scale, as the reference does). Encoding follows model2vec's
 * StaticModel.encode: ids from the tokenizer (char-truncated, the unk_token id
 * dropped, first 512), mean of the rows accumulated in float32 in token
 * order (numpy's float32 mean over axis 0), divided by the count, then
 * v / (||v|| + 1e-32) when normalize is set. When the reference computes
 * in float64 (F64 tables, or rows scaled by float64 weights) we accumulate
 * in double too. No ids gives the zero vector.
 *
 * Rejected: keeping I8/F16 tables and converting per row during encoding;
 * it saves memory but costs time on every query, and these tables are
 * small (30 MB as float32 for potion-base-8M).
 */
#define _POSIX_C_SOURCE 200809L
#include "encoder/encoder.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "encoder/enc_model.h"
#include "encoder/safetensors.h"
#include "encoder/tokenizer.h"

/* ---- files ------------------------------------------------------------- */

/* Reads a whole file; NOTFOUND (no message) when it does not exist. */
static int read_file(const char *path, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT
		           ? SEMLITE_NOTFOUND
		           : sl_err(SEMLITE_IOERR, "%s: cannot open", path);
	struct stat st;
	int rc = SEMLITE_OK;
	char *buf = NULL;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		rc = sl_err(SEMLITE_IOERR, "%s: not a regular file", path);
		goto out;
	}
	size_t n = (size_t)st.st_size;
	buf = sl_malloc(n + 1);
	if (!buf) {
		rc = sl_err(SEMLITE_NOMEM, "%s: out of memory (%zu bytes)",
		            path, n);
		goto out;
	}
	if (fread(buf, 1, n, f) != n) {
		rc = sl_err(SEMLITE_IOERR, "%s: read error", path);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	sl_free(buf);
	fclose(f);
	return rc;
}

/* Reads dir/a, else dir/b (b may be NULL). */
static int read_either(const char *dir, const char *a, const char *b,
                       char **out, size_t *len)
{
	const char *names[2] = {a, b};
	for (int i = 0; i < 2 && names[i]; i++) {
		char path[4096];
		if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) >=
		    (int)sizeof path)
			return sl_err(SEMLITE_INVALID, "%s: path too long",
			              dir);
		int rc = read_file(path, out, len);
		if (rc != SEMLITE_NOTFOUND)
			return rc;
	}
	return SEMLITE_NOTFOUND;
}

static int missing(const char *dir, const char *what)
{
	return sl_err(SEMLITE_MODEL, "%s: no %s in this model directory", dir,
	              what);
}

int enc_files_read_dir(const char *dir, enc_files *f)
{
	memset(f, 0, sizeof *f);
	struct stat st;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return sl_err(SEMLITE_NOTFOUND, "%s: not a model directory",
		              dir);
	int rc = read_either(dir, "tokenizer.json",
	                     "0_StaticEmbedding/tokenizer.json",
	                     &f->tokenizer_json, &f->tokenizer_len);
	if (rc == SEMLITE_NOTFOUND)
		rc = missing(dir, "tokenizer.json");
	if (!rc) {
		char *b;
		rc = read_either(dir, "model.safetensors",
		                 "0_StaticEmbedding/model.safetensors", &b,
		                 &f->safetensors_len);
		f->safetensors = (uint8_t *)b;
		if (rc == SEMLITE_NOTFOUND)
			rc = missing(dir, "model.safetensors");
	}
	if (!rc) {
		rc = read_either(dir, "config.json", NULL, &f->config_json,
		                 &f->config_len);
		if (rc == SEMLITE_NOTFOUND)
			rc = read_either(
			    dir, "config_sentence_transformers.json", NULL,
			    &f->st_config_json, &f->st_config_len);
		if (rc == SEMLITE_NOTFOUND)
			rc = missing(dir, "config.json (nor "
			                  "config_sentence_transformers.json)");
	}
	if (rc)
		enc_files_free(f);
	return rc;
}

void enc_files_free(enc_files *f)
{
	if (!f)
		return;
	sl_free(f->config_json);
	sl_free(f->st_config_json);
	sl_free(f->tokenizer_json);
	sl_free(f->safetensors);
	memset(f, 0, sizeof *f);
}

/* ---- loading ------------------------------------------------------------- */

static int parse_config(const char *json, size_t len, const char *name,
                        bool *normalize)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return sl_err(SEMLITE_CORRUPT, "%s: not a JSON object", name);
	}
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "normalize");
	int rc = SEMLITE_OK;
	*normalize = false;
	if (cJSON_IsBool(n))
		*normalize = cJSON_IsTrue(n);
	else if (n && !cJSON_IsNull(n))
		rc = sl_err(SEMLITE_CORRUPT,
		            "%s: \"normalize\" must be true, false or null",
		            name);
	cJSON_Delete(root);
	return rc;
}

static int convert_table(enc_model *m, const enc_tensor *e, const char *file)
{
	switch (e->dtype) {
	case ENC_F32:
	case ENC_F16:
	case ENC_BF16:
	case ENC_F64:
	case ENC_I8:
		break;
	default:
		return sl_err(
		    SEMLITE_UNSUPPORTED,
		    "%s: tensor \"%s\": dtype %s is not supported for "
		    "embeddings (F32, F16, BF16, F64, I8 are)",
		    file, e->name, enc_dtype_name(e->dtype));
	}
	m->table = sl_malloc(e->count ? e->count * sizeof(float) : 1);
	if (!m->table)
		return sl_err(SEMLITE_NOMEM, "%s: out of memory", file);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (e->dtype == ENC_F32) {
		memcpy(m->table, e->data, e->nbytes);
		return SEMLITE_OK;
	}
#endif
	for (size_t i = 0; i < e->count; i++)
		m->table[i] = (float)enc_tensor_get(e, i);
	m->wide = e->dtype == ENC_F64;
	return SEMLITE_OK;
}

/* A rank-1 tensor of at least `need` entries, or a shape error. */
static int vector_tensor(const enc_tensor *t, size_t need, const char *file)
{
	if (t->rank != 1 || t->shape[0] < need)
		return sl_err(SEMLITE_MODEL,
		              "%s: shape mismatch: tensor \"%s\" must be [%zu] "
		              "(one entry per token)",
		              file, t->name, need);
	return SEMLITE_OK;
}

static int load_quant(enc_model *m, const enc_st *st, const char *file)
{
	size_t ids = tok_id_bound(m->tok);
	const enc_tensor *w = enc_st_find(st, "weights");
	const enc_tensor *map = enc_st_find(st, "mapping");
	int rc;
	if (w) {
		if ((rc = vector_tensor(w, ids, file)))
			return rc;
		if (!(m->weights = sl_malloc((ids + 1) * sizeof(double))))
			return sl_err(SEMLITE_NOMEM, "%s: out of memory", file);
		for (size_t i = 0; i < ids; i++)
			m->weights[i] = enc_tensor_get(w, i);
		m->wide = true;
	}
	if (map) {
		if ((rc = vector_tensor(map, ids, file)))
			return rc;
		if (map->dtype <= ENC_BF16 || map->dtype == ENC_BOOL)
			return sl_err(
			    SEMLITE_MODEL,
			    "%s: tensor \"mapping\" must hold integers", file);
		if (!(m->mapping = sl_malloc((ids + 1) * sizeof(uint32_t))))
			return sl_err(SEMLITE_NOMEM, "%s: out of memory", file);
		for (size_t i = 0; i < ids; i++) {
			double v = enc_tensor_get(map, i);
			if (!(v >= 0 && v < (double)m->rows))
				return sl_err(
				    SEMLITE_CORRUPT,
				    "%s: mapping[%zu] = %.0f is not a "
				    "row of \"embeddings\" (%zu rows)",
				    file, i, v, m->rows);
			m->mapping[i] = (uint32_t)v;
		}
	}
	return SEMLITE_OK;
}

static int load_tensors(enc_model *m, const enc_st *st, const char *file)
{
	const char *tname = "embeddings";
	const enc_tensor *e = enc_st_find(st, tname);
	if (!e)
		e = enc_st_find(st, tname = "embedding.weight");
	if (!e)
		return sl_err(SEMLITE_MODEL,
		              "%s: missing tensor \"embeddings\" (or "
		              "\"embedding.weight\")",
		              file);
	if (e->rank != 2 || !e->shape[0] || !e->shape[1])
		return sl_err(
		    SEMLITE_MODEL,
		    "%s: shape mismatch: tensor \"%s\" must be [rows, "
		    "dim] with rows, dim > 0",
		    file, tname);
	m->rows = e->shape[0];
	m->dim = e->shape[1];
	int rc = convert_table(m, e, file);
	if (!rc)
		rc = load_quant(m, st, file);
	if (rc || m->mapping)
		return rc;
	size_t vocab = tok_vocab_size(m->tok);
	if (m->rows != vocab || tok_id_bound(m->tok) > m->rows)
		return sl_err(SEMLITE_MODEL,
		              "%s: shape mismatch: tensor \"%s\" has %zu rows "
		              "but the tokenizer has %zu tokens (ids < %zu)",
		              file, tname, m->rows, vocab,
		              tok_id_bound(m->tok));
	return SEMLITE_OK;
}

static void names(const char *dir, const char *file, char *buf, size_t cap)
{
	if (dir)
		snprintf(buf, cap, "%s/%s", dir, file);
	else
		snprintf(buf, cap, "%s", file);
}

int enc_model_load_named(const enc_files *f, const char *dir, enc_model **out)
{
	char name[4200];
	*out = NULL;
	enc_model *m = sl_calloc(1, sizeof *m);
	if (!m)
		return sl_err(SEMLITE_NOMEM, "model: out of memory");
	enc_st st = {0};
	int rc;
	names(dir, "tokenizer.json", name, sizeof name);
	if (!f->tokenizer_json) {
		rc = sl_err(SEMLITE_MODEL, "%s: missing", name);
		goto out;
	}
	if ((rc = tok_load(f->tokenizer_json, f->tokenizer_len, name, &m->tok)))
		goto out;
	if (f->config_json) {
		names(dir, "config.json", name, sizeof name);
		rc = parse_config(f->config_json, f->config_len, name,
		                  &m->normalize);
	} else if (f->st_config_json) {
		names(dir, "config_sentence_transformers.json", name,
		      sizeof name);
		rc = parse_config(f->st_config_json, f->st_config_len, name,
		                  &m->normalize);
	} else {
		names(dir, "config.json", name, sizeof name);
		rc = sl_err(SEMLITE_MODEL, "%s: missing", name);
	}
	if (rc)
		goto out;
	names(dir, "model.safetensors", name, sizeof name);
	if (!f->safetensors) {
		rc = sl_err(SEMLITE_MODEL, "%s: missing", name);
		goto out;
	}
	if ((rc =
	         enc_st_parse(f->safetensors, f->safetensors_len, name, &st)) ||
	    (rc = load_tensors(m, &st, name)))
		goto out;
	m->median = tok_median_len(m->tok);
	*out = m;
	m = NULL;
out:
	enc_st_free(&st);
	enc_model_free(m);
	return rc;
}

int enc_model_load_files(const enc_files *files, enc_model **out)
{
	return enc_model_load_named(files, NULL, out);
}

int enc_model_load_dir(const char *dir, enc_model **out)
{
	enc_files f;
	*out = NULL;
	int rc = enc_files_read_dir(dir, &f);
	if (rc)
		return rc;
	rc = enc_model_load_named(&f, dir, out);
	enc_files_free(&f);
	return rc;
}

int enc_model_load_tokenizer(const char *path, enc_model **out)
{
	*out = NULL;
	struct stat st;
	char file[4200];
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		snprintf(file, sizeof file, "%s/tokenizer.json", path);
	else
		snprintf(file, sizeof file, "%s", path);
	char *json;
	size_t len;
	int rc = read_file(file, &json, &len);
	if (rc == SEMLITE_NOTFOUND)
		return sl_err(rc, "%s: no such file", file);
	if (rc)
		return rc;
	enc_model *m = sl_calloc(1, sizeof *m);
	if (!m)
		rc = sl_err(SEMLITE_NOMEM, "model: out of memory");
	else
		rc = tok_load(json, len, file, &m->tok);
	sl_free(json);
	if (rc) {
		enc_model_free(m);
		return rc;
	}
	m->median = tok_median_len(m->tok);
	*out = m;
	return SEMLITE_OK;
}

void enc_model_free(enc_model *m)
{
	if (!m)
		return;
	tok_free(m->tok);
	sl_free(m->table);
	sl_free(m->weights);
	sl_free(m->mapping);
	sl_free(m);
}

size_t enc_dim(const enc_model *m)
{
	return m->dim;
}

size_t enc_vocab_size(const enc_model *m)
{
	return tok_vocab_size(m->tok);
}

/* ---- encoding
 * ---------------------------------------------------------------- */

size_t enc_max_chars(const enc_model *m, size_t cap)
{
	size_t r;
	return sl_mul_ok(cap, m->median, &r) ? r : SIZE_MAX;
}

int enc_tokenize(const enc_model *m, const char *text, size_t len,
                 uint32_t *ids, size_t cap, size_t *n)
{
	return tok_encode(m->tok, text, len, enc_max_chars(m, cap), ids, cap,
	                  n);
}

static size_t row_of(const enc_model *m, uint32_t id)
{
	return m->mapping ? m->mapping[id] : id;
}

/* The sum of a[i]^2 with numpy's pairwise float32 summation
 * (pairwise_sum_FLOAT over the float32 squares), so that the norm, like
 * the mean, rounds exactly as the reference's does. */
static float pairwise_sq(const float *a, size_t n)
{
	if (n < 8) {
		float r = 0;
		for (size_t i = 0; i < n; i++)
			r += a[i] * a[i];
		return r;
	}
	if (n <= 128) {
		float r[8];
		size_t i;
		for (size_t j = 0; j < 8; j++)
			r[j] = a[j] * a[j];
		for (i = 8; i < n - n % 8; i += 8)
			for (size_t j = 0; j < 8; j++)
				r[j] += a[i + j] * a[i + j];
		float res = ((r[0] + r[1]) + (r[2] + r[3])) +
		            ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += a[i] * a[i];
		return res;
	}
	size_t n2 = n / 2;
	n2 -= n2 % 8;
	return pairwise_sq(a, n2) + pairwise_sq(a + n2, n - n2);
}

/* acc += row, in blocks of 8 the compiler turns into SIMD adds (each
 * lane is still one float32 add per token, in token order). */
static void add_row(float *restrict acc, const float *restrict row, size_t dim)
{
	size_t d = 0;
	for (; d + 8 <= dim; d += 8)
		for (size_t j = 0; j < 8; j++)
			acc[d + j] += row[d + j];
	for (; d < dim; d++)
		acc[d] += row[d];
}

static void prefetch_row(const float *row, size_t dim)
{
#if defined(__GNUC__)
	for (size_t d = 0; d < dim; d += 16)
		__builtin_prefetch(row + d);
#else
	(void)row;
	(void)dim;
#endif
}

/* float32 accumulation in token order, as numpy's float32 mean. */
static void pool_f32(const enc_model *m, const uint32_t *ids, size_t n,
                     float *out)
{
	size_t dim = m->dim;
	memset(out, 0, dim * sizeof *out);
	for (size_t i = 0; i < n; i++) {
		if (i + 2 < n) /* the table is far bigger than the cache */
			prefetch_row(m->table + row_of(m, ids[i + 2]) * dim,
			             dim);
		add_row(out, m->table + row_of(m, ids[i]) * dim, dim);
	}
	float cnt = (float)n;
	for (size_t d = 0; d < dim; d++)
		out[d] /= cnt;
	if (!m->normalize)
		return;
	/* numpy: sqrt(add.reduce(x * x)) in float32, pairwise summation. */
	float norm = sqrtf(pairwise_sq(out, dim)) + 1e-32f;
	for (size_t d = 0; d < dim; d++)
		out[d] /= norm;
}

/* float64 accumulation (F64 tables, float64 weights), by column blocks so
 * no allocation is needed. */
static void pool_f64(const enc_model *m, const uint32_t *ids, size_t n,
                     float *out)
{
	enum { B = 64 };
	size_t dim = m->dim;
	double ss = 0;
	for (size_t d0 = 0; d0 < dim; d0 += B) {
		double acc[B] = {0};
		size_t w = dim - d0 < B ? dim - d0 : B;
		for (size_t i = 0; i < n; i++) {
			const float *row = m->table + row_of(m, ids[i]) * dim;
			double s = m->weights ? m->weights[ids[i]] : 1.0;
			for (size_t d = 0; d < w; d++)
				acc[d] += (double)row[d0 + d] * s;
		}
		for (size_t d = 0; d < w; d++) {
			acc[d] /= (double)n;
			ss += acc[d] * acc[d];
			out[d0 + d] = (float)acc[d];
		}
	}
	if (!m->normalize)
		return;
	/* out holds the rounded mean; normalize from it with the double
	 * norm of the unrounded one (differences are below float ulp). */
	double norm = sqrt(ss) + 1e-32;
	for (size_t d = 0; d < dim; d++)
		out[d] = (float)((double)out[d] / norm);
}

void enc_pool(const enc_model *m, const uint32_t *ids, size_t n, float *out)
{
	if (!n) {
		memset(out, 0, m->dim * sizeof *out);
		return;
	}
	if (m->wide)
		pool_f64(m, ids, n, out);
	else
		pool_f32(m, ids, n, out);
}

int enc_encode(const enc_model *m, const char *text, size_t len, float *out)
{
	if (!m->dim)
		return sl_err(SEMLITE_MISUSE,
		              "this encoder was loaded from a tokenizer only "
		              "and cannot encode");
	uint32_t ids[ENC_MAX_TOKENS];
	size_t n;
	int rc = enc_tokenize(m, text, len, ids, ENC_MAX_TOKENS, &n);
	if (rc)
		return rc;
	enc_pool(m, ids, n, out);
	return SEMLITE_OK;
}

const char *enc_token_text(const enc_model *m, uint32_t id, size_t *len)
{
	return tok_token(m->tok, id, len);
}
