/*
 * search_folder — index every .txt file of a folder and search it.
 *
 *   search_folder DIR "QUERY" [MODEL_DIR]
 *
 * Each file becomes one document (its name is the id); the five best
 * files for the query are printed, ranked by hybrid search (meaning and
 * keywords fused). Without MODEL_DIR the built-in default model encodes
 * the text. Copy this file and ../common/example_util.h; link -lsemlite.
 */
#include "example_util.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: search_folder DIR QUERY [MODEL_DIR]\n");
		return 2;
	}
	ex_db e = {0};
	int ret = ex_open(&e, argc > 3 ? argv[3] : NULL);
	if (!ret)
		ret = ex_import(&e, argv[1], 0);
	if (!ret) {
		semlite_search_opts o;
		semlite_search_opts_init(&o); /* mode auto: hybrid for text */
		o.k = 5;
		semlite_results *res;
		int rc = semlite_search_text(e.c, argv[2], strlen(argv[2]), &o,
		                             &res);
		if (rc)
			ret = ex_fail("search", rc);
		for (size_t i = 0; !rc && i < res->count; i++)
			printf("%.3f  %s\n", (double)res->items[i].score,
			       res->items[i].id);
		if (!rc)
			semlite_results_free(res);
	}
	ex_close(&e);
	return ret;
}
