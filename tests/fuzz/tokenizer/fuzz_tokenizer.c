/*
 * fuzz_tokenizer.c — the tokenizer on arbitrary input text.
 *
 * Tokenizers are loaded once: the file named by SEMLITE_FUZZ_TOKENIZER
 * (e.g. potion-base-8M's tokenizer.json) when set, else two small built-in
 * ones (WordPiece with the BERT normalizer and added tokens; Unigram with
 * the Replace/Strip normalizers and Metaspace). The first input byte picks
 * the tokenizer and the id cap; the rest is the text. Checks: no crash, n
 * within the cap, every id inside the vocabulary, same result twice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "encoder/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char wp[] =
    "{\"added_tokens\": [{\"id\": 0, \"content\": \"[PAD]\"}, {\"id\": 1, "
    "\"content\": \"[UNK]\"}, {\"id\": 9, \"content\": \"<n>\", "
    "\"normalized\": true}],"
    "\"normalizer\": {\"type\": \"BertNormalizer\"},"
    "\"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},"
    "\"model\": {\"type\": \"WordPiece\", \"max_input_chars_per_word\": "
    "20, \"vocab\": {\"[PAD]\": 0, \"[UNK]\": 1, \"a\": 2, \"##a\": 3, "
    "\"ab\": 4, \"##b\": 5, \"\\u00e9\": 6, \"\\u6771\": 7, \"!\": 8, "
    "\"<n>\": 9, \"##\\u00df\": 10}}}";

static const char uni[] =
    "{\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": ["
    "{\"type\": \"BertNormalizer\", \"lowercase\": false}, {\"type\": "
    "\"NFKC\"}, {\"type\": \"Replace\", \"pattern\": {\"String\": \"-\"}, "
    "\"content\": \" - \"}, {\"type\": \"Replace\", \"pattern\": "
    "{\"Regex\": \"\\\\s+\"}, \"content\": \" \"}, {\"type\": \"Strip\"}]},"
    "\"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": ["
    "{\"type\": \"WhitespaceSplit\"}, {\"type\": \"Metaspace\", "
    "\"replacement\": \"\\u2581\", \"prepend_scheme\": \"first\"}]},"
    "\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": ["
    "[\"<unk>\", 0], [\"\\u2581a\", -1], [\"\\u2581ab\", -1.5], [\"b\", -2],"
    "[\"\\u2581\", -3], [\"a\", -2.5], [\"-\", -1], [\"\\u00e9\", -4]]}}";

static tok_tokenizer *toks[3];
static size_t ntoks;

static void load(const char *json, size_t len, const char *name)
{
	tok_tokenizer *t;
	if (tok_load(json, len, name, &t)) {
		fprintf(stderr, "%s: %s\n", name, sl_errmsg());
		abort();
	}
	toks[ntoks++] = t;
}

static void init(void)
{
	load(wp, strlen(wp), "builtin-wordpiece");
	load(uni, strlen(uni), "builtin-unigram");
	const char *path = getenv("SEMLITE_FUZZ_TOKENIZER");
	if (!path || !*path)
		return;
	FILE *f = fopen(path, "rb");
	if (!f)
		abort();
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	load(b, (size_t)n, path);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t ids[600], ids2[600];
	if (!ntoks)
		init();
	if (!size)
		return 0;
	const tok_tokenizer *t = toks[data[0] % ntoks];
	size_t cap = (data[0] >> 2) % 2 ? 512 : 1 + data[0] % 37;
	size_t max_chars = data[0] & 0x80 ? 3072 : SIZE_MAX;
	const char *text = (const char *)data + 1;
	size_t n, n2;
	if (tok_encode(t, text, size - 1, max_chars, ids, cap, &n))
		abort(); /* only NOMEM may fail, and nothing injects it */
	if (n > cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if (ids[i] >= tok_id_bound(t) ||
		    (int64_t)ids[i] == tok_dropped_id(t))
			abort();
	if (tok_encode(t, text, size - 1, max_chars, ids2, cap, &n2) ||
	    n2 != n || memcmp(ids, ids2, n * sizeof *ids))
		abort();
	return 0;
}
