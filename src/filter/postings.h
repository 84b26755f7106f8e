/*
 * postings.h — keyword postings: for one term, which documents contain it,
 * how often, and how long each of those documents is.
 *
 * In memory a term's postings are three parallel arrays in increasing
 * document-id order (ids, term frequencies, document lengths). Stored, a
 * term's record is self-contained so that BM25 never needs a second lookup
 * per document:
 *
 *     u8  version (1)    u8 flags (0)    u16 reserved (0)
 *     u32 df             number of documents
 *     u32 nbitmap        byte length of the next field
 *     CRoaring portable serialization of the document ids (run-optimized)
 *     df pairs of LEB128 varints: tf (>= 1), document length (>= tf)
 *     u32 CRC-32C of every byte before it
 *
 * All integers are little-endian. The storage layer keeps one record per
 * term (LMDB sub-db `postings`, key = the term's bytes) and rewrites it in
 * the same write transaction as the document: filt_post_apply() is the
 * read-modify-write step for one term and one document. A record that
 * would become empty is reported as length 0 (delete the key).
 *
 * Decoding validates everything (CRC, lengths, bitmap, varints, order) and
 * returns SEMLITE_CORRUPT with a message on any mismatch, never crashes.
 */
#ifndef SL_FILTER_POSTINGS_H
#define SL_FILTER_POSTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

#define FILT_POST_VERSION 1

typedef struct filt_post {
	uint32_t *ids; /* strictly increasing */
	uint32_t *tf;
	uint32_t *dl;
	size_t n, cap;
} filt_post;

/* Empties p (keeps its memory for reuse). */
static inline void filt_post_reset(filt_post *p)
{
	p->n = 0;
}
/* Frees p's arrays; p may then be reused or dropped. Accepts NULL. */
void filt_post_clear(filt_post *p);

/* Inserts document id with (tf, dl), or replaces its entry if present.
 * tf must be >= 1 and dl >= tf (SEMLITE_INVALID otherwise). */
int filt_post_put(filt_post *p, uint32_t id, uint32_t tf, uint32_t dl);

/* Removes document id; returns true if it was present. */
bool filt_post_del(filt_post *p, uint32_t id);

/* Index of id in p, or -1. Binary search. */
long filt_post_find(const filt_post *p, uint32_t id);

/* Serializes p into a new buffer (sl_malloc; the caller sl_free()s it).
 * An empty p encodes fine (df = 0), but storage should delete instead. */
int filt_post_encode(const filt_post *p, uint8_t **buf, size_t *len);

/* Decodes a stored record into p (emptied first, memory reused).
 * Returns SEMLITE_OK, SEMLITE_CORRUPT (message names the field) or
 * SEMLITE_NOMEM. `what` names the record in messages (e.g. the term). */
int filt_post_decode(const void *buf, size_t len, filt_post *p,
                     const char *what);

/* Read-modify-write of one term's record for one document: decodes `old`
 * (NULL/0 = no record yet), puts (remove = false) or deletes (remove =
 * true) document id, and encodes the result into *out (sl_malloc'd) —
 * or sets *out = NULL, *out_len = 0 when the term has no documents left.
 * `scratch` is reusable decode space. */
int filt_post_apply(const void *old, size_t old_len, uint32_t id, uint32_t tf,
                    uint32_t dl, bool remove, filt_post *scratch, uint8_t **out,
                    size_t *out_len, const char *what);

/* ---- collection statistics (BM25's N and average document length) ---- */

typedef struct filt_kw_stats {
	uint64_t n_docs;
	uint64_t total_len; /* sum of document lengths in terms */
} filt_kw_stats;

#define FILT_STATS_BYTES 24

/* u32 version, u64 n_docs, u64 total_len, u32 CRC-32C. */
void filt_stats_encode(const filt_kw_stats *s, uint8_t out[FILT_STATS_BYTES]);
int filt_stats_decode(const void *buf, size_t len, filt_kw_stats *s);

/* CRC-32C (Castagnoli) of buf, continuing from crc (start with 0). */
uint32_t filt_crc32c(uint32_t crc, const void *buf, size_t len);

#endif /* SL_FILTER_POSTINGS_H */
