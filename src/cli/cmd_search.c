/*
 * cmd_search.c — `semlite search`: one text query, or a batch of queries
 * from BEIR-style JSONL (--queries) or fvecs (--vectors).
 *
 * One query prints its results one per line ("score  id  text" or, with
 * --json, {"id","score","text"}). A batch prints one JSON line per query,
 * {"query_id", "results": [{"id","score"}...]}, and reports on stderr how
 * many queries ran and the time spent searching (not opening or parsing).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/dbutil.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

typedef struct sargs {
	const char *path, *query, *queries, *vectors, *name;
	semlite_search_opts o;
	bool json;
	char *where;
} sargs;

static void print_batch_line(const char *qid, const semlite_results *r)
{
	fputs("{\"query_id\": ", stdout);
	cli_json_string(stdout, qid, strlen(qid));
	fputs(", \"results\": [", stdout);
	for (size_t i = 0; i < r->count; i++) {
		fputs(i ? ", {\"id\": " : "{\"id\": ", stdout);
		cli_json_string(stdout, r->items[i].id, strlen(r->items[i].id));
		fputs(", \"score\": ", stdout);
		cli_json_float(stdout, r->items[i].score);
		fputc('}', stdout);
	}
	fputs("]}\n", stdout);
}

static int batch_text(semlite_collection *c, const sargs *a, long *nq,
                      double *secs)
{
	cli_lines *r;
	if (cli_lines_open(a->queries, &r))
		return cli_fail("search", SEMLITE_IOERR, "cannot read %s",
		                a->queries);
	char *line;
	size_t len;
	unsigned long long ln = 0;
	int g, ret = 0;
	while (!ret && (g = cli_lines_next(r, &line, &len)) == 1) {
		ln++;
		if (!len)
			continue;
		cJSON *o = cJSON_ParseWithLength(line, len);
		cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "_id");
		cJSON *tx = cJSON_GetObjectItemCaseSensitive(o, "text");
		if (!cJSON_IsString(id) || !cJSON_IsString(tx)) {
			fprintf(stderr,
			        "semlite search: %s:%llu: need string fields "
			        "\"_id\" and \"text\"\n",
			        a->queries, ln);
			cJSON_Delete(o);
			ret = 1;
			break;
		}
		semlite_results *res;
		double t0 = cli_now();
		int rc = semlite_search_text(
		    c, tx->valuestring, strlen(tx->valuestring), &a->o, &res);
		*secs += cli_now() - t0;
		if (rc)
			ret = cli_fail("search", rc, "%s:%llu", a->queries, ln);
		else
			print_batch_line(id->valuestring, res);
		semlite_results_free(res);
		cJSON_Delete(o);
		(*nq)++;
	}
	if (!ret && g < 0)
		ret = cli_fail("search", SEMLITE_IOERR, "%s: read error",
		               a->queries);
	cli_lines_close(r);
	return ret;
}

static int batch_vectors(semlite_collection *c, const sargs *a, long *nq,
                         double *secs)
{
	FILE *f = fopen(a->vectors, "rb");
	if (!f)
		return cli_fail("search", SEMLITE_IOERR, "cannot read %s",
		                a->vectors);
	float *v = NULL;
	size_t cap = 0, dim;
	int g, ret = 0;
	while (!ret && (g = cli_fvecs_next(f, &v, &cap, &dim)) == 1) {
		semlite_results *res;
		char qid[32];
		snprintf(qid, sizeof qid, "%ld", *nq);
		double t0 = cli_now();
		int rc = semlite_search_vector(c, v, dim, &a->o, &res);
		*secs += cli_now() - t0;
		if (rc)
			ret = cli_fail("search", rc, "%s: query %s", a->vectors,
			               qid);
		else
			print_batch_line(qid, res);
		semlite_results_free(res);
		(*nq)++;
	}
	if (!ret && g < 0)
		ret = cli_fail("search", SEMLITE_CORRUPT,
		               "%s: malformed fvecs record", a->vectors);
	free(v);
	fclose(f);
	return ret;
}

static bool cli_parse_mode(const char *v, int *mode)
{
	static const char *const names[] = {"auto", "dense", "keyword",
	                                    "hybrid"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(v, names[i])) {
			*mode = i; /* the semlite_search_mode values */
			return true;
		}
	return false;
}

/* A number in [0, 1]. */
static bool cli_parse_unit(const char *v, float *out)
{
	char *end;
	double d = strtod(v, &end);
	if (end == v || *end || !(d >= 0 && d <= 1))
		return false;
	*out = (float)d;
	return true;
}

static int parse(sargs *a, int argc, char **argv)
{
	semlite_search_opts_init(&a->o);
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		long n;
		if (!strcmp(s, "--json")) {
			a->json = true;
			continue;
		}
		if (!strcmp(s, "--exact")) {
			a->o.exact = 1;
			continue;
		}
		if (!strcmp(s, "--group-by-doc")) {
			a->o.group_by_doc = 1;
			continue;
		}
		if (s[0] != '-' || !s[1]) {
			if (!a->path)
				a->path = s;
			else if (!a->query)
				a->query = s;
			else
				return cli_usage("search", "unexpected '%s'",
				                 s);
			continue;
		}
		if (!v)
			return cli_usage("search", "%s needs a value", s);
		i++;
		if ((!strcmp(s, "-k") || !strcmp(s, "--k")) &&
		    cli_parse_long(v, 1, 1000000, &n))
			a->o.k = (size_t)n;
		else if (!strcmp(s, "--ef") &&
		         cli_parse_long(v, 1, 1000000, &n))
			a->o.ef = (uint32_t)n;
		else if (!strcmp(s, "--where") && strchr(v, '=') && !a->where) {
			a->where = strdup(v);
			if (!a->where)
				return cli_fail("search", SEMLITE_NOMEM,
				                "--where");
			char *eq = strchr(a->where, '=');
			*eq = 0;
			a->o.where_field = a->where;
			a->o.where_value = eq + 1;
		} else if (!strcmp(s, "--queries"))
			a->queries = v;
		else if (!strcmp(s, "--vectors"))
			a->vectors = v;
		else if (!strcmp(s, "--collection"))
			a->name = v;
		else if (!strcmp(s, "--mode") && cli_parse_mode(v, &a->o.mode))
			;
		else if (!strcmp(s, "--fusion") &&
		         (!strcmp(v, "convex") || !strcmp(v, "rrf")))
			a->o.fusion = !strcmp(v, "rrf") ? SEMLITE_FUSION_RRF
			                                : SEMLITE_FUSION_CONVEX;
		else if (!strcmp(s, "--weight") &&
		         cli_parse_unit(v, &a->o.dense_weight))
			;
		else if (!strcmp(s, "--mmr") && cli_parse_unit(v, &a->o.mmr) &&
		         a->o.mmr > 0)
			;
		else
			return cli_usage("search", "bad option %s %s", s, v);
	}
	if (!a->path || (!a->query && !a->queries && !a->vectors))
		return cli_usage("search", "need DB and a QUERY, --queries or "
		                           "--vectors");
	return 0;
}

int cli_cmd_search(int argc, char **argv)
{
	if (argc > 1 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: semlite search DB QUERY [-k K] [--where F=V] "
		       "[--json] [--collection NAME]\n"
		       "       semlite search DB --queries FILE.jsonl | "
		       "--vectors FILE.fvecs [-k K]\n"
		       "       [--exact] [--ef N]\n"
		       "       [--mode auto|dense|keyword|hybrid] "
		       "[--fusion convex|rrf] [--weight W]\n"
		       "       [--mmr LAMBDA] [--group-by-doc]\n"
		       "auto (default) is hybrid when the collection has "
		       "text, else dense;\n"
		       "--weight is the dense share of a convex fusion "
		       "(default %.2f).\n",
		       (double)SEMLITE_DENSE_WEIGHT);
		return 0;
	}
	sargs a = {0};
	int ret = parse(&a, argc, argv);
	semlite_db *db = NULL;
	semlite_collection *c = NULL;
	if (!ret)
		ret = cli_open("search", a.path, SEMLITE_OPEN_READONLY, a.name,
		               &db, &c);
	if (ret)
		goto out;
	if (a.queries || a.vectors) {
		long nq = 0;
		double secs = 0;
		ret = a.queries ? batch_text(c, &a, &nq, &secs)
		                : batch_vectors(c, &a, &nq, &secs);
		fprintf(stderr,
		        "%ld queries, search time %.3f s (%.3f ms/query)\n", nq,
		        secs, nq ? secs * 1000 / (double)nq : 0.0);
	} else {
		semlite_results *res;
		a.o.with_text = 1;
		int rc = semlite_search_text(c, a.query, strlen(a.query), &a.o,
		                             &res);
		if (rc)
			ret = cli_fail("search", rc, "query failed");
		else
			cli_print_results(res, a.json);
		semlite_results_free(res);
	}
out:
	free(a.where);
	semlite_collection_close(c);
	semlite_close(db);
	return ret;
}
