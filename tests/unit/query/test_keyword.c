/* Unit tests of the keyword analyzer (src/filter/keyword.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "filter/keyword.h"

typedef struct collect {
	char buf[1024];
	size_t n;
} collect;

/* Joins terms with '|'. */
static int collect_term(void *ctx, const char *t, size_t len)
{
	collect *c = ctx;
	if (c->n + len + 2 >= sizeof c->buf)
		return 99;
	if (c->n)
		c->buf[c->n++] = '|';
	memcpy(c->buf + c->n, t, len);
	c->n += len;
	c->buf[c->n] = '\0';
	return 0;
}

static const char *terms(bool stem, bool stop, const char *text)
{
	static collect c;
	filt_kw_opts o = {.stem = stem, .stopwords = stop};
	filt_kw *kw = NULL;
	memset(&c, 0, sizeof c);
	assert_int_equal(filt_kw_new(&o, &kw), SEMLITE_OK);
	assert_int_equal(
	    filt_kw_tokenize(kw, text, strlen(text), collect_term, &c),
	    SEMLITE_OK);
	filt_kw_free(kw);
	return c.buf;
}

static void test_fold_and_split(void **state)
{
	(void)state;
	assert_string_equal(terms(false, false, "Hello, WORLD! it's 3.5mg"),
	                    "hello|world|it|s|3|5mg");
	/* accents stripped, ß case-folded, both composed and decomposed */
	assert_string_equal(
	    terms(false, false, "Café RÉSUMÉ Straße cafe\xcc\x81"),
	    "cafe|resume|strasse|cafe");
	/* ligature (compatibility decomposition) and non-Latin letters */
	assert_string_equal(
	    terms(false, false, "\xef\xac\x81sh \xce\xb1\xce\x92"),
	    "fish|\xce\xb1\xce\xb2");
	assert_string_equal(terms(false, false, "   ...  "), "");
}

static void test_stem_and_stop(void **state)
{
	(void)state;
	assert_string_equal(terms(true, false, "running runs connection"),
	                    "run|run|connect");
	assert_string_equal(terms(false, true, "The cat and THE hat are not"),
	                    "cat|hat|not");
	assert_string_equal(terms(true, true, "the studies of the mice"),
	                    "studi|mice");
	assert_true(filt_kw_is_stopword("the", 3));
	assert_false(filt_kw_is_stopword("thermal", 7));
	assert_false(filt_kw_is_stopword("no", 2));
}

static void test_invalid_utf8_and_long_words(void **state)
{
	(void)state;
	assert_string_equal(terms(false, false,
	                          "ab\xff\xfe"
	                          "cd\xc3"),
	                    "ab|cd");
	char longw[300];
	memset(longw, 'x', sizeof longw - 1);
	longw[sizeof longw - 1] = '\0';
	const char *t = terms(false, false, longw);
	assert_int_equal(strlen(t), FILT_KW_MAX_TERM);
	/* multi-byte characters are cut at a character boundary */
	char greek[301] = {0};
	for (int i = 0; i < 150; i++)
		memcpy(greek + 2 * i, "\xce\xb1", 2);
	t = terms(false, false, greek);
	assert_int_equal(strlen(t), FILT_KW_MAX_TERM);
}

static void test_bag(void **state)
{
	(void)state;
	filt_kw *kw = NULL;
	filt_kw_bag bag = {0};
	assert_int_equal(filt_kw_new(NULL, &kw), SEMLITE_OK);
	const char *text = "Cells grow. The cell grows; cells divide.";
	assert_int_equal(filt_kw_bag_build(kw, text, strlen(text), &bag),
	                 SEMLITE_OK);
	/* the (stop word) dropped; cell x3, grow x2, divid x1 */
	assert_int_equal(bag.doc_len, 6);
	assert_int_equal(bag.n, 3);
	assert_string_equal(bag.terms[0].term, "cell");
	assert_int_equal(bag.terms[0].tf, 3);
	assert_string_equal(bag.terms[1].term, "divid");
	assert_int_equal(bag.terms[1].tf, 1);
	assert_string_equal(bag.terms[2].term, "grow");
	assert_int_equal(bag.terms[2].tf, 2);
	/* reuse, and an empty text */
	assert_int_equal(filt_kw_bag_build(kw, "", 0, &bag), SEMLITE_OK);
	assert_int_equal(bag.n, 0);
	assert_int_equal(bag.doc_len, 0);
	filt_kw_bag_clear(&bag);
	filt_kw_free(kw);
	filt_kw_free(NULL);
}

static void test_callback_stops(void **state)
{
	(void)state;
	filt_kw *kw = NULL;
	collect c = {.n = sizeof c.buf}; /* full: the callback returns 99 */
	assert_int_equal(filt_kw_new(NULL, &kw), SEMLITE_OK);
	assert_int_equal(
	    filt_kw_tokenize(kw, "alpha beta", 10, collect_term, &c), 99);
	filt_kw_free(kw);
}

static void test_nomem(void **state)
{
	(void)state;
	filt_kw *kw = NULL;
	assert_int_equal(filt_kw_new(NULL, &kw), SEMLITE_OK);
	const char *text = "one two three four five six seven eight nine ten";
	for (long n = 0; n < 10; n++) {
		filt_kw_bag bag = {0};
		sl_fault_set(n);
		int rc = filt_kw_bag_build(kw, text, strlen(text), &bag);
		sl_fault_clear();
		assert_true(rc == SEMLITE_OK || rc == SEMLITE_NOMEM);
		if (rc == SEMLITE_OK)
			assert_int_equal(bag.n, 10);
		filt_kw_bag_clear(&bag);
	}
	filt_kw_free(kw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fold_and_split),
	    cmocka_unit_test(test_stem_and_stop),
	    cmocka_unit_test(test_invalid_utf8_and_long_words),
	    cmocka_unit_test(test_bag),
	    cmocka_unit_test(test_callback_stops),
	    cmocka_unit_test(test_nomem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
