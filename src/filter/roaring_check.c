/*
 * roaring_check.c — a complete check of CRoaring's portable serialization
 * before CRoaring parses it.
 *
 * Debian's CRoaring 0.2 has a bounds-checked deserializer
 * (portable_deserialize_safe) but it trusts what it reads inside the
 * bounds: a run container with no runs, runs that overlap or pass 65535,
 * an unsorted array, a bitset whose population is not its cardinality or
 * container keys out of order all deserialize into a bitmap that later
 * crashes an iterator or a set operation (found by fuzz_postings). Newer
 * CRoaring has roaring_bitmap_internal_validate; until Debian ships it,
 * every stored bitmap passes this walk first. It accepts exactly what
 * roaring_bitmap_portable_serialize writes: the format of
 * https://github.com/RoaringBitmap/RoaringFormatSpec (32-bit).
 *
 * Layout: cookie u32 — 12346 (no run containers) followed by the
 * container count u32, or 12347 | (count - 1) << 16 followed by a bitset
 * of which containers are runs; then per container key u16 and
 * cardinality - 1 u16; then per container its u32 byte offset (always
 * with 12346, with 12347 only from 4 containers on); then the containers:
 * run (u16 count, then start u16 and length - 1 u16 per run), array (u16
 * values, cardinality <= 4096) or bitset (8 KiB, cardinality > 4096).
 * Every integer is little-endian.
 */
#include "filter/filter.h"

#include "common/common.h"

enum {
	SL_COOKIE_NORUN = 12346,
	SL_COOKIE_RUN = 12347,
	SL_NO_OFFSET_MIN = 4,
	SL_ARRAY_MAX = 4096,
	SL_BITSET_BYTES = 8192,
};

static unsigned ld16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* Checks one container at b[*at..n); advances *at past it. */
static bool container_ok(const uint8_t *b, size_t n, size_t *at, bool run,
                         uint32_t card)
{
	size_t r = *at;
	if (run) {
		if (n - r < 2)
			return false;
		unsigned runs = ld16(b + r);
		r += 2;
		if (runs == 0 || (n - r) / 4 < runs)
			return false;
		uint32_t total = 0;
		long prev_end = -1;
		for (unsigned i = 0; i < runs; i++, r += 4) {
			unsigned start = ld16(b + r), len = ld16(b + r + 2);
			if ((long)start <= prev_end || start + len > 65535u)
				return false;
			prev_end = (long)(start + len);
			total += len + 1;
		}
		if (total != card)
			return false;
	} else if (card <= SL_ARRAY_MAX) {
		if ((n - r) / 2 < card)
			return false;
		for (uint32_t i = 1; i < card; i++)
			if (ld16(b + r + 2 * i) <= ld16(b + r + 2 * (i - 1)))
				return false;
		r += 2 * (size_t)card;
	} else {
		if (n - r < SL_BITSET_BYTES)
			return false;
		uint32_t pop = 0;
		for (size_t i = 0; i < SL_BITSET_BYTES; i += 8)
			pop += (uint32_t)__builtin_popcountll(
			    sl_load_u64le(b + r + i));
		if (pop != card)
			return false;
		r += SL_BITSET_BYTES;
	}
	*at = r;
	return true;
}

bool filt_roaring_wellformed(const void *p, size_t n)
{
	const uint8_t *b = p;
	if (n < 4)
		return false;
	uint32_t cookie = sl_load_u32le(b), size;
	const uint8_t *runbits = NULL;
	size_t at;
	bool offsets;
	if ((cookie & 0xffff) == SL_COOKIE_RUN) {
		size = (cookie >> 16) + 1;
		runbits = b + 4;
		at = 4 + (size + 7) / 8;
		offsets = size >= SL_NO_OFFSET_MIN;
	} else if (cookie == SL_COOKIE_NORUN) {
		if (n < 8)
			return false;
		size = sl_load_u32le(b + 4);
		at = 8;
		offsets = true;
	} else {
		return false;
	}
	/* at most 65536 containers, each with >= 4 header bytes */
	if (size > 65536 || at > n || (n - at) / 4 < size)
		return false;
	const uint8_t *desc = b + at;
	at += 4 * (size_t)size;
	const uint8_t *offs = b + at;
	if (offsets) {
		if ((n - at) / 4 < size)
			return false;
		at += 4 * (size_t)size;
	}
	for (uint32_t i = 0; i < size; i++) {
		if (i > 0 && ld16(desc + 4 * i) <= ld16(desc + 4 * (i - 1)))
			return false;
		if (offsets && sl_load_u32le(offs + 4 * (size_t)i) != at)
			return false;
		bool run = runbits && (runbits[i / 8] >> (i % 8) & 1);
		uint32_t card = ld16(desc + 4 * i + 2) + 1u;
		if (!container_ok(b, n, &at, run, card))
			return false;
	}
	return at == n;
}
