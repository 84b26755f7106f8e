/*
 * train_post.c — turns raw token vectors into the table a static encoder
 * averages.
 *
 * A static encoder's sentence vector is the (normalized) mean of its token
 * rows, so everything that SIF (Arora et al. 2017) does to a weighted
 * average of word vectors can be baked into the rows once:
 *   - PCA to the output dimension (centred; Model2Vec does the same), which
 *     also removes the mean token direction;
 *   - weight a / (a + p(w)) on each row, p = the token's corpus frequency,
 *     so frequent tokens count less in the mean (the normalization that
 *     follows the mean makes the 1/n factor irrelevant);
 *   - removal of the first principal direction(s) u of paragraph means:
 *     row -= u (u . row) for every row removes u from every mean, exactly
 *     what SIF does per sentence.
 * The eigen-decompositions are LAPACK's dsyevr on dim x dim matrices
 * (covariance of rows, second moment of paragraph means); accumulation is
 * in double. Hand-written power iteration was rejected: LAPACK is exact,
 * already a dependency, and deterministic for a given input.
 */
#include "encoder/train.h"

#include <math.h>
#include <string.h>

#include <lapacke.h>

int train_top_eigvecs(double *a, size_t dim, size_t k, double *z, double *vals)
{
	double *w = sl_malloc(dim * sizeof *w);
	double *zz = sl_malloc(dim * k * sizeof *zz);
	int *supp = sl_malloc(2 * dim * sizeof *supp);
	int rc = SEMLITE_OK;
	lapack_int m = 0;
	if (!w || !zz || !supp) {
		rc = sl_err(SEMLITE_NOMEM, "trainer: out of memory");
		goto out;
	}
	lapack_int info =
	    LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)dim, a,
	                   (lapack_int)dim, 0, 0, (lapack_int)(dim - k + 1),
	                   (lapack_int)dim, 0, &m, w, zz, (lapack_int)k, supp);
	if (info != 0 || (size_t)m != k) {
		rc = sl_err(SEMLITE_INTERNAL, "trainer: dsyevr failed (%d)",
		            (int)info);
		goto out;
	}
	/* dsyevr orders ascending; flip so column 0 is the largest, and fix
	 * each vector's sign (largest entry positive) for stable output. */
	for (size_t c = 0; c < k; c++) {
		size_t src = k - 1 - c, big = 0;
		for (size_t r = 0; r < dim; r++)
			if (fabs(zz[r * k + src]) > fabs(zz[big * k + src]))
				big = r;
		double s = zz[big * k + src] < 0 ? -1.0 : 1.0;
		for (size_t r = 0; r < dim; r++)
			z[r * k + c] = s * zz[r * k + src];
		if (vals)
			vals[c] = w[src];
	}
out:
	sl_free(w);
	sl_free(zz);
	sl_free(supp);
	return rc;
}

/* Centred PCA of the rows with count > 0, projecting every row into the
 * first out_dim of `stride` columns of out. */
int train_pca(const float *vec, size_t vocab, size_t dim,
              const uint64_t *counts, size_t out_dim, size_t stride, float *out)
{
	double *mean = sl_calloc(dim, sizeof *mean);
	double *cov = sl_calloc(dim * dim, sizeof *cov);
	double *z = sl_malloc(dim * out_dim * sizeof *z);
	double *x = sl_malloc(dim * sizeof *x);
	int rc = SEMLITE_OK;
	size_t n = 0;
	if (!mean || !cov || !z || !x) {
		rc = sl_err(SEMLITE_NOMEM, "trainer: out of memory");
		goto out;
	}
	for (size_t i = 0; i < vocab; i++)
		if (counts[i]) {
			n++;
			for (size_t k = 0; k < dim; k++)
				mean[k] += vec[i * dim + k];
		}
	for (size_t k = 0; k < dim; k++)
		mean[k] /= n ? (double)n : 1.0;
	for (size_t i = 0; i < vocab; i++) {
		if (!counts[i])
			continue;
		for (size_t k = 0; k < dim; k++)
			x[k] = vec[i * dim + k] - mean[k];
		for (size_t r = 0; r < dim; r++)
			for (size_t c = r; c < dim; c++)
				cov[r * dim + c] += x[r] * x[c];
	}
	if ((rc = train_top_eigvecs(cov, dim, out_dim, z, NULL)))
		goto out;
	for (size_t i = 0; i < vocab; i++)
		for (size_t c = 0; c < out_dim; c++) {
			double s = 0;
			for (size_t k = 0; k < dim; k++)
				s += (vec[i * dim + k] - mean[k]) *
				     z[k * out_dim + c];
			out[i * stride + c] = (float)s;
		}
out:
	sl_free(mean);
	sl_free(cov);
	sl_free(z);
	sl_free(x);
	return rc;
}

/* Removes the top n principal directions of paragraph means (up to 50,000
 * paragraphs spread evenly over the stream) from every row. */
int train_remove_common(float *t, size_t vocab, size_t dim,
                        const uint32_t *toks, size_t ntoks, unsigned n)
{
	double *m2 = sl_calloc(dim * dim, sizeof *m2);
	double *v = sl_malloc(dim * sizeof *v);
	double *z = sl_malloc(dim * n * sizeof *z);
	int rc = SEMLITE_OK;
	if (!m2 || !v || !z) {
		rc = sl_err(SEMLITE_NOMEM, "trainer: out of memory");
		goto out;
	}
	size_t paras = 0;
	for (size_t i = 0; i < ntoks; i++)
		paras += toks[i] == TRAIN_BREAK;
	size_t step = paras / 50000 + 1, p = 0, len = 0;
	memset(v, 0, dim * sizeof *v);
	for (size_t i = 0; i < ntoks; i++) {
		if (toks[i] != TRAIN_BREAK) {
			if (p % step == 0 && toks[i] < vocab) {
				for (size_t k = 0; k < dim; k++)
					v[k] += t[toks[i] * dim + k];
				len++;
			}
			continue;
		}
		if (p++ % step == 0 && len) {
			for (size_t r = 0; r < dim; r++)
				for (size_t c = r; c < dim; c++)
					m2[r * dim + c] +=
					    v[r] * v[c] / ((double)len * len);
		}
		memset(v, 0, dim * sizeof *v);
		len = 0;
	}
	if ((rc = train_top_eigvecs(m2, dim, n, z, NULL)))
		goto out;
	for (size_t i = 0; i < vocab; i++)
		for (size_t c = 0; c < n; c++) {
			double s = 0;
			for (size_t k = 0; k < dim; k++)
				s += t[i * dim + k] * z[k * n + c];
			for (size_t k = 0; k < dim; k++)
				t[i * dim + k] -= (float)(s * z[k * n + c]);
		}
out:
	sl_free(m2);
	sl_free(v);
	sl_free(z);
	return rc;
}

/*
 * Blends each row with a random unit vector of its own: row = unit(l * x +
 * (1 - l) * r), x = the unit learned vector, l = mix * c / (c + mix_k)
 * for a token seen c times. Learned vectors of rare tokens barely move
 * from where training started and end up alike, and even well-trained ones
 * make related words (man/woman) near-identical; the random part is a
 * nearly orthogonal "identity" per token, so exact word overlap still
 * counts while the learned part adds similarity between different words.
 */
static int mix_random(float *t, size_t vocab, size_t dim,
                      const uint64_t *counts, double mix, double k,
                      uint64_t seed)
{
	const double two_pi = 6.283185307179586;
	double *r = sl_malloc(dim * sizeof *r);
	if (!r)
		return sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	sl_rng rng;
	sl_rng_seed(&rng, seed ^ 0x5eed5eed5eedULL);
	for (size_t i = 0; i < vocab; i++) {
		float *x = t + i * dim;
		double xn = 0, rn = 0, c = (double)counts[i];
		double l = k > 0 ? mix * c / (c + k) : mix;
		for (size_t d = 0; d < dim; d++)
			xn += (double)x[d] * x[d];
		xn = xn > 0 ? sqrt(xn) : 1;
		for (size_t d = 0; d < dim; d += 2) {
			double u1 = sl_rng_uniform(&rng),
			       u2 = sl_rng_uniform(&rng);
			double m = sqrt(-2 * log(1 - u1));
			r[d] = m * cos(two_pi * u2);
			if (d + 1 < dim)
				r[d + 1] = m * sin(two_pi * u2);
		}
		for (size_t d = 0; d < dim; d++)
			rn += r[d] * r[d];
		rn = sqrt(rn);
		double yn = 0;
		for (size_t d = 0; d < dim; d++) {
			r[d] = l * x[d] / xn + (1 - l) * r[d] / rn;
			yn += r[d] * r[d];
		}
		yn = yn > 0 ? sqrt(yn) : 1;
		for (size_t d = 0; d < dim; d++)
			x[d] = (float)(r[d] / yn);
	}
	sl_free(r);
	return SEMLITE_OK;
}

static void unit_rows(float *vec, size_t vocab, size_t dim)
{
	for (size_t i = 0; i < vocab; i++) {
		double s = 0;
		for (size_t k = 0; k < dim; k++)
			s += (double)vec[i * dim + k] * vec[i * dim + k];
		if (s > 0)
			for (size_t k = 0; k < dim; k++)
				vec[i * dim + k] =
				    (float)(vec[i * dim + k] / sqrt(s));
	}
}

int train_post(float *vec, size_t vocab, size_t dim, const uint64_t *counts,
               const uint32_t *toks, size_t ntoks, const train_post_opts *o,
               float **out)
{
	size_t od = o->out_dim ? o->out_dim : dim;
	size_t pd = od < dim ? od : dim;
	float *t = sl_calloc(vocab * od, sizeof *t);
	int rc = SEMLITE_OK;
	*out = NULL;
	if (!t)
		return sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	if (o->unit_rows)
		unit_rows(vec, vocab, dim);
	if ((rc = train_pca(vec, vocab, dim, counts, pd, od, t)))
		goto out;
	if (o->mix < 1 &&
	    (rc = mix_random(t, vocab, od, counts, o->mix, o->mix_k, o->seed)))
		goto out;
	double total = 0;
	for (size_t i = 0; i < vocab; i++)
		total += (double)counts[i];
	for (size_t i = 0; i < vocab; i++) {
		double w = 1.0;
		if (o->sif_a > 0 && total > 0)
			w = o->sif_a / (o->sif_a + (double)counts[i] / total);
		if (i < TRAIN_NSPECIAL || !counts[i])
			w = 0;
		for (size_t k = 0; k < od; k++)
			t[i * od + k] = (float)(t[i * od + k] * w);
	}
	if (o->n_common)
		rc =
		    train_remove_common(t, vocab, od, toks, ntoks, o->n_common);
out:
	if (rc)
		sl_free(t);
	else
		*out = t;
	return rc;
}
