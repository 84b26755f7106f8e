/*
 * hnsw_mem.h — an in-memory hnsw_store: flat arrays of codes, exact f32
 * vectors, levels and fixed-stride neighbour lists. It backs the index's
 * unit tests and the ANN benchmark; the database itself uses the LMDB
 * store. Not thread-safe for writes; any number of concurrent searches.
 */
#ifndef SL_HNSW_MEM_H
#define SL_HNSW_MEM_H

#include "index/hnsw.h"

typedef struct hnsw_mem hnsw_mem;

extern const hnsw_store_ops hnsw_mem_ops;

/* A store for dim-dimensional vectors and up to 2*m links on level 0. */
int hnsw_mem_new(uint32_t dim, int metric, uint32_t m, hnsw_mem **out);
void hnsw_mem_free(hnsw_mem *s);

/* Stores the exact vector of id and its int8 code (of the normalized
 * vector for cosine). id need not be dense; the id space grows. */
int hnsw_mem_put_vector(hnsw_mem *s, uint32_t id, const float *v);

/* Tombstones (or revives) id. */
void hnsw_mem_set_deleted(hnsw_mem *s, uint32_t id, bool deleted);

/* Bytes held by the store (vectors, codes and links). */
size_t hnsw_mem_bytes(const hnsw_mem *s);

#endif /* SL_HNSW_MEM_H */
