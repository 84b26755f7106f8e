/*
 * cmd_tokenize.c — `semlite tokenize --model PATH TEXT...`: prints, per
 * text, a JSON array of the token ids the encoder averages (unk_token ids
 * dropped, at most 512). PATH is a model directory or a tokenizer.json.
 *
 * Also holds the argument parsing and text loop that `semlite embed`
 * shares (cmd_encoder.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_encoder.h"

int cli_enc_parse(int argc, char **argv, const char *usage, cli_enc_args *a)
{
	memset(a, 0, sizeof *a);
	a->texts = calloc((size_t)argc + 1, sizeof *a->texts);
	if (!a->texts)
		return cli_usage(argv[0], "out of memory");
	bool opts = true;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (opts && (!strcmp(s, "--help") || !strcmp(s, "-h"))) {
			printf("%s", usage);
			return -1;
		}
		if (opts && !strcmp(s, "--")) {
			opts = false;
		} else if (opts &&
		           (!strcmp(s, "--model") || !strcmp(s, "--input"))) {
			if (i + 1 >= argc)
				return cli_usage(argv[0], "%s needs a value",
				                 s);
			*(s[2] == 'm' ? &a->model : &a->input) = argv[++i];
		} else if (opts && s[0] == '-' && s[1] == '-') {
			return cli_usage(argv[0], "unknown option %s", s);
		} else {
			a->texts[a->ntexts++] = argv[i];
		}
	}
	if (!a->ntexts && !a->input)
		return cli_usage(argv[0],
		                 "give TEXT arguments or --input FILE");
	return 0;
}

static int each_line(const char *cmd, const char *path,
                     int (*fn)(void *, const char *, size_t), void *ctx)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "semlite %s: cannot open %s\n", cmd, path);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	while (!rc && (n = getline(&line, &cap, f)) >= 0) {
		size_t len = (size_t)n;
		if (len && line[len - 1] == '\n')
			len--;
		if (len && line[len - 1] == '\r')
			len--;
		rc = fn(ctx, line, len);
	}
	if (!rc && ferror(f)) {
		fprintf(stderr, "semlite %s: error reading %s\n", cmd, path);
		rc = 1;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

int cli_enc_each(const char *cmd, const cli_enc_args *a,
                 int (*fn)(void *ctx, const char *text, size_t len), void *ctx)
{
	for (int i = 0; i < a->ntexts; i++) {
		int rc = fn(ctx, a->texts[i], strlen(a->texts[i]));
		if (rc)
			return rc;
	}
	return a->input ? each_line(cmd, a->input, fn, ctx) : 0;
}

static int print_ids(void *ctx, const char *text, size_t len)
{
	uint32_t ids[SEMLITE_ENCODER_MAX_TOKENS];
	size_t n;
	int rc = semlite_tokenize(ctx, text, len, ids,
	                          SEMLITE_ENCODER_MAX_TOKENS, &n);
	if (rc)
		return cli_fail("tokenize", rc, "cannot tokenize");
	putchar('[');
	for (size_t i = 0; i < n; i++)
		printf(i ? ", %u" : "%u", (unsigned)ids[i]);
	puts("]");
	return 0;
}

static const char usage[] =
    "usage: semlite tokenize --model PATH [--input FILE] [TEXT...]\n"
    "\n"
    "Prints, for each TEXT (then each line of FILE, '-' for stdin), one\n"
    "line: a JSON array of the token ids the encoder averages (unknown\n"
    "tokens dropped, at most 512). PATH is a model directory or a\n"
    "tokenizer.json file.\n";

int cli_cmd_tokenize(int argc, char **argv)
{
	cli_enc_args a;
	int rc = cli_enc_parse(argc, argv, usage, &a);
	if (rc) {
		free(a.texts);
		return rc < 0 ? 0 : rc;
	}
	semlite_encoder *enc = NULL;
	if (!a.model)
		rc = cli_usage("tokenize", "--model PATH is required");
	else if ((rc = semlite_encoder_open(a.model, &enc)))
		rc = cli_fail("tokenize", rc, "cannot open %s", a.model);
	else
		rc = cli_enc_each("tokenize", &a, print_ids, enc);
	semlite_encoder_free(enc);
	free(a.texts);
	return rc;
}
