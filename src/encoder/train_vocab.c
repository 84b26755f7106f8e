/*
 * train_vocab.c — learns a WordPiece vocabulary from word counts.
 *
 * The vocabulary is built in three layers, in this id order:
 *   1. the special tokens [PAD] [UNK] [CLS] [SEP] [MASK] (ids 0-4, as in
 *      BERT-derived Model2Vec models);
 *   2. the alphabet: every character seen often enough, bare (word start)
 *      and as a "##" continuation, so that almost any word can be covered;
 *   3. whole words by frequency (a `word_frac` share of what is left),
 *      since a static encoder's quality comes mostly from whole-word rows;
 *   4. subword pieces from batched merges: the words the vocabulary does
 *      not yet hold are split with greedy longest match, adjacent piece
 *      pairs are counted (weighted by word frequency), and the most
 *      frequent merged strings are added, a batch per round. This is the
 *      Hugging Face WordPiece trainer's idea (BPE-style merges over word
 *      counts) with many merges per pass instead of one, so it needs no
 *      incremental pair index; segmentation is the same greedy longest
 *      match the encoder uses, so every merge is a piece the encoder will
 *      actually produce.
 * Ties break on the bytes, so the result is deterministic.
 */
#include "encoder/train.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

typedef struct ranked {
	uint64_t count;
	const char *key;
	uint32_t len;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);
	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/* Entries of m sorted by count (descending), then bytes. */
static ranked *rank_map(const train_map *m)
{
	ranked *r = sl_malloc((m->n ? m->n : 1) * sizeof *r);
	if (!r)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		r[i] = (ranked){m->count[i], m->keys[i], m->klen[i]};
	qsort(r, m->n, sizeof *r, cmp_ranked);
	return r;
}

static int add_piece(train_map *v, const char *k, size_t n)
{
	uint32_t id;
	return train_map_add(v, k, n, &id);
}

static int add_alphabet(const train_map *words, size_t maxchars, train_map *v)
{
	train_map chars = {0};
	int rc = SEMLITE_OK;
	for (size_t w = 0; w < words->n && rc == SEMLITE_OK; w++) {
		const char *s = words->keys[w];
		for (size_t i = 0; i < words->klen[w] && rc == SEMLITE_OK;) {
			size_t k = 1;
			while (i + k < words->klen[w] &&
			       ((unsigned char)s[i + k] & 0xC0) == 0x80)
				k++;
			uint32_t id;
			rc = train_map_add(&chars, s + i, k, &id);
			if (rc == SEMLITE_OK)
				chars.count[id] += words->count[w];
			i += k;
		}
	}
	ranked *r = rc ? NULL : rank_map(&chars);
	if (!rc && !r)
		rc = sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	size_t n = chars.n < maxchars ? chars.n : maxchars;
	train_buf key = {0};
	for (size_t i = 0; i < n && rc == SEMLITE_OK; i++) {
		if (r[i].count < 2)
			break;
		key.len = 0;
		rc = add_piece(v, r[i].key, r[i].len);
		if (!rc)
			rc = train_buf_put(&key, "##", 2);
		if (!rc)
			rc = train_buf_put(&key, r[i].key, r[i].len);
		if (!rc)
			rc = add_piece(v, key.p, key.len);
	}
	train_buf_free(&key);
	sl_free(r);
	train_map_free(&chars);
	return rc;
}

/* Counts adjacent piece pairs over the words not yet in the vocabulary. */
static int count_pairs(const train_map *words, const train_map *v,
                       train_map *pairs)
{
	uint32_t ids[64];
	train_buf scratch = {0}, key = {0};
	int rc = SEMLITE_OK;
	for (size_t w = 0; w < words->n && rc == SEMLITE_OK; w++) {
		size_t len = words->klen[w];
		if (words->count[w] < 2 || len > 48 ||
		    train_map_find(v, words->keys[w], len) >= 0)
			continue;
		size_t n =
		    train_wordpiece(v, words->keys[w], len, &scratch, ids, 64);
		for (size_t i = 0; i + 1 < n && rc == SEMLITE_OK; i++) {
			if (ids[i] == TRAIN_UNK)
				break;
			key.len = 0;
			rc = train_buf_put(&key, v->keys[ids[i]],
			                   v->klen[ids[i]]);
			if (!rc)
				rc =
				    train_buf_put(&key, v->keys[ids[i + 1]] + 2,
				                  v->klen[ids[i + 1]] - 2);
			uint32_t id;
			if (!rc)
				rc = train_map_add(pairs, key.p, key.len, &id);
			if (!rc)
				pairs->count[id] += words->count[w];
		}
	}
	train_buf_free(&scratch);
	train_buf_free(&key);
	return rc;
}

static int merge_round(const train_map *words, train_map *v, size_t batch,
                       size_t *added)
{
	train_map pairs = {0};
	int rc = count_pairs(words, v, &pairs);
	ranked *r = rc ? NULL : rank_map(&pairs);
	if (!rc && !r)
		rc = sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	*added = 0;
	for (size_t i = 0; !rc && i < pairs.n && *added < batch; i++) {
		if (r[i].count < 2)
			break;
		if (train_map_find(v, r[i].key, r[i].len) >= 0)
			continue;
		rc = add_piece(v, r[i].key, r[i].len);
		(*added)++;
	}
	sl_free(r);
	train_map_free(&pairs);
	return rc;
}

int train_vocab_learn(const train_map *words, size_t size, double word_frac,
                      train_map *v)
{
	static const char *const special[TRAIN_NSPECIAL] = {
	    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
	int rc = SEMLITE_OK;
	for (int i = 0; i < TRAIN_NSPECIAL && rc == SEMLITE_OK; i++)
		rc = add_piece(v, special[i], strlen(special[i]));
	if (rc == SEMLITE_OK)
		rc = add_alphabet(words, size / 8, v);
	if (rc)
		return rc;
	size_t base = v->n < size ? v->n : size;
	size_t nwords = base + (size_t)((double)(size - base) * word_frac);
	ranked *r = rank_map(words);
	if (!r)
		return sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	for (size_t i = 0; i < words->n && v->n < nwords && !rc; i++) {
		if (r[i].count < 2)
			break;
		if (train_utf8_chars(r[i].key, r[i].len) <=
		    TRAIN_MAX_WORD_CHARS)
			rc = add_piece(v, r[i].key, r[i].len);
	}
	sl_free(r);
	for (unsigned round = 0; !rc && v->n < size && round < 16; round++) {
		size_t left = size - v->n, added = 0;
		size_t batch = left / (16 - round) + 1;
		batch = batch < left ? batch : left;
		rc = merge_round(words, v, batch, &added);
		if (!added)
			break;
	}
	return rc;
}

static int load_vocab_json(const char *path, const cJSON *vocab, train_map *v)
{
	size_t n = (size_t)cJSON_GetArraySize(vocab);
	const cJSON **by_id = sl_calloc(n ? n : 1, sizeof *by_id);
	int rc = SEMLITE_OK;
	if (!by_id)
		return sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	const cJSON *e;
	cJSON_ArrayForEach(e, vocab)
	{
		double id = cJSON_IsNumber(e) ? e->valuedouble : -1;
		if (id < 0 || id >= (double)n || id != (double)(size_t)id ||
		    by_id[(size_t)id]) {
			rc = sl_err(SEMLITE_INVALID,
			            "%s: model.vocab: bad or duplicate id for "
			            "\"%s\"",
			            path, e->string ? e->string : "");
			goto out;
		}
		by_id[(size_t)id] = e;
	}
	for (size_t i = 0; i < n && rc == SEMLITE_OK; i++) {
		rc = add_piece(v, by_id[i]->string, strlen(by_id[i]->string));
		if (rc == SEMLITE_OK && v->n != i + 1)
			rc = sl_err(SEMLITE_INVALID,
			            "%s: model.vocab: duplicate piece", path);
	}
out:
	sl_free(by_id);
	return rc;
}

int train_vocab_load(const char *path, train_map *v, char **json,
                     size_t *json_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return sl_err(errno == ENOENT ? SEMLITE_NOTFOUND
		                              : SEMLITE_IOERR,
		              "%s: %s", path, strerror(errno));
	train_buf b = {0};
	char tmp[65536];
	size_t got;
	int rc = SEMLITE_OK;
	while (rc == SEMLITE_OK && (got = fread(tmp, 1, sizeof tmp, f)) > 0)
		rc = train_buf_put(&b, tmp, got);
	if (rc == SEMLITE_OK && ferror(f))
		rc = sl_err(SEMLITE_IOERR, "%s: read error", path);
	fclose(f);
	cJSON *j = rc ? NULL : cJSON_ParseWithLength(b.p, b.len);
	if (!rc && !j)
		rc = sl_err(SEMLITE_INVALID, "%s: invalid JSON", path);
	const cJSON *m =
	    j ? cJSON_GetObjectItemCaseSensitive(j, "model") : NULL;
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
	const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(m, "vocab");
	if (!rc &&
	    (!cJSON_IsString(type) || strcmp(type->valuestring, "WordPiece") ||
	     !cJSON_IsObject(vocab)))
		rc = sl_err(SEMLITE_UNSUPPORTED,
		            "%s: model.type: only WordPiece tokenizers can be "
		            "used for training",
		            path);
	if (!rc)
		rc = load_vocab_json(path, vocab, v);
	if (!rc && (v->n <= TRAIN_UNK || strcmp(v->keys[TRAIN_UNK], "[UNK]")))
		rc = sl_err(SEMLITE_UNSUPPORTED,
		            "%s: model.vocab: id 1 must be [UNK]", path);
	cJSON_Delete(j);
	if (rc) {
		train_buf_free(&b);
		return rc;
	}
	*json = b.p;
	*json_len = b.len;
	return SEMLITE_OK;
}
