/*
 * fuzz_postings.c — libFuzzer target for stored keyword records: a term's
 * postings record and the collection statistics record.
 *
 * Each input is decoded as-is (almost always a checksum failure), and once
 * more with its trailing CRC-32C recomputed, so the fuzzer reaches the
 * header, bitmap and varint validation behind the checksum. Whatever
 * decodes must re-encode to a record that decodes to the same postings,
 * and must survive an edit (put + delete) through filt_post_apply.
 */
#include <stdlib.h>
#include <string.h>

#include "filter/postings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int rc)
{
	if (rc != SEMLITE_OK && rc != SEMLITE_CORRUPT && rc != SEMLITE_NOMEM)
		abort();
}

static void roundtrip(const filt_post *p)
{
	uint8_t *buf = NULL, *ed = NULL;
	size_t len = 0, elen = 0;
	filt_post q = {0}, s = {0};
	if (filt_post_encode(p, &buf, &len) != SEMLITE_OK)
		abort();
	if (filt_post_decode(buf, len, &q, "fuzz") != SEMLITE_OK || q.n != p->n)
		abort();
	for (size_t i = 0; i < p->n; i++)
		if (q.ids[i] != p->ids[i] || q.tf[i] != p->tf[i] ||
		    q.dl[i] != p->dl[i])
			abort();
	uint32_t id = p->n ? p->ids[p->n / 2] : 7;
	if (filt_post_apply(buf, len, id, 1, 1, true, &s, &ed, &elen, "fuzz"))
		abort();
	sl_free(ed);
	if (filt_post_apply(buf, len, id ^ 1, 2, 3, false, &s, &ed, &elen,
	                    "fuzz"))
		abort();
	sl_free(ed);
	sl_free(buf);
	filt_post_clear(&q);
	filt_post_clear(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	filt_post p = {0};
	filt_kw_stats st;
	check(filt_stats_decode(data, size, &st));
	check(filt_post_decode(data, size, &p, "fuzz"));
	if (size >= 4) {
		uint8_t *copy = malloc(size);
		if (!copy)
			return 0;
		memcpy(copy, data, size);
		sl_store_u32le(copy + size - 4, filt_crc32c(0, copy, size - 4));
		int rc = filt_post_decode(copy, size, &p, "fuzz");
		check(rc);
		if (rc == SEMLITE_OK)
			roundtrip(&p);
		free(copy);
	}
	filt_post_clear(&p);
	return 0;
}
