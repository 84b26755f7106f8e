/*
 * format.h — the on-disk format of a semlite database, in one place.
 *
 * A database is one LMDB environment opened with MDB_NOSUBDIR: the data
 * file `x.semlite` and its lock file `x.semlite-lock`. LMDB gives us
 * crash-safe copy-on-write B+trees, one writer and any number of readers
 * (threads and processes), and zero-copy reads of the memory map. Inside
 * the environment live the named sub-databases described below. Nothing
 * else is stored; in particular there is no journal of our own.
 *
 * Byte order. Integers inside values are little-endian (sl_load_u32le).
 * Integers inside keys are big-endian so that LMDB's memcmp order is
 * numeric order: a cursor walks one collection's records in internal-id
 * order by seeking to the collection prefix.
 *
 * Collections. A database holds named collections; each gets a dense u32
 * `collection id` when created (never reused) and every per-collection key
 * starts with it (4 bytes, big-endian). Dropping a collection deletes all
 * its keys. Documents get dense u32 `internal ids` inside their collection
 * (CRoaring 0.2.x bitmaps are 32-bit); they are never reused either: an
 * upsert or a delete tombstones the old internal id and an upsert takes a
 * fresh one. That keeps ids stable for an index that still links to a
 * deleted node (the HNSW graph repairs around tombstones).
 *
 * Checked records. Every value we define ourselves (all meta records,
 * bitmaps, model chunks) is a "checked record": the payload followed by a
 * 4-byte CRC-32C of the payload (store_crc32c). Document records are zstd
 * frames written with the frame content checksum and content size, so zstd
 * itself validates them; vector records have a length fixed by the
 * collection's dimension, checked on every read. Any mismatch is reported as
 * SEMLITE_CORRUPT naming the sub-database and key, never trusted.
 *
 * Sub-databases
 * -------------
 *
 * meta      key                          value (checked record unless noted)
 *   "format"                             "SEMLITE\0" magic (8), u32 format
 *                                        version (STORE_FORMAT_VERSION).
 *                                        A different version opens as
 *                                        SEMLITE_VERSION.
 *   "next_collection"                    u32: the next collection id.
 *   "c:" NAME                            collection record, 64 bytes:
 *        0 u32 record version (1)       4 u32 collection id
 *        8 u32 dim                      12 u8 metric (STORE_METRIC_*)
 *       13 u8 precision (STORE_PREC_*)  14 u8 flags (bit 0: has a model,
 *                                        bit 1: no ANN index — searches
 *                                        scan exactly; links unused,
 *                                        bit 2: no keyword index —
 *                                        postings unused)
 *       15 u8 reserved (0)              16 u32 HNSW M
 *       20 u32 HNSW ef_construction     24 u64 seed
 *       32 u64 model hash (store_hash64 of the model blob; the pin)
 *       40 u64 model blob length        48 u32 model chunk count
 *       52 u32 ids per codes block    56 u32 ids per exact block (0
 *                                        for precision int8)
 *       60..63 reserved (0)
 *   'n' COLL                             counters, 32 bytes: u32 next
 *                                        internal id, u32 live documents,
 *                                        u64 payload bytes (uncompressed
 *                                        document records of live docs),
 *                                        u64 stored bytes (their zstd
 *                                        frames), u64 live documents
 *                                        when the dictionary was last
 *                                        trained (0: no dictionary).
 *   'z' COLL                             the collection's trained zstd
 *                                        dictionary (raw bytes). Absent
 *                                        until enough documents were seen.
 *                                        Frames do not name it: when
 *                                        it is retrained (each time
 *                                        the collection grew tenfold, from
 *                                        4,000 documents spread over all
 *                                        of it; up to 256 KiB) every
 *                                        document is
 *                                        recompressed in the same
 *                                        transaction.
 *   'h' COLL ...                         reserved for the HNSW index
 *                                        (entry point, top level).
 *   'p' COLL                             u64: internal ids compaction
 *                                        removed for good (no longer
 *                                        tombstoned; never reused).
 *                                        Absent means 0. live +
 *                                        tombstoned + this = next id.
 *   'e' COLL                             the default search breadth
 *                                        semlite_collection_tune
 *                                        measured, 12 bytes: u32 ef
 *                                        (1..1024), f32 the recall@10 it
 *                                        measured, u32 the live
 *                                        documents it measured on
 *                                        (files written before that
 *                                        count have 8 bytes, read as
 *                                        0: ef used as measured).
 *                                        Absent: ef 64.
 *
 * model     key: u64 model hash (BE) + u32 chunk number (BE)
 *           value: checked record, up to STORE_MODEL_CHUNK bytes of the
 *           model blob. Chunks are shared by collections pinned to the same
 *           hash. The blob is "SLMODEL1" (8), u32 file count (4), then four
 *           u64 lengths and the bytes of config.json,
 *           config_sentence_transformers.json, tokenizer.json and
 *           model.safetensors, in that order (absent files have length 0).
 *
 * docs      key: COLL + u32 internal id (BE)
 *           value: one zstd frame (content size + checksum flags set,
 *           no dictID: it is decoded with the collection's dictionary
 *           when the collection has one; frames written before the first
 *           dictionary decode the same with it).
 *           Decompressed: u8 record version (1), u32 external id length,
 *           u32 text length, u32 metadata length, then the three byte
 *           strings. Metadata is a JSON object or empty.
 *
 * ids       key: COLL + external id bytes (1..STORE_MAX_EXT_ID bytes)
 *           value: u32 internal id (exactly 4 bytes, not checked: its
 *           range is validated against the counters instead).
 *
 * codes     vector blocks (below) of code records: f32 scale, f32
 *           squared L2 norm of the stored vector, then dim int8 codes
 *           (quant_i8_encode); 8 + dim bytes. Present exactly for live
 *           documents that have a vector.
 *
 * exact     vector blocks of dim IEEE binary16 (precision f16) or
 *           binary32 (precision f32) values; none for precision int8.
 *           Present exactly where the code is.
 *
 * Vector blocks (src/storage/vecblk.c): the records of `per` consecutive
 *           internal ids share one value. key: COLL + u32 block number b
 *           (BE), holding ids b * per ... b * per + per - 1 (per is the
 *           collection record's codes or exact block size). value: a
 *           presence bitmap of ceil(per / 64) * 8 bytes (bit i of byte
 *           i / 8, least significant first: id b * per + i has a record;
 *           no bit set at or past per), then one fixed-size record per set
 *           bit, in id order (the record of slot i is number rank(i), the
 *           set bits below i). A block with no record left is deleted.
 *           The block size is chosen when the collection is created so
 *           that a full block fills its LMDB overflow pages (up to 16
 *           pages) best.
 *
 * bitmaps   key: COLL + u8 kind + kind-specific bytes
 *             'T'                        tombstones: internal ids deleted
 *                                        or replaced by an upsert.
 *             'F' FIELD 0x00 VALUE       field=value filter: ids whose
 *                                        metadata has that top-level
 *                                        scalar. Numbers are spelled as
 *                                        filt_value_text() prints them.
 *                                        When FIELD+VALUE exceed
 *                                        STORE_MAX_FILTER_KEY bytes, VALUE
 *                                        is 0x01 + u64 store_hash64(VALUE).
 *           value: checked record holding a CRoaring portable
 *           serialization. Filter bitmaps may still hold tombstoned ids:
 *           readers always subtract the tombstones. Compaction
 *           (src/api/compact.c) removes tombstoned ids from every filter
 *           bitmap and empties the tombstones.
 *
 * links     the HNSW graph (src/index/hnsw_lmdb.c). key: COLL + u32
 *           internal id (BE) + u8 level. value: level 0: u8 top level of
 *           the node, then its neighbour list; upper levels: the list
 *           alone. A list is its ids in ascending order, the first as an
 *           unsigned LEB128 varint and each next as its gap to the
 *           previous (src/index/hnsw_links.h); at most 2·M ids at level 0
 *           and M above.
 * postings  keyword search (BM25), maintained by src/api/keyword.c in the
 *           same write transaction as the documents.
 *           key COLL + u32 BE segment number s + term bytes (a folded,
 *           stemmed word, 1..64 bytes): value: the postings record
 *           (filter/postings.h: u8 version, df, CRoaring ids, varint tf +
 *           document length per id, CRC-32C) of the term's documents
 *           with internal ids in [s * 4096, (s + 1) * 4096)
 *           (API_KW_SEG_BITS = 12); never empty. Segment first: a batch
 *           of new documents touches only the newest segment's keys,
 *           which are neighbours in the B-tree. Holds only live ids:
 *           retired documents are removed from their terms. (Version 1
 *           kept one record per term under COLL + term: every commit
 *           rewrote the whole postings of its terms.)
 *           key COLL alone: BM25 statistics (filt_stats_encode: u32
 *           version, u64 documents with text, u64 total terms, CRC-32C).
 *
 * Vectors. For the cosine metric vectors are L2-normalized before they are
 * stored, so cosine similarity is a dot product at search time.
 *
 * Version history: 1 — first layout; 2 — postings split into segments
 * of 4,096 ids (key COLL + u32 BE segment + term), collection flag bits 1
 * (no ANN index) and 2 (no keyword index); 3 — codes and exact vectors
 * in vector blocks (collection record bytes 52..59), neighbour lists as
 * sorted varint gaps after a 1-byte level-0 header (were u32 ids after 4
 * bytes). Older files open as SEMLITE_VERSION.
 */
#ifndef SL_STORAGE_FORMAT_H
#define SL_STORAGE_FORMAT_H

#include <stdint.h>

#define STORE_FORMAT_VERSION 3u
#define STORE_MAGIC          "SEMLITE"  /* 8 bytes with its NUL */
#define STORE_MODEL_MAGIC    "SLMODEL1" /* 8 bytes, no NUL stored */

#define STORE_COLL_REC_SIZE 64
#define STORE_COUNTERS_SIZE 32
#define STORE_DOC_HEADER    13
#define STORE_CODE_HEADER   8

#define STORE_MAX_NAME       64
#define STORE_MAX_EXT_ID     256
#define STORE_MAX_FILTER_KEY 400
#define STORE_MAX_DIM        65536u
/* Vector blocks: at most this many ids, and bytes, per block value. */
#define STORE_VEC_MAX_PER   65536u
#define STORE_VEC_MAX_BLOCK (64u << 20)
#define STORE_MODEL_CHUNK    (1u << 20)
/* Largest decompressed document record we accept (text + metadata). */
#define STORE_MAX_DOC (64u << 20)

enum store_metric {
	STORE_METRIC_COSINE = 0,
	STORE_METRIC_DOT = 1,
	STORE_METRIC_L2 = 2
};
enum store_prec { STORE_PREC_INT8 = 0, STORE_PREC_F16 = 1, STORE_PREC_F32 = 2 };

#define STORE_COLL_HAS_MODEL   1u
#define STORE_COLL_NO_INDEX    2u
#define STORE_COLL_NO_KEYWORDS 4u
#define STORE_COLL_FLAGS                                                       \
	(STORE_COLL_HAS_MODEL | STORE_COLL_NO_INDEX | STORE_COLL_NO_KEYWORDS)

#define STORE_BITMAP_TOMBSTONES 'T'
#define STORE_BITMAP_FILTER     'F'

#endif /* SL_STORAGE_FORMAT_H */
