/*
 * cmd_encoder.h — what `semlite embed` and `semlite tokenize` share: their
 * argument syntax (--model PATH, --input FILE, TEXT...) and the loop over
 * the texts.
 */
#ifndef SL_CMD_ENCODER_H
#define SL_CMD_ENCODER_H

#include "cli/cli.h"

typedef struct cli_enc_args {
	const char *model; /* NULL when not given */
	const char *input; /* NULL when not given; "-" is stdin */
	char **texts;
	int ntexts;
} cli_enc_args;

/* Parses argv (argv[0] is the command). Returns 0, 2 after a usage error,
 * or -1 after printing help. */
int cli_enc_parse(int argc, char **argv, const char *usage, cli_enc_args *a);

/* Calls fn(ctx, text, len) for every TEXT, then every line of --input.
 * Stops at the first nonzero return and returns it (1 on read errors). */
int cli_enc_each(const char *cmd, const cli_enc_args *a,
                 int (*fn)(void *ctx, const char *text, size_t len), void *ctx);

int cli_cmd_embed(int argc, char **argv);
int cli_cmd_tokenize(int argc, char **argv);

#endif
