/*
 * train_pretok.c — the BERT normalizer and pre-tokenizer the trainer uses
 * to count words, and greedy longest-match WordPiece over a learned
 * vocabulary.
 *
 * The rules are the Hugging Face tokenizers' BertNormalizer (clean_text,
 * handle_chinese_chars, strip_accents following lowercase, lowercase) and
 * BertPreTokenizer (split on whitespace, every punctuation character its
 * own word), applied one code point at a time: drop NUL, U+FFFD and
 * "other" (C*) characters except tab/newline/CR, which are whitespace;
 * isolate CJK ideographs; decompose (NFD) and drop nonspacing marks (Mn);
 * lowercase; split. Doing it in one pass avoids building the normalized
 * string and its offsets, which the trainer never needs. Unicode data
 * comes from utf8proc. Invalid UTF-8 bytes are skipped (the encoder treats
 * them the same way as U+FFFD, which clean_text removes).
 *
 * WordPiece follows the reference: longest prefix in the vocabulary, then
 * longest "##" continuation from where it ended; if some position has no
 * match the whole word is [UNK].
 */
#include "encoder/train.h"

#include <string.h>

#include <utf8proc.h>

static bool is_cjk(int32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0x20000 && c <= 0x2A6DF) ||
	       (c >= 0x2A700 && c <= 0x2B73F) ||
	       (c >= 0x2B740 && c <= 0x2B81F) ||
	       (c >= 0x2B820 && c <= 0x2CEAF) || (c >= 0xF900 && c <= 0xFAFF) ||
	       (c >= 0x2F800 && c <= 0x2FA1F);
}

/* Rust's char::is_whitespace (the White_Space property). */
static bool is_ws(int32_t c)
{
	if ((c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0x2028 ||
	    c == 0x2029)
		return true;
	return utf8proc_category(c) == UTF8PROC_CATEGORY_ZS;
}

static bool is_other(int32_t c)
{
	utf8proc_category_t k = utf8proc_category(c);
	return k == UTF8PROC_CATEGORY_CC || k == UTF8PROC_CATEGORY_CF ||
	       k == UTF8PROC_CATEGORY_CS || k == UTF8PROC_CATEGORY_CO ||
	       k == UTF8PROC_CATEGORY_CN;
}

static bool is_punct(int32_t c)
{
	if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) ||
	    (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
		return true;
	utf8proc_category_t k = utf8proc_category(c);
	return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

typedef struct pretok {
	train_buf *w;
	train_word_fn fn;
	void *ctx;
} pretok;

static int flush(pretok *p)
{
	if (!p->w->len)
		return SEMLITE_OK;
	int rc = p->fn(p->ctx, p->w->p, p->w->len);
	p->w->len = 0;
	return rc;
}

static int put_cp(pretok *p, int32_t c)
{
	uint8_t u[4];
	utf8proc_ssize_t k = utf8proc_encode_char(c, u);
	return train_buf_put(p->w, u, (size_t)k);
}

/* One normalized (decomposed, lowercased) code point. */
static int step(pretok *p, int32_t c)
{
	int rc;
	if (is_ws(c))
		return flush(p);
	if (is_punct(c)) {
		if ((rc = flush(p)) || (rc = put_cp(p, c)))
			return rc;
		return flush(p);
	}
	return put_cp(p, c);
}

static int one_char(pretok *p, int32_t c)
{
	int rc;
	if (c == 0 || c == 0xFFFD)
		return SEMLITE_OK;
	if (c == '\t' || c == '\n' || c == '\r' || is_ws(c))
		return flush(p);
	if (is_other(c))
		return SEMLITE_OK;
	if (is_cjk(c)) {
		if ((rc = flush(p)) || (rc = put_cp(p, c)))
			return rc;
		return flush(p);
	}
	utf8proc_int32_t d[16];
	int last = 0;
	utf8proc_ssize_t n =
	    utf8proc_decompose_char(c, d, 16, UTF8PROC_DECOMPOSE, &last);
	if (n < 0 || n > 16) {
		d[0] = c;
		n = 1;
	}
	for (utf8proc_ssize_t i = 0; i < n; i++) {
		if (utf8proc_category(d[i]) == UTF8PROC_CATEGORY_MN)
			continue;
		if ((rc = step(p, utf8proc_tolower(d[i]))))
			return rc;
	}
	return SEMLITE_OK;
}

int train_pretok(const char *text, size_t len, train_buf *scratch,
                 train_word_fn fn, void *ctx)
{
	pretok p = {scratch, fn, ctx};
	const uint8_t *s = (const uint8_t *)text;
	size_t i = 0;
	int rc = SEMLITE_OK;
	scratch->len = 0;
	while (i < len && rc == SEMLITE_OK) {
		int32_t c;
		if (s[i] < 0x80) {
			c = s[i++];
		} else {
			utf8proc_ssize_t k = utf8proc_iterate(
			    s + i, (utf8proc_ssize_t)(len - i), &c);
			if (k <= 0) {
				i++;
				continue;
			}
			i += (size_t)k;
		}
		rc = one_char(&p, c);
	}
	return rc ? rc : flush(&p);
}

size_t train_utf8_chars(const char *w, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)w[i] & 0xC0) != 0x80;
	return n;
}

/* Longest vocabulary piece starting at w[i] ("##"-prefixed when i > 0);
 * returns its end, or i when nothing matches. */
static size_t longest(const train_map *vocab, const char *w, size_t len,
                      size_t i, train_buf *key, uint32_t *id)
{
	key->len = 0;
	if (i > 0 && train_buf_put(key, "##", 2))
		return i;
	size_t pre = key->len;
	if (train_buf_put(key, w + i, len - i))
		return i;
	for (size_t end = len; end > i; end--) {
		if (end < len && ((unsigned char)w[end] & 0xC0) == 0x80)
			continue;
		long f = train_map_find(vocab, key->p, pre + end - i);
		if (f >= 0) {
			*id = (uint32_t)f;
			return end;
		}
	}
	return i;
}

size_t train_wordpiece(const train_map *vocab, const char *w, size_t len,
                       train_buf *scratch, uint32_t *ids, size_t cap)
{
	if (!cap)
		return 0;
	if (train_utf8_chars(w, len) > TRAIN_MAX_WORD_CHARS) {
		ids[0] = TRAIN_UNK;
		return 1;
	}
	size_t n = 0, i = 0;
	while (i < len) {
		uint32_t id = 0;
		size_t end = longest(vocab, w, len, i, scratch, &id);
		if (end == i || n == cap) {
			ids[0] = TRAIN_UNK;
			return 1;
		}
		ids[n++] = id;
		i = end;
	}
	return n;
}
