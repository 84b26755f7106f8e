/*
 * hnsw_lmdb.h — the hnsw_store of a database collection: neighbour lists
 * in the `links` sub-database, codes and exact vectors read zero-copy from
 * the `codes`/`exact` sub-databases, entry point in `meta`, all inside the
 * caller's LMDB transaction (format.h documents the bytes).
 *
 * One hnsw_lmdb lives for one transaction and one collection. A read
 * transaction's store may be used by one thread; each searching thread
 * opens its own (as it has its own transaction).
 */
#ifndef SL_HNSW_LMDB_H
#define SL_HNSW_LMDB_H

#include "index/hnsw.h"
#include "storage/store.h"

/* Upper-level lists by (id, level), open addressing: only about one node
 * in M has any, so an array per level would be mostly empty. Greedy
 * descent and every insert read them. */
typedef struct hnsw_lmdb_up {
	uint64_t key;       /* (id << 8 | level) + 1; 0 = empty slot */
	const uint8_t *ids; /* NULL: not known (look it up) */
	uint32_t n;
} hnsw_lmdb_up;

typedef struct hnsw_lmdb_uptab {
	hnsw_lmdb_up *a;
	uint32_t cap, n; /* slots (a power of two) and used */
} hnsw_lmdb_uptab;

/* Blocks of memory handed out in pieces and freed all at once
 * (hnsw_lmdb.c). */
typedef struct hnsw_lmdb_arena {
	struct hnsw_lmdb_ablock *blocks;
	size_t total; /* bytes of the blocks */
} hnsw_lmdb_arena;

/* What a read snapshot knows of one node while the cache is hashed. */
typedef struct hnsw_lmdb_node {
	const uint8_t *code;  /* code record; NULL = not looked up */
	const uint8_t *l0;    /* level-0 neighbour ids (decoded) */
	const uint8_t *exact; /* f16 exact record; NULL = not looked up */
	uint32_t l0n;         /* its count + 1; 0 = not looked up */
	uint32_t key;         /* id + 1; 0 = empty slot */
} hnsw_lmdb_node;

/* Where records of one snapshot live in the map (hnsw_lmdb_set_cache).
 * Made with zeroes; sized by hnsw_lmdb_cache_fit, emptied by
 * hnsw_lmdb_cache_clear when the snapshot changes.
 *
 * Warm, the cache is four arrays indexed by id (the layout the search
 * loop is fastest with: the code pointers of neighbours, the hottest,
 * sit 8 bytes apart). Cold, a large collection (more than
 * HNSW_LMDB_DENSE_MAX ids) starts with the nodes met so far in a small
 * open-addressing table instead: the first query of a freshly opened file
 * visits a few thousand random ids, and the arrays would fault in a fresh
 * page per id per array (about 20 us a fault on the 2-vCPU VMs we measure
 * on; issue 6), where the table touches a few dozen pages. Once the table
 * holds max(cap / 32, 1024) nodes its entries move into the arrays, which
 * are pre-faulted in one call (MADV_POPULATE_WRITE). The environment
 * variable SEMLITE_CACHE_DENSE_MAX replaces HNSW_LMDB_DENSE_MAX for caches
 * made after it is set (tests). */
#define HNSW_LMDB_DENSE_MAX 32768u
/* Bytes of decoded neighbour lists a snapshot cache keeps (about 90 a
 * node at M 16); past it lists are decoded at each visit. The
 * environment variable SEMLITE_LISTS_BUDGET replaces it (tests). */
#define HNSW_LMDB_LISTS_BUDGET ((size_t)256 << 20)
typedef struct hnsw_lmdb_cache {
	const uint8_t **code;  /* code record of id; NULL = not looked up */
	const uint8_t **l0;    /* level-0 neighbour ids of id (decoded) */
	uint32_t *l0n;         /* their count + 1; 0 = not looked up */
	const uint8_t **exact; /* f16 exact record of id; NULL = not yet */
	hnsw_lmdb_node *tab;   /* cold: the table (code == NULL) */
	uint32_t tcap, tn;     /* its slots (a power of two) and used */
	uint32_t cap;          /* ids covered (the snapshot's id limit) */
	hnsw_lmdb_uptab up;    /* upper-level lists */
	hnsw_lmdb_arena lists; /* the lists' ids, decoded (stored packed) */
	size_t lists_budget;   /* its budget + 1; 0 = not read yet */
	bool entry_known;      /* ep/top below were read */
	uint32_t ep;
	int top;
} hnsw_lmdb_cache;

/* Covers ids below cap (new ones "not looked up"); SEMLITE_NOMEM leaves
 * the cache as it was. */
int hnsw_lmdb_cache_fit(hnsw_lmdb_cache *c, uint32_t cap);
/* Forgets every pointer (the snapshot changed). */
void hnsw_lmdb_cache_clear(hnsw_lmdb_cache *c);
/* Frees the arrays (not c itself). */
void hnsw_lmdb_cache_free(hnsw_lmdb_cache *c);

/*
 * A write transaction's copies of the graph records it has touched (the
 * level-0 lists with the node's top level, the upper-level lists and the
 * int8 code records),
 * so linking does not pay a B-tree lookup per distance. Pointers into the
 * map cannot be kept in a write transaction (its dirty pages move, split
 * and spill), so these are copies, bounded by a memory budget beyond which
 * records are simply read from LMDB again. Every list put writes
 * through (LMDB first, then the copy), so the copies and the transaction
 * never disagree and a failed operation leaves nothing to undo here.
 * The copies stay true after the transaction commits for as long as no
 * other writer changes the graph, so the API keeps them in the collection
 * handle between its write transactions (api/index.c) and empties them
 * (hnsw_lmdb_wcache_reset) after an abort or when another commit came in
 * between. The budget, HNSW_LMDB_WCACHE_BUDGET bytes of copies, is about
 * what an in-memory index of the same vectors holds (hnswlib: 4·dim + 8·M
 * bytes a node; these: dim + 8·M + 32): beyond it records are read from
 * LMDB again. SEMLITE_WCACHE_BUDGET (bytes) in the environment replaces it
 * for copies made after it is set (tests).
 */
typedef struct hnsw_lmdb_wcache hnsw_lmdb_wcache;
#define HNSW_LMDB_WCACHE_BUDGET ((size_t)1 << 30)

int hnsw_lmdb_wcache_new(uint32_t dim, uint32_t m, hnsw_lmdb_wcache **out);
void hnsw_lmdb_wcache_free(hnsw_lmdb_wcache *w);
/* Forgets every copy (they may no longer be the file's). */
void hnsw_lmdb_wcache_reset(hnsw_lmdb_wcache *w);
/* Forgets the code copy of id (its vectors were just deleted). */
void hnsw_lmdb_wcache_forget(hnsw_lmdb_wcache *w, uint32_t id);

typedef struct hnsw_lmdb {
	const store_txn *t;
	uint32_t coll, dim, limit;
	uint8_t precision;
	store_vecs cv, ev;            /* codes and exact vector blocks */
	const roaring_bitmap_t *tomb; /* borrowed; NULL = none deleted */
	MDB_cursor *codes, *links;
	uint32_t *buf; /* list being written, sorted */
	uint8_t *ebuf; /* its stored bytes (hnsw_links_encode) */
	uint8_t *lbuf; /* the last list decoded (LE u32) */
	uint32_t m;    /* M: lists hold up to 2*M ids at level 0 */
	uint32_t ebuf_cap;
	float *vbuf; /* one decoded exact vector */
	uint32_t buf_cap;
	hnsw_lmdb_cache *cache; /* optional, read transactions only */
	hnsw_lmdb_wcache *wc;   /* optional, write transactions only */
} hnsw_lmdb;

extern const hnsw_store_ops hnsw_lmdb_ops;

/* Opens the store on transaction t for collection r (limit = its next
 * internal id). tomb is the collection's tombstone bitmap as the
 * transaction sees it. */
int hnsw_lmdb_open(hnsw_lmdb *s, const store_txn *t, const store_coll_rec *r,
                   uint32_t limit, const roaring_bitmap_t *tomb);
void hnsw_lmdb_close(hnsw_lmdb *s);

/*
 * Lets a read-only store remember where each code record and level-0
 * list lives in the map (arrays owned by the caller, zeroed when new). The
 * pointers stay valid for as long as the snapshot is the same: the caller keys
 * the array by database, collection and LMDB transaction id (no commit in
 * between means no page was freed or reused) and clears it when the key
 * changes. A search then pays LMDB's B-tree lookup once per node per snapshot
 * instead of once per distance. Never for write transactions: their
 * pages move as they are written.
 */
void hnsw_lmdb_set_cache(hnsw_lmdb *s, hnsw_lmdb_cache *cache);

/* Attaches a write transaction's record copies (dim and M must be the
 * collection's). */
void hnsw_lmdb_set_wcache(hnsw_lmdb *s, hnsw_lmdb_wcache *w);

/* Index settings of a collection record as hnsw_params. */
void hnsw_lmdb_params(const store_coll_rec *r, hnsw_params *p);

/* Deletes the stored code and exact vector of a dropped node (compaction
 * calls this through drop_node; exposed for the API's delete path). */
int hnsw_lmdb_drop_vectors(hnsw_lmdb *s, uint32_t id);

#endif /* SL_HNSW_LMDB_H */
