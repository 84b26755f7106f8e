/*
 * cmd_recommend.c — `semlite recommend`: documents like some examples and
 * unlike others (semlite_recommend).
 *
 *   semlite recommend DB --like ID... [--unlike ID...] [--like-text T...]
 *       [--unlike-text T...] [-k K] [--strategy average|best]
 *       [--where F=V] [--mmr LAMBDA] [--collection NAME] [--json]
 *
 * A list option takes every following argument up to the next option, so
 * `--like 12 34 --unlike 56` gives two positives and one negative. Output
 * is as `semlite search`: "score  id  text" per line, or JSON Lines.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/dbutil.h"

#include <stdlib.h>
#include <string.h>

typedef struct list {
	const char **v;
	size_t n;
} list;

typedef struct rargs {
	const char *path, *name;
	list like, unlike, like_text, unlike_text;
	semlite_search_opts o;
	int strategy;
	bool json;
	char *where;
} rargs;

/* Takes argv[*i + 1 ...] up to the next option into l. */
static int take_list(list *l, int argc, char **argv, int *i)
{
	while (*i + 1 < argc && argv[*i + 1][0] != '-') {
		const char **v = realloc(l->v, (l->n + 1) * sizeof *v);
		if (!v)
			return cli_fail("recommend", SEMLITE_NOMEM,
			                "arguments");
		l->v = v;
		l->v[l->n++] = argv[++*i];
	}
	return 0;
}

static list *list_for(rargs *a, const char *s)
{
	if (!strcmp(s, "--like"))
		return &a->like;
	if (!strcmp(s, "--unlike"))
		return &a->unlike;
	if (!strcmp(s, "--like-text"))
		return &a->like_text;
	if (!strcmp(s, "--unlike-text"))
		return &a->unlike_text;
	return NULL;
}

static int set_where(rargs *a, const char *v)
{
	a->where = strdup(v);
	if (!a->where)
		return cli_fail("recommend", SEMLITE_NOMEM, "--where");
	char *eq = strchr(a->where, '=');
	*eq = 0;
	a->o.where_field = a->where;
	a->o.where_value = eq + 1;
	return 0;
}

static int parse_opt(rargs *a, const char *s, const char *v)
{
	long n;
	char *end;
	if ((!strcmp(s, "-k") || !strcmp(s, "--k")) &&
	    cli_parse_long(v, 1, 1000000, &n))
		a->o.k = (size_t)n;
	else if (!strcmp(s, "--strategy") &&
	         (!strcmp(v, "average") || !strcmp(v, "best")))
		a->strategy = !strcmp(v, "best") ? SEMLITE_RECO_BEST
		                                 : SEMLITE_RECO_AVERAGE;
	else if (!strcmp(s, "--where") && strchr(v, '=') && !a->where)
		return set_where(a, v);
	else if (!strcmp(s, "--mmr") && (a->o.mmr = strtof(v, &end), 1) &&
	         end != v && !*end && a->o.mmr > 0 && a->o.mmr <= 1)
		;
	else if (!strcmp(s, "--collection"))
		a->name = v;
	else
		return cli_usage("recommend", "bad option %s %s", s, v);
	return 0;
}

static int parse(rargs *a, int argc, char **argv)
{
	semlite_search_opts_init(&a->o);
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		list *l = list_for(a, s);
		int ret = 0;
		if (l)
			ret = take_list(l, argc, argv, &i);
		else if (!strcmp(s, "--json"))
			a->json = true;
		else if (s[0] != '-' && !a->path)
			a->path = s;
		else if (s[0] != '-')
			ret = cli_usage("recommend", "unexpected '%s'", s);
		else if (i + 1 >= argc)
			ret = cli_usage("recommend", "%s needs a value", s);
		else
			ret = parse_opt(a, s, argv[++i]);
		if (ret)
			return ret;
	}
	if (!a->path)
		return cli_usage("recommend", "need DB");
	if (!a->like.n && !a->like_text.n)
		return cli_usage("recommend",
		                 "need --like ID or --like-text T");
	return 0;
}

int cli_cmd_recommend(int argc, char **argv);

int cli_cmd_recommend(int argc, char **argv)
{
	if (argc > 1 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: semlite recommend DB --like ID... [--unlike "
		       "ID...]\n"
		       "       [--like-text T...] [--unlike-text T...] [-k K] "
		       "[--strategy average|best]\n"
		       "       [--where F=V] [--mmr LAMBDA] [--collection "
		       "NAME] [--json]\n");
		return 0;
	}
	rargs a = {0};
	int ret = parse(&a, argc, argv);
	semlite_db *db = NULL;
	semlite_collection *c = NULL;
	if (!ret)
		ret = cli_open("recommend", a.path, SEMLITE_OPEN_READONLY,
		               a.name, &db, &c);
	if (!ret) {
		semlite_reco_query q = {
		    a.like.v,        a.like.n,        a.unlike.v,
		    a.unlike.n,      a.like_text.v,   a.like_text.n,
		    a.unlike_text.v, a.unlike_text.n, a.strategy};
		semlite_results *res = NULL;
		a.o.with_text = 1;
		int rc = semlite_recommend(c, &q, &a.o, &res);
		if (rc)
			ret =
			    cli_fail("recommend", rc, "recommendation failed");
		else
			cli_print_results(res, a.json);
		semlite_results_free(res);
	}
	free(a.like.v);
	free(a.unlike.v);
	free(a.like_text.v);
	free(a.unlike_text.v);
	free(a.where);
	semlite_collection_close(c);
	semlite_close(db);
	return ret;
}
