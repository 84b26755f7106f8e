/*
 * bench_encoder.c — how fast the built-in encoder is, single-threaded.
 *
 *   bench_encoder [--shared DIR] [--seed N] [--reps R]
 *
 * Model: the genuine potion-base-8M tokenizer.json (29,528-token BERT
 * WordPiece) with a RANDOM 29,528 x 256 float32 table (seeded; the real
 * weights are not available here). Speed does not depend on the values.
 * The model is written to a temporary directory as config.json +
 * tokenizer.json + model.safetensors and loaded the way users load one.
 *
 * Corpora: every sentence of the STS Benchmark (train/dev/test, fields 5
 * and 6 of each tab-separated line) and the SciFact corpus (title + " " +
 * text). Each corpus is encoded `reps` times; the best pass is reported.
 *
 * Stage shares come from re-running the tokenizer stopped after each
 * stage: decode + normalization, + pre-tokenization, + WordPiece (the full
 * tokenizer); pooling is encode minus tokenize.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/common.h"
#include "encoder/enc_model.h"

#define ROWS 29528
#define DIM  256

typedef struct corpus {
	char **text;
	size_t *len;
	size_t n, cap, bytes;
} corpus;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void add(corpus *c, const char *s, size_t len)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->text = realloc(c->text, c->cap * sizeof *c->text);
		c->len = realloc(c->len, c->cap * sizeof *c->len);
	}
	c->text[c->n] = strndup(s, len);
	c->len[c->n++] = len;
	c->bytes += len;
}

static void read_sts(const char *shared, corpus *c)
{
	static const char *files[] = {"sts-train.csv", "sts-dev.csv",
	                              "sts-test.csv"};
	for (int f = 0; f < 3; f++) {
		char path[4096], *line = NULL;
		size_t cap = 0;
		snprintf(path, sizeof path, "%s/data/sts/stsbenchmark/%s",
		         shared, files[f]);
		FILE *fp = fopen(path, "r");
		if (!fp) {
			fprintf(stderr, "cannot open %s\n", path);
			exit(1);
		}
		while (getline(&line, &cap, fp) > 0) {
			char *field[8] = {0};
			int k = 0;
			for (char *p = line; k < 8 && p; k++) {
				field[k] = p;
				p = strchr(p, '\t');
				if (p)
					*p++ = 0;
			}
			for (int i = 5; i <= 6 && i < k; i++) {
				size_t l = strcspn(field[i], "\r\n");
				add(c, field[i], l);
			}
		}
		free(line);
		fclose(fp);
	}
}

static void read_scifact(const char *shared, corpus *c)
{
	char path[4096], *line = NULL;
	size_t cap = 0;
	snprintf(path, sizeof path, "%s/data/scifact/corpus.jsonl", shared);
	FILE *fp = fopen(path, "r");
	if (!fp) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(1);
	}
	while (getline(&line, &cap, fp) > 0) {
		cJSON *j = cJSON_Parse(line);
		const char *t =
		    cJSON_GetStringValue(cJSON_GetObjectItem(j, "title"));
		const char *x =
		    cJSON_GetStringValue(cJSON_GetObjectItem(j, "text"));
		if (t && x) {
			size_t lt = strlen(t), lx = strlen(x);
			char *s = malloc(lt + lx + 2);
			memcpy(s, t, lt);
			s[lt] = ' ';
			memcpy(s + lt + 1, x, lx + 1);
			add(c, s, lt + 1 + lx);
			free(s);
		}
		cJSON_Delete(j);
	}
	free(line);
	fclose(fp);
}

static void write_file(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b, 1, n, f) != n) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
	fclose(f);
}

/* A model directory with the potion tokenizer and a random table. */
static void make_model(const char *shared, const char *dir, uint64_t seed)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/models/potion-base-8M/tokenizer.json",
	         shared);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	size_t n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	char *tok = malloc(n);
	if (fread(tok, 1, n, f) != n)
		exit(1);
	fclose(f);
	snprintf(path, sizeof path, "%s/tokenizer.json", dir);
	write_file(path, tok, n);
	free(tok);
	const char *cfg =
	    "{\"model_type\": \"model2vec\", \"normalize\": true}";
	snprintf(path, sizeof path, "%s/config.json", dir);
	write_file(path, cfg, strlen(cfg));
	char hdr[256];
	size_t data = (size_t)ROWS * DIM * 4;
	int hl =
	    snprintf(hdr, sizeof hdr,
	             "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[%d,%d],"
	             "\"data_offsets\":[0,%zu]}}",
	             ROWS, DIM, data);
	uint8_t *b = malloc(8 + (size_t)hl + data);
	sl_store_u64le(b, (uint64_t)hl);
	memcpy(b + 8, hdr, (size_t)hl);
	sl_rng rng;
	sl_rng_seed(&rng, seed);
	float *v = (float *)(void *)(b + 8 + hl);
	for (size_t i = 0; i < (size_t)ROWS * DIM; i++) {
		float x = (float)(sl_rng_uniform(&rng) * 2 - 1);
		memcpy((uint8_t *)v + 4 * i, &x, 4);
	}
	snprintf(path, sizeof path, "%s/model.safetensors", dir);
	write_file(path, b, 8 + (size_t)hl + data);
	free(b);
}

/* Seconds for the best of reps passes of one stage over the corpus;
 * stage -1 = full encode, 0..2 = tok_encode_upto's stages. */
static double run(const enc_model *m, const corpus *c, int stage, int reps,
                  size_t *tokens)
{
	static float out[DIM];
	static uint32_t ids[ENC_MAX_TOKENS];
	double best = 1e30;
	size_t maxc = enc_max_chars(m, ENC_MAX_TOKENS);
	for (int r = 0; r < reps; r++) {
		size_t toks = 0;
		double t0 = now();
		for (size_t i = 0; i < c->n; i++) {
			size_t n = 0;
			if (stage < 0) {
				if (enc_encode(m, c->text[i], c->len[i], out))
					exit(1);
			} else if (tok_encode_upto(m->tok, c->text[i],
			                           c->len[i], maxc, ids,
			                           ENC_MAX_TOKENS, &n, stage)) {
				exit(1);
			}
			toks += n;
		}
		double t = now() - t0;
		best = t < best ? t : best;
		if (tokens && stage == 0)
			*tokens = toks;
	}
	return best;
}

static void report(const char *name, const enc_model *m, const corpus *c,
                   int reps)
{
	size_t tokens = 0;
	double enc = run(m, c, -1, reps, NULL);
	double tok = run(m, c, 0, reps, &tokens);
	double pre = run(m, c, 2, reps, NULL);
	double norm = run(m, c, 1, reps, NULL);
	printf("| %s | %zu | %.1f | %.0f | %.2f | %.0f | %.1f%% | %.1f%% | "
	       "%.1f%% | %.1f%% |\n",
	       name, c->n, (double)c->bytes / c->n, tokens / (double)c->n,
	       enc * 1e3, c->n / enc, 100 * norm / enc,
	       100 * (pre - norm) / enc, 100 * (tok - pre) / enc,
	       100 * (enc - tok) / enc);
	printf("|  tokens/s: %.0f |\n", tokens / enc);
}

int main(int argc, char **argv)
{
	const char *shared = SEMLITE_SHARED_DEFAULT;
	uint64_t seed = 42;
	int reps = 5;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--shared"))
			shared = argv[i + 1];
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--reps"))
			reps = atoi(argv[i + 1]);
	}
	char dir[] = "/tmp/semlite_bench_enc_XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	make_model(shared, dir, seed);
	printf("seed %llu, reps %d, model: potion-base-8M tokenizer + random "
	       "%d x %d f32 table\n",
	       (unsigned long long)seed, reps, ROWS, DIM);
	double best = 1e30, sum = 0, cbest = 1e30, csum = 0;
	enc_model *m = NULL;
	for (int i = 0; i < 10; i++) {
		enc_model_free(m);
		double t0 = now(), c0 = cpu();
		if (enc_model_load_dir(dir, &m)) {
			fprintf(stderr, "load: %s\n", sl_errmsg());
			return 1;
		}
		double t = now() - t0, c = cpu() - c0;
		best = t < best ? t : best;
		cbest = c < cbest ? c : cbest;
		sum += t;
		csum += c;
	}
	printf("model load (29,528 x 256 f32, 30.2 MB + 684 KB tokenizer), "
	       "10 loads: wall best %.1f ms, mean %.1f ms; CPU best %.1f ms, "
	       "mean %.1f ms\n",
	       best * 1e3, sum / 10 * 1e3, cbest * 1e3, csum / 10 * 1e3);
	corpus sts = {0}, sci = {0};
	read_sts(shared, &sts);
	read_scifact(shared, &sci);
	printf("| corpus | texts | bytes/text | ids/text | encode ms | "
	       "texts/s | normalize | pre-tokenize | WordPiece | pooling |\n"
	       "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	report("STS Benchmark", m, &sts, reps);
	report("SciFact corpus", m, &sci, reps);
	enc_model_free(m);
	char p[4200];
	const char *files[] = {"tokenizer.json", "config.json",
	                       "model.safetensors"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}
