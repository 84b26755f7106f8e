/*
 * hnsw_links.c — neighbour lists as sorted varint gaps (hnsw_links.h).
 */
#include "index/hnsw_links.h"
#include "common/common.h"

size_t hnsw_links_encode(uint32_t *ids, uint32_t n, uint8_t *out)
{
	for (uint32_t i = 1; i < n; i++) { /* n <= 2*M: insertion sort */
		uint32_t x = ids[i], j = i;
		for (; j > 0 && ids[j - 1] > x; j--)
			ids[j] = ids[j - 1];
		ids[j] = x;
	}
	size_t len = 0;
	uint32_t prev = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = ids[i] - prev;
		prev = ids[i];
		while (v >= 0x80) {
			out[len++] = (uint8_t)(v | 0x80);
			v >>= 7;
		}
		out[len++] = (uint8_t)v;
	}
	return len;
}

int hnsw_links_decode(const uint8_t *p, size_t len, uint32_t cap, uint8_t *out,
                      uint32_t *n)
{
	uint64_t id = 0;
	uint32_t k = 0;
	size_t i = 0;
	while (i < len) {
		uint64_t v = p[i++];
		if (v & 0x80) { /* gaps of 128 or more */
			v &= 0x7f;
			for (int shift = 7;; shift += 7) {
				if (i == len || shift > 28)
					return -1;
				uint8_t b = p[i++];
				v |= (uint64_t)(b & 0x7f) << shift;
				if (!(b & 0x80))
					break;
			}
		}
		id += v;
		if (id > UINT32_MAX || k == cap)
			return -1;
		sl_store_u32le(out + 4 * (size_t)k++, (uint32_t)id);
	}
	*n = k;
	return 0;
}
