/*
 * eval_model.c — the models eval_encoder can score: the library's encoder
 * on a model directory or the built-in default, or (--trainer-tok) the
 * trainer's own tokenizer over the same files' table, which loads only
 * F32/F16/I8 "embeddings" tensors and exists to cross-check tokenization.
 */
#include "eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "encoder/default_model.h"
#include "encoder/encoder.h"
#include "encoder/train.h"

/* ---- the library's encoder ------------------------------------------ */

static void enc_backend(eval_model *m, const char *text, size_t len, float *out)
{
	if (enc_encode(m->impl, text, len, out))
		memset(out, 0, m->dim * sizeof *out);
}

static int open_encoder(eval_model *m, const char *dir)
{
	enc_model *em = NULL;
	int rc;
	if (dir) {
		rc = enc_model_load_dir(dir, &em);
	} else {
		enc_files f;
		rc = enc_default_files(&f);
		if (!rc)
			rc = enc_model_load_files(&f, &em);
		if (!rc)
			enc_files_free(&f);
	}
	if (rc) {
		fprintf(stderr, "eval_encoder: %s: %s\n", semlite_errstr(rc),
		        semlite_errmsg());
		return rc;
	}
	m->impl = em;
	m->dim = enc_dim(em);
	m->encode = enc_backend;
	return 0;
}

/* ---- the trainer's tokenizer ----------------------------------------- */

typedef struct tt_model {
	train_map vocab;
	float *table;
	uint32_t ids[ENC_MAX_TOKENS];
	size_t nids;
	train_buf scratch, scratch2;
} tt_model;

static int tt_word(void *ctx, const char *w, size_t len)
{
	tt_model *t = ctx;
	uint32_t ids[256];
	if (len + 1 > 256)
		return 0;
	size_t n = train_wordpiece(&t->vocab, w, len, &t->scratch2, ids, 256);
	for (size_t i = 0; i < n && t->nids < ENC_MAX_TOKENS; i++)
		if (ids[i] != TRAIN_UNK)
			t->ids[t->nids++] = ids[i];
	return 0;
}

static void tt_backend(eval_model *m, const char *text, size_t len, float *out)
{
	tt_model *t = m->impl;
	t->nids = 0;
	train_pretok(text, len, &t->scratch, tt_word, t);
	memset(out, 0, m->dim * sizeof *out);
	for (size_t i = 0; i < t->nids; i++)
		for (size_t k = 0; k < m->dim; k++)
			out[k] += t->table[t->ids[i] * m->dim + k];
	double s = 0;
	for (size_t k = 0; k < m->dim; k++)
		s += (double)out[k] * out[k];
	for (size_t k = 0; s > 0 && k < m->dim; k++)
		out[k] = (float)(out[k] / sqrt(s));
}

static float half_to_float(uint16_t h)
{
	int e = (h >> 10) & 31, f = h & 1023;
	float v = e ? ldexpf((float)(f | 1024), e - 25) : ldexpf((float)f, -24);
	return (h & 0x8000) ? -v : v;
}

static int tt_table(tt_model *t, const char *dir, size_t *dim)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/model.safetensors", dir);
	FILE *f = fopen(p, "rb");
	if (!f)
		return 1;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)sz);
	int bad = fread(b, 1, (size_t)sz, f) != (size_t)sz;
	fclose(f);
	uint64_t hl = sl_load_u64le(b);
	cJSON *j = bad ? NULL : cJSON_ParseWithLength((char *)b + 8, hl);
	const cJSON *e = cJSON_GetObjectItem(j, "embeddings");
	const char *dt = cJSON_GetStringValue(cJSON_GetObjectItem(e, "dtype"));
	const cJSON *sh = cJSON_GetObjectItem(e, "shape");
	const cJSON *of = cJSON_GetObjectItem(e, "data_offsets");
	if (!dt || cJSON_GetArraySize(sh) != 2) {
		free(b);
		cJSON_Delete(j);
		return 1;
	}
	size_t rows = (size_t)cJSON_GetArrayItem(sh, 0)->valuedouble;
	*dim = (size_t)cJSON_GetArrayItem(sh, 1)->valuedouble;
	const uint8_t *d =
	    b + 8 + hl + (size_t)cJSON_GetArrayItem(of, 0)->valuedouble;
	t->table = malloc(rows * *dim * sizeof(float));
	for (size_t i = 0; i < rows * *dim; i++) {
		if (!strcmp(dt, "F32")) {
			uint32_t u = sl_load_u32le(d + 4 * i);
			memcpy(&t->table[i], &u, 4);
		} else if (!strcmp(dt, "F16")) {
			t->table[i] = half_to_float(
			    (uint16_t)(d[2 * i] | d[2 * i + 1] << 8));
		} else {
			t->table[i] = (float)(int8_t)d[i];
		}
	}
	cJSON_Delete(j);
	free(b);
	return rows < t->vocab.n;
}

static int open_trainer(eval_model *m, const char *dir)
{
	tt_model *t = calloc(1, sizeof *t);
	char p[4096], *json;
	size_t jl;
	snprintf(p, sizeof p, "%s/tokenizer.json", dir);
	if (train_vocab_load(p, &t->vocab, &json, &jl) ||
	    tt_table(t, dir, &m->dim)) {
		fprintf(stderr, "eval_encoder: cannot load %s (%s)\n", dir,
		        semlite_errmsg());
		return 1;
	}
	sl_free(json);
	m->impl = t;
	m->encode = tt_backend;
	return 0;
}

int eval_model_open(eval_model *m, const char *dir, int trainer_tok)
{
	memset(m, 0, sizeof *m);
	if (trainer_tok) {
		if (!dir) {
			fprintf(stderr, "eval_encoder: --trainer-tok needs "
			                "--model\n");
			return 1;
		}
		return open_trainer(m, dir);
	}
	return open_encoder(m, dir);
}

void eval_model_close(eval_model *m)
{
	if (m->encode == enc_backend) {
		enc_model_free(m->impl);
		return;
	}
	if (m->impl) {
		tt_model *t = m->impl;
		train_map_free(&t->vocab);
		train_buf_free(&t->scratch);
		train_buf_free(&t->scratch2);
		free(t->table);
		free(t);
	}
}
