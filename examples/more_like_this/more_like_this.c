/*
 * more_like_this — recommendations from examples the user liked (and
 * disliked).
 *
 *   more_like_this DIR LIKED_FILE [DISLIKED_FILE] [MODEL_DIR]
 *
 * Indexes the .txt files of DIR and prints the three files most like
 * LIKED_FILE and unlike DISLIKED_FILE (give "-" for none), using the
 * `best` strategy: a candidate closer to a disliked file than to every
 * liked one sinks to the bottom. The examples themselves never come back.
 * Copy with ../common/example_util.h; link -lsemlite.
 */
#include "example_util.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: more_like_this DIR LIKED [DISLIKED|-] "
		                "[MODEL_DIR]\n");
		return 2;
	}
	const char *like[] = {argv[2]}, *unlike[] = {argc > 3 ? argv[3] : "-"};
	ex_db e = {0};
	int ret = ex_open(&e, argc > 4 ? argv[4] : NULL);
	if (!ret)
		ret = ex_import(&e, argv[1], 0);
	if (!ret) {
		semlite_reco_query q = {0};
		q.like_ids = like;
		q.n_like_ids = 1;
		q.unlike_ids = unlike;
		q.n_unlike_ids = strcmp(unlike[0], "-") ? 1 : 0;
		q.strategy = SEMLITE_RECO_BEST;
		semlite_search_opts o;
		semlite_search_opts_init(&o);
		o.k = 3;
		semlite_results *res;
		int rc = semlite_recommend(e.c, &q, &o, &res);
		if (rc)
			ret = ex_fail("recommend", rc);
		for (size_t i = 0; !rc && i < res->count; i++)
			printf("%.3f  %s\n", (double)res->items[i].score,
			       res->items[i].id);
		if (!rc)
			semlite_results_free(res);
	}
	ex_close(&e);
	return ret;
}
