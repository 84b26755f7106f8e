/*
 * tok_load.c — reading tokenizer.json into a tok_tokenizer.
 *
 * The JSON is parsed once with cJSON and turned into flat arrays and hash
 * maps; the cJSON tree is freed before returning, so a loaded tokenizer
 * holds no pointers into the input. Every field read from the file is
 * checked for type and range, and every failure names the file and the
 * field. Components we do not implement fail with SEMLITE_UNSUPPORTED and
 * their name, rather than tokenizing differently from the reference.
 *
 * Ids must be below 2 * (number of tokens) + 1024: the reference allows
 * sparse ids, but a bound tied to the input size keeps a hostile file from
 * making us allocate gigabytes for the id -> text table.
 */
#include "encoder/tok_internal.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"

#define MAX_DEPTH 8

typedef struct loader {
	tok_tokenizer *t;
	const char *name;
	size_t norm_cap, pre_cap;
	uint32_t max_id;
	bool any_id;
} loader;

static const cJSON *field(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* A boolean field; absent or null gives dflt. */
static int get_bool(loader *L, const cJSON *o, const char *k, bool dflt,
                    bool *out)
{
	const cJSON *j = field(o, k);
	if (!j || cJSON_IsNull(j)) {
		*out = dflt;
		return SEMLITE_OK;
	}
	if (!cJSON_IsBool(j))
		return sl_err(SEMLITE_CORRUPT, "%s: \"%s\" must be a boolean",
		              L->name, k);
	*out = cJSON_IsTrue(j);
	return SEMLITE_OK;
}

static bool json_index(const cJSON *j, double max, uint32_t *out)
{
	if (!cJSON_IsNumber(j))
		return false;
	double d = j->valuedouble;
	if (!(d >= 0 && d <= max) || d != (double)(uint32_t)d)
		return false;
	*out = (uint32_t)d;
	return true;
}

/* A string as code points (invalid UTF-8 replaced, as for input text). */
static int to_cps(const char *s, uint32_t **v, size_t *n)
{
	tok_cps b = {0};
	int rc = tok_utf8_decode((const uint8_t *)s, strlen(s), SIZE_MAX, &b);
	if (rc) {
		sl_free(b.v);
		return rc;
	}
	*v = b.v;
	*n = b.n;
	return SEMLITE_OK;
}

/* ---- normalizers ------------------------------------------------------ */

static int add_norm(loader *L, tok_norm **out)
{
	tok_tokenizer *t = L->t;
	if (t->nnorms == L->norm_cap) {
		size_t c = L->norm_cap ? L->norm_cap * 2 : 8;
		tok_norm *v = sl_realloc(t->norms, c * sizeof *v);
		if (!v)
			return SEMLITE_NOMEM;
		t->norms = v;
		L->norm_cap = c;
	}
	*out = &t->norms[t->nnorms++];
	memset(*out, 0, sizeof **out);
	return SEMLITE_OK;
}

static int parse_replace(loader *L, const cJSON *j, tok_norm *s)
{
	const cJSON *pat = field(j, "pattern");
	const cJSON *str = pat ? field(pat, "String") : NULL;
	const cJSON *re = pat ? field(pat, "Regex") : NULL;
	const cJSON *content = field(j, "content");
	if (!cJSON_IsString(content))
		return sl_err(SEMLITE_CORRUPT,
		              "%s: Replace normalizer needs a string content",
		              L->name);
	int rc = to_cps(content->valuestring, &s->rep, &s->nrep);
	if (rc)
		return rc;
	if (cJSON_IsString(str) && str->valuestring[0]) {
		s->replace_kind = REPL_STRING;
		return to_cps(str->valuestring, &s->pat, &s->npat);
	}
	if (cJSON_IsString(re) && !strcmp(re->valuestring, "\\s+")) {
		s->replace_kind = REPL_WS_RUN;
		return SEMLITE_OK;
	}
	if (cJSON_IsString(re) && !strcmp(re->valuestring, " +")) {
		s->replace_kind = REPL_SPACE_RUN;
		return SEMLITE_OK;
	}
	if (cJSON_IsString(re))
		return sl_err(SEMLITE_UNSUPPORTED,
		              "%s: Replace normalizer regex \"%.60s\" is not "
		              "supported",
		              L->name, re->valuestring);
	return sl_err(SEMLITE_CORRUPT,
	              "%s: Replace normalizer needs a non-empty pattern",
	              L->name);
}

static int parse_bert_norm(loader *L, const cJSON *j, tok_norm *s)
{
	int rc = get_bool(L, j, "clean_text", true, &s->clean);
	if (!rc)
		rc = get_bool(L, j, "handle_chinese_chars", true, &s->chinese);
	if (!rc)
		rc = get_bool(L, j, "lowercase", true, &s->lower);
	if (!rc)
		rc = get_bool(L, j, "strip_accents", s->lower,
		              &s->strip_accents);
	return rc;
}

static int parse_norm(loader *L, const cJSON *j, int depth)
{
	if (!j || cJSON_IsNull(j))
		return SEMLITE_OK;
	const cJSON *type = field(j, "type");
	if (!cJSON_IsObject(j) || !cJSON_IsString(type))
		return sl_err(SEMLITE_CORRUPT,
		              "%s: normalizer without a \"type\"", L->name);
	const char *ty = type->valuestring;
	if (!strcmp(ty, "Sequence")) {
		const cJSON *arr = field(j, "normalizers"), *e;
		if (!cJSON_IsArray(arr))
			return sl_err(SEMLITE_CORRUPT,
			              "%s: Sequence needs \"normalizers\"",
			              L->name);
		if (depth >= MAX_DEPTH)
			return sl_err(SEMLITE_UNSUPPORTED,
			              "%s: normalizers nested too deeply",
			              L->name);
		cJSON_ArrayForEach(e, arr)
		{
			int rc = parse_norm(L, e, depth + 1);
			if (rc)
				return rc;
		}
		return SEMLITE_OK;
	}
	static const struct {
		const char *name;
		int type;
	} simple[] = {{"BertNormalizer", NORM_BERT},
	              {"Lowercase", NORM_LOWER},
	              {"StripAccents", NORM_STRIP_ACCENTS},
	              {"NFD", NORM_NFD},
	              {"NFKD", NORM_NFKD},
	              {"NFC", NORM_NFC},
	              {"NFKC", NORM_NFKC},
	              {"Replace", NORM_REPLACE},
	              {"Strip", NORM_STRIP},
	              {"Prepend", NORM_PREPEND}};
	for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
		if (strcmp(ty, simple[i].name))
			continue;
		tok_norm *s;
		int rc = add_norm(L, &s);
		if (rc)
			return rc;
		s->type = simple[i].type;
		if (s->type == NORM_BERT)
			return parse_bert_norm(L, j, s);
		if (s->type == NORM_REPLACE)
			return parse_replace(L, j, s);
		if (s->type == NORM_STRIP) {
			rc = get_bool(L, j, "strip_left", true, &s->left);
			return rc ? rc
			          : get_bool(L, j, "strip_right", true,
			                     &s->right);
		}
		if (s->type == NORM_PREPEND) {
			const cJSON *p = field(j, "prepend");
			if (!cJSON_IsString(p))
				return sl_err(SEMLITE_CORRUPT,
				              "%s: Prepend needs \"prepend\"",
				              L->name);
			return to_cps(p->valuestring, &s->rep, &s->nrep);
		}
		return SEMLITE_OK;
	}
	return sl_err(SEMLITE_UNSUPPORTED,
	              "%s: normalizer \"%.40s\" is not supported", L->name, ty);
}

/* ---- pre-tokenizers ---------------------------------------------------- */

static int add_pre(loader *L, int type, tok_pre **out)
{
	tok_tokenizer *t = L->t;
	if (t->npres == L->pre_cap) {
		size_t c = L->pre_cap ? L->pre_cap * 2 : 4;
		tok_pre *v = sl_realloc(t->pres, c * sizeof *v);
		if (!v)
			return SEMLITE_NOMEM;
		t->pres = v;
		L->pre_cap = c;
	}
	*out = &t->pres[t->npres++];
	memset(*out, 0, sizeof **out);
	(*out)->type = type;
	return SEMLITE_OK;
}

static int parse_metaspace(loader *L, const cJSON *j, tok_pre *p)
{
	const cJSON *rep = field(j, "replacement");
	uint32_t *cps = NULL;
	size_t n = 0;
	if (!cJSON_IsString(rep))
		return sl_err(SEMLITE_CORRUPT,
		              "%s: Metaspace needs a \"replacement\"", L->name);
	int rc = to_cps(rep->valuestring, &cps, &n);
	if (rc)
		return rc;
	p->repl = n ? cps[0] : 0;
	sl_free(cps);
	if (n != 1)
		return sl_err(SEMLITE_CORRUPT,
		              "%s: Metaspace replacement must be one character",
		              L->name);
	const cJSON *ps = field(j, "prepend_scheme");
	if (cJSON_IsString(ps)) {
		const char *v = ps->valuestring;
		if (!strcmp(v, "always"))
			p->prepend = PREPEND_ALWAYS;
		else if (!strcmp(v, "first"))
			p->prepend = PREPEND_FIRST;
		else if (!strcmp(v, "never"))
			p->prepend = PREPEND_NEVER;
		else
			return sl_err(SEMLITE_UNSUPPORTED,
			              "%s: Metaspace prepend_scheme \"%.20s\"",
			              L->name, v);
	} else {
		bool add = true;
		if ((rc = get_bool(L, j, "add_prefix_space", true, &add)))
			return rc;
		p->prepend = add ? PREPEND_ALWAYS : PREPEND_NEVER;
	}
	return get_bool(L, j, "split", true, &p->split);
}

static int parse_pre(loader *L, const cJSON *j, int depth)
{
	if (!j || cJSON_IsNull(j))
		return SEMLITE_OK;
	const cJSON *type = field(j, "type");
	if (!cJSON_IsObject(j) || !cJSON_IsString(type))
		return sl_err(SEMLITE_CORRUPT,
		              "%s: pre_tokenizer without a \"type\"", L->name);
	const char *ty = type->valuestring;
	tok_pre *p;
	int rc;
	if (!strcmp(ty, "Sequence")) {
		const cJSON *arr = field(j, "pretokenizers"), *e;
		if (!cJSON_IsArray(arr))
			return sl_err(SEMLITE_CORRUPT,
			              "%s: Sequence needs \"pretokenizers\"",
			              L->name);
		if (depth >= MAX_DEPTH)
			return sl_err(SEMLITE_UNSUPPORTED,
			              "%s: pre_tokenizers nested too deeply",
			              L->name);
		cJSON_ArrayForEach(e, arr)
		{
			if ((rc = parse_pre(L, e, depth + 1)))
				return rc;
		}
		return SEMLITE_OK;
	}
	if (!strcmp(ty, "BertPreTokenizer"))
		return add_pre(L, PRE_BERT, &p);
	if (!strcmp(ty, "WhitespaceSplit"))
		return add_pre(L, PRE_WS_SPLIT, &p);
	if (!strcmp(ty, "Whitespace"))
		return add_pre(L, PRE_WHITESPACE, &p);
	if (!strcmp(ty, "Metaspace")) {
		if ((rc = add_pre(L, PRE_METASPACE, &p)))
			return rc;
		return parse_metaspace(L, j, p);
	}
	return sl_err(SEMLITE_UNSUPPORTED,
	              "%s: pre_tokenizer \"%.40s\" is not supported", L->name,
	              ty);
}

/* ---- models -------------------------------------------------------------- */

static void note_id(loader *L, uint32_t id)
{
	if (!L->any_id || id > L->max_id)
		L->max_id = id;
	L->any_id = true;
}

static double id_limit(size_t ntokens)
{
	return (double)ntokens * 2 + 1024;
}

/* WordPiece/WordLevel: vocab is {"piece": id, ...}. */
static int parse_vocab_object(loader *L, const cJSON *vocab, bool wordpiece,
                              const char *prefix)
{
	tok_tokenizer *t = L->t;
	if (!cJSON_IsObject(vocab))
		return sl_err(SEMLITE_CORRUPT,
		              "%s: model.vocab must be an object", L->name);
	size_t count = (size_t)cJSON_GetArraySize(vocab);
	size_t plen = strlen(prefix);
	int rc = tok_map_init(&t->vocab, count);
	if (!rc)
		rc = tok_map_init(&t->cont, wordpiece ? count / 4 : 1);
	const cJSON *e;
	cJSON_ArrayForEach(e, vocab)
	{
		uint32_t id;
		if (rc)
			return rc;
		if (!json_index(e, id_limit(count), &id))
			return sl_err(SEMLITE_CORRUPT,
			              "%s: model.vocab[\"%.40s\"]: bad id",
			              L->name, e->string);
		size_t kl = strlen(e->string);
		note_id(L, id);
		rc = tok_map_put(&t->vocab, e->string, kl, id);
		if (!rc && wordpiece && plen && kl > plen &&
		    !memcmp(e->string, prefix, plen))
			rc = tok_map_put(&t->cont, e->string + plen, kl - plen,
			                 id);
	}
	return rc;
}

static int parse_wordpiece(loader *L, const cJSON *m, bool wordpiece)
{
	tok_tokenizer *t = L->t;
	const cJSON *unk = field(m, "unk_token");
	const cJSON *pre = field(m, "continuing_subword_prefix");
	const cJSON *maxc = field(m, "max_input_chars_per_word");
	const char *prefix = cJSON_IsString(pre) ? pre->valuestring : "##";
	t->max_word_chars = 100;
	if (wordpiece && maxc) {
		uint32_t v;
		if (!json_index(maxc, 4294967295.0, &v))
			return sl_err(SEMLITE_CORRUPT,
			              "%s: bad max_input_chars_per_word",
			              L->name);
		t->max_word_chars = v;
	}
	int rc = parse_vocab_object(L, field(m, "vocab"), wordpiece, prefix);
	if (rc)
		return rc;
	const char *u = cJSON_IsString(unk) ? unk->valuestring : "[UNK]";
	uint32_t id;
	t->unk = -1;
	if (tok_map_get(&t->vocab, u, strlen(u), &id))
		t->unk = id;
	t->drop = t->unk;
	return SEMLITE_OK;
}

static int parse_unigram_piece(loader *L, const cJSON *e, uint32_t id)
{
	tok_tokenizer *t = L->t;
	const cJSON *piece = cJSON_GetArrayItem(e, 0);
	const cJSON *score = cJSON_GetArrayItem(e, 1);
	if (!cJSON_IsArray(e) || !cJSON_IsString(piece) ||
	    !cJSON_IsNumber(score))
		return sl_err(SEMLITE_CORRUPT,
		              "%s: model.vocab[%u] must be [piece, score]",
		              L->name, (unsigned)id);
	const char *s = piece->valuestring;
	size_t len = strlen(s);
	t->scores[id] = score->valuedouble;
	if (id == 0 || score->valuedouble < t->min_score)
		t->min_score = score->valuedouble;
	int rc = tok_map_put(&t->vocab, s, len, id);
	for (size_t k = 1; !rc && k <= len; k++) {
		if (k < len && ((uint8_t)s[k] & 0xC0) == 0x80)
			continue;
		rc = tok_map_add(&t->prefixes, s, k, TOK_NO_ID, NULL);
	}
	return rc;
}

static int parse_unigram(loader *L, const cJSON *m)
{
	tok_tokenizer *t = L->t;
	const cJSON *vocab = field(m, "vocab"), *e;
	const cJSON *unk = field(m, "unk_id");
	bool bf = false;
	int rc = get_bool(L, m, "byte_fallback", false, &bf);
	if (rc)
		return rc;
	if (bf)
		return sl_err(SEMLITE_UNSUPPORTED,
		              "%s: Unigram byte_fallback is not supported",
		              L->name);
	if (!cJSON_IsArray(vocab))
		return sl_err(SEMLITE_CORRUPT,
		              "%s: model.vocab must be an array", L->name);
	size_t count = (size_t)cJSON_GetArraySize(vocab);
	t->scores = sl_calloc(count ? count : 1, sizeof *t->scores);
	if (!t->scores)
		return SEMLITE_NOMEM;
	if ((rc = tok_map_init(&t->vocab, count)) ||
	    (rc = tok_map_init(&t->prefixes, count * 4)))
		return rc;
	uint32_t id = 0;
	cJSON_ArrayForEach(e, vocab)
	{
		if ((rc = parse_unigram_piece(L, e, id)))
			return rc;
		note_id(L, id);
		id++;
	}
	t->unk = -1;
	t->drop = -1; /* model2vec finds no unk_token on a Unigram model */
	if (unk && !cJSON_IsNull(unk)) {
		uint32_t u;
		if (!json_index(unk, (double)count - 1, &u))
			return sl_err(SEMLITE_CORRUPT,
			              "%s: model.unk_id is out of range",
			              L->name);
		t->unk = u;
	}
	return SEMLITE_OK;
}

static int parse_model(loader *L, const cJSON *m)
{
	if (!cJSON_IsObject(m))
		return sl_err(SEMLITE_CORRUPT, "%s: no \"model\" object",
		              L->name);
	const cJSON *type = field(m, "type");
	const char *ty = cJSON_IsString(type) ? type->valuestring : NULL;
	if (!ty) /* untagged, as older files are: infer from the fields */
		ty = cJSON_IsArray(field(m, "vocab"))       ? "Unigram"
		     : field(m, "merges")                   ? "BPE"
		     : field(m, "max_input_chars_per_word") ? "WordPiece"
		                                            : "WordLevel";
	if (!strcmp(ty, "WordPiece")) {
		L->t->model = MODEL_WORDPIECE;
		return parse_wordpiece(L, m, true);
	}
	if (!strcmp(ty, "WordLevel")) {
		L->t->model = MODEL_WORDLEVEL;
		return parse_wordpiece(L, m, false);
	}
	if (!strcmp(ty, "Unigram")) {
		L->t->model = MODEL_UNIGRAM;
		return parse_unigram(L, m);
	}
	return sl_err(SEMLITE_UNSUPPORTED,
	              "%s: tokenizer model \"%.40s\" is not supported "
	              "(WordPiece, Unigram and WordLevel are)",
	              L->name, ty);
}

/* ---- added tokens ----------------------------------------------------------
 */

static int parse_added_one(loader *L, const cJSON *e, tok_added *a)
{
	const cJSON *content = field(e, "content");
	uint32_t id;
	bool b = false, normalized = false;
	if (!cJSON_IsString(content) || !content->valuestring[0] ||
	    !json_index(field(e, "id"), id_limit(L->t->vocab.n), &id))
		return sl_err(SEMLITE_CORRUPT,
		              "%s: added_tokens entries need an id and a "
		              "non-empty content",
		              L->name);
	static const char *const unsup[] = {"single_word", "lstrip", "rstrip"};
	for (size_t i = 0; i < 3; i++) {
		int rc = get_bool(L, e, unsup[i], false, &b);
		if (rc)
			return rc;
		if (b)
			return sl_err(SEMLITE_UNSUPPORTED,
			              "%s: added token \"%.40s\": %s is not "
			              "supported",
			              L->name, content->valuestring, unsup[i]);
	}
	int rc = get_bool(L, e, "normalized", false, &normalized);
	if (rc)
		return rc;
	a->id = id;
	a->normalized = normalized;
	a->utf8_len = strlen(content->valuestring);
	a->utf8 = sl_strdup(content->valuestring);
	if (!a->utf8)
		return SEMLITE_NOMEM;
	note_id(L, id);
	return to_cps(content->valuestring, &a->cps, &a->n);
}

static int parse_added(loader *L, const cJSON *arr)
{
	tok_tokenizer *t = L->t;
	if (!arr || cJSON_IsNull(arr))
		return SEMLITE_OK;
	if (!cJSON_IsArray(arr))
		return sl_err(SEMLITE_CORRUPT,
		              "%s: added_tokens must be an array", L->name);
	size_t n = (size_t)cJSON_GetArraySize(arr);
	t->added = sl_calloc(n ? n : 1, sizeof *t->added);
	if (!t->added)
		return SEMLITE_NOMEM;
	const cJSON *e;
	cJSON_ArrayForEach(e, arr)
	{
		tok_added *a = &t->added[t->nadded++];
		int rc = parse_added_one(L, e, a);
		if (rc)
			return rc;
		if (a->normalized)
			t->any_norm_added = true;
		else
			t->any_raw_added = true;
		uint32_t c = a->cps[0];
		if (c < 128)
			t->added_first[c >> 3] |= (uint8_t)(1u << (c & 7));
		else
			t->added_first_high = true;
	}
	return SEMLITE_OK;
}

/* ---- id table and median
 * ----------------------------------------------------- */

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

static size_t count_chars(const uint8_t *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		size_t adv;
		tok_utf8_next(s + i, n - i, &adv);
		i += adv;
		k++;
	}
	return k;
}

static int finish(loader *L)
{
	tok_tokenizer *t = L->t;
	t->id_bound = L->any_id ? (size_t)L->max_id + 1 : 0;
	t->id_text = sl_calloc(t->id_bound + 1, sizeof *t->id_text);
	t->id_len = sl_calloc(t->id_bound + 1, sizeof *t->id_len);
	size_t *lens = sl_malloc((t->vocab.n + t->nadded + 1) * sizeof *lens);
	if (!t->id_text || !t->id_len || !lens) {
		sl_free(lens);
		return SEMLITE_NOMEM;
	}
	size_t n = 0;
	for (size_t i = 0; i < t->vocab.n; i++) {
		size_t len;
		const uint8_t *k = tok_map_key(&t->vocab, i, &len);
		t->id_text[t->vocab.val[i]] = k;
		t->id_len[t->vocab.val[i]] = (uint32_t)len;
		lens[n++] = count_chars(k, len);
	}
	for (size_t i = 0; i < t->nadded; i++) {
		tok_added *a = &t->added[i];
		uint32_t id;
		if (tok_map_get(&t->vocab, a->utf8, a->utf8_len, &id))
			continue;
		bool dup = false; /* same content twice in added_tokens */
		for (size_t j = 0; j < i && !dup; j++)
			dup = !strcmp(t->added[j].utf8, a->utf8);
		if (dup)
			continue;
		t->id_text[a->id] = (const uint8_t *)a->utf8;
		t->id_len[a->id] = (uint32_t)a->utf8_len;
		lens[n++] = a->n;
	}
	t->vocab_count = n;
	qsort(lens, n, sizeof *lens, cmp_size);
	t->median = !n        ? 0
	            : (n & 1) ? lens[n / 2]
	                      : (lens[n / 2 - 1] + lens[n / 2]) / 2;
	sl_free(lens);
	return SEMLITE_OK;
}

/* "truncation" {"direction": "Right", "max_length": N, ...}: the
 * reference cuts each encoding to its first N ids (before model2vec drops
 * the unk_token id). "padding" only matters across a batch, and semlite
 * encodes each text on its own (as a batch of one), so it is ignored. */
static int parse_truncation(loader *L, const cJSON *j)
{
	if (!j || cJSON_IsNull(j))
		return SEMLITE_OK;
	const cJSON *dir = field(j, "direction");
	uint32_t max;
	if (!cJSON_IsObject(j) ||
	    !json_index(field(j, "max_length"), 4294967295.0, &max))
		return sl_err(SEMLITE_CORRUPT,
		              "%s: truncation needs a max_length", L->name);
	if (dir && !(cJSON_IsString(dir) && !strcmp(dir->valuestring, "Right")))
		return sl_err(SEMLITE_UNSUPPORTED,
		              "%s: truncation direction other than \"Right\" "
		              "is not supported",
		              L->name);
	L->t->trunc = max;
	return SEMLITE_OK;
}

int tok_load(const char *json, size_t len, const char *name,
             tok_tokenizer **out)
{
	*out = NULL;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (!root) {
		size_t at = end && end >= json ? (size_t)(end - json) : 0;
		return sl_err(SEMLITE_CORRUPT,
		              "%s: not valid JSON (error near byte %zu)", name,
		              at);
	}
	tok_tokenizer *t = sl_calloc(1, sizeof *t);
	loader L = {.t = t, .name = name};
	int rc = SEMLITE_NOMEM;
	if (!t || !(t->name = sl_strdup(name)))
		goto out;
	rc = SEMLITE_CORRUPT;
	if (!cJSON_IsObject(root)) {
		sl_err(rc, "%s: the top level must be a JSON object", name);
		goto out;
	}
	if ((rc = parse_model(&L, field(root, "model"))) ||
	    (rc = parse_norm(&L, field(root, "normalizer"), 0)) ||
	    (rc = parse_pre(&L, field(root, "pre_tokenizer"), 0)) ||
	    (rc = parse_added(&L, field(root, "added_tokens"))) ||
	    (rc = parse_truncation(&L, field(root, "truncation"))) ||
	    (rc = finish(&L)))
		goto out;
	*out = t;
	t = NULL;
out:
	if (rc == SEMLITE_NOMEM)
		sl_err(rc, "%s: out of memory", name);
	cJSON_Delete(root);
	tok_free(t);
	return rc;
}

void tok_free(tok_tokenizer *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nnorms; i++) {
		sl_free(t->norms[i].pat);
		sl_free(t->norms[i].rep);
	}
	sl_free(t->norms);
	sl_free(t->pres);
	tok_map_free(&t->vocab);
	tok_map_free(&t->cont);
	tok_map_free(&t->prefixes);
	sl_free(t->scores);
	for (size_t i = 0; i < t->nadded; i++) {
		sl_free(t->added[i].cps);
		sl_free(t->added[i].utf8);
	}
	sl_free(t->added);
	sl_free(t->id_text);
	sl_free(t->id_len);
	sl_free(t->name);
	sl_free(t);
}

size_t tok_vocab_size(const tok_tokenizer *t)
{
	return t->vocab_count;
}

size_t tok_id_bound(const tok_tokenizer *t)
{
	return t->id_bound;
}

size_t tok_median_len(const tok_tokenizer *t)
{
	return t->median;
}

int64_t tok_dropped_id(const tok_tokenizer *t)
{
	return t->drop;
}

const char *tok_token(const tok_tokenizer *t, uint32_t id, size_t *len)
{
	if (id >= t->id_bound || !t->id_text[id])
		return NULL;
	*len = t->id_len[id];
	return (const char *)t->id_text[id];
}
