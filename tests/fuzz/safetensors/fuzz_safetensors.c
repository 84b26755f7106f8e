/*
 * fuzz_safetensors.c — the safetensors reader and the model loader on
 * arbitrary file bytes. The input is parsed; every tensor is read element
 * by element (ASan catches any read outside the buffer); then it is loaded
 * as a model together with a fixed 4-token tokenizer and config, and a
 * text is encoded, which exercises the embeddings/weights/mapping checks.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encoder/encoder.h"
#include "encoder/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tok[] =
    "{\"normalizer\": {\"type\": \"BertNormalizer\"}, \"pre_tokenizer\": "
    "{\"type\": \"BertPreTokenizer\"}, \"model\": {\"type\": "
    "\"WordPiece\", \"vocab\": {\"[UNK]\": 0, \"a\": 1, \"b\": 2, \"##b\": "
    "3}}}";
static char cfg[] = "{\"normalize\": true}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enc_st st;
	volatile double sink = 0;
	if (!enc_st_parse(data, size, "fuzz.safetensors", &st)) {
		for (size_t i = 0; i < st.n; i++)
			for (size_t k = 0; k < st.t[i].count && k < 4096; k++)
				sink += enc_tensor_get(&st.t[i], k);
		enc_st_free(&st);
	}
	(void)sink;
	enc_files f = {.config_json = cfg,
	               .config_len = strlen(cfg),
	               .tokenizer_json = tok,
	               .tokenizer_len = strlen(tok),
	               .safetensors = (uint8_t *)data,
	               .safetensors_len = size};
	enc_model *m;
	if (enc_model_load_files(&f, &m))
		return 0;
	size_t dim = enc_dim(m);
	float *v = malloc(dim * sizeof *v);
	if (!v || enc_encode(m, "a ab b [UNK] bbb", 15, v))
		abort();
	free(v);
	enc_model_free(m);
	return 0;
}
