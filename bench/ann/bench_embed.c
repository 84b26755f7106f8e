/*
 * bench_embed.c — encodes text lines with the built-in default model into
 * an .fvecs file, for the ANN benchmark on real text embeddings (the
 * Gutenberg paragraphs; see gutenberg.sh). One text per input line
 * (newline-free paragraphs), vectors as the model gives them (the
 * collection normalizes for cosine).
 *
 *   bench_embed OUT.fvecs < lines.txt
 *
 * Through the public API only (semlite_encoder_open_default,
 * semlite_encode), as an application would do it.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "semlite.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bench_embed OUT.fvecs < lines.txt\n");
		return 2;
	}
	semlite_encoder *enc;
	int rc = semlite_encoder_open_default(&enc);
	if (rc) {
		fprintf(stderr, "default model: %s (%s)\n", semlite_errstr(rc),
		        semlite_errmsg());
		return 1;
	}
	size_t dim = semlite_encoder_dim(enc);
	float *v = malloc(dim * sizeof *v);
	FILE *out = fopen(argv[1], "wb");
	if (!v || !out) {
		fprintf(stderr, "cannot write %s\n", argv[1]);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;
	int32_t d = (int32_t)dim;
	while ((len = getline(&line, &cap, stdin)) > 0) {
		if (line[len - 1] == '\n')
			len--;
		rc = semlite_encode(enc, line, (size_t)len, v, dim);
		if (rc) {
			fprintf(stderr, "line %zu: %s\n", n + 1,
			        semlite_errmsg());
			return 1;
		}
		if (fwrite(&d, 4, 1, out) != 1 || fwrite(v, 4, dim, out) != dim)
			return 1;
		n++;
	}
	if (fclose(out))
		return 1;
	printf("encoded %zu lines into %zu dims\n", n, dim);
	free(line);
	free(v);
	semlite_encoder_free(enc);
	return 0;
}
