/*
 * cmd_create.c — `semlite create DB [options]`: creates the database file
 * (when missing) and one collection in it.
 */
#include "cli/dbutil.h"

#include <string.h>

static int usage(void)
{
	printf("usage: semlite create DB [--collection NAME] [--model PATH] "
	       "[--dim N]\n"
	       "                         [--metric cosine|dot|l2] "
	       "[--precision int8|f16|f32]\n"
	       "                         [--m M] [--ef-construction N] "
	       "[--seed S]\n"
	       "                         [--index hnsw|none] "
	       "[--keywords bm25|none]\n"
	       "Without --model and --dim the built-in default model is "
	       "used.\n"
	       "--index none: no HNSW graph; every search scans exactly.\n"
	       "--keywords none: no BM25 keyword index; text search is "
	       "dense only.\n");
	return 0;
}

static bool parse_enum(const char *s, const char *const *names, int n, int *out)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i])) {
			*out = i;
			return true;
		}
	return false;
}

int cli_cmd_create(int argc, char **argv)
{
	static const char *const metrics[] = {"cosine", "dot", "l2"};
	static const char *const precs[] = {"int8", "f16", "f32"};
	static const char *const indexes[] = {"hnsw", "none"};
	static const char *const kwds[] = {"none", "bm25"};
	const char *path = NULL, *name = NULL;
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		long n;
		int e;
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return usage();
		if (a[0] != '-') {
			if (path)
				return cli_usage("create", "unexpected '%s'",
				                 a);
			path = a;
			continue;
		}
		if (!v)
			return cli_usage("create", "%s needs a value", a);
		i++;
		if (!strcmp(a, "--collection"))
			name = v;
		else if (!strcmp(a, "--model"))
			o.model_path = v;
		else if (!strcmp(a, "--dim") && cli_parse_long(v, 1, 65536, &n))
			o.dim = (uint32_t)n;
		else if (!strcmp(a, "--metric") &&
		         parse_enum(v, metrics, 3, &e))
			o.metric = (semlite_metric)e;
		else if (!strcmp(a, "--precision") &&
		         parse_enum(v, precs, 3, &e))
			o.precision = (semlite_precision)e;
		else if (!strcmp(a, "--index") && parse_enum(v, indexes, 2, &e))
			o.index = (semlite_index)e;
		else if (!strcmp(a, "--keywords") && parse_enum(v, kwds, 2, &e))
			o.keyword_index = e;
		else if (!strcmp(a, "--m") && cli_parse_long(v, 2, 256, &n))
			o.hnsw_m = (uint32_t)n;
		else if (!strcmp(a, "--ef-construction") &&
		         cli_parse_long(v, 1, 100000, &n))
			o.hnsw_ef_construction = (uint32_t)n;
		else if (!strcmp(a, "--seed") &&
		         cli_parse_long(v, 0, 0x7fffffffffffffffL, &n))
			o.seed = (uint64_t)n;
		else
			return cli_usage("create", "bad option %s %s", a, v);
	}
	if (!path)
		return cli_usage("create", "no database given");
	semlite_db *db;
	if (cli_open("create", path, SEMLITE_OPEN_CREATE, NULL, &db, NULL))
		return 1;
	int rc = semlite_collection_create(db, name, &o);
	semlite_close(db);
	if (rc)
		return cli_fail("create", rc, "cannot create collection '%s'",
		                name ? name : "default");
	return 0;
}
