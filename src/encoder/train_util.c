/*
 * train_util.c — the trainer's two containers: a growable byte buffer and
 * a string -> index map.
 *
 * The map is open addressing with linear probing over a power-of-two slot
 * array holding entry index + 1; entries live in parallel arrays (key,
 * length, count) in insertion order, so iterating them is deterministic
 * and an entry's index doubles as a word or token id. FNV-1a hashes the
 * bytes. A generic hash table library was rejected: the trainer needs only
 * insert/find on byte strings and stable insertion-order indexes.
 */
#include "encoder/train.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int train_buf_put(train_buf *b, const void *src, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = sl_realloc(b->p, cap);
		if (!p)
			return sl_err(SEMLITE_NOMEM, "trainer: out of memory");
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, src, n);
	b->len += n;
	b->p[b->len] = 0;
	return SEMLITE_OK;
}

int train_buf_printf(train_buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return sl_err(SEMLITE_INTERNAL, "trainer: format overflow");
	return train_buf_put(b, tmp, (size_t)n);
}

int train_buf_json_str(train_buf *b, const char *s, size_t n)
{
	int rc = train_buf_put(b, "\"", 1);
	for (size_t i = 0; rc == SEMLITE_OK && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			rc = train_buf_put(b, e, 2);
		} else if (c < 0x20) {
			rc = train_buf_printf(b, "\\u%04x", c);
		} else {
			rc = train_buf_put(b, s + i, 1);
		}
	}
	return rc ? rc : train_buf_put(b, "\"", 1);
}

void train_buf_free(train_buf *b)
{
	sl_free(b->p);
	memset(b, 0, sizeof *b);
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

long train_map_find(const train_map *m, const char *key, size_t len)
{
	if (!m->nslots)
		return -1;
	size_t mask = m->nslots - 1;
	for (size_t i = fnv1a(key, len) & mask;; i = (i + 1) & mask) {
		uint32_t e = m->slots[i];
		if (!e)
			return -1;
		e--;
		if (m->klen[e] == len && !memcmp(m->keys[e], key, len))
			return (long)e;
	}
}

static int map_rehash(train_map *m)
{
	size_t ns = m->nslots ? m->nslots * 2 : 1024;
	uint32_t *s = sl_calloc(ns, sizeof *s);
	if (!s)
		return sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	for (size_t e = 0; e < m->n; e++) {
		size_t i = fnv1a(m->keys[e], m->klen[e]) & (ns - 1);
		while (s[i])
			i = (i + 1) & (ns - 1);
		s[i] = (uint32_t)e + 1;
	}
	sl_free(m->slots);
	m->slots = s;
	m->nslots = ns;
	return SEMLITE_OK;
}

static int map_grow(train_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	char **k = sl_realloc(m->keys, cap * sizeof *k);
	if (k)
		m->keys = k;
	uint32_t *l = k ? sl_realloc(m->klen, cap * sizeof *l) : NULL;
	if (l)
		m->klen = l;
	uint64_t *c = l ? sl_realloc(m->count, cap * sizeof *c) : NULL;
	if (!c)
		return sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	m->count = c;
	m->cap = cap;
	return SEMLITE_OK;
}

int train_map_add(train_map *m, const char *key, size_t len, uint32_t *idx)
{
	long f = train_map_find(m, key, len);
	if (f >= 0) {
		*idx = (uint32_t)f;
		return SEMLITE_OK;
	}
	if (m->n >= UINT32_MAX - 1 || len > UINT32_MAX)
		return sl_err(SEMLITE_FULL, "trainer: too many distinct words");
	int rc = SEMLITE_OK;
	if ((m->n + 1) * 2 > m->nslots && (rc = map_rehash(m)))
		return rc;
	if (m->n == m->cap && (rc = map_grow(m)))
		return rc;
	char *k = sl_strndup(key, len);
	if (!k)
		return sl_err(SEMLITE_NOMEM, "trainer: out of memory");
	size_t e = m->n++;
	m->keys[e] = k;
	m->klen[e] = (uint32_t)len;
	m->count[e] = 0;
	size_t mask = m->nslots - 1;
	size_t i = fnv1a(key, len) & mask;
	while (m->slots[i])
		i = (i + 1) & mask;
	m->slots[i] = (uint32_t)e + 1;
	*idx = (uint32_t)e;
	return SEMLITE_OK;
}

void train_map_free(train_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		sl_free(m->keys[i]);
	sl_free(m->keys);
	sl_free(m->klen);
	sl_free(m->count);
	sl_free(m->slots);
	memset(m, 0, sizeof *m);
}

/* Standard normal deviates (Box-Muller, two per pair of uniforms). */
void train_gaussian(sl_rng *rng, double *a, size_t n)
{
	const double two_pi = 6.283185307179586;
	for (size_t i = 0; i < n; i += 2) {
		double u1 = sl_rng_uniform(rng), u2 = sl_rng_uniform(rng);
		double m = sqrt(-2 * log(1 - u1));
		a[i] = m * cos(two_pi * u2);
		if (i + 1 < n)
			a[i + 1] = m * sin(two_pi * u2);
	}
}
