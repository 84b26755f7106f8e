/*
 * bm25.c — BM25 ranking (document-at-a-time) and the in-memory keyword index.
 *
 * Scoring walks the postings of the distinct query terms in parallel, in
 * increasing document id (document-at-a-time): each step takes the
 * smallest current id among the cursors, sums its term contributions and
 * offers the total to a bounded top-k heap. Memory is O(terms + k), not
 * O(collection) as a dense score accumulator would be, and the allow-list
 * check happens once per candidate. Queries have few distinct terms, so
 * the smallest cursor is found by a linear scan rather than a heap.
 *
 * Rejected: WAND/MaxScore pruning (worth it at millions of documents; at
 * the sizes semlite targets the plain walk is already well under a
 * millisecond per query) and term-at-a-time accumulation (a dense array of
 * collection size per query).
 *
 * The in-memory index is an open-addressing hash table from term bytes to
 * decoded postings; it is what tests and the evaluation harness use, and
 * what a bulk import can build before writing each term's record once.
 */
#include "filter/bm25.h"

#include <math.h>
#include <string.h>

filt_bm25_params filt_bm25_params_default(void)
{
	filt_bm25_params p = {FILT_BM25_K1, FILT_BM25_B};
	return p;
}

typedef struct cursor {
	const filt_post *p;
	size_t at;
	float w; /* qtf * idf * (k1 + 1) */
} cursor;

/* Looks up every query term; fills cur[] with the terms that exist. */
static int open_cursors(const filt_kw_bag *bag, const filt_kw_stats *st,
                        const filt_bm25_params *prm, filt_bm25_lookup_fn lookup,
                        void *ctx, cursor *cur, size_t *ncur)
{
	*ncur = 0;
	double n = (double)st->n_docs;
	for (size_t i = 0; i < bag->n; i++) {
		const filt_post *p = NULL;
		int rc =
		    lookup(ctx, i, bag->terms[i].term, bag->terms[i].len, &p);
		if (rc == SEMLITE_NOTFOUND ||
		    (rc == SEMLITE_OK && (!p || !p->n)))
			continue;
		if (rc)
			return rc;
		double df = (double)p->n;
		double idf = log(1.0 + (fmax(n - df, 0.0) + 0.5) / (df + 0.5));
		cur[*ncur].p = p;
		cur[*ncur].at = 0;
		cur[*ncur].w =
		    (float)(bag->terms[i].tf * idf * (prm->k1 + 1.0));
		(*ncur)++;
	}
	return SEMLITE_OK;
}

static void daat(cursor *cur, size_t ncur, const filt_bm25_params *prm,
                 double avgdl, const roaring_bitmap_t *allow, filt_topk *top)
{
	float kb = (float)(prm->k1 * prm->b / (avgdl > 0 ? avgdl : 1.0));
	float ka = prm->k1 * (1.0f - prm->b);
	for (;;) {
		uint32_t id = UINT32_MAX;
		bool any = false;
		for (size_t c = 0; c < ncur; c++)
			if (cur[c].at < cur[c].p->n &&
			    (!any || cur[c].p->ids[cur[c].at] < id)) {
				id = cur[c].p->ids[cur[c].at];
				any = true;
			}
		if (!any)
			return;
		bool keep = !allow || roaring_bitmap_contains(allow, id);
		float s = 0;
		for (size_t c = 0; c < ncur; c++) {
			const filt_post *p = cur[c].p;
			size_t a = cur[c].at;
			if (a >= p->n || p->ids[a] != id)
				continue;
			if (keep) {
				float tf = (float)p->tf[a];
				s += cur[c].w * tf /
				     (tf + ka + kb * (float)p->dl[a]);
			}
			cur[c].at++;
		}
		if (keep)
			filt_topk_push(top, id, s);
	}
}

int filt_bm25_search(filt_kw *kw, const char *query, size_t qlen,
                     const filt_kw_stats *stats, const filt_bm25_params *prm,
                     filt_bm25_lookup_fn lookup, void *ctx,
                     const roaring_bitmap_t *allow, size_t k, filt_hit *out,
                     size_t *n_out)
{
	filt_bm25_params dflt = filt_bm25_params_default();
	*n_out = 0;
	if (!prm)
		prm = &dflt;
	if (!(prm->k1 >= 0) || !(prm->b >= 0 && prm->b <= 1))
		return sl_err(SEMLITE_INVALID,
		              "bm25: k1 = %g must be >= 0 and b = %g in [0, 1]",
		              (double)prm->k1, (double)prm->b);
	filt_kw_bag bag = {0};
	cursor *cur = NULL;
	int rc = filt_kw_bag_build(kw, query, qlen, &bag);
	if (rc || bag.n == 0 || k == 0 || stats->n_docs == 0)
		goto out;
	cur = sl_malloc(bag.n * sizeof *cur);
	if (!cur) {
		rc = sl_err(SEMLITE_NOMEM, "bm25: out of memory");
		goto out;
	}
	size_t ncur;
	rc = open_cursors(&bag, stats, prm, lookup, ctx, cur, &ncur);
	if (rc)
		goto out;
	filt_topk top;
	filt_topk_init(&top, out, k);
	daat(cur, ncur, prm, (double)stats->total_len / (double)stats->n_docs,
	     allow, &top);
	*n_out = filt_topk_finish(&top);
out:
	sl_free(cur);
	filt_kw_bag_clear(&bag);
	return rc;
}

/* ---- in-memory index --------------------------------------------------------
 */

typedef struct kw_slot {
	char *term; /* NULL = empty */
	uint32_t len;
	bool dirty; /* changed since attach/flush (write-back mode) */
	filt_post post;
} kw_slot;

struct filt_kwmem {
	kw_slot *slots;
	size_t cap, used;
	filt_kw_stats stats;
	bool attached; /* write-back cache over `store` */
	filt_kw_store store;
};

static uint64_t hash_term(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

int filt_kwmem_new(filt_kwmem **out)
{
	*out = NULL;
	filt_kwmem *m = sl_calloc(1, sizeof *m);
	kw_slot *s = sl_calloc(1024, sizeof *s);
	if (!m || !s) {
		sl_free(m);
		sl_free(s);
		return sl_err(SEMLITE_NOMEM, "keyword index: out of memory");
	}
	m->slots = s;
	m->cap = 1024;
	*out = m;
	return SEMLITE_OK;
}

void filt_kwmem_free(filt_kwmem *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++) {
		sl_free(m->slots[i].term);
		filt_post_clear(&m->slots[i].post);
	}
	sl_free(m->slots);
	sl_free(m);
}

static kw_slot *find_slot(kw_slot *slots, size_t cap, const char *t, size_t n)
{
	size_t i = (size_t)hash_term(t, n) & (cap - 1);
	while (slots[i].term &&
	       (slots[i].len != n || memcmp(slots[i].term, t, n) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(filt_kwmem *m)
{
	size_t cap = m->cap * 2;
	kw_slot *s = sl_calloc(cap, sizeof *s);
	if (!s)
		return sl_err(SEMLITE_NOMEM, "keyword index: out of memory");
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].term)
			*find_slot(s, cap, m->slots[i].term, m->slots[i].len) =
			    m->slots[i];
	sl_free(m->slots);
	m->slots = s;
	m->cap = cap;
	return SEMLITE_OK;
}

/* The slot of a term, created (and, in write-back mode, loaded from the
 * store) on first use. *out is NULL when create is false and the term is
 * unknown. */
static int term_slot(filt_kwmem *m, const char *t, size_t n, bool create,
                     kw_slot **out)
{
	*out = NULL;
	if ((m->used + 1) * 4 > m->cap * 3 && grow(m))
		return SEMLITE_NOMEM;
	kw_slot *s = find_slot(m->slots, m->cap, t, n);
	if (s->term) {
		*out = s;
		return SEMLITE_OK;
	}
	if (!create && !m->attached)
		return SEMLITE_OK;
	const void *v = NULL;
	size_t vl = 0;
	int rc = SEMLITE_OK;
	if (m->attached) {
		rc = m->store.get(m->store.ctx, t, n, &v, &vl);
		if (rc == SEMLITE_NOTFOUND)
			rc = SEMLITE_OK, vl = 0;
		if (rc)
			return rc;
	}
	s->term = sl_malloc(n + 1); /* segment keys may hold 0x00 bytes */
	if (s->term) {
		memcpy(s->term, t, n);
		s->term[n] = '\0';
	}
	if (!s->term)
		return sl_err(SEMLITE_NOMEM, "keyword index: out of memory");
	s->len = (uint32_t)n;
	m->used++;
	/* a segment key names its term after the segment number */
	bool seg = m->attached && m->store.seg_bits;
	if (vl)
		rc = filt_post_decode(v, vl, &s->post,
		                      seg && n > 4 ? s->term + 4 : s->term);
	*out = s;
	return rc;
}

size_t filt_seg_key(char *k, const char *term, size_t len, uint32_t seg)
{
	if (len > FILT_KW_MAX_TERM)
		len = FILT_KW_MAX_TERM;
	k[0] = (char)(seg >> 24);
	k[1] = (char)(seg >> 16);
	k[2] = (char)(seg >> 8);
	k[3] = (char)seg;
	memcpy(k + 4, term, len);
	return len + 4;
}

bool filt_seg_parse(const char *k, size_t kl, size_t *term_len, uint32_t *seg)
{
	if (kl < 5 || kl > FILT_SEG_KEY_MAX)
		return false;
	const uint8_t *b = (const uint8_t *)k;
	*term_len = kl - 4;
	*seg = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
	return true;
}

int filt_seg_check(const filt_post *p, unsigned seg_bits, uint32_t seg,
                   const char *what)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->ids[i] >> seg_bits != seg)
			return sl_err(
			    SEMLITE_CORRUPT,
			    "postings %s: document %u outside segment "
			    "%u",
			    what, p->ids[i], seg);
	return SEMLITE_OK;
}

/* The cache key of a term for document id: the term itself, or in the
 * segmented write-back mode the key of id's segment (in buf). */
static size_t slot_key(const filt_kwmem *m, const filt_kw_term *t, uint32_t id,
                       char *buf, const char **key)
{
	if (!m->attached || !m->store.seg_bits) {
		*key = t->term;
		return t->len;
	}
	*key = buf;
	return filt_seg_key(buf, t->term, t->len, id >> m->store.seg_bits);
}

int filt_kwmem_add(filt_kwmem *m, uint32_t id, const filt_kw_bag *bag)
{
	char buf[FILT_SEG_KEY_MAX];
	for (size_t i = 0; i < bag->n; i++) {
		const filt_kw_term *t = &bag->terms[i];
		const char *key;
		size_t kl = slot_key(m, t, id, buf, &key);
		kw_slot *s;
		int rc = term_slot(m, key, kl, true, &s);
		if (!rc)
			rc = filt_post_put(&s->post, id, t->tf, bag->doc_len);
		if (rc)
			return rc;
		s->dirty = true;
	}
	m->stats.n_docs++;
	m->stats.total_len += bag->doc_len;
	return SEMLITE_OK;
}

int filt_kwmem_remove(filt_kwmem *m, uint32_t id, const filt_kw_bag *bag)
{
	char buf[FILT_SEG_KEY_MAX];
	for (size_t i = 0; i < bag->n; i++) {
		const char *key;
		size_t kl = slot_key(m, &bag->terms[i], id, buf, &key);
		kw_slot *s;
		int rc = term_slot(m, key, kl, false, &s);
		if (rc)
			return rc;
		if (s && filt_post_del(&s->post, id))
			s->dirty = true;
	}
	if (m->stats.n_docs)
		m->stats.n_docs--;
	m->stats.total_len -= m->stats.total_len < bag->doc_len
	                          ? m->stats.total_len
	                          : bag->doc_len;
	return SEMLITE_OK;
}

const filt_kw_stats *filt_kwmem_stats(const filt_kwmem *m)
{
	return &m->stats;
}

const filt_post *filt_kwmem_get(const filt_kwmem *m, const char *term,
                                size_t len)
{
	kw_slot *s = find_slot(m->slots, m->cap, term, len);
	return s->term && s->post.n ? &s->post : NULL;
}

int filt_kwmem_lookup(void *ctx, size_t slot, const char *term, size_t len,
                      const filt_post **out)
{
	(void)slot;
	*out = filt_kwmem_get(ctx, term, len);
	return *out ? SEMLITE_OK : SEMLITE_NOTFOUND;
}

int filt_kwmem_each(const filt_kwmem *m,
                    int (*fn)(void *ctx, const char *term, size_t len,
                              const filt_post *p),
                    void *ctx)
{
	for (size_t i = 0; i < m->cap; i++) {
		const kw_slot *s = &m->slots[i];
		if (!s->term || !s->post.n)
			continue;
		int rc = fn(ctx, s->term, s->len, &s->post);
		if (rc)
			return rc;
	}
	return SEMLITE_OK;
}

/* ---- write-back over a store ------------------------------------------------
 */

int filt_kwmem_attach(filt_kwmem *m, const filt_kw_store *st)
{
	const void *v;
	size_t vl;
	m->store = *st;
	m->attached = true;
	memset(&m->stats, 0, sizeof m->stats);
	int rc = st->get(st->ctx, "", 0, &v, &vl);
	if (rc == SEMLITE_NOTFOUND)
		return SEMLITE_OK;
	if (!rc)
		rc = filt_stats_decode(v, vl, &m->stats);
	return rc;
}

static int flush_slot(filt_kwmem *m, kw_slot *s)
{
	if (!s->post.n) {
		int rc = m->store.del(m->store.ctx, s->term, s->len);
		return rc == SEMLITE_NOTFOUND ? SEMLITE_OK : rc;
	}
	uint8_t *buf;
	size_t n;
	int rc = filt_post_encode(&s->post, &buf, &n);
	if (rc)
		return rc;
	rc = m->store.put(m->store.ctx, s->term, s->len, buf, n);
	sl_free(buf);
	return rc;
}

int filt_kwmem_flush(filt_kwmem *m)
{
	if (!m->attached)
		return sl_err(SEMLITE_MISUSE,
		              "keyword index: no store attached");
	for (size_t i = 0; i < m->cap; i++) {
		kw_slot *s = &m->slots[i];
		if (!s->term || !s->dirty)
			continue;
		int rc = flush_slot(m, s);
		if (rc)
			return rc;
		s->dirty = false;
	}
	uint8_t st[FILT_STATS_BYTES];
	filt_stats_encode(&m->stats, st);
	return m->store.put(m->store.ctx, "", 0, st, sizeof st);
}

void filt_kwmem_reset(filt_kwmem *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		sl_free(m->slots[i].term);
		filt_post_clear(&m->slots[i].post);
		memset(&m->slots[i], 0, sizeof m->slots[i]);
	}
	m->used = 0;
	m->attached = false;
	memset(&m->stats, 0, sizeof m->stats);
}

/* ---- reading stored postings
 * -------------------------------------------------- */

int filt_kw_reader_stats(filt_kw_reader *r, filt_kw_stats *out)
{
	const void *v;
	size_t vl;
	memset(out, 0, sizeof *out);
	int rc = r->store.get(r->store.ctx, "", 0, &v, &vl);
	if (rc == SEMLITE_NOTFOUND)
		return SEMLITE_OK;
	return rc ? rc : filt_stats_decode(v, vl, out);
}

/* Slots are separately allocated so that growing the slot table never
 * moves postings already handed to the scorer. */
static int reader_slot(filt_kw_reader *r, size_t slot, filt_post **out)
{
	if (slot >= r->nslots) {
		size_t n = slot + 8;
		filt_post **p = sl_realloc(r->slots, n * sizeof *p);
		if (!p)
			return sl_err(SEMLITE_NOMEM, "bm25: out of memory");
		memset(p + r->nslots, 0, (n - r->nslots) * sizeof *p);
		r->slots = p;
		r->nslots = n;
	}
	if (!r->slots[slot] &&
	    !(r->slots[slot] = sl_calloc(1, sizeof *r->slots[slot])))
		return sl_err(SEMLITE_NOMEM, "bm25: out of memory");
	*out = r->slots[slot];
	return SEMLITE_OK;
}

/* Appends one segment record of a term to the reader's postings. */
typedef struct seg_acc {
	filt_post *p, tmp;
	unsigned bits;
	const char *name;
} seg_acc;

static int seg_add(void *arg, const char *key, size_t kl, const void *v,
                   size_t vl)
{
	seg_acc *a = arg;
	size_t tl;
	uint32_t seg;
	if (!filt_seg_parse(key, kl, &tl, &seg))
		return sl_err(SEMLITE_CORRUPT, "postings %s: bad segment key",
		              a->name);
	int rc = filt_post_decode(v, vl, &a->tmp, a->name);
	if (!rc)
		rc = filt_seg_check(&a->tmp, a->bits, seg, a->name);
	if (!rc && a->tmp.n == 0)
		rc = sl_err(SEMLITE_CORRUPT, "postings %s: empty segment %u",
		            a->name, seg);
	/* segments come in key (= id) order, so each put appends */
	for (size_t i = 0; !rc && i < a->tmp.n; i++)
		rc = filt_post_put(a->p, a->tmp.ids[i], a->tmp.tf[i],
		                   a->tmp.dl[i]);
	return rc == SEMLITE_INVALID ? SEMLITE_CORRUPT : rc;
}

int filt_kw_reader_lookup(void *ctx, size_t slot, const char *term, size_t len,
                          const filt_post **out)
{
	filt_kw_reader *r = ctx;
	const void *v;
	size_t vl;
	filt_post *p = NULL;
	*out = NULL;
	char name[FILT_KW_MAX_TERM + 1];
	size_t nl = len < FILT_KW_MAX_TERM ? len : FILT_KW_MAX_TERM;
	memcpy(name, term, nl);
	name[nl] = '\0';
	int rc = reader_slot(r, slot, &p);
	if (rc)
		return rc;
	if (r->store.seg_bits && r->store.each) {
		seg_acc a = {p, {0}, r->store.seg_bits, name};
		filt_post_reset(p);
		rc = r->store.each(r->store.ctx, term, nl, seg_add, &a);
		filt_post_clear(&a.tmp);
		if (!rc && !p->n)
			rc = SEMLITE_NOTFOUND;
	} else {
		rc = r->store.get(r->store.ctx, term, len, &v, &vl);
		if (!rc)
			rc = filt_post_decode(v, vl, p, name);
	}
	if (!rc)
		*out = p;
	return rc;
}

void filt_kw_reader_clear(filt_kw_reader *r)
{
	for (size_t i = 0; i < r->nslots; i++) {
		filt_post_clear(r->slots[i]);
		sl_free(r->slots[i]);
	}
	sl_free(r->slots);
	r->slots = NULL;
	r->nslots = 0;
}
