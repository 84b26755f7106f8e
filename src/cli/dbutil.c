/*
 * dbutil.c — shared helpers of the database commands.
 *
 * The line reader handles `.zst` input itself (zstd streaming API) so
 * `semlite import` reads compressed corpora directly; the alternative,
 * decompressing to a temporary file first, doubles the disk traffic.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/dbutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

int cli_open(const char *cmd, const char *path, int flags, const char *name,
             semlite_db **db, semlite_collection **c)
{
	int rc = semlite_open(path, flags, db);
	if (rc)
		return cli_fail(cmd, rc, "cannot open %s", path);
	if (!c)
		return 0;
	rc = semlite_collection_open(*db, name, c);
	if (rc) {
		cli_fail(cmd, rc, "cannot open collection '%s'",
		         name ? name : "default");
		semlite_close(*db);
		*db = NULL;
		return 1;
	}
	return 0;
}

struct cli_lines {
	FILE *f;
	ZSTD_DStream *zs;
	char *in; /* compressed input buffer */
	size_t in_cap;
	ZSTD_inBuffer zin;
	char *buf; /* decompressed bytes not yet returned */
	size_t len, pos, cap;
	char *line;
	size_t line_cap;
	int eof;
	int flush; /* zstd may hold output: call it before reading more */
};

int cli_lines_open(const char *path, cli_lines **out)
{
	cli_lines *r = calloc(1, sizeof *r);
	if (!r)
		return -1;
	r->f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!r->f) {
		free(r);
		return -1;
	}
	size_t n = strlen(path);
	if (n > 4 && !strcmp(path + n - 4, ".zst")) {
		r->zs = ZSTD_createDStream();
		r->in_cap = ZSTD_DStreamInSize();
		r->in = malloc(r->in_cap);
		r->cap = 1 << 20;
		r->buf = malloc(r->cap);
		if (!r->zs || !r->in || !r->buf) {
			cli_lines_close(r);
			return -1;
		}
		ZSTD_initDStream(r->zs);
	}
	*out = r;
	return 0;
}

void cli_lines_close(cli_lines *r)
{
	if (!r)
		return;
	if (r->f && r->f != stdin)
		fclose(r->f);
	ZSTD_freeDStream(r->zs);
	free(r->in);
	free(r->buf);
	free(r->line);
	free(r);
}

/* Refills r->buf with more decompressed bytes; 0 at the end. */
static int zfill(cli_lines *r)
{
	memmove(r->buf, r->buf + r->pos, r->len - r->pos);
	r->len -= r->pos;
	r->pos = 0;
	while (r->len < r->cap) {
		if (r->zin.pos == r->zin.size && !r->flush) {
			if (r->eof)
				break;
			size_t got = fread(r->in, 1, r->in_cap, r->f);
			if (got == 0) {
				r->eof = 1;
				if (ferror(r->f))
					return -1;
				break;
			}
			r->zin = (ZSTD_inBuffer){r->in, got, 0};
		}
		ZSTD_outBuffer zo = {r->buf, r->cap, r->len};
		size_t z = ZSTD_decompressStream(r->zs, &zo, &r->zin);
		if (ZSTD_isError(z))
			return -1;
		size_t before = r->len;
		r->flush = zo.pos == zo.size;
		r->len = zo.pos;
		if (r->len > before)
			return 1;
	}
	return r->len > 0;
}

static int zline(cli_lines *r, char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
		if (nl || (r->eof && !r->flush && r->zin.pos == r->zin.size &&
		           r->len > r->pos)) {
			size_t n = nl ? (size_t)(nl - (r->buf + r->pos))
			              : r->len - r->pos;
			if (n + 1 > r->line_cap) {
				char *p = realloc(r->line, n + 1);
				if (!p)
					return -1;
				r->line = p;
				r->line_cap = n + 1;
			}
			memcpy(r->line, r->buf + r->pos, n);
			r->line[n] = 0;
			r->pos += n + (nl != NULL);
			*line = r->line;
			*len = n;
			return 1;
		}
		if (r->pos == 0 && r->len == r->cap) {
			char *p = realloc(r->buf, r->cap * 2);
			if (!p)
				return -1;
			r->buf = p;
			r->cap *= 2;
		}
		int f = zfill(r);
		if (f < 0)
			return -1;
		if (f == 0 && r->len == r->pos)
			return 0;
	}
}

int cli_lines_next(cli_lines *r, char **line, size_t *len)
{
	if (r->zs)
		return zline(r, line, len);
	ssize_t n = getline(&r->line, &r->line_cap, r->f);
	if (n < 0)
		return ferror(r->f) ? -1 : 0;
	if (n > 0 && r->line[n - 1] == '\n')
		r->line[--n] = 0;
	*line = r->line;
	*len = (size_t)n;
	return 1;
}

int cli_fvecs_next(FILE *f, float **v, size_t *cap, size_t *dim)
{
	unsigned char hdr[4];
	size_t got = fread(hdr, 1, 4, f);
	if (got == 0)
		return 0;
	if (got != 4)
		return -1;
	uint32_t d = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
	             (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
	if (d == 0 || d > 65536)
		return -1;
	if (d > *cap) {
		float *p = realloc(*v, d * sizeof *p);
		if (!p)
			return -1;
		*v = p;
		*cap = d;
	}
	if (fread(*v, sizeof(float), d, f) != d)
		return -1;
	*dim = d;
	return 1;
}

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_print_results(const semlite_results *r, bool json)
{
	for (size_t i = 0; i < r->count; i++) {
		const semlite_result *x = &r->items[i];
		if (json) {
			fputs("{\"id\": ", stdout);
			cli_json_string(stdout, x->id, strlen(x->id));
			fputs(", \"score\": ", stdout);
			cli_json_float(stdout, x->score);
			fputs(", \"text\": ", stdout);
			cli_json_string(stdout, x->text, x->text_len);
			if (x->metadata && *x->metadata)
				printf(", \"metadata\": %s", x->metadata);
			fputs("}\n", stdout);
		} else {
			size_t n = x->text_len > 100 ? 100 : x->text_len;
			printf("%.4f\t%s\t%.*s%s\n", (double)x->score, x->id,
			       (int)n, x->text, n < x->text_len ? "..." : "");
		}
	}
}
