/*
 * tune.c — the collection's default search breadth (ef), measured on its
 * own vectors (semlite_collection_tune).
 *
 * How wide a search must be for a given recall depends on the data far
 * more than on its size: siftsmall reaches recall@10 0.97 at ef 16, while
 * 20,000 Gutenberg paragraphs encoded by the default model need ef 96 for
 * 0.95 (0.92 at the old fixed default of 64), and their 157k need ~300.
 * So the default is measured: queries that are not stored vectors, each a
 * stored vector pulled towards another (a + b/2: a point between two
 * documents, the way a query sits among them), searched exactly and
 * through the index at growing ef; the first ef whose mean recall@10
 * reaches the target is stored in the meta record 'e' COLL and used by
 * every search that does not set its own ef. Stored vectors themselves
 * would not do: a search for a node's own vector lands on it and reads its
 * neighbours off its list (0.98 at ef 64 on the paragraphs above, where
 * queries held out of the collection get 0.92). The pulled points' recall
 * ran 0.005-0.015 below held-out queries' wherever we measured (20k and
 * 157k paragraphs at ef 96-768), so the default target is the bar itself,
 * 0.95: it chose ef 24 for siftsmall (held-out recall 0.98), 64 for the
 * synthetic 1M x 256 set (0.98), 128 for the 20k paragraphs (0.97) and
 * 512 for the 157k (0.97).
 */
#include "api/api.h"
#include "index/hnsw.h"

#include <math.h>
#include <string.h>

#define TUNE_SAMPLES 200
#define TUNE_K       10
/* The samples' recall runs below held-out queries' (see above). */
#define TUNE_TARGET 0.95
/*
 * A collection that grew from n to m documents since it was measured is
 * searched at ef * (m / n)^TUNE_GROWTH_EXP. The ef a tune chooses grew
 * with size as about the 0.6-0.7th power on Gutenberg paragraphs (5k:
 * 48, 10k: 96, 20k: 128, 40k: 192, 80k: 384, 157k: 512) and the 0.3th on
 * the synthetic clustered set (31k: 24 ... 1M: 64). Extrapolated from
 * each of those paragraph prefixes to 157k, 0.6 gave held-out recall@10
 * 0.963-0.974, and 0.5 fell to 0.949 from 5k (bench/RESULTS.md); too
 * wide costs speed until the next tune, too narrow costs recall.
 */
#define TUNE_GROWTH_EXP 0.6

static const uint32_t ladder[] = {16,  24,  32,  48,  64,  96,  128,
                                  192, 256, 384, 512, 768, 1024};
#define LADDER (sizeof ladder / sizeof ladder[0])

int api_tuned_get(const store_txn *st, uint32_t coll, uint32_t *ef,
                  uint32_t *docs)
{
	const uint8_t *p;
	size_t n;
	*ef = *docs = 0;
	int rc = store_meta_get(st, 'e', coll, &p, &n);
	if (rc || !p)
		return rc;
	uint32_t v = n == 8 || n == 12 ? sl_load_u32le(p) : 0;
	if (v == 0 || v > ladder[LADDER - 1])
		return sl_err(SEMLITE_CORRUPT,
		              "meta: search-breadth record of collection %u "
		              "(%zu bytes, ef %u)",
		              coll, n, v);
	*ef = v;
	*docs = n == 12 ? sl_load_u32le(p + 8) : 0;
	return SEMLITE_OK;
}

uint32_t api_ef_grown(uint32_t ef, uint32_t docs, uint32_t live)
{
	if (!ef || !docs || live <= docs)
		return ef;
	double e = ceil(ef * pow((double)live / docs, TUNE_GROWTH_EXP));
	return e < ladder[LADDER - 1] ? (uint32_t)e : ladder[LADDER - 1];
}

int api_default_ef(const store_txn *st, uint32_t coll, uint32_t *ef)
{
	uint32_t docs;
	store_counters ctr;
	int rc = api_tuned_get(st, coll, ef, &docs);
	if (rc || !docs)
		return rc;
	if ((rc = store_counters_get(st, coll, &ctr)))
		return rc;
	*ef = api_ef_grown(*ef, docs, ctr.live);
	return SEMLITE_OK;
}

/* The query of sample s: stored vector a pulled towards stored vector b,
 * both live; SEMLITE_NOTFOUND when either id has no vector. */
static int sample_query(const store_txn *st, const store_coll_rec *r,
                        uint32_t ia, uint32_t ib, float *a, float *b)
{
	int rc = api_vec_load(st, r, ia, a);
	if (!rc)
		rc = api_vec_load(st, r, ib, b);
	if (rc)
		return rc;
	for (uint32_t d = 0; d < r->dim; d++)
		a[d] = (a[d] + 0.5f * b[d]) / 1.5f;
	api_vec_prepare(a, r->dim, r->metric);
	return SEMLITE_OK;
}

typedef struct tune_run {
	uint32_t live; /* documents measured on */
	uint32_t nq;
	float *q;         /* nq queries of dim floats */
	uint32_t *truth;  /* nq x TUNE_K exact ids */
	uint32_t *ntruth; /* how many each has */
} tune_run;

/* Builds the sample queries and their exact answers. */
static int tune_prepare(const store_txn *st, semlite_collection *c,
                        tune_run *tr)
{
	const store_coll_rec *r = &c->rec;
	store_counters ctr;
	int rc = store_counters_get(st, r->id, &ctr);
	if (rc)
		return rc;
	tr->live = ctr.live;
	uint32_t want = ctr.live < TUNE_SAMPLES ? ctr.live : TUNE_SAMPLES;
	if (ctr.next_id < 2)
		want = 0;
	tr->q = sl_malloc(((size_t)want + 1) * r->dim * sizeof *tr->q);
	tr->truth = sl_malloc(((size_t)want + 1) * TUNE_K * sizeof(uint32_t));
	tr->ntruth = sl_malloc(((size_t)want + 1) * sizeof(uint32_t));
	float *b = sl_malloc(r->dim * sizeof *b);
	filt_hit hits[TUNE_K];
	if (!tr->q || !tr->truth || !tr->ntruth || !b)
		rc = sl_err(SEMLITE_NOMEM, "tune: samples");
	semlite_search_opts o;
	semlite_search_opts_init(&o);
	o.exact = 1;
	o.rescore = 64; /* as a search for 10 rescores */
	uint64_t stride = want ? ctr.next_id / want : 0;
	for (uint64_t tries = 0; !rc && tr->nq < want && tries < 4ull * want;
	     tries++) {
		uint32_t ia =
		    (uint32_t)((tries * stride + stride / 2 + tries / want) %
		               ctr.next_id);
		uint32_t ib = (uint32_t)(((uint64_t)ia * 2654435761u + 40503u) %
		                         ctr.next_id);
		float *q = tr->q + (size_t)tr->nq * r->dim;
		if (ia == ib)
			continue;
		rc = sample_query(st, r, ia, ib, q, b);
		if (rc == SEMLITE_NOTFOUND) { /* deleted: try another */
			rc = SEMLITE_OK;
			continue;
		}
		size_t n = 0;
		if (!rc)
			rc = api_dense_hits(st, c, q, &o, NULL, TUNE_K, hits,
			                    &n);
		for (size_t i = 0; !rc && i < n; i++)
			tr->truth[(size_t)tr->nq * TUNE_K + i] = hits[i].id;
		if (!rc)
			tr->ntruth[tr->nq++] = (uint32_t)n;
	}
	sl_free(b);
	return rc;
}

/* Mean recall@10 of the index at ef over the prepared queries. */
static int tune_recall(const store_txn *st, semlite_collection *c,
                       const tune_run *tr, uint32_t ef, double *out)
{
	semlite_search_opts o;
	semlite_search_opts_init(&o);
	o.ef = ef;
	filt_hit hits[TUNE_K];
	uint64_t got = 0, all = 0;
	for (uint32_t i = 0; i < tr->nq; i++) {
		size_t n = 0;
		const float *q = tr->q + (size_t)i * c->rec.dim;
		int rc = api_dense_hits(st, c, q, &o, NULL, TUNE_K, hits, &n);
		if (rc)
			return rc;
		const uint32_t *t = tr->truth + (size_t)i * TUNE_K;
		for (size_t a = 0; a < n; a++)
			for (uint32_t x = 0; x < tr->ntruth[i]; x++)
				got += hits[a].id == t[x];
		all += tr->ntruth[i];
	}
	*out = all ? (double)got / (double)all : 1.0;
	return SEMLITE_OK;
}

typedef struct tune_rec {
	semlite_collection *c;
	uint8_t v[12]; /* u32 ef, f32 recall, u32 documents */
} tune_rec;

static int tune_store_fn(const store_txn *t, void *arg)
{
	tune_rec *a = arg;
	int rc = api_coll_check(t, a->c);
	return rc ? rc
	          : store_meta_put(t, 'e', a->c->rec.id, a->v, sizeof a->v);
}

static int tune_store(semlite_collection *c, uint32_t ef, double recall,
                      uint32_t docs)
{
	tune_rec a = {.c = c};
	float rf = (float)recall;
	sl_store_u32le(a.v, ef);
	memcpy(a.v + 4, &rf, 4);
	sl_store_u32le(a.v + 8, docs);
	return api_write(c->db->env, tune_store_fn, &a);
}

SEMLITE_API int semlite_collection_tune(semlite_collection *c, double target,
                                        uint32_t *ef_out, double *recall_out)
{
	if (ef_out)
		*ef_out = 0;
	if (recall_out)
		*recall_out = 0;
	if (!c)
		return sl_err(SEMLITE_INVALID, "semlite_collection_tune: NULL");
	if (target == 0)
		target = TUNE_TARGET;
	if (!(target > 0 && target <= 1))
		return sl_err(SEMLITE_INVALID,
		              "semlite_collection_tune: target %g is not in "
		              "(0, 1]",
		              target);
	if (store_env_readonly(c->db->env))
		return sl_err(SEMLITE_MISUSE, "database opened read-only");
	if (!api_coll_indexed(&c->rec))
		return sl_err(SEMLITE_INVALID,
		              "collection '%s' has no index to tune", c->name);
	store_txn st;
	tune_run tr = {0};
	uint32_t ef = ladder[LADDER - 1];
	double rec = 0;
	int rc = store_txn_begin(c->db->env, false, &st);
	if (rc)
		return rc;
	rc = api_coll_check(&st, c);
	if (!rc)
		rc = tune_prepare(&st, c, &tr);
	for (size_t i = 0; !rc && i < LADDER; i++) {
		if ((rc = tune_recall(&st, c, &tr, ladder[i], &rec)))
			break;
		if (rec >= target) {
			ef = ladder[i];
			break;
		}
	}
	store_txn_abort(&st);
	sl_free(tr.q);
	sl_free(tr.truth);
	sl_free(tr.ntruth);
	if (!rc && tr.nq)
		rc = tune_store(c, ef, rec, tr.live);
	else if (!rc) /* nothing to measure on: the built-in default */
		ef = HNSW_DEFAULT_EF, rec = 0;
	if (!rc && ef_out)
		*ef_out = ef;
	if (!rc && recall_out)
		*recall_out = rec;
	return rc;
}
