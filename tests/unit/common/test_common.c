/*
 * test_common.c — the error model, the allocation seam, the version check,
 * the RNG and the little-endian helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <threads.h>

#include "common/common.h"

static void test_errstr(void **state)
{
	(void)state;
	const char *seen[SEMLITE_UNSUPPORTED + 1];
	for (int rc = SEMLITE_OK; rc <= SEMLITE_UNSUPPORTED; rc++) {
		const char *s = semlite_errstr(rc);
		assert_non_null(s);
		assert_true(strlen(s) > 0);
		assert_string_not_equal(s, "unknown error");
		for (int j = 0; j < rc; j++)
			assert_string_not_equal(s, seen[j]);
		seen[rc] = s;
	}
	assert_string_equal(semlite_errstr(-1), "unknown error");
	assert_string_equal(semlite_errstr(SEMLITE_UNSUPPORTED + 1),
	                    "unknown error");
	assert_string_equal(semlite_errstr(1 << 30), "unknown error");
	/* stable numeric values (semlite.h promises they never change) */
	assert_int_equal(SEMLITE_NOMEM, 1);
	assert_int_equal(SEMLITE_CORRUPT, 7);
	assert_int_equal(SEMLITE_INTERNAL, 13);
	assert_int_equal(SEMLITE_UNSUPPORTED, 14);
}

static int other_thread(void *arg)
{
	(void)arg;
	/* a fresh thread starts with no message and cannot see main's */
	if (strcmp(semlite_errmsg(), "") != 0)
		return 1;
	if (sl_err(SEMLITE_IOERR, "thread %d", 2) != SEMLITE_IOERR)
		return 2;
	return strcmp(sl_errmsg(), "thread 2") != 0 ? 3 : 0;
}

static void test_errmsg_thread_local(void **state)
{
	(void)state;
	sl_err_clear();
	assert_string_equal(semlite_errmsg(), "");
	assert_int_equal(sl_err(SEMLITE_CORRUPT, "file %s:%d", "x.jsonl", 17),
	                 SEMLITE_CORRUPT);
	assert_string_equal(semlite_errmsg(), "file x.jsonl:17");
	thrd_t t;
	int res = -1;
	assert_int_equal(thrd_create(&t, other_thread, NULL), thrd_success);
	assert_int_equal(thrd_join(t, &res), thrd_success);
	assert_int_equal(res, 0);
	assert_string_equal(semlite_errmsg(), "file x.jsonl:17");
	/* long messages are truncated, not overflowed */
	char big[3000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	sl_err(SEMLITE_INVALID, "%s", big);
	assert_true(strlen(sl_errmsg()) < sizeof big - 1);
	/* context prefixed to the current message (the message is an
	 * argument of the call that replaces it) */
	sl_err(SEMLITE_CORRUPT, "bad frame");
	sl_err(SEMLITE_CORRUPT, "document %u: %s", 7u, sl_errmsg());
	sl_err(SEMLITE_CORRUPT, "collection '%s': %s", "docs", sl_errmsg());
	assert_string_equal(sl_errmsg(),
	                    "collection 'docs': document 7: bad frame");
	sl_err_clear();
	assert_string_equal(sl_errmsg(), "");
}

static void test_fault_injection(void **state)
{
	(void)state;
	for (long n = 0; n < 4; n++) {
		sl_fault_set(n);
		void *p[6];
		for (int i = 0; i < 6; i++) {
			switch (i % 3) {
			case 0:
				p[i] = sl_malloc(16);
				break;
			case 1:
				p[i] = sl_calloc(4, 4);
				break;
			default:
				p[i] = sl_realloc(NULL, 16);
			}
			if (i < n)
				assert_non_null(p[i]);
			else
				assert_null(p[i]);
		}
		assert_int_equal(sl_fault_hits(), 6 - n);
		sl_fault_clear();
		for (int i = 0; i < 6; i++)
			sl_free(p[i]);
	}
	sl_fault_set(0);
	assert_null(sl_strdup("x"));
	sl_fault_clear();
	char *s = sl_strdup("hello");
	assert_string_equal(s, "hello");
	sl_free(s);
	s = sl_strndup("hello", 3);
	assert_string_equal(s, "hel");
	sl_free(s);
	sl_free(NULL);
	void *z = sl_malloc(0); /* never NULL for 0 bytes */
	assert_non_null(z);
	sl_free(z);
}

static void test_version(void **state)
{
	(void)state;
	char want[32];
	snprintf(want, sizeof want, "%d.%d.%d", SEMLITE_VERSION_MAJOR,
	         SEMLITE_VERSION_MINOR, SEMLITE_VERSION_PATCH);
	assert_string_equal(semlite_version(), want);
	assert_string_equal(semlite_version(), SEMLITE_VERSION_STRING);
	assert_int_equal(semlite_version_number(),
	                 SEMLITE_VERSION_MAJOR * 1000000 +
	                     SEMLITE_VERSION_MINOR * 1000 +
	                     SEMLITE_VERSION_PATCH);
	assert_int_equal(semlite_version_number(), SEMLITE_VERSION_NUMBER);
}

static void test_rng(void **state)
{
	(void)state;
	sl_rng a, b, c;
	sl_rng_seed(&a, 42);
	sl_rng_seed(&b, 42);
	sl_rng_seed(&c, 43);
	int differ = 0;
	double sum = 0;
	for (int i = 0; i < 10000; i++) {
		uint64_t x = sl_rng_next(&a);
		assert_true(x == sl_rng_next(&b));
		differ += x != sl_rng_next(&c);
		double u = sl_rng_uniform(&a);
		assert_true(u >= 0 && u < 1);
		sl_rng_uniform(&b);
		sum += u;
	}
	assert_true(differ > 9990);
	/* seeded: the mean of 10000 draws is fixed and near 1/2 */
	assert_true(sum / 10000 > 0.48 && sum / 10000 < 0.52);
}

static void test_le_and_overflow(void **state)
{
	(void)state;
	uint8_t buf[12];
	sl_store_u32le(buf + 1, 0x11223344u);
	assert_int_equal(buf[1], 0x44);
	assert_int_equal(buf[4], 0x11);
	assert_int_equal(sl_load_u32le(buf + 1), 0x11223344u);
	sl_store_u64le(buf + 3, 0x0102030405060708ULL);
	assert_int_equal(buf[3], 0x08);
	assert_true(sl_load_u64le(buf + 3) == 0x0102030405060708ULL);
	size_t out;
	assert_true(sl_mul_ok(1000, 1000, &out) && out == 1000000);
	assert_false(sl_mul_ok(SIZE_MAX / 2, 3, &out));
	assert_true(sl_add_ok(1, 2, &out) && out == 3);
	assert_false(sl_add_ok(SIZE_MAX, 1, &out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_errstr),
	    cmocka_unit_test(test_errmsg_thread_local),
	    cmocka_unit_test(test_fault_injection),
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_rng),
	    cmocka_unit_test(test_le_and_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
