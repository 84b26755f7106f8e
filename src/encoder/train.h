/*
 * train.h — semlite's static-encoder trainer, internal pieces.
 *
 * `semlite train` turns a text corpus into a Model2Vec-layout model in four
 * stages, each in its own file:
 *
 *   train_corpus.c  read corpus files (plain text, JSONL, either .zst) and
 *                   hand every paragraph to a callback; errors name the
 *                   file and line.
 *   train_pretok.c  the BERT normalizer + pre-tokenizer (clean, CJK split,
 *                   NFD accent strip, lowercase, whitespace/punctuation
 *                   split) and greedy longest-match WordPiece.
 *   train_vocab.c   word counts -> a WordPiece vocabulary (whole words plus
 *                   batched pair merges for `##` pieces).
 *   train_sgns.c    skip-gram with negative sampling over token ids.
 *   train_post.c    SIF weighting, PCA and common-component removal
 *                   (LAPACK), quantization.
 *   train_write.c   tokenizer.json, config.json, model.safetensors.
 *   train.c         train_run(): the stages in order, with progress.
 * The public semlite_train() (api/train_api.c) checks its argument and
 * calls train_run().
 */
#ifndef SL_ENCODER_TRAIN_H
#define SL_ENCODER_TRAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "common/common.h"
#include "encoder/encoder.h"

/* Token ids of the special tokens every learned vocabulary starts with
 * (the order of BERT/potion: [PAD] [UNK] [CLS] [SEP] [MASK]). */
#define TRAIN_PAD      0
#define TRAIN_UNK      1
#define TRAIN_CLS      2
#define TRAIN_SEP      3
#define TRAIN_MASK     4
#define TRAIN_NSPECIAL 5
/* Separator in token streams: windows never cross a paragraph. */
#define TRAIN_BREAK UINT32_MAX
/* WordPiece's rule: words longer than this (in characters) are [UNK]. */
#define TRAIN_MAX_WORD_CHARS 100

/* ---- growable byte buffer -------------------------------------------- */

typedef struct train_buf {
	char *p;
	size_t len, cap;
} train_buf;

int train_buf_put(train_buf *b, const void *src, size_t n);
int train_buf_printf(train_buf *b, const char *fmt, ...) SL_PRINTF(2, 3);
/* Appends s as a JSON string literal. */
int train_buf_json_str(train_buf *b, const char *s, size_t n);
void train_buf_free(train_buf *b);

/* ---- string -> index map (open addressing; keys copied into an arena) */

typedef struct train_map {
	uint32_t *slots; /* index+1 of the entry, 0 = empty */
	size_t nslots;
	char **keys;
	uint32_t *klen;
	uint64_t *count;
	size_t n, cap;
} train_map;

/* Finds key; returns its index or -1. */
long train_map_find(const train_map *m, const char *key, size_t len);
/* Finds or inserts key (count 0); *idx gets its index. */
int train_map_add(train_map *m, const char *key, size_t len, uint32_t *idx);
void train_map_free(train_map *m);

/* Fills a[0..n) with standard normal deviates from rng (Box-Muller). */
void train_gaussian(sl_rng *rng, double *a, size_t n);

/* ---- corpus ---------------------------------------------------------- */

/* Called once per paragraph. A nonzero return stops reading and is
 * returned by train_corpus_read. */
typedef int (*train_text_fn)(void *ctx, const char *text, size_t len);

/*
 * Reads one corpus file: `.zst` is decompressed while streaming; a name
 * ending in .jsonl/.ndjson (before .zst) is JSON Lines whose "text" field
 * (a string) is the paragraph; anything else is plain text, one paragraph
 * per line. Empty lines are skipped. Errors (SEMLITE_IOERR, SEMLITE_CORRUPT,
 * SEMLITE_INVALID) name the file and, for content, the line.
 */
int train_corpus_read(const char *path, train_text_fn fn, void *ctx);

/* ---- BERT pre-tokenization and WordPiece ----------------------------- */

/* Called once per normalized word (UTF-8, not NUL-terminated). */
typedef int (*train_word_fn)(void *ctx, const char *w, size_t len);

/*
 * Runs the BertNormalizer (clean_text, CJK chars, strip accents,
 * lowercase) and the BertPreTokenizer over text and reports each word.
 * Invalid UTF-8 bytes are dropped. `scratch` is reused between calls.
 */
int train_pretok(const char *text, size_t len, train_buf *scratch,
                 train_word_fn fn, void *ctx);

/* Number of code points in a valid UTF-8 word. */
size_t train_utf8_chars(const char *w, size_t len);

/*
 * Greedy longest-match WordPiece of one pre-tokenized word against vocab
 * (pieces after the first carry "##"). Writes at most cap ids into ids and
 * returns the count; a word that cannot be covered, or longer than
 * TRAIN_MAX_WORD_CHARS characters, gives the single id TRAIN_UNK.
 * `scratch` holds the "##" key being tried.
 */
size_t train_wordpiece(const train_map *vocab, const char *w, size_t len,
                       train_buf *scratch, uint32_t *ids, size_t cap);

/* ---- vocabulary -------------------------------------------------------- */

/*
 * Learns a WordPiece vocabulary of at most `size` pieces from word counts
 * (words->count): the five special tokens, every character seen at least
 * `min_char` times (bare and as "##c"), the most frequent whole words, and
 * the remainder from batched merges of the most frequent adjacent piece
 * pairs in the words the vocabulary does not yet hold whole. Deterministic.
 * The result's count[] is unused (0).
 */
int train_vocab_learn(const train_map *words, size_t size, double word_frac,
                      train_map *vocab);

/*
 * Loads the vocabulary of a WordPiece tokenizer.json (ids = indexes; id 1
 * must be [UNK]). On success *json (sl_malloc'd) holds the file's bytes,
 * to be copied to the output. Other tokenizer types: SEMLITE_UNSUPPORTED.
 */
int train_vocab_load(const char *path, train_map *vocab, char **json,
                     size_t *json_len);

/* ---- skip-gram with negative sampling -------------------------------- */

typedef struct train_progress_cb {
	void (*fn)(void *ctx, const char *stage, double done, double rate,
	           double loss, double eta_s);
	void *ctx;
} train_progress_cb;

typedef struct train_sgns_opts {
	size_t dim;
	unsigned epochs;
	unsigned window;
	unsigned negative;
	double sample; /* frequent-token subsampling threshold */
	double lr;
	unsigned threads;
	uint64_t seed;
	const float *init_in; /* vocab x dim starting input vectors, or NULL
	                         for word2vec's small random start */
	train_progress_cb progress;
} train_sgns_opts;

/*
 * Trains vectors for tokens 0..vocab-1 over the stream `toks` (ids
 * < vocab, TRAIN_BREAK between paragraphs). counts[i] = occurrences of id
 * i. On success *w_in and *w_out (vocab*dim floats each, sl_malloc'd) hold
 * the input and output vectors. With threads == 1 the result depends only
 * on the inputs and the seed.
 */
int train_sgns(const uint32_t *toks, size_t ntoks, const uint64_t *counts,
               size_t vocab, const train_sgns_opts *o, float **w_in,
               float **w_out);

/* ---- post-processing ------------------------------------------------- */

/* Top k eigenvectors (columns of z, dim x k, largest first, each with its
 * largest entry positive) of the symmetric dim x dim matrix a (destroyed;
 * LAPACK dsyevr); their eigenvalues in vals[0..k) unless vals is NULL. */
int train_top_eigvecs(double *a, size_t dim, size_t k, double *z, double *vals);
/* Centred PCA of the rows of vec (vocab x dim) whose count is > 0;
 * every row's projection goes into the first out_dim (<= dim) of the
 * `stride` columns of out's row. */
int train_pca(const float *vec, size_t vocab, size_t dim,
              const uint64_t *counts, size_t out_dim, size_t stride,
              float *out);

typedef struct train_post_opts {
	size_t out_dim;    /* output columns: PCA to min(out_dim, dim); the
	                      columns beyond dim hold only the random part */
	double sif_a;      /* SIF a; weight = a / (a + p(w)); <= 0: none */
	bool unit_rows;    /* L2-normalize rows before weighting */
	unsigned n_common; /* principal components of sentence means removed */
	double mix;        /* share of the learned vector (< 1: blend with a
	                      random per-token vector, see train_post.c) */
	double mix_k;      /* the share grows as count / (count + mix_k) */
	uint64_t seed;
} train_post_opts;

/*
 * Turns raw vectors (vocab x dim, modified in place) into the final table
 * (vocab x out_dim, sl_malloc'd into *out): optional unit rows, PCA to
 * out_dim, SIF weighting, and removal of the first n_common principal
 * directions of paragraph means over the stream `toks`. Special tokens get
 * zero rows.
 */
int train_post(float *vec, size_t vocab, size_t dim, const uint64_t *counts,
               const uint32_t *toks, size_t ntoks, const train_post_opts *o,
               float **out);

/* Removes the top n principal directions of paragraph means over the
 * stream `toks` (ids < vocab, TRAIN_BREAK between paragraphs) from every
 * row of t (vocab x dim). */
int train_remove_common(float *t, size_t vocab, size_t dim,
                        const uint32_t *toks, size_t ntoks, unsigned n);

/* ---- writers ------------------------------------------------------------ */

enum train_dtype { TRAIN_F32 = 0, TRAIN_F16 = 1, TRAIN_I8 = 2 };

/* Writes DIR/tokenizer.json for a WordPiece vocabulary (ids = indexes). */
int train_write_tokenizer(const char *dir, const train_map *vocab);
/* Writes DIR/config.json. */
int train_write_config(const char *dir, size_t dim, const char *tok_name);
/* Writes DIR/model.safetensors with one tensor "embeddings". */
int train_write_safetensors(const char *dir, const float *table, size_t vocab,
                            size_t dim, enum train_dtype dt);
/* Appends the bytes of such a model.safetensors to b. */
int train_safetensors_bytes(const float *table, size_t vocab, size_t dim,
                            enum train_dtype dt, train_buf *b);
/* Writes a whole file (errors name it). */
int train_write_file(const char *path, const void *data, size_t len);

/* ---- the whole run ---------------------------------------------------- */

/* semlite_train() for non-NULL opts (see semlite.h). */
int train_run(const semlite_train_opts *opts);

/* ---- latent semantic analysis (train_lsa.c) --------------------------- */

typedef struct train_lsa_opts {
	size_t rank;     /* columns of the result */
	unsigned iters;  /* subspace iterations */
	double sv_power; /* rows scaled by sigma^sv_power (0: LSI's V_k) */
	uint64_t seed;
	train_progress_cb progress;
} train_lsa_opts;

/*
 * Writes into out (vocab x rank floats) each token's coordinates in the
 * top-rank right singular subspace of the document x token matrix of the
 * stream (one document per paragraph, log(1 + tf) * idf), scaled by the
 * singular values to the power sv_power; tokens that never occur (and the
 * columns beyond the matrix's rank) are 0. Depends only on the inputs and
 * the seed.
 */
int train_lsa(const uint32_t *toks, size_t ntoks, size_t vocab,
              const train_lsa_opts *o, float *out);

/* ---- adaptation of an existing model (train_adapt.c) ------------------ */

/* Calls fn(fn_ctx, text, len) for every text of a source, in a fixed
 * order; a nonzero return of fn stops and is returned. Called twice. */
typedef int (*train_texts_fn)(void *src, train_text_fn fn, void *fn_ctx);

typedef struct train_adapt_opts {
	unsigned epochs;    /* skip-gram passes over the texts */
	unsigned threads;   /* skip-gram threads */
	uint64_t seed;      /* every random choice */
	size_t add_vocab;   /* whole words added to the vocabulary (at most) */
	unsigned min_count; /* an added word occurs at least this often */
	unsigned window;    /* skip-gram window */
	size_t train_dim;   /* skip-gram dimension (<= the model's) */
	bool init_model;    /* start skip-gram from the model's rows */
	double mix;         /* learned share as in train_post_opts */
	double mix_k;
	double sif_a;      /* SIF a over the texts' token frequencies */
	unsigned n_common; /* common components removed */
	size_t lsa_dim;    /* columns of LSA topics (0: none) */
	double lsa_share;  /* their share of a row's squared norm */
	unsigned lsa_iters;
	double lsa_power;
	train_progress_cb progress;
} train_adapt_opts;

/*
 * Adapts the model whose files are `in` to the texts of `src` (see
 * train_adapt.c) and returns the new model's files in *out (sl_malloc'd;
 * enc_files_free). Same dimension; tokenizer.json changes only when words
 * were added. SEMLITE_UNSUPPORTED when words are to be added to a
 * tokenizer that is not WordPiece; SEMLITE_INVALID when the texts hold no
 * token of the model.
 */
int train_adapt(const enc_files *in, train_texts_fn src, void *src_ctx,
                const train_adapt_opts *o, enc_files *out);

#endif /* SL_ENCODER_TRAIN_H */
