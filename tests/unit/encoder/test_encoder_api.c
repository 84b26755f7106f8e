/*
 * test_encoder_api.c — the public encoder functions of semlite.h: opening
 * a directory or a lone tokenizer.json, encode vs batch vs tokenize
 * agreement, argument checks and their return codes.
 */
#include "enc_test_util.h"

#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "semlite.h"

static const char *models;

static void test_open_and_encode(void **state)
{
	(void)state;
	semlite_encoder *e = NULL;
	assert_int_equal(
	    semlite_encoder_open(
	        enc_path("%s/test-model-vocab-quantized", models), &e),
	    SEMLITE_OK);
	assert_int_equal(semlite_encoder_dim(e), 64);
	assert_int_equal(semlite_encoder_vocab_size(e), 29524);
	const char *texts[] = {"hello world", "", "Semantic search in C"};
	float one[3][64], batch[3 * 64];
	for (int i = 0; i < 3; i++)
		assert_int_equal(
		    semlite_encode(e, texts[i], strlen(texts[i]), one[i], 64),
		    0);
	assert_int_equal(semlite_encode_batch(e, texts, NULL, 3, batch, 192),
	                 0);
	assert_memory_equal(one, batch, sizeof batch);
	for (int d = 0; d < 64; d++)
		assert_true(one[1][d] == 0.0f);
	double ss = 0;
	for (int d = 0; d < 64; d++)
		ss += (double)one[0][d] * one[0][d];
	assert_true(fabs(ss - 1) < 1e-5);
	/* capacity and argument checks */
	assert_int_equal(semlite_encode(e, "x", 1, one[0], 63),
	                 SEMLITE_INVALID);
	assert_int_equal(semlite_encode_batch(e, texts, NULL, 3, batch, 191),
	                 SEMLITE_INVALID);
	assert_int_equal(semlite_encode(NULL, "x", 1, one[0], 64),
	                 SEMLITE_INVALID);
	assert_int_equal(semlite_encode(e, NULL, 1, one[0], 64),
	                 SEMLITE_INVALID);
	char tok[32];
	uint32_t ids[4];
	size_t n;
	assert_int_equal(semlite_tokenize(e, "hello", 5, ids, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(semlite_encoder_token(e, ids[0], tok, sizeof tok), 0);
	assert_string_equal(tok, "\xE2\x96\x81hello");
	assert_int_equal(semlite_encoder_token(e, 1u << 30, tok, sizeof tok),
	                 SEMLITE_NOTFOUND);
	semlite_encoder_free(e);
	semlite_encoder_free(NULL);
}

static void test_tokenizer_only(void **state)
{
	(void)state;
	semlite_encoder *e;
	assert_int_equal(
	    semlite_encoder_open(
	        enc_path("%s/potion-base-8M/tokenizer.json", models), &e),
	    0);
	assert_int_equal(semlite_encoder_dim(e), 0);
	assert_int_equal(semlite_encoder_vocab_size(e), 29528);
	uint32_t ids[8];
	size_t n;
	assert_int_equal(semlite_tokenize(e, "Hello, World!", 13, ids, 8, &n),
	                 0);
	assert_int_equal(n, 4);
	assert_int_equal(ids[0], 6598);
	float v[4];
	assert_int_equal(semlite_encode(e, "x", 1, v, 4), SEMLITE_MISUSE);
	assert_true(strlen(semlite_errmsg()) > 0);
	semlite_encoder_free(e);
	assert_int_equal(semlite_encoder_open("/nonexistent", &e),
	                 SEMLITE_NOTFOUND);
	assert_null(e);
	assert_int_equal(semlite_encoder_open(NULL, &e), SEMLITE_INVALID);
}

int main(void)
{
	if (!(models = enc_models_dir()))
		return 77;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_and_encode),
	    cmocka_unit_test(test_tokenizer_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
