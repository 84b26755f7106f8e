/*
 * hnsw_lmdb.c — the HNSW graph of a collection stored in LMDB.
 *
 * Key schema (format.h, `links`): collection id (u32 BE) + internal id
 * (u32 BE) + level (u8). The level-0 value starts with the u8 top level
 * of the node followed by the neighbour list (hnsw_links.h: sorted ids as
 * varint gaps); upper-level values are the list alone. So
 * get_level and the level-0 list (the hot one) are one lookup, and a node
 * of level L has L + 1 records. The entry point is the checked meta record
 * 'h' + COLL: u32 LE entry id, u32 LE top level.
 *
 * Reads are zero-copy but for the lists: get_links decodes a list into a
 * buffer of the store (a few dozen varints, cheap next to scoring the
 * neighbours' codes) and
 * get_codes points into the `codes` vector blocks (storage/vecblk.c; a
 * record is an 8-byte header, f32 scale and f32 squared norm, then dim
 * int8). Lookups go through cursors opened on
 * first use and kept for the store's life, which saves LMDB's per-call
 * cursor setup. Every stored length is checked against what the
 * collection's settings imply: a bad record is SEMLITE_CORRUPT naming the
 * node, never trusted.
 *
 * Two caches keep B-tree lookups off the hot paths (profiles, issue 6: a
 * lookup per visited node made searches ~5x and builds ~4x slower than
 * the in-memory store):
 * - Read snapshots (hnsw_lmdb_set_cache): the map address of each code
 *   record, level-0 list, upper-level list and f16 record, and the entry
 *   point, valid while the snapshot is the same (the API keys it by LMDB
 *   transaction id).
 *   Pointer arithmetic on the map instead of a lookup per visit.
 * - Write transactions (hnsw_lmdb_wcache): copies of the code records and
 *   level-0 lists the transaction touched, with level-0 puts written
 *   through, because a write transaction's own pages move.
 * Cosine collections run the graph on inner products (the vectors are
 * normalized when stored), hnsw_lmdb_params.
 *
 * Rejected: one record per node holding all levels (every level-0 update
 * would rewrite the upper levels too); copying the codes into the links
 * records next to each neighbour id (2·M copies of each code: the file
 * would be several times larger than hnswlib's index); and packing the
 * neighbour lists into fixed-size slots of large LMDB values (blocks of N
 * nodes) so a snapshot reaches a node by arithmetic without a warm-up:
 * the snapshot cache gives the same steady-state access, and a slot
 * update would rewrite a whole block value per link change (LMDB values
 * are copy-on-write as a unit). Codes and exact vectors are in blocks
 * (format 3): they are written once per id, so a block is rewritten only
 * while its ids are being added.
 */
#include "index/hnsw_lmdb.h"
#include "index/hnsw_links.h"
#include "quant/quant.h"

#include <stdlib.h>
#include <string.h>

#define LINK_KEY  9
#define L0_HEADER 1

/* ---- upper-level lists by (id, level) (hnsw_lmdb_uptab) ------------- */

static uint64_t up_key(uint32_t id, int level)
{
	return ((uint64_t)id << 8 | (uint64_t)level) + 1;
}

static uint32_t up_slot(const hnsw_lmdb_uptab *t, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ULL;
	uint32_t i = (uint32_t)(h >> 32) & (t->cap - 1);
	while (t->a[i].key && t->a[i].key != key)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static hnsw_lmdb_up *up_find(const hnsw_lmdb_uptab *t, uint32_t id, int level)
{
	if (!t->n)
		return NULL;
	hnsw_lmdb_up *e = &t->a[up_slot(t, up_key(id, level))];
	return e->key ? e : NULL;
}

/* The entry of (id, level), made (ids NULL) when absent; NULL when the
 * table cannot grow. */
static hnsw_lmdb_up *up_add(hnsw_lmdb_uptab *t, uint32_t id, int level)
{
	hnsw_lmdb_up *e = up_find(t, id, level);
	if (e)
		return e;
	if (2 * (t->n + 1) > t->cap) { /* load factor <= 1/2 */
		if (t->cap >= 1u << 30)
			return NULL;
		uint32_t cap = t->cap ? 2 * t->cap : 256, ocap = t->cap;
		hnsw_lmdb_up *old = t->a, *a = sl_calloc(cap, sizeof *a);
		if (!a)
			return NULL;
		t->a = a;
		t->cap = cap;
		for (uint32_t i = 0; i < ocap; i++)
			if (old[i].key)
				t->a[up_slot(t, old[i].key)] = old[i];
		sl_free(old);
	}
	uint64_t key = up_key(id, level);
	e = &t->a[up_slot(t, key)];
	*e = (hnsw_lmdb_up){key, NULL, 0};
	t->n++;
	return e;
}

static void up_clear(hnsw_lmdb_uptab *t)
{
	if (t->n)
		memset(t->a, 0, (size_t)t->cap * sizeof *t->a);
	t->n = 0;
}

/* ---- write-transaction copies (hnsw_lmdb_wcache) ----------------------- */

#define WC_BLOCK (1u << 20) /* arena block bytes */

struct hnsw_lmdb_ablock {
	struct hnsw_lmdb_ablock *next;
	size_t used, cap;
	uint8_t *mem;
};

/* n bytes (8-aligned) from arena a; NULL past budget or out of memory. */
static void *arena_alloc(hnsw_lmdb_arena *a, size_t n, size_t budget)
{
	n = (n + 7) & ~(size_t)7;
	struct hnsw_lmdb_ablock *b = a->blocks;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > WC_BLOCK ? n : WC_BLOCK;
		if (a->total + cap > budget)
			return NULL;
		b = sl_malloc(sizeof *b + cap + 8);
		if (!b)
			return NULL;
		b->mem = (uint8_t *)(((uintptr_t)(b + 1) + 7) & ~(uintptr_t)7);
		b->cap = cap;
		b->used = 0;
		b->next = a->blocks;
		a->blocks = b;
		a->total += cap;
	}
	void *p = b->mem + b->used;
	b->used += n;
	return p;
}

/* Frees every block of a. */
static void arena_free(hnsw_lmdb_arena *a)
{
	for (struct hnsw_lmdb_ablock *b = a->blocks, *nx; b; b = nx) {
		nx = b->next;
		sl_free(b);
	}
	a->blocks = NULL;
	a->total = 0;
}

/* l0[id] is a slot of 2 + 2*M u32: list length, top level, then the ids
 * (little-endian, as stored); code[id] a copy of the code record. */
struct hnsw_lmdb_wcache {
	uint32_t dim, m, cap;
	uint8_t **code;
	uint32_t **l0;
	hnsw_lmdb_uptab up; /* ids point at arena slots of M u32 (LE) */
	hnsw_lmdb_arena arena;
	size_t budget;
};

/* Bytes from the environment variable `name`, else def: tests run the
 * over-budget paths with 0 (SEMLITE_WCACHE_BUDGET: write-transaction
 * records read from LMDB each time; SEMLITE_LISTS_BUDGET: lists decoded
 * at each visit). */
static size_t env_budget(const char *name, size_t def)
{
	const char *e = getenv(name);
	char *end;
	unsigned long long v = e ? strtoull(e, &end, 10) : 0;
	return e && *e && !*end && v <= SIZE_MAX ? (size_t)v : def;
}

int hnsw_lmdb_wcache_new(uint32_t dim, uint32_t m, hnsw_lmdb_wcache **out)
{
	*out = sl_calloc(1, sizeof **out);
	if (!*out)
		return sl_err(SEMLITE_NOMEM, "hnsw: out of memory");
	(*out)->dim = dim;
	(*out)->m = m;
	(*out)->budget =
	    env_budget("SEMLITE_WCACHE_BUDGET", HNSW_LMDB_WCACHE_BUDGET);
	return SEMLITE_OK;
}

void hnsw_lmdb_wcache_free(hnsw_lmdb_wcache *w)
{
	if (!w)
		return;
	arena_free(&w->arena);
	sl_free(w->code);
	sl_free(w->l0);
	sl_free(w->up.a);
	sl_free(w);
}

void hnsw_lmdb_wcache_reset(hnsw_lmdb_wcache *w)
{
	if (!w)
		return;
	arena_free(&w->arena);
	if (w->cap) {
		memset(w->code, 0, (size_t)w->cap * sizeof *w->code);
		memset(w->l0, 0, (size_t)w->cap * sizeof *w->l0);
	}
	up_clear(&w->up);
}

void hnsw_lmdb_wcache_forget(hnsw_lmdb_wcache *w, uint32_t id)
{
	if (w && id < w->cap)
		w->code[id] = NULL;
}

void hnsw_lmdb_set_wcache(hnsw_lmdb *s, hnsw_lmdb_wcache *w)
{
	s->wc = w;
}

/* Room for id in the pointer arrays (up to the store's limit); false when
 * id is out of range or memory is short (the caller reads LMDB). */
static bool wc_fit(hnsw_lmdb_wcache *w, uint32_t id, uint32_t limit)
{
	if (id < w->cap)
		return true;
	if (id >= limit)
		return false;
	uint32_t cap = w->cap ? w->cap : 1024;
	while (cap <= id)
		cap = cap > UINT32_MAX / 2 ? limit : cap * 2;
	uint8_t **c = sl_realloc(w->code, (size_t)cap * sizeof *c);
	if (c)
		w->code = c;
	uint32_t **l = c ? sl_realloc(w->l0, (size_t)cap * sizeof *l) : NULL;
	if (!l)
		return false;
	w->l0 = l;
	memset(w->code + w->cap, 0, (size_t)(cap - w->cap) * sizeof *c);
	memset(w->l0 + w->cap, 0, (size_t)(cap - w->cap) * sizeof *l);
	w->cap = cap;
	return true;
}

/* n bytes (8-aligned) from the copies' arena; NULL over budget. */
static void *wc_alloc(hnsw_lmdb_wcache *w, size_t n)
{
	return arena_alloc(&w->arena, n, w->budget);
}

/* The level-0 slot of id, created (empty) when asked and possible. */
static uint32_t *wc_slot(hnsw_lmdb *s, uint32_t id, bool create)
{
	hnsw_lmdb_wcache *w = s->wc;
	if (!w || !wc_fit(w, id, s->limit))
		return NULL;
	if (!w->l0[id] && create)
		w->l0[id] = wc_alloc(w, (2 + 2 * (size_t)w->m) * 4);
	return w->l0[id];
}

/* Records list ids[n] (n <= 2*M, host order) and top in id's slot. */
static void wc_put_l0(hnsw_lmdb *s, uint32_t id, uint8_t top,
                      const uint32_t *ids, uint32_t n)
{
	uint32_t *slot =
	    s->wc && n <= 2 * s->wc->m ? wc_slot(s, id, true) : NULL;
	if (!slot) {
		if (s->wc && id < s->wc->cap)
			s->wc->l0[id] = NULL; /* stale otherwise */
		return;
	}
	slot[0] = n;
	slot[1] = top;
	for (uint32_t i = 0; i < n; i++)
		sl_store_u32le(slot + 2 + i, ids[i]);
}

/* ---- read-snapshot pointers (hnsw_lmdb_cache) ---------------------- */

/* Cold table: the slot of key (id + 1) or the empty one it would take. */
static uint32_t node_slot(const hnsw_lmdb_cache *c, uint32_t key)
{
	uint32_t i = (uint32_t)(((uint64_t)key * 0x9e3779b97f4a7c15ULL) >> 32) &
	             (c->tcap - 1);
	while (c->tab[i].key && c->tab[i].key != key)
		i = (i + 1) & (c->tcap - 1);
	return i;
}

/* Grows the id-indexed arrays from `from` to cap entries, zeroed. */
static bool dense_fit(hnsw_lmdb_cache *c, uint32_t from, uint32_t cap)
{
	const uint8_t **code = sl_zgrow(c->code, from, cap, sizeof *code);
	if (code)
		c->code = code;
	const uint8_t **l0 = sl_realloc(c->l0, cap * sizeof *l0);
	if (l0)
		c->l0 = l0;
	uint32_t *l0n = sl_zgrow(c->l0n, from, cap, sizeof *l0n);
	if (l0n)
		c->l0n = l0n;
	const uint8_t **ex = sl_zgrow(c->exact, from, cap, sizeof *ex);
	if (ex)
		c->exact = ex;
	return code && l0 && l0n && ex;
}

static void dense_free(hnsw_lmdb_cache *c)
{
	sl_free(c->code);
	sl_free(c->l0);
	sl_free(c->l0n);
	sl_free(c->exact);
	c->code = c->l0 = c->exact = NULL;
	c->l0n = NULL;
}

/* Moves the cold table's nodes into the arrays; false without memory
 * (the table stays). */
static bool cache_warm(hnsw_lmdb_cache *c)
{
	if (!dense_fit(c, 0, c->cap)) {
		dense_free(c);
		return false;
	}
	sl_prefault(c->code, (size_t)c->cap * sizeof *c->code);
	sl_prefault(c->l0n, (size_t)c->cap * sizeof *c->l0n);
	for (uint32_t i = 0; i < c->tcap; i++) {
		const hnsw_lmdb_node *e = &c->tab[i];
		if (!e->key)
			continue;
		uint32_t id = e->key - 1;
		c->code[id] = e->code;
		c->l0[id] = e->l0;
		c->l0n[id] = e->l0n;
		c->exact[id] = e->exact;
	}
	sl_free(c->tab);
	c->tab = NULL;
	c->tcap = c->tn = 0;
	return true;
}

/* The cold table's entry of id, made (empty) with `make`. NULL when
 * absent, when the cache has just moved to the arrays (look there), or
 * without memory. Good until the next call with `make`. */
static hnsw_lmdb_node *tab_node(hnsw_lmdb_cache *c, uint32_t id, bool make)
{
	hnsw_lmdb_node *e = &c->tab[node_slot(c, id + 1)];
	if (e->key || !make)
		return e->key ? e : NULL;
	uint32_t warm = c->cap / 32 > 1024 ? c->cap / 32 : 1024;
	if (c->tn + 1 > warm && cache_warm(c))
		return NULL;
	if (2 * (c->tn + 1) > c->tcap) { /* load factor <= 1/2 */
		uint32_t ocap = c->tcap;
		if (ocap >= 1u << 30)
			return NULL;
		hnsw_lmdb_node *old = c->tab,
		               *a = sl_calloc(2 * (size_t)ocap, sizeof *a);
		if (!a)
			return NULL;
		c->tab = a;
		c->tcap = 2 * ocap;
		for (uint32_t i = 0; i < ocap; i++)
			if (old[i].key)
				c->tab[node_slot(c, old[i].key)] = old[i];
		sl_free(old);
		e = &c->tab[node_slot(c, id + 1)];
	}
	*e = (hnsw_lmdb_node){.key = id + 1};
	c->tn++;
	return e;
}

/* Readers of the cache (NULL / 0: not looked up). */
static inline const uint8_t *cache_code(hnsw_lmdb_cache *c, uint32_t id)
{
	if (!c || id >= c->cap)
		return NULL;
	if (SL_LIKELY(c->code != NULL))
		return c->code[id];
	const hnsw_lmdb_node *e = tab_node(c, id, false);
	return e ? e->code : NULL;
}

static const uint8_t *cache_exact(hnsw_lmdb_cache *c, uint32_t id)
{
	if (!c || id >= c->cap)
		return NULL;
	if (c->code)
		return c->exact[id];
	const hnsw_lmdb_node *e = tab_node(c, id, false);
	return e ? e->exact : NULL;
}

/* The level-0 list of id: its count + 1 (0: not looked up). */
static uint32_t cache_l0(hnsw_lmdb_cache *c, uint32_t id, const uint8_t **ids)
{
	if (!c || id >= c->cap)
		return 0;
	if (c->code) {
		*ids = c->l0[id];
		return c->l0n[id];
	}
	const hnsw_lmdb_node *e = tab_node(c, id, false);
	if (!e)
		return 0;
	*ids = e->l0;
	return e->l0n;
}

/* Writers: remember what was read (quietly nothing without memory). */
static hnsw_lmdb_node *cache_make(hnsw_lmdb_cache *c, uint32_t id)
{
	return c->code ? NULL : tab_node(c, id, true);
}

static void cache_set_code(hnsw_lmdb_cache *c, uint32_t id, const uint8_t *p)
{
	if (!c || id >= c->cap)
		return;
	hnsw_lmdb_node *e = cache_make(c, id);
	if (e)
		e->code = p;
	else if (c->code)
		c->code[id] = p;
}

static void cache_set_exact(hnsw_lmdb_cache *c, uint32_t id, const uint8_t *p)
{
	if (!c || id >= c->cap)
		return;
	hnsw_lmdb_node *e = cache_make(c, id);
	if (e)
		e->exact = p;
	else if (c->code)
		c->exact[id] = p;
}

static void cache_set_l0(hnsw_lmdb_cache *c, uint32_t id, const uint8_t *ids,
                         uint32_t n)
{
	if (!c || id >= c->cap)
		return;
	hnsw_lmdb_node *e = cache_make(c, id);
	if (e) {
		e->l0 = ids;
		e->l0n = n + 1;
	} else if (c->code) {
		c->l0[id] = ids;
		c->l0n[id] = n + 1;
	}
}

/* HNSW_LMDB_DENSE_MAX, or SEMLITE_CACHE_DENSE_MAX from the environment
 * (tests use it to run small collections through the cold table). */
static uint32_t dense_max(void)
{
	const char *e = getenv("SEMLITE_CACHE_DENSE_MAX");
	long v = e ? strtol(e, NULL, 10) : -1;
	return v >= 0 && v <= UINT32_MAX ? (uint32_t)v : HNSW_LMDB_DENSE_MAX;
}

int hnsw_lmdb_cache_fit(hnsw_lmdb_cache *c, uint32_t cap)
{
	if (cap <= c->cap)
		return SEMLITE_OK;
	if (c->code || (!c->tab && cap <= dense_max())) {
		if (!dense_fit(c, c->cap, cap)) {
			if (!c->cap)
				dense_free(c);
			return SEMLITE_NOMEM; /* grown ones are zeroed */
		}
		c->cap = cap;
		return SEMLITE_OK;
	}
	if (!c->tab) {
		c->tab = sl_calloc(1024, sizeof *c->tab);
		if (!c->tab)
			return SEMLITE_NOMEM;
		c->tcap = 1024;
	}
	c->cap = cap; /* the table grows as it fills */
	return SEMLITE_OK;
}

void hnsw_lmdb_cache_clear(hnsw_lmdb_cache *c)
{
	if (c->code) {
		memset(c->code, 0, (size_t)c->cap * sizeof *c->code);
		memset(c->l0n, 0, (size_t)c->cap * sizeof *c->l0n);
		memset(c->exact, 0, (size_t)c->cap * sizeof *c->exact);
	} else if (c->tn) {
		memset(c->tab, 0, (size_t)c->tcap * sizeof *c->tab);
	}
	c->tn = 0;
	up_clear(&c->up);
	arena_free(&c->lists);
	c->entry_known = false;
}

void hnsw_lmdb_cache_free(hnsw_lmdb_cache *c)
{
	dense_free(c);
	sl_free(c->tab);
	sl_free(c->up.a);
	arena_free(&c->lists);
	memset(c, 0, sizeof *c);
}

/* The write cache's slot for upper-level list (id, level) of n ids, made
 * when absent; NULL (and the entry forgotten) when it cannot hold them. */
static uint8_t *wc_up_slot(hnsw_lmdb_wcache *w, uint32_t id, int level,
                           uint32_t n, hnsw_lmdb_up **out)
{
	hnsw_lmdb_up *e = up_add(&w->up, id, level);
	if (!e)
		return NULL;
	if (!e->ids && n <= w->m)
		e->ids = wc_alloc(w, 4 * (size_t)w->m);
	if (n > w->m)
		e->ids = NULL;
	*out = e;
	/* the slot is the cache's own arena memory */
	return (uint8_t *)e->ids;
}

/* Records upper-level list ids[n] (host order) of (id, level). */
static void wc_put_up(hnsw_lmdb *s, uint32_t id, int level, const uint32_t *ids,
                      uint32_t n)
{
	hnsw_lmdb_up *e;
	uint8_t *slot = wc_up_slot(s->wc, id, level, n, &e);
	if (!slot)
		return;
	for (uint32_t i = 0; i < n; i++)
		sl_store_u32le(slot + 4 * (size_t)i, ids[i]);
	e->n = n;
}

static void link_key(uint8_t k[LINK_KEY], uint32_t coll, uint32_t id, int level)
{
	store_key_id(k, coll, id);
	k[8] = (uint8_t)level;
}

int hnsw_lmdb_open(hnsw_lmdb *s, const store_txn *t, const store_coll_rec *r,
                   uint32_t limit, const roaring_bitmap_t *tomb)
{
	memset(s, 0, sizeof(*s));
	s->t = t;
	s->coll = r->id;
	s->dim = r->dim;
	s->precision = r->precision;
	s->m = r->hnsw_m;
	s->cv = store_vecs_of(r, STORE_DB_CODES);
	s->ev = store_vecs_of(r, STORE_DB_EXACT);
	s->limit = limit;
	s->tomb = tomb;
	return SEMLITE_OK;
}

/* The cursors are opened on first use: a search whose records are all in
 * the snapshot cache needs none (two allocations per query saved). */
static int cursor_of(hnsw_lmdb *s, MDB_cursor **c, store_db db)
{
	if (*c)
		return SEMLITE_OK;
	int rc = mdb_cursor_open(s->t->txn, store_dbi(s->t, db), c);
	if (rc) {
		*c = NULL;
		return store_rc(rc, "hnsw: opening cursors");
	}
	return SEMLITE_OK;
}

void hnsw_lmdb_close(hnsw_lmdb *s)
{
	if (s->codes)
		mdb_cursor_close(s->codes);
	if (s->links)
		mdb_cursor_close(s->links);
	sl_free(s->buf);
	sl_free(s->ebuf);
	sl_free(s->lbuf);
	sl_free(s->vbuf);
	memset(s, 0, sizeof(*s));
}

void hnsw_lmdb_set_cache(hnsw_lmdb *s, hnsw_lmdb_cache *cache)
{
	s->cache = cache;
}

void hnsw_lmdb_params(const store_coll_rec *r, hnsw_params *p)
{
	memset(p, 0, sizeof(*p));
	p->dim = r->dim;
	/* Cosine collections store L2-normalized vectors and the API
	 * normalizes queries (format.h), so the graph ranks them by inner
	 * product: the same order as 1 - cos, and a hit's distance is then
	 * exactly -(the dot product) the API reports as its score. */
	p->metric = r->metric == STORE_METRIC_L2 ? HNSW_L2 : HNSW_DOT;
	p->m = r->hnsw_m;
	p->ef_construction = r->hnsw_ef_construction;
	p->seed = r->seed;
}

/* The record of (id, level) through the links cursor; NOTFOUND quietly. */
static int links_get(hnsw_lmdb *s, uint32_t id, int level, MDB_val *v)
{
	uint8_t k[LINK_KEY];
	link_key(k, s->coll, id, level);
	MDB_val key = {LINK_KEY, k};
	int rc = cursor_of(s, &s->links, STORE_DB_LINKS);
	if (rc)
		return rc;
	rc = mdb_cursor_get(s->links, &key, v, MDB_SET);
	if (rc == MDB_NOTFOUND)
		return SEMLITE_NOTFOUND;
	return rc ? store_rc(rc, "hnsw: reading links") : SEMLITE_OK;
}

static int bad_links(uint32_t id, int level)
{
	return sl_err(SEMLITE_CORRUPT,
	              "links: record of node %u level %d has a bad length", id,
	              level);
}

/* Copies a level-0 record just read into the write cache and hands out
 * the copy (a too-long list stays uncached: the caller reports it). */
static int l0_copy(hnsw_lmdb *s, uint32_t id, const uint8_t *rec,
                   const uint8_t **ids, uint32_t n)
{
	if (rec[0] > HNSW_MAX_LEVEL || n > 2 * s->wc->m)
		return SEMLITE_OK;
	uint32_t *slot = wc_slot(s, id, true);
	if (!slot)
		return SEMLITE_OK;
	slot[0] = n;
	slot[1] = rec[0];
	memcpy(slot + 2, *ids, 4 * (size_t)n);
	*ids = (const uint8_t *)(slot + 2);
	return SEMLITE_OK;
}

/* Copies an upper-level list just read into the write cache and hands
 * out the copy. */
static void up_copy(hnsw_lmdb *s, uint32_t id, int level, const uint8_t **ids,
                    uint32_t n)
{
	hnsw_lmdb_up *e;
	uint8_t *slot = wc_up_slot(s->wc, id, level, n, &e);
	if (!slot)
		return;
	memcpy(slot, *ids, 4 * (size_t)n);
	e->n = n;
	*ids = slot;
}

/* Decodes the stored list p[0..len) of (id, level) into the store's
 * buffer (valid until the next decode). */
static int links_decode(hnsw_lmdb *s, uint32_t id, int level, const uint8_t *p,
                        size_t len, const uint8_t **ids, uint32_t *n)
{
	uint32_t cap = level == 0 ? 2 * s->m : s->m;
	if (!s->lbuf && !(s->lbuf = sl_malloc(8 * (size_t)s->m + 4)))
		return sl_err(SEMLITE_NOMEM, "hnsw: out of memory");
	if (hnsw_links_decode(p, len, cap, s->lbuf, n))
		return bad_links(id, level);
	*ids = s->lbuf;
	return SEMLITE_OK;
}

/* The list of (id, level) when a cache knows it: *hit says whether one
 * did. */
static int links_cached(hnsw_lmdb *s, uint32_t id, int level,
                        const uint8_t **ids, uint32_t *n, bool *hit)
{
	hnsw_lmdb_cache *cc = s->cache;
	const hnsw_lmdb_up *e = NULL;
	*hit = true;
	if (level == 0) {
		const uint8_t *l0 = NULL;
		uint32_t l0n = cache_l0(cc, id, &l0);
		if (l0n) {
			*ids = l0;
			*n = l0n - 1;
			return SEMLITE_OK;
		}
		uint32_t *slot = wc_slot(s, id, false);
		if (slot) {
			*ids = (const uint8_t *)(slot + 2);
			*n = slot[0];
		}
		*hit = slot != NULL;
		return SEMLITE_OK;
	}
	if (cc)
		e = up_find(&cc->up, id, level);
	else if (s->wc)
		e = up_find(&s->wc->up, id, level);
	if (!e || !e->ids) {
		*hit = false;
		return SEMLITE_OK;
	}
	*ids = e->ids;
	*n = e->n;
	return SEMLITE_OK;
}

/* Keeps a copy of the decoded list ids[n] of (id, level) in the snapshot
 * cache and hands it out (nothing past the cache's budget). */
static void cache_list(hnsw_lmdb_cache *cc, uint32_t id, int level,
                       const uint8_t **ids, uint32_t n)
{
	static const uint8_t none[4];
	if (!cc->lists_budget)
		cc->lists_budget = 1 + env_budget("SEMLITE_LISTS_BUDGET",
		                                  HNSW_LMDB_LISTS_BUDGET);
	uint8_t *copy =
	    n ? arena_alloc(&cc->lists, 4 * (size_t)n, cc->lists_budget - 1)
	      : (uint8_t *)none;
	if (!copy)
		return;
	if (n)
		memcpy(copy, *ids, 4 * (size_t)n);
	*ids = copy;
	if (level == 0) {
		cache_set_l0(cc, id, copy, n);
	} else {
		hnsw_lmdb_up *e = up_add(&cc->up, id, level);
		if (e) {
			e->ids = copy;
			e->n = n;
		}
	}
}

static int lm_get_links(void *ctx, uint32_t id, int level, const uint8_t **ids,
                        uint32_t *n)
{
	hnsw_lmdb *s = ctx;
	hnsw_lmdb_cache *cc = s->cache;
	MDB_val v;
	bool hit;
	*n = 0;
	*ids = NULL;
	int rc = links_cached(s, id, level, ids, n, &hit);
	if (rc || hit)
		return rc;
	if (level < 0 || level > HNSW_MAX_LEVEL)
		return SEMLITE_OK;
	rc = links_get(s, id, level, &v);
	if (rc)
		return rc == SEMLITE_NOTFOUND ? SEMLITE_OK : rc;
	size_t hdr = level == 0 ? L0_HEADER : 0;
	if (v.mv_size < hdr)
		return bad_links(id, level);
	const uint8_t *p = (const uint8_t *)v.mv_data + hdr;
	size_t len = v.mv_size - hdr;
	if ((rc = links_decode(s, id, level, p, len, ids, n)))
		return rc;
	if (cc)
		cache_list(cc, id, level, ids, *n);
	if (level == 0 && s->wc)
		return l0_copy(s, id, v.mv_data, ids, *n);
	if (s->wc)
		up_copy(s, id, level, ids, *n);
	return SEMLITE_OK;
}

static int lm_get_level(void *ctx, uint32_t id, int *level)
{
	hnsw_lmdb *s = ctx;
	uint32_t *slot = wc_slot(s, id, false);
	if (slot) {
		*level = (int)slot[1];
		return SEMLITE_OK;
	}
	MDB_val v;
	int rc = links_get(s, id, 0, &v);
	if (rc)
		return rc;
	if (v.mv_size < L0_HEADER)
		return bad_links(id, 0);
	uint8_t l = *(const uint8_t *)v.mv_data;
	if (l > HNSW_MAX_LEVEL)
		return sl_err(SEMLITE_CORRUPT, "links: node %u has level %u",
		              id, l);
	*level = l;
	return SEMLITE_OK;
}

static int put_record(hnsw_lmdb *s, uint32_t id, int level, uint8_t top,
                      const uint32_t *ids, uint32_t n)
{
	uint8_t k[LINK_KEY];
	size_t hdr = level == 0 ? L0_HEADER : 0;
	void *w;
	link_key(k, s->coll, id, level);
	/* ids may point into the map (a list read earlier): copy first */
	if (n > s->buf_cap) {
		uint32_t *b = sl_realloc(s->buf, (size_t)n * 4);
		if (!b)
			return sl_err(SEMLITE_NOMEM, "hnsw: out of memory");
		s->buf = b;
		s->buf_cap = n;
	}
	for (uint32_t i = 0; i < n; i++)
		s->buf[i] = ids[i];
	if (!s->ebuf || n > s->ebuf_cap) {
		uint8_t *e = sl_realloc(s->ebuf, HNSW_LINKS_MAX_BYTES(n) + 1);
		if (!e)
			return sl_err(SEMLITE_NOMEM, "hnsw: out of memory");
		s->ebuf = e;
		s->ebuf_cap = n;
	}
	size_t len = hnsw_links_encode(s->buf, n, s->ebuf);
	int rc =
	    store_put_reserve(s->t, STORE_DB_LINKS, k, LINK_KEY, hdr + len, &w);
	if (rc)
		return rc;
	uint8_t *p = w;
	if (hdr)
		p[0] = top;
	memcpy(p + hdr, s->ebuf, len);
	if (level == 0 && s->wc)
		wc_put_l0(s, id, top, s->buf, n);
	else if (s->wc)
		wc_put_up(s, id, level, s->buf, n);
	return SEMLITE_OK;
}

static int lm_put_links(void *ctx, uint32_t id, int level, const uint32_t *ids,
                        uint32_t n)
{
	hnsw_lmdb *s = ctx;
	int top = 0;
	if (level == 0) {
		int rc = lm_get_level(s, id, &top);
		/* the index writes lists only of nodes it found linked:
		 * a stored link to a non-node got it here */
		if (rc)
			return rc == SEMLITE_NOTFOUND
			           ? sl_err(SEMLITE_CORRUPT,
			                    "links: node %u is linked to but "
			                    "has no level-0 record",
			                    id)
			           : rc;
	}
	return put_record(s, id, level, (uint8_t)top, ids, n);
}

static int lm_set_level(void *ctx, uint32_t id, int level)
{
	hnsw_lmdb *s = ctx;
	if (level < 0 || level > HNSW_MAX_LEVEL)
		return sl_err(SEMLITE_INTERNAL, "hnsw: level %d", level);
	int rc = put_record(s, id, 0, (uint8_t)level, NULL, 0);
	for (int l = 1; !rc && l <= level; l++)
		rc = put_record(s, id, l, 0, NULL, 0);
	return rc;
}

static int lm_drop_node(void *ctx, uint32_t id)
{
	hnsw_lmdb *s = ctx;
	int top, rc = lm_get_level(s, id, &top);
	if (rc)
		return rc == SEMLITE_NOTFOUND ? SEMLITE_OK : rc;
	if (s->wc && id < s->wc->cap) {
		s->wc->l0[id] = NULL;
		s->wc->code[id] = NULL;
	}
	for (int l = 1; s->wc && l <= top; l++) {
		hnsw_lmdb_up *e = up_find(&s->wc->up, id, l);
		if (e)
			e->ids = NULL;
	}
	for (int l = 0; !rc && l <= top; l++) {
		uint8_t k[LINK_KEY];
		link_key(k, s->coll, id, l);
		rc = store_del(s->t, STORE_DB_LINKS, k, LINK_KEY);
		if (rc == SEMLITE_NOTFOUND)
			rc = SEMLITE_OK;
	}
	return rc ? rc : hnsw_lmdb_drop_vectors(s, id);
}

int hnsw_lmdb_drop_vectors(hnsw_lmdb *s, uint32_t id)
{
	hnsw_lmdb_wcache_forget(s->wc, id);
	int rc = store_vec_del(s->t, &s->cv, id);
	if (rc == SEMLITE_NOTFOUND)
		rc = SEMLITE_OK;
	if (!rc && s->ev.slot)
		rc = store_vec_del(s->t, &s->ev, id);
	return rc == SEMLITE_NOTFOUND ? SEMLITE_OK : rc;
}

/* The code record of id: *p = NULL for a tombstone without one. */
static int code_lookup(hnsw_lmdb *s, uint32_t id, const uint8_t **p)
{
	uint8_t k[8];
	MDB_val key = {8, k}, v;
	/* MDB_SET leaves key alone (MDB_SET_KEY would point it into the
	 * map, and a reused key would then search the wrong id) */
	store_key_id(k, s->coll, id / s->cv.per);
	int rc = cursor_of(s, &s->codes, STORE_DB_CODES);
	if (rc)
		return rc;
	rc = mdb_cursor_get(s->codes, &key, &v, MDB_SET);
	if (rc && rc != MDB_NOTFOUND)
		return store_rc(rc, "hnsw: reading codes");
	rc = rc ? SEMLITE_NOTFOUND : store_vec_slot(&s->cv, &v, id, p);
	if (rc == SEMLITE_NOTFOUND && s->tomb &&
	    roaring_bitmap_contains(s->tomb, id)) {
		/* deleted documents lose their vectors at once; the graph
		 * walks around them (hnsw.h) */
		*p = NULL;
		return SEMLITE_OK;
	}
	if (rc == SEMLITE_NOTFOUND)
		return sl_err(SEMLITE_CORRUPT, "codes: node %u has no code",
		              id);
	return rc;
}

/* A write cache copy of the code record p of id (p itself when the copy
 * cannot be made). */
static const uint8_t *code_copy(hnsw_lmdb *s, uint32_t id, const uint8_t *p)
{
	hnsw_lmdb_wcache *w = s->wc;
	if (!wc_fit(w, id, s->limit))
		return p;
	uint8_t *c = wc_alloc(w, STORE_CODE_HEADER + (size_t)s->dim);
	if (!c)
		return p;
	memcpy(c, p, STORE_CODE_HEADER + (size_t)s->dim);
	w->code[id] = c;
	return c;
}

static int lm_get_codes(void *ctx, const uint32_t *ids, uint32_t n,
                        hnsw_code *out)
{
	hnsw_lmdb *s = ctx;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t id = ids[i];
		hnsw_lmdb_cache *cc = s->cache;
		const uint8_t *p = cache_code(cc, id);
		hnsw_lmdb_wcache *w = s->wc;
		if (!p && w && id < w->cap)
			p = w->code[id];
		if (!p) {
			int rc = code_lookup(s, id, &p);
			if (rc)
				return rc;
			cache_set_code(cc, id, p);
			if (p && w)
				p = code_copy(s, id, p);
		}
		if (!p) {
			out[i] = (hnsw_code){NULL, 0, 0};
			continue;
		}
		memcpy(&out[i].scale, p, 4);
		out[i].q = (const int8_t *)(p + STORE_CODE_HEADER);
		/* the stored norm is the exact vector's; the code distance
		 * wants the decoded code's, which differs by rounding only */
		memcpy(&out[i].sqnorm, p + 4, 4);
	}
	return SEMLITE_OK;
}

static int lm_get_exact(void *ctx, uint32_t id, float *buf, const float **out)
{
	hnsw_lmdb *s = ctx;
	const uint8_t *v;
	size_t want = s->ev.slot;
	*out = buf;
	if (!want) { /* int8 only: decode the code */
		hnsw_code c = {0};
		int rc = lm_get_codes(s, &id, 1, &c);
		if (!rc)
			quant_i8_decode(c.q, c.scale, s->dim, buf);
		return rc;
	}
	int rc = store_vec_get(s->t, &s->ev, id, &v);
	if (rc == SEMLITE_NOTFOUND)
		return sl_err(SEMLITE_CORRUPT, "exact: node %u has no vector",
		              id);
	if (rc)
		return rc;
	if (s->precision == STORE_PREC_F16) {
		for (uint32_t i = 0; i < s->dim; i++)
			buf[i] = kern_f16_to_f32(
			    (uint16_t)(v[2 * i] | (uint16_t)v[2 * i + 1] << 8));
	} else if (((uintptr_t)v & 3) == 0) {
		*out = (const float *)(const void *)v; /* aligned: zero copy */
	} else {
		memcpy(buf, v, want);
	}
	return SEMLITE_OK;
}

/* f32 and int8 collections: through a decoded (or aligned) copy. */
static int exact_dot_f32(hnsw_lmdb *s, uint32_t id, const float *q, float *dot,
                         float *sqnorm)
{
	const float *v;
	if (!s->vbuf && !(s->vbuf = sl_malloc((size_t)s->dim * sizeof(float))))
		return sl_err(SEMLITE_NOMEM, "hnsw: out of memory");
	int rc = lm_get_exact(s, id, s->vbuf, &v);
	if (rc)
		return rc;
	const kern_ops *k = kern_get();
	*dot = k->dot_f32(v, q, s->dim);
	*sqnorm = k->dot_f32(v, v, s->dim);
	return SEMLITE_OK;
}

/* f16 collections: dot_f16_f32 on the stored halves (SIMD), no decode;
 * the squared norm comes from the code record. */
static int lm_exact_dot(void *ctx, uint32_t id, const float *q, float *dot,
                        float *sqnorm)
{
	hnsw_lmdb *s = ctx;
	if (s->precision != STORE_PREC_F16)
		return exact_dot_f32(s, id, q, dot, sqnorm);
	hnsw_lmdb_cache *cc = s->cache;
	const void *p = cache_exact(cc, id);
	hnsw_code c;
	int rc = SEMLITE_OK;
	if (!p) {
		const uint8_t *v = NULL;
		rc = store_vec_get(s->t, &s->ev, id, &v);
		if (rc == SEMLITE_NOTFOUND)
			return sl_err(SEMLITE_CORRUPT,
			              "exact: node %u has no vector", id);
		p = v;
		if (!rc)
			cache_set_exact(cc, id, p);
	}
	if (!rc)
		rc = lm_get_codes(s, &id, 1, &c);
	if (rc)
		return rc;
	*dot = kern_get()->dot_f16_f32(p, q, s->dim);
	*sqnorm = c.sqnorm;
	return SEMLITE_OK;
}

static int entry_read(hnsw_lmdb *s, uint32_t *ep, int *top);

static void entry_key(uint8_t k[5], uint32_t coll)
{
	store_meta_key(k, 'h', coll);
}

static int lm_get_entry(void *ctx, uint32_t *ep, int *top)
{
	hnsw_lmdb *s = ctx;
	hnsw_lmdb_cache *cc = s->cache;
	if (cc && cc->entry_known) {
		*ep = cc->ep;
		*top = cc->top;
		return *ep == UINT32_MAX ? SEMLITE_NOTFOUND : SEMLITE_OK;
	}
	int rc = entry_read(s, ep, top);
	if (cc && (rc == SEMLITE_OK || rc == SEMLITE_NOTFOUND)) {
		cc->ep = rc ? UINT32_MAX : *ep;
		cc->top = rc ? 0 : *top;
		cc->entry_known = true;
	}
	return rc;
}

static int entry_read(hnsw_lmdb *s, uint32_t *ep, int *top)
{
	uint8_t k[5];
	const uint8_t *p;
	size_t n;
	entry_key(k, s->coll);
	int rc = store_get_checked(s->t, STORE_DB_META, k, 5, &p, &n);
	if (rc)
		return rc;
	if (n != 8)
		return sl_err(SEMLITE_CORRUPT, "meta: bad HNSW entry record");
	*ep = sl_load_u32le(p);
	uint32_t t = sl_load_u32le(p + 4);
	if (*ep == UINT32_MAX)
		return SEMLITE_NOTFOUND;
	if (t > HNSW_MAX_LEVEL || *ep >= s->limit)
		return sl_err(SEMLITE_CORRUPT,
		              "meta: HNSW entry %u level %u out of range", *ep,
		              t);
	*top = (int)t;
	return SEMLITE_OK;
}

static int lm_set_entry(void *ctx, uint32_t ep, int top)
{
	hnsw_lmdb *s = ctx;
	uint8_t k[5], v[8];
	entry_key(k, s->coll);
	sl_store_u32le(v, ep);
	sl_store_u32le(v + 4, (uint32_t)top);
	return store_put_checked(s->t, STORE_DB_META, k, 5, v, 8);
}

static bool lm_is_deleted(void *ctx, uint32_t id)
{
	hnsw_lmdb *s = ctx;
	return s->tomb && roaring_bitmap_contains(s->tomb, id);
}

static uint32_t lm_id_limit(void *ctx)
{
	return ((hnsw_lmdb *)ctx)->limit;
}

const hnsw_store_ops hnsw_lmdb_ops = {
    .get_links = lm_get_links,
    .put_links = lm_put_links,
    .get_codes = lm_get_codes,
    .get_exact = lm_get_exact,
    .exact_dot = lm_exact_dot,
    .get_level = lm_get_level,
    .set_level = lm_set_level,
    .drop_node = lm_drop_node,
    .get_entry = lm_get_entry,
    .set_entry = lm_set_entry,
    .is_deleted = lm_is_deleted,
    .id_limit = lm_id_limit,
};
