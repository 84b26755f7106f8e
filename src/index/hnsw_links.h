/*
 * hnsw_links.h — the stored form of a neighbour list (format.h, `links`):
 * the ids in ascending order, as a count, the first id, and the gaps
 * between neighbours bit-packed at the width of the largest gap.
 *
 * Why: a list of u32 ids took 4 bytes an id, two thirds of the links
 * records. Sorted, the gaps between a node's ~20 neighbours among N ids
 * are about N / 20, so they pack into about log2(N / 20) + 2 bits: 11
 * bits at 10k ids, 18 at 1M. Fixed-width gaps decode without the
 * data-dependent branches of varints, which cost 13% of search q/s on
 * siftsmall when every gap was a LEB128 varint (tried first). The order
 * of a list carries nothing (search and neighbour selection read all of
 * it), so sorting loses nothing.
 *
 * Bytes: empty for an empty list; else the count n (LEB128 varint), u8
 * width w (0..32), the first id (varint), then the n - 1 gaps, w bits
 * each, least significant bit first, in ceil((n - 1) * w / 8) bytes.
 */
#ifndef SL_HNSW_LINKS_H
#define SL_HNSW_LINKS_H

#include <stddef.h>
#include <stdint.h>

/* Most bytes a list of n ids encodes to. */
#define HNSW_LINKS_MAX_BYTES(n) (4 * (size_t)(n) + 12)

/* Sorts ids[0..n) ascending (in place) and encodes them into out (room
 * for HNSW_LINKS_MAX_BYTES(n)); returns the bytes written. */
size_t hnsw_links_encode(uint32_t *ids, uint32_t n, uint8_t *out);

/* Decodes the len bytes at p into at most cap ids, written to out as
 * little-endian u32 (4 * cap bytes); *n receives how many. -1 when the
 * bytes are not such a list (a varint over 5 bytes or cut short, a width
 * over 32, a length other than the count and width imply, an id past
 * UINT32_MAX, more than cap ids), else 0. */
int hnsw_links_decode(const uint8_t *p, size_t len, uint32_t cap, uint8_t *out,
                      uint32_t *n);

#endif /* SL_HNSW_LINKS_H */
