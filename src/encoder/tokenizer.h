/*
 * tokenizer.h — Hugging Face tokenizer.json, the parts static encoders use.
 *
 * A tok_tokenizer is loaded once from tokenizer.json bytes and is then
 * immutable: tok_encode() may run on it from any number of threads.
 *
 * Supported components (anything else fails to load with
 * SEMLITE_UNSUPPORTED naming the component):
 *   normalizer     BertNormalizer, Lowercase, StripAccents, NFD, NFKD, NFC,
 *                  NFKC, Replace (String patterns, and the Regex patterns
 *                  "\s+" and " +"), Strip, Prepend, Sequence, null
 *   pre_tokenizer  BertPreTokenizer, WhitespaceSplit, Whitespace,
 *                  Metaspace, Sequence, null
 *   model          WordPiece, Unigram (byte_fallback false), WordLevel
 *   added_tokens   split out of the raw (or normalized) text first, as the
 *                  reference does; lstrip/rstrip/single_word unsupported
 *
 * Invalid UTF-8 never fails: each byte that does not start a well-formed
 * sequence (overlong forms, surrogates and code points above U+10FFFF
 * included) becomes one U+FFFD REPLACEMENT CHARACTER before anything else
 * happens. The BERT normalizer then deletes U+FFFD, as it does for valid
 * input.
 */
#ifndef SL_TOKENIZER_H
#define SL_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tok_tokenizer tok_tokenizer;

/* Parses tokenizer.json bytes. `name` (e.g. the file path) prefixes every
 * error message. */
int tok_load(const char *json, size_t len, const char *name,
             tok_tokenizer **out);
void tok_free(tok_tokenizer *t);

/* Number of distinct tokens (model vocabulary plus added tokens), the
 * reference's len(tokenizer.get_vocab()). */
size_t tok_vocab_size(const tok_tokenizer *t);
/* One more than the largest token id. */
size_t tok_id_bound(const tok_tokenizer *t);
/* int(median(len(token) for token in vocab)), lengths in code points. */
size_t tok_median_len(const tok_tokenizer *t);
/* The id tok_encode drops: the model's unk_token (WordPiece, WordLevel),
 * as model2vec drops it. -1 for Unigram models: model2vec looks for
 * `tokenizer.model.unk_token`, which a Unigram model does not have, so it
 * keeps (and averages) their unk_id. */
int64_t tok_dropped_id(const tok_tokenizer *t);
/* The text of token `id` (not NUL-terminated), or NULL for no such id. */
const char *tok_token(const tok_tokenizer *t, uint32_t id, size_t *len);

/*
 * Tokenizes text[0..len) the way model2vec's StaticModel.tokenize does:
 * the text is cut to its first `max_chars` code points, encoded without
 * special tokens, the dropped id (tok_dropped_id) is removed and at most
 * `cap` ids are kept.
 * *n gets the number written to ids (ids may be NULL when cap is 0).
 */
int tok_encode(const tok_tokenizer *t, const char *text, size_t len,
               size_t max_chars, uint32_t *ids, size_t cap, size_t *n);

/* Stops tok_encode after a stage (benchmarks measure each stage's share):
 * 1 = normalize only, 2 = normalize + pre-tokenize, 0 = everything. */
int tok_encode_upto(const tok_tokenizer *t, const char *text, size_t len,
                    size_t max_chars, uint32_t *ids, size_t cap, size_t *n,
                    int stage);

#endif
