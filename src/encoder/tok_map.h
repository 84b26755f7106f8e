/*
 * tok_map.h — a string -> u32 hash map for tokenizer vocabularies.
 *
 * Open addressing with linear probing over a power-of-two slot array; each
 * slot packs 32 bits of the key's hash with the entry index, so a probe
 * compares bytes only when the hash bits already agree. Keys are copied
 * into one byte pool owned by the map. The map is immutable once the
 * tokenizer is loaded, so lookups from many threads are safe.
 */
#ifndef SL_TOK_MAP_H
#define SL_TOK_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tok_map {
	uint64_t *slots; /* 0 = empty; (hash32 << 32) | (entry + 1) */
	size_t mask;     /* slot count - 1 */
	uint8_t *pool;   /* all key bytes */
	size_t pool_len, pool_cap;
	uint32_t *koff, *klen, *val; /* per entry */
	size_t n, cap;
	size_t max_klen; /* longest key in bytes */
} tok_map;

/* Sets up an empty map sized for about `expected` keys. */
int tok_map_init(tok_map *m, size_t expected);
void tok_map_free(tok_map *m);

/* Inserts or overwrites key -> val. */
int tok_map_put(tok_map *m, const void *key, size_t len, uint32_t val);

/* Inserts key -> val only if the key is absent (*added tells which). */
int tok_map_add(tok_map *m, const void *key, size_t len, uint32_t val,
                bool *added);

/* Finds key; true and *val set when present. */
bool tok_map_get(const tok_map *m, const void *key, size_t len, uint32_t *val);

/* The key bytes of entry i (0 <= i < m->n). */
static inline const uint8_t *tok_map_key(const tok_map *m, size_t i,
                                         size_t *len)
{
	*len = m->klen[i];
	return m->pool + m->koff[i];
}

#endif
