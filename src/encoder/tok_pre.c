/*
 * tok_pre.c — pre-tokenizers: split normalized text into words.
 *
 * Words are spans into a code-point buffer. Each pre-tokenizer of a
 * Sequence reads the previous list (buffer + spans) and writes a new one
 * into the other buffer of the pair, so Metaspace, which rewrites text
 * (space -> U+2581, optional prefix), composes with the splitters. Empty
 * words are never produced.
 *
 * BertPreTokenizer drops whitespace and isolates every punctuation
 * character (ASCII punctuation, which includes symbols such as $ + < = >
 * ^ ` | ~, or any Unicode P* character), as the reference does.
 */
#include "encoder/tok_internal.h"

#include <string.h>

#include "common/common.h"

/* Copies a word (non-empty) to out. */
static int put_word(tok_cps *ob, tok_spans *os, const uint32_t *w, size_t n)
{
	if (!n)
		return SEMLITE_OK;
	int rc = tok_cps_reserve(ob, n);
	if (rc)
		return rc;
	memcpy(ob->v + ob->n, w, n * 4);
	rc = tok_spans_push(os, ob->n, n);
	ob->n += n;
	return rc;
}

/* 0 = whitespace, 1 = part of a word, 2 = a word by itself (BERT punct),
 * 3 = part of a symbol run (Whitespace's [^\w\s]+). */
static int klass(int type, uint32_t c)
{
	if (tok_is_ws(c))
		return 0;
	if (type == PRE_BERT)
		return tok_is_punct(c) ? 2 : 1;
	if (type == PRE_WHITESPACE)
		return tok_is_word(c) ? 1 : 3;
	return 1;
}

static int split_words(int type, const uint32_t *s, size_t n, tok_cps *ob,
                       tok_spans *os)
{
	size_t start = 0;
	int cur = 0;
	for (size_t i = 0; i < n; i++) {
		int k = klass(type, s[i]);
		if (k == cur && k != 2 && k != 0)
			continue;
		if (cur) {
			int rc = put_word(ob, os, s + start, i - start);
			if (rc)
				return rc;
		}
		start = i;
		cur = k;
		if (k == 2) {
			int rc = put_word(ob, os, s + i, 1);
			if (rc)
				return rc;
			cur = 0;
		}
	}
	return cur ? put_word(ob, os, s + start, n - start) : SEMLITE_OK;
}

static int metaspace(const tok_pre *p, const uint32_t *s, size_t n, bool first,
                     tok_cps *ob, tok_spans *os)
{
	if (!n)
		return SEMLITE_OK;
	int rc = tok_cps_reserve(ob, n + 1);
	if (rc)
		return rc;
	size_t base = ob->n;
	bool pre = p->prepend == PREPEND_ALWAYS ||
	           (p->prepend == PREPEND_FIRST && first);
	if (pre && s[0] != ' ' && s[0] != p->repl)
		ob->v[ob->n++] = p->repl;
	for (size_t i = 0; i < n; i++)
		ob->v[ob->n++] = s[i] == ' ' ? p->repl : s[i];
	if (!p->split)
		return tok_spans_push(os, base, ob->n - base);
	/* MergedWithNext: each replacement character starts a new word. */
	size_t start = base;
	for (size_t i = base + 1; i < ob->n; i++) {
		if (ob->v[i] != p->repl)
			continue;
		if ((rc = tok_spans_push(os, start, i - start)))
			return rc;
		start = i;
	}
	return tok_spans_push(os, start, ob->n - start);
}

int tok_pretokenize(tok_run *r, const uint32_t *seg, size_t n, tok_cps **words,
                    tok_spans **spans)
{
	tok_cps *ib = &r->wa, *ob = &r->wb;
	tok_spans *is = &r->sa, *os = &r->sb;
	ib->n = 0;
	is->n = 0;
	int rc = put_word(ib, is, seg, n);
	for (size_t k = 0; !rc && k < r->t->npres; k++) {
		const tok_pre *p = &r->t->pres[k];
		ob->n = 0;
		os->n = 0;
		for (size_t i = 0; !rc && i < is->n; i++) {
			const uint32_t *w = ib->v + is->v[i].off;
			size_t len = is->v[i].len;
			if (p->type == PRE_METASPACE)
				rc = metaspace(p, w, len,
				               r->first_segment && i == 0, ob,
				               os);
			else
				rc = split_words(p->type, w, len, ob, os);
		}
		tok_cps *tb = ib;
		ib = ob;
		ob = tb;
		tok_spans *ts = is;
		is = os;
		os = ts;
	}
	*words = ib;
	*spans = is;
	return rc;
}
