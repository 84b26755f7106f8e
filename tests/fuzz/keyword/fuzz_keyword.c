/*
 * fuzz_keyword.c — libFuzzer target for untrusted text: the keyword
 * analyzer (with and without stemming/stop words), the chunker, and a
 * BM25 query against a tiny index built from the same text.
 *
 * The first byte picks the analyzer options and chunk sizes; the rest is
 * the text. Checked properties: no crash, no leak, chunks in bounds and
 * moving forward, every BM25 hit an indexed document.
 */
#include <stdlib.h>
#include <string.h>

#include "filter/bm25.h"
#include "filter/chunk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_chunks(const char *t, size_t n, uint8_t sel)
{
	filt_chunk *c = NULL;
	size_t nc = 0, max = 1 + (sel >> 3) % 16, ov = (sel >> 2) % max;
	if (filt_chunk_text(t, n, max, ov, NULL, NULL, &c, &nc))
		return;
	for (size_t i = 0; i < nc; i++)
		if (c[i].start >= c[i].end || c[i].end > n ||
		    (i && c[i].start <= c[i - 1].start))
			abort();
	sl_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t sel = data[0];
	const char *t = (const char *)data + 1;
	size_t n = size - 1;
	filt_kw_opts o = {.stem = sel & 1, .stopwords = sel & 2};
	filt_kw *kw = NULL;
	filt_kwmem *m = NULL;
	filt_kw_bag bag = {0};
	fuzz_chunks(t, n, sel);
	if (filt_kw_new(&o, &kw) || filt_kwmem_new(&m))
		goto out;
	/* three documents: the whole text and its two halves */
	if (filt_kw_bag_build(kw, t, n, &bag) || filt_kwmem_add(m, 0, &bag) ||
	    filt_kw_bag_build(kw, t, n / 2, &bag) ||
	    filt_kwmem_add(m, 1, &bag) ||
	    filt_kw_bag_build(kw, t + n / 2, n - n / 2, &bag) ||
	    filt_kwmem_add(m, 2, &bag))
		goto out;
	filt_hit hits[4];
	size_t nh = 0;
	if (filt_bm25_search(kw, t, n < 200 ? n : 200, filt_kwmem_stats(m),
	                     NULL, filt_kwmem_lookup, m, NULL, 4, hits, &nh))
		goto out;
	for (size_t i = 0; i < nh; i++)
		if (hits[i].id > 2)
			abort();
out:
	filt_kw_bag_clear(&bag);
	filt_kwmem_free(m);
	filt_kw_free(kw);
	return 0;
}
