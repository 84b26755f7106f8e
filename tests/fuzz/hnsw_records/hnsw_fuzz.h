/*
 * hnsw_fuzz.h — the input format of the fuzz_hnsw_records target, shared
 * by the target and by the program that writes its seed corpus from real
 * collections (gen_corpus.c).
 *
 * An input is the stored state of one collection: a header, then records
 * that the target writes into a database before it checks, searches,
 * compacts and inserts into that collection. Keys carry no collection id
 * (the target prefixes its own), so the same bytes fit whatever the
 * collection's id is, and the records are raw sub-database values: the
 * target runs the real decoders on them, whatever the stored format.
 *
 *   header (HF_HEADER bytes)
 *     0      u8   preset collection (% HF_PRESETS)
 *     1..2   u16  next internal id (% (HF_MAX_IDS + 1))
 *     3..4   u16  live documents
 *     5..8   u32  payload bytes      9..12  u32 stored bytes
 *     13     u8   actions (HF_DO_*)
 *     14     u8   external id to delete ("0".."255")
 *     15..22 8 x int8 query (repeated to the collection's dim)
 *   records, until the input ends:
 *     u8  op: low 3 bits the sub-database (HF_DB_*), bit 7: append the
 *         CRC-32C (a checked record, so decoding gets past the checksum)
 *     u8  key length, key bytes (meta: the first byte is the kind, the
 *         collection id follows; others: the bytes after the collection
 *         id)
 *     u16 value length (little-endian, clipped to what is left), value
 * The counters record is built from the header (its next id bounded, as
 * every walk of the graph is linear in it); meta kinds 'n' (counters), 'z'
 * (dictionary) and 'c' (collection records) are not written from input.
 */
#ifndef SL_FUZZ_HNSW_H
#define SL_FUZZ_HNSW_H

#include "semlite.h"

#define HF_HEADER     23
#define HF_PRESETS    3
#define HF_MAX_IDS    1024
#define HF_CRC        0x80
#define HF_DO_COMPACT 1
#define HF_DO_PUT     2
#define HF_DO_DELETE  4
#define HF_DO_FILTER  8

enum {
	HF_DB_CODES,
	HF_DB_EXACT,
	HF_DB_LINKS,
	HF_DB_BITMAPS,
	HF_DB_META,
	HF_DB_DOCS,
	HF_DB_IDS,
	HF_DB_POSTINGS
};

/* The collections every fuzz database holds (small M: short lists). */
static const struct hf_preset {
	const char *name;
	uint32_t dim;
	semlite_metric metric;
	semlite_precision precision;
} hf_presets[HF_PRESETS] = {
    {"a", 4, SEMLITE_METRIC_L2, SEMLITE_PRECISION_F16},
    {"b", 8, SEMLITE_METRIC_COSINE, SEMLITE_PRECISION_INT8},
    {"c", 4, SEMLITE_METRIC_DOT, SEMLITE_PRECISION_F32},
};

#define HF_M  4
#define HF_EF 16

/* Creates the preset collections in db; 0 on success. */
static inline int hf_create(semlite_db *db)
{
	for (int i = 0; i < HF_PRESETS; i++) {
		semlite_collection_opts o;
		semlite_collection_opts_init(&o);
		o.use_default_model = 0;
		o.dim = hf_presets[i].dim;
		o.metric = hf_presets[i].metric;
		o.precision = hf_presets[i].precision;
		o.hnsw_m = HF_M;
		o.hnsw_ef_construction = HF_EF;
		int rc = semlite_collection_create(db, hf_presets[i].name, &o);
		if (rc)
			return rc;
	}
	return 0;
}

#endif
