/*
 * eval_encoder.c — scores a static encoder on STS Benchmark (test), SICK-R
 * (all pairs) and SciFact (test queries, nDCG@10), next to the published
 * figures of potion-base-8M and all-MiniLM-L6-v2 (../shared/data/SOURCES.md).
 *
 * usage: eval_encoder [--model DIR] [--shared DIR] [--trainer-tok]
 *
 * Without --model the built-in default model (semlite-base) is scored.
 * Encoding goes through the library's encoder (enc_model_load_*,
 * enc_encode); --trainer-tok instead encodes with the trainer's own
 * BERT pre-tokenizer and WordPiece (a cross-check that the two agree, and
 * what the trainer's experiments used before the encoder existed).
 *
 * Metrics follow MTEB: Spearman rank correlation (ties get their average
 * rank) of cosine similarity against the gold scores, x100; nDCG@10 with
 * binary relevance over an exact search of the whole corpus (title + " " +
 * text), averaged over the queries that have judgments.
 */
#include "eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double *sort_vals;

static int cmp_idx(const void *a, const void *b)
{
	double x = sort_vals[*(const size_t *)a];
	double y = sort_vals[*(const size_t *)b];
	return (x > y) - (x < y);
}

static void ranks(const double *v, size_t n, double *r)
{
	size_t *idx = malloc(n * sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_vals = v;
	qsort(idx, n, sizeof *idx, cmp_idx);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && v[idx[j + 1]] == v[idx[i]])
			j++;
		for (size_t k = i; k <= j; k++)
			r[idx[k]] = (double)(i + j) / 2.0 + 1;
		i = j + 1;
	}
	free(idx);
}

double eval_spearman(const double *a, const double *b, size_t n)
{
	double *ra = malloc(n * sizeof *ra), *rb = malloc(n * sizeof *rb);
	ranks(a, n, ra);
	ranks(b, n, rb);
	double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
	for (size_t i = 0; i < n; i++) {
		ma += ra[i];
		mb += rb[i];
	}
	ma /= (double)n;
	mb /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sab += (ra[i] - ma) * (rb[i] - mb);
		saa += (ra[i] - ma) * (ra[i] - ma);
		sbb += (rb[i] - mb) * (rb[i] - mb);
	}
	free(ra);
	free(rb);
	return sab / sqrt(saa * sbb);
}

static double cosine(const float *a, const float *b, size_t d)
{
	double ab = 0, aa = 0, bb = 0;
	for (size_t i = 0; i < d; i++) {
		ab += (double)a[i] * b[i];
		aa += (double)a[i] * a[i];
		bb += (double)b[i] * b[i];
	}
	return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

/* Splits line (modified) on tabs into at most max fields. */
static size_t split_tabs(char *line, char **f, size_t max)
{
	size_t n = 0;
	while (n < max) {
		f[n++] = line;
		char *t = strchr(line, '\t');
		if (!t)
			break;
		*t = 0;
		line = t + 1;
	}
	return n;
}

static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = 0;
}

/* STS-style file: score field `sc`, sentences `s1`, `s2`; skip_header. */
static double eval_pairs(eval_model *m, const char *path, int sc, int s1,
                         int s2, int header, size_t *npairs)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "eval_encoder: cannot open %s\n", path);
		exit(77);
	}
	size_t cap = 16384, n = 0, d = m->dim;
	double *gold = malloc(cap * sizeof *gold),
	       *sim = malloc(cap * sizeof *sim);
	float *va = malloc(d * sizeof *va), *vb = malloc(d * sizeof *vb);
	char *line = NULL;
	size_t lcap = 0;
	while (getline(&line, &lcap, f) > 0) {
		chomp(line);
		if (header) {
			header = 0;
			continue;
		}
		char *fl[16];
		size_t nf = split_tabs(line, fl, 16);
		if ((size_t)s2 >= nf || n == cap)
			continue;
		gold[n] = atof(fl[sc]);
		m->encode(m, fl[s1], strlen(fl[s1]), va);
		m->encode(m, fl[s2], strlen(fl[s2]), vb);
		sim[n++] = cosine(va, vb, d);
	}
	free(line);
	fclose(f);
	double r = eval_spearman(sim, gold, n) * 100;
	*npairs = n;
	free(gold);
	free(sim);
	free(va);
	free(vb);
	return r;
}

int main(int argc, char **argv)
{
	const char *model = NULL, *shared = getenv("SEMLITE_SHARED");
	int trainer_tok = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--model") && i + 1 < argc)
			model = argv[++i];
		else if (!strcmp(argv[i], "--shared") && i + 1 < argc)
			shared = argv[++i];
		else if (!strcmp(argv[i], "--trainer-tok"))
			trainer_tok = 1;
		else {
			fprintf(stderr, "usage: eval_encoder [--model DIR] "
			                "[--shared DIR] [--trainer-tok]\n");
			return 2;
		}
	}
	if (!shared)
		shared = SEMLITE_SHARED_DEFAULT;
	eval_model m;
	if (eval_model_open(&m, model, trainer_tok))
		return 1;
	char p[4096];
	size_t n1, n2, nq;
	snprintf(p, sizeof p, "%s/data/sts/stsbenchmark/sts-test.csv", shared);
	double sts = eval_pairs(&m, p, 4, 5, 6, 0, &n1);
	snprintf(p, sizeof p, "%s/data/sts/sick/SICK.txt", shared);
	double sick = eval_pairs(&m, p, 4, 1, 2, 1, &n2);
	snprintf(p, sizeof p, "%s/data/scifact", shared);
	double ndcg = eval_scifact(&m, p, &nq);
	printf("model: %s (dim %zu, %s)\n",
	       model ? model : "semlite-base (built in)", m.dim,
	       trainer_tok ? "trainer tokenizer" : "encoder");
	printf("%-22s %10s %10s %12s\n", "", "STS-B", "SICK-R", "SciFact");
	printf("%-22s %10s %10s %12s\n", "", "Spearman", "Spearman", "nDCG@10");
	printf("%-22s %10.2f %10.2f %12.4f\n", "this model", sts, sick, ndcg);
	printf("%-22s %10.2f %10.2f %12.4f\n", "potion-base-8M", 75.41, 64.68,
	       0.5064);
	printf("%-22s %10.2f %10.2f %12.4f\n", "all-MiniLM-L6-v2", 82.03, 77.58,
	       0.6451);
	printf("(pairs: STS-B %zu, SICK-R %zu; SciFact queries %zu)\n", n1, n2,
	       nq);
	eval_model_close(&m);
	return 0;
}
