/*
 * hnsw.h — the approximate nearest-neighbour index (HNSW, Malkov &
 * Yashunin) and flat exact search, over a narrow store interface.
 *
 * The index never touches LMDB (or any memory layout) directly: every read
 * and write of the graph goes through an hnsw_store_ops table. The LMDB
 * store keeps neighbour lists in the `links` sub-database and reads codes
 * zero-copy from the map inside the caller's transaction; the in-memory
 * store (hnsw_mem.h) backs unit tests and benchmarks. The algorithms are
 * identical for both.
 *
 * Distances: every function here speaks "smaller is closer":
 *   HNSW_L2   squared Euclidean distance
 *   HNSW_COS  1 - cosine similarity
 *   HNSW_DOT  -(inner product)
 * Traversal compares int8 codes (quant.h) with kern_get()->dot_i8; the best
 * ef candidates are then rescored with the exact vectors and the top k
 * returned, so the reported distances are exact.
 *
 * Threads: searches only read the store and write their own hnsw_scratch,
 * so any number may run at once on one store (one scratch per thread).
 * Inserts, deletes and compaction need exclusive access (LMDB's single
 * writer).
 */
#ifndef SL_HNSW_H
#define SL_HNSW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <roaring/roaring.h>

#include "kernels/kernels.h"

enum hnsw_metric { HNSW_L2 = 0, HNSW_COS = 1, HNSW_DOT = 2 };

#define HNSW_DEFAULT_M               16
#define HNSW_DEFAULT_EF_CONSTRUCTION 200
#define HNSW_DEFAULT_EF              64
#define HNSW_MAX_M                   256
#define HNSW_MAX_LEVEL               30

/* One int8 code as the store hands it out (pointer valid as for get_links).
 * sqnorm is scale^2 * sum(q[i]^2), the squared norm of the decoded vector,
 * which the L2 distance between codes needs. */
typedef struct hnsw_code {
	const int8_t *q;
	float scale;
	float sqnorm;
} hnsw_code;

/*
 * The store. Every function returns SEMLITE_OK or an error code; `s` is the
 * store's own context (for LMDB: the transaction and its cursors).
 *
 * get_links  neighbour list of (id, level) as *n little-endian u32 at
 *            *ids (maybe unaligned). A node without a list at that level
 *            gives *n = 0. The bytes stay valid until the next get_links,
 *            put_links or drop_node on the store. The order of a list is
 *            not kept (the LMDB store keeps it sorted).
 * put_links  replaces the list of (id, level) (n <= 2*M).
 * get_codes  codes of n nodes at once (one call per expanded node keeps
 *            the indirect-call cost off the hot loop). Valid until the
 *            next put. A tombstoned node whose vectors were already
 *            removed gets q = NULL (treated as infinitely far).
 * get_exact  the exact vector of id: either a pointer into the store or
 *            decoded into buf (dim floats); *out says which.
 * get_level  the node's top level; SEMLITE_NOTFOUND if id is not in the
 *            graph.
 * set_level  makes id a graph node with top level `level` (no links yet).
 * drop_node  removes id and all its lists from the graph (compaction).
 * get_entry  entry point and top level; SEMLITE_NOTFOUND when empty.
 * set_entry  sets them; ep == UINT32_MAX empties the graph.
 * exact_dot  optional (NULL: get_exact is used): the exact inner product
 *            of id's stored vector with q[dim] and the vector's squared
 *            norm, for stores that can score their own precision (f16)
 *            faster than they can decode it.
 * is_deleted true when id is tombstoned (traversed, never returned).
 * id_limit   one more than the largest id that may be a node.
 */
typedef struct hnsw_store_ops {
	int (*get_links)(void *s, uint32_t id, int level, const uint8_t **ids,
	                 uint32_t *n);
	int (*put_links)(void *s, uint32_t id, int level, const uint32_t *ids,
	                 uint32_t n);
	int (*get_codes)(void *s, const uint32_t *ids, uint32_t n,
	                 hnsw_code *out);
	int (*get_exact)(void *s, uint32_t id, float *buf, const float **out);
	int (*exact_dot)(void *s, uint32_t id, const float *q, float *dot,
	                 float *sqnorm);
	int (*get_level)(void *s, uint32_t id, int *level);
	int (*set_level)(void *s, uint32_t id, int level);
	int (*drop_node)(void *s, uint32_t id);
	int (*get_entry)(void *s, uint32_t *ep, int *top);
	int (*set_entry)(void *s, uint32_t ep, int top);
	bool (*is_deleted)(void *s, uint32_t id);
	uint32_t (*id_limit)(void *s);
} hnsw_store_ops;

/* Build settings; fixed for the life of an index. */
typedef struct hnsw_params {
	uint32_t dim;
	int metric;               /* enum hnsw_metric */
	uint32_t m;               /* links per node above level 0; 2*m at 0 */
	uint32_t ef_construction; /* beam width while inserting */
	uint64_t seed;            /* level draws */
} hnsw_params;

/* The index as one operation sees it: settings plus the store. */
typedef struct hnsw_ctx {
	hnsw_params p;
	const hnsw_store_ops *ops;
	void *store;
} hnsw_ctx;

/* Fills defaults (M 16, ef_construction 200, seed 42) for zero fields and
 * validates; SEMLITE_INVALID with a message when out of range. */
int hnsw_params_check(hnsw_params *p);

/* The level a node gets: a pure function of (seed, id, m), so a build is
 * reproducible whatever the insertion order. */
int hnsw_level_for(const hnsw_params *p, uint32_t id);

/* Per-thread search state: visited stamps, heaps, buffers. Reused across
 * queries so a search allocates nothing once warmed up. Not shareable. */
typedef struct hnsw_scratch hnsw_scratch;

int hnsw_scratch_new(hnsw_scratch **out);
void hnsw_scratch_free(hnsw_scratch *sc);

typedef struct hnsw_hit {
	uint32_t id;
	float dist;
} hnsw_hit;

typedef struct hnsw_search_opts {
	uint32_t k;
	uint32_t ef;                   /* 0 = HNSW_DEFAULT_EF; raised to k */
	const roaring_bitmap_t *allow; /* NULL = every live node */
	uint64_t flat_max;             /* allow-lists up to this size are
	                                  searched exactly; 0 = automatic */
} hnsw_search_opts;

/*
 * Inserts node id; the store already holds its code and exact vector, and
 * id is not yet a graph node. On error the graph may hold id partially
 * linked: the caller aborts its write transaction (LMDB) or discards the
 * store.
 */
int hnsw_insert(const hnsw_ctx *c, hnsw_scratch *sc, uint32_t id);

/*
 * Approximate k nearest neighbours of query[dim] (f32), closest first.
 * out holds opts->k hits; *nout is how many were found (fewer than k only
 * when fewer than k live, allowed nodes exist).
 */
int hnsw_search(const hnsw_ctx *c, hnsw_scratch *sc, const float *query,
                const hnsw_search_opts *opts, hnsw_hit *out, uint32_t *nout);

/* Exact k nearest over all live nodes (or only the allow-listed ones). */
int hnsw_flat_search(const hnsw_ctx *c, hnsw_scratch *sc, const float *query,
                     uint32_t k, const roaring_bitmap_t *allow, hnsw_hit *out,
                     uint32_t *nout);

/*
 * After id was tombstoned (is_deleted(id) now true): reconnects each
 * neighbour that linked to id with id's other neighbours, so the graph
 * keeps its reach when tombstones are finally dropped. id stays in the
 * graph and is still traversed.
 */
int hnsw_repair(const hnsw_ctx *c, hnsw_scratch *sc, uint32_t id);

/*
 * Rebuilds the links of every live node that points at a tombstone, then
 * drops all tombstoned nodes from the graph and moves the entry point to a
 * live node. *dropped (may be NULL) receives how many nodes were dropped.
 */
int hnsw_compact(const hnsw_ctx *c, hnsw_scratch *sc, uint32_t *dropped);

/*
 * Structural check: every link points at a graph node (live or
 * tombstoned) that has that level, no list is longer than its maximum,
 * and the entry point is a node with the top level. SEMLITE_CORRUPT with a
 * message naming the node otherwise.
 */
int hnsw_check(const hnsw_ctx *c);

#endif /* SL_HNSW_H */
