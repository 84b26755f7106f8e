/*
 * cmd_copy.c — `semlite copy DB DEST [--no-compact] [--json]`: a
 * consistent copy of a database into the new file DEST while it stays in
 * use (semlite_db_copy). By default the copy is compacted: the pages LMDB
 * keeps free for reuse are left out, so DEST is as small as the live data
 * (SQLite's VACUUM INTO). Prints both sizes and the time taken.
 */
#include "cli/dbutil.h"

#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

int cli_cmd_copy(int argc, char **argv)
{
	const char *path = NULL, *dest = NULL;
	bool json = false, compact = true;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf(
			    "usage: semlite copy DB DEST [--no-compact] "
			    "[--json]\n"
			    "Writes a consistent copy of DB to the new file "
			    "DEST while DB stays in use;\nfree pages are left "
			    "out unless --no-compact.\n");
			return 0;
		}
		if (!strcmp(argv[i], "--no-compact"))
			compact = false;
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else if (argv[i][0] != '-' && !dest)
			dest = argv[i];
		else
			return cli_usage("copy", "unexpected '%s'", argv[i]);
	}
	if (!path || !dest)
		return cli_usage("copy", "need DB and DEST");
	semlite_db *db;
	if (cli_open("copy", path, SEMLITE_OPEN_READONLY, NULL, &db, NULL))
		return 1;
	uint64_t before = 0;
	double t0 = cli_now();
	int rc = semlite_db_file_size(db, &before);
	if (!rc)
		rc = semlite_db_copy(db, dest,
		                     compact ? SEMLITE_COPY_COMPACT : 0);
	double secs = cli_now() - t0;
	semlite_close(db);
	if (rc)
		return cli_fail("copy", rc, "cannot copy %s to %s", path, dest);
	struct stat st;
	if (stat(dest, &st))
		return cli_fail("copy", SEMLITE_IOERR, "cannot stat %s", dest);
	uint64_t after = (uint64_t)st.st_size;
	if (json)
		printf("{\"bytes_before\": %" PRIu64
		       ", \"bytes_after\": %" PRIu64
		       ", \"compact\": %s, \"seconds\": %.3f}\n",
		       before, after, compact ? "true" : "false", secs);
	else
		printf("%s (%" PRIu64 " bytes) -> %s (%" PRIu64
		       " bytes) in %.3f s\n",
		       path, before, dest, after, secs);
	return 0;
}
