/*
 * tok_internal.h — what the tokenizer's files share: the loaded tokenizer's
 * layout, the per-call scratch buffers and the Unicode helpers. Not used
 * outside src/encoder/tok_*.c.
 */
#ifndef SL_TOK_INTERNAL_H
#define SL_TOK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "encoder/tok_map.h"
#include "encoder/tokenizer.h"

#define TOK_NO_ID UINT32_MAX
/* Normalized text may be at most TOK_GROWTH x its input + TOK_SLACK code
 * points (NFKD expands a character to at most 18). */
#define TOK_GROWTH 64
#define TOK_SLACK  4096

/* ---- a growable code-point buffer and spans into it ---------------- */

typedef struct tok_cps {
	uint32_t *v;
	size_t n, cap;
} tok_cps;

typedef struct tok_span {
	size_t off, len;
} tok_span;

typedef struct tok_spans {
	tok_span *v;
	size_t n, cap;
} tok_spans;

int tok_cps_reserve(tok_cps *b, size_t extra);
static inline void tok_cps_push(tok_cps *b, uint32_t c) /* reserved */
{
	b->v[b->n++] = c;
}
int tok_spans_push(tok_spans *s, size_t off, size_t len);

/* ---- components ------------------------------------------------------ */

enum tok_norm_type {
	NORM_BERT,
	NORM_LOWER,
	NORM_STRIP_ACCENTS,
	NORM_NFD,
	NORM_NFKD,
	NORM_NFC,
	NORM_NFKC,
	NORM_REPLACE,
	NORM_STRIP,
	NORM_PREPEND
};

enum tok_replace_kind { REPL_STRING, REPL_WS_RUN, REPL_SPACE_RUN };

typedef struct tok_norm {
	int type;
	bool clean, chinese, strip_accents, lower; /* BertNormalizer */
	bool left, right;                          /* Strip */
	int replace_kind;                          /* Replace */
	uint32_t *pat, *rep; /* Replace pattern/content, Prepend text */
	size_t npat, nrep;
} tok_norm;

enum tok_pre_type { PRE_BERT, PRE_WS_SPLIT, PRE_WHITESPACE, PRE_METASPACE };
enum tok_prepend { PREPEND_NEVER, PREPEND_ALWAYS, PREPEND_FIRST };

typedef struct tok_pre {
	int type;
	uint32_t repl; /* Metaspace replacement character */
	int prepend;
	bool split;
} tok_pre;

enum tok_model_type { MODEL_WORDPIECE, MODEL_UNIGRAM, MODEL_WORDLEVEL };

typedef struct tok_added {
	uint32_t *cps;
	size_t n;
	char *utf8;
	size_t utf8_len;
	uint32_t id;
	bool normalized;
} tok_added;

struct tok_tokenizer {
	char *name;
	tok_norm *norms;
	size_t nnorms;
	tok_pre *pres;
	size_t npres;
	int model;
	tok_map vocab;    /* piece -> id */
	tok_map cont;     /* WordPiece: continuation pieces, prefix removed */
	tok_map prefixes; /* Unigram: every byte prefix of every piece */
	size_t max_word_chars;
	int64_t unk;    /* the model's unknown token, -1: none */
	int64_t drop;   /* the id model2vec drops (-1: none, as for Unigram) */
	double *scores; /* Unigram: score by id */
	double min_score;
	tok_added *added;
	size_t nadded;
	bool any_raw_added, any_norm_added;
	uint8_t added_first[16]; /* bitmap of ASCII first characters */
	bool added_first_high;   /* some added token starts above U+007F */
	const uint8_t **id_text; /* id -> token bytes (NULL: no such id) */
	uint32_t *id_len;
	size_t id_bound, vocab_count, median;
	size_t trunc; /* "truncation": keep the first trunc ids (0: all) */
};

/* ---- per-call state ---------------------------------------------------- */

typedef struct tok_run {
	const tok_tokenizer *t;
	uint32_t *ids;
	size_t cap, n;
	size_t raw;   /* ids produced before dropping unknowns */
	size_t limit; /* most code points normalization may produce */
	bool full;
	int stage;
	bool first_segment;
	tok_cps na, nb, nc; /* normalizer buffers */
	tok_cps wa, wb;     /* pre-tokenizer ping-pong */
	tok_spans sa, sb;   /* spans of the words in wa / wb */
	uint8_t *bytes;     /* UTF-8 of one word */
	size_t bytes_cap;
	double *vscore; /* Unigram lattice */
	size_t *vstart;
	uint32_t *vid;
	size_t vcap;
} tok_run;

/* Appends an id (the dropped id skipped, stops at cap). */
static inline void tok_emit(tok_run *r, uint32_t id)
{
	if (r->full)
		return;
	if (r->t->trunc && ++r->raw >= r->t->trunc)
		r->full =
		    true; /* this id is the last one the reference keeps */
	if ((int64_t)id == r->t->drop)
		return;
	r->ids[r->n++] = id;
	if (r->n == r->cap)
		r->full = true;
}

/* Runs the normalizers over **io, which is one of r->na/nb/nc; *io is
 * pointed at the buffer holding the result. */
int tok_normalize(tok_run *r, tok_cps **io);
/* Splits seg into words (in r->wa/sa or r->wb/sb; the out pointers say
 * which). */
int tok_pretokenize(tok_run *r, const uint32_t *seg, size_t n, tok_cps **words,
                    tok_spans **spans);
/* Runs the model over one word and emits its ids. */
int tok_model_word(tok_run *r, const uint32_t *w, size_t n);

/* ---- Unicode helpers (tok_unicode.c) --------------------------------- */

/* Decodes one code point at s (n > 0 bytes left); U+FFFD and one byte for
 * anything ill-formed. */
uint32_t tok_utf8_next(const uint8_t *s, size_t n, size_t *adv);
/* Writes c as UTF-8 into dst (room for 4); returns the byte count. */
size_t tok_utf8_put(uint8_t *dst, uint32_t c);
/* Decodes bytes into code points; returns NOMEM or OK. */
int tok_utf8_decode(const uint8_t *s, size_t n, size_t max_chars, tok_cps *out);

bool tok_is_ws(uint32_t c);      /* Unicode White_Space */
bool tok_is_control(uint32_t c); /* BERT: category C*, minus \t \n \r */
bool tok_is_cjk(uint32_t c);     /* BERT's CJK ideograph blocks */
bool tok_is_punct(uint32_t c);   /* BERT: ASCII punctuation or P* */
bool tok_is_mn(uint32_t c);      /* Mn (nonspacing mark) */
bool tok_is_mark(uint32_t c);    /* Mn, Mc, Me */
bool tok_is_word(uint32_t c);    /* \w: L*, M*, Nd, Pc */
/* Appends the full lowercase mapping of c to out (reserved >= 2). */
void tok_lower_push(tok_cps *out, uint32_t c);
/* Appends the canonical (compat: compatibility) decomposition of c. */
int tok_decompose_push(tok_cps *out, uint32_t c, bool compat);
/* Canonical ordering of combining marks, in place. */
void tok_reorder(uint32_t *v, size_t n);
/* Canonical composition of a decomposed, ordered buffer, in place. */
size_t tok_compose(uint32_t *v, size_t n);

#endif
