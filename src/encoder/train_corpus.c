/*
 * train_corpus.c — reads training corpora: plain text (one paragraph per
 * line) or JSON Lines with a "text" field, either one optionally zstd-
 * compressed.
 *
 * The file is streamed: raw bytes -> (ZSTD_decompressStream when the name
 * ends in .zst) -> a line splitter -> the per-format paragraph extractor ->
 * the caller's callback. Nothing holds the whole corpus, so a multi-GB
 * corpus costs one line of memory. The format is chosen from the name (a
 * .jsonl or .ndjson stem means JSON Lines) rather than sniffed from the
 * first byte, because a plain-text paragraph may well start with '{'.
 * Every content error names the file and the 1-based line; a truncated or
 * corrupt zstd stream is SEMLITE_CORRUPT naming the file.
 */
#include "encoder/train.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zstd.h>

typedef struct corpus_rd {
	const char *path;
	bool jsonl;
	size_t lineno;
	train_buf line;
	train_text_fn fn;
	void *ctx;
} corpus_rd;

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && !memcmp(s + n - k, suf, k);
}

static int emit_json(corpus_rd *r, const char *s, size_t n)
{
	cJSON *j = cJSON_ParseWithLength(s, n);
	if (!j)
		return sl_err(SEMLITE_INVALID, "%s:%zu: invalid JSON", r->path,
		              r->lineno);
	int rc = SEMLITE_OK;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "text");
	if (!cJSON_IsObject(j) || !t) {
		rc = sl_err(SEMLITE_INVALID, "%s:%zu: field \"text\": missing",
		            r->path, r->lineno);
	} else if (!cJSON_IsString(t)) {
		rc = sl_err(SEMLITE_INVALID,
		            "%s:%zu: field \"text\": expected a string",
		            r->path, r->lineno);
	} else if (t->valuestring[0]) {
		rc = r->fn(r->ctx, t->valuestring, strlen(t->valuestring));
	}
	cJSON_Delete(j);
	return rc;
}

static int emit_line(corpus_rd *r, const char *s, size_t n)
{
	r->lineno++;
	if (n && s[n - 1] == '\r')
		n--;
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return SEMLITE_OK;
	return r->jsonl ? emit_json(r, s, n) : r->fn(r->ctx, s, n);
}

/* Splits a chunk into lines; a partial last line waits in r->line. */
static int feed(corpus_rd *r, const char *p, size_t n)
{
	int rc = SEMLITE_OK;
	while (n && rc == SEMLITE_OK) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;
		if (!nl)
			return train_buf_put(&r->line, p, k);
		if (r->line.len) {
			rc = train_buf_put(&r->line, p, k);
			if (rc == SEMLITE_OK)
				rc = emit_line(r, r->line.p, r->line.len);
			r->line.len = 0;
		} else {
			rc = emit_line(r, p, k);
		}
		p += k + 1;
		n -= k + 1;
	}
	return rc;
}

static int read_zstd(corpus_rd *r, FILE *f, char *in, size_t incap)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	size_t outcap = ZSTD_DStreamOutSize();
	char *out = sl_malloc(outcap);
	int rc = SEMLITE_OK;
	size_t last = 0, got;
	if (!ds || !out) {
		rc = sl_err(SEMLITE_NOMEM, "%s: out of memory", r->path);
		goto out;
	}
	ZSTD_initDStream(ds);
	while (rc == SEMLITE_OK && (got = fread(in, 1, incap, f)) > 0) {
		ZSTD_inBuffer ib = {in, got, 0};
		while (rc == SEMLITE_OK && ib.pos < ib.size) {
			ZSTD_outBuffer ob = {out, outcap, 0};
			last = ZSTD_decompressStream(ds, &ob, &ib);
			if (ZSTD_isError(last)) {
				rc = sl_err(SEMLITE_CORRUPT, "%s: zstd: %s",
				            r->path, ZSTD_getErrorName(last));
				break;
			}
			rc = feed(r, out, ob.pos);
		}
	}
	if (rc == SEMLITE_OK && ferror(f))
		rc = sl_err(SEMLITE_IOERR, "%s: read error", r->path);
	if (rc == SEMLITE_OK && last != 0)
		rc = sl_err(SEMLITE_CORRUPT, "%s: zstd: truncated stream",
		            r->path);
out:
	ZSTD_freeDStream(ds);
	sl_free(out);
	return rc;
}

int train_corpus_read(const char *path, train_text_fn fn, void *ctx)
{
	corpus_rd r = {.path = path, .fn = fn, .ctx = ctx};
	size_t n = strlen(path);
	bool zst = ends_with(path, n, ".zst");
	size_t stem = zst ? n - 4 : n;
	r.jsonl =
	    ends_with(path, stem, ".jsonl") || ends_with(path, stem, ".ndjson");
	FILE *f = fopen(path, "rb");
	if (!f)
		return sl_err(errno == ENOENT ? SEMLITE_NOTFOUND
		                              : SEMLITE_IOERR,
		              "%s: %s", path, strerror(errno));
	size_t incap = 1 << 17;
	char *in = sl_malloc(incap);
	int rc = SEMLITE_OK;
	if (!in) {
		rc = sl_err(SEMLITE_NOMEM, "%s: out of memory", path);
	} else if (zst) {
		rc = read_zstd(&r, f, in, incap);
	} else {
		size_t got;
		while (rc == SEMLITE_OK && (got = fread(in, 1, incap, f)) > 0)
			rc = feed(&r, in, got);
		if (rc == SEMLITE_OK && ferror(f))
			rc = sl_err(SEMLITE_IOERR, "%s: read error", path);
	}
	if (rc == SEMLITE_OK && r.line.len)
		rc = emit_line(&r, r.line.p, r.line.len);
	sl_free(in);
	train_buf_free(&r.line);
	fclose(f);
	return rc;
}
