/*
 * gen_corpus.c — writes the seed corpus of fuzz_hnsw_records from real
 * collections: builds small seeded collections with the library (inserts,
 * deletes, upserts, compaction), then dumps each one's stored records in
 * the target's input format (hnsw_fuzz.h). Run by hand when the stored
 * format changes:  fuzz_hnsw_records_gen tests/fuzz/hnsw_records/corpus
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "hnsw_fuzz.h"

typedef struct out_buf {
	uint8_t b[1 << 16];
	size_t n;
} out_buf;

static void emit(out_buf *o, uint8_t op, const void *k, size_t kl,
                 const void *v, size_t vl)
{
	if (o->n + 4 + kl + vl > sizeof o->b || kl > 255 || vl > 65535)
		return;
	o->b[o->n++] = op;
	o->b[o->n++] = (uint8_t)kl;
	memcpy(o->b + o->n, k, kl);
	o->n += kl;
	o->b[o->n++] = (uint8_t)vl;
	o->b[o->n++] = (uint8_t)(vl >> 8);
	memcpy(o->b + o->n, v, vl);
	o->n += vl;
}

/* Dumps every record of collection coll in db (checked ones without their
 * CRC, flagged to get it back). */
static void dump_db(const store_txn *t, store_db db, uint8_t op, bool checked,
                    uint32_t coll, out_buf *o)
{
	MDB_cursor *c;
	uint8_t pre[8];
	store_key_id(pre, coll, 0);
	if (mdb_cursor_open(t->txn, store_dbi(t, db), &c))
		return;
	MDB_val k = {4, pre}, v;
	int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (!rc && k.mv_size >= 4 && !memcmp(k.mv_data, pre, 4)) {
		size_t vl =
		    checked && v.mv_size >= 4 ? v.mv_size - 4 : v.mv_size;
		emit(o, checked ? (uint8_t)(op | HF_CRC) : op,
		     (uint8_t *)k.mv_data + 4, k.mv_size - 4, v.mv_data, vl);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
}

static void dump_meta(const store_txn *t, char kind, uint32_t coll, out_buf *o)
{
	uint8_t k[5];
	const uint8_t *p;
	size_t n;
	store_meta_key(k, kind, coll);
	if (!store_get_checked(t, STORE_DB_META, k, 5, &p, &n))
		emit(o, HF_DB_META | HF_CRC, &kind, 1, p, n);
}

static int dump(semlite_db *db, int preset, uint8_t act, const char *file)
{
	semlite_collection *c;
	store_txn t;
	store_counters ctr;
	out_buf *o = calloc(1, sizeof *o);
	if (!o || semlite_collection_open(db, hf_presets[preset].name, &c))
		return 1;
	uint32_t coll = c->rec.id;
	if (store_txn_begin(db->env, false, &t) ||
	    store_counters_get(&t, coll, &ctr))
		return 1;
	uint8_t *h = o->b;
	h[0] = (uint8_t)preset;
	h[1] = (uint8_t)ctr.next_id;
	h[2] = (uint8_t)(ctr.next_id >> 8);
	h[3] = (uint8_t)ctr.live;
	h[4] = (uint8_t)(ctr.live >> 8);
	sl_store_u32le(h + 5, (uint32_t)ctr.payload_bytes);
	sl_store_u32le(h + 9, (uint32_t)ctr.stored_bytes);
	h[13] = act;
	h[14] = 3;
	for (int i = 0; i < 8; i++)
		h[15 + i] = (uint8_t)(i * 5 - 12);
	o->n = HF_HEADER;
	dump_db(&t, STORE_DB_LINKS, HF_DB_LINKS, false, coll, o);
	dump_db(&t, STORE_DB_CODES, HF_DB_CODES, false, coll, o);
	dump_db(&t, STORE_DB_EXACT, HF_DB_EXACT, false, coll, o);
	dump_db(&t, STORE_DB_BITMAPS, HF_DB_BITMAPS, true, coll, o);
	dump_db(&t, STORE_DB_DOCS, HF_DB_DOCS, false, coll, o);
	dump_db(&t, STORE_DB_IDS, HF_DB_IDS, false, coll, o);
	dump_db(&t, STORE_DB_POSTINGS, HF_DB_POSTINGS, false, coll, o);
	dump_meta(&t, 'h', coll, o);
	dump_meta(&t, 'p', coll, o);
	dump_meta(&t, 'e', coll, o);
	store_txn_abort(&t);
	semlite_collection_close(c);
	FILE *f = fopen(file, "wb");
	int rc = !f || fwrite(o->b, 1, o->n, f) != o->n;
	if (f)
		fclose(f);
	printf("%s: %zu bytes, next id %u, %u live\n", file, o->n, ctr.next_id,
	       ctr.live);
	free(o);
	return rc;
}

/* Puts ids [from, to) into preset collection p with seeded vectors. */
static int fill(semlite_db *db, int p, unsigned from, unsigned to)
{
	semlite_collection *c;
	float v[16];
	char id[16], meta[32];
	uint64_t s = 1234 + from;
	if (semlite_collection_open(db, hf_presets[p].name, &c))
		return 1;
	int rc = 0;
	for (unsigned i = from; i < to && !rc; i++) {
		for (uint32_t d = 0; d < hf_presets[p].dim; d++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			v[d] = (float)((s >> 40) % 2001) / 1000.0f - 1.0f;
		}
		snprintf(id, sizeof id, "%u", i % 40);
		snprintf(meta, sizeof meta, "{\"p\": \"%u\"}", i % 2);
		rc = semlite_vector_put(c, NULL, id, v, hf_presets[p].dim, "w",
		                        1, meta);
	}
	semlite_collection_close(c);
	return rc;
}

static int del(semlite_db *db, int p, unsigned from, unsigned to, unsigned step)
{
	semlite_collection *c;
	char id[16];
	if (semlite_collection_open(db, hf_presets[p].name, &c))
		return 1;
	int rc = 0;
	for (unsigned i = from; i < to && !rc; i += step) {
		snprintf(id, sizeof id, "%u", i);
		rc = semlite_doc_delete(c, NULL, id);
	}
	semlite_collection_close(c);
	return rc;
}

static int compact(semlite_db *db, int p)
{
	semlite_collection *c;
	if (semlite_collection_open(db, hf_presets[p].name, &c))
		return 1;
	int rc = semlite_collection_compact(c, NULL);
	semlite_collection_close(c);
	return rc;
}

int main(int argc, char **argv)
{
	char path[256], lock[300], f[4096];
	semlite_db *db;
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof path, "/tmp/sl_fuzz_gen_%d.semlite",
	         (int)getpid());
	snprintf(lock, sizeof lock, "%s-lock", path);
	int rc = semlite_open(path, SEMLITE_OPEN_CREATE, &db) || hf_create(db);
	/* a: 30 documents, every third deleted (tombstones in the graph) */
	rc = rc || fill(db, 0, 0, 30) || del(db, 0, 0, 30, 3);
	snprintf(f, sizeof f, "%s/l2_f16_tombstones", argv[1]);
	rc = rc || dump(db, 0, HF_DO_COMPACT | HF_DO_FILTER, f);
	snprintf(f, sizeof f, "%s/l2_f16_insert_delete", argv[1]);
	rc = rc || dump(db, 0, HF_DO_PUT | HF_DO_DELETE, f);
	rc = rc || compact(db, 0);
	snprintf(f, sizeof f, "%s/l2_f16_compacted", argv[1]);
	rc = rc || dump(db, 0, HF_DO_PUT | HF_DO_FILTER | HF_DO_COMPACT, f);
	/* b: 50 puts over 40 ids (upserts), int8 cosine */
	rc = rc || fill(db, 1, 0, 50);
	snprintf(f, sizeof f, "%s/cos_i8_upserts", argv[1]);
	rc = rc || dump(db, 1, 0xff, f);
	/* c: 12 documents, dot f32, nothing deleted */
	rc = rc || fill(db, 2, 0, 12);
	snprintf(f, sizeof f, "%s/dot_f32_plain", argv[1]);
	rc = rc || dump(db, 2, HF_DO_DELETE | HF_DO_COMPACT, f);
	/* d: the same, with a measured default search breadth (its 'e'
	 * record of 12 bytes; dot_f32_tuned_8byte, kept from an earlier
	 * run, has the 8-byte record written before the document count) */
	semlite_collection *c;
	rc = rc || semlite_collection_open(db, hf_presets[2].name, &c);
	rc = rc || semlite_collection_tune(c, 0, NULL, NULL);
	if (!rc)
		semlite_collection_close(c);
	snprintf(f, sizeof f, "%s/dot_f32_tuned", argv[1]);
	rc = rc || dump(db, 2, HF_DO_PUT | HF_DO_FILTER, f);
	semlite_close(db);
	unlink(path);
	unlink(lock);
	return rc;
}
