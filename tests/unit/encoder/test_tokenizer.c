/*
 * test_tokenizer.c — tokenizer behaviour on small hand-written
 * tokenizer.json files (no ../shared needed): BERT normalization and
 * pre-tokenization, WordPiece edge cases, added tokens, invalid UTF-8,
 * Unigram's Viterbi choices and unknown fusing, the other normalizers and
 * pre-tokenizers, limits, the median token length, and concurrent use.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/common.h"
#include "encoder/tokenizer.h"

static const char wp_json[] =
    "{\"added_tokens\": [{\"id\": 0, \"content\": \"[PAD]\", "
    "\"normalized\": false, \"special\": true}, {\"id\": 1, \"content\": "
    "\"[UNK]\", \"normalized\": false, \"special\": true}],"
    "\"normalizer\": {\"type\": \"BertNormalizer\", \"clean_text\": true, "
    "\"handle_chinese_chars\": true, \"strip_accents\": null, "
    "\"lowercase\": true},"
    "\"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},"
    "\"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", "
    "\"continuing_subword_prefix\": \"##\", \"max_input_chars_per_word\": "
    "8, \"vocab\": {\"[PAD]\": 0, \"[UNK]\": 1, \"hello\": 2, \"world\": "
    "3, \"##s\": 4, \"un\": 5, \"##able\": 6, \",\": 7, \"!\": 8, "
    "\"cafe\": 9, \"\\u6771\": 10, \"$\": 11, \"a\": 12, \"##a\": 13, "
    "\"\\u00df\": 14, \"[\": 15, \"]\": 16, \"pad\": 17}}}";

static tok_tokenizer *load(const char *json)
{
	tok_tokenizer *t;
	int rc = tok_load(json, strlen(json), "test.json", &t);
	if (rc)
		fail_msg("load: %d %s", rc, sl_errmsg());
	return t;
}

/* Tokenizes s (len < 0: strlen) and compares with the n ids given. */
static void expect_ids(const tok_tokenizer *t, const char *s, long len,
                       size_t n, ...)
{
	uint32_t ids[64];
	size_t got;
	size_t l = len < 0 ? strlen(s) : (size_t)len;
	assert_int_equal(tok_encode(t, s, l, SIZE_MAX, ids, 64, &got), 0);
	va_list ap;
	va_start(ap, n);
	if (got != n)
		fail_msg("\"%s\": %zu ids, want %zu (first %u)", s, got, n,
		         got ? ids[0] : 0);
	for (size_t i = 0; i < n; i++) {
		unsigned want = va_arg(ap, unsigned);
		if (ids[i] != want)
			fail_msg("\"%s\": id %zu is %u, want %u", s, i, ids[i],
			         want);
	}
	va_end(ap);
}

static void test_wordpiece(void **state)
{
	(void)state;
	tok_tokenizer *t = load(wp_json);
	expect_ids(t, "Hello, WORLDs!", -1, 5, 2, 7, 3, 4, 8);
	expect_ids(t, "unable", -1, 2, 5, 6);
	expect_ids(t, "xyz hello", -1, 1, 2); /* unknown word dropped */
	expect_ids(t, "unablex", -1, 0);      /* partial match -> [UNK] */
	expect_ids(t, "aaaaaaaa", -1, 8, 12, 13, 13, 13, 13, 13, 13, 13);
	expect_ids(t, "aaaaaaaaa", -1, 0); /* 9 chars > 8 -> [UNK] */
	expect_ids(t, "Café", -1, 1, 9);
	expect_ids(t, "CAFE\xCC\x81", -1, 1, 9); /* combining acute */
	expect_ids(t, "\xE6\x9D\xB1\xE4\xBA\xAC", -1, 1, 10); /* 東京 */
	expect_ids(t, "hello$world", -1, 3, 2, 11, 3);
	expect_ids(t, "hel\x01lo\tworld\n", -1, 2, 2, 3);
	expect_ids(t, "  \t\r\n ", -1, 0);
	expect_ids(t, "", -1, 0);
	expect_ids(t, "hello \0 world", 13, 2, 2, 3); /* NUL is removed */
	expect_ids(t, "hel\0lo", 6, 1, 2);
	expect_ids(t, "\xC3\x9F", -1, 1, 14); /* sharp s lowercase stays */
	tok_free(t);
}

static void test_added_tokens(void **state)
{
	(void)state;
	tok_tokenizer *t = load(wp_json);
	/* Added tokens are split out of the raw text first: [PAD] is id 0
	 * (kept), [UNK] is dropped; a lowercase [pad] is not one. */
	expect_ids(t, "hello[PAD]world", -1, 3, 2, 0, 3);
	expect_ids(t, "hello [UNK] world", -1, 2, 2, 3);
	expect_ids(t, "[pad]", -1, 3, 15, 17, 16);
	expect_ids(t, "[PAD", -1, 2, 15, 17);
	tok_free(t);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	tok_tokenizer *t = load(wp_json);
	/* each bad byte is one U+FFFD, which the normalizer deletes */
	expect_ids(t, "\xFF\xFEhello\xC3", -1, 1, 2);
	expect_ids(t, "hel\xC0\xAFlo", -1, 1, 2);
	expect_ids(t, "hello \xED\xA0\x80world", -1, 2, 2, 3); /* surrogate */
	expect_ids(t, "\xF4\x90\x80\x80", -1, 0);              /* > U+10FFFF */
	expect_ids(t, "\xE6\x9D", -1, 0); /* truncated sequence */
	tok_free(t);
}

static void test_limits(void **state)
{
	(void)state;
	tok_tokenizer *t = load(wp_json);
	uint32_t ids[8];
	size_t n;
	const char *s = "hello world hello world";
	assert_int_equal(tok_encode(t, s, strlen(s), SIZE_MAX, ids, 3, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(tok_encode(t, s, strlen(s), 5, ids, 8, &n), 0);
	assert_int_equal(n, 1); /* first 5 characters: "hello" */
	assert_int_equal(tok_encode(t, "Café x", 7, 4, ids, 8, &n), 0);
	assert_int_equal(n, 1); /* 4 code points, not bytes */
	assert_int_equal(tok_encode(t, s, strlen(s), SIZE_MAX, NULL, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tok_vocab_size(t), 18);
	assert_int_equal(tok_id_bound(t), 18);
	assert_int_equal(tok_dropped_id(t), 1);
	/* code-point lengths sorted: eight 1s, 2, 3, 3, 3, 4, 5, 5, 5, 5,
	 * 6 -> middle pair (2, 3) -> int(2.5) = 2 */
	assert_int_equal(tok_median_len(t), 2);
	size_t len;
	const char *tx = tok_token(t, 6, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(tx, "##able", 6);
	assert_null(tok_token(t, 99, &len));
	tok_free(t);
}

static const char uni_json[] =
    "{\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": ["
    "{\"type\": \"BertNormalizer\", \"clean_text\": true, "
    "\"handle_chinese_chars\": true, \"strip_accents\": null, "
    "\"lowercase\": true},"
    "{\"type\": \"Replace\", \"pattern\": {\"String\": \".\"}, "
    "\"content\": \" . \"},"
    "{\"type\": \"Replace\", \"pattern\": {\"Regex\": \"\\\\s+\"}, "
    "\"content\": \" \"},"
    "{\"type\": \"Strip\", \"strip_left\": true, \"strip_right\": true}]},"
    "\"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": "
    "\"\\u2581\", \"prepend_scheme\": \"always\", \"split\": false},"
    "\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": ["
    "[\"<unk>\", 0], [\"\\u2581a\", -1], [\"\\u2581ab\", -1.5], "
    "[\"b\", -2], [\"\\u2581\", -3], [\"a\", -2.5], [\"\\u2581.\", -1], "
    "[\"c\", -9], [\"cd\", -1], [\"d\", -1], [\"xy\", -1]]}}";

static void test_unigram(void **state)
{
	(void)state;
	tok_tokenizer *t = load(uni_json);
	expect_ids(t, "ab", -1, 1, 2); /* "▁ab" -1.5 beats "▁a"+"b" -3 */
	expect_ids(t, "AB a", -1, 2, 2, 1); /* lowercased, two words */
	expect_ids(t, "a.", -1, 2, 1, 6);   /* Replace + \s+ + Strip */
	expect_ids(t, "  ab  ", -1, 1, 2);
	expect_ids(t, "cd", -1, 2, 4, 8); /* "▁" + "cd" (-4) vs c+d */
	/* z is unknown: "\u2581a", then one fused [UNK] (kept: the reference
	 * keeps Unigram's unknown id), then b */
	expect_ids(t, "azzb", -1, 3, 1, 0, 3);
	expect_ids(t, "zz", -1, 2, 4, 0);
	expect_ids(t, "xy", -1, 2, 4, 10);
	expect_ids(t, "", -1, 0);
	expect_ids(t, "   ", -1, 0);
	assert_int_equal(tok_dropped_id(t), -1);
	tok_free(t);
}

static void test_other_components(void **state)
{
	(void)state;
	/* NFKC + Lowercase + Whitespace pre-tokenizer + WordLevel */
	tok_tokenizer *t =
	    load("{\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": "
	         "[{\"type\": \"NFKC\"}, {\"type\": \"Lowercase\"}]},"
	         "\"pre_tokenizer\": {\"type\": \"Whitespace\"},"
	         "\"model\": {\"type\": \"WordLevel\", \"unk_token\": \"<u>\", "
	         "\"vocab\": {\"<u>\": 0, \"fi\": 1, \"x\": 2, \"!?\": 3, "
	         "\"\\u00e9\": 4}}}");
	expect_ids(t, "\xEF\xAC\x81 X!? e\xCC\x81", -1, 4, 1, 2, 3, 4);
	expect_ids(t, "x_y", -1, 0); /* one \\w+ word, unknown */
	tok_free(t);
	/* NFD + StripAccents + WhitespaceSplit + Prepend */
	t = load("{\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": "
	         "[{\"type\": \"NFD\"}, {\"type\": \"StripAccents\"}, "
	         "{\"type\": \"Prepend\", \"prepend\": \"_\"}]},"
	         "\"pre_tokenizer\": {\"type\": \"WhitespaceSplit\"},"
	         "\"model\": {\"type\": \"WordLevel\", \"unk_token\": \"?\", "
	         "\"vocab\": {\"?\": 0, \"_cafe\": 1, \"x,\": 2}}}");
	expect_ids(t, "caf\xC3\xA9 x,", -1, 2, 1, 2);
	tok_free(t);
	/* Metaspace with split, legacy add_prefix_space */
	t = load("{\"pre_tokenizer\": {\"type\": \"Metaspace\", "
	         "\"replacement\": \"_\", \"add_prefix_space\": true},"
	         "\"model\": {\"type\": \"WordLevel\", \"unk_token\": \"?\", "
	         "\"vocab\": {\"?\": 0, \"_a\": 1, \"_b\": 2, \"_\": 3}}}");
	expect_ids(t, "a b  a", -1, 4, 1, 2, 3, 1);
	tok_free(t);
}

/* tokenizer.json "truncation": the first max_length ids, counted before
 * unknown ids are dropped. */
static void test_truncation(void **state)
{
	(void)state;
	tok_tokenizer *t = load(
	    "{\"truncation\": {\"direction\": \"Right\", \"max_length\": 3, "
	    "\"strategy\": \"LongestFirst\", \"stride\": 0},"
	    "\"pre_tokenizer\": {\"type\": \"WhitespaceSplit\"},"
	    "\"model\": {\"type\": \"WordLevel\", \"unk_token\": \"?\", "
	    "\"vocab\": {\"?\": 0, \"a\": 1, \"b\": 2}}}");
	expect_ids(t, "a b a b", -1, 3, 1, 2, 1);
	expect_ids(t, "a zz b a", -1, 2, 1, 2);
	tok_free(t);
}

/* Normalizers that multiply the text fail with INVALID instead of
 * exhausting memory (a fuzzing finding: 30 Replace steps doubling it). */
static void test_blowup(void **state)
{
	(void)state;
	char json[4096];
	size_t k = (size_t)snprintf(json, sizeof json,
	                            "{\"normalizer\": {\"type\": \"Sequence\", "
	                            "\"normalizers\": [");
	for (int i = 0; i < 30; i++)
		k += (size_t)snprintf(
		    json + k, sizeof json - k,
		    "%s{\"type\": \"Replace\", \"pattern\": "
		    "{\"String\": \"a\"}, \"content\": \"aa\"}",
		    i ? ", " : "");
	snprintf(json + k, sizeof json - k,
	         "]}, \"model\": {\"type\": \"WordLevel\", \"vocab\": "
	         "{\"a\": 0}}}");
	tok_tokenizer *t = load(json);
	uint32_t ids[4];
	size_t n;
	assert_int_equal(tok_encode(t, "aaaa", 4, SIZE_MAX, ids, 4, &n),
	                 SEMLITE_INVALID);
	assert_non_null(strstr(sl_errmsg(), "grows"));
	assert_int_equal(tok_encode(t, "bbbb", 4, SIZE_MAX, ids, 4, &n), 0);
	tok_free(t);
}

static void test_rejects(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		int rc;
	} bad[] = {
	    {"{\"model\": {\"type\": \"Unigram\", \"byte_fallback\": true, "
	     "\"vocab\": []}}",
	     SEMLITE_UNSUPPORTED},
	    {"{\"normalizer\": {\"type\": \"Replace\", \"pattern\": "
	     "{\"Regex\": \"[a-z]+\"}, \"content\": \"\"}, \"model\": "
	     "{\"type\": \"WordLevel\", \"vocab\": {}}}",
	     SEMLITE_UNSUPPORTED},
	    {"{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": "
	     "-1}}}",
	     SEMLITE_CORRUPT},
	    {"{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": "
	     "99999999}}}",
	     SEMLITE_CORRUPT},
	    {"{\"model\": {\"type\": \"Unigram\", \"unk_id\": 5, "
	     "\"vocab\": [[\"a\", 0]]}}",
	     SEMLITE_CORRUPT},
	    {"{\"added_tokens\": [{\"id\": 0, \"content\": \"x\", "
	     "\"lstrip\": true}], \"model\": {\"type\": \"WordLevel\", "
	     "\"vocab\": {\"x\": 0}}}",
	     SEMLITE_UNSUPPORTED},
	    {"{\"truncation\": {\"max_length\": 5, \"direction\": \"Left\"}, "
	     "\"model\": {\"type\": "
	     "\"WordLevel\", \"vocab\": {\"x\": 0}}}",
	     SEMLITE_UNSUPPORTED},
	    {"[]", SEMLITE_CORRUPT},
	    {"{}", SEMLITE_CORRUPT},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tok_tokenizer *t = (tok_tokenizer *)1;
		int rc =
		    tok_load(bad[i].json, strlen(bad[i].json), "t.json", &t);
		if (rc != bad[i].rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc,
			         bad[i].rc, sl_errmsg());
		assert_null(t);
		assert_non_null(strstr(sl_errmsg(), "t.json"));
	}
}

/* Every allocation failure surfaces as NOMEM, with nothing leaked (ASan
 * builds check the leaks). */
static void test_nomem(void **state)
{
	(void)state;
	for (long k = 0;; k++) {
		tok_tokenizer *t = NULL;
		sl_fault_set(k);
		int rc = tok_load(uni_json, strlen(uni_json), "t.json", &t);
		uint32_t ids[8];
		size_t n = 0;
		int rc2 = rc ? rc : tok_encode(t, "ab cd", 5, 99, ids, 8, &n);
		long hits = sl_fault_hits();
		sl_fault_clear();
		tok_free(t);
		if (!hits) {
			assert_int_equal(rc2, 0);
			break;
		}
		assert_true(rc == SEMLITE_NOMEM || rc2 == SEMLITE_NOMEM);
	}
}

typedef struct thr {
	const tok_tokenizer *t;
	int bad;
} thr;

static void *worker(void *arg)
{
	thr *w = arg;
	for (int i = 0; i < 2000; i++) {
		uint32_t ids[16];
		size_t n;
		const char *s = i & 1 ? "Hello, WORLDs! unable" : "Café 東";
		if (tok_encode(w->t, s, strlen(s), SIZE_MAX, ids, 16, &n) ||
		    n != (i & 1 ? 7u : 2u))
			w->bad++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	tok_tokenizer *t = load(wp_json);
	pthread_t th[4];
	thr w[4];
	for (int i = 0; i < 4; i++) {
		w[i].t = t;
		w[i].bad = 0;
		assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]),
		                 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].bad, 0);
	}
	tok_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wordpiece),
	    cmocka_unit_test(test_added_tokens),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_unigram),
	    cmocka_unit_test(test_other_components),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_blowup),
	    cmocka_unit_test(test_rejects),
	    cmocka_unit_test(test_nomem),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
