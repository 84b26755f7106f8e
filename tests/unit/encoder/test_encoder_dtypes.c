/*
 * test_encoder_dtypes.c — F16, I8 and sentence-transformers checkpoints
 * against the reference formula, computed here from the raw safetensors
 * bytes with a parser of the test's own (header JSON via cJSON, IEEE half
 * decoded by hand): mean of rows (I8 cast to float, no scale), then
 * v / (||v|| + 1e-32).
 */
#include "enc_test_util.h"

#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "encoder/encoder.h"

static const char *models;

static double half(uint16_t h)
{
	int e = h >> 10 & 31, m = h & 1023;
	double v = e == 0    ? ldexp(m, -24)
	           : e == 31 ? (m ? NAN : INFINITY)
	                     : ldexp(m + 1024, e - 25);
	return h & 0x8000 ? -v : v;
}

typedef struct table {
	char *file;
	const uint8_t *data;
	const char *dtype;
	size_t rows, dim;
} table;

static void load_table(const char *dir, const char *tensor, table *t)
{
	size_t len;
	t->file =
	    enc_read(enc_path("%s/%s/model.safetensors", models, dir), &len);
	assert_non_null(t->file);
	uint64_t hl = 0;
	for (int i = 7; i >= 0; i--)
		hl = hl << 8 | (uint8_t)t->file[i];
	cJSON *h = cJSON_ParseWithLength(t->file + 8, (size_t)hl);
	cJSON *e = cJSON_GetObjectItem(h, tensor);
	assert_non_null(e);
	static char dt[8];
	snprintf(dt, sizeof dt, "%s",
	         cJSON_GetObjectItem(e, "dtype")->valuestring);
	t->dtype = dt;
	cJSON *shape = cJSON_GetObjectItem(e, "shape");
	t->rows = (size_t)cJSON_GetArrayItem(shape, 0)->valuedouble;
	t->dim = (size_t)cJSON_GetArrayItem(shape, 1)->valuedouble;
	size_t off = (size_t)cJSON_GetArrayItem(
	                 cJSON_GetObjectItem(e, "data_offsets"), 0)
	                 ->valuedouble;
	t->data = (const uint8_t *)t->file + 8 + hl + off;
	cJSON_Delete(h);
}

static double cell(const table *t, size_t r, size_t c)
{
	size_t i = r * t->dim + c;
	if (!strcmp(t->dtype, "F16"))
		return half(
		    (uint16_t)(t->data[2 * i] | t->data[2 * i + 1] << 8));
	if (!strcmp(t->dtype, "I8"))
		return (int8_t)t->data[i];
	float f;
	memcpy(&f, t->data + 4 * i, 4);
	return f;
}

static const char *const texts[] = {
    "hello world",
    "The quick brown fox jumps over the lazy dog.",
    "café naïve résumé, 東京!",
    "supercalifragilisticexpialidocious",
    "",
};

static void check(const char *dir, const char *tensor, const char *dtype)
{
	enc_model *m;
	table t;
	assert_int_equal(enc_model_load_dir(enc_path("%s/%s", models, dir), &m),
	                 0);
	load_table(dir, tensor, &t);
	assert_string_equal(t.dtype, dtype);
	assert_int_equal(enc_dim(m), t.dim);
	for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
		uint32_t ids[ENC_MAX_TOKENS];
		size_t n;
		const char *s = texts[k];
		assert_int_equal(
		    enc_tokenize(m, s, strlen(s), ids, ENC_MAX_TOKENS, &n), 0);
		double want[64] = {0}, ss = 0;
		float got[64];
		for (size_t d = 0; d < t.dim; d++) {
			for (size_t i = 0; i < n; i++)
				want[d] += cell(&t, ids[i], d);
			if (n)
				want[d] /= (double)n;
			ss += want[d] * want[d];
		}
		for (size_t d = 0; d < t.dim; d++)
			want[d] /= sqrt(ss) + 1e-32;
		assert_int_equal(enc_encode(m, s, strlen(s), got), 0);
		double rel = enc_max_rel(got, want, t.dim, 1e-6);
		if (rel > 1e-5)
			fail_msg("%s, \"%s\": relative error %g", dir, s, rel);
		if (!n)
			for (size_t d = 0; d < t.dim; d++)
				assert_true(got[d] == 0.0f);
	}
	free(t.file);
	enc_model_free(m);
}

static void test_f16(void **state)
{
	(void)state;
	check("test-model-float16", "embeddings", "F16");
}

static void test_i8(void **state)
{
	(void)state;
	check("test-model-int8", "embeddings", "I8");
}

static void test_f32(void **state)
{
	(void)state;
	check("test-model-float32", "embeddings", "F32");
}

static void test_sentence_transformers(void **state)
{
	(void)state;
	check("test-model-sentence-transformers", "embedding.weight", "F32");
	/* Same weights as test-model-float32: identical vectors. */
	enc_model *a, *b;
	assert_int_equal(
	    enc_model_load_dir(enc_path("%s/test-model-float32", models), &a),
	    0);
	assert_int_equal(
	    enc_model_load_dir(
	        enc_path("%s/test-model-sentence-transformers", models), &b),
	    0);
	float va[2], vb[2];
	assert_int_equal(enc_encode(a, "semantic search", 15, va), 0);
	assert_int_equal(enc_encode(b, "semantic search", 15, vb), 0);
	assert_memory_equal(va, vb, sizeof va);
	enc_model_free(a);
	enc_model_free(b);
}

/* The vocab-quantized row rule: normalize(embeddings[mapping[id]] *
 * weights[id]) for a one-token text. */
static void test_vocab_quantized_rule(void **state)
{
	(void)state;
	enc_model *m;
	assert_int_equal(
	    enc_model_load_dir(
	        enc_path("%s/test-model-vocab-quantized", models), &m),
	    0);
	size_t len;
	char *f = enc_read(
	    enc_path("%s/test-model-vocab-quantized/model.safetensors", models),
	    &len);
	uint64_t hl = 0;
	for (int i = 7; i >= 0; i--)
		hl = hl << 8 | (uint8_t)f[i];
	cJSON *h = cJSON_ParseWithLength(f + 8, (size_t)hl);
	const uint8_t *base = (const uint8_t *)f + 8 + hl;
#define OFF(name)                                                              \
	(size_t) cJSON_GetArrayItem(                                           \
	    cJSON_GetObjectItem(cJSON_GetObjectItem(h, name), "data_offsets"), \
	    0)                                                                 \
	    ->valuedouble
	const uint8_t *emb = base + OFF("embeddings");
	const uint8_t *map = base + OFF("mapping");
	const uint8_t *wts = base + OFF("weights");
	const char *texts2[] = {"hello", "world", "semantic"};
	for (int k = 0; k < 3; k++) {
		uint32_t ids[8];
		size_t n;
		assert_int_equal(
		    enc_tokenize(m, texts2[k], strlen(texts2[k]), ids, 8, &n),
		    0);
		assert_int_equal(n, 1);
		int32_t row;
		double w, want[64], ss = 0;
		memcpy(&row, map + 4 * ids[0], 4);
		memcpy(&w, wts + 8 * ids[0], 8);
		for (int d = 0; d < 64; d++) {
			float e;
			memcpy(&e, emb + 4 * ((size_t)row * 64 + d), 4);
			want[d] = e * w;
			ss += want[d] * want[d];
		}
		for (int d = 0; d < 64; d++)
			want[d] /= sqrt(ss);
		float got[64];
		assert_int_equal(
		    enc_encode(m, texts2[k], strlen(texts2[k]), got), 0);
		assert_true(enc_max_rel(got, want, 64, 1e-6) <= 1e-5);
	}
	cJSON_Delete(h);
	free(f);
	enc_model_free(m);
}

int main(void)
{
	if (!(models = enc_models_dir()))
		return 77;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_f16),
	    cmocka_unit_test(test_i8),
	    cmocka_unit_test(test_f32),
	    cmocka_unit_test(test_sentence_transformers),
	    cmocka_unit_test(test_vocab_quantized_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
