/* Unit tests of the sentence-boundary chunker (src/filter/chunk.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "filter/chunk.h"

static size_t words_in(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\n' &&
		    (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\n'))
			w++;
	return w;
}

static void test_sentences(void **state)
{
	(void)state;
	const char *t = "One two three. Four five six! Seven eight? Nine ten.";
	filt_chunk *c;
	size_t n;
	/* max 6 tokens, no overlap: [One..three. Four..six!] = 6, then
	 * [Seven..? Nine ten.] = 4 */
	assert_int_equal(
	    filt_chunk_text(t, strlen(t), 6, 0, NULL, NULL, &c, &n),
	    SEMLITE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].start, 0);
	assert_int_equal(c[0].tokens, 6);
	assert_memory_equal(t + c[0].start, "One two three. Four five six!",
	                    c[0].end - c[0].start);
	assert_int_equal(c[0].end - c[0].start, 29);
	assert_memory_equal(t + c[1].start, "Seven eight? Nine ten.", 22);
	assert_int_equal(c[1].end, strlen(t));
	sl_free(c);
	/* overlap 3: the second chunk repeats "Four five six!" */
	assert_int_equal(
	    filt_chunk_text(t, strlen(t), 6, 3, NULL, NULL, &c, &n),
	    SEMLITE_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(t + c[1].start, "Four five six! Seven eight?", 27);
	assert_int_equal(c[1].end - c[1].start, 27);
	sl_free(c);
}

static void test_abbreviations_and_paragraphs(void **state)
{
	(void)state;
	const char *t = "Cells (e.g. neurons) grow, see Fig. 2 by J. Smith et "
	                "al. in vitro. Now a new one.\n\nlower case para";
	filt_chunk *c;
	size_t n;
	/* max 14 words: the first sentence has 14 words and must not be cut
	 * at "e.g." "Fig." "J." or "al." */
	assert_int_equal(
	    filt_chunk_text(t, strlen(t), 14, 0, NULL, NULL, &c, &n),
	    SEMLITE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].tokens, 14);
	assert_memory_equal(t + c[0].end - 9, "in vitro.", 9);
	/* "Now a new one." + paragraph break + "lower case para" */
	assert_memory_equal(t + c[1].start, "Now a new one.", 14);
	assert_int_equal(c[1].tokens, 7);
	sl_free(c);
	assert_int_equal(
	    filt_chunk_text(t, strlen(t), 7, 0, NULL, NULL, &c, &n),
	    SEMLITE_OK);
	/* the long sentence is cut at word boundaries into 7 + 7 words;
	 * then the two short sentences fit one chunk */
	assert_int_equal(n, 3);
	assert_int_equal(c[0].tokens, 7);
	assert_int_equal(c[1].tokens, 7);
	assert_memory_equal(t + c[2].start, "Now a new one.", 14);
	sl_free(c);
	/* a lower-case word after a full stop does not start a sentence */
	const char *u = "It was 5 p.m. the end. Next one.";
	assert_int_equal(
	    filt_chunk_text(u, strlen(u), 7, 0, NULL, NULL, &c, &n),
	    SEMLITE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].tokens, 6);
	sl_free(c);
}

static size_t count_chars(void *ctx, const char *w, size_t n)
{
	(void)ctx;
	(void)w;
	return n; /* one token per byte: exercises a custom counter */
}

static void test_random_invariants(void **state)
{
	(void)state;
	sl_rng r;
	sl_rng_seed(&r, 99);
	static const char *pieces[] = {"alpha", "beta.", "Gamma", "delta!",
	                               "\n\n",  "e.g.",  "x",     "Omega?"};
	char text[4000];
	for (int round = 0; round < 200; round++) {
		size_t len = 0, nw = 1 + sl_rng_next(&r) % 300;
		for (size_t i = 0; i < nw; i++)
			len += (size_t)snprintf(text + len, sizeof text - len,
			                        "%s ",
			                        pieces[sl_rng_next(&r) % 8]);
		size_t max = 1 + sl_rng_next(&r) % 30;
		size_t ov = sl_rng_next(&r) % max;
		bool chars = round % 2;
		filt_chunk *c;
		size_t n;
		assert_int_equal(filt_chunk_text(text, len, max, ov,
		                                 chars ? count_chars : NULL,
		                                 NULL, &c, &n),
		                 SEMLITE_OK);
		size_t covered = 0;
		for (size_t i = 0; i < n; i++) {
			if (c[i].start < covered) /* overlap */
				covered = c[i].start;
			/* in bounds, moving forward, covering every byte of
			 * text between the chunks' starts */
			assert_true(c[i].start < c[i].end && c[i].end <= len);
			assert_true(i == 0 || c[i].start > c[i - 1].start);
			for (size_t b = covered; b < c[i].start; b++)
				assert_true(text[b] == ' ' || text[b] == '\n');
			covered = c[i].end;
			/* within the budget unless one word alone exceeds it */
			size_t words =
			    words_in(text + c[i].start, c[i].end - c[i].start);
			assert_true(c[i].tokens <= max || words == 1);
			if (!chars)
				assert_int_equal(c[i].tokens, words);
		}
		sl_free(c);
	}
}

static void test_edges(void **state)
{
	(void)state;
	filt_chunk *c;
	size_t n;
	assert_int_equal(
	    filt_chunk_text("   \n ", 5, 10, 2, NULL, NULL, &c, &n),
	    SEMLITE_OK);
	assert_int_equal(n, 0);
	assert_null(c);
	assert_int_equal(filt_chunk_text("a b", 3, 0, 0, NULL, NULL, &c, &n),
	                 SEMLITE_INVALID);
	assert_int_equal(filt_chunk_text("a b", 3, 4, 4, NULL, NULL, &c, &n),
	                 SEMLITE_INVALID);
	for (long k = 0; k < 3; k++) {
		sl_fault_set(k);
		int rc =
		    filt_chunk_text("a b. C d.", 9, 2, 1, NULL, NULL, &c, &n);
		sl_fault_clear();
		assert_int_equal(rc, SEMLITE_NOMEM);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sentences),
	    cmocka_unit_test(test_abbreviations_and_paragraphs),
	    cmocka_unit_test(test_random_invariants),
	    cmocka_unit_test(test_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
