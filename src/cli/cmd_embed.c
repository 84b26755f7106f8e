/*
 * cmd_embed.c — `semlite embed [--model PATH] TEXT...`: prints, per text,
 * a JSON array of the vector's floats (9 significant digits, enough to
 * round-trip a float32).
 *
 * Without --model it uses the built-in model through
 * semlite_encoder_open_default(), which the trainer's work provides. It is
 * referenced weakly so this command builds and runs (with a clear message)
 * in a build without it. Note for whoever adds it: a weak reference does
 * not pull an object out of the static library by itself, so the object
 * defining it must also be linked for another reason (or this reference
 * made strong once the function always exists).
 */
#include <stdlib.h>

#include "cli/cmd_encoder.h"

int semlite_encoder_open_default(semlite_encoder **out) __attribute__((weak));

typedef struct embed_ctx {
	semlite_encoder *enc;
	float *vec;
	size_t dim;
} embed_ctx;

static int print_vec(void *ctx, const char *text, size_t len)
{
	embed_ctx *e = ctx;
	int rc = semlite_encode(e->enc, text, len, e->vec, e->dim);
	if (rc)
		return cli_fail("embed", rc, "cannot encode");
	putchar('[');
	for (size_t i = 0; i < e->dim; i++) {
		if (i)
			fputs(", ", stdout);
		cli_json_float(stdout, e->vec[i]);
	}
	puts("]");
	return 0;
}

static const char usage[] =
    "usage: semlite embed [--model PATH] [--input FILE] [TEXT...]\n"
    "\n"
    "Prints, for each TEXT (then each line of FILE, '-' for stdin), one\n"
    "line: a JSON array with the text's embedding. PATH is a Model2Vec\n"
    "model directory; without --model the built-in model is used.\n";

static int open_encoder(const cli_enc_args *a, semlite_encoder **enc)
{
	int rc;
	if (a->model) {
		if ((rc = semlite_encoder_open(a->model, enc)))
			return cli_fail("embed", rc, "cannot open %s",
			                a->model);
	} else if (!semlite_encoder_open_default) {
		fprintf(stderr, "semlite embed: no --model given and no "
		                "built-in model in this build\n");
		return 1;
	} else if ((rc = semlite_encoder_open_default(enc))) {
		return cli_fail("embed", rc, "cannot open the built-in model");
	}
	if (!semlite_encoder_dim(*enc)) {
		fprintf(stderr,
		        "semlite embed: %s is a tokenizer only; give a "
		        "model directory\n",
		        a->model ? a->model : "the built-in model");
		return 1;
	}
	return 0;
}

int cli_cmd_embed(int argc, char **argv)
{
	cli_enc_args a;
	embed_ctx e = {0};
	int rc = cli_enc_parse(argc, argv, usage, &a);
	if (rc) {
		free(a.texts);
		return rc < 0 ? 0 : rc;
	}
	if (!(rc = open_encoder(&a, &e.enc))) {
		e.dim = semlite_encoder_dim(e.enc);
		e.vec = malloc(e.dim * sizeof *e.vec);
		if (!e.vec) {
			fprintf(stderr, "semlite embed: out of memory\n");
			rc = 1;
		} else {
			rc = cli_enc_each("embed", &a, print_vec, &e);
		}
	}
	free(e.vec);
	semlite_encoder_free(e.enc);
	free(a.texts);
	return rc;
}
