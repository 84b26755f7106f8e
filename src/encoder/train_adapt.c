/*
 * train_adapt.c — continues training an existing static encoder on a
 * collection's own texts (semlite_collection_adapt's model half).
 *
 * A static encoder learns its domain from co-occurrence alone, so the
 * texts a collection already stores are all the teacher it needs:
 *   1. optionally, frequent words of the texts that the vocabulary splits
 *      into several pieces (or does not know) become whole-word tokens,
 *      appended to the WordPiece vocabulary (tokenizer.json edited with
 *      cJSON, so its normalizer and other settings are kept); greedy
 *      longest match then prefers them. Their starting row is the mean of
 *      their pieces' rows;
 *   2. the texts are tokenized by the (extended) model exactly as the
 *      encoder will tokenize them; when mix > 0, skip-gram
 *      (train_sgns.c) runs over the token stream, starting from the
 *      model's rows or from word2vec's small random vectors;
 *   3. every token seen in the texts gets a new row: its old row's
 *      direction (a new word: a random one — its identity, so exact-word
 *      overlap still counts) blended with its centred learned vector by
 *      the share mix * c / (c + mix_k) (c = its count in the texts, as in
 *      train_post.c), then weighted by SIF over the texts' frequencies,
 *      a / (a + p): the collection's own common words count less — an
 *      IDF of sorts. Tokens the texts never use keep their old row;
 *   4. with lsa_dim > 0, the last lsa_dim columns become the token's
 *      topics: its LSA coordinates over the texts' documents
 *      (train_lsa.c), times the same SIF weight, holding lsa_share of the
 *      row's squared norm on average; the first dim - lsa_dim columns
 *      keep the rows of step 3 reduced to their principal components
 *      (tokens the texts never use have no topics: zeros there).
 *      Skip-gram's window sees phrases; LSA sees which tokens share whole
 *      documents, and on SciFact its topics made a far stronger (and
 *      cheaper) dense ranking than skip-gram (bench/RESULTS.md);
 *   5. the first principal direction(s) of the texts' means are removed.
 * The model keeps its dimension (the collection's vectors are of that
 * size), its config and, without added words, its tokenizer.json.
 *
 * Rejected: re-running the whole trainer on the texts (it learns a new
 * vocabulary and forgets everything the model knew, and a collection of a
 * few thousand documents is too little text for that) and fine-tuning
 * the stored rows in place with skip-gram (the rows are post-processed:
 * SIF-weighted and blended, so their norms are not skip-gram's).
 */
#include "encoder/enc_model.h"
#include "encoder/train.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct adapt_state {
	const train_adapt_opts *o;
	enc_model *m; /* the model being adapted (extended when words added) */
	size_t vocab; /* rows of `rows` */
	size_t old_vocab, dim;
	float *rows;    /* effective rows, scaled so the longest has norm 1 */
	char *tok_json; /* new tokenizer.json (NULL: unchanged) */
	size_t tok_len;
	train_map words; /* pass 1: word counts (only when adding words) */
	train_buf scratch;
	uint32_t *toks; /* pass 2: token stream */
	size_t ntoks, cap;
	uint64_t *counts;
	uint32_t *ids; /* one text's ids */
	size_t ids_cap;
	float *w_in, *w_out;
} adapt_state;

static void state_free(adapt_state *s)
{
	enc_model_free(s->m);
	sl_free(s->rows);
	sl_free(s->tok_json);
	train_map_free(&s->words);
	train_buf_free(&s->scratch);
	sl_free(s->toks);
	sl_free(s->counts);
	sl_free(s->ids);
	sl_free(s->w_in);
	sl_free(s->w_out);
}

/* The model's rows as the encoder sums them (mapping and weights applied),
 * scaled so that the longest row has norm 1. */
static int load_rows(adapt_state *s, size_t extra)
{
	const enc_model *m = s->m;
	s->old_vocab = enc_vocab_size(m);
	s->dim = m->dim;
	s->vocab = s->old_vocab;
	s->rows = sl_calloc((s->old_vocab + extra) * s->dim, sizeof *s->rows);
	if (!s->rows)
		return sl_err(SEMLITE_NOMEM, "adapt: out of memory");
	double mx = 0;
	for (size_t i = 0; i < s->old_vocab; i++) {
		size_t r = m->mapping ? m->mapping[i] : i;
		double w = m->weights ? m->weights[i] : 1.0, n = 0;
		for (size_t k = 0; k < s->dim; k++) {
			float v = (float)(m->table[r * s->dim + k] * w);
			s->rows[i * s->dim + k] = v;
			n += (double)v * v;
		}
		mx = n > mx ? n : mx;
	}
	float inv = mx > 0 ? (float)(1 / sqrt(mx)) : 1.0f;
	for (size_t i = 0; i < s->old_vocab * s->dim; i++)
		s->rows[i] *= inv;
	return SEMLITE_OK;
}

/* ---- pass 1: words worth a token of their own -------------------------- */

static int count_word(void *ctx, const char *w, size_t len)
{
	adapt_state *s = ctx;
	uint32_t id;
	int rc = train_map_add(&s->words, w, len, &id);
	if (!rc)
		s->words.count[id]++;
	return rc;
}

static int count_text(void *ctx, const char *text, size_t len)
{
	adapt_state *s = ctx;
	return train_pretok(text, len, &s->scratch, count_word, s);
}

typedef struct cand {
	uint64_t count;
	const char *key;
	uint32_t klen, idx;
} cand;

/* More frequent first; ties by bytes, so the choice is deterministic. */
static int cmp_cand(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

/* Indexes (into s->words) of the words to add, most frequent first. */
static int pick_words(adapt_state *s, uint32_t **pick, size_t *npick)
{
	const train_map *w = &s->words;
	uint32_t ids[8];
	size_t n = 0, k = 0;
	int rc = SEMLITE_OK;
	cand *c = sl_malloc((w->n ? w->n : 1) * sizeof *c);
	*pick = sl_malloc((w->n ? w->n : 1) * sizeof **pick);
	if (!c || !*pick) {
		sl_free(c);
		return sl_err(SEMLITE_NOMEM, "adapt: out of memory");
	}
	for (size_t i = 0; i < w->n && !rc; i++) {
		if (w->count[i] < s->o->min_count ||
		    train_utf8_chars(w->keys[i], w->klen[i]) >
		        TRAIN_MAX_WORD_CHARS)
			continue;
		rc = enc_tokenize(s->m, w->keys[i], w->klen[i], ids, 8, &k);
		if (!rc && k != 1)
			c[n++] = (cand){w->count[i], w->keys[i], w->klen[i],
			                (uint32_t)i};
	}
	qsort(c, n, sizeof *c, cmp_cand);
	*npick = n < s->o->add_vocab ? n : s->o->add_vocab;
	for (size_t i = 0; i < *npick; i++)
		(*pick)[i] = c[i].idx;
	sl_free(c);
	return rc;
}

/* tokenizer.json with words added to model.vocab as ids old_vocab.. */
static int extend_tokenizer(adapt_state *s, const enc_files *in,
                            const uint32_t *pick, size_t n)
{
	cJSON *root =
	    cJSON_ParseWithLength(in->tokenizer_json, in->tokenizer_len);
	cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
	cJSON *type = cJSON_GetObjectItemCaseSensitive(model, "type");
	cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
	int rc = SEMLITE_OK;
	if (!cJSON_IsString(type) || strcmp(type->valuestring, "WordPiece") ||
	    !cJSON_IsObject(vocab)) {
		rc = sl_err(SEMLITE_UNSUPPORTED,
		            "adapt: words can be added to WordPiece "
		            "tokenizers only (use add_vocab 0)");
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		const train_map *w = &s->words;
		char *key = sl_strndup(w->keys[pick[i]], w->klen[pick[i]]);
		if (!key || !cJSON_AddNumberToObject(
		                vocab, key, (double)(s->old_vocab + i)))
			rc = sl_err(SEMLITE_NOMEM, "adapt: out of memory");
		sl_free(key);
	}
	char *txt = rc ? NULL : cJSON_PrintUnformatted(root);
	if (!rc && !txt)
		rc = sl_err(SEMLITE_NOMEM, "adapt: out of memory");
	if (txt) {
		s->tok_len = strlen(txt);
		s->tok_json = sl_strndup(txt, s->tok_len);
		free(txt);
		if (!s->tok_json)
			rc = sl_err(SEMLITE_NOMEM, "adapt: out of memory");
	}
out:
	cJSON_Delete(root);
	return rc;
}

/* Rows of the added words: the mean of their pieces' rows. */
static int new_rows(adapt_state *s, const uint32_t *pick, size_t n)
{
	uint32_t ids[TRAIN_MAX_WORD_CHARS + 1];
	for (size_t i = 0; i < n; i++) {
		const train_map *w = &s->words;
		size_t k = 0;
		int rc = enc_tokenize(s->m, w->keys[pick[i]], w->klen[pick[i]],
		                      ids, TRAIN_MAX_WORD_CHARS + 1, &k);
		if (rc)
			return rc;
		float *r = s->rows + (s->old_vocab + i) * s->dim;
		for (size_t j = 0; j < k; j++)
			for (size_t d = 0; d < s->dim; d++)
				r[d] += s->rows[ids[j] * s->dim + d] / (float)k;
	}
	s->vocab = s->old_vocab + n;
	return SEMLITE_OK;
}

/* The model with the extended tokenizer and table, for tokenizing. */
static int reload_model(adapt_state *s, const enc_files *in)
{
	train_buf st = {0};
	int rc =
	    train_safetensors_bytes(s->rows, s->vocab, s->dim, TRAIN_F32, &st);
	enc_files f = *in;
	f.tokenizer_json = s->tok_json;
	f.tokenizer_len = s->tok_len;
	f.safetensors = (uint8_t *)st.p;
	f.safetensors_len = st.len;
	enc_model *m = NULL;
	if (!rc)
		rc = enc_model_load_files(&f, &m);
	train_buf_free(&st);
	if (rc)
		return rc;
	enc_model_free(s->m);
	s->m = m;
	return SEMLITE_OK;
}

static int add_words(adapt_state *s, const enc_files *in, train_texts_fn src,
                     void *src_ctx)
{
	uint32_t *pick = NULL;
	size_t n = 0;
	if (s->o->progress.fn)
		s->o->progress.fn(s->o->progress.ctx, "vocabulary", 0, 0, 0, 0);
	int rc = src(src_ctx, count_text, s);
	if (!rc)
		rc = pick_words(s, &pick, &n);
	if (!rc && n)
		rc = extend_tokenizer(s, in, pick, n);
	if (!rc && n)
		rc = new_rows(s, pick, n);
	if (!rc && n)
		rc = reload_model(s, in);
	sl_free(pick);
	return rc;
}

/* ---- pass 2: the token stream ----------------------------------------- */

static int push_tok(adapt_state *s, uint32_t v)
{
	if (s->ntoks == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1 << 16;
		uint32_t *p = sl_realloc(s->toks, cap * sizeof *p);
		if (!p)
			return sl_err(SEMLITE_NOMEM, "adapt: out of memory");
		s->toks = p;
		s->cap = cap;
	}
	s->toks[s->ntoks++] = v;
	return SEMLITE_OK;
}

static int tokenize_text(void *ctx, const char *text, size_t len)
{
	adapt_state *s = ctx;
	size_t n = 0;
	if (len + 1 > s->ids_cap) {
		uint32_t *p = sl_realloc(s->ids, (len + 1) * sizeof *p);
		if (!p)
			return sl_err(SEMLITE_NOMEM, "adapt: out of memory");
		s->ids = p;
		s->ids_cap = len + 1;
	}
	int rc = enc_tokenize(s->m, text, len, s->ids, len + 1, &n);
	for (size_t i = 0; i < n && !rc; i++) {
		if (s->ids[i] >= s->vocab)
			return sl_err(SEMLITE_INTERNAL, "adapt: token id %u",
			              s->ids[i]);
		s->counts[s->ids[i]]++;
		rc = push_tok(s, s->ids[i]);
	}
	if (!rc && n)
		rc = push_tok(s, TRAIN_BREAK);
	return rc;
}

/* ---- training and the new rows --------------------------------------- */

static int learn(adapt_state *s)
{
	const train_adapt_opts *o = s->o;
	size_t td =
	    o->train_dim && o->train_dim < s->dim ? o->train_dim : s->dim;
	float *init = NULL;
	if (o->init_model) {
		init = sl_malloc(s->vocab * td * sizeof *init);
		if (!init)
			return sl_err(SEMLITE_NOMEM, "adapt: out of memory");
		for (size_t i = 0; i < s->vocab; i++)
			memcpy(init + i * td, s->rows + i * s->dim,
			       td * sizeof *init);
	}
	train_sgns_opts so = {.dim = td,
	                      .epochs = o->epochs,
	                      .window = o->window,
	                      .negative = 5,
	                      .sample = 1e-4,
	                      .lr = 0.025,
	                      .threads = o->threads,
	                      .seed = o->seed,
	                      .init_in = init,
	                      .progress = o->progress};
	int rc = train_sgns(s->toks, s->ntoks, s->counts, s->vocab, &so,
	                    &s->w_in, &s->w_out);
	sl_free(init);
	return rc;
}

/* A direction drawn uniformly: normal deviates scaled to norm 1. */
static void random_unit(sl_rng *rng, double *r, size_t dim)
{
	train_gaussian(rng, r, dim);
	double n = 0;
	for (size_t d = 0; d < dim; d++)
		n += r[d] * r[d];
	n = n > 0 ? sqrt(n) : 1;
	for (size_t d = 0; d < dim; d++)
		r[d] /= n;
}

/* Centres the learned vectors of seen tokens and scales each to norm 1. */
static int centre_learned(adapt_state *s, size_t td)
{
	double *mean = sl_calloc(td, sizeof *mean);
	size_t seen = 0;
	if (!mean)
		return sl_err(SEMLITE_NOMEM, "adapt: out of memory");
	for (size_t i = 0; i < s->vocab; i++)
		if (s->counts[i]) {
			seen++;
			for (size_t k = 0; k < td; k++)
				mean[k] += s->w_in[i * td + k];
		}
	for (size_t i = 0; i < s->vocab; i++) {
		float *x = s->w_in + i * td;
		double n = 0;
		for (size_t k = 0; k < td; k++) {
			x[k] -= (float)(mean[k] / (double)(seen ? seen : 1));
			n += (double)x[k] * x[k];
		}
		n = n > 0 ? sqrt(n) : 1;
		for (size_t k = 0; k < td; k++)
			x[k] = (float)(x[k] / n);
	}
	sl_free(mean);
	return SEMLITE_OK;
}

static double sif_weight(const train_adapt_opts *o, double c, double total)
{
	return o->sif_a > 0 ? o->sif_a / (o->sif_a + c / total) : 1;
}

/* Step 3 of the design comment, in place on s->rows. */
static int blend_rows(adapt_state *s)
{
	const train_adapt_opts *o = s->o;
	size_t td =
	    o->train_dim && o->train_dim < s->dim ? o->train_dim : s->dim;
	double *u = sl_malloc(s->dim * sizeof *u), total = 0;
	int rc = !u ? SEMLITE_NOMEM : s->w_in ? centre_learned(s, td) : 0;
	if (rc) {
		sl_free(u);
		return sl_err(rc, "adapt: out of memory");
	}
	for (size_t i = 0; i < s->vocab; i++)
		total += (double)s->counts[i];
	sl_rng rng;
	sl_rng_seed(&rng, o->seed ^ 0xada97ada97ULL);
	for (size_t i = 0; i < s->vocab; i++) {
		float *r = s->rows + i * s->dim;
		double c = (double)s->counts[i], n = 0;
		if (i >= s->old_vocab) {
			random_unit(&rng, u, s->dim);
		} else {
			for (size_t d = 0; d < s->dim; d++)
				n += (double)r[d] * r[d];
			if (!c || n <= 0) /* unseen, or special: kept */
				continue;
			for (size_t d = 0; d < s->dim; d++)
				u[d] = r[d] / sqrt(n);
		}
		double l = !s->w_in       ? 0
		           : o->mix_k > 0 ? o->mix * c / (c + o->mix_k)
		                          : o->mix;
		for (size_t d = 0; d < td && l > 0; d++)
			u[d] = (1 - l) * u[d] + l * s->w_in[i * td + d];
		for (size_t d = td; d < s->dim; d++)
			u[d] *= 1 - l;
		n = 0;
		for (size_t d = 0; d < s->dim; d++)
			n += u[d] * u[d];
		double w = sif_weight(o, c, total);
		w /= n > 0 ? sqrt(n) : 1;
		for (size_t d = 0; d < s->dim; d++)
			r[d] = (float)(u[d] * w);
	}
	sl_free(u);
	return SEMLITE_OK;
}

/* Step 4 of the design comment: the rows become [sqrt(1 - share) x their
 * top dim - k principal components ; sqrt(share) x the token's SIF
 * weight x its LSA row, scaled so that the mean seen row has norm 1]. */
static int add_topics(adapt_state *s, size_t k)
{
	const train_adapt_opts *o = s->o;
	size_t dim = s->dim, keep = dim - k;
	float *lsa = sl_malloc(s->vocab * k * sizeof *lsa);
	float *t = sl_calloc(s->vocab * dim, sizeof *t);
	train_lsa_opts lo = {.rank = k,
	                     .iters = o->lsa_iters,
	                     .sv_power = o->lsa_power,
	                     .seed = o->seed,
	                     .progress = o->progress};
	int rc = lsa && t ? train_lsa(s->toks, s->ntoks, s->vocab, &lo, lsa)
	                  : sl_err(SEMLITE_NOMEM, "adapt: out of memory");
	if (!rc && keep)
		rc = train_pca(s->rows, s->vocab, dim, s->counts, keep, dim, t);
	double g = 0, total = 0, seen = 0;
	for (size_t i = 0; i < s->vocab && !rc; i++) {
		total += (double)s->counts[i];
		seen += s->counts[i] > 0;
		for (size_t c = 0; c < k && s->counts[i]; c++)
			g += (double)lsa[i * k + c] * lsa[i * k + c];
	}
	g = g > 0 ? sqrt(seen / g) : 1;
	double a = sqrt(1 - o->lsa_share), b = sqrt(o->lsa_share) * g;
	for (size_t i = 0; i < s->vocab && !rc; i++) {
		float *r = t + i * dim;
		double w = s->counts[i]
		               ? b * sif_weight(o, (double)s->counts[i], total)
		               : 0;
		for (size_t d = 0; d < keep; d++)
			r[d] = (float)(r[d] * a);
		for (size_t c = 0; c < k; c++)
			r[keep + c] = (float)(w * lsa[i * k + c]);
	}
	sl_free(lsa);
	if (rc) {
		sl_free(t);
		return rc;
	}
	sl_free(s->rows);
	s->rows = t;
	return SEMLITE_OK;
}

/* ---- output ----------------------------------------------------------- */

static int copy_bytes(const char *p, size_t n, char **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (!p)
		return SEMLITE_OK;
	*out = sl_malloc(n ? n : 1);
	if (!*out)
		return sl_err(SEMLITE_NOMEM, "adapt: out of memory");
	memcpy(*out, p, n);
	*out_len = n;
	return SEMLITE_OK;
}

static int write_files(adapt_state *s, const enc_files *in, enc_files *out)
{
	train_buf st = {0};
	memset(out, 0, sizeof *out);
	int rc =
	    train_safetensors_bytes(s->rows, s->vocab, s->dim, TRAIN_I8, &st);
	if (!rc)
		rc = copy_bytes(in->config_json, in->config_len,
		                &out->config_json, &out->config_len);
	if (!rc)
		rc = copy_bytes(in->st_config_json, in->st_config_len,
		                &out->st_config_json, &out->st_config_len);
	if (!rc && s->tok_json) {
		out->tokenizer_json = s->tok_json;
		out->tokenizer_len = s->tok_len;
		s->tok_json = NULL;
	} else if (!rc) {
		rc = copy_bytes(in->tokenizer_json, in->tokenizer_len,
		                &out->tokenizer_json, &out->tokenizer_len);
	}
	if (!rc) {
		out->safetensors = (uint8_t *)st.p;
		out->safetensors_len = st.len;
		st.p = NULL;
	}
	train_buf_free(&st);
	if (rc)
		enc_files_free(out);
	return rc;
}

int train_adapt(const enc_files *in, train_texts_fn src, void *src_ctx,
                const train_adapt_opts *o, enc_files *out)
{
	adapt_state s;
	memset(&s, 0, sizeof s);
	memset(out, 0, sizeof *out);
	s.o = o;
	int rc = enc_model_load_files(in, &s.m);
	if (!rc)
		rc = load_rows(&s, o->add_vocab);
	if (!rc && o->add_vocab)
		rc = add_words(&s, in, src, src_ctx);
	if (!rc && o->progress.fn)
		o->progress.fn(o->progress.ctx, "tokens", 0, 0, 0, 0);
	if (!rc && !(s.counts = sl_calloc(s.vocab, sizeof *s.counts)))
		rc = sl_err(SEMLITE_NOMEM, "adapt: out of memory");
	if (!rc)
		rc = src(src_ctx, tokenize_text, &s);
	if (!rc && s.ntoks < 2)
		rc = sl_err(SEMLITE_INVALID,
		            "adapt: the texts hold no token of the model");
	if (!rc && o->mix > 0)
		rc = learn(&s);
	if (!rc && o->progress.fn)
		o->progress.fn(o->progress.ctx, "finishing", 0, 0, 0, 0);
	if (!rc)
		rc = blend_rows(&s);
	if (!rc && o->lsa_dim)
		rc = add_topics(&s, o->lsa_dim < s.dim ? o->lsa_dim : s.dim);
	if (!rc && o->n_common)
		rc = train_remove_common(s.rows, s.vocab, s.dim, s.toks,
		                         s.ntoks, o->n_common);
	if (!rc)
		rc = write_files(&s, in, out);
	state_free(&s);
	return rc;
}
