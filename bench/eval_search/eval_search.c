/*
 * eval_search — retrieval quality on SciFact (BEIR): nDCG@10 and recall@100
 * for keyword (BM25) search, plus the time per query.
 *
 * usage: eval_search [--data DIR] [--split train|test] [--k1 X] [--b X]
 *                    [--no-stem] [--no-stop] [--grid]
 *
 * DIR defaults to $SEMLITE_SHARED/data/scifact (or ../shared/data/scifact).
 * A document's text is title + " " + text. Only queries that have
 * judgments in the chosen qrels file are scored (as BEIR does). --grid
 * sweeps k1 and b and prints one line per setting: use it on the train
 * split only; the test split is for the final figure.
 *
 * nDCG uses linear gains (pytrec_eval's definition, which BEIR reports);
 * SciFact's judgments are all 1 anyway.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter/bm25.h"

typedef struct doc {
	char *id;
	char *text;
} doc;

typedef struct qrel {
	char *qid, *did;
	int rel;
} qrel;

typedef struct query {
	char *id, *text;
	size_t q0, nq; /* its judgments: qrels[q0 .. q0 + nq) */
} query;

typedef struct data {
	doc *docs;
	size_t ndocs;
	query *queries;
	size_t nqueries;
	qrel *qrels;
	size_t nqrels;
} data;

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

static char *dupstr(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	memcpy(d, s, n);
	return d;
}

/* Calls fn on each parsed JSON line. */
static int each_jsonl(const char *path, void (*fn)(void *, cJSON *), void *ctx)
{
	size_t len;
	char *buf = read_file(path, &len);
	if (!buf) {
		fprintf(stderr, "cannot read %s\n", path);
		return -1;
	}
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		cJSON *j = cJSON_Parse(line);
		if (j)
			fn(ctx, j);
		cJSON_Delete(j);
		line = nl ? nl + 1 : NULL;
	}
	free(buf);
	return 0;
}

static const char *jstr(cJSON *j, const char *k)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static void add_doc(void *ctx, cJSON *j)
{
	data *d = ctx;
	const char *title = jstr(j, "title"), *text = jstr(j, "text");
	size_t n = strlen(title) + strlen(text) + 2;
	d->docs = realloc(d->docs, (d->ndocs + 1) * sizeof *d->docs);
	doc *o = &d->docs[d->ndocs++];
	o->id = dupstr(jstr(j, "_id"));
	o->text = malloc(n);
	snprintf(o->text, n, "%s %s", title, text);
}

static void add_query(void *ctx, cJSON *j)
{
	data *d = ctx;
	d->queries =
	    realloc(d->queries, (d->nqueries + 1) * sizeof *d->queries);
	query *q = &d->queries[d->nqueries++];
	q->id = dupstr(jstr(j, "_id"));
	q->text = dupstr(jstr(j, "text"));
	q->q0 = q->nq = 0;
}

static int cmp_qrel(const void *a, const void *b)
{
	return strcmp(((const qrel *)a)->qid, ((const qrel *)b)->qid);
}

/* qrels TSV: header line, then query-id TAB corpus-id TAB score (CRLF). */
static int load_qrels(const char *path, data *d)
{
	size_t len;
	char *buf = read_file(path, &len);
	if (!buf) {
		fprintf(stderr, "cannot read %s\n", path);
		return -1;
	}
	char *save = NULL;
	bool header = true;
	for (char *line = strtok_r(buf, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (header) {
			header = false;
			continue;
		}
		char *t1 = strchr(line, '\t');
		char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2)
			continue;
		*t1 = *t2 = '\0';
		d->qrels =
		    realloc(d->qrels, (d->nqrels + 1) * sizeof *d->qrels);
		d->qrels[d->nqrels++] =
		    (qrel){dupstr(line), dupstr(t1 + 1), atoi(t2 + 1)};
	}
	free(buf);
	qsort(d->qrels, d->nqrels, sizeof *d->qrels, cmp_qrel);
	return 0;
}

/* Keeps only queries with judgments and links them to their qrels. */
static void link_queries(data *d)
{
	size_t w = 0;
	for (size_t i = 0; i < d->nqueries; i++) {
		query *q = &d->queries[i];
		qrel key = {q->id, NULL, 0};
		qrel *hit =
		    bsearch(&key, d->qrels, d->nqrels, sizeof key, cmp_qrel);
		if (!hit)
			continue;
		while (hit > d->qrels && !strcmp(hit[-1].qid, q->id))
			hit--;
		q->q0 = (size_t)(hit - d->qrels);
		while (q->q0 + q->nq < d->nqrels &&
		       !strcmp(d->qrels[q->q0 + q->nq].qid, q->id))
			q->nq++;
		d->queries[w++] = *q;
	}
	d->nqueries = w;
}

static int rel_of(const data *d, const query *q, const char *did)
{
	for (size_t i = 0; i < q->nq; i++)
		if (!strcmp(d->qrels[q->q0 + i].did, did))
			return d->qrels[q->q0 + i].rel;
	return 0;
}

static int cmp_int_desc(const void *a, const void *b)
{
	return *(const int *)b - *(const int *)a;
}

/* nDCG@10 and recall@100 of one ranking (doc indices). */
static void score_query(const data *d, const query *q, const filt_hit *h,
                        size_t n, double *ndcg, double *recall)
{
	double dcg = 0, idcg = 0;
	int rels[256];
	size_t nr = 0, nrel = 0, found = 0;
	for (size_t i = 0; i < q->nq && nr < 256; i++)
		if (d->qrels[q->q0 + i].rel > 0) {
			rels[nr++] = d->qrels[q->q0 + i].rel;
			nrel++;
		}
	qsort(rels, nr, sizeof *rels, cmp_int_desc);
	for (size_t i = 0; i < nr && i < 10; i++)
		idcg += rels[i] / log2((double)i + 2);
	for (size_t i = 0; i < n && i < 100; i++) {
		int r = rel_of(d, q, d->docs[h[i].id].id);
		if (i < 10)
			dcg += r / log2((double)i + 2);
		found += r > 0;
	}
	*ndcg = idcg > 0 ? dcg / idcg : 0;
	*recall = nrel ? (double)found / (double)nrel : 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static filt_kwmem *build_keyword(const data *d, filt_kw *kw)
{
	filt_kwmem *m = NULL;
	filt_kw_bag bag = {0};
	if (filt_kwmem_new(&m))
		return NULL;
	for (size_t i = 0; i < d->ndocs; i++) {
		const char *t = d->docs[i].text;
		if (filt_kw_bag_build(kw, t, strlen(t), &bag) ||
		    filt_kwmem_add(m, (uint32_t)i, &bag)) {
			filt_kwmem_free(m);
			m = NULL;
			break;
		}
	}
	filt_kw_bag_clear(&bag);
	return m;
}

/* Runs every query through BM25; prints nDCG@10, recall@100, ms/query. */
static void eval_keyword(const data *d, filt_kw *kw, filt_kwmem *m,
                         const filt_bm25_params *prm, const char *label)
{
	filt_hit hits[100];
	double ndcg = 0, recall = 0, t0 = now_s();
	for (size_t i = 0; i < d->nqueries; i++) {
		const query *q = &d->queries[i];
		size_t n = 0;
		filt_bm25_search(kw, q->text, strlen(q->text),
		                 filt_kwmem_stats(m), prm, filt_kwmem_lookup, m,
		                 NULL, 100, hits, &n);
		double a, b;
		score_query(d, q, hits, n, &a, &b);
		ndcg += a;
		recall += b;
	}
	double dt = now_s() - t0, nq = (double)d->nqueries;
	printf("%-28s k1=%.2f b=%.2f  nDCG@10 %.4f  recall@100 %.4f  "
	       "%.3f ms/query  (%zu queries)\n",
	       label, (double)prm->k1, (double)prm->b, ndcg / nq, recall / nq,
	       1000 * dt / nq, d->nqueries);
}

static const char *default_dir(void)
{
	static char buf[4096];
	const char *sh = getenv("SEMLITE_SHARED");
	snprintf(buf, sizeof buf, "%s/data/scifact", sh ? sh : "../shared");
	return buf;
}

int main(int argc, char **argv)
{
	const char *dir = default_dir(), *split = "test";
	filt_bm25_params prm = filt_bm25_params_default();
	filt_kw_opts ko = filt_kw_opts_default();
	bool grid = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--data") && v)
			dir = argv[++i];
		else if (!strcmp(a, "--split") && v)
			split = argv[++i];
		else if (!strcmp(a, "--k1") && v)
			prm.k1 = strtof(argv[++i], NULL);
		else if (!strcmp(a, "--b") && v)
			prm.b = strtof(argv[++i], NULL);
		else if (!strcmp(a, "--no-stem"))
			ko.stem = false;
		else if (!strcmp(a, "--no-stop"))
			ko.stopwords = false;
		else if (!strcmp(a, "--grid"))
			grid = true;
		else {
			fprintf(stderr, "usage: eval_search [--data DIR] "
			                "[--split train|test] [--k1 X] [--b X] "
			                "[--no-stem] [--no-stop] [--grid]\n");
			return 2;
		}
	}
	data d = {0};
	char path[4200];
	snprintf(path, sizeof path, "%s/corpus.jsonl", dir);
	if (each_jsonl(path, add_doc, &d))
		return 1;
	snprintf(path, sizeof path, "%s/queries.jsonl", dir);
	if (each_jsonl(path, add_query, &d))
		return 1;
	snprintf(path, sizeof path, "%s/qrels/%s.tsv", dir, split);
	if (load_qrels(path, &d))
		return 1;
	link_queries(&d);
	printf("SciFact %s: %zu documents, %zu judged queries\n", split,
	       d.ndocs, d.nqueries);
	filt_kw *kw = NULL;
	if (filt_kw_new(&ko, &kw))
		return 1;
	filt_kwmem *m = build_keyword(&d, kw);
	if (!m)
		return 1;
	char label[64];
	snprintf(label, sizeof label, "keyword%s%s", ko.stem ? "" : " no-stem",
	         ko.stopwords ? "" : " no-stop");
	if (!grid) {
		eval_keyword(&d, kw, m, &prm, label);
	} else {
		static const float k1s[] = {0.6f, 0.9f, 1.2f, 1.5f, 2.0f};
		static const float bs[] = {0.3f, 0.4f, 0.5f, 0.6f, 0.75f, 0.9f};
		for (size_t i = 0; i < 5; i++)
			for (size_t j = 0; j < 6; j++) {
				filt_bm25_params p = {k1s[i], bs[j]};
				eval_keyword(&d, kw, m, &p, label);
			}
	}
	filt_kwmem_free(m);
	filt_kw_free(kw);
	return 0;
}
