/*
 * example_util.h — the few helpers the examples share: error printing,
 * reading a file, a throw-away database, and importing a folder of .txt
 * files (whole, or in sentence chunks for retrieval-augmented generation).
 * Copy it along with an example.
 */
#ifndef EXAMPLE_UTIL_H
#define EXAMPLE_UTIL_H

#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "semlite.h"

/* Prints the error; returns the exit status (77 = "skipped": this build
 * has no model to encode text with). */
static inline int ex_fail(const char *what, int rc)
{
	fprintf(stderr, "%s: %s (%s)\n", what, semlite_errstr(rc),
	        semlite_errmsg());
	return rc == SEMLITE_UNSUPPORTED ? 77 : 1;
}

static inline char *ex_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	if (f && fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		rewind(f);
		buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	if (f)
		fclose(f);
	return buf;
}

typedef struct ex_db {
	char path[64];
	semlite_db *db;
	semlite_collection *c;
} ex_db;

/* A new database in a temporary file with one collection "docs" using
 * model_dir (NULL = the built-in default model). */
static inline int ex_open(ex_db *e, const char *model_dir)
{
	strcpy(e->path, "/tmp/semlite_example_XXXXXX");
	int fd = mkstemp(e->path);
	if (fd < 0)
		return ex_fail("mkstemp", SEMLITE_IOERR);
	close(fd);
	unlink(e->path); /* semlite creates the file itself */
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.model_path = model_dir;
	int rc = semlite_open(e->path, SEMLITE_OPEN_CREATE, &e->db);
	if (!rc)
		rc = semlite_collection_create(e->db, "docs", &o);
	if (!rc)
		rc = semlite_collection_open(e->db, "docs", &e->c);
	return rc ? ex_fail("create", rc) : 0;
}

static inline void ex_close(ex_db *e)
{
	char lock[80];
	semlite_collection_close(e->c);
	semlite_close(e->db);
	snprintf(lock, sizeof lock, "%s-lock", e->path);
	unlink(e->path);
	unlink(lock);
}

/* Stores one file: whole (chunk_words == 0), or as chunks "NAME#i" whose
 * metadata records the source file and byte offsets. */
static inline int ex_put(ex_db *e, semlite_txn *t, const char *name,
                         const char *text, size_t len, size_t chunk_words)
{
	if (!chunk_words)
		return semlite_doc_put(e->c, t, name, text, len, NULL);
	semlite_chunk *ch = NULL;
	size_t n = 0;
	int rc = semlite_chunk_text(text, len, chunk_words, chunk_words / 4,
	                            NULL, &ch, &n);
	for (size_t i = 0; !rc && i < n; i++) {
		char id[300], meta[400];
		snprintf(id, sizeof id, "%s#%zu", name, i);
		snprintf(meta, sizeof meta,
		         "{\"_doc\":\"%s\",\"_start\":%zu,\"_end\":%zu}", name,
		         ch[i].start, ch[i].end);
		rc = semlite_doc_put(e->c, t, id, text + ch[i].start,
		                     ch[i].end - ch[i].start, meta);
	}
	semlite_chunks_free(ch);
	return rc;
}

/* Imports every .txt file of dir in one transaction. */
static inline int ex_import(ex_db *e, const char *dir, size_t chunk_words)
{
	DIR *d = opendir(dir);
	if (!d)
		return ex_fail(dir, SEMLITE_IOERR);
	semlite_txn *t;
	int rc = semlite_txn_begin(e->db, &t);
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		size_t n = strlen(de->d_name), len;
		if (n < 5 || strcmp(de->d_name + n - 4, ".txt"))
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		char *text = ex_slurp(path, &len);
		if (text)
			rc = ex_put(e, t, de->d_name, text, len, chunk_words);
		free(text);
	}
	closedir(d);
	if (rc) {
		semlite_txn_abort(t);
		return ex_fail("import", rc);
	}
	rc = semlite_txn_commit(t);
	return rc ? ex_fail("commit", rc) : 0;
}

#endif
