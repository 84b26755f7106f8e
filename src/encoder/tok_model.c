/*
 * tok_model.c — the tokenizer models: WordPiece, Unigram, WordLevel.
 *
 * WordPiece is greedy longest-match-first, as in the reference: from each
 * start, try the longest remaining substring, then shorter ones, until a
 * vocabulary piece matches; a word with any unmatched part, or with more
 * than max_input_chars_per_word characters, becomes one [UNK]. Two hash
 * maps make each probe one lookup with no string building: the full
 * vocabulary for the first piece, and the continuation pieces with their
 * "##" already removed for the rest. Probes start no longer than the
 * longest key of the map, which skips hopeless lookups on long words.
 *
 * Unigram is the Viterbi search of the reference (tokenizers'
 * encode_optimized): best score ending at each character boundary, ties
 * kept by the first candidate found (earliest start, shortest piece), a
 * character no piece starts with costs min_score - 10 as [UNK], and
 * adjacent unknown characters fuse into one token. A map of every piece
 * prefix stops the scan from a position as soon as no piece can continue,
 * which is what the reference's trie does.
 */
#include "encoder/tok_internal.h"

#include <string.h>

#include "common/common.h"

/* UTF-8 of w into r->bytes; *len gets its length. */
static int to_bytes(tok_run *r, const uint32_t *w, size_t n, size_t *len)
{
	size_t need;
	if (!sl_mul_ok(n, 4, &need))
		return sl_err(SEMLITE_NOMEM, "word too long");
	if (need > r->bytes_cap || !r->bytes) {
		size_t c = need < 1024 ? 1024 : need;
		uint8_t *b = sl_realloc(r->bytes, c);
		if (!b)
			return sl_err(SEMLITE_NOMEM,
			              "tokenizer: out of memory");
		r->bytes = b;
		r->bytes_cap = c;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < 0x80)
			r->bytes[k++] = (uint8_t)w[i];
		else
			k += tok_utf8_put(r->bytes + k, w[i]);
	}
	*len = k;
	return SEMLITE_OK;
}

/* Scratch of n+1 lattice nodes (also used as WordPiece's id list). */
static int lattice(tok_run *r, size_t n)
{
	if (n + 1 <= r->vcap)
		return SEMLITE_OK;
	size_t c = n + 1 < 256 ? 256 : n + 1;
	double *s = sl_realloc(r->vscore, c * sizeof *s);
	if (!s)
		return sl_err(SEMLITE_NOMEM, "tokenizer: out of memory");
	r->vscore = s;
	size_t *st = sl_realloc(r->vstart, c * sizeof *st);
	if (!st)
		return sl_err(SEMLITE_NOMEM, "tokenizer: out of memory");
	r->vstart = st;
	uint32_t *id = sl_realloc(r->vid, c * sizeof *id);
	if (!id)
		return sl_err(SEMLITE_NOMEM, "tokenizer: out of memory");
	r->vid = id;
	r->vcap = c;
	return SEMLITE_OK;
}

static void emit_unk(tok_run *r)
{
	if (r->t->unk >= 0)
		tok_emit(r, (uint32_t)r->t->unk);
}

static int wordpiece(tok_run *r, const uint32_t *w, size_t nchars)
{
	const tok_tokenizer *t = r->t;
	if (nchars > t->max_word_chars) {
		emit_unk(r);
		return SEMLITE_OK;
	}
	size_t len;
	int rc = to_bytes(r, w, nchars, &len);
	if (!rc)
		rc = lattice(r, nchars);
	if (rc)
		return rc;
	const uint8_t *b = r->bytes;
	size_t start = 0, k = 0;
	while (start < len) {
		const tok_map *m = start ? &t->cont : &t->vocab;
		size_t end =
		    len - start > m->max_klen ? start + m->max_klen : len;
		while (end < len && end > start && (b[end] & 0xC0) == 0x80)
			end--;
		uint32_t id = TOK_NO_ID;
		while (end > start) {
			if (tok_map_get(m, b + start, end - start, &id))
				break;
			end--;
			while (end > start && (b[end] & 0xC0) == 0x80)
				end--;
		}
		if (end == start) {
			emit_unk(r);
			return SEMLITE_OK;
		}
		r->vid[k++] = id;
		start = end;
	}
	for (size_t i = 0; i < k; i++)
		tok_emit(r, r->vid[i]);
	return SEMLITE_OK;
}

/* Best paths: vscore[e] / vstart[e] / vid[e] for the node ending at e. */
static void viterbi(tok_run *r, const uint8_t *b, size_t len)
{
	const tok_tokenizer *t = r->t;
	double unk_score = t->min_score - 10.0;
	for (size_t i = 0; i <= len; i++)
		r->vstart[i] = SIZE_MAX;
	r->vscore[0] = 0;
	for (size_t pos = 0; pos < len;) {
		size_t mb;
		tok_utf8_next(b + pos, len - pos, &mb);
		double base = r->vscore[pos];
		bool single = false;
		size_t lim = len - pos > t->prefixes.max_klen
		                 ? pos + t->prefixes.max_klen
		                 : len;
		for (size_t e = pos + 1; e <= lim; e++) {
			if (e < len && (b[e] & 0xC0) == 0x80)
				continue; /* not a character boundary */
			uint32_t id;
			if (!tok_map_get(&t->prefixes, b + pos, e - pos, &id))
				break;
			if (!tok_map_get(&t->vocab, b + pos, e - pos, &id))
				continue;
			double s = base + t->scores[id];
			if (r->vstart[e] == SIZE_MAX || s > r->vscore[e]) {
				r->vscore[e] = s;
				r->vstart[e] = pos;
				r->vid[e] = id;
			}
			if (e - pos == mb)
				single = true;
		}
		size_t e = pos + mb;
		if (!single && (r->vstart[e] == SIZE_MAX ||
		                base + unk_score > r->vscore[e])) {
			r->vscore[e] = base + unk_score;
			r->vstart[e] = pos;
			r->vid[e] = TOK_NO_ID;
		}
		pos += mb;
	}
}

static int unigram(tok_run *r, const uint32_t *w, size_t nchars)
{
	size_t len;
	int rc = to_bytes(r, w, nchars, &len);
	if (!rc)
		rc = lattice(r, len);
	if (rc || !len)
		return rc;
	const uint8_t *b = r->bytes;
	viterbi(r, b, len);
	/* Backtrack, storing the ids at the top of vid: after t tokens the
	 * write index is len - t >= the node still to read, since every
	 * token spans at least one byte. */
	size_t k = len + 1, end = len;
	while (end > 0) {
		size_t s = r->vstart[end];
		uint32_t id = r->vid[end];
		if (id == TOK_NO_ID) { /* fuse a run of unknowns */
			while (s > 0 && r->vid[s] == TOK_NO_ID)
				s = r->vstart[s];
			if (!tok_map_get(&r->t->vocab, b + s, end - s, &id))
				id = r->t->unk >= 0 ? (uint32_t)r->t->unk
				                    : TOK_NO_ID;
		}
		r->vid[--k] = id;
		end = s;
	}
	for (; k <= len; k++)
		if (r->vid[k] != TOK_NO_ID)
			tok_emit(r, r->vid[k]);
	return SEMLITE_OK;
}

int tok_model_word(tok_run *r, const uint32_t *w, size_t n)
{
	switch (r->t->model) {
	case MODEL_WORDPIECE:
		return wordpiece(r, w, n);
	case MODEL_UNIGRAM:
		return unigram(r, w, n);
	default: {
		size_t len;
		uint32_t id;
		int rc = to_bytes(r, w, n, &len);
		if (rc)
			return rc;
		if (tok_map_get(&r->t->vocab, r->bytes, len, &id))
			tok_emit(r, id);
		else
			emit_unk(r);
		return SEMLITE_OK;
	}
	}
}
