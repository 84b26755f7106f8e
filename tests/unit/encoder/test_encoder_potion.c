/*
 * test_encoder_potion.c — full potion-base-8M vectors (model2vec-zig's
 * golden.json, 10 texts, max abs diff 1e-5 as that project checks) and
 * potion-base-2M's "hello world" (model2vec-rs, 1e-5 relative). The weights
 * are not in ../shared, so each part runs only when an environment
 * variable points at a downloaded model directory:
 *   SEMLITE_POTION_DIR     potion-base-8M
 *   SEMLITE_POTION2M_DIR   potion-base-2M
 * and the test skips with a message when neither is set.
 */
#include "enc_test_util.h"

#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "semlite.h"

static const char *models, *p8, *p2;

static void test_potion8m_zig(void **state)
{
	(void)state;
	if (!p8)
		skip();
	semlite_encoder *e;
	assert_int_equal(semlite_encoder_open(p8, &e), 0);
	assert_int_equal(semlite_encoder_dim(e), 256);
	cJSON *g =
	    enc_json(enc_path("%s/golden/model2vec-zig/golden.json", models));
	assert_non_null(g);
	const cJSON *c;
	int k = 0;
	cJSON_ArrayForEach(c, g)
	{
		const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
		const cJSON *vec = cJSON_GetObjectItem(c, "vec");
		float v[256];
		assert_int_equal(semlite_encode(e, text, strlen(text), v, 256),
		                 0);
		double worst = 0;
		for (int i = 0; i < 256; i++) {
			double d = fabs(
			    v[i] - cJSON_GetArrayItem(vec, i)->valuedouble);
			worst = d > worst ? d : worst;
		}
		printf("zig golden %d: max abs diff %.3g\n", k, worst);
		assert_true(worst < 1e-5);
		k++;
	}
	assert_int_equal(k, 10);
	cJSON_Delete(g);
	semlite_encoder_free(e);
}

static void test_potion2m_rs(void **state)
{
	(void)state;
	if (!p2)
		skip();
	semlite_encoder *e;
	assert_int_equal(semlite_encoder_open(p2, &e), 0);
	cJSON *g = enc_json(enc_path("%s/golden/model2vec-rs/"
	                             "embeddings_potion-base-2M_hello-world_"
	                             "commit4295547.json",
	                             models));
	assert_non_null(g);
	cJSON *row = cJSON_GetArrayItem(g, 0);
	size_t dim = (size_t)cJSON_GetArraySize(row);
	assert_int_equal(semlite_encoder_dim(e), dim);
	float v[512];
	double want[512];
	assert_true(dim <= 512);
	for (size_t i = 0; i < dim; i++)
		want[i] = cJSON_GetArrayItem(row, (int)i)->valuedouble;
	assert_int_equal(semlite_encode(e, "hello world", 11, v, 512), 0);
	assert_true(enc_max_rel(v, want, dim, 1e-6) <= 1e-5);
	cJSON_Delete(g);
	semlite_encoder_free(e);
}

int main(void)
{
	p8 = getenv("SEMLITE_POTION_DIR");
	p2 = getenv("SEMLITE_POTION2M_DIR");
	if (p8 && !*p8)
		p8 = NULL;
	if (p2 && !*p2)
		p2 = NULL;
	if (!p8 && !p2) {
		printf("SKIP: set SEMLITE_POTION_DIR to a potion-base-8M "
		       "download (and/or SEMLITE_POTION2M_DIR for "
		       "potion-base-2M) to check the full potion goldens\n");
		return 77;
	}
	if (!(models = enc_models_dir()))
		return 77;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_potion8m_zig),
	    cmocka_unit_test(test_potion2m_rs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
