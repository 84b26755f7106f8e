/*
 * checksum.c — CRC-32C for checked records and a 64-bit hash for model pins
 * and long filter values.
 *
 * CRC-32C (Castagnoli) with a byte-wise table: records are small (meta
 * records, bitmaps) or read rarely (model chunks at open), so the simple
 * table is fast enough and obviously correct. The 64-bit hash consumes 8
 * bytes per step with a multiply-xorshift mix (the murmur3 finalizer); it
 * detects damage and pins a model's identity, it is not cryptographic.
 *
 * Rejected: zlib's crc32 (one more dependency for 30 lines) and zstd's
 * internal XXH64 (not part of its stable API).
 */
#include "storage/store.h"

#include <string.h>

static uint32_t crc_table[256];
static int crc_ready;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int j = 0; j < 8; j++)
			c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[i] = c;
	}
	__atomic_store_n(&crc_ready, 1, __ATOMIC_RELEASE);
}

uint32_t store_crc32c(uint32_t crc, const void *p, size_t n)
{
	/* Racing initializations write identical values: harmless. */
	if (!__atomic_load_n(&crc_ready, __ATOMIC_ACQUIRE))
		crc_init();
	const uint8_t *b = p;
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = crc_table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

uint64_t store_hash64(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		h = mix64(h ^ sl_load_u64le(b + i)) + 0x9e3779b97f4a7c15ull;
	uint8_t tail[8] = {0};
	memcpy(tail, b + i, n - i);
	h = mix64(h ^ sl_load_u64le(tail) ^ (uint64_t)(n - i) << 56);
	return h ? h : 1;
}
