/*
 * rag_context — the retrieval half of retrieval-augmented generation.
 *
 *   rag_context DIR "QUESTION" [MODEL_DIR]
 *
 * Splits every .txt file of DIR at sentence boundaries into chunks of at
 * most 40 words (10 words of overlap), stores each chunk with its source
 * file and byte offsets, retrieves the best chunks for the question by
 * hybrid search, and prints them as a context block ready to paste in
 * front of a prompt. Copy with ../common/example_util.h; link -lsemlite.
 */
#include "example_util.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr,
		        "usage: rag_context DIR QUESTION [MODEL_DIR]\n");
		return 2;
	}
	ex_db e = {0};
	int ret = ex_open(&e, argc > 3 ? argv[3] : NULL);
	if (!ret)
		ret = ex_import(&e, argv[1], 40);
	if (!ret) {
		semlite_search_opts o;
		semlite_search_opts_init(&o);
		o.k = 3;
		o.with_text = 1; /* chunk text and its offsets (metadata) */
		semlite_results *res;
		int rc = semlite_search_text(e.c, argv[2], strlen(argv[2]), &o,
		                             &res);
		if (rc)
			ret = ex_fail("search", rc);
		for (size_t i = 0; !rc && i < res->count; i++) {
			const semlite_result *r = &res->items[i];
			if (i == 0)
				printf("Use the context below to answer.\n\n"
				       "Context:\n");
			printf("[%zu] (%s %s)\n%.*s\n\n", i + 1, r->id,
			       r->metadata, (int)r->text_len, r->text);
		}
		if (!rc) {
			printf("Question: %s\n", argv[2]);
			semlite_results_free(res);
		}
	}
	ex_close(&e);
	return ret;
}
