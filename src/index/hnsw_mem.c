/*
 * hnsw_mem.c — the in-memory hnsw_store (see hnsw_mem.h).
 *
 * Layout: per id, an int8 code (dim bytes), its scale and decoded squared
 * norm, the f32 vector, a level byte (-1 = not a node) and a tombstone
 * byte; level-0 lists in one array of fixed stride 1 + 2M u32 (count,
 * then ids) like hnswlib's level-0 block, upper levels in a per-node array
 * of stride 1 + M. Lists are handed out as little-endian u32 bytes, which
 * on a little-endian host is the array itself (zero copy, as with LMDB).
 * Rejected: one malloc per list (allocator traffic in the build loop).
 */
#include "index/hnsw_mem.h"
#include "common/common.h"
#include "quant/quant.h"

#include <math.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "hnsw_mem hands out native u32 arrays as little-endian bytes"
#endif

struct hnsw_mem {
	uint32_t dim, m, cap, limit;
	int metric;
	int8_t *codes;
	float *scale, *sqnorm, *exact;
	int8_t *level;
	uint8_t *deleted;
	uint32_t *l0;
	uint32_t **up;
	uint32_t entry;
	int top;
	bool has_entry;
};

int hnsw_mem_new(uint32_t dim, int metric, uint32_t m, hnsw_mem **out)
{
	if (!dim || !m || m > HNSW_MAX_M)
		return sl_err(SEMLITE_INVALID, "hnsw_mem: bad dim/m");
	hnsw_mem *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return sl_err(SEMLITE_NOMEM, "hnsw_mem: out of memory");
	s->dim = dim;
	s->m = m;
	s->metric = metric;
	*out = s;
	return SEMLITE_OK;
}

void hnsw_mem_free(hnsw_mem *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; s->up && i < s->cap; i++)
		sl_free(s->up[i]);
	sl_free(s->up);
	sl_free(s->codes);
	sl_free(s->scale);
	sl_free(s->sqnorm);
	sl_free(s->exact);
	sl_free(s->level);
	sl_free(s->deleted);
	sl_free(s->l0);
	sl_free(s);
}

static int regrow(void **p, size_t old, size_t n, size_t elem)
{
	void *q = sl_realloc(*p, n * elem);
	if (!q)
		return sl_err(SEMLITE_NOMEM, "hnsw_mem: out of memory");
	memset((char *)q + old * elem, 0, (n - old) * elem);
	*p = q;
	return SEMLITE_OK;
}

static int reserve(hnsw_mem *s, uint32_t need)
{
	if (need <= s->cap)
		return SEMLITE_OK;
	size_t n = s->cap ? s->cap : 1024, o = s->cap;
	while (n < need)
		n *= 2;
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	size_t d = s->dim, l0 = 1 + 2 * (size_t)s->m;
	int rc = regrow((void **)&s->codes, o * d, n * d, 1);
	if (!rc)
		rc = regrow((void **)&s->scale, o, n, sizeof(float));
	if (!rc)
		rc = regrow((void **)&s->sqnorm, o, n, sizeof(float));
	if (!rc)
		rc = regrow((void **)&s->exact, o * d, n * d, sizeof(float));
	if (!rc)
		rc = regrow((void **)&s->level, o, n, 1);
	if (!rc)
		rc = regrow((void **)&s->deleted, o, n, 1);
	if (!rc)
		rc = regrow((void **)&s->l0, o * l0, n * l0, sizeof(uint32_t));
	if (!rc)
		rc = regrow((void **)&s->up, o, n, sizeof(uint32_t *));
	if (rc)
		return rc;
	memset(s->level + o, -1, n - o);
	s->cap = (uint32_t)n;
	return SEMLITE_OK;
}

int hnsw_mem_put_vector(hnsw_mem *s, uint32_t id, const float *v)
{
	if (id == UINT32_MAX)
		return sl_err(SEMLITE_INVALID, "hnsw_mem: id out of range");
	int rc = reserve(s, id + 1);
	if (rc)
		return rc;
	size_t d = s->dim;
	float *e = s->exact + (size_t)id * d;
	memcpy(e, v, d * sizeof(float));
	const kern_ops *k = kern_get();
	int8_t *q = s->codes + (size_t)id * d;
	if (s->metric == HNSW_COS) {
		/* the code of v/|v| is the code of v with scale / |v| */
		float nrm = sqrtf(k->dot_f32(v, v, d));
		float sc = quant_i8_encode(v, d, q);
		s->scale[id] = nrm > 0 ? sc / nrm : 0.0f;
	} else {
		s->scale[id] = quant_i8_encode(v, d, q);
	}
	s->sqnorm[id] = s->scale[id] * s->scale[id] * (float)k->dot_i8(q, q, d);
	if (id >= s->limit)
		s->limit = id + 1;
	return SEMLITE_OK;
}

void hnsw_mem_set_deleted(hnsw_mem *s, uint32_t id, bool deleted)
{
	if (id < s->cap)
		s->deleted[id] = deleted;
}

size_t hnsw_mem_bytes(const hnsw_mem *s)
{
	size_t d = s->dim, n = s->limit;
	size_t b = n * (d + 2 * sizeof(float) + d * sizeof(float) + 2);
	b += n * (1 + 2 * (size_t)s->m) * sizeof(uint32_t);
	for (uint32_t i = 0; i < n; i++)
		if (s->up[i])
			b +=
			    (size_t)s->level[i] * (1 + s->m) * sizeof(uint32_t);
	return b;
}

/* ---- the store operations --------------------------------------------- */

static uint32_t *list_of(hnsw_mem *s, uint32_t id, int level)
{
	if (level == 0)
		return s->l0 + (size_t)id * (1 + 2 * (size_t)s->m);
	return s->up[id] + (size_t)(level - 1) * (1 + s->m);
}

static bool has_level(const hnsw_mem *s, uint32_t id, int level)
{
	return id < s->limit && s->level[id] >= level && level >= 0;
}

static int mem_get_links(void *ctx, uint32_t id, int level, const uint8_t **ids,
                         uint32_t *n)
{
	hnsw_mem *s = ctx;
	*n = 0;
	*ids = NULL;
	if (!has_level(s, id, level))
		return SEMLITE_OK;
	uint32_t *l = list_of(s, id, level);
	*n = l[0];
	*ids = (const uint8_t *)(l + 1);
	return SEMLITE_OK;
}

static int mem_put_links(void *ctx, uint32_t id, int level, const uint32_t *ids,
                         uint32_t n)
{
	hnsw_mem *s = ctx;
	uint32_t max = level == 0 ? 2 * s->m : s->m;
	if (!has_level(s, id, level) || n > max)
		return sl_err(SEMLITE_INTERNAL,
		              "hnsw_mem: put of %u links at %u/%d", n, id,
		              level);
	uint32_t *l = list_of(s, id, level);
	memmove(l + 1, ids, (size_t)n * sizeof(uint32_t));
	l[0] = n;
	return SEMLITE_OK;
}

static int mem_get_codes(void *ctx, const uint32_t *ids, uint32_t n,
                         hnsw_code *out)
{
	hnsw_mem *s = ctx;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t id = ids[i];
		if (id >= s->limit)
			return sl_err(SEMLITE_NOTFOUND,
			              "hnsw_mem: no code for %u", id);
		out[i].q = s->codes + (size_t)id * s->dim;
		out[i].scale = s->scale[id];
		out[i].sqnorm = s->sqnorm[id];
	}
	return SEMLITE_OK;
}

static int mem_get_exact(void *ctx, uint32_t id, float *buf, const float **out)
{
	hnsw_mem *s = ctx;
	(void)buf;
	if (id >= s->limit)
		return sl_err(SEMLITE_NOTFOUND, "hnsw_mem: no vector for %u",
		              id);
	*out = s->exact + (size_t)id * s->dim;
	return SEMLITE_OK;
}

static int mem_get_level(void *ctx, uint32_t id, int *level)
{
	hnsw_mem *s = ctx;
	if (id >= s->limit || s->level[id] < 0)
		return SEMLITE_NOTFOUND;
	*level = s->level[id];
	return SEMLITE_OK;
}

static int mem_set_level(void *ctx, uint32_t id, int level)
{
	hnsw_mem *s = ctx;
	if (id >= s->limit || level < 0 || level > HNSW_MAX_LEVEL)
		return sl_err(SEMLITE_INTERNAL, "hnsw_mem: bad node %u", id);
	sl_free(s->up[id]);
	s->up[id] = NULL;
	if (level > 0) {
		s->up[id] =
		    sl_calloc((size_t)level * (1 + s->m), sizeof(uint32_t));
		if (!s->up[id])
			return sl_err(SEMLITE_NOMEM, "hnsw_mem: out of memory");
	}
	list_of(s, id, 0)[0] = 0;
	s->level[id] = (int8_t)level;
	return SEMLITE_OK;
}

static int mem_drop_node(void *ctx, uint32_t id)
{
	hnsw_mem *s = ctx;
	if (id >= s->limit)
		return SEMLITE_OK;
	sl_free(s->up[id]);
	s->up[id] = NULL;
	list_of(s, id, 0)[0] = 0;
	s->level[id] = -1;
	return SEMLITE_OK;
}

static int mem_get_entry(void *ctx, uint32_t *ep, int *top)
{
	hnsw_mem *s = ctx;
	if (!s->has_entry)
		return SEMLITE_NOTFOUND;
	*ep = s->entry;
	*top = s->top;
	return SEMLITE_OK;
}

static int mem_set_entry(void *ctx, uint32_t ep, int top)
{
	hnsw_mem *s = ctx;
	s->has_entry = ep != UINT32_MAX;
	s->entry = ep;
	s->top = top;
	return SEMLITE_OK;
}

static bool mem_is_deleted(void *ctx, uint32_t id)
{
	hnsw_mem *s = ctx;
	return id < s->limit && s->deleted[id];
}

static uint32_t mem_id_limit(void *ctx)
{
	return ((hnsw_mem *)ctx)->limit;
}

const hnsw_store_ops hnsw_mem_ops = {
    .get_links = mem_get_links,
    .put_links = mem_put_links,
    .get_codes = mem_get_codes,
    .get_exact = mem_get_exact,
    .get_level = mem_get_level,
    .set_level = mem_set_level,
    .drop_node = mem_drop_node,
    .get_entry = mem_get_entry,
    .set_entry = mem_set_entry,
    .is_deleted = mem_is_deleted,
    .id_limit = mem_id_limit,
};
