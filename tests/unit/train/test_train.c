/*
 * test_train.c — the trainer: corpus readers (formats, errors naming file
 * and line), BERT pre-tokenization, WordPiece, vocabulary learning, and
 * byte-identical output for --threads 1 with a fixed seed.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "encoder/default_model.h"
#include "encoder/encoder.h"
#include "encoder/train.h"

static char tmpdir[256];

static void path_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmpdir, name);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)sz + 1);
	assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
	fclose(f);
	*n = (size_t)sz;
	return b;
}

typedef struct collect {
	char text[2048];
	size_t n;
} collect;

static int on_text(void *ctx, const char *t, size_t len)
{
	collect *c = ctx;
	size_t k = strlen(c->text);
	snprintf(c->text + k, sizeof c->text - k, "[%.*s]", (int)len, t);
	c->n++;
	return 0;
}

static void test_corpus_formats(void **state)
{
	(void)state;
	char p[512];
	collect c = {0};
	path_in(p, sizeof p, "a.txt");
	write_bytes(p, "one\r\n\ntwo  words\n   \nlast", 25);
	assert_int_equal(train_corpus_read(p, on_text, &c), SEMLITE_OK);
	assert_string_equal(c.text, "[one][two  words][last]");

	const char *jl = "{\"id\":1,\"text\":\"caf\\u00e9 au lait\"}\n"
	                 "{\"text\":\"\"}\n{\"text\":\"two\"}\n";
	memset(&c, 0, sizeof c);
	path_in(p, sizeof p, "b.jsonl");
	write_bytes(p, jl, strlen(jl));
	assert_int_equal(train_corpus_read(p, on_text, &c), SEMLITE_OK);
	assert_string_equal(c.text, "[caf\xc3\xa9 au lait][two]");

	/* the same JSONL, zstd-compressed */
	char z[512];
	size_t zn = ZSTD_compress(z, sizeof z, jl, strlen(jl), 3);
	assert_false(ZSTD_isError(zn));
	memset(&c, 0, sizeof c);
	path_in(p, sizeof p, "b.jsonl.zst");
	write_bytes(p, z, zn);
	assert_int_equal(train_corpus_read(p, on_text, &c), SEMLITE_OK);
	assert_string_equal(c.text, "[caf\xc3\xa9 au lait][two]");

	/* truncated stream */
	path_in(p, sizeof p, "cut.txt.zst");
	write_bytes(p, z, zn - 3);
	assert_int_equal(train_corpus_read(p, on_text, &c), SEMLITE_CORRUPT);
	assert_non_null(strstr(sl_errmsg(), "cut.txt.zst"));
}

static void test_corpus_errors(void **state)
{
	(void)state;
	char p[512], want[600];
	collect c = {0};
	path_in(p, sizeof p, "bad.jsonl");
	const char *bad =
	    "{\"text\":\"ok\"}\n{\"text\":\"ok\"}\n{\"text\": 7}\n";
	write_bytes(p, bad, strlen(bad));
	assert_int_equal(train_corpus_read(p, on_text, &c), SEMLITE_INVALID);
	snprintf(want, sizeof want, "%s:3: field \"text\"", p);
	assert_non_null(strstr(sl_errmsg(), want));

	const char *broken = "{\"text\":\"ok\"}\n{\"text\":\"ok\"\n";
	write_bytes(p, broken, strlen(broken));
	assert_int_equal(train_corpus_read(p, on_text, &c), SEMLITE_INVALID);
	snprintf(want, sizeof want, "%s:2: invalid JSON", p);
	assert_non_null(strstr(sl_errmsg(), want));

	const char *missing = "{\"body\":\"x\"}\n";
	write_bytes(p, missing, strlen(missing));
	assert_int_equal(train_corpus_read(p, on_text, &c), SEMLITE_INVALID);
	snprintf(want, sizeof want, "%s:1: field \"text\": missing", p);
	assert_non_null(strstr(sl_errmsg(), want));

	path_in(p, sizeof p, "nope.txt");
	assert_int_equal(train_corpus_read(p, on_text, &c), SEMLITE_NOTFOUND);
	assert_non_null(strstr(sl_errmsg(), "nope.txt"));
}

static int on_word(void *ctx, const char *w, size_t len)
{
	collect *c = ctx;
	return on_text(c, w, len);
}

static void test_pretok(void **state)
{
	(void)state;
	collect c = {0};
	train_buf b = {0};
	const char *t = "Caf\xc3\xa9, NA\xc3\x8fVE r\xc3\xa9sum\xc3\xa9!\t"
	                "don't\x01 \xe6\x9d\xb1\xe4\xba\xac\xff ok";
	assert_int_equal(train_pretok(t, strlen(t), &b, on_word, &c), 0);
	assert_string_equal(c.text, "[cafe][,][naive][resume][!][don]['][t]"
	                            "[\xe6\x9d\xb1][\xe4\xba\xac][ok]");
	train_buf_free(&b);
}

static void test_wordpiece(void **state)
{
	(void)state;
	train_map v = {0};
	const char *pieces[] = {"[PAD]",  "[UNK]", "[CLS]", "[SEP]",
	                        "[MASK]", "play",  "##ing", "##s",
	                        "p",      "##l",   "##a",   "##y"};
	uint32_t id, ids[16];
	for (size_t i = 0; i < sizeof pieces / sizeof *pieces; i++)
		assert_int_equal(
		    train_map_add(&v, pieces[i], strlen(pieces[i]), &id), 0);
	train_buf s = {0};
	size_t n = train_wordpiece(&v, "playing", 7, &s, ids, 16);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], 5);
	assert_int_equal(ids[1], 6);
	n = train_wordpiece(&v, "plays", 5, &s, ids, 16);
	assert_int_equal(n, 2);
	assert_int_equal(ids[1], 7);
	n = train_wordpiece(&v, "pla", 3, &s, ids, 16);
	assert_int_equal(n, 3);
	n = train_wordpiece(&v, "plax", 4, &s, ids, 16);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], TRAIN_UNK);
	train_buf_free(&s);
	train_map_free(&v);
}

/* A corpus with topical structure: sentences drawn from one of four
 * topics' words, plus shared function words. */
static void make_corpus(const char *path, unsigned seed, size_t lines)
{
	static const char *topics[4][6] = {
	    {"guitar", "music", "song", "piano", "plays", "band"},
	    {"market", "stock", "price", "bank", "trade", "money"},
	    {"dog", "cat", "horse", "barks", "animal", "runs"},
	    {"rain", "cloud", "storm", "wind", "weather", "cold"}};
	static const char *fn[] = {"the", "a", "is", "and", "of", "in"};
	sl_rng r;
	sl_rng_seed(&r, seed);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < lines; i++) {
		unsigned t = (unsigned)(sl_rng_next(&r) % 4);
		for (int w = 0; w < 12; w++) {
			const char *s = sl_rng_next(&r) % 3 == 0
			                    ? fn[sl_rng_next(&r) % 6]
			                    : topics[t][sl_rng_next(&r) % 6];
			fprintf(f, "%s%s", w ? " " : "", s);
		}
		fputs(".\n", f);
	}
	fclose(f);
}

static void train_into(const char *corpus, const char *out, uint64_t seed)
{
	semlite_train_opts o;
	semlite_train_opts_init(&o);
	const char *files[] = {corpus};
	o.corpus = files;
	o.n_corpus = 1;
	o.out_dir = out;
	o.vocab_size = 120;
	o.dim = 16;
	o.train_dim = 24;
	o.epochs = 2;
	o.threads = 1;
	o.seed = seed;
	o.dtype = SEMLITE_DTYPE_I8;
	int rc = semlite_train(&o);
	if (rc)
		fprintf(stderr, "train: %s\n", semlite_errmsg());
	assert_int_equal(rc, SEMLITE_OK);
}

static void assert_same_file(const char *a, const char *b, const char *name,
                             bool same)
{
	char pa[512], pb[512];
	snprintf(pa, sizeof pa, "%s/%s", a, name);
	snprintf(pb, sizeof pb, "%s/%s", b, name);
	size_t na, nb;
	char *x = read_all(pa, &na), *y = read_all(pb, &nb);
	bool eq = na == nb && !memcmp(x, y, na);
	if (eq != same)
		fail_msg("%s: expected %s", name,
		         same ? "identical" : "different");
	free(x);
	free(y);
}

static void test_deterministic(void **state)
{
	(void)state;
	char corpus[512], a[512], b[512], c[512];
	path_in(corpus, sizeof corpus, "corpus.txt");
	make_corpus(corpus, 1, 3000);
	path_in(a, sizeof a, "m1");
	path_in(b, sizeof b, "m2");
	path_in(c, sizeof c, "m3");
	train_into(corpus, a, 7);
	train_into(corpus, b, 7);
	train_into(corpus, c, 8);
	assert_same_file(a, b, "config.json", true);
	assert_same_file(a, b, "tokenizer.json", true);
	assert_same_file(a, b, "model.safetensors", true);
	assert_same_file(a, c, "tokenizer.json", true);
	assert_same_file(a, c, "model.safetensors", false);

	/* the written tokenizer loads back, ids in order */
	char p[600], *json;
	size_t jl;
	train_map v = {0};
	snprintf(p, sizeof p, "%s/tokenizer.json", a);
	assert_int_equal(train_vocab_load(p, &v, &json, &jl), SEMLITE_OK);
	assert_true(v.n > 30 && v.n <= 120);
	assert_string_equal(v.keys[TRAIN_UNK], "[UNK]");
	assert_true(train_map_find(&v, "guitar", 6) >= TRAIN_NSPECIAL);
	sl_free(json);

	/* the encoder loads the written model, tokenizes exactly as the
	 * trainer did, and encodes to unit vectors */
	enc_model *m = NULL;
	assert_int_equal(enc_model_load_dir(a, &m), SEMLITE_OK);
	assert_int_equal(enc_dim(m), 16);
	assert_int_equal(enc_vocab_size(m), v.n);
	const char *t = "The guitar plays; a dog barks in the cold rain.";
	uint32_t ids[64], want[64];
	size_t n = 0, k = 0;
	assert_int_equal(enc_tokenize(m, t, strlen(t), ids, 64, &n), 0);
	const char *words[] = {"the", "guitar", "plays", ";",
	                       "a",   "dog",    "barks", "in",
	                       "the", "cold",   "rain",  "."};
	train_buf sc = {0};
	for (size_t i = 0; i < 12; i++) {
		uint32_t w[16];
		size_t nw =
		    train_wordpiece(&v, words[i], strlen(words[i]), &sc, w, 16);
		for (size_t j = 0; j < nw; j++)
			if (w[j] != TRAIN_UNK)
				want[k++] = w[j];
	}
	train_buf_free(&sc);
	assert_int_equal(n, k);
	assert_memory_equal(ids, want, n * sizeof *ids);
	float vec[16];
	assert_int_equal(enc_encode(m, t, strlen(t), vec), 0);
	double norm = 0;
	for (int i = 0; i < 16; i++)
		norm += (double)vec[i] * vec[i];
	assert_true(norm > 0.99 && norm < 1.01);
	enc_model_free(m);
	train_map_free(&v);
}

static double cosine(const float *a, const float *b, size_t d)
{
	double ab = 0, aa = 0, bb = 0;
	for (size_t i = 0; i < d; i++) {
		ab += (double)a[i] * b[i];
		aa += (double)a[i] * a[i];
		bb += (double)b[i] * b[i];
	}
	return ab / sqrt(aa * bb);
}

/* The built-in model embeds with no path, and means something. */
static void test_default_model(void **state)
{
	(void)state;
	semlite_encoder *e = NULL;
	assert_int_equal(semlite_encoder_open_default(&e), SEMLITE_OK);
	size_t d = semlite_encoder_dim(e);
	assert_true(d >= 64 && d <= 1024);
	const char *s[3] = {"a man is playing a guitar",
	                    "someone plays an instrument",
	                    "the stock market fell"};
	float *v = malloc(3 * d * sizeof *v);
	for (int i = 0; i < 3; i++)
		assert_int_equal(
		    semlite_encode(e, s[i], strlen(s[i]), v + (size_t)i * d, d),
		    SEMLITE_OK);
	double c01 = cosine(v, v + d, d), c02 = cosine(v, v + 2 * d, d);
	double c12 = cosine(v + d, v + 2 * d, d);
	if (!(c01 > c02 && c01 > c12))
		fail_msg("cos(guitar, instrument) %.3f, cos(guitar, market) "
		         "%.3f, cos(instrument, market) %.3f",
		         c01, c02, c12);
	free(v);
	semlite_encoder_free(e);

	/* the files a database stores for a default collection */
	enc_files f;
	assert_int_equal(enc_default_files(&f), SEMLITE_OK);
	assert_true(f.safetensors_len > 1000 && f.tokenizer_len > 1000);
	enc_model *m = NULL;
	assert_int_equal(enc_model_load_files(&f, &m), SEMLITE_OK);
	assert_int_equal(enc_dim(m), d);
	enc_model_free(m);
	enc_files_free(&f);
}

static void test_bad_opts(void **state)
{
	(void)state;
	semlite_train_opts o;
	semlite_train_opts_init(&o);
	assert_int_equal(semlite_train(&o), SEMLITE_INVALID);
	char corpus[512], out[512];
	path_in(corpus, sizeof corpus, "empty.txt");
	write_bytes(corpus, "\n\n", 2);
	path_in(out, sizeof out, "never");
	const char *files[] = {corpus};
	o.corpus = files;
	o.n_corpus = 1;
	o.out_dir = out;
	assert_int_equal(semlite_train(&o), SEMLITE_INVALID);
	assert_non_null(strstr(semlite_errmsg(), "empty"));
	o.dim = 512;
	o.train_dim = 256;
	o.mix = 1; /* learned vectors only: cannot widen them */
	assert_int_equal(semlite_train(&o), SEMLITE_INVALID);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/semlite-train-XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corpus_formats),
	    cmocka_unit_test(test_corpus_errors),
	    cmocka_unit_test(test_pretok),
	    cmocka_unit_test(test_wordpiece),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_bad_opts),
	    cmocka_unit_test(test_default_model),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
