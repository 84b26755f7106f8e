/*
 * tok_unicode.c — the character classes and normalization forms the
 * tokenizers need, on code points.
 *
 * Categories, case mapping and decompositions come from utf8proc. The
 * predicates follow the Rust `tokenizers` crate that model2vec runs on, not
 * the original Python BERT code, where the two differ: whitespace is the
 * Unicode White_Space property (char::is_whitespace), "control" is any
 * category C* except tab/newline/return, the CJK blocks are the crate's
 * list, and lowercasing uses the full mapping (U+0130 -> "i\u0307"). The
 * White_Space list is the Unicode property's 25 code points, written out
 * because utf8proc does not expose that property.
 *
 * Decoding: anything that is not well-formed UTF-8 (stray continuation
 * bytes, overlong forms, surrogates, > U+10FFFF, truncated sequences)
 * becomes U+FFFD and consumes exactly one byte, so decoding always makes
 * progress and never reads past the end.
 */
#include "encoder/tok_internal.h"

#include <string.h>
#include <utf8proc.h>

#include "common/common.h"

int tok_cps_reserve(tok_cps *b, size_t extra)
{
	size_t need;
	if (!sl_add_ok(b->n, extra, &need))
		return sl_err(SEMLITE_NOMEM, "text too long");
	if (need <= b->cap && b->v)
		return SEMLITE_OK; /* (never NULL after: memcpy needs that) */
	size_t c = b->cap ? b->cap : 256;
	while (c < need) {
		if (c > SIZE_MAX / 8)
			return sl_err(SEMLITE_NOMEM, "text too long");
		c *= 2;
	}
	uint32_t *v = sl_realloc(b->v, c * sizeof *v);
	if (!v)
		return sl_err(SEMLITE_NOMEM, "tokenizer: out of memory");
	b->v = v;
	b->cap = c;
	return SEMLITE_OK;
}

int tok_spans_push(tok_spans *s, size_t off, size_t len)
{
	if (s->n == s->cap) {
		size_t c = s->cap ? s->cap * 2 : 64;
		tok_span *v = sl_realloc(s->v, c * sizeof *v);
		if (!v)
			return sl_err(SEMLITE_NOMEM,
			              "tokenizer: out of memory");
		s->v = v;
		s->cap = c;
	}
	s->v[s->n].off = off;
	s->v[s->n].len = len;
	s->n++;
	return SEMLITE_OK;
}

uint32_t tok_utf8_next(const uint8_t *s, size_t n, size_t *adv)
{
	uint32_t c = s[0];
	*adv = 1;
	if (c < 0x80)
		return c;
	size_t need;
	uint32_t min;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1, min = 0x80, c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2, min = 0x800, c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3, min = 0x10000, c &= 0x07;
	} else {
		return 0xFFFD;
	}
	if (n <= need)
		return 0xFFFD;
	for (size_t i = 1; i <= need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0xFFFD;
		c = c << 6 | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0xFFFD;
	*adv = need + 1;
	return c;
}

size_t tok_utf8_put(uint8_t *d, uint32_t c)
{
	if (c < 0x80) {
		d[0] = (uint8_t)c;
		return 1;
	}
	if (c < 0x800) {
		d[0] = (uint8_t)(0xC0 | c >> 6);
		d[1] = (uint8_t)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		d[0] = (uint8_t)(0xE0 | c >> 12);
		d[1] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
		d[2] = (uint8_t)(0x80 | (c & 0x3F));
		return 3;
	}
	d[0] = (uint8_t)(0xF0 | c >> 18);
	d[1] = (uint8_t)(0x80 | (c >> 12 & 0x3F));
	d[2] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
	d[3] = (uint8_t)(0x80 | (c & 0x3F));
	return 4;
}

int tok_utf8_decode(const uint8_t *s, size_t n, size_t max_chars, tok_cps *out)
{
	size_t want = n < max_chars ? n : max_chars;
	int rc = tok_cps_reserve(out, want);
	if (rc)
		return rc;
	size_t i = 0;
	while (i < n && out->n < max_chars) {
		if (s[i] < 0x80) {
			out->v[out->n++] = s[i++];
			continue;
		}
		size_t adv;
		out->v[out->n++] = tok_utf8_next(s + i, n - i, &adv);
		i += adv;
	}
	return SEMLITE_OK;
}

bool tok_is_ws(uint32_t c)
{
	if (c < 0x80)
		return c == ' ' || (c >= 0x09 && c <= 0x0D);
	return c == 0x85 || c == 0xA0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
	       c == 0x202F || c == 0x205F || c == 0x3000;
}

bool tok_is_control(uint32_t c)
{
	if (c == '\t' || c == '\n' || c == '\r')
		return false;
	if (c < 0x80)
		return c < 0x20 || c == 0x7F;
	switch (utf8proc_category((utf8proc_int32_t)c)) {
	case UTF8PROC_CATEGORY_CN:
	case UTF8PROC_CATEGORY_CC:
	case UTF8PROC_CATEGORY_CF:
	case UTF8PROC_CATEGORY_CS:
	case UTF8PROC_CATEGORY_CO:
		return true;
	default:
		return false;
	}
}

bool tok_is_cjk(uint32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0x20000 && c <= 0x2A6DF) ||
	       (c >= 0x2A700 && c <= 0x2B73F) ||
	       (c >= 0x2B740 && c <= 0x2B81F) ||
	       (c >= 0x2B920 && c <= 0x2CEAF) || (c >= 0xF900 && c <= 0xFAFF) ||
	       (c >= 0x2F800 && c <= 0x2FA1F);
}

bool tok_is_punct(uint32_t c)
{
	if (c < 0x80)
		return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) ||
		       (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
	switch (utf8proc_category((utf8proc_int32_t)c)) {
	case UTF8PROC_CATEGORY_PC:
	case UTF8PROC_CATEGORY_PD:
	case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI:
	case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
		return true;
	default:
		return false;
	}
}

bool tok_is_mn(uint32_t c)
{
	return c >= 0x300 &&
	       utf8proc_category((utf8proc_int32_t)c) == UTF8PROC_CATEGORY_MN;
}

bool tok_is_mark(uint32_t c)
{
	if (c < 0x300)
		return false;
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
	return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_MC ||
	       k == UTF8PROC_CATEGORY_ME;
}

bool tok_is_word(uint32_t c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		       (c >= 'A' && c <= 'Z') || c == '_';
	switch (utf8proc_category((utf8proc_int32_t)c)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_PC:
		return true;
	default:
		return false;
	}
}

void tok_lower_push(tok_cps *out, uint32_t c)
{
	if (c < 0x80) {
		out->v[out->n++] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
		return;
	}
	if (c == 0x130) { /* the one unconditional multi-char lowercase */
		out->v[out->n++] = 'i';
		out->v[out->n++] = 0x307;
		return;
	}
	out->v[out->n++] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
}

int tok_decompose_push(tok_cps *out, uint32_t c, bool compat)
{
	utf8proc_int32_t buf[32];
	int last = 0;
	utf8proc_option_t opt = UTF8PROC_DECOMPOSE;
	if (compat)
		opt |= UTF8PROC_COMPAT;
	utf8proc_ssize_t k =
	    utf8proc_decompose_char((utf8proc_int32_t)c, buf, 32, opt, &last);
	if (k < 0 || k > 32) { /* cannot happen for valid code points */
		buf[0] = (utf8proc_int32_t)c;
		k = 1;
	}
	int rc = tok_cps_reserve(out, (size_t)k);
	if (rc)
		return rc;
	for (utf8proc_ssize_t i = 0; i < k; i++)
		out->v[out->n++] = (uint32_t)buf[i];
	return SEMLITE_OK;
}

static int ccc(uint32_t c)
{
	if (c < 0x300)
		return 0;
	return utf8proc_get_property((utf8proc_int32_t)c)->combining_class;
}

void tok_reorder(uint32_t *v, size_t n)
{
	/* Insertion sort of each run of non-starters by combining class:
	 * stable, and runs are short. */
	for (size_t i = 1; i < n; i++) {
		int ci = ccc(v[i]);
		if (!ci)
			continue;
		size_t j = i;
		uint32_t x = v[i];
		while (j > 0) {
			int cj = ccc(v[j - 1]);
			if (!cj || cj <= ci)
				break;
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

size_t tok_compose(uint32_t *v, size_t n)
{
	if (!n)
		return 0;
	utf8proc_ssize_t k = utf8proc_normalize_utf32(
	    (utf8proc_int32_t *)v, (utf8proc_ssize_t)n, UTF8PROC_COMPOSE);
	return k < 0 ? n : (size_t)k;
}
