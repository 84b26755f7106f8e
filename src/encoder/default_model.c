/*
 * default_model.c — the built-in default model, semlite-base: a static
 * encoder trained by `semlite train` (scripts/build-default-model.sh) on
 * public-domain Gutenberg books and WordNet glosses, committed in
 * models/semlite-base/ and linked in by default_model.S.
 *
 * enc_default_files() hands out copies rather than pointers into .rodata
 * so that callers own what they get, exactly as with files read from a
 * directory (enc_files_free works on both); the copy is a few milliseconds
 * once per open. semlite_encoder_open_default() is the public door.
 */
#include "encoder/default_model.h"

#include <string.h>

extern const char sl_default_config[], sl_default_config_end[];
extern const char sl_default_tokenizer[], sl_default_tokenizer_end[];
extern const unsigned char sl_default_safetensors[],
    sl_default_safetensors_end[];

static void *dup_bytes(const void *p, size_t n)
{
	char *d = sl_malloc(n + 1);
	if (d) {
		memcpy(d, p, n);
		d[n] = 0;
	}
	return d;
}

int enc_default_files(enc_files *out)
{
	memset(out, 0, sizeof *out);
	out->config_len = (size_t)(sl_default_config_end - sl_default_config);
	out->tokenizer_len =
	    (size_t)(sl_default_tokenizer_end - sl_default_tokenizer);
	out->safetensors_len =
	    (size_t)(sl_default_safetensors_end - sl_default_safetensors);
	out->config_json = dup_bytes(sl_default_config, out->config_len);
	out->tokenizer_json =
	    dup_bytes(sl_default_tokenizer, out->tokenizer_len);
	out->safetensors =
	    dup_bytes(sl_default_safetensors, out->safetensors_len);
	if (!out->config_json || !out->tokenizer_json || !out->safetensors) {
		sl_free(out->config_json);
		sl_free(out->tokenizer_json);
		sl_free(out->safetensors);
		memset(out, 0, sizeof *out);
		return sl_err(SEMLITE_NOMEM, "default model: out of memory");
	}
	return SEMLITE_OK;
}

const char *enc_default_name(void)
{
	return "semlite-base";
}
