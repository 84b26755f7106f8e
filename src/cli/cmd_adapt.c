/*
 * cmd_adapt.c — `semlite adapt DB`: continues training a collection's
 * encoder on its own documents, then re-encodes them (one transaction).
 *
 * A thin shell over semlite_collection_adapt(): flags into
 * semlite_adapt_opts (defaults from semlite_adapt_opts_init, so the CLI
 * and the library agree), a one-line progress display on stderr when it
 * is a terminal, and a summary line with the model's pin before and after.
 */
#include "cli/dbutil.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_cmd_adapt(int argc, char **argv);

static const char usage[] =
    "usage: semlite adapt DB [options]\n"
    "\n"
    "Continues training the collection's encoder on the collection's own\n"
    "documents, then re-encodes every document and rebuilds the index in\n"
    "one transaction (readers keep the old snapshot until the commit).\n"
    "\n"
    "  --collection C   collection (default)\n"
    "  --epochs E       skip-gram passes over the documents (5; only\n"
    "                   with --mix above 0)\n"
    "  --threads T      skip-gram threads (1; more is faster, not\n"
    "                   reproducible)\n"
    "  --seed S         random seed (42)\n"
    "  --add-vocab N    add up to N frequent words of the documents as\n"
    "                   tokens of their own (5000)\n"
    "  --min-count N    an added word occurs at least N times (5)\n"
    "  --window W       skip-gram window (5)\n"
    "  --train-dim D    skip-gram dimension (128)\n"
    "  --init-model     start skip-gram from the model's vectors\n"
    "  --mix F          share of the skip-gram vector per token (0:\n"
    "                   no skip-gram)\n"
    "  --mix-k K        the share grows as count/(count+K) (100)\n"
    "  --sif A          SIF weight a/(a+p) over the documents (3e-5);\n"
    "                   0: off\n"
    "  --common N       common components to remove (1)\n"
    "  --lsa-dim K      columns given to topics: LSA of which tokens\n"
    "                   share documents (192; 0: none)\n"
    "  --lsa-share F    the topics' share of a row (0.7)\n"
    "  --lsa-iters N    LSA subspace iterations (4)\n"
    "  --lsa-power P    topic columns x singular value^P (0)\n";

typedef struct progress_ui {
	time_t last;
	const char *stage;
} progress_ui;

static void on_progress(void *ctx, const char *stage, double done, double rate,
                        double loss, double eta)
{
	progress_ui *ui = ctx;
	time_t now = time(NULL);
	if (ui->stage == stage && now == ui->last && done < 1)
		return;
	ui->last = now;
	ui->stage = stage;
	if (rate > 0)
		fprintf(stderr,
		        "\r%-10s %5.1f%%  %8.0f tokens/s  loss %.4f  ETA "
		        "%4.0fs   ",
		        stage, done * 100, rate, loss, eta);
	else if (done > 0)
		fprintf(stderr, "\r%-10s %5.1f%%%40s", stage, done * 100, "");
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
static int parse_flag(int argc, char **argv, int *i, semlite_adapt_opts *o,
                      const char **coll)
{
	const char *f = argv[*i];
	long v = 0;
	double d = 0;
	if (!strcmp(f, "--init-model"))
		return o->init_model = 1, 0;
	if (*i + 1 >= argc)
		return cli_usage("adapt", "%s needs a value", f);
	const char *a = argv[++*i];
	if (!strcmp(f, "--collection")) {
		*coll = a;
	} else if (!strcmp(f, "--mix") || !strcmp(f, "--mix-k") ||
	           !strcmp(f, "--sif") || !strcmp(f, "--lsa-share") ||
	           !strcmp(f, "--lsa-power")) {
		if (!parse_double(a, &d))
			return cli_usage("adapt", "%s: not a number: %s", f, a);
		if (!strcmp(f, "--mix"))
			o->mix = d;
		else if (!strcmp(f, "--mix-k"))
			o->mix_k = d;
		else if (!strcmp(f, "--sif"))
			o->sif_a = d;
		else if (!strcmp(f, "--lsa-share"))
			o->lsa_share = d;
		else
			o->lsa_power = d;
	} else if (!cli_parse_long(a, 0, 1L << 40, &v)) {
		return cli_usage("adapt", "%s: not a number: %s", f, a);
	} else if (!strcmp(f, "--epochs")) {
		o->epochs = (unsigned)(v > 1000 ? 1001 : v);
	} else if (!strcmp(f, "--threads")) {
		o->threads = (unsigned)(v > 256 ? 257 : v);
	} else if (!strcmp(f, "--seed")) {
		o->seed = (uint64_t)v;
	} else if (!strcmp(f, "--add-vocab")) {
		o->add_vocab = (size_t)v;
	} else if (!strcmp(f, "--min-count")) {
		o->min_count = (unsigned)(v > 1000000 ? 1000000 : v);
	} else if (!strcmp(f, "--window")) {
		o->window = (unsigned)(v > 64 ? 65 : v);
	} else if (!strcmp(f, "--train-dim")) {
		o->train_dim = (size_t)v;
	} else if (!strcmp(f, "--common")) {
		o->n_common = (unsigned)(v > 100000 ? 100000 : v);
	} else if (!strcmp(f, "--lsa-dim")) {
		o->lsa_dim = (size_t)v;
	} else if (!strcmp(f, "--lsa-iters")) {
		o->lsa_iters = (unsigned)(v > 1000 ? 1001 : v);
	} else {
		return cli_usage("adapt", "unknown option %s", f);
	}
	return 0;
}

static int model_hash(semlite_collection *c, uint64_t *h)
{
	semlite_collection_stats s;
	int rc = semlite_collection_stats_get(c, &s);
	*h = rc ? 0 : s.model_hash;
	return rc;
}

int cli_cmd_adapt(int argc, char **argv)
{
	semlite_adapt_opts o;
	semlite_adapt_opts_init(&o);
	const char *path = NULL, *coll = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		if (strncmp(argv[i], "--", 2)) {
			if (path)
				return cli_usage("adapt", "one DB only");
			path = argv[i];
			continue;
		}
		int rc = parse_flag(argc, argv, &i, &o, &coll);
		if (rc)
			return rc;
	}
	if (!path)
		return cli_usage("adapt", "a database path is required");
	semlite_db *db = NULL;
	semlite_collection *c = NULL;
	if (cli_open("adapt", path, 0, coll, &db, &c))
		return 1;
	progress_ui ui = {0};
	if (cli_stderr_is_tty()) {
		o.progress = on_progress;
		o.progress_ctx = &ui;
	}
	uint64_t before = 0, after = 0;
	double t0 = cli_now();
	int rc = model_hash(c, &before);
	if (!rc)
		rc = semlite_collection_adapt(c, &o);
	if (o.progress)
		fputs("\n", stderr);
	if (!rc)
		rc = model_hash(c, &after);
	int ret = 0;
	if (rc)
		ret = cli_fail("adapt", rc, "collection '%s'",
		               coll ? coll : "default");
	else
		printf("adapted collection '%s' in %.1f s: model %016" PRIx64
		       " -> %016" PRIx64 "\n",
		       coll ? coll : "default", cli_now() - t0, before, after);
	semlite_collection_close(c);
	semlite_close(db);
	return ret;
}
