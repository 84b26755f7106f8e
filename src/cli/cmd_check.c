/*
 * cmd_check.c — `semlite check DB`: the integrity check; exit 0 when the
 * database is sound, 1 with the first problem otherwise.
 */
#include "cli/dbutil.h"

#include <string.h>

int cli_cmd_check(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		if (argc == 2 &&
		    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			printf("usage: semlite check DB\n");
			return 0;
		}
		return cli_usage("check", "usage: semlite check DB");
	}
	semlite_db *db;
	if (cli_open("check", argv[1], SEMLITE_OPEN_READONLY, NULL, &db, NULL))
		return 1;
	char report[1024];
	int rc = semlite_db_check(db, report, sizeof report);
	semlite_close(db);
	if (rc)
		return cli_fail("check", rc, "%s is damaged", argv[1]);
	printf("%s\n", report);
	return 0;
}
