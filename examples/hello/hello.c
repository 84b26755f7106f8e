/*
 * hello — the smallest complete semlite program: create a database with
 * the built-in model, put three documents in one transaction, search by
 * meaning. It is the program README.md shows; build it against an
 * installed semlite with
 *
 *   cc hello.c $(pkg-config --cflags --libs semlite) -o hello
 *   ./hello /tmp/hello.semlite
 */
#include <semlite.h>
#include <stdio.h>
#include <string.h>

static int fail(const char *what, int rc)
{
	fprintf(stderr, "hello: %s: %s (%s)\n", what, semlite_errstr(rc),
	        semlite_errmsg());
	return 1;
}

int main(int argc, char **argv)
{
	static const char *docs[][2] = {
	    {"bread", "Knead the dough and let it rise before baking."},
	    {"stars", "Stars shine because fusion turns hydrogen into helium."},
	    {"leak", "A memory leak makes a program grow until it crashes."},
	};
	const char *q = "why do stars glow";
	semlite_db *db;
	semlite_collection *c;
	semlite_txn *txn;
	semlite_results *res;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: hello NEW_DB_FILE\n");
		return 2;
	}
	if ((rc = semlite_open(argv[1], SEMLITE_OPEN_CREATE, &db)))
		return fail("open", rc);
	/* NULL options: the collection "default" with the built-in model. */
	if ((rc = semlite_collection_create(db, NULL, NULL)) ||
	    (rc = semlite_collection_open(db, NULL, &c)))
		return fail("collection", rc);
	if ((rc = semlite_txn_begin(db, &txn)))
		return fail("begin", rc);
	for (size_t i = 0; i < 3 && !rc; i++)
		rc = semlite_doc_put(c, txn, docs[i][0], docs[i][1],
		                     strlen(docs[i][1]), NULL);
	if (rc) {
		semlite_txn_abort(txn);
		return fail("put", rc);
	}
	if ((rc = semlite_txn_commit(txn))) /* one commit for the batch */
		return fail("commit", rc);
	if ((rc = semlite_search_text(c, q, strlen(q), NULL, &res)))
		return fail("search", rc);
	for (size_t i = 0; i < res->count; i++)
		printf("%.3f %s\n", (double)res->items[i].score,
		       res->items[i].id);
	semlite_results_free(res);
	semlite_collection_close(c);
	semlite_close(db);
	return 0;
}
