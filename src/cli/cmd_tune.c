/*
 * cmd_tune.c — `semlite tune DB [--collection NAME] [--target R] [--json]`:
 * measures the search breadth (ef) the collection's data needs for the
 * target recall@10 and stores it as the default of every search that does
 * not pass --ef (semlite_collection_tune). `semlite import` runs the same
 * step after a bulk load.
 */
#include "cli/dbutil.h"

#include <stdlib.h>
#include <string.h>

int cli_tune(const char *cmd, semlite_collection *c, double target, bool json)
{
	semlite_collection_stats s;
	if (!semlite_collection_stats_get(c, &s) &&
	    s.index == SEMLITE_INDEX_NONE)
		return 0; /* flat search only: nothing to tune */
	uint32_t ef;
	double recall, t0 = cli_now();
	int rc = semlite_collection_tune(c, target, &ef, &recall);
	if (rc)
		return cli_fail(cmd, rc, "cannot tune the search breadth");
	if (json)
		printf("{\"ef\": %u, \"recall\": %.4f, \"seconds\": %.3f}\n",
		       ef, recall, cli_now() - t0);
	else
		fprintf(stderr,
		        "default search breadth: ef %u (recall@10 %.4f on "
		        "sample queries; %.2f s)\n",
		        ef, recall, cli_now() - t0);
	return 0;
}

int cli_cmd_tune(int argc, char **argv)
{
	const char *path = NULL, *name = NULL;
	double target = 0;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: semlite tune DB [--collection NAME] "
			       "[--target R] [--json]\n"
			       "Measures the smallest search breadth (ef) at "
			       "which the index finds R (default\n0.95) of the "
			       "exact top 10 for sample queries made from the "
			       "collection's own\nvectors, and makes it the "
			       "default of searches without --ef.\n");
			return 0;
		}
		if (!strcmp(a, "--json"))
			json = true;
		else if (!strcmp(a, "--collection") && v)
			name = argv[++i];
		else if (!strcmp(a, "--target") && v) {
			char *end;
			target = strtod(v, &end);
			if (*end || !(target > 0 && target <= 1))
				return cli_usage("tune",
				                 "--target must be in (0, 1]");
			i++;
		} else if (a[0] != '-' && !path)
			path = a;
		else
			return cli_usage("tune", "unexpected '%s'", a);
	}
	if (!path)
		return cli_usage("tune", "need DB");
	semlite_db *db;
	semlite_collection *c;
	if (cli_open("tune", path, 0, name, &db, &c))
		return 1;
	int ret = cli_tune("tune", c, target, json);
	semlite_collection_close(c);
	semlite_close(db);
	return ret;
}
