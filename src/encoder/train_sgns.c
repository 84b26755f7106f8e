/*
 * train_sgns.c — skip-gram with negative sampling (Mikolov et al. 2013)
 * over token ids.
 *
 * This is word2vec's algorithm on WordPiece ids rather than words: each
 * (context, centre) pair within a randomly shrunk window pushes the
 * context's input vector toward the centre's output vector and away from
 * `negative` ids drawn from the unigram^0.75 distribution; frequent ids are
 * subsampled (kept with probability sqrt(t/f) + t/f); the learning rate
 * decays linearly to 1e-4 of its start. Windows never cross a paragraph
 * break. Threads work on contiguous slices of the stream and update the
 * shared tables without locks (Hogwild), as word2vec does; with one thread
 * the result depends only on the inputs and the seed, which is what makes
 * `--threads 1` builds byte-identical.
 *
 * Chosen over GloVe / PPMI+SVD because it streams (memory is the two
 * tables, not a vocab x vocab co-occurrence matrix) and is a few hundred
 * lines; the quality comparison is recorded in bench/RESULTS.md.
 */
#define _POSIX_C_SOURCE 200809L
#include "encoder/train.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define SIG_TABLE 1024
#define SIG_MAX   6.0f
#define NEG_TABLE (1u << 23)
#define MAX_SENT  1024

typedef struct sgns_job {
	const uint32_t *toks;
	size_t ntoks;
	const uint64_t *counts;
	size_t vocab;
	const train_sgns_opts *o;
	float *w_in, *w_out;
	uint32_t *neg;
	float sig[SIG_TABLE];
	double total; /* tokens in the stream (without breaks) */
	_Atomic size_t done;
	_Atomic uint64_t loss_bits; /* recent loss (double bits) */
	struct timespec t0;
} sgns_job;

typedef struct sgns_thread {
	sgns_job *job;
	size_t lo, hi;
	unsigned idx;
	float *grad;
	pthread_t th;
	int rc;
} sgns_thread;

static double now_s(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

static int build_neg_table(sgns_job *j)
{
	j->neg = sl_malloc(NEG_TABLE * sizeof *j->neg);
	if (!j->neg)
		return sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	double z = 0;
	for (size_t i = 0; i < j->vocab; i++)
		z += pow((double)j->counts[i], 0.75);
	if (z <= 0)
		return sl_err(SEMLITE_INVALID, "trainer: empty corpus");
	size_t w = 0;
	while (!j->counts[w])
		w++;
	double acc = pow((double)j->counts[w], 0.75) / z;
	for (size_t k = 0; k < NEG_TABLE; k++) {
		j->neg[k] = (uint32_t)w;
		if ((double)(k + 1) / NEG_TABLE > acc && w + 1 < j->vocab) {
			do
				w++;
			while (w + 1 < j->vocab && !j->counts[w]);
			acc += pow((double)j->counts[w], 0.75) / z;
		}
	}
	return SEMLITE_OK;
}

static inline float sigmoid(const sgns_job *j, float f)
{
	if (f >= SIG_MAX)
		return 1.0f;
	if (f <= -SIG_MAX)
		return 0.0f;
	int k = (int)((f + SIG_MAX) * (SIG_TABLE / (2 * SIG_MAX)));
	return j->sig[k < SIG_TABLE ? k : SIG_TABLE - 1];
}

/* One (context, centre) pair; returns the pair's loss estimate. */
static float train_pair(sgns_job *j, sl_rng *rng, uint32_t ctx, uint32_t centre,
                        float lr, float *grad)
{
	size_t dim = j->o->dim;
	float *in = j->w_in + (size_t)ctx * dim, loss = 0;
	memset(grad, 0, dim * sizeof *grad);
	for (unsigned d = 0; d <= j->o->negative; d++) {
		uint32_t tgt = centre;
		float label = 1.0f;
		if (d) {
			tgt = j->neg[sl_rng_next(rng) >> 41];
			if (tgt == centre)
				continue;
			label = 0.0f;
		}
		float *out = j->w_out + (size_t)tgt * dim, f = 0;
		for (size_t k = 0; k < dim; k++)
			f += in[k] * out[k];
		float s = sigmoid(j, f);
		float g = (label - s) * lr;
		loss -= logf(label ? s + 1e-6f : 1.0f - s + 1e-6f);
		for (size_t k = 0; k < dim; k++)
			grad[k] += g * out[k];
		for (size_t k = 0; k < dim; k++)
			out[k] += g * in[k];
	}
	for (size_t k = 0; k < dim; k++)
		in[k] += grad[k];
	return loss;
}

/* Reads the next paragraph piece at *pos into sent, subsampled. */
static size_t next_sentence(sgns_job *j, sl_rng *rng, size_t *pos, size_t hi,
                            uint32_t *sent)
{
	size_t n = 0;
	double t = j->o->sample * j->total;
	while (*pos < hi && n < MAX_SENT) {
		uint32_t id = j->toks[(*pos)++];
		if (id == TRAIN_BREAK) {
			if (n)
				break;
			continue;
		}
		if (t > 0) {
			double f = (double)j->counts[id];
			double keep = (sqrt(f / t) + 1) * t / f;
			if (keep < sl_rng_uniform(rng))
				continue;
		}
		sent[n++] = id;
	}
	return n;
}

static float epoch_slice(sgns_thread *t, sl_rng *rng, uint32_t *sent,
                         unsigned epoch)
{
	sgns_job *j = t->job;
	const train_sgns_opts *o = j->o;
	double budget = j->total * o->epochs + 1;
	size_t pos = t->lo, seen = 0;
	float loss = 0;
	size_t pairs = 0;
	(void)epoch;
	while (pos < t->hi) {
		size_t before = pos;
		size_t n = next_sentence(j, rng, &pos, t->hi, sent);
		seen += pos - before;
		size_t done = atomic_fetch_add(&j->done, pos - before);
		float lr = (float)(o->lr * (1.0 - (double)done / budget));
		if (lr < o->lr * 1e-4)
			lr = (float)(o->lr * 1e-4);
		for (size_t i = 0; i < n; i++) {
			unsigned b = (unsigned)(sl_rng_next(rng) % o->window);
			size_t w = o->window - b;
			size_t a = i > w ? i - w : 0, e = i + w + 1;
			for (size_t c = a; c < e && c < n; c++) {
				if (c == i)
					continue;
				loss += train_pair(j, rng, sent[c], sent[i], lr,
				                   t->grad);
				pairs++;
			}
		}
		if (pairs > 100000) {
			double l = loss / (double)pairs;
			uint64_t bits;
			memcpy(&bits, &l, sizeof bits);
			atomic_store(&j->loss_bits, bits);
			loss = 0;
			pairs = 0;
		}
		if (t->idx == 0 && o->progress.fn && seen > 200000) {
			seen = 0;
			double el = now_s(&j->t0);
			double d = (double)atomic_load(&j->done);
			uint64_t bits = atomic_load(&j->loss_bits);
			double l;
			memcpy(&l, &bits, sizeof l);
			double rate = el > 0 ? d / el : 0;
			o->progress.fn(o->progress.ctx, "vectors", d / budget,
			               rate, l,
			               rate > 0 ? (budget - d) / rate : 0);
		}
	}
	return loss;
}

static void *sgns_run(void *arg)
{
	sgns_thread *t = arg;
	sgns_job *j = t->job;
	sl_rng rng;
	sl_rng_seed(&rng, j->o->seed ^ (0x9e3779b97f4a7c15ULL * (t->idx + 1)));
	uint32_t *sent = sl_malloc(MAX_SENT * sizeof *sent);
	if (!sent) {
		t->rc = sl_err(SEMLITE_NOMEM, "trainer: out of memory");
		return NULL;
	}
	for (unsigned e = 0; e < j->o->epochs; e++)
		epoch_slice(t, &rng, sent, e);
	sl_free(sent);
	return NULL;
}

static int init_tables(sgns_job *j, float **w_in, float **w_out)
{
	size_t n;
	if (!sl_mul_ok(j->vocab, j->o->dim, &n))
		return sl_err(SEMLITE_INVALID, "trainer: table too large");
	*w_in = sl_malloc(n * sizeof **w_in);
	*w_out = sl_calloc(n, sizeof **w_out);
	if (!*w_in || !*w_out)
		return sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	sl_rng rng;
	sl_rng_seed(&rng, j->o->seed);
	for (size_t i = 0; i < n; i++)
		(*w_in)[i] =
		    (float)((sl_rng_uniform(&rng) - 0.5) / (double)j->o->dim);
	if (j->o->init_in)
		memcpy(*w_in, j->o->init_in, n * sizeof **w_in);
	for (int k = 0; k < SIG_TABLE; k++) {
		double x = ((double)k / SIG_TABLE * 2 - 1) * SIG_MAX;
		j->sig[k] = (float)(1.0 / (1.0 + exp(-x)));
	}
	j->w_in = *w_in;
	j->w_out = *w_out;
	return build_neg_table(j);
}

static int run_threads(sgns_job *j, unsigned nt)
{
	sgns_thread *ts = sl_calloc(nt, sizeof *ts);
	float *grads = sl_malloc(nt * j->o->dim * sizeof *grads);
	int rc = SEMLITE_OK;
	unsigned started = 0;
	if (!ts || !grads) {
		rc = sl_err(SEMLITE_NOMEM, "trainer: out of memory");
		goto out;
	}
	for (unsigned i = 0; i < nt; i++) {
		ts[i] = (sgns_thread){.job = j,
		                      .lo = j->ntoks * i / nt,
		                      .hi = j->ntoks * (i + 1) / nt,
		                      .idx = i,
		                      .grad = grads + (size_t)i * j->o->dim};
	}
	if (nt == 1) {
		sgns_run(&ts[0]);
		rc = ts[0].rc;
		goto out;
	}
	for (; started < nt; started++)
		if (pthread_create(&ts[started].th, NULL, sgns_run,
		                   &ts[started])) {
			rc = sl_err(SEMLITE_INTERNAL,
			            "trainer: cannot start a thread");
			break;
		}
	for (unsigned i = 0; i < started; i++) {
		pthread_join(ts[i].th, NULL);
		if (!rc)
			rc = ts[i].rc;
	}
out:
	sl_free(ts);
	sl_free(grads);
	return rc;
}

int train_sgns(const uint32_t *toks, size_t ntoks, const uint64_t *counts,
               size_t vocab, const train_sgns_opts *o, float **w_in,
               float **w_out)
{
	*w_in = *w_out = NULL;
	if (!o->dim || !o->window || !o->epochs || vocab < 2)
		return sl_err(SEMLITE_INVALID, "trainer: bad SGNS settings");
	sgns_job *j = sl_calloc(1, sizeof *j);
	if (!j)
		return sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	*j = (sgns_job){.toks = toks,
	                .ntoks = ntoks,
	                .counts = counts,
	                .vocab = vocab,
	                .o = o};
	for (size_t i = 0; i < vocab; i++)
		j->total += (double)counts[i];
	clock_gettime(CLOCK_MONOTONIC, &j->t0);
	int rc = init_tables(j, w_in, w_out);
	if (rc == SEMLITE_OK)
		rc = run_threads(j, o->threads ? o->threads : 1);
	sl_free(j->neg);
	sl_free(j);
	if (rc) {
		sl_free(*w_in);
		sl_free(*w_out);
		*w_in = *w_out = NULL;
	}
	return rc;
}
