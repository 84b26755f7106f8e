/*
 * train_lsa.c — latent semantic analysis of a token stream: each token's
 * coordinates in the top singular subspace of the document x token
 * matrix (Deerwester et al. 1990), for semlite_collection_adapt.
 *
 * Skip-gram sees a token's neighbours within a few positions; LSA sees
 * which tokens share whole documents — the topic, not the phrase. A static
 * encoder's document vector is the sum of its tokens' rows, which is
 * exactly LSI's "folding in" of a document: with row(t) = idf(t) V_k[t],
 * the vector of a text is its tf-idf vector projected on the top-k token
 * subspace. So LSA rows need no change to the encoder.
 *
 * X (documents x tokens, log(1 + tf) * idf, one document per paragraph of
 * the stream) is sparse; the top-k right singular vectors are the top
 * eigenvectors of M = X^T X, found by randomized subspace iteration
 * (Halko, Martinsson & Tropp 2011): Q = orth(M Q) a few times from a
 * seeded Gaussian start, then Rayleigh-Ritz on Q^T M Q (LAPACK dsyevr,
 * l x l, l = k + 16). M is never formed: M Q = X^T (X Q) streams over the
 * documents, so memory is the postings plus three tokens x l tables of
 * doubles (nothing documents x anything dense), and time is linear in
 * the postings. Orthonormalization
 * is Gram-Schmidt applied twice, in a fixed order, so the result depends
 * only on the stream and the seed. Columns that vanish (a matrix of rank
 * below l: few documents) are dropped as zeros, never divided by.
 *
 * Rejected: a dense eigendecomposition of X X^T (documents^2 memory and
 * documents^3 time), and token x token PPMI (vocabulary^2 before the
 * factorization even starts).
 */
#include "encoder/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LSA_OVERSAMPLE 16

/* Documents x columns in CSR form; columns are the tokens that occur. */
typedef struct lsa_mat {
	size_t ndocs, ncols, nnz, cap;
	size_t *ptr;   /* ndocs + 1 */
	uint32_t *col; /* token id while building, then column */
	float *val;    /* tf while building, then log(1 + tf) * idf */
	uint32_t *tok; /* column -> token id */
	uint32_t *df;  /* per token id */
} lsa_mat;

static void mat_free(lsa_mat *x)
{
	sl_free(x->ptr);
	sl_free(x->col);
	sl_free(x->val);
	sl_free(x->tok);
	sl_free(x->df);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int push_entry(lsa_mat *x, uint32_t t, float tf)
{
	if (x->nnz == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 1 << 16;
		uint32_t *c = sl_realloc(x->col, cap * sizeof *c);
		if (c)
			x->col = c;
		float *v = c ? sl_realloc(x->val, cap * sizeof *v) : NULL;
		if (!v)
			return sl_err(SEMLITE_NOMEM, "adapt: out of memory");
		x->val = v;
		x->cap = cap;
	}
	x->col[x->nnz] = t;
	x->val[x->nnz++] = tf;
	x->df[t]++;
	return SEMLITE_OK;
}

/* One document's distinct tokens with their counts (doc is sorted). */
static int add_doc(lsa_mat *x, uint32_t *doc, size_t n)
{
	qsort(doc, n, sizeof *doc, cmp_u32);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && doc[j] == doc[i])
			j++;
		int rc = push_entry(x, doc[i], (float)(j - i));
		if (rc)
			return rc;
		i = j;
	}
	x->ptr[++x->ndocs] = x->nnz;
	return SEMLITE_OK;
}

/* Splits the stream into documents and fills x->ptr/col/val with token
 * ids and raw counts. */
static int build_docs(lsa_mat *x, const uint32_t *toks, size_t ntoks,
                      size_t vocab)
{
	size_t docs = 1, longest = 0, len = 0;
	for (size_t i = 0; i < ntoks; i++) {
		len = toks[i] == TRAIN_BREAK ? 0 : len + 1;
		docs += toks[i] == TRAIN_BREAK;
		longest = len > longest ? len : longest;
	}
	x->ptr = sl_calloc(docs + 1, sizeof *x->ptr);
	x->df = sl_calloc(vocab ? vocab : 1, sizeof *x->df);
	uint32_t *doc = sl_malloc((longest ? longest : 1) * sizeof *doc);
	int rc = x->ptr && x->df && doc
	             ? SEMLITE_OK
	             : sl_err(SEMLITE_NOMEM, "adapt: out of memory");
	len = 0;
	for (size_t i = 0; i <= ntoks && !rc; i++) {
		if (i < ntoks && toks[i] != TRAIN_BREAK) {
			if (toks[i] < vocab)
				doc[len++] = toks[i];
			continue;
		}
		if (len)
			rc = add_doc(x, doc, len);
		len = 0;
	}
	sl_free(doc);
	return rc;
}

/* Renumbers tokens to dense columns and weights the counts. */
static int weight_docs(lsa_mat *x, size_t vocab)
{
	uint32_t *colof = sl_malloc((vocab ? vocab : 1) * sizeof *colof);
	x->tok = sl_malloc((vocab ? vocab : 1) * sizeof *x->tok);
	if (!colof || !x->tok) {
		sl_free(colof);
		return sl_err(SEMLITE_NOMEM, "adapt: out of memory");
	}
	for (size_t t = 0; t < vocab; t++)
		if (x->df[t]) {
			colof[t] = (uint32_t)x->ncols;
			x->tok[x->ncols++] = (uint32_t)t;
		}
	for (size_t e = 0; e < x->nnz; e++) {
		uint32_t t = x->col[e];
		double idf = log((double)x->ndocs / x->df[t]);
		x->val[e] = (float)(log1p(x->val[e]) * idf);
		x->col[e] = colof[t];
	}
	sl_free(colof);
	return SEMLITE_OK;
}

/* y = X^T (X q): q and y are ncols x l, row-major. */
static void mul_m(const lsa_mat *x, const double *q, double *y, size_t l,
                  double *z)
{
	memset(y, 0, x->ncols * l * sizeof *y);
	for (size_t d = 0; d < x->ndocs; d++) {
		memset(z, 0, l * sizeof *z);
		for (size_t e = x->ptr[d]; e < x->ptr[d + 1]; e++) {
			const double *qr = q + (size_t)x->col[e] * l;
			double v = x->val[e];
			for (size_t c = 0; c < l; c++)
				z[c] += v * qr[c];
		}
		for (size_t e = x->ptr[d]; e < x->ptr[d + 1]; e++) {
			double *yr = y + (size_t)x->col[e] * l;
			double v = x->val[e];
			for (size_t c = 0; c < l; c++)
				yr[c] += v * z[c];
		}
	}
}

/* Orthonormalizes the l columns of a (n x l, row-major) in place:
 * Gram-Schmidt twice over a transposed copy t (l x n); a column left with
 * (almost) nothing of its own becomes zero. */
static void orth(double *a, size_t n, size_t l, double *t)
{
	for (size_t r = 0; r < n; r++)
		for (size_t c = 0; c < l; c++)
			t[c * n + r] = a[r * l + c];
	for (size_t c = 0; c < l; c++) {
		double *v = t + c * n, n0 = 0, nn = 0;
		for (size_t r = 0; r < n; r++)
			n0 += v[r] * v[r];
		for (int pass = 0; pass < 2; pass++)
			for (size_t j = 0; j < c; j++) {
				const double *u = t + j * n;
				double s = 0;
				for (size_t r = 0; r < n; r++)
					s += u[r] * v[r];
				for (size_t r = 0; r < n; r++)
					v[r] -= s * u[r];
			}
		for (size_t r = 0; r < n; r++)
			nn += v[r] * v[r];
		double inv = nn > 1e-20 * n0 && nn > 0 ? 1 / sqrt(nn) : 0;
		for (size_t r = 0; r < n; r++)
			v[r] *= inv;
	}
	for (size_t r = 0; r < n; r++)
		for (size_t c = 0; c < l; c++)
			a[r * l + c] = t[c * n + r];
}

/* Rayleigh-Ritz: the top k eigenpairs of M within span(q); writes each
 * token's row of V_k * sigma^power into out (stride floats a row). */
static int ritz(const lsa_mat *x, const double *q, double *y, size_t l,
                const train_lsa_opts *o, size_t k, size_t stride, double *z,
                float *out)
{
	double *tm = sl_malloc(l * l * sizeof *tm);
	double *w = sl_malloc(l * k * sizeof *w);
	int rc = tm && w ? SEMLITE_OK
	                 : sl_err(SEMLITE_NOMEM, "adapt: out of memory");
	if (!rc) {
		mul_m(x, q, y, l, z);
		memset(tm, 0, l * l * sizeof *tm);
		for (size_t r = 0; r < x->ncols; r++)
			for (size_t a = 0; a < l; a++)
				for (size_t b = a; b < l; b++)
					tm[a * l + b] +=
					    q[r * l + a] * y[r * l + b];
		rc = train_top_eigvecs(tm, l, k, w, z);
	}
	for (size_t c = 0; c < k && !rc; c++)
		z[c] = pow(sqrt(z[c] > 0 ? z[c] : 0), o->sv_power);
	for (size_t r = 0; r < x->ncols && !rc; r++)
		for (size_t c = 0; c < k; c++) {
			double s = 0;
			for (size_t a = 0; a < l; a++)
				s += q[r * l + a] * w[a * k + c];
			out[(size_t)x->tok[r] * stride + c] = (float)(s * z[c]);
		}
	sl_free(tm);
	sl_free(w);
	return rc;
}

int train_lsa(const uint32_t *toks, size_t ntoks, size_t vocab,
              const train_lsa_opts *o, float *out)
{
	lsa_mat x = {0};
	double *q = NULL, *y = NULL, *t = NULL, *z = NULL;
	size_t k = o->rank;
	memset(out, 0, vocab * k * sizeof *out);
	int rc = build_docs(&x, toks, ntoks, vocab);
	if (!rc)
		rc = weight_docs(&x, vocab);
	size_t l = k + LSA_OVERSAMPLE;
	l = l < x.ncols ? l : x.ncols;
	if (rc || !l)
		goto out;
	q = sl_malloc(x.ncols * l * sizeof *q);
	y = sl_malloc(x.ncols * l * sizeof *y);
	t = sl_malloc(x.ncols * l * sizeof *t);
	z = sl_malloc((l > k ? l : k) * sizeof *z);
	if (!q || !y || !t || !z) {
		rc = sl_err(SEMLITE_NOMEM, "adapt: out of memory");
		goto out;
	}
	sl_rng rng;
	sl_rng_seed(&rng, o->seed ^ 0x15a15a15aULL);
	train_gaussian(&rng, q, x.ncols * l);
	orth(q, x.ncols, l, t);
	for (unsigned it = 0; it < o->iters; it++) {
		if (o->progress.fn)
			o->progress.fn(o->progress.ctx, "topics",
			               (double)it / o->iters, 0, 0, 0);
		mul_m(&x, q, y, l, z);
		orth(y, x.ncols, l, t);
		double *s = q;
		q = y;
		y = s;
	}
	/* fewer columns than asked (a small collection): the rest stay 0 */
	rc = ritz(&x, q, y, l, o, k < l ? k : l, k, z, out);
out:
	mat_free(&x);
	sl_free(q);
	sl_free(y);
	sl_free(t);
	sl_free(z);
	return rc;
}
