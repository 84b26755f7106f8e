/*
 * hnsw_links.c — neighbour lists as bit-packed sorted gaps (hnsw_links.h).
 */
#include "index/hnsw_links.h"
#include "common/common.h"

size_t hnsw_links_encode(uint32_t *ids, uint32_t n, uint8_t *out)
{
	if (!n)
		return 0;
	for (uint32_t i = 1; i < n; i++) { /* n <= 2*M: insertion sort */
		uint32_t x = ids[i], j = i;
		for (; j > 0 && ids[j - 1] > x; j--)
			ids[j] = ids[j - 1];
		ids[j] = x;
	}
	uint32_t maxgap = 0, w = 0;
	for (uint32_t i = 1; i < n; i++)
		if (ids[i] - ids[i - 1] > maxgap)
			maxgap = ids[i] - ids[i - 1];
	while (w < 32 && maxgap >> w)
		w++;
	size_t len = sl_varint_put(out, n);
	out[len++] = (uint8_t)w;
	len += sl_varint_put(out + len, ids[0]);
	uint64_t acc = 0;
	unsigned bits = 0;
	for (uint32_t i = 1; i < n; i++) {
		acc |= (uint64_t)(ids[i] - ids[i - 1]) << bits;
		bits += w;
		for (; bits >= 8; bits -= 8, acc >>= 8)
			out[len++] = (uint8_t)acc;
	}
	if (bits)
		out[len++] = (uint8_t)acc;
	return len;
}

int hnsw_links_decode(const uint8_t *p, size_t len, uint32_t cap, uint8_t *out,
                      uint32_t *n)
{
	uint32_t cnt, first;
	*n = 0;
	if (!len)
		return 0;
	size_t i = sl_varint_get(p, len, &cnt);
	if (!i || cnt == 0 || cnt > cap || i == len)
		return -1;
	unsigned w = p[i++];
	size_t a = sl_varint_get(p + i, len - i, &first);
	if (!a || w > 32 || len - i - a != ((uint64_t)(cnt - 1) * w + 7) / 8)
		return -1;
	i += a;
	uint64_t x = first;
	uint64_t mask = (UINT64_C(1) << w) - 1, acc = 0;
	unsigned bits = 0;
	sl_store_u32le(out, (uint32_t)x);
	for (uint32_t k = 1; k < cnt; k++) {
		while (bits < w) { /* the length check keeps i < len here */
			acc |= (uint64_t)p[i++] << bits;
			bits += 8;
		}
		x += acc & mask;
		acc >>= w;
		bits -= w;
		if (x > UINT32_MAX)
			return -1;
		sl_store_u32le(out + 4 * (size_t)k, (uint32_t)x);
	}
	*n = cnt;
	return 0;
}
