/*
 * eval_scifact.c — nDCG@10 on BEIR SciFact: every corpus document (title +
 * " " + text) is encoded, each test query (the ids in qrels/test.tsv, whose
 * lines end in CRLF) is scored against all of them by cosine (exact search,
 * the vectors are unit length), and DCG over the top 10 with binary gains
 * is divided by the ideal DCG.
 */
#include "eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

typedef struct doc {
	char *id;
	float *v;
} doc;

typedef struct qrel {
	char *qid, *did;
} qrel;

static char *field(const cJSON *j, const char *name)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, name);
	return cJSON_IsString(f) ? f->valuestring : (char *)"";
}

static doc *read_jsonl(eval_model *m, const char *path, int title, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "eval_encoder: cannot open %s\n", path);
		exit(77);
	}
	size_t cap = 1024, k = 0, lcap = 0;
	doc *d = malloc(cap * sizeof *d);
	char *line = NULL, *buf = NULL;
	while (getline(&line, &lcap, f) > 0) {
		cJSON *j = cJSON_Parse(line);
		if (!j)
			continue;
		if (k == cap)
			d = realloc(d, (cap *= 2) * sizeof *d);
		const char *t = field(j, "text");
		size_t len;
		if (title) {
			const char *ti = field(j, "title");
			len = strlen(ti) + 1 + strlen(t);
			buf = realloc(buf, len + 1);
			snprintf(buf, len + 1, "%s %s", ti, t);
		} else {
			len = strlen(t);
			buf = realloc(buf, len + 1);
			memcpy(buf, t, len + 1);
		}
		d[k].id = strdup(field(j, "_id"));
		d[k].v = malloc(m->dim * sizeof(float));
		m->encode(m, buf, len, d[k].v);
		k++;
		cJSON_Delete(j);
	}
	free(line);
	free(buf);
	fclose(f);
	*n = k;
	return d;
}

static qrel *read_qrels(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "eval_encoder: cannot open %s\n", path);
		exit(77);
	}
	size_t cap = 512, k = 0, lcap = 0;
	qrel *q = malloc(cap * sizeof *q);
	char *line = NULL;
	int header = 1;
	while (getline(&line, &lcap, f) > 0) {
		line[strcspn(line, "\r\n")] = 0;
		char *t1 = strchr(line, '\t'),
		     *t2 = t1 ? strchr(t1 + 1, '\t') : 0;
		if (header || !t2) {
			header = 0;
			continue;
		}
		*t1 = *t2 = 0;
		if (atoi(t2 + 1) <= 0)
			continue;
		if (k == cap)
			q = realloc(q, (cap *= 2) * sizeof *q);
		q[k].qid = strdup(line);
		q[k].did = strdup(t1 + 1);
		k++;
	}
	free(line);
	fclose(f);
	*n = k;
	return q;
}

static double dot(const float *a, const float *b, size_t d)
{
	double s = 0;
	for (size_t i = 0; i < d; i++)
		s += (double)a[i] * b[i];
	return s;
}

static int is_rel(const qrel *q, size_t nq, const char *qid, const char *did)
{
	for (size_t i = 0; i < nq; i++)
		if (!strcmp(q[i].qid, qid) && !strcmp(q[i].did, did))
			return 1;
	return 0;
}

static double ndcg_one(eval_model *m, const doc *query, const doc *docs,
                       size_t nd, const qrel *qr, size_t nqr)
{
	size_t top[10];
	double ts[10];
	size_t nt = 0;
	for (size_t i = 0; i < nd; i++) {
		double s = dot(query->v, docs[i].v, m->dim);
		if (nt == 10 && s <= ts[9])
			continue;
		size_t p = nt < 10 ? nt++ : 9;
		while (p > 0 && ts[p - 1] < s) {
			ts[p] = ts[p - 1];
			top[p] = top[p - 1];
			p--;
		}
		ts[p] = s;
		top[p] = i;
	}
	double dcg = 0, idcg = 0;
	size_t nrel = 0;
	for (size_t i = 0; i < nqr; i++)
		nrel += !strcmp(qr[i].qid, query->id);
	for (size_t i = 0; i < nt; i++)
		if (is_rel(qr, nqr, query->id, docs[top[i]].id))
			dcg += 1.0 / log2((double)i + 2);
	for (size_t i = 0; i < nrel && i < 10; i++)
		idcg += 1.0 / log2((double)i + 2);
	return idcg > 0 ? dcg / idcg : 0;
}

double eval_scifact(eval_model *m, const char *dir, size_t *nq)
{
	char p[4096];
	size_t nd, nquery, nqr;
	snprintf(p, sizeof p, "%s/qrels/test.tsv", dir);
	qrel *qr = read_qrels(p, &nqr);
	snprintf(p, sizeof p, "%s/corpus.jsonl", dir);
	doc *docs = read_jsonl(m, p, 1, &nd);
	snprintf(p, sizeof p, "%s/queries.jsonl", dir);
	doc *qs = read_jsonl(m, p, 0, &nquery);
	double sum = 0;
	size_t used = 0;
	for (size_t i = 0; i < nquery; i++) {
		int judged = 0;
		for (size_t k = 0; k < nqr && !judged; k++)
			judged = !strcmp(qr[k].qid, qs[i].id);
		if (!judged)
			continue;
		sum += ndcg_one(m, &qs[i], docs, nd, qr, nqr);
		used++;
	}
	for (size_t i = 0; i < nd; i++) {
		free(docs[i].id);
		free(docs[i].v);
	}
	for (size_t i = 0; i < nquery; i++) {
		free(qs[i].id);
		free(qs[i].v);
	}
	for (size_t i = 0; i < nqr; i++) {
		free(qr[i].qid);
		free(qr[i].did);
	}
	free(docs);
	free(qs);
	free(qr);
	*nq = used;
	return used ? sum / (double)used : 0;
}
