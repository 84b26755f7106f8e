/*
 * test_text_recall.c — recall@10 of the HNSW index on real text
 * embeddings: 19,800 Gutenberg paragraphs of ../shared, encoded by the
 * built-in model inside the database (text in, vectors stored), searched
 * with 200 other paragraphs as queries, the default search (index, seed
 * 42, the ef semlite_collection_tune measured, as after `semlite import`)
 * against the exact flat scan of the same collection. Also after deleting
 * every tenth document: no deleted id comes back and recall on what
 * remains holds. Exits 77 (skipped) when ../shared is absent.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "semlite.h"

#define LINES 20000 /* the first LINES paragraphs of the corpus */
#define EVERY 100   /* every EVERY-th is a query, the rest documents */
#define K     10

static int fail(const char *what, int rc)
{
	fprintf(stderr, "test_text_recall: %s: %d (%s)\n", what, rc,
	        semlite_errmsg());
	return 1;
}

/* The "text" of the first n lines of a .jsonl.zst file, or NULL. */
static char **read_texts(const char *path, int n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char **out = calloc((size_t)n, sizeof *out);
	ZSTD_DStream *z = ZSTD_createDStream();
	size_t icap = ZSTD_DStreamInSize(), lcap = 1 << 20, llen = 0;
	char *ibuf = malloc(icap), *obuf = malloc(1 << 17),
	     *line = malloc(lcap);
	int got = 0;
	bool bad = !out || !z || !ibuf || !obuf || !line;
	if (!bad)
		ZSTD_initDStream(z);
	size_t r;
	while (!bad && got < n && (r = fread(ibuf, 1, icap, f)) > 0) {
		ZSTD_inBuffer in = {ibuf, r, 0};
		while (!bad && got < n && in.pos < in.size) {
			ZSTD_outBuffer o = {obuf, 1 << 17, 0};
			if (ZSTD_isError(ZSTD_decompressStream(z, &o, &in))) {
				bad = true;
				break;
			}
			for (size_t i = 0; i < o.pos && got < n; i++) {
				if (obuf[i] != '\n') {
					if (llen + 1 >= lcap) {
						bad = true;
						break;
					}
					line[llen++] = obuf[i];
					continue;
				}
				line[llen] = 0;
				llen = 0;
				cJSON *j = cJSON_Parse(line);
				const cJSON *t = cJSON_GetObjectItem(j, "text");
				out[got] = cJSON_IsString(t)
				               ? strdup(t->valuestring)
				               : NULL;
				bad = !out[got++];
				cJSON_Delete(j);
			}
		}
	}
	fclose(f);
	ZSTD_freeDStream(z);
	free(ibuf);
	free(obuf);
	free(line);
	if (bad || got < n) {
		for (int i = 0; out && i < got; i++)
			free(out[i]);
		free(out);
		return NULL;
	}
	return out;
}

static bool is_query(int i)
{
	return i % EVERY == 0;
}

/* Recall@10 of the default search against the exact scan, over every
 * query; *deleted_seen counts results whose id is deleted. */
static int recall(semlite_collection *c, char **texts, int del_every,
                  double *rec, int *deleted_seen)
{
	long hits = 0, want = 0;
	*deleted_seen = 0;
	for (int i = 0; i < LINES; i += EVERY) {
		semlite_search_opts so;
		semlite_search_opts_init(&so);
		so.k = K;
		so.mode = SEMLITE_SEARCH_DENSE;
		semlite_results *ex, *ix;
		const char *q = texts[i];
		int rc = semlite_search_text(c, q, strlen(q), &so, &ix);
		if (rc)
			return rc;
		so.exact = 1;
		if ((rc = semlite_search_text(c, q, strlen(q), &so, &ex))) {
			semlite_results_free(ix);
			return rc;
		}
		for (size_t a = 0; a < ix->count; a++) {
			int id = atoi(ix->items[a].id);
			if (del_every && id % del_every == 1)
				(*deleted_seen)++;
			for (size_t b = 0; b < ex->count; b++)
				hits +=
				    !strcmp(ix->items[a].id, ex->items[b].id);
		}
		want += (long)ex->count;
		semlite_results_free(ix);
		semlite_results_free(ex);
	}
	*rec = (double)hits / (double)want;
	return 0;
}

int main(void)
{
	const char *shared = getenv("SEMLITE_SHARED");
	char src[4096], path[256], lock[300];
	snprintf(src, sizeof src,
	         "%s/data/text/gutenberg/gutenberg_paragraphs.jsonl.zst",
	         shared ? shared : "../shared");
	char **texts = read_texts(src, LINES);
	if (!texts) {
		printf("SKIP: cannot read %d paragraphs from %s\n", LINES, src);
		return 77;
	}
	snprintf(path, sizeof path, "/tmp/sl_text_recall_%d.semlite",
	         (int)getpid());
	snprintf(lock, sizeof lock, "%s-lock", path);
	unlink(path);
	unlink(lock);
	semlite_db *db;
	semlite_collection *c;
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.keyword_index = 0;
	int rc = semlite_open(path, SEMLITE_OPEN_CREATE, &db);
	if (!rc)
		rc = semlite_collection_create(db, NULL, &o);
	if (!rc)
		rc = semlite_collection_open(db, NULL, &c);
	if (rc)
		return fail("create", rc);
	int ndocs = 0;
	for (int b = 0; b < LINES && !rc; b += 1000) {
		semlite_txn *t;
		if ((rc = semlite_txn_begin(db, &t)))
			break;
		for (int i = b; i < b + 1000 && i < LINES && !rc; i++) {
			if (is_query(i))
				continue;
			char id[32];
			snprintf(id, sizeof id, "%d", i);
			rc = semlite_doc_put(c, t, id, texts[i],
			                     strlen(texts[i]), NULL);
			ndocs++;
		}
		rc = rc ? rc : semlite_txn_commit(t);
		if (rc)
			semlite_txn_abort(t);
	}
	if (rc)
		return fail("insert", rc);
	double r, before, sample;
	int seen;
	uint32_t ef;
	if ((rc = recall(c, texts, 0, &before, &seen)))
		return fail("search", rc);
	/* as `semlite import` does after a bulk load */
	if ((rc = semlite_collection_tune(c, 0, &ef, &sample)))
		return fail("tune", rc);
	if ((rc = recall(c, texts, 0, &r, &seen)))
		return fail("search", rc);
	printf("%d documents, %d queries: recall@10 %.4f at ef 64; tuned to "
	       "ef %u (samples %.4f): %.4f (index against exact)\n",
	       ndocs, LINES / EVERY, before, ef, sample, r);
	int ret = r < 0.95;
	/* delete every tenth document (ids ending in 1 mod 10) */
	semlite_txn *t;
	if ((rc = semlite_txn_begin(db, &t)))
		return fail("begin", rc);
	for (int i = 1; i < LINES && !rc; i += 10) {
		char id[32];
		snprintf(id, sizeof id, "%d", i);
		rc = semlite_doc_delete(c, t, id);
	}
	if (rc || (rc = semlite_txn_commit(t)))
		return fail("delete", rc);
	if ((rc = recall(c, texts, 10, &r, &seen)))
		return fail("search after deletes", rc);
	printf("after deleting 10%%: recall@10 %.4f, deleted ids returned "
	       "%d\n",
	       r, seen);
	ret |= r < 0.95 || seen;
	char report[256];
	if ((rc = semlite_db_check(db, report, sizeof report)))
		ret |= fail(report, rc);
	semlite_collection_close(c);
	semlite_close(db);
	unlink(path);
	unlink(lock);
	for (int i = 0; i < LINES; i++)
		free(texts[i]);
	free(texts);
	if (ret)
		fprintf(stderr, "test_text_recall: recall below 0.95 or a "
		                "deleted id returned\n");
	return ret;
}
