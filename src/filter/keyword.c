/*
 * keyword.c — the keyword analyzer: text -> index terms for BM25.
 *
 * How it works: the text is walked one code point at a time with
 * utf8proc_iterate. Each code point is decomposed on its own with
 * utf8proc_decompose_char (compatibility decomposition, case folding,
 * combining marks stripped), which lowercases and removes accents without
 * ever materialising a normalised copy of the whole text; the pieces that
 * are letters or digits are appended to the current word, anything else
 * ends it. A finished word is checked against the stop-word list, stemmed
 * with the Snowball English stemmer, and handed to the caller.
 *
 * Why per-code-point decomposition instead of utf8proc_map on the whole
 * text: utf8proc_map allocates with malloc (outside our allocation seam)
 * and doubles the memory of a long document; the per-character route
 * needs only a fixed word buffer. Composition is not needed because every
 * mark is dropped, so canonical ordering cannot change the result.
 *
 * Why words and not the encoder's WordPiece ids: BM25 over subword pieces
 * loses badly on exact-match queries (a rare word split into common pieces
 * matches everything), and stemming needs whole words. Rejected: a
 * hand-written ASCII-only lowercase/split (wrong for accented text) and
 * Porter (v1) stemming (Snowball English is its maintained successor).
 *
 * ASCII bytes skip utf8proc (a fast path with the same result: most text
 * is mostly ASCII, and per-code-point property lookups were a third of
 * the analyzer's time).
 *
 * Invalid UTF-8 never fails: a bad byte is a separator. Words longer than
 * FILT_KW_MAX_TERM bytes are cut at a code-point boundary.
 */
#include "filter/keyword.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

struct filt_kw {
	filt_kw_opts opts;
	struct sb_stemmer *stemmer; /* NULL when stemming is off */
};

/* A short English stop-word list: articles, pronouns, auxiliaries,
 * prepositions and conjunctions that carry no topic. Sorted for bsearch.
 * Negations ("no", "not") are kept out on purpose: they matter in claims. */
static const char *const stopwords[] = {
    "a",        "about",      "above",   "after",   "again",  "against",
    "all",      "am",         "an",      "and",     "any",    "are",
    "as",       "at",         "be",      "because", "been",   "before",
    "being",    "below",      "between", "both",    "but",    "by",
    "can",      "could",      "did",     "do",      "does",   "doing",
    "down",     "during",     "each",    "few",     "for",    "from",
    "further",  "had",        "has",     "have",    "having", "he",
    "her",      "here",       "hers",    "herself", "him",    "himself",
    "his",      "how",        "i",       "if",      "in",     "into",
    "is",       "it",         "its",     "itself",  "just",   "me",
    "more",     "most",       "my",      "myself",  "of",     "off",
    "on",       "once",       "only",    "or",      "other",  "our",
    "ours",     "ourselves",  "out",     "over",    "own",    "same",
    "she",      "should",     "so",      "some",    "such",   "than",
    "that",     "the",        "their",   "theirs",  "them",   "themselves",
    "then",     "there",      "these",   "they",    "this",   "those",
    "through",  "to",         "too",     "under",   "until",  "up",
    "very",     "was",        "we",      "were",    "what",   "when",
    "where",    "which",      "while",   "who",     "whom",   "why",
    "will",     "with",       "would",   "you",     "your",   "yours",
    "yourself", "yourselves",
};

filt_kw_opts filt_kw_opts_default(void)
{
	filt_kw_opts o = {.stem = true, .stopwords = true};
	return o;
}

int filt_kw_new(const filt_kw_opts *opts, filt_kw **out)
{
	*out = NULL;
	filt_kw *kw = sl_calloc(1, sizeof *kw);
	if (!kw)
		return sl_err(SEMLITE_NOMEM, "keyword analyzer: out of memory");
	kw->opts = opts ? *opts : filt_kw_opts_default();
	if (kw->opts.stem) {
		kw->stemmer = sb_stemmer_new("english", NULL);
		if (!kw->stemmer) {
			sl_free(kw);
			return sl_err(SEMLITE_NOMEM,
			              "keyword analyzer: cannot create the "
			              "English Snowball stemmer");
		}
	}
	*out = kw;
	return SEMLITE_OK;
}

void filt_kw_free(filt_kw *kw)
{
	if (!kw)
		return;
	if (kw->stemmer)
		sb_stemmer_delete(kw->stemmer);
	sl_free(kw);
}

static int cmp_word(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool filt_kw_is_stopword(const char *word, size_t len)
{
	char buf[16];
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, word, len);
	buf[len] = '\0';
	return bsearch(buf, stopwords, sizeof stopwords / sizeof stopwords[0],
	               sizeof stopwords[0], cmp_word) != NULL;
}

static bool is_word_char(utf8proc_int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

/* Combining marks inside a word (e.g. an already-decomposed accent) are
 * neither word characters nor separators: they are dropped. */
static bool is_mark(utf8proc_int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC ||
	       c == UTF8PROC_CATEGORY_ME;
}

/* Finishes one word: stop-word check, stemming, callback. */
static int emit(filt_kw *kw, const char *w, size_t n, filt_kw_term_fn fn,
                void *ctx)
{
	if (n == 0)
		return 0;
	if (kw->opts.stopwords && filt_kw_is_stopword(w, n))
		return 0;
	if (!kw->stemmer)
		return fn(ctx, w, n);
	const sb_symbol *s =
	    sb_stemmer_stem(kw->stemmer, (const sb_symbol *)w, (int)n);
	if (!s)
		return sl_err(SEMLITE_NOMEM, "keyword analyzer: stemmer "
		                             "out of memory");
	int sn = sb_stemmer_length(kw->stemmer);
	if (sn <= 0)
		return 0;
	return fn(ctx, (const char *)s, (size_t)sn);
}

/* Appends the folded, accent-free pieces of code point cp to the word.
 * Returns false when cp is a separator. */
static bool append_cp(utf8proc_int32_t cp, char *word, size_t *wn, bool *full)
{
	if (is_mark(cp))
		return true;
	if (!is_word_char(cp))
		return false;
	utf8proc_int32_t parts[18];
	int last_bc = 0;
	utf8proc_ssize_t np =
	    utf8proc_decompose_char(cp, parts, 18,
	                            UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
	                                UTF8PROC_STRIPMARK | UTF8PROC_DECOMPOSE,
	                            &last_bc);
	if (np < 0 || np > 18) {
		parts[0] = cp;
		np = 1;
	}
	for (utf8proc_ssize_t i = 0; i < np && !*full; i++) {
		if (is_mark(parts[i]))
			continue;
		utf8proc_uint8_t enc[4];
		utf8proc_ssize_t el = utf8proc_encode_char(parts[i], enc);
		if (*wn + (size_t)el > FILT_KW_MAX_TERM) {
			*full = true;
			break;
		}
		memcpy(word + *wn, enc, (size_t)el);
		*wn += (size_t)el;
	}
	return true;
}

int filt_kw_tokenize(filt_kw *kw, const char *text, size_t len,
                     filt_kw_term_fn fn, void *ctx)
{
	char word[FILT_KW_MAX_TERM + 4];
	size_t wn = 0, pos = 0;
	bool full = false;
	int rc = 0;
	while (pos < len && rc == 0) {
		/* ASCII fast path, the same result as the utf8proc route:
		 * ASCII letters and digits are the only ASCII word characters,
		 * case folding lowercases them, nothing decomposes. */
		unsigned char b = (unsigned char)text[pos];
		if (b < 0x80) {
			pos++;
			bool alpha = (b | 0x20) >= 'a' && (b | 0x20) <= 'z';
			if (alpha || (b >= '0' && b <= '9')) {
				if (wn + 1 > FILT_KW_MAX_TERM)
					full = true;
				else if (!full)
					word[wn++] =
					    (char)(alpha ? b | 0x20 : b);
				continue;
			}
			rc = emit(kw, word, wn, fn, ctx);
			wn = 0;
			full = false;
			continue;
		}
		utf8proc_int32_t cp = -1;
		size_t rest = len - pos;
		utf8proc_ssize_t step = utf8proc_iterate(
		    (const utf8proc_uint8_t *)text + pos,
		    rest > 4 ? 4 : (utf8proc_ssize_t)rest, &cp);
		if (step <= 0) {
			step = 1;
			cp = -1;
		}
		pos += (size_t)step;
		if (cp >= 0 && append_cp(cp, word, &wn, &full))
			continue;
		rc = emit(kw, word, wn, fn, ctx);
		wn = 0;
		full = false;
	}
	if (rc == 0)
		rc = emit(kw, word, wn, fn, ctx);
	return rc;
}

/* ---- bag of terms ----------------------------------------------------- */

/* While building, terms[i].term holds the arena offset (cast), because the
 * arena may move; pointers are fixed up once at the end. */
static int bag_push(void *ctx, const char *term, size_t len)
{
	filt_kw_bag *bag = ctx;
	if (bag->n == bag->cap) {
		size_t cap = bag->cap ? bag->cap * 2 : 64;
		filt_kw_term *t = sl_realloc(bag->terms, cap * sizeof *t);
		if (!t)
			return SEMLITE_NOMEM;
		bag->terms = t;
		bag->cap = cap;
	}
	if (bag->arena_len + len + 1 > bag->arena_cap) {
		size_t cap = bag->arena_cap ? bag->arena_cap * 2 : 1024;
		while (cap < bag->arena_len + len + 1)
			cap *= 2;
		char *a = sl_realloc(bag->arena, cap);
		if (!a)
			return SEMLITE_NOMEM;
		bag->arena = a;
		bag->arena_cap = cap;
	}
	memcpy(bag->arena + bag->arena_len, term, len);
	bag->arena[bag->arena_len + len] = '\0';
	bag->terms[bag->n].term = (const char *)(uintptr_t)bag->arena_len;
	bag->terms[bag->n].len = (uint32_t)len;
	bag->terms[bag->n].tf = 1;
	bag->n++;
	bag->arena_len += len + 1;
	bag->doc_len++;
	return 0;
}

static int cmp_term(const void *a, const void *b)
{
	const filt_kw_term *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->term, y->term, n);
	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

int filt_kw_bag_build(filt_kw *kw, const char *text, size_t len,
                      filt_kw_bag *bag)
{
	bag->n = 0;
	bag->arena_len = 0;
	bag->doc_len = 0;
	int rc = filt_kw_tokenize(kw, text, len, bag_push, bag);
	if (rc != SEMLITE_OK) {
		bag->n = 0;
		if (rc == SEMLITE_NOMEM)
			sl_err(rc, "keyword analyzer: out of memory");
		return rc;
	}
	for (size_t i = 0; i < bag->n; i++)
		bag->terms[i].term =
		    bag->arena + (size_t)(uintptr_t)bag->terms[i].term;
	if (bag->n > 1)
		qsort(bag->terms, bag->n, sizeof *bag->terms, cmp_term);
	size_t w = 0;
	for (size_t i = 0; i < bag->n; i++) {
		if (w > 0 && cmp_term(&bag->terms[w - 1], &bag->terms[i]) == 0)
			bag->terms[w - 1].tf++;
		else
			bag->terms[w++] = bag->terms[i];
	}
	bag->n = w;
	return SEMLITE_OK;
}

void filt_kw_bag_clear(filt_kw_bag *bag)
{
	if (!bag)
		return;
	sl_free(bag->terms);
	sl_free(bag->arena);
	memset(bag, 0, sizeof *bag);
}
