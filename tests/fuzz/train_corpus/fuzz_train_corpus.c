/*
 * fuzz_train_corpus.c — the trainer's parsers of outside bytes: corpus
 * files (plain text, JSON Lines, zstd-compressed JSON Lines) with the BERT
 * pre-tokenizer and WordPiece over every paragraph, and a --tokenizer
 * tokenizer.json. The first input byte picks the format; the rest is the
 * file, written to a per-process temporary file because the readers take
 * paths.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "encoder/train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static train_map vocab;
static train_buf scratch, scratch2;

static int on_word(void *ctx, const char *w, size_t len)
{
	(void)ctx;
	uint32_t ids[128];
	if (len < 127)
		train_wordpiece(&vocab, w, len, &scratch2, ids, len + 1);
	return 0;
}

static int on_text(void *ctx, const char *t, size_t len)
{
	(void)ctx;
	return train_pretok(t, len, &scratch, on_word, NULL);
}

static void init_vocab(void)
{
	static const char *p[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
	                          "a",     "##a",   "the",   "##s",   "play"};
	uint32_t id;
	if (vocab.n)
		return;
	for (size_t i = 0; i < sizeof p / sizeof *p; i++)
		train_map_add(&vocab, p[i], strlen(p[i]), &id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *ext[] = {".txt", ".jsonl", ".jsonl.zst", ".json"};
	if (size < 1)
		return 0;
	init_vocab();
	char path[128];
	snprintf(path, sizeof path, "/tmp/fuzz_train_%ld%s", (long)getpid(),
	         ext[data[0] & 3]);
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	if ((data[0] & 3) == 3) {
		train_map v = {0};
		char *json = NULL;
		size_t n = 0;
		if (train_vocab_load(path, &v, &json, &n) == SEMLITE_OK)
			sl_free(json);
		train_map_free(&v);
	} else {
		train_corpus_read(path, on_text, NULL);
	}
	unlink(path);
	return 0;
}
