/*
 * test_links_codec.c — stored neighbour lists (src/index/hnsw_links.c):
 * random lists round-trip sorted, gaps of every varint length decode, and
 * malformed bytes (a varint cut short or over 5 bytes, an id past
 * UINT32_MAX, more ids than allowed) are rejected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/common.h"
#include "index/hnsw_links.h"

static void test_roundtrip(void **state)
{
	(void)state;
	sl_rng rng;
	sl_rng_seed(&rng, 5);
	uint32_t ids[64], want[64];
	uint8_t enc[HNSW_LINKS_MAX_BYTES(64)], dec[4 * 64];
	for (int round = 0; round < 5000; round++) {
		uint32_t n = (uint32_t)(sl_rng_next(&rng) % 65);
		/* universes from tiny (duplicates) to the whole u32 range */
		uint64_t u = 1ull << (sl_rng_next(&rng) % 33);
		for (uint32_t i = 0; i < n; i++)
			ids[i] = want[i] = (uint32_t)(sl_rng_next(&rng) % u);
		size_t len = hnsw_links_encode(ids, n, enc);
		assert_true(len <= HNSW_LINKS_MAX_BYTES(n));
		for (uint32_t i = 1; i < n; i++)
			assert_true(ids[i - 1] <= ids[i]);
		uint32_t got;
		assert_int_equal(hnsw_links_decode(enc, len, 64, dec, &got), 0);
		assert_int_equal(got, n);
		for (uint32_t i = 0; i < n; i++)
			assert_int_equal(sl_load_u32le(dec + 4 * i), ids[i]);
		/* the same multiset as went in */
		for (uint32_t i = 0; i < n; i++) {
			uint32_t a = 0, b = 0;
			for (uint32_t j = 0; j < n; j++) {
				a += want[j] == want[i];
				b += ids[j] == want[i];
			}
			assert_int_equal(a, b);
		}
		if (n) /* one id too many for the cap */
			assert_int_equal(
			    hnsw_links_decode(enc, len, n - 1, dec, &got), -1);
	}
}

static void test_sizes(void **state)
{
	(void)state;
	/* gaps of 0 to 2^32 - 2^21: 1 to 5 varint bytes */
	uint32_t ids[] = {
	    0, 127, 128 + 127, 16384 + 255, 2097152 + 16639, UINT32_MAX};
	uint8_t enc[64], dec[4 * 6];
	uint32_t n;
	size_t len = hnsw_links_encode(ids, 6, enc);
	assert_int_equal(len, 1 + 1 + 2 + 3 + 4 + 5);
	assert_int_equal(hnsw_links_decode(enc, len, 6, dec, &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(sl_load_u32le(dec + 20), UINT32_MAX);
	/* empty */
	assert_int_equal(hnsw_links_encode(ids, 0, enc), 0);
	assert_int_equal(hnsw_links_decode(enc, 0, 6, dec, &n), 0);
	assert_int_equal(n, 0);
}

static void test_bad(void **state)
{
	(void)state;
	uint8_t dec[4 * 8];
	uint32_t n;
	static const uint8_t cut[] = {0x05, 0x80};
	static const uint8_t long6[] = {0x81, 0x80, 0x80, 0x80, 0x80, 0x01};
	static const uint8_t past[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01};
	static const uint8_t big5[] = {0xff, 0xff, 0xff, 0xff, 0x1f};
	assert_int_equal(hnsw_links_decode(cut, 2, 8, dec, &n), -1);
	assert_int_equal(hnsw_links_decode(long6, 6, 8, dec, &n), -1);
	assert_int_equal(hnsw_links_decode(past, 6, 8, dec, &n), -1);
	assert_int_equal(hnsw_links_decode(big5, 5, 8, dec, &n), -1);
	assert_int_equal(hnsw_links_decode(past, 5, 8, dec, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(sl_load_u32le(dec), UINT32_MAX);
	static const uint8_t nine[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
	assert_int_equal(hnsw_links_decode(nine, 9, 8, dec, &n), -1);
	assert_int_equal(hnsw_links_decode(nine, 8, 8, dec, &n), 0);
	assert_int_equal(n, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_roundtrip),
	                                   cmocka_unit_test(test_sizes),
	                                   cmocka_unit_test(test_bad)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
