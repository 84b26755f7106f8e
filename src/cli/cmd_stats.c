/*
 * cmd_stats.c — `semlite stats DB [--json]`: documents, collections, the
 * model, bytes on disk and bytes per document (the stored models, a fixed
 * cost, left out of the latter).
 */
#include "cli/dbutil.h"

#include <inttypes.h>
#include <string.h>

static const char *const metric_names[] = {"cosine", "dot", "l2"};
static const char *const prec_names[] = {"int8", "f16", "f32"};

static void print_coll(const char *name, const semlite_collection_stats *s,
                       bool json)
{
	if (!json) {
		printf("collection %s: %" PRIu64 " documents, dim %u, %s, %s, "
		       "index %s%s, model %s",
		       name, s->documents, s->dim, metric_names[s->metric],
		       prec_names[s->precision],
		       s->index == SEMLITE_INDEX_NONE ? "none" : "hnsw",
		       s->keyword_index ? "+bm25" : "",
		       s->has_model ? "" : "none (vector-only)");
		if (s->has_model)
			printf("%016" PRIx64 " (%" PRIu64 " bytes)",
			       s->model_hash, s->model_bytes);
		printf("\n  text+metadata %" PRIu64 " bytes stored as %" PRIu64
		       " (%.1f%%), %" PRIu64 " tombstones\n",
		       s->payload_bytes, s->stored_bytes,
		       s->payload_bytes ? 100.0 * (double)s->stored_bytes /
		                              (double)s->payload_bytes
		                        : 0.0,
		       s->tombstones);
		if (s->index == SEMLITE_INDEX_NONE)
			return;
		printf("  search breadth: ef %u", s->search_ef);
		if (!s->tuned_ef)
			printf(" (not measured: `semlite tune`)");
		else if (!s->tuned_documents)
			printf(" (measured)");
		else if (s->tuned_ef != s->search_ef)
			printf(" (measured ef %u at %" PRIu64 " documents, "
			       "widened for the growth since; `semlite tune` "
			       "measures it again)",
			       s->tuned_ef, s->tuned_documents);
		else
			printf(" (measured at %" PRIu64 " documents)",
			       s->tuned_documents);
		putchar('\n');
		return;
	}
	fputs("{\"name\": ", stdout);
	cli_json_string(stdout, name, strlen(name));
	printf(", \"documents\": %" PRIu64 ", \"dim\": %u, \"metric\": \"%s\", "
	       "\"precision\": \"%s\", \"index\": \"%s\", "
	       "\"keyword_index\": %s, \"model\": ",
	       s->documents, s->dim, metric_names[s->metric],
	       prec_names[s->precision],
	       s->index == SEMLITE_INDEX_NONE ? "none" : "hnsw",
	       s->keyword_index ? "true" : "false");
	if (s->has_model)
		printf("\"%016" PRIx64 "\"", s->model_hash);
	else
		fputs("null", stdout);
	printf(", \"model_bytes\": %" PRIu64 ", \"payload_bytes\": %" PRIu64
	       ", \"stored_bytes\": %" PRIu64 ", \"tombstones\": %" PRIu64
	       ", \"search_ef\": %u, \"tuned_ef\": %u, "
	       "\"tuned_documents\": %" PRIu64 "}",
	       s->model_bytes, s->payload_bytes, s->stored_bytes, s->tombstones,
	       s->search_ef, s->tuned_ef, s->tuned_documents);
}

static int stats(semlite_db *db, char **names, size_t n, bool json)
{
	uint64_t docs = 0, disk = 0, models = 0, free_bytes = 0;
	int rc = semlite_db_file_size(db, &disk);
	if (rc)
		return cli_fail("stats", rc, "cannot stat the file");
	rc = semlite_db_free_bytes(db, &free_bytes);
	if (rc)
		return cli_fail("stats", rc, "cannot read the free list");
	if (json)
		printf("{\"collections\": %zu, \"details\": [", n);
	for (size_t i = 0; i < n; i++) {
		semlite_collection *c;
		semlite_collection_stats s;
		rc = semlite_collection_open(db, names[i], &c);
		if (!rc)
			rc = semlite_collection_stats_get(c, &s);
		semlite_collection_close(c);
		if (rc)
			return cli_fail("stats", rc, "collection '%s'",
			                names[i]);
		if (json && i)
			fputs(", ", stdout);
		print_coll(names[i], &s, json);
		docs += s.documents;
		models += s.model_bytes;
	}
	/* The stored models are a fixed cost (9 MB for the built-in one), not
	 * a cost per document: leave them out of the per-document figure. */
	double per =
	    docs && disk > models ? (double)(disk - models) / (double)docs : 0;
	if (json)
		printf(
		    "], \"documents\": %" PRIu64 ", \"bytes_on_disk\": %" PRIu64
		    ", \"free_bytes\": %" PRIu64 ", \"model_bytes\": %" PRIu64
		    ", \"bytes_per_doc\": %.1f}\n",
		    docs, disk, free_bytes, models, per);
	else
		printf("collections: %zu\ndocuments: %" PRIu64
		       "\nbytes on disk: %" PRIu64 " (models: %" PRIu64
		       "; free for reuse: %" PRIu64
		       ", left out by `semlite vacuum` and `copy`)"
		       "\nbytes per document, models excluded: %.1f\n",
		       n, docs, disk, models, free_bytes, per);
	return 0;
}

int cli_cmd_stats(int argc, char **argv)
{
	const char *path = NULL;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: semlite stats DB [--json]\n");
			return 0;
		}
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!path)
			path = argv[i];
		else
			return cli_usage("stats", "unexpected '%s'", argv[i]);
	}
	if (!path)
		return cli_usage("stats", "no database given");
	semlite_db *db;
	if (cli_open("stats", path, SEMLITE_OPEN_READONLY, NULL, &db, NULL))
		return 1;
	char **names;
	size_t n;
	int rc = semlite_collection_list(db, &names, &n);
	int ret = rc ? cli_fail("stats", rc, "cannot list collections")
	             : stats(db, names, n, json);
	if (!rc)
		semlite_names_free(names, n);
	semlite_close(db);
	return ret;
}
