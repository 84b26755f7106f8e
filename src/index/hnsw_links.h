/*
 * hnsw_links.h — the stored form of a neighbour list (format.h, `links`):
 * the ids in ascending order, the first as an unsigned LEB128 varint and
 * each next one as its gap to the previous (a varint too).
 *
 * Why: a list of u32 ids took 4 bytes an id, two thirds of the links
 * records. Sorted, the gaps between a node's ~20 neighbours among N ids
 * are about N / 20: 2 varint bytes up to ~300k ids, 3 up to ~40M.
 * The order of a list carries nothing (search and neighbour selection
 * read all of it), so sorting loses nothing.
 */
#ifndef SL_HNSW_LINKS_H
#define SL_HNSW_LINKS_H

#include <stddef.h>
#include <stdint.h>

/* Most bytes a list of n ids encodes to. */
#define HNSW_LINKS_MAX_BYTES(n) ((size_t)(n)*5)

/* Sorts ids[0..n) ascending (in place) and encodes them into out (room
 * for HNSW_LINKS_MAX_BYTES(n)); returns the bytes written. */
size_t hnsw_links_encode(uint32_t *ids, uint32_t n, uint8_t *out);

/* Decodes len bytes at p into at most cap ids, written to out as
 * little-endian u32 (4 * cap bytes); *n receives how many. -1 when the
 * bytes are not such a list (a varint over 5 bytes or cut short, an id
 * past UINT32_MAX, more than cap ids), else 0. */
int hnsw_links_decode(const uint8_t *p, size_t len, uint32_t cap, uint8_t *out,
                      uint32_t *n);

#endif /* SL_HNSW_LINKS_H */
