/*
 * encoder.h — the built-in static encoder (Model2Vec family), internal API.
 *
 * A static encoder is a tokenizer plus one vector per token: encoding a text
 * is normalize -> tokenize -> drop unknown ids -> keep the first 512 ->
 * mean of rows (vocab-quantized: embeddings[mapping[id]] * weights[id]) ->
 * L2-normalize when the model says so. DESIGN.md §4 has the rules; the
 * Python model2vec package is the reference.
 *
 * Models load from a directory (Hugging Face Model2Vec layout or the
 * sentence-transformers StaticEmbedding layout) or from the three files'
 * bytes in memory (what the database stores in its `model` sub-database, so
 * a database always encodes queries with the model that encoded its data).
 *
 * An enc_model is immutable after loading: any number of threads may call
 * enc_encode()/enc_tokenize() on it at once.
 */
#ifndef SL_ENCODER_H
#define SL_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

/* Most token ids that pooling uses (the reference's max_length). */
#define ENC_MAX_TOKENS 512

typedef struct enc_model enc_model;

/* The bytes of a model's files. config may be absent (NULL/0) only for the
 * sentence-transformers layout, where st_config holds
 * config_sentence_transformers.json instead. */
typedef struct enc_files {
	char *config_json;
	size_t config_len;
	char *st_config_json;
	size_t st_config_len;
	char *tokenizer_json;
	size_t tokenizer_len;
	uint8_t *safetensors;
	size_t safetensors_len;
} enc_files;

/* Reads a model directory's files into memory. Errors name the missing or
 * unreadable file. Free with enc_files_free (accepts NULL). */
int enc_files_read_dir(const char *dir, enc_files *out);
void enc_files_free(enc_files *f);

/* Loads a model from a directory / from file bytes (copied; the caller
 * keeps ownership of `files`). */
int enc_model_load_dir(const char *dir, enc_model **out);
int enc_model_load_files(const enc_files *files, enc_model **out);

/* Loads only a tokenizer (a tokenizer.json path, or a model directory):
 * the result tokenizes but has dim 0 and cannot encode. */
int enc_model_load_tokenizer(const char *path, enc_model **out);

void enc_model_free(enc_model *m);

size_t enc_dim(const enc_model *m);
size_t enc_vocab_size(const enc_model *m);

/* Token ids that pooling would use: character truncation, the unknown
 * token's id dropped (WordPiece; model2vec keeps Unigram's), at most `cap` ids
 * (pass ENC_MAX_TOKENS for the reference's limit, or more to see everything,
 * e.g. for training). *n gets the count written. Invalid UTF-8 never fails: see
 * the tokenizer's notes. */
int enc_tokenize(const enc_model *m, const char *text, size_t len,
                 uint32_t *ids, size_t cap, size_t *n);

/* Encodes one text into out[enc_dim(m)]. A text with no known tokens gives
 * the zero vector. */
int enc_encode(const enc_model *m, const char *text, size_t len, float *out);

/* The number of characters tokenization keeps for a limit of `cap` ids:
 * cap * median token length (the reference's character truncation). */
size_t enc_max_chars(const enc_model *m, size_t cap);

/* Pools ids into out[enc_dim(m)] (mean, then L2 when the model says so).
 * Every id must come from enc_tokenize on the same model. */
void enc_pool(const enc_model *m, const uint32_t *ids, size_t n, float *out);

/* The text of token `id` (not NUL-terminated; *len gets its length), or
 * NULL when the vocabulary has no such id. Valid while m lives. */
const char *enc_token_text(const enc_model *m, uint32_t id, size_t *len);

#endif /* SL_ENCODER_H */
