/*
 * selfcheck.c — compares SIMD variants with the scalar reference.
 *
 * One comparison routine (kern_check_case) serves both the unit tests,
 * which sweep every dimension 1..1030 at every misalignment, and
 * semlite_kernels_selfcheck(), a quick run a user can do on their own
 * machine (`semlite selfcheck`) — a wrong SIMD kernel shows up as quietly
 * wrong search results, so it is worth a command. The tolerances are
 * documented in kernels.h; they are proven error bounds, not fudge
 * factors, plus exact integer cases that pin every element.
 *
 * Rejected: a fixed relative tolerance (too loose for cancellation-free
 * sums, too tight for sums that cancel) and comparing variants with each
 * other (a shared bug would pass).
 */
#include "kernels/kernels.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static double gamma_n(size_t m)
{
	double mu = (double)m * 0x1p-24;
	return mu / (1 - mu);
}

static int rnd_int(sl_rng *r, int lo, int hi)
{
	return lo + (int)(sl_rng_next(r) % (uint64_t)(hi - lo + 1));
}

kern_case kern_case_fill(const kern_bufs *buf, size_t n, bool exact, sl_rng *r)
{
	for (size_t i = 0; i < n; i++) {
		if (exact) {
			buf->fa[i] = (float)rnd_int(r, -8, 8);
			buf->fb[i] = (float)rnd_int(r, -8, 8);
			buf->ha[i] = kern_f32_to_f16((float)rnd_int(r, -8, 8));
		} else {
			buf->fa[i] = (float)(2 * sl_rng_uniform(r) - 1);
			buf->fb[i] = (float)(2 * sl_rng_uniform(r) - 1);
			buf->ha[i] =
			    kern_f32_to_f16((float)(4 * sl_rng_uniform(r) - 2));
		}
		buf->ia[i] = (int8_t)rnd_int(r, -128, 127);
		buf->ib[i] = (int8_t)rnd_int(r, -128, 127);
		buf->ba[i] = (uint8_t)sl_rng_next(r);
		buf->bb[i] = (uint8_t)sl_rng_next(r);
	}
	return (kern_case){buf->fa, buf->fb, buf->ia, buf->ib, buf->ha,
	                   buf->ba, buf->bb, n,       exact,   false};
}

/* True when got agrees with ref within tol (see kernels.h). */
static bool close_enough(float got, float ref, double tol, bool exact)
{
	if (isnan(ref))
		return isnan(got);
	if (isinf(ref) || exact)
		return got == ref;
	return fabs((double)got - (double)ref) <= tol;
}

static int mismatch(const kern_ops *v, const char *kernel, size_t n, double got,
                    double ref, double tol)
{
	return sl_err(SEMLITE_INTERNAL,
	              "kernels %s: %s n=%zu: got %.9g, reference %.9g, "
	              "tolerance %.3g",
	              v->name, kernel, n, got, ref, tol);
}

/* The float kernels: dot, l2sq, f16 dot, cos. */
static int check_float(const kern_ops *v, const kern_case *c)
{
	const kern_ops *s = &kern_scalar_ops;
	size_t n = c->n;
	double sdot = 0, sl2 = 0, sh = 0;
	for (size_t i = 0; i < n; i++) {
		double d = (double)c->fa[i] - c->fb[i];
		sdot += fabs((double)c->fa[i] * c->fb[i]);
		sl2 += d * d;
		sh += fabs((double)kern_f16_to_f32(c->ha[i]) * c->fb[i]);
	}
	double g = gamma_n(n + 4), tiny = (double)(n + 1) * 0x1p-148;
	struct {
		const char *name;
		float got, ref;
		double tol;
	} r[4] = {
	    {"dot_f32", v->dot_f32(c->fa, c->fb, n),
	     s->dot_f32(c->fa, c->fb, n), g * sdot + tiny},
	    {"l2sq_f32", v->l2sq_f32(c->fa, c->fb, n),
	     s->l2sq_f32(c->fa, c->fb, n), g * sl2 + tiny},
	    {"dot_f16_f32", v->dot_f16_f32(c->ha, c->fb, n),
	     s->dot_f16_f32(c->ha, c->fb, n), g * sh + tiny},
	    {"cos_f32", 0, 0, 2 * g + 8 * 0x1p-24},
	};
	int m = 3;
	if (!c->skip_cos) {
		r[3].got = v->cos_f32(c->fa, c->fb, n);
		r[3].ref = s->cos_f32(c->fa, c->fb, n);
		m = 4;
	}
	for (int k = 0; k < m; k++)
		if (!close_enough(r[k].got, r[k].ref, r[k].tol, c->exact))
			return mismatch(v, r[k].name, n, r[k].got, r[k].ref,
			                c->exact ? 0 : r[k].tol);
	return SEMLITE_OK;
}

/* The one-to-many kernels: query a against 15 vectors drawn from {a, b}
 * (a group of eight, one of four, and a remainder of three, which covers
 * every code path of the native kernels), each result checked like the
 * pairwise one. */
#define NMANY 15
static int check_many(const kern_ops *v, const kern_case *c)
{
	const kern_ops *s = &kern_scalar_ops;
	size_t n = c->n;
	const float *xf[NMANY];
	const int8_t *xi[NMANY];
	for (int j = 0; j < NMANY; j++) { /* b a b b a b b a ... */
		bool a = j % 3 == 1;
		xf[j] = a ? c->fa : c->fb;
		xi[j] = a ? c->ia : c->ib;
	}
	float of[NMANY];
	int32_t oi[NMANY];
	double sab = 0, saa = 0;
	for (size_t i = 0; i < n; i++) {
		sab += fabs((double)c->fa[i] * c->fb[i]);
		saa += (double)c->fa[i] * c->fa[i];
	}
	double g = gamma_n(n + 4), tiny = (double)(n + 1) * 0x1p-148;
	v->dot_f32_many(c->fa, xf, NMANY, n, of);
	v->dot_i8_many(c->ia, xi, NMANY, n, oi);
	for (int j = 0; j < NMANY; j++) {
		float ref = s->dot_f32(c->fa, xf[j], n);
		double tol = g * (xf[j] == c->fa ? saa : sab) + tiny;
		if (!close_enough(of[j], ref, tol, c->exact))
			return mismatch(v, "dot_f32_many", n, of[j], ref, tol);
		int32_t ri = s->dot_i8(c->ia, xi[j], n);
		if (oi[j] != ri)
			return mismatch(v, "dot_i8_many", n, oi[j], ri, 0);
	}
	return SEMLITE_OK;
}
#undef NMANY

int kern_check_case(const kern_ops *v, const kern_case *c)
{
	const kern_ops *s = &kern_scalar_ops;
	int rc = check_float(v, c);
	if (rc)
		return rc;
	int32_t gi = v->dot_i8(c->ia, c->ib, c->n);
	int32_t ri = s->dot_i8(c->ia, c->ib, c->n);
	if (gi != ri)
		return mismatch(v, "dot_i8", c->n, gi, ri, 0);
	uint64_t gh = v->hamming(c->ba, c->bb, c->n);
	uint64_t rh = s->hamming(c->ba, c->bb, c->n);
	if (gh != rh)
		return mismatch(v, "hamming", c->n, (double)gh, (double)rh, 0);
	return check_many(v, c);
}

/* Max dimension (and misalignment) the self-check sweeps. */
#define SC_MAXN  300
#define SC_SLACK 4

/* Every dimension 1..SC_MAXN, misaligned by n % 4 elements, random and
 * exact inputs. */
static int check_variant(const kern_ops *v, const kern_bufs *b, sl_rng *r)
{
	for (size_t n = 1; n <= SC_MAXN; n++) {
		size_t o = n % SC_SLACK;
		kern_bufs ob = {b->fa + o, b->fb + o, b->ia + o, b->ib + o,
		                b->ha + o, b->ba + o, b->bb + o};
		for (int exact = 0; exact < 2; exact++) {
			kern_case c = kern_case_fill(&ob, n, exact, r);
			int rc = kern_check_case(v, &c);
			if (rc)
				return rc;
		}
	}
	return SEMLITE_OK;
}

/* Appends "name: text\n" to report, truncating at cap. */
static void append(char *report, size_t cap, size_t *len, const char *name,
                   const char *text)
{
	if (!report || cap == 0 || *len >= cap - 1)
		return;
	int k = snprintf(report + *len, cap - *len, "%s: %s\n", name, text);
	if (k > 0)
		*len += (size_t)k < cap - *len ? (size_t)k : cap - 1 - *len;
}

SEMLITE_API int semlite_kernels_selfcheck(char *report, size_t cap)
{
	size_t len = 0, m = SC_MAXN + SC_SLACK;
	int rc = SEMLITE_NOMEM, failed = 0;
	char msg[512];
	void *mem = sl_malloc(m * (2 * sizeof(float) + sizeof(uint16_t) + 4));
	if (report && cap)
		report[0] = '\0';
	if (!mem)
		return sl_err(SEMLITE_NOMEM, "kernels selfcheck: no memory");
	kern_bufs b;
	b.fa = mem;
	b.fb = b.fa + m;
	b.ha = (uint16_t *)(b.fb + m);
	b.ia = (int8_t *)(b.ha + m);
	b.ib = b.ia + m;
	b.ba = (uint8_t *)(b.ib + m);
	b.bb = b.ba + m;
	sl_rng r;
	sl_rng_seed(&r, 0x5e117e5eULL);
	for (const char *const *nm = kern_variant_names(); *nm; nm++) {
		const kern_ops *v = kern_variant(*nm);
		if (!v) {
			append(report, cap, &len, *nm,
			       "not supported by this CPU or build (skipped)");
			continue;
		}
		rc = check_variant(v, &b, &r);
		snprintf(msg, sizeof msg, "ok: 8 kernels, dims 1..%d%s",
		         SC_MAXN,
		         strcmp(*nm, kern_get()->name) ? "" : " (in use)");
		if (rc) {
			snprintf(msg, sizeof msg, "FAILED: %s", sl_errmsg());
			failed = rc;
		}
		append(report, cap, &len, *nm, msg);
	}
	sl_free(mem);
	if (failed)
		return failed; /* sl_errmsg() still holds the last mismatch */
	return SEMLITE_OK;
}
