/*
 * cmd_compact.c — `semlite compact DB [--collection NAME] [--json]`:
 * removes the tombstones of one collection, or of every collection when
 * none is named, each in its own transaction (semlite_collection_compact).
 * Prints how many ids each collection lost, the time it took and the file
 * size after; the file keeps its size, freed pages are reused by later
 * writes.
 */
#include "cli/dbutil.h"

#include <inttypes.h>
#include <string.h>

static int compact_one(semlite_db *db, const char *name, bool json, bool first)
{
	semlite_collection *c;
	uint64_t purged = 0;
	int rc = semlite_collection_open(db, name, &c);
	if (rc)
		return cli_fail("compact", rc, "cannot open collection '%s'",
		                name);
	double t0 = cli_now();
	rc = semlite_collection_compact(c, &purged);
	double secs = cli_now() - t0;
	semlite_collection_close(c);
	if (rc)
		return cli_fail("compact", rc, "collection '%s'", name);
	if (json) {
		fputs(first ? "{\"name\": " : ", {\"name\": ", stdout);
		cli_json_string(stdout, name, strlen(name));
		printf(", \"purged\": %" PRIu64 ", \"seconds\": %.3f}", purged,
		       secs);
	} else {
		printf("collection %s: %" PRIu64 " tombstones removed in "
		       "%.3f s\n",
		       name, purged, secs);
	}
	return 0;
}

static int compact_all(semlite_db *db, const char *only, bool json)
{
	char **names = NULL;
	size_t n = 0;
	int rc = 0;
	if (only) {
		rc = compact_one(db, only, json, true);
	} else {
		int src = semlite_collection_list(db, &names, &n);
		if (src)
			return cli_fail("compact", src,
			                "cannot list collections");
		for (size_t i = 0; i < n && !rc; i++)
			rc = compact_one(db, names[i], json, i == 0);
		semlite_names_free(names, n);
	}
	return rc;
}

int cli_cmd_compact(int argc, char **argv)
{
	const char *path = NULL, *name = NULL;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: semlite compact DB [--collection NAME] "
			       "[--json]\n"
			       "Removes deleted documents from the index for "
			       "good (all collections unless one is named).\n");
			return 0;
		}
		if (!strcmp(argv[i], "--collection") && i + 1 < argc)
			name = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			return cli_usage("compact", "unexpected '%s'", argv[i]);
	}
	if (!path)
		return cli_usage("compact", "need DB");
	semlite_db *db;
	if (cli_open("compact", path, 0, NULL, &db, NULL))
		return 1;
	if (json)
		fputs("{\"collections\": [", stdout);
	int rc = compact_all(db, name, json);
	uint64_t bytes = 0;
	if (!rc && semlite_db_file_size(db, &bytes))
		rc = cli_fail("compact", SEMLITE_IOERR, "cannot stat %s", path);
	if (!rc && json)
		printf("], \"bytes_on_disk\": %" PRIu64 "}\n", bytes);
	else if (!rc)
		printf("bytes on disk: %" PRIu64 "\n", bytes);
	else if (json)
		fputs("]}\n", stdout);
	semlite_close(db);
	return rc ? 1 : 0;
}
