/*
 * hnsw.c — HNSW insert and search (Malkov & Yashunin, "Efficient and robust
 * approximate nearest neighbor search using Hierarchical Navigable Small
 * World graphs", 2016), over the hnsw_store_ops interface.
 *
 * How it works. Every node has a top level drawn from a geometric
 * distribution (mL = 1/ln M); level l holds the nodes whose top level is >=
 * l. A search descends greedily from the entry point through the upper
 * levels and then runs a beam search of width ef on level 0. An insert does
 * the same with width ef_construction on every level up to the node's own
 * and links the node to the neighbours the heuristic (Algorithm 4) keeps;
 * each neighbour gets the back link, pruned with the same heuristic when
 * its list overflows (M links per level, 2·M on level 0, as hnswlib).
 *
 * Choices:
 * - Traversal distances come from int8 codes (quant.h) through dot_i8;
 *   for L2 the squared norms of the decoded codes make ||a-b||^2 =
 *   |a|^2 + |b|^2 - 2 a.b exact for the decoded vectors. The ef best
 *   candidates are then rescored with the exact vectors, so quantization
 *   costs ranking noise inside the beam, not wrong distances in results.
 *   Construction also uses the codes (4x less memory traffic than f32);
 *   the recall tests are the guard.
 * - Levels are a pure function of (seed, id): a per-node sl_rng seeded from
 *   both. Rebuilding from the same data gives the same graph in any
 *   insertion order of equal ids, and no RNG state has to be persisted.
 * - The visited set is an epoch-stamped u8 array in a per-thread scratch
 *   object: no allocation per query, cleared once every 255 queries.
 *   Rejected: a hash set (slower per probe), a bitmap cleared per query
 *   (O(N) per query) and u32 stamps (4x the pages a cold first query
 *   faults in).
 * - Codes of a node's unvisited neighbours are fetched in one store call,
 *   then prefetched, so the hot loop does one indirect call per expanded
 *   node rather than one per distance.
 * - Deleted and filtered-out nodes are traversed but never admitted to the
 *   result set; while it holds fewer than ef nodes the beam keeps widening
 *   (hnswlib's rule), so a filtered search does not stop early.
 */
#include "index/hnsw_int.h"
#include "quant/quant.h"

#include <math.h>
#include <string.h>

#define SL_SWAP(T, x, y)                                                       \
	do {                                                                   \
		T t_ = (x);                                                    \
		(x) = (y);                                                     \
		(y) = t_;                                                      \
	} while (0)

/* ---- parameters and levels ---------------------------------------------- */

int hnsw_params_check(hnsw_params *p)
{
	if (!p->m)
		p->m = HNSW_DEFAULT_M;
	if (!p->ef_construction)
		p->ef_construction = HNSW_DEFAULT_EF_CONSTRUCTION;
	if (p->dim == 0 || p->dim > (1u << 16))
		return sl_err(SEMLITE_INVALID, "hnsw: dim %u out of range",
		              p->dim);
	if (p->m < 2 || p->m > HNSW_MAX_M)
		return sl_err(SEMLITE_INVALID, "hnsw: M %u not in 2..%u", p->m,
		              HNSW_MAX_M);
	if (p->ef_construction > 65536)
		return sl_err(SEMLITE_INVALID,
		              "hnsw: ef_construction %u too large",
		              p->ef_construction);
	if (p->metric != HNSW_L2 && p->metric != HNSW_COS &&
	    p->metric != HNSW_DOT)
		return sl_err(SEMLITE_INVALID, "hnsw: unknown metric %d",
		              p->metric);
	return SEMLITE_OK;
}

int hnsw_level_for(const hnsw_params *p, uint32_t id)
{
	sl_rng r;
	sl_rng_seed(&r, p->seed ^ ((uint64_t)id * 0x9e3779b97f4a7c15ULL));
	double u = sl_rng_uniform(&r);
	if (u <= 0.0)
		u = 0x1.0p-53;
	double l = -log(u) / log((double)p->m);
	return l >= HNSW_MAX_LEVEL ? HNSW_MAX_LEVEL : (int)l;
}

/* ---- scratch --------------------------------------------------------------
 */

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	if (need <= *cap)
		return SEMLITE_OK;
	uint32_t n = *cap ? *cap : 64;
	while (n < need)
		n = n > UINT32_MAX / 2 ? need : n * 2;
	size_t bytes;
	if (!sl_mul_ok(n, elem, &bytes))
		return sl_err(SEMLITE_NOMEM, "hnsw: buffer of %u too large", n);
	void *q = sl_realloc(*p, bytes);
	if (!q)
		return sl_err(SEMLITE_NOMEM, "hnsw: out of memory");
	*p = q;
	*cap = n;
	return SEMLITE_OK;
}

int hnsw_heap_reserve(hnsw_heap *h, uint32_t need)
{
	return grow((void **)&h->a, &h->cap, need, sizeof(hnsw_pair));
}

int hnsw_scratch_new(hnsw_scratch **out)
{
	hnsw_scratch *sc = sl_calloc(1, sizeof(*sc));
	if (!sc)
		return sl_err(SEMLITE_NOMEM, "hnsw: out of memory");
	sc->k = kern_get();
	*out = sc;
	return SEMLITE_OK;
}

void hnsw_scratch_free(hnsw_scratch *sc)
{
	if (!sc)
		return;
	sl_free(sc->stamp);
	sl_free(sc->cand.a);
	sl_free(sc->res.a);
	sl_free(sc->qcode);
	sl_free(sc->qf);
	sl_free(sc->exact);
	sl_free(sc->ids);
	sl_free(sc->codes);
	sl_free(sc->qp);
	sl_free(sc->dots);
	sl_free(sc->dist);
	sl_free(sc->pairs);
	sl_free(sc->sel);
	sl_free(sc->nb);
	sl_free(sc->nb2);
	sl_free(sc);
}

int hnsw_scratch_fit(hnsw_scratch *sc, uint32_t n)
{
	uint32_t c1 = sc->batch_cap, c2 = sc->batch_cap, c3 = sc->batch_cap;
	uint32_t c4 = sc->batch_cap, c5 = sc->batch_cap;
	uint32_t p1 = sc->pairs_cap, p2 = sc->pairs_cap;
	uint32_t n1 = sc->nb_cap, n2 = sc->nb_cap;
	int rc = grow((void **)&sc->ids, &c1, n, sizeof(uint32_t));
	if (!rc)
		rc = grow((void **)&sc->codes, &c2, n, sizeof(hnsw_code));
	if (!rc)
		rc = grow((void **)&sc->qp, &c3, n, sizeof(int8_t *));
	if (!rc)
		rc = grow((void **)&sc->dots, &c4, n, sizeof(int32_t));
	if (!rc)
		rc = grow((void **)&sc->dist, &c5, n, sizeof(float));
	if (!rc)
		rc = grow((void **)&sc->pairs, &p1, n, sizeof(hnsw_pair));
	if (!rc)
		rc = grow((void **)&sc->sel, &p2, n, sizeof(hnsw_pair));
	if (!rc)
		rc = grow((void **)&sc->nb, &n1, n, sizeof(uint32_t));
	if (!rc)
		rc = grow((void **)&sc->nb2, &n2, n, sizeof(uint32_t));
	if (rc)
		return rc;
	c1 = c1 < c2 ? c1 : c2;
	c3 = c3 < c4 ? c3 : c4;
	c1 = c1 < c3 ? c1 : c3;
	sc->batch_cap = c1 < c5 ? c1 : c5;
	sc->pairs_cap = p1 < p2 ? p1 : p2;
	sc->nb_cap = n1 < n2 ? n1 : n2;
	return SEMLITE_OK;
}

static int query_fit(hnsw_scratch *sc, uint32_t dim)
{
	if (dim <= sc->qcap)
		return SEMLITE_OK;
	int8_t *q = sl_realloc(sc->qcode, dim);
	if (q)
		sc->qcode = q;
	float *f = sl_realloc(sc->qf, (size_t)dim * sizeof(float));
	if (f)
		sc->qf = f;
	float *e = sl_realloc(sc->exact, (size_t)dim * sizeof(float));
	if (e)
		sc->exact = e;
	if (!q || !f || !e)
		return sl_err(SEMLITE_NOMEM, "hnsw: out of memory");
	sc->qcap = dim;
	return SEMLITE_OK;
}

int hnsw_visit_begin(hnsw_scratch *sc, uint32_t limit)
{
	if (limit > sc->stamp_cap) {
		/* exactly limit at first (sl_zgrow's calloc: a first search
		 * of a large collection touches only the pages of the nodes
		 * it visits), doubling after */
		uint32_t cap = sc->stamp_cap ? sc->stamp_cap : limit;
		while (cap < limit)
			cap = cap > UINT32_MAX / 2 ? limit : cap * 2;
		uint8_t *st =
		    sl_zgrow(sc->stamp, sc->stamp_cap, cap, sizeof *st);
		if (!st)
			return sl_err(SEMLITE_NOMEM, "hnsw: out of memory");
		if (!sc->stamp) /* a first search visits all over it */
			sl_prefault(st, cap);
		sc->stamp = st;
		sc->stamp_cap = cap;
	}
	if (++sc->epoch == 0) {
		memset(sc->stamp, 0, sc->stamp_cap);
		sc->epoch = 1;
	}
	return SEMLITE_OK;
}

/* ---- small helpers ----------------------------------------------------------
 */

static inline bool pair_lt(hnsw_pair x, hnsw_pair y)
{
	return x.d < y.d || (x.d == y.d && x.id < y.id);
}

static void pairs_insertion(hnsw_pair *a, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		hnsw_pair x = a[i];
		uint32_t j = i;
		while (j > 0 && pair_lt(x, a[j - 1])) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

/* Ascending by (distance, id): a typed quicksort (median of three,
 * recursion on the smaller side, insertion sort below 16). qsort's
 * comparator call per comparison cost ~9% of an insert. */
void hnsw_pairs_sort(hnsw_pair *a, uint32_t n)
{
	while (n > 16) {
		uint32_t mid = n / 2, hi = n - 1;
		if (pair_lt(a[mid], a[0]))
			SL_SWAP(hnsw_pair, a[mid], a[0]);
		if (pair_lt(a[hi], a[0]))
			SL_SWAP(hnsw_pair, a[hi], a[0]);
		if (pair_lt(a[hi], a[mid]))
			SL_SWAP(hnsw_pair, a[hi], a[mid]);
		hnsw_pair piv = a[mid];
		uint32_t i = 0, j = hi;
		for (;;) {
			while (pair_lt(a[i], piv))
				i++;
			while (pair_lt(piv, a[j]))
				j--;
			if (i >= j)
				break;
			SL_SWAP(hnsw_pair, a[i], a[j]);
			i++;
			j--;
		}
		/* [0, j] <= piv <= [j + 1, n) */
		uint32_t left = j + 1, right = n - left;
		if (right == 0 || left >= n)
			break; /* no progress (cannot happen with distinct ids)
			        */
		if (left < right) {
			hnsw_pairs_sort(a, left);
			a += left;
			n = right;
		} else {
			hnsw_pairs_sort(a + left, right);
			n = left;
		}
	}
	pairs_insertion(a, n);
}

int hnsw_links_copy(const hnsw_ctx *c, uint32_t id, int level, uint32_t *dst,
                    uint32_t cap, uint32_t *n)
{
	const uint8_t *raw;
	uint32_t cnt, lim = c->ops->id_limit(c->store);
	int rc = c->ops->get_links(c->store, id, level, &raw, &cnt);
	if (rc)
		return rc;
	if (cnt > cap)
		return sl_err(SEMLITE_CORRUPT,
		              "hnsw: node %u level %d has %u links (max %u)",
		              id, level, cnt, cap);
	for (uint32_t i = 0; i < cnt; i++) {
		dst[i] = sl_load_u32le(raw + 4 * (size_t)i);
		if (dst[i] >= lim)
			return sl_err(SEMLITE_CORRUPT,
			              "hnsw: node %u level %d links to %u", id,
			              level, dst[i]);
	}
	*n = cnt;
	return SEMLITE_OK;
}

void hnsw_code_dists(hnsw_scratch *sc, int metric, size_t dim,
                     const hnsw_code *a, const hnsw_code *b, uint32_t n)
{
	if (SL_UNLIKELY(!a->q)) {
		for (uint32_t i = 0; i < n; i++)
			sc->dist[i] = INFINITY;
		return;
	}
	/* a node without a code (tombstone) gets a stand-in pointer and
	 * then its infinite distance */
	for (uint32_t i = 0; i < n; i++)
		sc->qp[i] = b[i].q ? b[i].q : a->q;
	sc->k->dot_i8_many(a->q, sc->qp, n, dim, sc->dots);
	for (uint32_t i = 0; i < n; i++)
		sc->dist[i] =
		    b[i].q ? hnsw_dist_of_dot(metric, a, &b[i], sc->dots[i])
		           : INFINITY;
}

static int code_of(const hnsw_ctx *c, uint32_t id, hnsw_code *out)
{
	return c->ops->get_codes(c->store, &id, 1, out);
}

/* Turns the f32 query into the scratch's query code. */
static int prepare_query(const hnsw_ctx *c, hnsw_scratch *sc, const float *v,
                         hnsw_code *q)
{
	uint32_t dim = c->p.dim;
	int rc = query_fit(sc, dim);
	if (rc)
		return rc;
	const float *src = v;
	if (c->p.metric == HNSW_COS) {
		float nrm = sqrtf(sc->k->dot_f32(v, v, dim));
		for (uint32_t i = 0; i < dim; i++)
			sc->qf[i] = nrm > 0 ? v[i] / nrm : 0.0f;
		src = sc->qf;
	}
	q->scale = quant_i8_encode(src, dim, sc->qcode);
	q->q = sc->qcode;
	q->sqnorm = q->scale * q->scale *
	            (float)sc->k->dot_i8(sc->qcode, sc->qcode, dim);
	return SEMLITE_OK;
}

/* ---- layer search
 * ------------------------------------------------------------ */

static inline bool admitted(const hnsw_ctx *c, const roaring_bitmap_t *allow,
                            uint32_t id)
{
	if (allow && !roaring_bitmap_contains(allow, id))
		return false;
	return !c->ops->is_deleted(c->store, id);
}

/* Greedy descent on one upper level: moves (*cur, *curd) to a local
 * minimum. Deleted nodes are fine as stepping stones. */
static int greedy(const hnsw_ctx *c, hnsw_scratch *sc, const hnsw_code *q,
                  int level, uint32_t *cur, float *curd)
{
	uint32_t maxl = hnsw_max_links(&c->p, level);
	bool moved = true;
	while (moved) {
		moved = false;
		uint32_t n;
		int rc = hnsw_links_copy(c, *cur, level, sc->ids, maxl, &n);
		if (!rc && n)
			rc = c->ops->get_codes(c->store, sc->ids, n, sc->codes);
		if (rc)
			return rc;
		hnsw_code_dists(sc, c->p.metric, c->p.dim, q, sc->codes, n);
		for (uint32_t i = 0; i < n; i++) {
			float d = sc->dist[i];
			if (d < *curd) {
				*curd = d;
				*cur = sc->ids[i];
				moved = true;
			}
		}
	}
	return SEMLITE_OK;
}

/* Collects the unvisited neighbours of node into sc->ids and fetches their
 * codes; *cnt receives how many. */
static int expand(const hnsw_ctx *c, hnsw_scratch *sc, uint32_t node, int level,
                  uint32_t lim, uint32_t *cnt)
{
	const uint8_t *raw;
	uint32_t n, m = 0;
	int rc = c->ops->get_links(c->store, node, level, &raw, &n);
	if (rc)
		return rc;
	if (n > hnsw_max_links(&c->p, level))
		return sl_err(SEMLITE_CORRUPT,
		              "hnsw: node %u level %d has %u links", node,
		              level, n);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t id = sl_load_u32le(raw + 4 * (size_t)i);
		if (id >= lim)
			return sl_err(SEMLITE_CORRUPT,
			              "hnsw: node %u links to %u", node, id);
		if (hnsw_visit(sc, id))
			sc->ids[m++] = id;
	}
	*cnt = m;
	if (!m)
		return SEMLITE_OK;
	rc = c->ops->get_codes(c->store, sc->ids, m, sc->codes);
	for (uint32_t i = 0; !rc && i < m; i++)
		__builtin_prefetch(sc->codes[i].q);
	return rc;
}

/*
 * Beam search of width ef on one level from (ep, epd). Leaves the admitted
 * nodes found in sc->res (max-heap, at most ef). Nodes not admitted (deleted
 * or outside allow) still extend the beam.
 */
static int search_layer(const hnsw_ctx *c, hnsw_scratch *sc, const hnsw_code *q,
                        uint32_t ep, float epd, uint32_t ef, int level,
                        const roaring_bitmap_t *allow)
{
	uint32_t lim = c->ops->id_limit(c->store);
	int rc = hnsw_visit_begin(sc, lim);
	if (!rc)
		rc = hnsw_scratch_fit(sc, 2 * c->p.m + 1);
	if (!rc)
		rc = hnsw_heap_reserve(&sc->res, ef + 1);
	if (rc)
		return rc;
	sc->cand.n = sc->res.n = 0;
	hnsw_visit(sc, ep);
	if ((rc = hnsw_heap_reserve(&sc->cand, 1)))
		return rc;
	hnsw_heap_push(&sc->cand, -epd, ep);
	if (admitted(c, allow, ep))
		hnsw_heap_push(&sc->res, epd, ep);
	float lower = sc->res.n ? sc->res.a[0].d : INFINITY;
	while (sc->cand.n) {
		hnsw_pair cur = sc->cand.a[0];
		if (-cur.d > lower && sc->res.n >= ef)
			break;
		hnsw_heap_pop(&sc->cand);
		uint32_t m = 0;
		if ((rc = expand(c, sc, cur.id, level, lim, &m)))
			return rc;
		if ((rc = hnsw_heap_reserve(&sc->cand, sc->cand.n + m)))
			return rc;
		hnsw_code_dists(sc, c->p.metric, c->p.dim, q, sc->codes, m);
		for (uint32_t i = 0; i < m; i++) {
			float d = sc->dist[i];
			if (sc->res.n >= ef && d >= lower)
				continue;
			uint32_t id = sc->ids[i];
			hnsw_heap_push(&sc->cand, -d, id);
			if (!admitted(c, allow, id))
				continue;
			hnsw_heap_push(&sc->res, d, id);
			if (sc->res.n > ef)
				hnsw_heap_pop(&sc->res);
			lower = sc->res.a[0].d;
		}
	}
	return SEMLITE_OK;
}

/* ---- neighbour selection
 * ----------------------------------------------------- */

int hnsw_select(const hnsw_ctx *c, hnsw_scratch *sc, hnsw_pair *cand,
                uint32_t n, uint32_t m, uint32_t *out, uint32_t *nout)
{
	hnsw_pairs_sort(cand, n);
	if (n <= m) {
		for (uint32_t i = 0; i < n; i++)
			out[i] = cand[i].id;
		*nout = n;
		return SEMLITE_OK;
	}
	int rc = hnsw_scratch_fit(sc, n);
	if (rc)
		return rc;
	/* codes of all candidates at once; sc->ids is free here */
	for (uint32_t i = 0; i < n; i++)
		sc->ids[i] = cand[i].id;
	if ((rc = c->ops->get_codes(c->store, sc->ids, n, sc->codes)))
		return rc;
	uint32_t kept = 0;
	hnsw_code *kc = sc->codes; /* kept codes compacted to the front */
	for (uint32_t i = 0; i < n && kept < m; i++) {
		hnsw_code ci = sc->codes[i];
		bool good = true;
		for (uint32_t j = 0; j < kept; j++) {
			float d = hnsw_code_dist(sc->k, c->p.metric, c->p.dim,
			                         &ci, &kc[j]);
			if (d < cand[i].d) {
				good = false;
				break;
			}
		}
		if (good) {
			kc[kept] = ci;
			out[kept++] = cand[i].id;
		}
	}
	*nout = kept;
	return SEMLITE_OK;
}

/* ---- insert
 * ------------------------------------------------------------------ */

/* Adds the back link node -> id (distance d) on level, pruning node's list
 * with the heuristic when it is full. */
static int connect_back(const hnsw_ctx *c, hnsw_scratch *sc, uint32_t node,
                        uint32_t id, float d, int level)
{
	uint32_t maxl = hnsw_max_links(&c->p, level), n;
	uint32_t *nb = sc->nb2;
	int rc = hnsw_links_copy(c, node, level, nb, maxl, &n);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < n; i++)
		if (nb[i] == id)
			return SEMLITE_OK;
	if (n < maxl) {
		nb[n++] = id;
		return c->ops->put_links(c->store, node, level, nb, n);
	}
	hnsw_code base;
	if ((rc = code_of(c, node, &base)))
		return rc;
	for (uint32_t i = 0; i < n; i++)
		sc->ids[i] = nb[i];
	if ((rc = c->ops->get_codes(c->store, sc->ids, n, sc->codes)))
		return rc;
	hnsw_pair *cand = sc->pairs;
	hnsw_code_dists(sc, c->p.metric, c->p.dim, &base, sc->codes, n);
	for (uint32_t i = 0; i < n; i++) {
		cand[i].id = nb[i];
		cand[i].d = sc->dist[i];
	}
	cand[n].id = id;
	cand[n].d = d;
	uint32_t kept;
	if ((rc = hnsw_select(c, sc, cand, n + 1, maxl, nb, &kept)))
		return rc;
	return c->ops->put_links(c->store, node, level, nb, kept);
}

/* Links id on one level given the beam's result set in sc->res; returns
 * the closest candidate as the next level's entry. */
static int link_level(const hnsw_ctx *c, hnsw_scratch *sc, uint32_t id,
                      int level, uint32_t *next, float *nextd)
{
	uint32_t n = sc->res.n, kept;
	int rc = hnsw_scratch_fit(sc, n + 2 * c->p.m + 2);
	if (rc)
		return rc;
	hnsw_pair *cand = sc->sel;
	uint32_t w = 0;
	for (uint32_t i = 0; i < n; i++)
		if (sc->res.a[i].id != id)
			cand[w++] = sc->res.a[i];
	if (!w)
		return SEMLITE_OK;
	/* hnsw_select sorts cand and uses sc->pairs/ids/codes; keep the
	 * selection in nb and the distances in cand (sorted) */
	uint32_t *sel = sc->nb;
	if ((rc = hnsw_select(c, sc, cand, w, c->p.m, sel, &kept)))
		return rc;
	*next = cand[0].id;
	*nextd = cand[0].d;
	if ((rc = c->ops->put_links(c->store, id, level, sel, kept)))
		return rc;
	for (uint32_t i = 0; i < kept; i++) {
		float d = 0;
		for (uint32_t j = 0; j < w; j++)
			if (cand[j].id == sel[i]) {
				d = cand[j].d;
				break;
			}
		if ((rc = connect_back(c, sc, sel[i], id, d, level)))
			return rc;
	}
	return SEMLITE_OK;
}

int hnsw_link(const hnsw_ctx *c, hnsw_scratch *sc, uint32_t id, int lvl,
              uint32_t ep, int top)
{
	hnsw_code q;
	int rc = code_of(c, id, &q);
	if (!rc)
		rc = hnsw_scratch_fit(sc, 2 * c->p.m + 2);
	if (!rc)
		rc = query_fit(sc, c->p.dim);
	if (rc)
		return rc;
	if (!q.q)
		return sl_err(SEMLITE_INTERNAL, "hnsw: node %u has no code",
		              id);
	/* the new node's code is used across puts, which may move the
	 * store's pages (LMDB spills dirty pages in large transactions) */
	memcpy(sc->qcode, q.q, c->p.dim);
	q.q = sc->qcode;
	hnsw_code ec;
	if ((rc = code_of(c, ep, &ec)))
		return rc;
	uint32_t cur = ep;
	float curd = hnsw_code_dist(sc->k, c->p.metric, c->p.dim, &q, &ec);
	for (int l = top; l > lvl; l--)
		if ((rc = greedy(c, sc, &q, l, &cur, &curd)))
			return rc;
	for (int l = lvl < top ? lvl : top; l >= 0; l--) {
		rc = search_layer(c, sc, &q, cur, curd, c->p.ef_construction, l,
		                  NULL);
		if (!rc && sc->res.n == 0) /* everything near is deleted */
			rc = search_layer(c, sc, &q, cur, curd, 1, l, NULL);
		if (!rc)
			rc = link_level(c, sc, id, l, &cur, &curd);
		if (rc)
			return rc;
	}
	return SEMLITE_OK;
}

int hnsw_insert(const hnsw_ctx *c, hnsw_scratch *sc, uint32_t id)
{
	if (id >= c->ops->id_limit(c->store))
		return sl_err(SEMLITE_INVALID, "hnsw: id %u beyond the store",
		              id);
	int lvl = hnsw_level_for(&c->p, id), top, old;
	uint32_t ep;
	if (c->ops->get_level(c->store, id, &old) == SEMLITE_OK)
		return sl_err(SEMLITE_EXISTS, "hnsw: node %u already linked",
		              id);
	int rc = c->ops->set_level(c->store, id, lvl);
	if (rc)
		return rc;
	rc = c->ops->get_entry(c->store, &ep, &top);
	if (rc == SEMLITE_NOTFOUND)
		return c->ops->set_entry(c->store, id, lvl);
	if (!rc)
		rc = hnsw_link(c, sc, id, lvl, ep, top);
	if (!rc && lvl > top)
		rc = c->ops->set_entry(c->store, id, lvl);
	return rc;
}

/* ---- search ----------------------------------------------------------------
 */

static int exact_by_vector(const hnsw_ctx *c, hnsw_scratch *sc, uint32_t id,
                           const float *query, float *d)
{
	const float *v;
	int rc = c->ops->get_exact(c->store, id, sc->exact, &v);
	if (!rc)
		*d = hnsw_exact_dist(sc->k, c->p.metric, c->p.dim, query, v);
	return rc;
}

static int exact_by_dot(const hnsw_ctx *c, uint32_t id, const float *query,
                        float qsq, float *d)
{
	float dot, vsq;
	int rc = c->ops->exact_dot(c->store, id, query, &dot, &vsq);
	if (rc)
		return rc;
	if (c->p.metric == HNSW_L2)
		*d = qsq + vsq - 2.0f * dot;
	else if (c->p.metric == HNSW_COS)
		*d = qsq > 0 && vsq > 0 ? 1.0f - dot / sqrtf(qsq * vsq) : 1.0f;
	else
		*d = -dot;
	return SEMLITE_OK;
}

/* Moves the k smallest of a[n] to the front, sorted; returns how many.
 * For small k an insertion into a sorted prefix (one comparison per
 * element once the prefix is full) beats sorting the whole beam. */
static uint32_t pairs_best(hnsw_pair *a, uint32_t n, uint32_t k)
{
	if (k > 64 || n <= k) {
		hnsw_pairs_sort(a, n);
		return n < k ? n : k;
	}
	pairs_insertion(a, k);
	for (uint32_t i = k; i < n; i++) {
		hnsw_pair x = a[i];
		if (!pair_lt(x, a[k - 1]))
			continue;
		uint32_t j = k - 1;
		while (j > 0 && pair_lt(x, a[j - 1])) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
	return k;
}

/* Rescores the admitted beam in sc->res with exact vectors; writes the k
 * best to out. */
static int rescore(const hnsw_ctx *c, hnsw_scratch *sc, const float *query,
                   uint32_t k, hnsw_hit *out, uint32_t *nout)
{
	uint32_t n = sc->res.n;
	int rc = hnsw_scratch_fit(sc, n);
	if (rc)
		return rc;
	hnsw_pair *p = sc->pairs;
	float qsq = sc->k->dot_f32(query, query, c->p.dim);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t id = sc->res.a[i].id;
		p[i].id = id;
		if (c->ops->exact_dot)
			rc = exact_by_dot(c, id, query, qsq, &p[i].d);
		else
			rc = exact_by_vector(c, sc, id, query, &p[i].d);
		if (rc)
			return rc;
	}
	*nout = pairs_best(p, n, k);
	for (uint32_t i = 0; i < *nout; i++) {
		out[i].id = p[i].id;
		out[i].dist = p[i].d;
	}
	return SEMLITE_OK;
}

static uint64_t flat_threshold(const hnsw_ctx *c, const hnsw_search_opts *o,
                               uint32_t ef)
{
	if (o->flat_max)
		return o->flat_max;
	double n = (double)c->ops->id_limit(c->store);
	return (uint64_t)(2.0 * sqrt((double)ef * n)) + o->k;
}

int hnsw_search(const hnsw_ctx *c, hnsw_scratch *sc, const float *query,
                const hnsw_search_opts *opts, hnsw_hit *out, uint32_t *nout)
{
	uint32_t k = opts->k, ef = opts->ef ? opts->ef : HNSW_DEFAULT_EF;
	uint32_t ep;
	int top, rc;
	*nout = 0;
	if (!k)
		return SEMLITE_OK;
	if (ef < k)
		ef = k;
	if (opts->allow && roaring_bitmap_get_cardinality(opts->allow) <=
	                       flat_threshold(c, opts, ef))
		return hnsw_flat_search(c, sc, query, k, opts->allow, out,
		                        nout);
	rc = c->ops->get_entry(c->store, &ep, &top);
	if (rc == SEMLITE_NOTFOUND)
		return SEMLITE_OK;
	hnsw_code q, ec;
	if (!rc)
		rc = prepare_query(c, sc, query, &q);
	if (!rc)
		rc = hnsw_scratch_fit(sc, 2 * c->p.m + 2);
	if (!rc)
		rc = code_of(c, ep, &ec);
	if (rc)
		return rc;
	float curd = hnsw_code_dist(sc->k, c->p.metric, c->p.dim, &q, &ec);
	for (int l = top; l > 0; l--)
		if ((rc = greedy(c, sc, &q, l, &ep, &curd)))
			return rc;
	rc = search_layer(c, sc, &q, ep, curd, ef, 0, opts->allow);
	if (!rc)
		rc = rescore(c, sc, query, k, out, nout);
	/* Unreachable matches (a graph cut off by deletions, or a filter
	 * whose members the beam never met): the exact answer is the
	 * guarantee that k matching nodes give k results. */
	if (!rc && *nout < k)
		rc = hnsw_flat_search(c, sc, query, k, opts->allow, out, nout);
	return rc;
}

/* ---- flat exact search
 * --------------------------------------------------------- */

static int flat_visit(const hnsw_ctx *c, hnsw_scratch *sc, const float *query,
                      uint32_t k, uint32_t id)
{
	int lvl;
	if (c->ops->get_level(c->store, id, &lvl) != SEMLITE_OK ||
	    c->ops->is_deleted(c->store, id))
		return SEMLITE_OK;
	const float *v;
	int rc = c->ops->get_exact(c->store, id, sc->exact, &v);
	if (rc)
		return rc;
	float d = hnsw_exact_dist(sc->k, c->p.metric, c->p.dim, query, v);
	if (sc->res.n < k) {
		hnsw_heap_push(&sc->res, d, id);
	} else if (d < sc->res.a[0].d) {
		hnsw_heap_pop(&sc->res);
		hnsw_heap_push(&sc->res, d, id);
	}
	return SEMLITE_OK;
}

int hnsw_flat_search(const hnsw_ctx *c, hnsw_scratch *sc, const float *query,
                     uint32_t k, const roaring_bitmap_t *allow, hnsw_hit *out,
                     uint32_t *nout)
{
	*nout = 0;
	int rc = query_fit(sc, c->p.dim);
	if (!rc)
		rc = hnsw_heap_reserve(&sc->res, k + 1);
	if (rc || !k)
		return rc;
	sc->res.n = 0;
	uint32_t lim = c->ops->id_limit(c->store);
	if (allow) {
		roaring_uint32_iterator_t *it = roaring_create_iterator(allow);
		if (!it)
			return sl_err(SEMLITE_NOMEM, "hnsw: out of memory");
		for (; !rc && it->has_value && it->current_value < lim;
		     roaring_advance_uint32_iterator(it))
			rc = flat_visit(c, sc, query, k, it->current_value);
		roaring_free_uint32_iterator(it);
	} else {
		for (uint32_t id = 0; !rc && id < lim; id++)
			rc = flat_visit(c, sc, query, k, id);
	}
	if (rc)
		return rc;
	uint32_t n = sc->res.n;
	hnsw_pairs_sort(sc->res.a, n);
	for (uint32_t i = 0; i < n; i++) {
		out[i].id = sc->res.a[i].id;
		out[i].dist = sc->res.a[i].d;
	}
	*nout = n;
	return SEMLITE_OK;
}
