/*
 * test_links_codec.c — stored neighbour lists (src/index/hnsw_links.c):
 * random lists round-trip sorted, widths from 0 to 32 bits decode, and
 * malformed bytes (a varint cut short or over 5 bytes, a bad width or
 * length, an id past UINT32_MAX, more ids than allowed) are rejected.
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
	uint8_t enc[64], dec[4 * 6];
	uint32_t n;
	/* gaps up to 2^32 - 2^21: width 32, the first id one varint byte */
	uint32_t ids[] = {0, 127, 255, 16639, 2113791, UINT32_MAX};
	size_t len = hnsw_links_encode(ids, 6, enc);
	assert_int_equal(len, 1 + 1 + 1 + 5 * 4);
	assert_int_equal(hnsw_links_decode(enc, len, 6, dec, &n), 0);
	assert_int_equal(n, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(sl_load_u32le(dec + 4 * i), ids[i]);
	/* one id: no gaps, width 0 */
	uint32_t one[] = {UINT32_MAX};
	assert_int_equal(hnsw_links_encode(one, 1, enc), 1 + 1 + 5);
	assert_int_equal(hnsw_links_decode(enc, 7, 6, dec, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(sl_load_u32le(dec), UINT32_MAX);
	/* gaps of 1: one bit each */
	uint32_t run[] = {13, 10, 12, 11};
	assert_int_equal(hnsw_links_encode(run, 4, enc), 1 + 1 + 1 + 1);
	assert_int_equal(enc[1], 1);
	assert_int_equal(hnsw_links_decode(enc, 4, 6, dec, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(sl_load_u32le(dec + 12), 13);
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
	static const struct {
		uint8_t b[12];
		size_t len;
	} bad[] = {
	    {{0x00}, 1},                                  /* a count of 0 */
	    {{0x02}, 1},                                  /* no width */
	    {{0x02, 33, 0, 0, 0, 0, 0}, 7},               /* width past 32 */
	    {{0x02, 8, 0x00}, 3},                         /* the gap missing */
	    {{0x02, 8, 0x00, 1, 0}, 5},                   /* a byte too many */
	    {{0x01, 0, 0xff, 0xff, 0xff, 0xff, 0x1f}, 7}, /* id past 2^32 */
	    {{0x02, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 1}, 8}, /* id + gap */
	    {{0x81, 0x80, 0x80, 0x80, 0x80, 0x01}, 6},       /* 6-byte n */
	    {{0x01, 0, 0x80}, 3},    /* the first id cut */
	    {{0x09, 0, 0x05, 0}, 4}, /* 9 ids, room for 8 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(
		    hnsw_links_decode(bad[i].b, bad[i].len, 8, dec, &n), -1);
	/* and their well-formed neighbours */
	static const uint8_t ok1[] = {0x02, 8, 0x00, 1};
	assert_int_equal(hnsw_links_decode(ok1, 4, 8, dec, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(sl_load_u32le(dec + 4), 1);
	static const uint8_t ok2[] = {0x02, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0};
	assert_int_equal(hnsw_links_decode(ok2, 8, 8, dec, &n), 0);
	assert_int_equal(sl_load_u32le(dec + 4), UINT32_MAX);
	static const uint8_t ok3[] = {0x08, 0, 0x05};
	assert_int_equal(hnsw_links_decode(ok3, 3, 8, dec, &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(sl_load_u32le(dec + 28), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_roundtrip),
	                                   cmocka_unit_test(test_sizes),
	                                   cmocka_unit_test(test_bad)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
