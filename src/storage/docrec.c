/*
 * docrec.c — document records: external id, text and metadata in one zstd
 * frame.
 *
 * One frame per document keeps a get() to one B-tree lookup and one small
 * decompression, and lets a document be replaced or deleted on its own.
 * Short documents compress poorly alone, so a collection can carry a zstd
 * dictionary trained from its documents (api/txn.c trains it); frames
 * do not name it (the dictID would cost 4 bytes a document): the one
 * dictionary of the collection decodes every frame, and frames written
 * before it existed decode the same with it. Frames carry their content size
 * and a content checksum, so zstd validates every record on the way out; we
 * additionally require the frame to span the whole value and the payload
 * lengths to add up.
 *
 * The codec's contexts allocate through sl_malloc (ZSTD_customMem), so
 * fault injection reaches them too.
 *
 * Rejected: compressing text and metadata separately (metadata is usually
 * tiny and compresses better with the text), and a block of several
 * documents per frame (better ratio, but every point read would
 * decompress neighbours).
 */
#define ZSTD_STATIC_LINKING_ONLY
#include "storage/store.h"

#include <pthread.h>
#include <string.h>
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>
#include <zstd.h>
#include <zstd_errors.h>

#define STORE_ZSTD_LEVEL 3

struct store_codec {
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	const store_dict *dict; /* borrowed */
	uint8_t *raw;           /* assembled / decompressed payload */
	size_t raw_cap;
	uint8_t *frame; /* compressed output */
	size_t frame_cap;
};

static void *zalloc(void *opaque, size_t n)
{
	(void)opaque;
	return sl_malloc(n);
}

static void zfree(void *opaque, void *p)
{
	(void)opaque;
	sl_free(p);
}

static const ZSTD_customMem zmem = {zalloc, zfree, NULL};

int store_codec_new(store_codec **out)
{
	*out = sl_calloc(1, sizeof **out);
	return *out ? SEMLITE_OK : sl_err(SEMLITE_NOMEM, "codec");
}

struct store_dict {
	uint8_t *bytes;
	size_t len;
	unsigned id;
	/* Made on the first compression (dict_cdict), under mu: a reader
	 * only ever decodes, and building the match tables cost the first
	 * search of a freshly opened 1M file ~100 page faults and 1-4 ms
	 * (issue 6). */
	ZSTD_CDict *cdict;
	pthread_mutex_t mu;
	ZSTD_DDict *ddict;
};

/* The compression side of d, made once; NULL without memory. Compression
 * is a write path (one call per document put), so a plain lock suffices. */
static ZSTD_CDict *dict_cdict(const store_dict *cd)
{
	store_dict *d = (store_dict *)cd; /* lazily filled, see above */
	pthread_mutex_lock(&d->mu);
	if (!d->cdict) {
		ZSTD_compressionParameters par =
		    ZSTD_getCParams(STORE_ZSTD_LEVEL, 0, d->len);
		d->cdict = ZSTD_createCDict_advanced(
		    d->bytes, d->len, ZSTD_dlm_byRef, ZSTD_dct_auto, par, zmem);
	}
	ZSTD_CDict *cp = d->cdict;
	pthread_mutex_unlock(&d->mu);
	return cp;
}

void store_dict_free(store_dict *d)
{
	if (!d)
		return;
	ZSTD_freeCDict(d->cdict);
	pthread_mutex_destroy(&d->mu);
	ZSTD_freeDDict(d->ddict);
	sl_free(d->bytes);
	sl_free(d);
}

int store_dict_new(const void *p, size_t n, store_dict **out)
{
	*out = NULL;
	unsigned id = ZDICT_getDictID(p, n);
	if (!id)
		return sl_err(SEMLITE_CORRUPT, "meta: not a zstd dictionary");
	store_dict *d = sl_calloc(1, sizeof *d);
	if (!d || !(d->bytes = sl_malloc(n))) {
		sl_free(d);
		return sl_err(SEMLITE_NOMEM, "zstd dictionary");
	}
	memcpy(d->bytes, p, n);
	d->len = n;
	d->id = id;
	pthread_mutex_init(&d->mu, NULL);
	d->ddict = ZSTD_createDDict_advanced(d->bytes, n, ZSTD_dlm_byRef,
	                                     ZSTD_dct_auto, zmem);
	if (!d->ddict) {
		store_dict_free(d);
		/* A stored dictionary zstd rejects is damage; allocation
		 * failures also land here, indistinguishably. */
		return sl_err(SEMLITE_CORRUPT,
		              "meta: unusable zstd dictionary");
	}
	*out = d;
	return SEMLITE_OK;
}

void store_codec_free(store_codec *c)
{
	if (!c)
		return;
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeDCtx(c->dctx);
	sl_free(c->raw);
	sl_free(c->frame);
	sl_free(c);
}

unsigned store_dict_id(const store_dict *d)
{
	return d ? d->id : 0;
}

unsigned store_dict_id_of(const void *p, size_t n)
{
	return ZDICT_getDictID(p, n);
}

void store_codec_use_dict(store_codec *c, const store_dict *d)
{
	c->dict = d;
}

static int reserve(uint8_t **buf, size_t *cap, size_t n)
{
	if (n <= *cap)
		return SEMLITE_OK;
	size_t want = *cap ? *cap : 4096;
	while (want < n)
		want *= 2;
	uint8_t *p = sl_realloc(*buf, want);
	if (!p)
		return sl_err(SEMLITE_NOMEM, "codec buffer of %zu bytes", want);
	*buf = p;
	*cap = want;
	return SEMLITE_OK;
}

static int ensure_cctx(store_codec *c)
{
	if (c->cctx)
		return SEMLITE_OK;
	c->cctx = ZSTD_createCCtx_advanced(zmem);
	if (!c->cctx)
		return sl_err(SEMLITE_NOMEM, "zstd compression context");
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_compressionLevel,
	                       STORE_ZSTD_LEVEL);
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_contentSizeFlag, 1);
	/* No dictID in the frame (4 bytes a document, 0.9 % of Gutenberg's
	 * payload): a collection has one dictionary at a time, frames are
	 * decoded with it, and the content checksum rejects a frame that
	 * would decode wrongly. */
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_dictIDFlag, 0);
	return SEMLITE_OK;
}

int store_doc_encode(store_codec *c, const store_doc *d, const void **frame,
                     size_t *n)
{
	size_t len =
	    (size_t)STORE_DOC_HEADER + d->ext_len + d->text_len + d->meta_len;
	if (len > STORE_MAX_DOC)
		return sl_err(SEMLITE_INVALID,
		              "document of %zu bytes (limit %u)", len,
		              STORE_MAX_DOC);
	int rc = ensure_cctx(c);
	if (!rc)
		rc = reserve(&c->raw, &c->raw_cap, len);
	if (!rc)
		rc = reserve(&c->frame, &c->frame_cap, ZSTD_compressBound(len));
	if (rc)
		return rc;
	uint8_t *p = c->raw;
	p[0] = 1;
	sl_store_u32le(p + 1, d->ext_len);
	sl_store_u32le(p + 5, d->text_len);
	sl_store_u32le(p + 9, d->meta_len);
	p += STORE_DOC_HEADER;
	memcpy(p, d->ext, d->ext_len);
	if (d->text_len)
		memcpy(p + d->ext_len, d->text, d->text_len);
	if (d->meta_len)
		memcpy(p + d->ext_len + d->text_len, d->meta, d->meta_len);
	ZSTD_CDict *cd = NULL;
	if (c->dict && !(cd = dict_cdict(c->dict)))
		return sl_err(SEMLITE_CORRUPT,
		              "meta: unusable zstd dictionary (or no memory)");
	ZSTD_CCtx_refCDict(c->cctx, cd);
	size_t z = ZSTD_compress2(c->cctx, c->frame, c->frame_cap, c->raw, len);
	if (ZSTD_isError(z)) {
		ZSTD_CCtx_reset(c->cctx, ZSTD_reset_session_only);
		if (ZSTD_getErrorCode(z) == ZSTD_error_memory_allocation)
			return sl_err(SEMLITE_NOMEM, "zstd compression");
		return sl_err(SEMLITE_INTERNAL, "zstd: %s",
		              ZSTD_getErrorName(z));
	}
	*frame = c->frame;
	*n = z;
	return SEMLITE_OK;
}

int store_doc_payload_size(const void *frame, size_t n, uint64_t *out)
{
	unsigned long long sz = ZSTD_getFrameContentSize(frame, n);
	if (sz == ZSTD_CONTENTSIZE_ERROR || sz == ZSTD_CONTENTSIZE_UNKNOWN ||
	    sz < STORE_DOC_HEADER || sz > STORE_MAX_DOC)
		return sl_err(SEMLITE_CORRUPT, "docs: bad zstd frame header");
	size_t fz = ZSTD_findFrameCompressedSize(frame, n);
	if (ZSTD_isError(fz) || fz != n)
		return sl_err(SEMLITE_CORRUPT,
		              "docs: zstd frame does not span the record");
	*out = sz;
	return SEMLITE_OK;
}

static int parse_payload(const uint8_t *p, size_t n, store_doc *d)
{
	if (n < STORE_DOC_HEADER || p[0] != 1)
		return sl_err(SEMLITE_CORRUPT, "docs: bad record header");
	uint64_t a = sl_load_u32le(p + 1), b = sl_load_u32le(p + 5),
	         m = sl_load_u32le(p + 9);
	if (STORE_DOC_HEADER + a + b + m != n || a == 0 || a > STORE_MAX_EXT_ID)
		return sl_err(SEMLITE_CORRUPT,
		              "docs: record lengths do not add up");
	d->ext = (const char *)p + STORE_DOC_HEADER;
	d->ext_len = (uint32_t)a;
	d->text = d->ext + a;
	d->text_len = (uint32_t)b;
	d->meta = d->text + b;
	d->meta_len = (uint32_t)m;
	return SEMLITE_OK;
}

int store_doc_decode(store_codec *c, const void *frame, size_t n, store_doc *d)
{
	uint64_t sz = 0;
	int rc = store_doc_payload_size(frame, n, &sz);
	if (rc)
		return rc;
	unsigned id = ZSTD_getDictID_fromFrame(frame, n);
	if (id && (!c->dict || id != c->dict->id))
		return sl_err(SEMLITE_CORRUPT,
		              "docs: frame needs zstd dictionary %u", id);
	if (!c->dctx && !(c->dctx = ZSTD_createDCtx_advanced(zmem)))
		return sl_err(SEMLITE_NOMEM, "zstd decompression context");
	/* One spare byte so callers may NUL-terminate a view. */
	rc = reserve(&c->raw, &c->raw_cap, (size_t)sz + 1);
	if (rc)
		return rc;
	/* Frames do not name the dictionary (ensure_cctx): decode with the
	 * collection's whenever it has one. A frame written before the
	 * first dictionary decodes the same with it (its first block cannot
	 * refer to dictionary content or tables). */
	size_t got =
	    c->dict
	        ? ZSTD_decompress_usingDDict(c->dctx, c->raw, (size_t)sz, frame,
	                                     n, c->dict->ddict)
	        : ZSTD_decompressDCtx(c->dctx, c->raw, (size_t)sz, frame, n);
	if (ZSTD_isError(got)) {
		if (ZSTD_getErrorCode(got) == ZSTD_error_memory_allocation)
			return sl_err(SEMLITE_NOMEM, "zstd decompression");
		return sl_err(SEMLITE_CORRUPT, "docs: zstd: %s",
		              ZSTD_getErrorName(got));
	}
	if (got != sz)
		return sl_err(SEMLITE_CORRUPT, "docs: short zstd frame");
	return parse_payload(c->raw, got, d);
}

/* fastCover with fixed segment/dmer sizes: ZDICT_trainFromBuffer()
 * searches k and d by training dozens of candidates (0.3-2 s per
 * training of a 256 KiB dictionary, paid three times in the first 100k
 * documents); on Gutenberg paragraphs the search settled on d = 8,
 * k ~ 512, and one training with those is ~4x faster and stored 42.2 %
 * instead of 43.0 % of the payload (bench_ingest zgrid, RESULTS.md). */
int store_dict_train(const void *samples, const size_t *sizes, unsigned n,
                     void *dict, size_t cap, size_t *out)
{
	ZDICT_fastCover_params_t p;
	memset(&p, 0, sizeof p);
	p.k = 512;
	p.d = 8;
	p.zParams.compressionLevel = STORE_ZSTD_LEVEL;
	size_t z =
	    ZDICT_trainFromBuffer_fastCover(dict, cap, samples, sizes, n, p);
	if (ZDICT_isError(z))
		return sl_err(SEMLITE_INVALID, "zstd dictionary training: %s",
		              ZDICT_getErrorName(z));
	*out = z;
	return SEMLITE_OK;
}
