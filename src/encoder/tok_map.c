/*
 * tok_map.c — the vocabulary hash map (see tok_map.h).
 *
 * The hash reads eight bytes at a time and mixes with two multiplies; keys
 * are short (vocabulary pieces average six bytes), so what matters is a
 * cheap finalizer and few probes, not throughput on long keys. The table is
 * kept at most half full. Rejected: a trie (more memory and pointer chasing
 * per byte for the greedy WordPiece lookups) and a perfect hash (slower to
 * build, and the load time budget is tight).
 */
#include "encoder/tok_map.h"

#include <string.h>

#include "common/common.h"

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xC2B2AE3D27D4EB4Full);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ (w * 0xBF58476D1CE4E5B9ull)) * 0x94D049BB133111EBull;
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	uint64_t w = 0;
	for (size_t i = 0; i < n; i++)
		w |= (uint64_t)p[i] << (8 * i);
	h = (h ^ (w * 0xBF58476D1CE4E5B9ull)) * 0x94D049BB133111EBull;
	h ^= h >> 31;
	h *= 0xD6E8FEB86659FD93ull;
	h ^= h >> 32;
	return h;
}

int tok_map_init(tok_map *m, size_t expected)
{
	memset(m, 0, sizeof *m);
	size_t slots = 16;
	while (slots < expected * 2 + 2)
		slots <<= 1;
	m->slots = sl_calloc(slots, sizeof *m->slots);
	/* The pool always exists, so key pointers are never NULL + offset
	 * (undefined behaviour, found by fuzzing a vocabulary of "" only). */
	m->pool = sl_malloc(64);
	if (!m->slots || !m->pool) {
		tok_map_free(m);
		return SEMLITE_NOMEM;
	}
	m->pool_cap = 64;
	m->mask = slots - 1;
	return SEMLITE_OK;
}

void tok_map_free(tok_map *m)
{
	if (!m)
		return;
	sl_free(m->slots);
	sl_free(m->pool);
	sl_free(m->koff);
	sl_free(m->klen);
	sl_free(m->val);
	memset(m, 0, sizeof *m);
}

/* Slot index holding key, or the empty slot where it would go. */
static size_t probe(const tok_map *m, const uint8_t *key, size_t len,
                    uint64_t h, bool *found)
{
	uint64_t tag = h >> 32;
	size_t i = (size_t)h & m->mask;
	for (;;) {
		uint64_t s = m->slots[i];
		if (!s) {
			*found = false;
			return i;
		}
		if ((s >> 32) == tag) {
			size_t e = (uint32_t)s - 1;
			if (m->klen[e] == len &&
			    !memcmp(m->pool + m->koff[e], key, len)) {
				*found = true;
				return i;
			}
		}
		i = (i + 1) & m->mask;
	}
}

static int grow_slots(tok_map *m)
{
	size_t n = (m->mask + 1) * 2;
	uint64_t *s = sl_calloc(n, sizeof *s);
	if (!s)
		return SEMLITE_NOMEM;
	for (size_t i = 0; i <= m->mask; i++) {
		uint64_t v = m->slots[i];
		if (!v)
			continue;
		size_t e = (uint32_t)v - 1;
		uint64_t h = hash_bytes(m->pool + m->koff[e], m->klen[e]);
		size_t j = (size_t)h & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = v;
	}
	sl_free(m->slots);
	m->slots = s;
	m->mask = n - 1;
	return SEMLITE_OK;
}

static int grow_entries(tok_map *m, size_t len)
{
	if (m->n == m->cap) {
		size_t c = m->cap ? m->cap * 2 : 64;
		uint32_t *a = sl_realloc(m->koff, c * sizeof *a);
		if (!a)
			return SEMLITE_NOMEM;
		m->koff = a;
		a = sl_realloc(m->klen, c * sizeof *a);
		if (!a)
			return SEMLITE_NOMEM;
		m->klen = a;
		a = sl_realloc(m->val, c * sizeof *a);
		if (!a)
			return SEMLITE_NOMEM;
		m->val = a;
		m->cap = c;
	}
	if (m->pool_len + len > m->pool_cap) {
		size_t c = m->pool_cap ? m->pool_cap : 1024;
		while (c < m->pool_len + len)
			c *= 2;
		uint8_t *p = sl_realloc(m->pool, c);
		if (!p)
			return SEMLITE_NOMEM;
		m->pool = p;
		m->pool_cap = c;
	}
	return SEMLITE_OK;
}

static int insert(tok_map *m, const void *key, size_t len, uint32_t val,
                  bool overwrite, bool *added)
{
	if (len > UINT32_MAX || m->n >= UINT32_MAX - 1 ||
	    m->pool_len > UINT32_MAX - len)
		return sl_err(SEMLITE_INVALID, "vocabulary too large");
	uint64_t h = hash_bytes(key, len);
	bool found;
	size_t i = probe(m, key, len, h, &found);
	if (found) {
		if (overwrite)
			m->val[(uint32_t)m->slots[i] - 1] = val;
		if (added)
			*added = false;
		return SEMLITE_OK;
	}
	int rc = grow_entries(m, len);
	if (rc)
		return rc;
	size_t e = m->n++;
	m->koff[e] = (uint32_t)m->pool_len;
	m->klen[e] = (uint32_t)len;
	m->val[e] = val;
	if (len)
		memcpy(m->pool + m->pool_len, key, len);
	m->pool_len += len;
	if (len > m->max_klen)
		m->max_klen = len;
	m->slots[i] = (h >> 32) << 32 | (uint64_t)(e + 1);
	if (added)
		*added = true;
	if (m->n * 2 > m->mask + 1)
		return grow_slots(m);
	return SEMLITE_OK;
}

int tok_map_put(tok_map *m, const void *key, size_t len, uint32_t val)
{
	return insert(m, key, len, val, true, NULL);
}

int tok_map_add(tok_map *m, const void *key, size_t len, uint32_t val,
                bool *added)
{
	return insert(m, key, len, val, false, added);
}

bool tok_map_get(const tok_map *m, const void *key, size_t len, uint32_t *val)
{
	if (len > m->max_klen)
		return false;
	bool found;
	size_t i = probe(m, key, len, hash_bytes(key, len), &found);
	if (found)
		*val = m->val[(uint32_t)m->slots[i] - 1];
	return found;
}
