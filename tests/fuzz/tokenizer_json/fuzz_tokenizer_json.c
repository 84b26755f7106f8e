/*
 * fuzz_tokenizer_json.c — the tokenizer.json reader on arbitrary bytes.
 * When a file loads, a few fixed texts (ASCII, accents, CJK, invalid
 * UTF-8, added-token look-alikes) are tokenized with it, and every id's
 * text is read back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "encoder/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const texts[] = {
    "Hello, world! [UNK] [PAD] <s>",
    "caf\xC3\xA9 na\xC3\xAFve \xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\xA6\x80",
    "\xFF\xFE\xC3 \xED\xA0\x80 a\tb\nc  ",
    "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tok_tokenizer *t;
	if (tok_load((const char *)data, size, "fuzz.json", &t))
		return 0;
	uint32_t ids[64];
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		size_t n;
		int rc = tok_encode(t, texts[i], strlen(texts[i]), 3072, ids,
		                    64, &n);
		if (rc == SEMLITE_INVALID) /* normalizers blow the text up */
			continue;
		if (rc || n > 64)
			abort();
		for (size_t k = 0; k < n; k++) {
			size_t len;
			if (ids[k] >= tok_id_bound(t))
				abort();
			(void)tok_token(t, ids[k], &len);
		}
	}
	size_t total = 0;
	for (uint32_t id = 0; id < tok_id_bound(t); id++) {
		size_t len;
		if (tok_token(t, id, &len))
			total += len;
	}
	if (tok_vocab_size(t) && !tok_id_bound(t))
		abort();
	(void)total;
	tok_free(t);
	return 0;
}
