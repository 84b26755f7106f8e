/*
 * fuzz_records.c — every decoder of stored records on arbitrary bytes:
 * document frames (with and without a dictionary), checked records,
 * collection records, bitmaps, and zstd dictionaries. The first byte
 * picks the decoder. Decoders must reject or accept, never crash; an
 * accepted document must re-encode and decode to the same fields.
 */
#include <stdint.h>
#include <string.h>

#include "filter/filter.h"
#include "storage/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void doc_roundtrip(const uint8_t *p, size_t n)
{
	store_codec *c, *c2;
	if (store_codec_new(&c))
		return;
	if (store_codec_new(&c2)) {
		store_codec_free(c);
		return;
	}
	store_doc d, e;
	if (!store_doc_decode(c, p, n, &d)) {
		const void *frame;
		size_t fn;
		if (!store_doc_encode(c2, &d, &frame, &fn) &&
		    !store_doc_decode(c2, frame, fn, &e)) {
			if (e.ext_len != d.ext_len ||
			    e.text_len != d.text_len ||
			    e.meta_len != d.meta_len ||
			    memcmp(e.ext, d.ext, d.ext_len) ||
			    memcmp(e.text, d.text, d.text_len) ||
			    memcmp(e.meta, d.meta, d.meta_len))
				__builtin_trap();
		}
	}
	store_codec_free(c);
	store_codec_free(c2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	switch (data[0] % 6) {
	case 0:
		doc_roundtrip(p, n);
		break;
	case 1: {
		uint64_t sz;
		(void)store_doc_payload_size(p, n, &sz);
		break;
	}
	case 2: {
		const uint8_t *q;
		size_t qn;
		MDB_val v = {n, (void *)p};
		store_coll_rec r;
		if (!store_checked_view(STORE_DB_META, &v, &q, &qn))
			(void)store_coll_decode(q, qn, &r);
		(void)store_coll_decode(p, n, &r);
		break;
	}
	case 3: {
		roaring_bitmap_t *bm;
		if (!filt_bitmap_decode(p, n, &bm))
			filt_bitmap_free(bm);
		break;
	}
	case 4: {
		store_dict *d;
		if (!store_dict_new(p, n, &d))
			store_dict_free(d);
		break;
	}
	default:
		(void)filt_meta_scan((const char *)p, n, NULL, NULL);
		break;
	}
	return 0;
}
