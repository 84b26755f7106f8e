/*
 * fuzz_jsonl.c — the JSONL import path on arbitrary lines: record parsing
 * (cli/jsonl.c), metadata validation and filter extraction, and the
 * document record round trip of what a valid line would store.
 */
#include <stdint.h>
#include <string.h>

#include "cli/jsonl.h"
#include "filter/filter.h"
#include "storage/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_pair(void *ctx, const char *f, size_t fl, const char *v,
                      size_t vl)
{
	uint8_t k[FILT_KEY_MAX];
	if (filt_key_field(k, 1, f, fl, v, vl) > FILT_KEY_MAX)
		__builtin_trap();
	(*(int *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fields[] = {"title", "text"};
	cli_jsonl_doc d;
	char field[128];
	const char *what;
	if (cli_jsonl_parse((const char *)data, size, NULL, fields, 2, &d,
	                    field, sizeof field, &what))
		return 0;
	int pairs = 0;
	if (d.meta &&
	    filt_meta_scan(d.meta, strlen(d.meta), count_pair, &pairs))
		__builtin_trap(); /* we printed it: it must parse back */
	store_codec *c;
	if (!store_codec_new(&c)) {
		size_t il = strlen(d.id);
		store_doc doc = {d.id,   (uint32_t)il,
		                 d.text, (uint32_t)d.text_len,
		                 d.meta, d.meta ? (uint32_t)strlen(d.meta) : 0};
		const void *frame;
		size_t n;
		store_doc back;
		if (il && il <= STORE_MAX_EXT_ID &&
		    !store_doc_encode(c, &doc, &frame, &n) &&
		    (store_doc_decode(c, frame, n, &back) ||
		     back.text_len != d.text_len ||
		     memcmp(back.text, d.text, d.text_len)))
			__builtin_trap();
		store_codec_free(c);
	}
	cli_jsonl_doc_free(&d);
	return 0;
}
