/*
 * cmd_vacuum.c — `semlite vacuum DB [--json]`: rewrites a database file in
 * place with its live records alone, packed (semlite_vacuum; SQLite's
 * VACUUM). Every other handle must be closed. Prints both sizes and the
 * time taken. `semlite import` runs the same step after a bulk load.
 */
#include "cli/dbutil.h"

#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

int cli_vacuum(const char *cmd, const char *path, bool json, bool busy_ok)
{
	struct stat st;
	if (stat(path, &st))
		return cli_fail(cmd, SEMLITE_NOTFOUND, "no such database %s",
		                path);
	uint64_t before = (uint64_t)st.st_size;
	if (!json)
		fprintf(stderr, "vacuuming %s (%" PRIu64 " bytes)...\n", path,
		        before);
	double t0 = cli_now();
	int rc = semlite_vacuum(path);
	double secs = cli_now() - t0;
	if (rc == SEMLITE_BUSY && busy_ok) {
		fprintf(stderr,
		        "not vacuumed: %s is open elsewhere; run `semlite "
		        "vacuum %s` once it is closed\n",
		        path, path);
		return 0;
	}
	if (rc)
		return cli_fail(cmd, rc, "cannot vacuum %s", path);
	if (stat(path, &st))
		return cli_fail(cmd, SEMLITE_IOERR, "cannot stat %s", path);
	uint64_t after = (uint64_t)st.st_size;
	if (json)
		printf("{\"bytes_before\": %" PRIu64
		       ", \"bytes_after\": %" PRIu64 ", \"seconds\": %.3f}\n",
		       before, after, secs);
	else
		fprintf(stderr,
		        "vacuumed %s: %" PRIu64 " -> %" PRIu64
		        " bytes in %.2f s\n",
		        path, before, after, secs);
	return 0;
}

int cli_cmd_vacuum(int argc, char **argv)
{
	const char *path = NULL;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: semlite vacuum DB [--json]\n"
			       "Rewrites DB in place with its live records "
			       "alone, packed: no free pages,\nno half-empty "
			       "pages. No other process may have DB open; it "
			       "needs free disk\nfor one more copy of DB while "
			       "it runs.\n");
			return 0;
		}
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			return cli_usage("vacuum", "unexpected '%s'", argv[i]);
	}
	if (!path)
		return cli_usage("vacuum", "need DB");
	return cli_vacuum("vacuum", path, json, false);
}
