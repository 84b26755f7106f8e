/*
 * keyword.h — the word tokenizer behind keyword (BM25) search.
 *
 * A keyword analyzer turns text into index terms: Unicode-aware lowercasing
 * (case folding), accent stripping (NFKD, combining marks dropped), splitting
 * on anything that is not a letter or a digit, an optional English stop-word
 * list, and optional English Snowball stemming (libstemmer). The same
 * analyzer settings must be used at index time and at query time; the
 * storage layer keeps them with the collection.
 *
 * A filt_kw holds a Snowball stemmer, which is not thread-safe: use one
 * filt_kw per thread (they are cheap to create).
 */
#ifndef SL_FILTER_KEYWORD_H
#define SL_FILTER_KEYWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

/* Longest term in bytes; longer words are cut at a character boundary. */
#define FILT_KW_MAX_TERM 64

typedef struct filt_kw_opts {
	bool stem;      /* English Snowball stemming */
	bool stopwords; /* drop English stop words (before stemming) */
} filt_kw_opts;

/* The defaults: stemming on, stop words on. */
filt_kw_opts filt_kw_opts_default(void);

typedef struct filt_kw filt_kw;

/* Creates an analyzer (opts NULL = defaults). Free with filt_kw_free. */
int filt_kw_new(const filt_kw_opts *opts, filt_kw **out);
void filt_kw_free(filt_kw *kw);

/* Called once per term, in text order. `term` is not NUL-terminated and is
 * valid only during the call. Returning non-zero stops the walk and that
 * value is returned by filt_kw_tokenize. */
typedef int (*filt_kw_term_fn)(void *ctx, const char *term, size_t len);

/* Walks the terms of text[0..len). Invalid UTF-8 bytes act as separators.
 * Returns SEMLITE_OK, SEMLITE_NOMEM, or the callback's non-zero value. */
int filt_kw_tokenize(filt_kw *kw, const char *text, size_t len,
                     filt_kw_term_fn fn, void *ctx);

/* True when the lowercased word is on the English stop-word list. */
bool filt_kw_is_stopword(const char *word, size_t len);

/* ---- a document's bag of terms ----------------------------------------
 * The distinct terms of one text with their frequencies, sorted by term
 * bytes, plus the text's length in terms: exactly what indexing needs to
 * add (or remove) the document to (from) each term's postings. */

typedef struct filt_kw_term {
	const char *term; /* points into the bag's arena, NUL-terminated */
	uint32_t len;
	uint32_t tf;
} filt_kw_term;

typedef struct filt_kw_bag {
	filt_kw_term *terms;
	size_t n, cap;
	uint32_t doc_len; /* number of terms, duplicates counted */
	char *arena;
	size_t arena_len, arena_cap;
} filt_kw_bag;

/* Fills bag (emptied first; reusable across calls) with the terms of text.
 * Returns SEMLITE_OK or SEMLITE_NOMEM. */
int filt_kw_bag_build(filt_kw *kw, const char *text, size_t len,
                      filt_kw_bag *bag);
void filt_kw_bag_clear(filt_kw_bag *bag);

#endif /* SL_FILTER_KEYWORD_H */
