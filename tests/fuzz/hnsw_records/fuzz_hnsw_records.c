/*
 * fuzz_hnsw_records.c — arbitrary bytes as the stored HNSW graph of a
 * collection: neighbour-list records, codes, exact vectors, the entry
 * point, purged-count and search-breadth ('e') meta records, tombstone and
 * filter bitmaps, documents and id maps (hnsw_fuzz.h has the input format). The
 * target writes them into a real database (so the LMDB store's own decoders
 * read them), then runs everything that walks the graph: the index check and
 * the compaction check, the whole-database check, indexed, exact and
 * filtered searches, compaction, an insert and a delete (repair). Every
 * call may fail (damaged records are SEMLITE_CORRUPT), none may crash,
 * hang or report SEMLITE_INTERNAL, and after a successful compaction the
 * collection must hold no tombstone.
 *
 * One database per process, on /dev/shm when it exists (commits cost no
 * disk flush there); each input first erases the collection's records.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "hnsw_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static semlite_db *db;
static semlite_collection *colls[HF_PRESETS];
static char path[256];

static void cleanup(void)
{
	char lock[300];
	for (int i = 0; i < HF_PRESETS; i++)
		semlite_collection_close(colls[i]);
	semlite_close(db);
	snprintf(lock, sizeof lock, "%s-lock", path);
	unlink(path);
	unlink(lock);
}

static int init(void)
{
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(path, sizeof path, "%s/sl_fuzz_hnsw_%d.semlite", dir,
	         (int)getpid());
	char lock[300];
	snprintf(lock, sizeof lock, "%s-lock", path);
	unlink(path);
	unlink(lock);
	if (semlite_open(path, SEMLITE_OPEN_CREATE, &db) || hf_create(db))
		return -1;
	for (int i = 0; i < HF_PRESETS; i++)
		if (semlite_collection_open(db, hf_presets[i].name, &colls[i]))
			return -1;
	atexit(cleanup);
	return 0;
}

/* A call's result: anything but an internal error (a bug) is fine. With
 * SEMLITE_FUZZ_VERBOSE set, every result is printed (to see how deep a
 * seed gets). */
#define ok_or_clean(rc) ok_or_clean_at(rc, __LINE__)

static void ok_or_clean_at(int rc, int line)
{
	static int verbose = -1;
	if (verbose < 0)
		verbose = getenv("SEMLITE_FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "line %d: %d %s\n", line, rc,
		        rc ? semlite_errmsg() : "");
	if (rc == SEMLITE_INTERNAL) {
		fprintf(stderr, "SEMLITE_INTERNAL: %s\n", semlite_errmsg());
		abort();
	}
}

/* Deletes every record of collection coll. */
static int wipe(const store_txn *t, uint32_t coll)
{
	static const store_db dbs[] = {
	    STORE_DB_DOCS,    STORE_DB_IDS,   STORE_DB_CODES,   STORE_DB_EXACT,
	    STORE_DB_BITMAPS, STORE_DB_LINKS, STORE_DB_POSTINGS};
	uint8_t k[8];
	int rc = SEMLITE_OK;
	store_key_id(k, coll, 0);
	for (size_t i = 0; i < sizeof dbs / sizeof dbs[0] && !rc; i++)
		rc = store_del_prefix(t, dbs[i], k, 4);
	static const char kinds[] = {'h', 'p', 'e'};
	for (size_t i = 0; i < sizeof kinds && !rc; i++) {
		uint8_t mk[5];
		store_meta_key(mk, kinds[i], coll);
		rc = store_del(t, STORE_DB_META, mk, 5);
		if (rc == SEMLITE_NOTFOUND)
			rc = SEMLITE_OK;
	}
	return rc;
}

static const store_db op_db[8] = {
    STORE_DB_CODES, STORE_DB_EXACT, STORE_DB_LINKS, STORE_DB_BITMAPS,
    STORE_DB_META,  STORE_DB_DOCS,  STORE_DB_IDS,   STORE_DB_POSTINGS};

/* Writes one record; *used receives the bytes it took (0: input over). */
static int put_record(const store_txn *t, uint32_t coll, const uint8_t *p,
                      size_t n, size_t *used)
{
	*used = 0;
	if (n < 2 || n < 2u + p[1] + 2u)
		return SEMLITE_OK;
	uint8_t op = p[0], kl = p[1], key[4 + 255];
	const uint8_t *kp = p + 2;
	size_t vl = (size_t)p[2 + kl] | (size_t)p[3 + kl] << 8;
	size_t off = 4u + kl;
	if (vl > n - off)
		vl = n - off;
	*used = off + vl;
	store_db db_ = op_db[op & 7];
	size_t klen;
	if (db_ == STORE_DB_META) {
		if (!kl || kp[0] == 'n' || kp[0] == 'z' || kp[0] == 'c')
			return SEMLITE_OK;
		store_meta_key(key, (char)kp[0], coll);
		klen = 5;
	} else {
		store_key_id(key, coll, 0);
		memcpy(key + 4, kp, kl);
		klen = 4u + kl;
	}
	int rc = (op & HF_CRC)
	             ? store_put_checked(t, db_, key, klen, p + off, vl)
	             : store_put(t, db_, key, klen, p + off, vl);
	/* LMDB refuses some keys (empty, too long): not our concern */
	return rc == SEMLITE_IOERR || rc == SEMLITE_INVALID ? SEMLITE_OK : rc;
}

/* Replaces the collection's stored state with the input's. */
static int load(semlite_collection *c, const uint8_t *data, size_t size)
{
	store_txn t;
	uint32_t coll = c->rec.id;
	store_counters ctr = {0}, zero = {0};
	ctr.next_id = (uint32_t)((data[1] | data[2] << 8) % (HF_MAX_IDS + 1));
	ctr.live = (uint32_t)(data[3] | data[4] << 8);
	ctr.payload_bytes = sl_load_u32le(data + 5);
	ctr.stored_bytes = sl_load_u32le(data + 9);
	int rc = store_txn_begin(db->env, true, &t);
	if (rc)
		return rc;
	/* every collection starts empty: the whole-database check stops at
	 * the first damaged one */
	for (int i = 0; i < HF_PRESETS && !rc; i++) {
		uint32_t id = colls[i]->rec.id;
		rc = wipe(&t, id);
		if (!rc)
			rc = store_counters_put(&t, id,
			                        id == coll ? &ctr : &zero);
	}
	for (size_t off = HF_HEADER, used = 1; !rc && used && off < size;
	     off += used)
		rc = put_record(&t, coll, data + off, size - off, &used);
	if (!rc)
		return store_txn_commit(&t);
	store_txn_abort(&t);
	return rc;
}

/* The graph-level checks, straight on a read snapshot. */
static void index_checks(semlite_collection *c)
{
	store_txn st;
	store_counters ctr;
	roaring_bitmap_t *tomb = NULL;
	uint8_t k[FILT_KEY_MAX];
	if (store_txn_begin(db->env, false, &st))
		return;
	ok_or_clean(api_index_check(&st, &c->rec));
	if (!store_counters_get(&st, c->rec.id, &ctr) &&
	    !filt_bitmap_load(&st, k, filt_key_tombstones(k, c->rec.id), &tomb))
		ok_or_clean(api_compact_check(&st, &c->rec, ctr.next_id, tomb));
	filt_bitmap_free(tomb);
	store_txn_abort(&st);
}

static void searches(semlite_collection *c, const float *q, uint32_t dim,
                     bool filter)
{
	for (int mode = 0; mode < (filter ? 3 : 2); mode++) {
		semlite_search_opts o;
		semlite_results *r = NULL;
		semlite_search_opts_init(&o);
		o.k = 5;
		o.ef = 8;
		o.exact = mode == 1;
		o.where_field = mode == 2 ? "p" : NULL;
		o.where_value = mode == 2 ? "1" : NULL;
		ok_or_clean(semlite_search_vector(c, q, dim, &o, &r));
		semlite_results_free(r);
	}
}

static void exercise(semlite_collection *c, const uint8_t *h)
{
	uint32_t dim = c->rec.dim;
	float q[16];
	uint8_t act = h[13];
	char id[8];
	for (uint32_t i = 0; i < dim; i++)
		q[i] = (float)(int8_t)h[15 + i % 8] / 16.0f;
	index_checks(c);
	ok_or_clean(semlite_db_check(db, NULL, 0));
	searches(c, q, dim, act & HF_DO_FILTER);
	if (act & HF_DO_DELETE) {
		snprintf(id, sizeof id, "%u", h[14]);
		ok_or_clean(semlite_doc_delete(c, NULL, id));
	}
	if (act & HF_DO_PUT)
		ok_or_clean(semlite_vector_put(c, NULL, "fz", q, dim, NULL, 0,
		                               "{\"p\": \"1\"}"));
	if (act & HF_DO_COMPACT) {
		uint64_t purged = 0;
		int rc = semlite_collection_compact(c, &purged);
		ok_or_clean(rc);
		semlite_collection_stats s;
		if (!rc && !semlite_collection_stats_get(c, &s) &&
		    s.tombstones != 0) {
			fprintf(stderr,
			        "compaction purged %llu but left %llu "
			        "tombstones\n",
			        (unsigned long long)purged,
			        (unsigned long long)s.tombstones);
			abort();
		}
		index_checks(c);
		searches(c, q, dim, act & HF_DO_FILTER);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		if (init())
			abort();
		ready = 1;
	}
	if (size < HF_HEADER)
		return 0;
	semlite_collection *c = colls[data[0] % HF_PRESETS];
	if (load(c, data, size) == SEMLITE_OK)
		exercise(c, data);
	return 0;
}
