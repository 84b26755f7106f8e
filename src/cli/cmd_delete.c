/*
 * cmd_delete.c — `semlite delete DB ID...`: deletes documents by id, all
 * in one transaction.
 */
#include "cli/dbutil.h"

#include <string.h>

int cli_cmd_delete(int argc, char **argv)
{
	const char *path = NULL, *name = NULL;
	int first = 0;
	for (int i = 1; i < argc && !first; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: semlite delete DB ID... "
			       "[--collection NAME]\n");
			return 0;
		}
		if (!strcmp(argv[i], "--collection") && i + 1 < argc)
			name = argv[++i];
		else if (!path)
			path = argv[i];
		else
			first = i;
	}
	if (!path || !first)
		return cli_usage("delete", "need DB and ID");
	semlite_db *db;
	semlite_collection *c;
	if (cli_open("delete", path, 0, name, &db, &c))
		return 1;
	semlite_txn *t;
	int rc = semlite_txn_begin(db, &t);
	for (int i = first; i < argc && !rc; i++) {
		if (!strcmp(argv[i], "--collection")) {
			i++;
			continue;
		}
		rc = semlite_doc_delete(c, t, argv[i]);
		if (rc) {
			cli_fail("delete", rc, "cannot delete '%s'", argv[i]);
			semlite_txn_abort(t);
		}
	}
	if (!rc && (rc = semlite_txn_commit(t)))
		cli_fail("delete", rc, "commit failed");
	semlite_collection_close(c);
	semlite_close(db);
	return rc ? 1 : 0;
}
