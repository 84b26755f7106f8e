/*
 * chunk.h — split long texts into retrieval chunks at sentence boundaries.
 *
 * A chunk is a run of whole sentences holding at most max_tokens tokens;
 * consecutive chunks share up to `overlap` tokens of whole trailing
 * sentences, so a fact cut at a boundary still appears whole in one chunk.
 * A single sentence longer than max_tokens is cut at word boundaries.
 *
 * Token counts come from a callback over one whitespace-delimited word, so
 * the caller decides what a token is (the encoder's WordPiece pieces for
 * RAG, or plain words by default). Counts are summed over words, which is
 * exact for tokenizers that pre-split on whitespace (WordPiece, the keyword
 * analyzer).
 *
 * Offsets are byte offsets into the UTF-8 text: [start, end).
 */
#ifndef SL_FILTER_CHUNK_H
#define SL_FILTER_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

typedef struct filt_chunk {
	size_t start, end; /* byte offsets, end exclusive */
	uint32_t tokens;
} filt_chunk;

/* Tokens in one whitespace-free word w[0..n). NULL = 1 per word. */
typedef size_t (*filt_chunk_count_fn)(void *ctx, const char *w, size_t n);

/* Splits text into chunks (sl_malloc'd array in *out, count in *n; free
 * with sl_free). max_tokens >= 1, overlap < max_tokens (SEMLITE_INVALID
 * otherwise). A text without words gives zero chunks. */
int filt_chunk_text(const char *text, size_t len, size_t max_tokens,
                    size_t overlap, filt_chunk_count_fn count, void *ctx,
                    filt_chunk **out, size_t *n);

#endif /* SL_FILTER_CHUNK_H */
