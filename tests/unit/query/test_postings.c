/* Unit tests of postings records (src/filter/postings.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "filter/filter.h"
#include "filter/postings.h"

static void fill_random(filt_post *p, sl_rng *r, size_t n, uint32_t span)
{
	filt_post_reset(p);
	for (size_t i = 0; i < n; i++) {
		uint32_t id = (uint32_t)(sl_rng_next(r) % span);
		uint32_t tf = 1 + (uint32_t)(sl_rng_next(r) % 5);
		assert_int_equal(filt_post_put(p, id, tf, tf + 10), SEMLITE_OK);
	}
}

static void assert_same(const filt_post *a, const filt_post *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->ids[i], b->ids[i]);
		assert_int_equal(a->tf[i], b->tf[i]);
		assert_int_equal(a->dl[i], b->dl[i]);
	}
}

static void test_put_del_order(void **state)
{
	(void)state;
	filt_post p = {0};
	assert_int_equal(filt_post_put(&p, 7, 1, 3), SEMLITE_OK);
	assert_int_equal(filt_post_put(&p, 2, 2, 5), SEMLITE_OK);
	assert_int_equal(filt_post_put(&p, 9, 1, 1), SEMLITE_OK);
	assert_int_equal(filt_post_put(&p, 7, 4, 8), SEMLITE_OK); /* replace */
	assert_int_equal(p.n, 3);
	assert_int_equal(p.ids[0], 2);
	assert_int_equal(p.ids[1], 7);
	assert_int_equal(p.tf[1], 4);
	assert_int_equal(p.ids[2], 9);
	assert_int_equal(filt_post_find(&p, 9), 2);
	assert_int_equal(filt_post_find(&p, 8), -1);
	assert_true(filt_post_del(&p, 7));
	assert_false(filt_post_del(&p, 7));
	assert_int_equal(p.n, 2);
	assert_int_equal(p.ids[1], 9);
	/* tf 0 or a length shorter than tf are refused */
	assert_int_equal(filt_post_put(&p, 1, 0, 3), SEMLITE_INVALID);
	assert_int_equal(filt_post_put(&p, 1, 5, 3), SEMLITE_INVALID);
	filt_post_clear(&p);
	filt_post_clear(NULL);
}

static void test_roundtrip(void **state)
{
	(void)state;
	sl_rng r;
	sl_rng_seed(&r, 42);
	filt_post p = {0}, q = {0};
	/* sparse, dense (run containers), large ids, empty */
	const size_t ns[] = {0, 1, 50, 5000, 3000};
	const uint32_t spans[] = {10, 10, 1u << 31, 6000, UINT32_MAX};
	for (size_t t = 0; t < 5; t++) {
		fill_random(&p, &r, ns[t], spans[t]);
		uint8_t *buf;
		size_t len;
		assert_int_equal(filt_post_encode(&p, &buf, &len), SEMLITE_OK);
		assert_int_equal(filt_post_decode(buf, len, &q, "t"),
		                 SEMLITE_OK);
		assert_same(&p, &q);
		sl_free(buf);
	}
	filt_post_clear(&p);
	filt_post_clear(&q);
}

static void test_corrupt(void **state)
{
	(void)state;
	sl_rng r;
	sl_rng_seed(&r, 7);
	filt_post p = {0}, q = {0};
	fill_random(&p, &r, 200, 100000);
	uint8_t *buf;
	size_t len;
	assert_int_equal(filt_post_encode(&p, &buf, &len), SEMLITE_OK);
	/* every truncation and every single-bit flip is detected */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(filt_post_decode(buf, n, &q, "t"),
		                 SEMLITE_CORRUPT);
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit += 3) {
			buf[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(filt_post_decode(buf, len, &q, "t"),
			                 SEMLITE_CORRUPT);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	assert_int_equal(q.n, 0);
	/* a valid checksum over a bad df is still caught */
	sl_store_u32le(buf + 4, sl_load_u32le(buf + 4) + 1);
	sl_store_u32le(buf + len - 4, filt_crc32c(0, buf, len - 4));
	assert_int_equal(filt_post_decode(buf, len, &q, "t"), SEMLITE_CORRUPT);
	assert_non_null(strstr(sl_errmsg(), "postings t"));
	sl_free(buf);
	filt_post_clear(&p);
	filt_post_clear(&q);
}

static void test_apply(void **state)
{
	(void)state;
	filt_post scratch = {0}, q = {0};
	uint8_t *a = NULL, *b = NULL, *c = NULL;
	size_t alen, blen, clen;
	assert_int_equal(
	    filt_post_apply(NULL, 0, 5, 2, 9, false, &scratch, &a, &alen, "x"),
	    SEMLITE_OK);
	assert_non_null(a);
	assert_int_equal(
	    filt_post_apply(a, alen, 3, 1, 4, false, &scratch, &b, &blen, "x"),
	    SEMLITE_OK);
	assert_int_equal(filt_post_decode(b, blen, &q, "x"), SEMLITE_OK);
	assert_int_equal(q.n, 2);
	assert_int_equal(q.ids[0], 3);
	assert_int_equal(q.dl[1], 9);
	sl_free(a);
	assert_int_equal(
	    filt_post_apply(b, blen, 3, 0, 0, true, &scratch, &a, &alen, "x"),
	    SEMLITE_OK);
	assert_int_equal(
	    filt_post_apply(a, alen, 5, 0, 0, true, &scratch, &c, &clen, "x"),
	    SEMLITE_OK);
	assert_null(c); /* last document gone: delete the key */
	assert_int_equal(clen, 0);
	sl_free(a);
	sl_free(b);
	filt_post_clear(&scratch);
	filt_post_clear(&q);
}

static void test_stats(void **state)
{
	(void)state;
	filt_kw_stats s = {12345, 987654321}, t;
	uint8_t buf[FILT_STATS_BYTES];
	filt_stats_encode(&s, buf);
	assert_int_equal(filt_stats_decode(buf, sizeof buf, &t), SEMLITE_OK);
	assert_true(t.n_docs == s.n_docs && t.total_len == s.total_len);
	buf[5] ^= 1;
	assert_int_equal(filt_stats_decode(buf, sizeof buf, &t),
	                 SEMLITE_CORRUPT);
	assert_int_equal(filt_stats_decode(buf, 3, &t), SEMLITE_CORRUPT);
}

static void test_crc(void **state)
{
	(void)state;
	/* the CRC-32C check value */
	assert_int_equal(filt_crc32c(0, "123456789", 9), 0xe3069283u);
}

/* Serializes bm, checks the walk accepts it and returns its bytes. */
static size_t serialized(roaring_bitmap_t *bm, char *buf, size_t cap)
{
	roaring_bitmap_run_optimize(bm);
	size_t n = roaring_bitmap_portable_size_in_bytes(bm);
	assert_true(n <= cap);
	assert_int_equal(roaring_bitmap_portable_serialize(bm, buf), n);
	assert_true(filt_roaring_wellformed(buf, n));
	return n;
}

/* Everything CRoaring writes is accepted; what it would trust but crash
 * on later is not (an empty run container was fuzz_postings' finding). */
static void test_roaring_wellformed(void **state)
{
	(void)state;
	static char buf[1 << 20];
	roaring_bitmap_t *bm = roaring_bitmap_create();
	assert_non_null(bm);
	serialized(bm, buf, sizeof buf); /* empty */
	sl_rng r;
	sl_rng_seed(&r, 11);
	for (int round = 0; round < 40; round++) {
		/* arrays, bitsets and runs, 1..9 containers */
		unsigned nc = 1 + (unsigned)(sl_rng_next(&r) % 9);
		for (unsigned c = 0; c < nc; c++) {
			uint32_t base = (uint32_t)(sl_rng_next(&r) % 64) << 16;
			unsigned kind = (unsigned)(sl_rng_next(&r) % 3);
			if (kind == 0)
				for (int i = 0; i < 50; i++)
					roaring_bitmap_add(
					    bm,
					    base + (uint32_t)(sl_rng_next(&r) %
					                      65536));
			else if (kind == 1)
				for (int i = 0; i < 6000; i++)
					roaring_bitmap_add(
					    bm,
					    base + (uint32_t)(sl_rng_next(&r) %
					                      65536));
			else
				roaring_bitmap_add_range(bm, base + 100,
				                         base + 20000);
		}
		size_t n = serialized(bm, buf, sizeof buf);
		assert_false(filt_roaring_wellformed(buf, n - 1));
		buf[n] = 0;
		assert_false(filt_roaring_wellformed(buf, n + 1));
		roaring_bitmap_clear(bm);
	}
	/* one run container [5, 10): cookie 12347 (1 container), run bit,
	 * key 0, cardinality - 1 = 4, 1 run, start 5, length - 1 = 4 */
	uint8_t one[] = {0x3b, 0x30, 0, 0, 1, 0, 0, 4, 0, 1, 0, 5, 0, 4, 0};
	assert_true(filt_roaring_wellformed(one, sizeof one));
	uint8_t bad[sizeof one];
	memcpy(bad, one, sizeof one);
	bad[9] = 0; /* no runs */
	assert_false(filt_roaring_wellformed(bad, sizeof bad - 4));
	memcpy(bad, one, sizeof one);
	bad[7] = 5; /* cardinality says 6 */
	assert_false(filt_roaring_wellformed(bad, sizeof bad));
	memcpy(bad, one, sizeof one);
	bad[11] = 0xfe, bad[12] = 0xff; /* run passes 65535 */
	assert_false(filt_roaring_wellformed(bad, sizeof bad));
	/* an array container of 2 values, unsorted */
	uint8_t arr[] = {0x3a, 0x30, 0,  0, 1, 0, 0, 0, 0, 0,
	                 1,    0,    16, 0, 0, 0, 9, 0, 3, 0};
	assert_true(filt_roaring_wellformed(arr, sizeof arr) == false);
	arr[16] = 3, arr[18] = 9;
	assert_true(filt_roaring_wellformed(arr, sizeof arr));
	roaring_bitmap_free(bm);
}

static void test_nomem(void **state)
{
	(void)state;
	sl_rng r;
	sl_rng_seed(&r, 3);
	filt_post p = {0};
	fill_random(&p, &r, 100, 1000);
	uint8_t *buf;
	size_t len;
	assert_int_equal(filt_post_encode(&p, &buf, &len), SEMLITE_OK);
	for (long n = 0; n < 8; n++) {
		filt_post q = {0};
		uint8_t *out = NULL;
		size_t olen;
		sl_fault_set(n);
		int rc = filt_post_apply(buf, len, 5000, 1, 1, false, &q, &out,
		                         &olen, "t");
		sl_fault_clear();
		assert_true(rc == SEMLITE_OK || rc == SEMLITE_NOMEM);
		assert_true(rc != SEMLITE_OK || out != NULL);
		sl_free(out);
		filt_post_clear(&q);
	}
	sl_free(buf);
	filt_post_clear(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_put_del_order),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_apply),
	    cmocka_unit_test(test_stats),
	    cmocka_unit_test(test_crc),
	    cmocka_unit_test(test_nomem),
	    cmocka_unit_test(test_roaring_wellformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
