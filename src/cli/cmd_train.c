/*
 * cmd_train.c — `semlite train`: trains a static encoder from corpora.
 *
 * A thin shell over semlite_train(): parse flags into semlite_train_opts,
 * draw a one-line progress display on stderr when it is a terminal, and
 * report the result. All training logic lives in the library so that
 * programs can train without the CLI.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: semlite train --corpus FILE... --out DIR [options]\n"
    "\n"
    "Trains a static (Model2Vec-layout) encoder from text. Corpus files\n"
    "are plain text (one paragraph per line) or JSON Lines with a \"text\"\n"
    "field (*.jsonl); either may be zstd-compressed (*.zst).\n"
    "\n"
    "  --corpus FILE...    corpus files (repeatable; several per flag)\n"
    "  --out DIR           output directory (created if absent)\n"
    "  --tokenizer FILE    use this WordPiece tokenizer.json instead of\n"
    "                      learning a vocabulary\n"
    "  --vocab-size N      pieces to learn (32768)\n"
    "  --dim D             output dimension (256)\n"
    "  --train-dim D       skip-gram dimension before PCA (= --dim)\n"
    "  --epochs E          passes over the corpus (5)\n"
    "  --threads T         threads (1; more is faster, not reproducible)\n"
    "  --seed S            random seed (0)\n"
    "  --window W          skip-gram window (5)\n"
    "  --negative K        negative samples (5)\n"
    "  --sample T          subsampling threshold, e.g. 1e-4\n"
    "  --lr X              starting learning rate (0.025)\n"
    "  --sif A             SIF weight a/(a+p(w)) (1e-3); 0 or less: off\n"
    "  --common N          common components to remove (1); 0: none\n"
    "  --word-frac F       share of the vocabulary that is whole words\n"
    "  --mix F             share of the learned vector per row (0.4);\n"
    "                      the rest is a random per-token vector\n"
    "  --mix-k K           learned share grows as count/(count+K) (100)\n"
    "  --unit-rows         normalize vectors before weighting\n"
    "  --add-context       rows = input + output vectors\n"
    "  --max-words N       read at most N words (quick experiments)\n"
    "  --dtype f32|f16|i8  table type (f32)\n";

typedef struct progress_ui {
	time_t last;
	const char *stage;
} progress_ui;

static void on_progress(void *ctx, const char *stage, double done, double rate,
                        double loss, double eta)
{
	progress_ui *ui = ctx;
	time_t now = time(NULL);
	if (ui->stage == stage && now == ui->last)
		return;
	ui->last = now;
	ui->stage = stage;
	if (rate > 0)
		fprintf(stderr,
		        "\r%-10s %5.1f%%  %8.0f tokens/s  loss %.4f  ETA "
		        "%4.0fs   ",
		        stage, done * 100, rate, loss, eta);
	else
		fprintf(stderr, "\r%-10s ...%40s", stage, "");
	fflush(stderr);
}

static bool parse_double(const char *s, double *out)
{
	char *end;
	if (!s || !*s)
		return false;
	*out = strtod(s, &end);
	return !*end;
}

/* Parses one flag at argv[*i]; returns 0, or 2 on a usage error. */
static int parse_flag(int argc, char **argv, int *i, semlite_train_opts *o,
                      const char **corpus, size_t *nc)
{
	const char *f = argv[*i];
	long v = 0;
	double d = 0;
	if (!strcmp(f, "--unit-rows"))
		return o->unit_rows = 1, 0;
	if (!strcmp(f, "--add-context"))
		return o->add_context = 1, 0;
	if (*i + 1 >= argc)
		return cli_usage("train", "%s needs a value", f);
	const char *a = argv[++*i];
	if (!strcmp(f, "--corpus")) {
		corpus[(*nc)++] = a;
		while (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2))
			corpus[(*nc)++] = argv[++*i];
	} else if (!strcmp(f, "--out")) {
		o->out_dir = a;
	} else if (!strcmp(f, "--tokenizer")) {
		o->tokenizer = a;
	} else if (!strcmp(f, "--dtype")) {
		if (!strcmp(a, "f32"))
			o->dtype = SEMLITE_DTYPE_F32;
		else if (!strcmp(a, "f16"))
			o->dtype = SEMLITE_DTYPE_F16;
		else if (!strcmp(a, "i8"))
			o->dtype = SEMLITE_DTYPE_I8;
		else
			return cli_usage("train", "--dtype: f32, f16 or i8");
	} else if (!strcmp(f, "--sample") || !strcmp(f, "--lr") ||
	           !strcmp(f, "--sif") || !strcmp(f, "--word-frac") ||
	           !strcmp(f, "--mix") || !strcmp(f, "--mix-k")) {
		if (!parse_double(a, &d))
			return cli_usage("train", "%s: not a number: %s", f, a);
		if (!strcmp(f, "--sample"))
			o->sample = d > 0 ? d : -1;
		else if (!strcmp(f, "--lr"))
			o->lr = d;
		else if (!strcmp(f, "--sif"))
			o->sif_a = d > 0 ? d : -1;
		else if (!strcmp(f, "--mix"))
			o->mix = d;
		else if (!strcmp(f, "--mix-k"))
			o->mix_k = d > 0 ? d : -1;
		else
			o->word_frac = d;
	} else {
		if (!cli_parse_long(a, 0, 1L << 40, &v))
			return cli_usage("train", "%s: bad value %s", f, a);
		if (!strcmp(f, "--vocab-size"))
			o->vocab_size = (size_t)v;
		else if (!strcmp(f, "--dim"))
			o->dim = (size_t)v;
		else if (!strcmp(f, "--train-dim"))
			o->train_dim = (size_t)v;
		else if (!strcmp(f, "--epochs"))
			o->epochs = (unsigned)v;
		else if (!strcmp(f, "--threads"))
			o->threads = (unsigned)v;
		else if (!strcmp(f, "--seed"))
			o->seed = (uint64_t)v;
		else if (!strcmp(f, "--window"))
			o->window = (unsigned)v;
		else if (!strcmp(f, "--negative"))
			o->negative = (unsigned)v;
		else if (!strcmp(f, "--common")) {
			o->n_common = (unsigned)v;
			o->keep_common = v == 0;
		} else if (!strcmp(f, "--max-words"))
			o->max_words = (size_t)v;
		else
			return cli_usage("train", "unknown option %s", f);
	}
	return 0;
}

int cli_cmd_train(int argc, char **argv);

int cli_cmd_train(int argc, char **argv)
{
	semlite_train_opts o;
	semlite_train_opts_init(&o);
	const char **corpus = calloc((size_t)argc + 1, sizeof *corpus);
	size_t nc = 0;
	int ret = 0;
	if (!corpus)
		return cli_fail("train", SEMLITE_NOMEM, "arguments");
	for (int i = 1; i < argc && !ret; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			goto out;
		}
		ret = parse_flag(argc, argv, &i, &o, corpus, &nc);
	}
	if (!ret && (!nc || !o.out_dir))
		ret = cli_usage("train", "--corpus and --out are required");
	if (ret)
		goto out;
	o.corpus = corpus;
	o.n_corpus = nc;
	progress_ui ui = {0};
	if (cli_stderr_is_tty()) {
		o.progress = on_progress;
		o.progress_ctx = &ui;
	}
	time_t t0 = time(NULL);
	int rc = semlite_train(&o);
	if (o.progress)
		fputs("\n", stderr);
	if (rc) {
		ret = cli_fail("train", rc, "training failed");
		goto out;
	}
	fprintf(stderr, "semlite train: wrote %s (%lds)\n", o.out_dir,
	        (long)(time(NULL) - t0));
out:
	free(corpus);
	return ret;
}
