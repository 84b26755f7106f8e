/*
 * cmd_import.c — `semlite import DB FILE`: loads JSONL, plain text or
 * fvecs into a collection in batches, one transaction per batch.
 *
 * JSONL: the id comes from --id-field (default `_id`, else `id`; numbers
 * are accepted and spelled as integers), the text from the --text-field
 * values joined by one space (default `title` and `text`, whichever are
 * present), and every other field goes into the metadata object. Text:
 * one document per line, id = line number (from 1). fvecs: one vector per
 * record, id = row number (from 0). Files ending in .zst are read
 * compressed.
 *
 * A malformed record stops the import with file:line and the field: the
 * batches committed before it stay, the failing batch is aborted whole.
 *
 * A bulk load (the file grew by a quarter or more) ends with a tune and a
 * vacuum. The tune measures the search breadth the collection's data
 * needs (semlite_collection_tune); it also runs after any import that
 * leaves twice the documents it was last measured on, or 1,000 where it
 * never was (in between, searches widen it by the growth to the power
 * 0.6). LMDB's copy-on-write leaves a fifth to a third of the new file
 * in free pages and half-filled leaves, which the vacuum packs away
 * (--no-vacuum keeps the file as written, --vacuum vacuums after any
 * import). When another process has the database open the vacuum is
 * skipped with a note.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/chunk_put.h"
#include "cli/dbutil.h"
#include "cli/jsonl.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_TEXT_FIELDS 16

typedef struct imp {
	const char *file;
	semlite_db *db;
	semlite_collection *coll;
	semlite_txn *txn;
	long batch;
	long in_batch;
	unsigned long long done;
	const char *id_field;
	const char *text_fields[MAX_TEXT_FIELDS];
	int ntext;
	bool progress;
	double t0;
	long chunk_tokens, chunk_overlap; /* 0: store documents whole */
	unsigned long long chunks;
	int vacuum; /* -1: after a bulk load, 0: never, 1: always */
} imp;

/* Stores one document, whole or (with --chunk-tokens) in chunks. */
static int put_doc(imp *im, const char *id, const char *text, size_t len,
                   const char *meta)
{
	if (!im->chunk_tokens)
		return semlite_doc_put(im->coll, im->txn, id, text, len, meta);
	size_t n;
	int rc = cli_put_chunked(im->coll, im->txn, id, text, len, meta,
	                         (size_t)im->chunk_tokens,
	                         (size_t)im->chunk_overlap, &n);
	im->chunks += n;
	return rc;
}

static int fail_line(imp *im, unsigned long long line, const char *field,
                     const char *what)
{
	fprintf(stderr, "semlite import: %s:%llu: %s%s%s\n", im->file, line,
	        field, *field ? ": " : "", what);
	return 1;
}

/* Commits the batch when full (or when `final`); begins the next. */
static int batch_step(imp *im, bool final)
{
	if (!final && ++im->in_batch < im->batch)
		return 0;
	int rc = semlite_txn_commit(im->txn);
	im->txn = NULL;
	if (rc)
		return cli_fail("import", rc, "%s: commit failed", im->file);
	im->in_batch = 0;
	if (im->progress) {
		double dt = cli_now() - im->t0;
		fprintf(stderr, "\r%llu documents, %.0f docs/s ", im->done,
		        dt > 0 ? (double)im->done / dt : 0.0);
	}
	if (final)
		return 0;
	rc = semlite_txn_begin(im->db, &im->txn);
	return rc ? cli_fail("import", rc, "cannot begin a transaction") : 0;
}

static int put_rc(imp *im, int rc, unsigned long long line, const char *id)
{
	if (!rc) {
		im->done++;
		return batch_step(im, false);
	}
	fprintf(stderr, "semlite import: %s:%llu: document '%s': %s: %s\n",
	        im->file, line, id, semlite_errstr(rc), semlite_errmsg());
	return 1;
}

static int jsonl_line(imp *im, char *line, size_t len, unsigned long long ln)
{
	cli_jsonl_doc d;
	char field[128];
	const char *what;
	if (cli_jsonl_parse(line, len, im->id_field, im->text_fields, im->ntext,
	                    &d, field, sizeof field, &what))
		return fail_line(im, ln, field, what);
	int ret =
	    put_rc(im, put_doc(im, d.id, d.text, d.text_len, d.meta), ln, d.id);
	cli_jsonl_doc_free(&d);
	return ret;
}

static int import_lines(imp *im, bool jsonl)
{
	cli_lines *r;
	if (cli_lines_open(im->file, &r))
		return cli_fail("import", SEMLITE_IOERR, "cannot read %s",
		                im->file);
	char *line;
	size_t len;
	unsigned long long ln = 0;
	int g, ret = 0;
	while (!ret && (g = cli_lines_next(r, &line, &len)) == 1) {
		ln++;
		if (len == 0 || (len == 1 && line[0] == '\r'))
			continue;
		if (jsonl) {
			ret = jsonl_line(im, line, len, ln);
		} else {
			char id[32];
			snprintf(id, sizeof id, "%llu", ln);
			ret = put_rc(im, put_doc(im, id, line, len, NULL), ln,
			             id);
		}
	}
	if (!ret && g < 0)
		ret = cli_fail("import", SEMLITE_IOERR,
		               "%s: read error after line %llu", im->file, ln);
	cli_lines_close(r);
	return ret;
}

static int import_fvecs(imp *im)
{
	FILE *f = fopen(im->file, "rb");
	if (!f)
		return cli_fail("import", SEMLITE_IOERR, "cannot read %s",
		                im->file);
	float *v = NULL;
	size_t cap = 0, dim;
	unsigned long long row = 0;
	int g, ret = 0;
	while (!ret && (g = cli_fvecs_next(f, &v, &cap, &dim)) == 1) {
		char id[32];
		snprintf(id, sizeof id, "%llu", row);
		ret = put_rc(im,
		             semlite_vector_put(im->coll, im->txn, id, v, dim,
		                                NULL, 0, NULL),
		             row + 1, id);
		row++;
	}
	if (!ret && g < 0)
		ret =
		    fail_line(im, row + 1, "vector", "malformed fvecs record");
	free(v);
	fclose(f);
	return ret;
}

static int parse_args(imp *im, int argc, char **argv, const char **path,
                      const char **format, const char **name)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-' || !a[1]) {
			if (!*path)
				*path = a;
			else if (!im->file)
				im->file = a;
			else
				return cli_usage("import", "unexpected '%s'",
				                 a);
			continue;
		}
		if (!strcmp(a, "--vacuum") || !strcmp(a, "--no-vacuum")) {
			im->vacuum = a[2] == 'v';
			continue;
		}
		if (!v)
			return cli_usage("import", "%s needs a value", a);
		i++;
		if (!strcmp(a, "--format"))
			*format = v;
		else if (!strcmp(a, "--collection"))
			*name = v;
		else if (!strcmp(a, "--id-field"))
			im->id_field = v;
		else if (!strcmp(a, "--text-field") &&
		         im->ntext < MAX_TEXT_FIELDS)
			im->text_fields[im->ntext++] = v;
		else if (!strcmp(a, "--chunk-tokens") &&
		         cli_parse_long(v, 1, 1000000, &im->chunk_tokens))
			;
		else if (!strcmp(a, "--chunk-overlap") &&
		         cli_parse_long(v, 0, 1000000, &im->chunk_overlap))
			;
		else if (!(!strcmp(a, "--batch") &&
		           cli_parse_long(v, 1, 10000000, &im->batch)))
			return cli_usage("import", "bad option %s %s", a, v);
	}
	if (!*path || !im->file)
		return cli_usage("import", "need DB and FILE");
	if (im->chunk_overlap && im->chunk_overlap >= im->chunk_tokens)
		return cli_usage("import", "--chunk-overlap must be below "
		                           "--chunk-tokens");
	return 0;
}

static const char *guess_format(const char *file)
{
	size_t n = strlen(file);
	if (n > 4 && !strcmp(file + n - 4, ".zst"))
		n -= 4;
	if (n >= 6 && !strncmp(file + n - 6, ".fvecs", 6))
		return "fvecs";
	if ((n >= 6 && !strncmp(file + n - 6, ".jsonl", 6)) ||
	    (n >= 5 && !strncmp(file + n - 5, ".json", 5)))
		return "jsonl";
	return "text";
}

int cli_cmd_import(int argc, char **argv)
{
	if (argc > 1 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf(
		    "usage: semlite import DB FILE [--format jsonl|text|fvecs] "
		    "[--collection NAME]\n"
		    "       [--id-field F] [--text-field F]... [--batch N]\n"
		    "       [--chunk-tokens N [--chunk-overlap M]] "
		    "[--vacuum | --no-vacuum]\n"
		    "--chunk-tokens stores each document as sentence-boundary "
		    "chunks of at most N\nwords (ids ID#0, ID#1, ...; metadata "
		    "_doc, _start, _end).\nA bulk load (the file grew by a "
		    "quarter or more) ends with `semlite tune` and "
		    "`semlite vacuum`,\nwhich packs the file (the tune also "
		    "runs once the documents doubled since\nthe last one, or "
		    "reach 1,000 without one); "
		    "--no-vacuum skips it, --vacuum runs it after any "
		    "import.\n");
		return 0;
	}
	imp im = {0};
	const char *path = NULL, *format = NULL, *name = NULL;
	im.batch = 1000;
	im.vacuum = -1;
	int ret = parse_args(&im, argc, argv, &path, &format, &name);
	if (ret)
		return ret;
	if (!format)
		format = guess_format(im.file);
	if (strcmp(format, "jsonl") && strcmp(format, "text") &&
	    strcmp(format, "fvecs"))
		return cli_usage("import", "unknown format '%s'", format);
	if (!im.ntext) {
		im.text_fields[im.ntext++] = "title";
		im.text_fields[im.ntext++] = "text";
	}
	struct stat st;
	uint64_t before = stat(path, &st) ? 0 : (uint64_t)st.st_size;
	if (cli_open("import", path, 0, name, &im.db, &im.coll))
		return 1;
	im.progress = cli_stderr_is_tty();
	im.t0 = cli_now();
	int rc = semlite_txn_begin(im.db, &im.txn);
	if (rc)
		ret = cli_fail("import", rc, "cannot begin a transaction");
	else if (!strcmp(format, "fvecs"))
		ret = import_fvecs(&im);
	else
		ret = import_lines(&im, !strcmp(format, "jsonl"));
	if (!ret)
		ret = batch_step(&im, true);
	semlite_txn_abort(im.txn);
	if (im.progress)
		fputc('\n', stderr);
	if (!ret)
		fprintf(stderr, "imported %llu documents%s in %.2f s\n",
		        im.done, im.chunk_tokens ? " (in chunks)" : "",
		        cli_now() - im.t0);
	if (!ret && im.chunk_tokens)
		fprintf(stderr, "stored %llu chunks\n", im.chunks);
	bool bulk = !ret && !stat(path, &st) &&
	            (uint64_t)st.st_size >= before + before / 4;
	/* not a bulk load: tune when the measured ef has gone stale */
	semlite_collection_stats cs;
	bool grown =
	    !ret && !bulk && !semlite_collection_stats_get(im.coll, &cs) &&
	    cs.search_ef &&
	    (cs.tuned_documents ? cs.documents >= 2 * cs.tuned_documents
	                        : !cs.tuned_ef && cs.documents >= 1000);
	if (bulk || grown) /* on failure the documents stay, as they were */
		cli_tune("import", im.coll, 0, false);
	semlite_collection_close(im.coll);
	semlite_close(im.db);
	if (ret || !im.vacuum || (im.vacuum < 0 && !bulk))
		return ret;
	/* asked for (--vacuum), a busy file is an error; by itself, a note */
	return cli_vacuum("import", path, false, im.vacuum < 0);
}
