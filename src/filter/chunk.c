/*
 * chunk.c — sentence-boundary chunking for RAG retrieval.
 *
 * Three passes over plain arrays: (1) split the text into whitespace-
 * delimited words, counting each word's tokens with the caller's counter
 * and marking words that end a sentence; (2) group words into units — whole
 * sentences, or word-boundary pieces of a sentence too long for one chunk;
 * (3) pack units greedily into chunks of at most max_tokens, starting each
 * next chunk with the previous chunk's trailing units that fit in
 * `overlap` tokens (always leaving room for at least one new unit, so the
 * walk always moves forward).
 *
 * Sentence ends: a word ending in . ! ? (after closing quotes/brackets)
 * followed by a word that starts with an upper-case letter, a digit, an
 * opening quote or bracket — or any blank line (paragraph break). Common
 * abbreviations ("e.g.", "Fig.", "et al.") and single-letter initials do
 * not end sentences. This is the Punkt-free heuristic most RAG splitters
 * use; a trained sentence model was rejected as a dependency for a feature
 * whose boundaries only need to be good, not perfect: a chunk that breaks
 * mid-sentence loses a little context, never data.
 */
#include "filter/chunk.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

typedef struct word {
	size_t start, end;
	size_t tokens;
	bool sent_end;
} word;

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static const char *const abbrevs[] = {
    "e.g",  "i.e", "dr",  "mr",  "mrs",  "ms",     "prof",   "fig",
    "figs", "vs",  "cf",  "al",  "no",   "vol",    "approx", "st",
    "jr",   "sr",  "eq",  "ref", "refs", "etc.al", "ca",     "resp",
    "viz",  "inc", "ltd", "co",  "sec",
};

/* Strips trailing closers (ASCII and the common UTF-8 right quotes) and
 * returns the length of what remains. */
static size_t strip_closers(const char *w, size_t n)
{
	for (;;) {
		if (n && strchr(")]}\"'", w[n - 1]))
			n--;
		else if (n >= 3 && (!memcmp(w + n - 3, "\xe2\x80\x9d", 3) ||
		                    !memcmp(w + n - 3, "\xe2\x80\x99", 3)))
			n -= 3;
		else if (n >= 2 && !memcmp(w + n - 2, "\xc2\xbb", 2))
			n -= 2;
		else
			return n;
	}
}

static bool is_abbrev(const char *w, size_t n)
{
	/* w[0..n) ends with '.'; look at the part before it, without
	 * opening brackets or quotes */
	n--;
	while (n && strchr("([{\"'", *w)) {
		w++;
		n--;
	}
	if (n == 1 && isalpha((unsigned char)w[0]))
		return true; /* an initial: "J." */
	for (size_t i = 0; i < sizeof abbrevs / sizeof abbrevs[0]; i++)
		if (strlen(abbrevs[i]) == n && !strncasecmp(abbrevs[i], w, n))
			return true;
	return false;
}

static bool starts_sentence(const char *w, size_t n)
{
	unsigned char c = (unsigned char)w[0];
	if (isdigit(c) || isupper(c) || strchr("\"'([{", (char)c))
		return true;
	if (c < 0x80)
		return false;
	utf8proc_int32_t cp;
	if (utf8proc_iterate((const utf8proc_uint8_t *)w, (utf8proc_ssize_t)n,
	                     &cp) <= 0)
		return false;
	utf8proc_category_t cat = utf8proc_category(cp);
	return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT ||
	       cat == UTF8PROC_CATEGORY_LO || cat == UTF8PROC_CATEGORY_PI ||
	       cat == UTF8PROC_CATEGORY_PS;
}

static bool ends_with_terminator(const char *w, size_t n)
{
	size_t m = strip_closers(w, n);
	if (m == 0)
		return false;
	char c = w[m - 1];
	if (c == '!' || c == '?')
		return true;
	return c == '.' && !is_abbrev(w, m);
}

/* Pass 1: words, token counts and sentence ends. */
static int scan_words(const char *t, size_t len, filt_chunk_count_fn count,
                      void *ctx, word **out, size_t *nw)
{
	size_t cap = 64, n = 0, i = 0;
	word *w = sl_malloc(cap * sizeof *w);
	if (!w)
		return sl_err(SEMLITE_NOMEM, "chunker: out of memory");
	while (i < len) {
		size_t nl = 0;
		for (; i < len && is_space(t[i]); i++)
			nl += t[i] == '\n';
		if (i == len)
			break;
		if (n && nl >= 2)
			w[n - 1].sent_end = true;
		if (n && !w[n - 1].sent_end &&
		    ends_with_terminator(t + w[n - 1].start,
		                         w[n - 1].end - w[n - 1].start))
			w[n - 1].sent_end = starts_sentence(t + i, len - i);
		if (n == cap) {
			word *g = sl_realloc(w, 2 * cap * sizeof *w);
			if (!g) {
				sl_free(w);
				return sl_err(SEMLITE_NOMEM,
				              "chunker: out of memory");
			}
			w = g;
			cap *= 2;
		}
		size_t s = i;
		while (i < len && !is_space(t[i]))
			i++;
		w[n].start = s;
		w[n].end = i;
		w[n].tokens = count ? count(ctx, t + s, i - s) : 1;
		w[n].sent_end = false;
		n++;
	}
	if (n)
		w[n - 1].sent_end = true;
	*out = w;
	*nw = n;
	return SEMLITE_OK;
}

typedef struct unit {
	size_t w0, w1; /* words [w0, w1) */
	size_t tokens;
} unit;

/* Pass 2: whole sentences, or pieces of at most max tokens of a longer
 * sentence. units has room for nw entries (one per word at worst). */
static size_t make_units(const word *w, size_t nw, size_t max, unit *u)
{
	size_t n = 0, start = 0, tok = 0;
	for (size_t i = 0; i < nw; i++) {
		if (i > start && tok + w[i].tokens > max) {
			u[n++] = (unit){start, i, tok};
			start = i;
			tok = 0;
		}
		tok += w[i].tokens;
		if (w[i].sent_end) {
			u[n++] = (unit){start, i + 1, tok};
			start = i + 1;
			tok = 0;
		}
	}
	return n;
}

/* Pass 3: greedy packing with overlap. ch has room for nu entries. */
static size_t pack(const word *w, const unit *u, size_t nu, size_t max,
                   size_t overlap, filt_chunk *ch)
{
	size_t n = 0, a = 0;
	while (a < nu) {
		size_t b = a, tok = u[a].tokens;
		while (b + 1 < nu && tok + u[b + 1].tokens <= max)
			tok += u[++b].tokens;
		ch[n++] = (filt_chunk){w[u[a].w0].start, w[u[b].w1 - 1].end,
		                       (uint32_t)tok};
		if (b + 1 >= nu)
			break;
		/* next chunk: trailing units of [a, b] within overlap, leaving
		 * room for unit b + 1 */
		size_t next = b + 1, keep = 0;
		while (next > a + 1 && keep + u[next - 1].tokens <= overlap &&
		       keep + u[next - 1].tokens + u[b + 1].tokens <= max) {
			keep += u[next - 1].tokens;
			next--;
		}
		a = next;
	}
	return n;
}

int filt_chunk_text(const char *text, size_t len, size_t max_tokens,
                    size_t overlap, filt_chunk_count_fn count, void *ctx,
                    filt_chunk **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (max_tokens == 0 || overlap >= max_tokens)
		return sl_err(SEMLITE_INVALID,
		              "chunker: need 1 <= max tokens (%zu) and overlap "
		              "(%zu) < max tokens",
		              max_tokens, overlap);
	word *w = NULL;
	unit *u = NULL;
	size_t nw = 0;
	int rc = scan_words(text, len, count, ctx, &w, &nw);
	if (rc || nw == 0)
		goto out;
	u = sl_malloc(nw * sizeof *u);
	filt_chunk *ch = sl_malloc(nw * sizeof *ch);
	if (!u || !ch) {
		sl_free(ch);
		rc = sl_err(SEMLITE_NOMEM, "chunker: out of memory");
		goto out;
	}
	size_t nu = make_units(w, nw, max_tokens, u);
	*n = pack(w, u, nu, max_tokens, overlap, ch);
	*out = ch;
out:
	sl_free(w);
	sl_free(u);
	return rc;
}
