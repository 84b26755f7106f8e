/*
 * postings.c — encode, decode and edit a term's keyword postings record.
 *
 * Layout and contract: see postings.h. Design notes:
 *
 * - Self-contained records. Each posting carries its document's length
 *   next to the term frequency, so BM25 scores a term from its one record
 *   without a per-document lookup of lengths (Lucene keeps norms in a
 *   separate dense array; an LMDB get per posting would cost far more than
 *   the four bytes a varint length costs). A document's length appears only
 *   in the records of its own terms, which are rewritten anyway whenever
 *   the document changes, so lengths never go stale.
 * - Document ids as a CRoaring bitmap (portable format, run-optimized):
 *   compact for dense and sparse terms alike, and readable by any CRoaring
 *   to intersect with filter bitmaps. Frequencies follow as varints in id
 *   order.
 * - Decoding distrusts the bytes: CRC-32C first (catches torn or flipped
 *   bytes cheaply), then roaring's bounds-checked deserializer, then a walk
 *   of the bitmap that must be strictly increasing and hold exactly df ids,
 *   then exactly 2*df well-formed varints filling the rest. The decoded form
 *   is plain arrays, so nothing downstream touches a malformed container.
 *
 * Rejected: delta-coded ids in the record itself (slightly smaller for
 * sparse terms, but then every filter intersection would rebuild a bitmap)
 * and a dense per-collection doc-length array (one more record to rewrite
 * on every insert, and a second lookup per posting).
 */
#include "filter/postings.h"
#include "filter/filter.h"

#include <roaring/roaring.h>
#include <string.h>

static const uint32_t crc_table[256] = {
    0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
    0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
    0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
    0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
    0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
    0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
    0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
    0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
    0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
    0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
    0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
    0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
    0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
    0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
    0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
    0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
    0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
    0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
    0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
    0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
    0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
    0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
    0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
    0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
    0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
    0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
    0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
    0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
    0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
    0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
    0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
    0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
    0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
    0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
    0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
    0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
    0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
    0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
    0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
    0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
    0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
    0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
    0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

uint32_t filt_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- in-memory edits ----------------------------------------------------- */

void filt_post_clear(filt_post *p)
{
	if (!p)
		return;
	sl_free(p->ids);
	sl_free(p->tf);
	sl_free(p->dl);
	memset(p, 0, sizeof *p);
}

static int post_reserve(filt_post *p, size_t want)
{
	if (want <= p->cap)
		return SEMLITE_OK;
	size_t cap = p->cap ? p->cap : 16;
	while (cap < want)
		cap *= 2;
	uint32_t *a = sl_realloc(p->ids, cap * sizeof *a);
	if (!a)
		return sl_err(SEMLITE_NOMEM, "postings: out of memory");
	p->ids = a;
	a = sl_realloc(p->tf, cap * sizeof *a);
	if (!a)
		return sl_err(SEMLITE_NOMEM, "postings: out of memory");
	p->tf = a;
	a = sl_realloc(p->dl, cap * sizeof *a);
	if (!a)
		return sl_err(SEMLITE_NOMEM, "postings: out of memory");
	p->dl = a;
	p->cap = cap;
	return SEMLITE_OK;
}

/* First index whose id is >= id. */
static size_t lower_bound(const filt_post *p, uint32_t id)
{
	size_t lo = 0, hi = p->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long filt_post_find(const filt_post *p, uint32_t id)
{
	size_t i = lower_bound(p, id);
	return i < p->n && p->ids[i] == id ? (long)i : -1;
}

int filt_post_put(filt_post *p, uint32_t id, uint32_t tf, uint32_t dl)
{
	if (tf == 0 || dl < tf)
		return sl_err(SEMLITE_INVALID,
		              "postings: document %u: tf %u, length %u", id, tf,
		              dl);
	size_t i = p->n && p->ids[p->n - 1] < id ? p->n : lower_bound(p, id);
	if (i == p->n || p->ids[i] != id) {
		int rc = post_reserve(p, p->n + 1);
		if (rc)
			return rc;
		size_t tail = (p->n - i) * sizeof(uint32_t);
		memmove(p->ids + i + 1, p->ids + i, tail);
		memmove(p->tf + i + 1, p->tf + i, tail);
		memmove(p->dl + i + 1, p->dl + i, tail);
		p->n++;
		p->ids[i] = id;
	}
	p->tf[i] = tf;
	p->dl[i] = dl;
	return SEMLITE_OK;
}

bool filt_post_del(filt_post *p, uint32_t id)
{
	long at = filt_post_find(p, id);
	if (at < 0)
		return false;
	size_t i = (size_t)at, tail = (p->n - i - 1) * sizeof(uint32_t);
	memmove(p->ids + i, p->ids + i + 1, tail);
	memmove(p->tf + i, p->tf + i + 1, tail);
	memmove(p->dl + i, p->dl + i + 1, tail);
	p->n--;
	return true;
}

/* ---- encode -------------------------------------------------------------- */

#define POST_HEADER 12

int filt_post_encode(const filt_post *p, uint8_t **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	if (p->n > UINT32_MAX)
		return sl_err(SEMLITE_INVALID, "postings: too many documents");
	roaring_bitmap_t *bm = roaring_bitmap_of_ptr(p->n, p->ids);
	if (!bm)
		return sl_err(SEMLITE_NOMEM, "postings: out of memory");
	roaring_bitmap_run_optimize(bm);
	size_t nb = roaring_bitmap_portable_size_in_bytes(bm);
	size_t cap = POST_HEADER + nb + p->n * 10 + 4;
	uint8_t *out = sl_malloc(cap);
	if (!out) {
		roaring_bitmap_free(bm);
		return sl_err(SEMLITE_NOMEM, "postings: out of memory");
	}
	out[0] = FILT_POST_VERSION;
	out[1] = out[2] = out[3] = 0;
	sl_store_u32le(out + 4, (uint32_t)p->n);
	sl_store_u32le(out + 8, (uint32_t)nb);
	size_t w = POST_HEADER + roaring_bitmap_portable_serialize(
	                             bm, (char *)out + POST_HEADER);
	roaring_bitmap_free(bm);
	for (size_t i = 0; i < p->n; i++) {
		w += sl_varint_put(out + w, p->tf[i]);
		w += sl_varint_put(out + w, p->dl[i]);
	}
	sl_store_u32le(out + w, filt_crc32c(0, out, w));
	*buf = out;
	*len = w + 4;
	return SEMLITE_OK;
}

/* ---- decode -------------------------------------------------------------- */

/* Walks the deserialized bitmap into p->ids, checking order and count. */
static int decode_ids(const roaring_bitmap_t *bm, uint32_t df, filt_post *p,
                      const char *what)
{
	roaring_uint32_iterator_t it;
	roaring_init_iterator(bm, &it);
	size_t n = 0;
	for (; it.has_value; roaring_advance_uint32_iterator(&it)) {
		if (n == df || (n > 0 && it.current_value <= p->ids[n - 1]))
			return sl_err(SEMLITE_CORRUPT,
			              "postings %s: bitmap holds more than "
			              "df=%u ids or is out of order",
			              what, df);
		p->ids[n++] = it.current_value;
	}
	if (n != df)
		return sl_err(SEMLITE_CORRUPT,
		              "postings %s: bitmap holds %zu ids, df=%u", what,
		              n, df);
	return SEMLITE_OK;
}

static int decode_freqs(const uint8_t *in, size_t avail, uint32_t df,
                        filt_post *p, const char *what)
{
	size_t r = 0;
	for (uint32_t i = 0; i < df; i++) {
		size_t a = sl_varint_get(in + r, avail - r, &p->tf[i]);
		size_t b =
		    a ? sl_varint_get(in + r + a, avail - r - a, &p->dl[i]) : 0;
		if (!a || !b)
			return sl_err(SEMLITE_CORRUPT,
			              "postings %s: frequency %u is truncated "
			              "or malformed",
			              what, i);
		if (p->tf[i] == 0 || p->dl[i] < p->tf[i])
			return sl_err(SEMLITE_CORRUPT,
			              "postings %s: document %u has tf %u, "
			              "length %u",
			              what, p->ids[i], p->tf[i], p->dl[i]);
		r += a + b;
	}
	if (r != avail)
		return sl_err(SEMLITE_CORRUPT,
		              "postings %s: %zu stray bytes after the "
		              "frequencies",
		              what, avail - r);
	return SEMLITE_OK;
}

/* Checks the fixed header and CRC; on success *df and *nb are set. */
static int check_frame(const uint8_t *in, size_t len, uint32_t *df,
                       uint32_t *nb, const char *what)
{
	if (len < POST_HEADER + 4)
		return sl_err(SEMLITE_CORRUPT,
		              "postings %s: record of %zu bytes is too short",
		              what, len);
	if (sl_load_u32le(in + len - 4) != filt_crc32c(0, in, len - 4))
		return sl_err(SEMLITE_CORRUPT, "postings %s: checksum mismatch",
		              what);
	if (in[0] != FILT_POST_VERSION || in[1] || in[2] || in[3])
		return sl_err(SEMLITE_CORRUPT,
		              "postings %s: unknown version %u / flags", what,
		              in[0]);
	*df = sl_load_u32le(in + 4);
	*nb = sl_load_u32le(in + 8);
	size_t body = len - POST_HEADER - 4;
	/* each posting needs >= 2 varint bytes after the bitmap */
	if (*nb > body || (body - *nb) / 2 < *df)
		return sl_err(SEMLITE_CORRUPT,
		              "postings %s: df=%u / bitmap of %u bytes do not "
		              "fit a record of %zu bytes",
		              what, *df, *nb, len);
	return SEMLITE_OK;
}

int filt_post_decode(const void *buf, size_t len, filt_post *p,
                     const char *what)
{
	const uint8_t *in = buf;
	uint32_t df = 0, nb = 0;
	p->n = 0;
	if (!what)
		what = "record";
	int rc = check_frame(in, len, &df, &nb, what);
	if (rc)
		return rc;
	const char *bits = (const char *)in + POST_HEADER;
	/* CRoaring 0.2's deserializer prints to stderr when it fails and
	 * trusts the containers it reads: check the whole serialization
	 * first (silent), and only then deserialize. */
	if (!filt_roaring_wellformed(bits, nb) ||
	    roaring_bitmap_portable_deserialize_size(bits, nb) != nb)
		return sl_err(SEMLITE_CORRUPT,
		              "postings %s: bitmap is malformed", what);
	roaring_bitmap_t *bm =
	    roaring_bitmap_portable_deserialize_safe(bits, nb);
	if (!bm)
		return sl_err(SEMLITE_CORRUPT,
		              "postings %s: bitmap is malformed", what);
	rc = post_reserve(p, df);
	if (!rc)
		rc = decode_ids(bm, df, p, what);
	roaring_bitmap_free(bm);
	if (!rc)
		rc = decode_freqs(in + POST_HEADER + nb,
		                  len - POST_HEADER - 4 - nb, df, p, what);
	p->n = rc ? 0 : df;
	return rc;
}

int filt_post_apply(const void *old, size_t old_len, uint32_t id, uint32_t tf,
                    uint32_t dl, bool remove, filt_post *scratch, uint8_t **out,
                    size_t *out_len, const char *what)
{
	*out = NULL;
	*out_len = 0;
	filt_post_reset(scratch);
	int rc = SEMLITE_OK;
	if (old && old_len)
		rc = filt_post_decode(old, old_len, scratch, what);
	if (rc)
		return rc;
	if (remove)
		filt_post_del(scratch, id);
	else
		rc = filt_post_put(scratch, id, tf, dl);
	if (rc || scratch->n == 0)
		return rc;
	return filt_post_encode(scratch, out, out_len);
}

/* ---- statistics ------------------------------------------------------------
 */

void filt_stats_encode(const filt_kw_stats *s, uint8_t out[FILT_STATS_BYTES])
{
	sl_store_u32le(out, 1);
	sl_store_u64le(out + 4, s->n_docs);
	sl_store_u64le(out + 12, s->total_len);
	sl_store_u32le(out + 20, filt_crc32c(0, out, 20));
}

int filt_stats_decode(const void *buf, size_t len, filt_kw_stats *s)
{
	const uint8_t *in = buf;
	if (len != FILT_STATS_BYTES ||
	    sl_load_u32le(in + 20) != filt_crc32c(0, in, 20) ||
	    sl_load_u32le(in) != 1)
		return sl_err(SEMLITE_CORRUPT,
		              "keyword statistics record: bad length, version "
		              "or checksum");
	s->n_docs = sl_load_u64le(in + 4);
	s->total_len = sl_load_u64le(in + 12);
	return SEMLITE_OK;
}
