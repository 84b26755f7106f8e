/*
 * alloc.c — the single allocation seam.
 *
 * All of semlite allocates through these wrappers so that tests can inject
 * failures deterministically (fail the Nth allocation, then every one after
 * it) and verify that each path returns SEMLITE_NOMEM cleanly. The counter
 * is a process-wide atomic: tests that use it run single-threaded, and the
 * cost in production is one relaxed load per allocation.
 *
 * Rejected: a pluggable allocator vtable in the public API. Nobody has
 * asked for it, and it can be added on top of this seam later.
 */
#define _DEFAULT_SOURCE /* madvise, MADV_POPULATE_WRITE */
#include "common/common.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static _Atomic long fault_countdown = -1;
static _Atomic long fault_hits;

void sl_fault_set(long countdown)
{
	atomic_store(&fault_hits, 0);
	atomic_store(&fault_countdown, countdown);
}

void sl_fault_clear(void)
{
	atomic_store(&fault_countdown, -1);
}

long sl_fault_hits(void)
{
	return atomic_load(&fault_hits);
}

/* True when this allocation must fail by injection. */
static bool fault_now(void)
{
	long c = atomic_load_explicit(&fault_countdown, memory_order_relaxed);
	if (SL_LIKELY(c < 0))
		return false;
	if (c == 0) {
		atomic_fetch_add(&fault_hits, 1);
		return true;
	}
	atomic_fetch_sub(&fault_countdown, 1);
	return false;
}

void *sl_malloc(size_t n)
{
	if (fault_now())
		return NULL;
	return malloc(n ? n : 1);
}

void *sl_calloc(size_t count, size_t size)
{
	if (fault_now())
		return NULL;
	if (count == 0 || size == 0)
		return calloc(1, 1);
	return calloc(count, size);
}

void *sl_realloc(void *p, size_t n)
{
	if (fault_now())
		return NULL;
	return realloc(p, n ? n : 1);
}

void *sl_zgrow(void *p, size_t old, size_t n, size_t elem)
{
	size_t bytes;
	if (!sl_mul_ok(n, elem, &bytes))
		return NULL;
	if (!p)
		return sl_calloc(n, elem);
	unsigned char *q = sl_realloc(p, bytes);
	if (q && n > old)
		memset(q + old * elem, 0, (n - old) * elem);
	return q;
}

void sl_free(void *p)
{
	free(p);
}

char *sl_strndup(const char *s, size_t n)
{
	char *d = sl_malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *sl_strdup(const char *s)
{
	return sl_strndup(s, strlen(s));
}

void sl_prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t b = ((uintptr_t)p + n) & ~(uintptr_t)4095;
	if (p && b > a)
		(void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)n;
#endif
}
