/*
 * cmd_get.c — `semlite get DB ID`: prints one document (text, then its
 * metadata on a second line), or with --json one JSON object.
 */
#include "cli/dbutil.h"

#include <string.h>

int cli_cmd_get(int argc, char **argv)
{
	const char *path = NULL, *id = NULL, *name = NULL;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: semlite get DB ID [--collection NAME] "
			       "[--json]\n");
			return 0;
		}
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--collection") && i + 1 < argc)
			name = argv[++i];
		else if (!path)
			path = argv[i];
		else if (!id)
			id = argv[i];
		else
			return cli_usage("get", "unexpected '%s'", argv[i]);
	}
	if (!path || !id)
		return cli_usage("get", "need DB and ID");
	semlite_db *db;
	semlite_collection *c;
	if (cli_open("get", path, SEMLITE_OPEN_READONLY, name, &db, &c))
		return 1;
	semlite_doc *d;
	int rc = semlite_doc_get(c, NULL, id, &d);
	if (rc) {
		cli_fail("get", rc, "cannot get '%s'", id);
	} else if (json) {
		fputs("{\"id\": ", stdout);
		cli_json_string(stdout, d->id, strlen(d->id));
		fputs(", \"text\": ", stdout);
		cli_json_string(stdout, d->text, d->text_len);
		printf(", \"metadata\": %s}\n",
		       *d->metadata ? d->metadata : "{}");
	} else {
		fwrite(d->text, 1, d->text_len, stdout);
		fputc('\n', stdout);
		if (*d->metadata)
			printf("%s\n", d->metadata);
	}
	semlite_doc_free(d);
	semlite_collection_close(c);
	semlite_close(db);
	return rc ? 1 : 0;
}
