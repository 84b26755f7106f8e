/*
 * test_encoder_golden.c — the encoder against the Python model2vec
 * reference outputs in ../shared/models/golden (read at run time):
 * model2vec-rs' embedding fixtures (1e-5 relative, as model2vec-rs checks
 * them) and the 27 potion-base-8M token-id lists (exact).
 */
#include "enc_test_util.h"

#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "encoder/encoder.h"

static const char *models;

/* Checks model `dir` on golden `file` (one input text). */
static void check_golden(const char *dir, const char *file, const char *text)
{
	enc_model *m;
	assert_int_equal(enc_model_load_dir(enc_path("%s/%s", models, dir), &m),
	                 0);
	cJSON *g =
	    enc_json(enc_path("%s/golden/model2vec-rs/%s", models, file));
	assert_non_null(g);
	cJSON *row = cJSON_GetArrayItem(g, 0);
	size_t dim = (size_t)cJSON_GetArraySize(row);
	assert_int_equal(enc_dim(m), dim);
	double *want = calloc(dim, sizeof *want);
	float *got = calloc(dim, sizeof *got);
	for (size_t i = 0; i < dim; i++)
		want[i] = cJSON_GetArrayItem(row, (int)i)->valuedouble;
	assert_int_equal(enc_encode(m, text, strlen(text), got), 0);
	double rel = enc_max_rel(got, want, dim, 1e-6);
	printf("%s on %s: max relative error %.3g\n", file, dir, rel);
	assert_true(rel <= 1e-5);
	/* float32 models: float32 accumulation in token order and numpy's
	 * pairwise norm reproduce the reference to the last bit or so */
	if (!strcmp(dir, "test-model-float32"))
		assert_true(rel <= 2.5e-7);
	free(want);
	free(got);
	cJSON_Delete(g);
	enc_model_free(m);
}

/* " ".join(["hello"] * 1000): 5,999 characters. */
static char *hello_1000(void)
{
	char *s = malloc(6000);
	memcpy(s, "hello", 5);
	for (int i = 1; i < 1000; i++)
		memcpy(s + 5 + 6 * (i - 1), " hello", 6);
	s[5999] = 0;
	return s;
}

static void test_short(void **state)
{
	(void)state;
	check_golden("test-model-float32", "embeddings_short.json",
	             "hello world");
}

static void test_long(void **state)
{
	(void)state;
	char *s = hello_1000();
	assert_int_equal(strlen(s), 5999);
	check_golden("test-model-float32", "embeddings_long.json", s);
	free(s);
}

static void test_vocab_quantized(void **state)
{
	(void)state;
	char *s = hello_1000();
	check_golden("test-model-vocab-quantized",
	             "embeddings_vocab_quantized.json", s);
	free(s);
}

static void test_potion_ids(void **state)
{
	(void)state;
	enc_model *m;
	assert_int_equal(
	    enc_model_load_tokenizer(
	        enc_path("%s/potion-base-8M/tokenizer.json", models), &m),
	    0);
	assert_int_equal(enc_dim(m), 0);
	assert_int_equal(enc_vocab_size(m), 29528);
	cJSON *g = enc_json(
	    enc_path("%s/golden/neural_brain/potion_reference.json", models));
	assert_non_null(g);
	const cJSON *c;
	int ncases = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(g, "cases"))
	{
		const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
		const cJSON *ids = cJSON_GetObjectItem(c, "ids");
		uint32_t got[ENC_MAX_TOKENS];
		size_t n;
		assert_int_equal(enc_tokenize(m, text, strlen(text), got,
		                              ENC_MAX_TOKENS, &n),
		                 0);
		if ((int)n != cJSON_GetArraySize(ids))
			fail_msg("case %d (%.40s): %zu ids, want %d", ncases,
			         text, n, cJSON_GetArraySize(ids));
		for (size_t i = 0; i < n; i++)
			assert_int_equal(
			    got[i], cJSON_GetArrayItem(ids, (int)i)->valueint);
		ncases++;
	}
	assert_int_equal(ncases, 27);
	/* Encoding needs weights. */
	float v[4];
	assert_int_equal(enc_encode(m, "x", 1, v), SEMLITE_MISUSE);
	cJSON_Delete(g);
	enc_model_free(m);
}

/* All five test checkpoints load, with the documented shapes. */
static void test_all_load(void **state)
{
	(void)state;
	static const struct {
		const char *dir;
		size_t dim, vocab;
	} cases[] = {{"test-model-float32", 2, 29528},
	             {"test-model-float16", 2, 29528},
	             {"test-model-int8", 2, 29528},
	             {"test-model-sentence-transformers", 2, 29528},
	             {"test-model-vocab-quantized", 64, 29524}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enc_model *m;
		int rc = enc_model_load_dir(
		    enc_path("%s/%s", models, cases[i].dir), &m);
		if (rc)
			fail_msg("%s: %s", cases[i].dir, sl_errmsg());
		assert_int_equal(enc_dim(m), cases[i].dim);
		assert_int_equal(enc_vocab_size(m), cases[i].vocab);
		enc_model_free(m);
	}
	/* model2vec's own test tokenizer: full bert-base-uncased vocab */
	enc_model *m;
	assert_int_equal(
	    enc_model_load_tokenizer(
	        enc_path("%s/model2vec-py-test-tokenizer", models), &m),
	    0);
	assert_int_equal(enc_vocab_size(m), 30522);
	uint32_t ids[8];
	size_t n;
	assert_int_equal(enc_tokenize(m, "Hello world!", 12, ids, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 7592); /* BERT's "hello" */
	assert_int_equal(ids[2], 999);  /* "!" */
	enc_model_free(m);
}

int main(void)
{
	if (!(models = enc_models_dir()))
		return 77;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_short),
	    cmocka_unit_test(test_long),
	    cmocka_unit_test(test_vocab_quantized),
	    cmocka_unit_test(test_potion_ids),
	    cmocka_unit_test(test_all_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
