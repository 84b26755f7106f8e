/*
 * common.h — the ground floor every module stands on: the allocation seam,
 * error recording, and small checked-arithmetic helpers.
 *
 * Allocation: every byte semlite allocates goes through sl_malloc() and
 * friends. That one seam lets tests fail the Nth allocation (N = 1, 2, ...)
 * and check that each failure surfaces as SEMLITE_NOMEM with nothing leaked
 * and nothing half-written, the way SQLite's fault-injection tests do.
 *
 * Errors: a failing function records a detail message in a thread-local
 * buffer with sl_err() and returns the code; the public API exposes it as
 * semlite_errmsg(). Functions that merely pass a code up do not overwrite
 * the message set closer to the cause.
 */
#ifndef SL_COMMON_H
#define SL_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "semlite.h"

#if defined(__GNUC__)
#define SL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define SL_LIKELY(x)    __builtin_expect(!!(x), 1)
#define SL_UNLIKELY(x)  __builtin_expect(!!(x), 0)
#else
#define SL_PRINTF(a, b)
#define SL_LIKELY(x)   (x)
#define SL_UNLIKELY(x) (x)
#endif

/* ---- allocation seam ------------------------------------------------- */

void *sl_malloc(size_t n);
void *sl_calloc(size_t count, size_t size);
void *sl_realloc(void *p, size_t n);
/* p, an array of `old` elements of elem bytes, grown to n >= old with the
 * new elements zeroed; NULL (p intact) when out of memory or n * elem
 * overflows. A first allocation (p NULL) is calloc'ed, so a large array
 * costs only the pages later touched: per-id caches of a big collection
 * then do not pay for ids a query never visits. */
void *sl_zgrow(void *p, size_t old, size_t n, size_t elem);
/* A hint that [p, p + n) will be written soon, much of it at random: one
 * madvise(MADV_POPULATE_WRITE) maps its pages instead of a page fault per
 * page (about 20 us each on the VMs we measure on; mapping costs well
 * under 1 us a page). Page-aligned part only; nothing where unsupported. */
void sl_prefault(void *p, size_t n);
void sl_free(void *p);
char *sl_strdup(const char *s);
char *sl_strndup(const char *s, size_t n);

/*
 * Fault injection: after `countdown` more successful allocations, every
 * allocation fails until sl_fault_clear(). countdown < 0 disables it.
 * Process-wide; meant for single-threaded tests.
 */
void sl_fault_set(long countdown);
void sl_fault_clear(void);
/* How many allocations failed because of injection since the last set. */
long sl_fault_hits(void);

/* ---- errors ---------------------------------------------------------- */

/* Records a formatted detail message for the calling thread; returns rc. */
int sl_err(int rc, const char *fmt, ...) SL_PRINTF(2, 3);
/* Clears the calling thread's message. */
void sl_err_clear(void);
/* The calling thread's message ("" if none). */
const char *sl_errmsg(void);

/* ---- checked arithmetic ---------------------------------------------- */

/* *out = a * b; returns false on overflow. */
static inline bool sl_mul_ok(size_t a, size_t b, size_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

/* *out = a + b; returns false on overflow. */
static inline bool sl_add_ok(size_t a, size_t b, size_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

/* ---- little-endian loads and stores (unaligned-safe) ----------------- */

static inline uint32_t sl_load_u32le(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline uint64_t sl_load_u64le(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)sl_load_u32le(b) | (uint64_t)sl_load_u32le(b + 4)
	                                        << 32;
}

static inline void sl_store_u32le(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

static inline void sl_store_u64le(void *p, uint64_t v)
{
	sl_store_u32le(p, (uint32_t)v);
	sl_store_u32le((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

/* ---- LEB128 varints (postings, neighbour lists) ---------------------- */

/* Writes v to out (room for 5 bytes); returns the bytes written. */
static inline size_t sl_varint_put(uint8_t *out, uint32_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

/* Reads one varint of at most 5 bytes that fits 32 bits; returns the bytes
 * consumed or 0 when malformed/truncated. */
static inline size_t sl_varint_get(const uint8_t *in, size_t avail, uint32_t *v)
{
	uint32_t x = 0;
	for (size_t i = 0; i < 5 && i < avail; i++) {
		uint32_t b = in[i];
		if (i == 4 && b > 0x0f)
			return 0;
		x |= (b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	return 0;
}

/* ---- deterministic RNG (splitmix64 seeding xoshiro256**) ------------- */

typedef struct sl_rng {
	uint64_t s[4];
} sl_rng;

void sl_rng_seed(sl_rng *r, uint64_t seed);
uint64_t sl_rng_next(sl_rng *r);
/* Uniform double in [0, 1). */
double sl_rng_uniform(sl_rng *r);

#endif /* SL_COMMON_H */
