/*
 * test_encoder_errors.c — broken model files fail with the right code and
 * a message naming the file and the problem. The broken files are built
 * here, in a temporary directory (tokenizer.json and config.json are
 * copied at run time from ../shared's test-model-float32).
 */
#include "enc_test_util.h"

#include <setjmp.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "encoder/encoder.h"

static const char *models;
static char dir[] = "/tmp/semlite_enc_err_XXXXXX";
static char *tok_json, *cfg_json;
static size_t tok_len, cfg_len;

/* A safetensors file: header text, then `data` bytes of zeros. */
static void write_st(const char *header, size_t data)
{
	size_t hl = strlen(header);
	uint8_t *b = calloc(1, 8 + hl + data);
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)hl >> (8 * i));
	memcpy(b + 8, header, hl);
	assert_int_equal(
	    enc_write(enc_path("%s/model.safetensors", dir), b, 8 + hl + data),
	    0);
	free(b);
}

static void write_model(const char *tok, const char *cfg)
{
	assert_int_equal(enc_write(enc_path("%s/tokenizer.json", dir),
	                           tok ? tok : tok_json,
	                           tok ? strlen(tok) : tok_len),
	                 0);
	if (cfg)
		assert_int_equal(enc_write(enc_path("%s/config.json", dir), cfg,
		                           strlen(cfg)),
		                 0);
}

/* Loading dir fails with rc and a message containing both strings. */
static void expect(int rc, const char *s1, const char *s2)
{
	enc_model *m = (enc_model *)1;
	int got = enc_model_load_dir(dir, &m);
	const char *msg = sl_errmsg();
	printf("  -> %d: %s\n", got, msg);
	assert_int_equal(got, rc);
	assert_null(m);
	assert_non_null(strstr(msg, s1));
	if (s2)
		assert_non_null(strstr(msg, s2));
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	tok_json = enc_read(
	    enc_path("%s/test-model-float32/tokenizer.json", models), &tok_len);
	cfg_json = enc_read(
	    enc_path("%s/test-model-float32/config.json", models), &cfg_len);
	return tok_json && cfg_json ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unlink(enc_path("%s/model.safetensors", dir));
	unlink(enc_path("%s/tokenizer.json", dir));
	unlink(enc_path("%s/config.json", dir));
	rmdir(dir);
	free(tok_json);
	free(cfg_json);
	return 0;
}

static void test_truncated(void **state)
{
	(void)state;
	write_model(NULL, cfg_json);
	size_t len = 0;
	char *st = enc_read(
	    enc_path("%s/test-model-float32/model.safetensors", models), &len);
	assert_int_equal(
	    enc_write(enc_path("%s/model.safetensors", dir), st, len / 2), 0);
	expect(SEMLITE_CORRUPT, "model.safetensors", "truncated");
	assert_int_equal(
	    enc_write(enc_path("%s/model.safetensors", dir), st, 5), 0);
	expect(SEMLITE_CORRUPT, "model.safetensors", "truncated");
	assert_int_equal(
	    enc_write(enc_path("%s/model.safetensors", dir), st, 40), 0);
	expect(SEMLITE_CORRUPT, "model.safetensors", "truncated");
	free(st);
}

static void test_bad_header(void **state)
{
	(void)state;
	write_model(NULL, cfg_json);
	write_st("{\"embeddings\": {\"dtype\": \"F32\", ", 0);
	expect(SEMLITE_CORRUPT, "model.safetensors", "not valid JSON");
	write_st("[1, 2]", 0);
	expect(SEMLITE_CORRUPT, "model.safetensors", "not a JSON object");
	write_st("{\"embeddings\": {\"dtype\": \"F32\", \"shape\": [29528, 2], "
	         "\"data_offsets\": [0, 100]}}",
	         100);
	expect(SEMLITE_CORRUPT, "model.safetensors", "do not match");
	write_st("{\"embeddings\": {\"dtype\": \"F32\", \"shape\": [29528, 2], "
	         "\"data_offsets\": [0, 1e300]}}",
	         100);
	expect(SEMLITE_CORRUPT, "model.safetensors", "data_offsets");
	write_st("{\"embeddings\": {\"dtype\": \"Q4\", \"shape\": [1], "
	         "\"data_offsets\": [0, 1]}}",
	         1);
	expect(SEMLITE_UNSUPPORTED, "model.safetensors", "Q4");
	write_st("{\"embeddings\": {\"dtype\": \"F32\", \"shape\": "
	         "[4294967296, 4294967296, 4294967296], "
	         "\"data_offsets\": [0, 4]}}",
	         4);
	expect(SEMLITE_CORRUPT, "model.safetensors", "shape");
}

static void test_missing_tensor(void **state)
{
	(void)state;
	write_model(NULL, cfg_json);
	write_st("{\"vectors\": {\"dtype\": \"F32\", \"shape\": [2, 2], "
	         "\"data_offsets\": [0, 16]}}",
	         16);
	expect(SEMLITE_MODEL, "model.safetensors", "missing tensor");
}

static void test_shape_mismatch(void **state)
{
	(void)state;
	write_model(NULL, cfg_json);
	write_st("{\"embeddings\": {\"dtype\": \"F32\", \"shape\": [10, 2], "
	         "\"data_offsets\": [0, 80]}}",
	         80);
	expect(SEMLITE_MODEL, "model.safetensors", "shape mismatch");
	write_st("{\"embeddings\": {\"dtype\": \"F32\", \"shape\": [236224], "
	         "\"data_offsets\": [0, 944896]}}",
	         944896);
	expect(SEMLITE_MODEL, "model.safetensors", "shape mismatch");
	/* a mapping that points past the table */
	write_st("{\"embeddings\": {\"dtype\": \"F32\", \"shape\": [1, 2], "
	         "\"data_offsets\": [0, 8]}, \"mapping\": {\"dtype\": \"I32\", "
	         "\"shape\": [29528], \"data_offsets\": [8, 118120]}}",
	         118120);
	/* all-zero mapping is valid: every token maps to row 0 */
	enc_model *m;
	assert_int_equal(enc_model_load_dir(dir, &m), 0);
	enc_model_free(m);
}

static void test_unknown_tokenizer(void **state)
{
	(void)state;
	write_st("{\"embeddings\": {\"dtype\": \"F32\", \"shape\": [1, 2], "
	         "\"data_offsets\": [0, 8]}}",
	         8);
	write_model("{\"model\": {\"type\": \"BPE\", \"vocab\": {}, "
	            "\"merges\": []}}",
	            cfg_json);
	expect(SEMLITE_UNSUPPORTED, "tokenizer.json", "\"BPE\"");
	write_model("{\"normalizer\": {\"type\": \"Precompiled\"}, \"model\": "
	            "{\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}",
	            cfg_json);
	expect(SEMLITE_UNSUPPORTED, "tokenizer.json", "Precompiled");
	write_model("{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": "
	            "{\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}",
	            cfg_json);
	expect(SEMLITE_UNSUPPORTED, "tokenizer.json", "ByteLevel");
	write_model("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": "
	            "\"zero\"}}}",
	            cfg_json);
	expect(SEMLITE_CORRUPT, "tokenizer.json", "vocab");
	write_model("{\"model\": ", cfg_json);
	expect(SEMLITE_CORRUPT, "tokenizer.json", "not valid JSON");
}

static void test_missing_files(void **state)
{
	(void)state;
	write_model(NULL, NULL);
	unlink(enc_path("%s/config.json", dir));
	write_st("{\"embeddings\": {\"dtype\": \"F32\", \"shape\": [1, 2], "
	         "\"data_offsets\": [0, 8]}}",
	         8);
	expect(SEMLITE_MODEL, "config.json", NULL);
	write_model(NULL, "{\"normalize\": \"yes\"}");
	expect(SEMLITE_CORRUPT, "config.json", "normalize");
	unlink(enc_path("%s/model.safetensors", dir));
	expect(SEMLITE_MODEL, "model.safetensors", NULL);
	enc_model *m;
	assert_int_equal(enc_model_load_dir("/nonexistent/dir", &m),
	                 SEMLITE_NOTFOUND);
	assert_int_equal(enc_model_load_tokenizer("/nonexistent/t.json", &m),
	                 SEMLITE_NOTFOUND);
}

int main(void)
{
	if (!(models = enc_models_dir()))
		return 77;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_bad_header),
	    cmocka_unit_test(test_missing_tensor),
	    cmocka_unit_test(test_shape_mismatch),
	    cmocka_unit_test(test_unknown_tokenizer),
	    cmocka_unit_test(test_missing_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
