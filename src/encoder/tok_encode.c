/*
 * tok_encode.c — one text through the whole tokenizer pipeline.
 *
 *   bytes -> code points (invalid UTF-8 -> U+FFFD), cut to max_chars
 *         -> split out added tokens matched on the raw text
 *         -> per remaining segment: normalizers
 *            -> split out added tokens marked "normalized"
 *            -> pre-tokenizers -> model, word by word
 *
 * This is the order of the reference (tokenizers' AddedVocabulary, then
 * normalizer, pre-tokenizer, model). Ids are emitted as they are found;
 * the unk_token id is dropped on the way and the run stops as soon as `cap`
 * ids are out, so a long document costs only what its first tokens cost.
 *
 * All state lives in a tok_run on the caller's stack with heap buffers that
 * grow as needed and are freed at the end: the tokenizer itself is never
 * written, so any number of threads may encode with it at once.
 * Rejected: thread-local scratch reused across calls (saves a few small
 * allocations per text but leaks buffers per thread and complicates the
 * fault-injection tests).
 */
#include "encoder/tok_internal.h"

#include <string.h>

#include "common/common.h"

/* Longest added token (normalized or not, as asked) starting at v[i]. */
static bool added_at(const tok_tokenizer *t, const uint32_t *v, size_t n,
                     size_t i, bool normalized, size_t *mlen, uint32_t *id)
{
	uint32_t c = v[i];
	if (c < 128 ? !(t->added_first[c >> 3] & (1u << (c & 7)))
	            : !t->added_first_high)
		return false;
	size_t best = 0;
	for (size_t k = 0; k < t->nadded; k++) {
		const tok_added *a = &t->added[k];
		if (a->normalized != normalized || a->n > n - i ||
		    a->n <= best || a->cps[0] != c)
			continue;
		if (!memcmp(a->cps, v + i, a->n * sizeof *v)) {
			best = a->n;
			*id = a->id;
		}
	}
	*mlen = best;
	return best > 0;
}

static int words(tok_run *r, const uint32_t *s, size_t n)
{
	tok_cps *w;
	tok_spans *sp;
	int rc = tok_pretokenize(r, s, n, &w, &sp);
	if (rc || r->stage == 2)
		return rc;
	for (size_t i = 0; i < sp->n && !r->full; i++)
		if ((rc = tok_model_word(r, w->v + sp->v[i].off, sp->v[i].len)))
			return rc;
	return SEMLITE_OK;
}

/* Calls fn on the pieces of s between added tokens, emitting those. */
static int split_added(tok_run *r, const uint32_t *s, size_t n, bool normalized,
                       int (*fn)(tok_run *, const uint32_t *, size_t))
{
	size_t start = 0;
	for (size_t i = 0; i < n && !r->full;) {
		size_t len;
		uint32_t id;
		if (!added_at(r->t, s, n, i, normalized, &len, &id)) {
			i++;
			continue;
		}
		int rc = start < i ? fn(r, s + start, i - start) : SEMLITE_OK;
		if (rc)
			return rc;
		r->first_segment = false;
		tok_emit(r, id);
		i += len;
		start = i;
	}
	if (start < n && !r->full)
		return fn(r, s + start, n - start);
	return SEMLITE_OK;
}

static int segment(tok_run *r, const uint32_t *s, size_t n)
{
	tok_cps *b = &r->na;
	b->n = 0;
	int rc = tok_cps_reserve(b, n);
	if (rc)
		return rc;
	memcpy(b->v, s, n * sizeof *s);
	b->n = n;
	if ((rc = tok_normalize(r, &b)) || r->stage == 1)
		return rc;
	if (r->t->any_norm_added)
		rc = split_added(r, b->v, b->n, true, words);
	else
		rc = words(r, b->v, b->n);
	r->first_segment = false;
	return rc;
}

static void run_free(tok_run *r)
{
	sl_free(r->na.v);
	sl_free(r->nb.v);
	sl_free(r->nc.v);
	sl_free(r->wa.v);
	sl_free(r->wb.v);
	sl_free(r->sa.v);
	sl_free(r->sb.v);
	sl_free(r->bytes);
	sl_free(r->vscore);
	sl_free(r->vstart);
	sl_free(r->vid);
}

int tok_encode_upto(const tok_tokenizer *t, const char *text, size_t len,
                    size_t max_chars, uint32_t *ids, size_t cap, size_t *n,
                    int stage)
{
	*n = 0;
	if (!cap)
		return SEMLITE_OK;
	tok_run r = {.t = t,
	             .ids = ids,
	             .cap = cap,
	             .stage = stage,
	             .first_segment = true};
	tok_cps txt = {0};
	int rc = tok_utf8_decode((const uint8_t *)text, len, max_chars, &txt);
	r.limit = txt.n < (SIZE_MAX - TOK_SLACK) / TOK_GROWTH
	              ? txt.n * TOK_GROWTH + TOK_SLACK
	              : SIZE_MAX;
	if (!rc) {
		if (t->any_raw_added)
			rc = split_added(&r, txt.v, txt.n, false, segment);
		else
			rc = segment(&r, txt.v, txt.n);
	}
	sl_free(txt.v);
	run_free(&r);
	*n = rc ? 0 : r.n;
	return rc;
}

int tok_encode(const tok_tokenizer *t, const char *text, size_t len,
               size_t max_chars, uint32_t *ids, size_t cap, size_t *n)
{
	return tok_encode_upto(t, text, len, max_chars, ids, cap, n, 0);
}
