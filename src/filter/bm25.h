/*
 * bm25.h — Okapi BM25 ranking over keyword postings, and a small in-memory
 * keyword index (for tests, benchmarks and building postings in bulk).
 *
 * score(d, q) = sum over distinct query terms t of
 *     qtf(t) * idf(t) * tf(t,d) * (k1 + 1) / (tf(t,d) + k1 * (1 - b + b * dl(d)
 * / avgdl)) with idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5)) (Lucene's
 * form, never negative).
 *
 * The scorer reads postings through a lookup callback, so the same code
 * ranks the in-memory index and the LMDB `postings` sub-database.
 */
#ifndef SL_FILTER_BM25_H
#define SL_FILTER_BM25_H

#include <roaring/roaring.h>

#include "filter/fusion.h"
#include "filter/keyword.h"
#include "filter/postings.h"

/* Chosen on SciFact's train queries (bench/eval_search, RESULTS.md). */
#define FILT_BM25_K1 1.2f
#define FILT_BM25_B  0.4f

typedef struct filt_bm25_params {
	float k1; /* term-frequency saturation, >= 0 */
	float b;  /* length normalization, in [0, 1] */
} filt_bm25_params;

filt_bm25_params filt_bm25_params_default(void);

/* Gives the postings of a term, or returns SEMLITE_NOTFOUND when no
 * document has it. `slot` (0, 1, ... per distinct query term) lets the
 * callee decode into separate scratch space: every returned pointer must
 * stay valid until the search returns. Other codes abort the search. */
typedef int (*filt_bm25_lookup_fn)(void *ctx, size_t slot, const char *term,
                                   size_t len, const filt_post **out);

/* Ranks documents for `query` (analyzed with kw). allow (NULL = all)
 * restricts results to its ids. Writes the best k hits, best first, to
 * out (room for k) and their count to *n_out. Returns SEMLITE_OK,
 * SEMLITE_INVALID (bad params), SEMLITE_NOMEM, or a lookup error. */
int filt_bm25_search(filt_kw *kw, const char *query, size_t qlen,
                     const filt_kw_stats *stats, const filt_bm25_params *prm,
                     filt_bm25_lookup_fn lookup, void *ctx,
                     const roaring_bitmap_t *allow, size_t k, filt_hit *out,
                     size_t *n_out);

/* ---- in-memory index ---------------------------------------------------- */

typedef struct filt_kwmem filt_kwmem;

int filt_kwmem_new(filt_kwmem **out);
void filt_kwmem_free(filt_kwmem *m);

/* Adds (or replaces the terms of) document id from its bag of terms. A
 * replaced document must be removed first with filt_kwmem_remove. */
int filt_kwmem_add(filt_kwmem *m, uint32_t id, const filt_kw_bag *bag);
/* Removes document id, given the bag of terms it was added with. */
int filt_kwmem_remove(filt_kwmem *m, uint32_t id, const filt_kw_bag *bag);

const filt_kw_stats *filt_kwmem_stats(const filt_kwmem *m);
/* The postings of a term, or NULL. */
const filt_post *filt_kwmem_get(const filt_kwmem *m, const char *term,
                                size_t len);
/* A filt_bm25_lookup_fn over a filt_kwmem (ctx = the filt_kwmem). */
int filt_kwmem_lookup(void *ctx, size_t slot, const char *term, size_t len,
                      const filt_post **out);

/* Calls fn for every term (in no particular order) with its postings;
 * a non-zero return stops the walk and is returned. */
int filt_kwmem_each(const filt_kwmem *m,
                    int (*fn)(void *ctx, const char *term, size_t len,
                              const filt_post *p),
                    void *ctx);

/* ---- persistent postings ------------------------------------------------
 * A key-value view of one collection's stored postings (the storage layer
 * implements it over the LMDB `postings` sub-database inside a
 * transaction). The record of a term is stored under the term's bytes;
 * the statistics record (filt_stats_encode) under the empty term (len 0).
 */
/* Called for each segment record of a term (filt_kw_store.each): key is
 * the segment key as put (filt_seg_key). */
typedef int (*filt_kw_seg_fn)(void *arg, const char *key, size_t kl,
                              const void *val, size_t vlen);

typedef struct filt_kw_store {
	void *ctx;
	/* *val, *vlen view the stored bytes (valid until the next put/del);
	 * SEMLITE_NOTFOUND when absent. */
	int (*get)(void *ctx, const char *term, size_t len, const void **val,
	           size_t *vlen);
	int (*put)(void *ctx, const char *term, size_t len, const void *val,
	           size_t vlen);
	int (*del)(void *ctx, const char *term, size_t len);
	/* Segmented layout (seg_bits > 0, with `each`): a term's postings
	 * are split by document id into segments of 2^seg_bits ids, each a
	 * postings record of its own under the key filt_seg_key() makes
	 * (segment number first, so one segment's terms are neighbours in a
	 * B-tree). A write then rewrites only the records of the segment it
	 * appends to, so a batch of new documents costs O(batch), not
	 * O(collection). seg_bits == 0 (each may be NULL): one record per
	 * term, under the term. */
	unsigned seg_bits;
	/* Calls fn on every segment record of the term, in segment order;
	 * fn's non-zero return stops the walk and is returned. */
	int (*each)(void *ctx, const char *term, size_t len, filt_kw_seg_fn fn,
	            void *arg);
} filt_kw_store;

/* Segment keys: the segment number (document id >> seg_bits, u32
 * big-endian), then the term bytes (1..FILT_KW_MAX_TERM). */
#define FILT_SEG_KEY_MAX (FILT_KW_MAX_TERM + 4)
size_t filt_seg_key(char *k, const char *term, size_t len, uint32_t seg);
/* Splits a segment key (the term is k + 4); false when it is not one. */
bool filt_seg_parse(const char *k, size_t kl, size_t *term_len, uint32_t *seg);
/* Checks that every id of a decoded segment belongs to segment seg. */
int filt_seg_check(const filt_post *p, unsigned seg_bits, uint32_t seg,
                   const char *what);

/* Makes m a write-back cache over s: from now on filt_kwmem_add/remove
 * first load each term's stored record (once), and the statistics are
 * loaded now. Call on an empty filt_kwmem. s is copied; its ctx must
 * outlive the use. */
int filt_kwmem_attach(filt_kwmem *m, const filt_kw_store *s);

/* Writes every term changed since attach (or the last flush) and the
 * statistics through the attached store: a term left without documents is
 * deleted. Returns SEMLITE_MISUSE when nothing is attached. */
int filt_kwmem_flush(filt_kwmem *m);

/* Drops every cached term and detaches (m is empty again). */
void filt_kwmem_reset(filt_kwmem *m);

/* Reads stored postings for BM25: a filt_bm25_lookup_fn context that
 * decodes each query term's record from a store into its own slot. */
typedef struct filt_kw_reader {
	filt_kw_store store;
	filt_post **slots;
	size_t nslots;
} filt_kw_reader;

/* Loads the statistics record (all zero when absent). */
int filt_kw_reader_stats(filt_kw_reader *r, filt_kw_stats *out);
/* The lookup function (ctx = the filt_kw_reader). */
int filt_kw_reader_lookup(void *ctx, size_t slot, const char *term, size_t len,
                          const filt_post **out);
/* Frees the slots (the reader may be reused). */
void filt_kw_reader_clear(filt_kw_reader *r);

#endif /* SL_FILTER_BM25_H */
