/*
 * train.c — train_run() (semlite_train's body): corpus -> words -> vocabulary
 * -> token stream
 * -> skip-gram vectors -> SIF/PCA table -> Model2Vec files.
 *
 * The corpus is read once. Each paragraph is pre-tokenized into words,
 * which are counted in a map and appended to a word-id stream (with a
 * break between paragraphs); the vocabulary is learned from the counts;
 * each distinct word is WordPiece-tokenized once and the word stream is
 * expanded into the token stream that skip-gram trains on. Reading the
 * corpus twice (once to count, once to tokenize) was rejected: the word
 * stream costs 4 bytes a word and saves decompressing and normalizing the
 * corpus again. [UNK] pieces are dropped from the token stream, as the
 * encoder drops them when pooling.
 *
 * Everything but the multi-threaded skip-gram stage is deterministic, so
 * with one thread the three output files are a function of the corpus,
 * the options and the seed.
 */
#define _POSIX_C_SOURCE 200809L
#include "encoder/train.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

typedef struct words_ctx {
	train_map words;
	uint32_t *stream;
	size_t n, cap, max_words, nwords;
	train_buf scratch;
	const semlite_train_opts *o;
	bool full;
} words_ctx;

static int push(words_ctx *c, uint32_t v)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1 << 16;
		uint32_t *p = sl_realloc(c->stream, cap * sizeof *p);
		if (!p)
			return sl_err(SEMLITE_NOMEM, "trainer: out of memory");
		c->stream = p;
		c->cap = cap;
	}
	c->stream[c->n++] = v;
	return SEMLITE_OK;
}

static int on_word(void *ctx, const char *w, size_t len)
{
	words_ctx *c = ctx;
	uint32_t id;
	int rc = train_map_add(&c->words, w, len, &id);
	if (rc == SEMLITE_OK) {
		c->words.count[id]++;
		c->nwords++;
		rc = push(c, id);
	}
	return rc;
}

/* Sentinel return that stops reading once max_words is reached. */
#define STOP_READING (-1)

static int on_text(void *ctx, const char *text, size_t len)
{
	words_ctx *c = ctx;
	size_t before = c->n;
	int rc = train_pretok(text, len, &c->scratch, on_word, c);
	if (rc == SEMLITE_OK && c->n > before)
		rc = push(c, TRAIN_BREAK);
	if (rc == SEMLITE_OK && c->max_words && c->nwords >= c->max_words)
		return STOP_READING;
	if (rc == SEMLITE_OK && c->o->progress && (c->n & 0xfff) < 64)
		c->o->progress(c->o->progress_ctx, "reading", 0, 0, 0, 0);
	return rc;
}

static int read_corpora(const semlite_train_opts *o, words_ctx *c)
{
	c->o = o;
	c->max_words = o->max_words;
	for (size_t i = 0; i < o->n_corpus; i++) {
		int rc = train_corpus_read(o->corpus[i], on_text, c);
		if (rc == STOP_READING)
			break;
		if (rc)
			return rc;
	}
	if (!c->nwords)
		return sl_err(SEMLITE_INVALID, "trainer: the corpus is empty");
	return SEMLITE_OK;
}

/* Expands the word stream into token ids, dropping [UNK]; counts ids. */
static int tokenize_stream(words_ctx *c, const train_map *vocab,
                           uint32_t **toks, size_t *ntoks, uint64_t **counts)
{
	const train_map *w = &c->words;
	uint32_t *off = sl_malloc((w->n + 1) * sizeof *off);
	uint32_t *pieces = NULL, *t = NULL;
	size_t np = 0, cap = 0, nt = 0;
	int rc = SEMLITE_OK;
	*counts = sl_calloc(vocab->n, sizeof **counts);
	if (!off || !*counts)
		rc = sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	for (size_t i = 0; i < w->n && !rc; i++) {
		off[i] = (uint32_t)np;
		if (np + w->klen[i] + 1 > cap) {
			cap = (np + w->klen[i] + 1) * 2;
			uint32_t *p = sl_realloc(pieces, cap * sizeof *p);
			if (!p) {
				rc = sl_err(SEMLITE_NOMEM, "out of memory");
				break;
			}
			pieces = p;
		}
		size_t k =
		    train_wordpiece(vocab, w->keys[i], w->klen[i], &c->scratch,
		                    pieces + np, w->klen[i] + 1);
		if (!(k == 1 && pieces[np] == TRAIN_UNK))
			np += k;
	}
	if (!rc) {
		off[w->n] = (uint32_t)np;
		size_t total = 0;
		for (size_t i = 0; i < c->n; i++)
			total +=
			    c->stream[i] == TRAIN_BREAK
			        ? 1
			        : off[c->stream[i] + 1] - off[c->stream[i]];
		t = sl_malloc((total ? total : 1) * sizeof *t);
		if (!t)
			rc = sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	}
	for (size_t i = 0; i < c->n && !rc; i++) {
		uint32_t s = c->stream[i];
		if (s == TRAIN_BREAK) {
			t[nt++] = s;
			continue;
		}
		for (uint32_t p = off[s]; p < off[s + 1]; p++) {
			t[nt++] = pieces[p];
			(*counts)[pieces[p]]++;
		}
	}
	sl_free(off);
	sl_free(pieces);
	if (rc) {
		sl_free(t);
		return rc;
	}
	*toks = t;
	*ntoks = nt;
	return SEMLITE_OK;
}

static void apply_defaults(const semlite_train_opts *in, semlite_train_opts *o)
{
	*o = *in;
	o->vocab_size = o->vocab_size ? o->vocab_size : 32768;
	o->dim = o->dim ? o->dim : 256;
	o->train_dim = o->train_dim ? o->train_dim : o->dim;
	o->epochs = o->epochs ? o->epochs : 5;
	o->threads = o->threads ? o->threads : 1;
	o->window = o->window ? o->window : 5;
	o->negative = o->negative ? o->negative : 5;
	o->sample = o->sample != 0 ? o->sample : 1e-4;
	o->lr = o->lr > 0 ? o->lr : 0.025;
	o->sif_a = o->sif_a != 0 ? o->sif_a : 1e-3;
	o->n_common = o->keep_common ? 0 : o->n_common ? o->n_common : 1;
	o->word_frac = o->word_frac > 0 ? o->word_frac : 0.85;
	o->mix = o->mix > 0 ? o->mix : 0.4;
	o->mix_k = o->mix_k != 0 ? o->mix_k : 100;
}

static int check_opts(const semlite_train_opts *o)
{
	if (!o->corpus || !o->n_corpus || !o->out_dir)
		return sl_err(SEMLITE_INVALID,
		              "train: a corpus file and an output directory "
		              "are required");
	if (o->vocab_size < 64 || o->vocab_size > (1u << 22))
		return sl_err(SEMLITE_INVALID,
		              "train: vocab_size %zu: must be 64..4194304",
		              o->vocab_size);
	if (o->dim > 4096 || o->train_dim > 4096 ||
	    (o->dim > o->train_dim && o->mix >= 1))
		return sl_err(SEMLITE_INVALID,
		              "train: dim %zu / train_dim %zu: need both <= "
		              "4096, and dim <= train_dim unless mix < 1",
		              o->dim, o->train_dim);
	if (o->threads > 256 || o->window > 64 || o->negative > 64 ||
	    o->epochs > 1000 || o->word_frac > 1 || o->n_common > o->dim ||
	    (unsigned)o->dtype > SEMLITE_DTYPE_I8)
		return sl_err(SEMLITE_INVALID,
		              "train: threads, window, negative, epochs, "
		              "word_frac, n_common or dtype out of range");
	return SEMLITE_OK;
}

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0777) == 0 || errno == EEXIST)
		return SEMLITE_OK;
	return sl_err(SEMLITE_IOERR, "%s: %s", dir, strerror(errno));
}

typedef struct train_state {
	words_ctx wc;
	train_map vocab;
	char *tok_json;
	size_t tok_len;
	uint32_t *toks;
	size_t ntoks;
	uint64_t *counts;
	float *w_in, *w_out, *table;
} train_state;

static void state_free(train_state *s)
{
	train_map_free(&s->wc.words);
	sl_free(s->wc.stream);
	train_buf_free(&s->wc.scratch);
	train_map_free(&s->vocab);
	sl_free(s->tok_json);
	sl_free(s->toks);
	sl_free(s->counts);
	sl_free(s->w_in);
	sl_free(s->w_out);
	sl_free(s->table);
}

static int stage_vocab(const semlite_train_opts *o, train_state *s)
{
	int rc;
	if (o->tokenizer)
		rc = train_vocab_load(o->tokenizer, &s->vocab, &s->tok_json,
		                      &s->tok_len);
	else
		rc = train_vocab_learn(&s->wc.words, o->vocab_size,
		                       o->word_frac, &s->vocab);
	if (rc == SEMLITE_OK && o->progress)
		o->progress(o->progress_ctx, "tokens", 0, 0, 0, 0);
	if (rc == SEMLITE_OK)
		rc = tokenize_stream(&s->wc, &s->vocab, &s->toks, &s->ntoks,
		                     &s->counts);
	return rc;
}

static int stage_vectors(const semlite_train_opts *o, train_state *s)
{
	train_sgns_opts so = {.dim = o->train_dim,
	                      .epochs = o->epochs,
	                      .window = o->window,
	                      .negative = o->negative,
	                      .sample = o->sample,
	                      .lr = o->lr,
	                      .threads = o->threads,
	                      .seed = o->seed,
	                      .progress = {o->progress, o->progress_ctx}};
	int rc = train_sgns(s->toks, s->ntoks, s->counts, s->vocab.n, &so,
	                    &s->w_in, &s->w_out);
	if (rc)
		return rc;
	if (o->add_context)
		for (size_t i = 0; i < s->vocab.n * o->train_dim; i++)
			s->w_in[i] += s->w_out[i];
	if (o->progress)
		o->progress(o->progress_ctx, "finishing", 0, 0, 0, 0);
	train_post_opts po = {.out_dim = o->dim,
	                      .sif_a = o->sif_a,
	                      .unit_rows = o->unit_rows != 0,
	                      .n_common = o->n_common,
	                      .mix = o->mix,
	                      .mix_k = o->mix_k,
	                      .seed = o->seed};
	return train_post(s->w_in, s->vocab.n, o->train_dim, s->counts, s->toks,
	                  s->ntoks, &po, &s->table);
}

static int stage_write(const semlite_train_opts *o, train_state *s)
{
	int rc = make_dir(o->out_dir);
	if (rc == SEMLITE_OK && s->tok_json) {
		train_buf p = {0};
		rc = train_buf_printf(&p, "%s/tokenizer.json", o->out_dir);
		if (!rc)
			rc = train_write_file(p.p, s->tok_json, s->tok_len);
		train_buf_free(&p);
	} else if (rc == SEMLITE_OK) {
		rc = train_write_tokenizer(o->out_dir, &s->vocab);
	}
	if (rc == SEMLITE_OK)
		rc = train_write_config(o->out_dir, o->dim, "semlite-train");
	if (rc == SEMLITE_OK)
		rc =
		    train_write_safetensors(o->out_dir, s->table, s->vocab.n,
		                            o->dim, (enum train_dtype)o->dtype);
	return rc;
}

int train_run(const semlite_train_opts *in)
{
	semlite_train_opts o;
	apply_defaults(in, &o);
	int rc = check_opts(&o);
	if (rc)
		return rc;
	train_state s;
	memset(&s, 0, sizeof s);
	if ((rc = read_corpora(&o, &s.wc)))
		goto out;
	if (o.progress)
		o.progress(o.progress_ctx, "vocabulary", 0, 0, 0, 0);
	if ((rc = stage_vocab(&o, &s)) || (rc = stage_vectors(&o, &s)))
		goto out;
	rc = stage_write(&o, &s);
out:
	state_free(&s);
	return rc;
}
