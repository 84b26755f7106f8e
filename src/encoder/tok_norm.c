/*
 * tok_norm.c — the normalizers of tokenizer.json, applied in order.
 *
 * Each step reads one code-point buffer and writes another (the run keeps
 * three and rotates them), which keeps every step a simple loop with no
 * in-place expansion hazards. The BERT normalizer has an ASCII fast path:
 * for ASCII text cleaning, CJK spacing and accent stripping reduce to
 * dropping control bytes, mapping tab/newline/return to a space and
 * folding A-Z, so the common case never calls into utf8proc.
 *
 * Order inside BertNormalizer is the reference's: clean text, space out
 * CJK ideographs, NFD and drop nonspacing marks (strip_accents, which
 * defaults to `lowercase` when null), then lowercase.
 *
 * Rejected: a general regex engine for Replace. Model2Vec tokenizers use
 * literal patterns and "\s+"; other regexes fail to load by name.
 */
#include "encoder/tok_internal.h"

#include <string.h>

#include "common/common.h"

/* Reserves room for `extra` more code points in out, refusing to grow
 * past the run's limit: a tokenizer.json whose normalizers multiply the
 * text (e.g. a chain of Replace steps, each doubling it) must fail, not
 * exhaust memory (found by fuzzing). */
static int grow(tok_run *r, tok_cps *out, size_t extra)
{
	if (extra > r->limit || out->n > r->limit - extra)
		return sl_err(SEMLITE_INVALID,
		              "%s: normalized text grows over %d times its "
		              "input; refusing",
		              r->t->name, TOK_GROWTH);
	return tok_cps_reserve(out, extra);
}

static bool all_ascii(const tok_cps *b)
{
	uint32_t acc = 0;
	for (size_t i = 0; i < b->n; i++)
		acc |= b->v[i];
	return acc < 0x80;
}

static int bert_ascii(tok_run *r, const tok_norm *s, const tok_cps *in,
                      tok_cps *out)
{
	int rc = grow(r, out, in->n);
	if (rc)
		return rc;
	for (size_t i = 0; i < in->n; i++) {
		uint32_t c = in->v[i];
		if (s->clean) {
			if (c == '\t' || c == '\n' || c == '\r' || c == 0x0B ||
			    c == 0x0C) {
				/* \v and \f are Cc: dropped before the
				 * whitespace test, as in the reference */
				if (c == 0x0B || c == 0x0C)
					continue;
				c = ' ';
			} else if (c < 0x20 || c == 0x7F) {
				continue;
			}
		}
		if (s->lower && c >= 'A' && c <= 'Z')
			c += 32;
		out->v[out->n++] = c;
	}
	return SEMLITE_OK;
}

/* clean_text and handle_chinese_chars, in -> out. */
static int bert_clean(tok_run *r, const tok_norm *s, const tok_cps *in,
                      tok_cps *out)
{
	int rc = grow(r, out, in->n * 3);
	if (rc)
		return rc;
	for (size_t i = 0; i < in->n; i++) {
		uint32_t c = in->v[i];
		if (s->clean) {
			if (c == 0 || c == 0xFFFD || tok_is_control(c))
				continue;
			if (tok_is_ws(c))
				c = ' ';
		}
		if (s->chinese && tok_is_cjk(c)) {
			out->v[out->n++] = ' ';
			out->v[out->n++] = c;
			out->v[out->n++] = ' ';
		} else {
			out->v[out->n++] = c;
		}
	}
	return SEMLITE_OK;
}

static int decompose(tok_run *r, const tok_cps *in, tok_cps *out, bool compat)
{
	int rc = grow(r, out, in->n);
	if (rc)
		return rc;
	for (size_t i = 0; i < in->n; i++) {
		uint32_t c = in->v[i];
		if (c < 0xC0) {
			rc = grow(r, out, 1);
			if (rc)
				return rc;
			out->v[out->n++] = c;
		} else if ((rc = grow(r, out, 18)) ||
		           (rc = tok_decompose_push(out, c, compat))) {
			return rc;
		}
	}
	tok_reorder(out->v, out->n);
	return SEMLITE_OK;
}

/* Drops marks (Mn only when mn_only) and/or lowercases, in -> out. */
static int filter_lower(tok_run *r, const tok_cps *in, tok_cps *out, bool strip,
                        bool mn_only, bool lower)
{
	int rc = grow(r, out, in->n * 2);
	if (rc)
		return rc;
	for (size_t i = 0; i < in->n; i++) {
		uint32_t c = in->v[i];
		if (strip && (mn_only ? tok_is_mn(c) : tok_is_mark(c)))
			continue;
		if (lower)
			tok_lower_push(out, c);
		else
			out->v[out->n++] = c;
	}
	return SEMLITE_OK;
}

static int replace_str(tok_run *r, const tok_norm *s, const tok_cps *in,
                       tok_cps *out)
{
	for (size_t i = 0; i < in->n;) {
		int rc = grow(r, out, s->nrep + 1);
		if (rc)
			return rc;
		bool hit = false;
		if (s->replace_kind == REPL_STRING) {
			hit = in->n - i >= s->npat &&
			      !memcmp(in->v + i, s->pat, s->npat * 4);
			if (hit)
				i += s->npat;
		} else {
			while (i < in->n && (s->replace_kind == REPL_WS_RUN
			                         ? tok_is_ws(in->v[i])
			                         : in->v[i] == ' ')) {
				hit = true;
				i++;
			}
		}
		if (hit) {
			if (s->nrep) /* replacing by "" leaves rep NULL */
				memcpy(out->v + out->n, s->rep, s->nrep * 4);
			out->n += s->nrep;
		} else {
			out->v[out->n++] = in->v[i++];
		}
	}
	return SEMLITE_OK;
}

static int strip(const tok_norm *s, const tok_cps *in, tok_cps *out)
{
	size_t a = 0, b = in->n;
	if (s->left)
		while (a < b && tok_is_ws(in->v[a]))
			a++;
	if (s->right)
		while (b > a && tok_is_ws(in->v[b - 1]))
			b--;
	int rc = tok_cps_reserve(out, b - a);
	if (rc)
		return rc;
	if (b > a) /* in->v may be NULL when empty */
		memcpy(out->v, in->v + a, (b - a) * 4);
	out->n = b - a;
	return SEMLITE_OK;
}

static int prepend(tok_run *r, const tok_norm *s, const tok_cps *in,
                   tok_cps *out)
{
	size_t k = in->n ? s->nrep : 0;
	int rc = grow(r, out, in->n + k);
	if (rc)
		return rc;
	if (k)
		memcpy(out->v, s->rep, k * 4);
	if (in->n)
		memcpy(out->v + k, in->v, in->n * 4);
	out->n = in->n + k;
	return SEMLITE_OK;
}

/* Picks the buffer of the three that is neither a nor b. */
static tok_cps *other(tok_run *r, const tok_cps *a, const tok_cps *b)
{
	if (&r->na != a && &r->na != b)
		return &r->na;
	if (&r->nb != a && &r->nb != b)
		return &r->nb;
	return &r->nc;
}

static int bert(tok_run *r, const tok_norm *s, tok_cps *in, tok_cps **res)
{
	tok_cps *out = other(r, in, NULL);
	out->n = 0;
	if (all_ascii(in)) {
		*res = out;
		return bert_ascii(r, s, in, out);
	}
	int rc = bert_clean(r, s, in, out);
	if (rc)
		return rc;
	tok_cps *cur = out;
	if (s->strip_accents) {
		tok_cps *d = other(r, cur, NULL);
		d->n = 0;
		if ((rc = decompose(r, cur, d, false)))
			return rc;
		cur = d;
	}
	if (s->strip_accents || s->lower) {
		tok_cps *f = other(r, cur, NULL);
		f->n = 0;
		if ((rc = filter_lower(r, cur, f, s->strip_accents, true,
		                       s->lower)))
			return rc;
		cur = f;
	}
	*res = cur;
	return SEMLITE_OK;
}

static int step(tok_run *r, const tok_norm *s, tok_cps *in, tok_cps **res)
{
	if (s->type == NORM_BERT)
		return bert(r, s, in, res);
	tok_cps *out = other(r, in, NULL);
	out->n = 0;
	*res = out;
	switch (s->type) {
	case NORM_LOWER:
		return filter_lower(r, in, out, false, false, true);
	case NORM_STRIP_ACCENTS:
		return filter_lower(r, in, out, true, false, false);
	case NORM_NFD:
	case NORM_NFKD:
		return decompose(r, in, out, s->type == NORM_NFKD);
	case NORM_NFC:
	case NORM_NFKC: {
		int rc = decompose(r, in, out, s->type == NORM_NFKC);
		if (!rc)
			out->n = tok_compose(out->v, out->n);
		return rc;
	}
	case NORM_REPLACE:
		return replace_str(r, s, in, out);
	case NORM_STRIP:
		return strip(s, in, out);
	case NORM_PREPEND:
		return prepend(r, s, in, out);
	default:
		return sl_err(SEMLITE_INTERNAL, "unknown normalizer step");
	}
}

int tok_normalize(tok_run *r, tok_cps **io)
{
	const tok_tokenizer *t = r->t;
	for (size_t i = 0; i < t->nnorms; i++) {
		tok_cps *res;
		int rc = step(r, &t->norms[i], *io, &res);
		if (rc)
			return rc;
		*io = res;
	}
	return SEMLITE_OK;
}
