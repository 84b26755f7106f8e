/*
 * ingest.c — the storage benchmark.
 *
 *   bench_ingest ingest CORPUS.jsonl[.zst] MODEL_DIR [--text-field F]...
 *       JSONL -> committed documents/s (parse + encode + compress + store,
 *       one writer, batches of 1,000, the whole file), then bytes on disk
 *       per document and stored bytes versus raw text+metadata.
 *   bench_ingest zstd CORPUS.jsonl[.zst] [N]
 *       the dictionary study: compresses N document payloads one by one
 *       without and with dictionaries trained on the first 1,000, at a
 *       few levels; prints ratio and compression speed per setting.
 *   bench_ingest zgrid CORPUS.jsonl[.zst] [--text-field F]...
 *       dictionary grid over the whole corpus: spread samples (1k, 4k,
 *       16k documents) x dictionary size (32-256 KiB) x level (3, 6, 9),
 *       every payload compressed as a stored frame; ratio, MB/s and the
 *       training time per setting. ZGRID_ONE="SAMPLES BYTES LEVEL" runs
 *       one setting; ZGRID_ATTACH=1 forces zstd to attach (not copy)
 *       the dictionary's tables.
 *   bench_ingest flat N DIM [QUERIES]
 *       flat int8 search latency over N seeded random vectors (seed 42)
 *       in a collection without an ANN index: wall and CPU per query.
 *
 * Times are wall-clock (CLOCK_MONOTONIC); the machine may be shared, so
 * RESULTS.md records the load next to every figure.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>
#include <zstd.h>

#include "cli/dbutil.h"
#include "cli/jsonl.h"
#include "common/common.h"
#include "semlite.h"

static void paths(char *db, size_t cap, const char *tag)
{
	snprintf(db, cap, "/tmp/bench_ingest_%s_%d.semlite", tag,
	         (int)getpid());
	char lock[600];
	snprintf(lock, sizeof lock, "%s-lock", db);
	unlink(db);
	unlink(lock);
}

static void cleanup(const char *db)
{
	char lock[600];
	snprintf(lock, sizeof lock, "%s-lock", db);
	unlink(db);
	unlink(lock);
}

static int die(const char *what, int rc)
{
	fprintf(stderr, "bench_ingest: %s: %s: %s\n", what, semlite_errstr(rc),
	        semlite_errmsg());
	exit(1);
}

static int ingest(const char *corpus, const char *model, const char **fields,
                  int nf)
{
	char db[512];
	paths(db, sizeof db, "ingest");
	semlite_db *d;
	semlite_collection *c;
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.model_path = model;
	int rc = semlite_open(db, SEMLITE_OPEN_CREATE, &d);
	if (!rc)
		rc = semlite_collection_create(d, NULL, &o);
	if (!rc)
		rc = semlite_collection_open(d, NULL, &c);
	if (rc)
		die("create", rc);
	cli_lines *r;
	if (cli_lines_open(corpus, &r))
		die(corpus, SEMLITE_IOERR);
	char *line, field[128];
	size_t len, n = 0, raw = 0;
	const char *what;
	semlite_txn *t = NULL;
	double t0 = cli_now();
	while (cli_lines_next(r, &line, &len) == 1) {
		cli_jsonl_doc doc;
		if (!len)
			continue;
		raw += len;
		if (cli_jsonl_parse(line, len, NULL, fields, nf, &doc, field,
		                    sizeof field, &what))
			die(what, SEMLITE_INVALID);
		if (!t && (rc = semlite_txn_begin(d, &t)))
			die("begin", rc);
		rc = semlite_doc_put(c, t, doc.id, doc.text, doc.text_len,
		                     doc.meta);
		cli_jsonl_doc_free(&doc);
		if (rc)
			die("put", rc);
		if (++n % 1000 == 0) {
			if ((rc = semlite_txn_commit(t)))
				die("commit", rc);
			t = NULL;
		}
	}
	if (t && (rc = semlite_txn_commit(t)))
		die("commit", rc);
	double secs = cli_now() - t0;
	cli_lines_close(r);
	semlite_collection_stats s;
	uint64_t disk;
	semlite_collection_stats_get(c, &s);
	semlite_db_file_size(d, &disk);
	printf("corpus %s\nmodel %s (dim %u)\n", corpus, model, s.dim);
	printf("documents %zu in %.2f s: %.0f docs/s\n", n, secs,
	       (double)n / secs);
	printf("raw JSONL %zu bytes; payload (id+text+metadata) %llu bytes; "
	       "stored %llu bytes = %.1f%% of payload\n",
	       raw, (unsigned long long)s.payload_bytes,
	       (unsigned long long)s.stored_bytes,
	       100.0 * (double)s.stored_bytes / (double)s.payload_bytes);
	printf("file %llu bytes = %.1f bytes/doc (raw JSONL %.1f bytes/doc)\n",
	       (unsigned long long)disk, (double)disk / (double)n,
	       (double)raw / (double)n);
	semlite_collection_close(c);
	semlite_close(d);
	cleanup(db);
	return 0;
}

/* The zstd dictionary study on document payloads (text + metadata). */
static int zstudy(const char *corpus, size_t want)
{
	static const char *const fields[] = {"title", "text"};
	cli_lines *r;
	if (cli_lines_open(corpus, &r))
		die(corpus, SEMLITE_IOERR);
	size_t cap = 64 << 20, used = 0, n = 0;
	char *buf = malloc(cap), *line, field[128];
	size_t *sizes = malloc(want * sizeof *sizes), len;
	const char *what;
	while (n < want && cli_lines_next(r, &line, &len) == 1) {
		cli_jsonl_doc d;
		if (cli_jsonl_parse(line, len, NULL, fields, 2, &d, field,
		                    sizeof field, &what))
			continue;
		size_t il = strlen(d.id), ml = d.meta ? strlen(d.meta) : 0;
		size_t sz = il + d.text_len + ml + 13;
		if (used + sz > cap)
			break;
		memcpy(buf + used + 13, d.id, il);
		memcpy(buf + used + 13 + il, d.text, d.text_len);
		if (ml)
			memcpy(buf + used + 13 + il + d.text_len, d.meta, ml);
		memset(buf + used, 0, 13);
		sizes[n++] = sz;
		used += sz;
		cli_jsonl_doc_free(&d);
	}
	cli_lines_close(r);
	printf("zstd study: %zu documents, %zu payload bytes (%.0f avg)\n", n,
	       used, (double)used / (double)n);
	size_t train_n = n < 1000 ? n : 1000, train_bytes = 0;
	for (size_t i = 0; i < train_n; i++)
		train_bytes += sizes[i];
	if (getenv("ZSTUDY_SPREAD")) {
		/* Train on every (n/1000)th document instead of the first
		 * 1,000: how much a sample across the corpus would gain. */
		char *spread = malloc(used);
		size_t *ss = malloc(train_n * sizeof *ss), off = 0, w = 0;
		size_t step = n / train_n, k = 0;
		for (size_t i = 0; i < n && k < train_n; i++) {
			if (i % step == 0) {
				memcpy(spread + w, buf + off, sizes[i]);
				ss[k++] = sizes[i];
				w += sizes[i];
			}
			off += sizes[i];
		}
		void *dict = malloc(32 << 10);
		size_t dn = ZDICT_trainFromBuffer(dict, 32 << 10, spread, ss,
		                                  (unsigned)k);
		ZSTD_CDict *cd =
		    ZDICT_isError(dn) ? NULL : ZSTD_createCDict(dict, dn, 3);
		ZSTD_CCtx *c1 = ZSTD_createCCtx();
		char *o1 = malloc(ZSTD_compressBound(1 << 20));
		size_t total = 0;
		off = 0;
		for (size_t i = 0; cd && i < n; i++) {
			total += ZSTD_compress_usingCDict(
			    c1, o1, ZSTD_compressBound(sizes[i]), buf + off,
			    sizes[i], cd);
			off += sizes[i];
		}
		printf("spread-trained dict %zu B level 3: stored %.1f%% of "
		       "payload (all %zu documents)\n",
		       dn, 100.0 * (double)total / (double)used, n);
		ZSTD_freeCDict(cd);
		ZSTD_freeCCtx(c1);
		free(o1);
		free(dict);
		free(ss);
		free(spread);
	}
	static const size_t dict_sizes[] = {0, 16 << 10, 32 << 10, 64 << 10,
	                                    110 << 10};
	static const int levels[] = {3, 6, 9, 19};
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	char *out = malloc(ZSTD_compressBound(1 << 20));
	for (size_t di = 0; di < 5; di++) {
		void *dict = NULL;
		size_t dn = 0;
		if (dict_sizes[di]) {
			dict = malloc(dict_sizes[di]);
			dn = ZDICT_trainFromBuffer(dict, dict_sizes[di], buf,
			                           sizes, (unsigned)train_n);
			if (ZDICT_isError(dn)) {
				printf("dict %zu: %s\n", dict_sizes[di],
				       ZDICT_getErrorName(dn));
				free(dict);
				continue;
			}
		}
		for (size_t li = 0; li < 4; li++) {
			ZSTD_CDict *cd =
			    dn ? ZSTD_createCDict(dict, dn, levels[li]) : NULL;
			size_t total = 0, off = train_bytes;
			double t0 = cli_now();
			for (size_t i = train_n; i < n; i++) {
				size_t z =
				    cd ? ZSTD_compress_usingCDict(
				             cc, out,
				             ZSTD_compressBound(sizes[i]),
				             buf + off, sizes[i], cd)
				       : ZSTD_compressCCtx(
				             cc, out,
				             ZSTD_compressBound(sizes[i]),
				             buf + off, sizes[i], levels[li]);
				total += z;
				off += sizes[i];
			}
			double secs = cli_now() - t0;
			printf(
			    "dict %6zu B  level %2d: stored %.1f%% of payload, "
			    "%.1f MB/s\n",
			    dn, levels[li],
			    100.0 * (double)total /
			        (double)(used - train_bytes),
			    (double)(used - train_bytes) / secs / 1e6);
			ZSTD_freeCDict(cd);
		}
		free(dict);
	}
	ZSTD_freeCCtx(cc);
	free(out);
	free(buf);
	free(sizes);
	return 0;
}

/* Compresses the n payloads of buf one by one the way the store does
 * (refCDict, content size + checksum); returns the stored bytes. */
static size_t zgrid_pass(const char *buf, const size_t *sizes, size_t n,
                         const void *dict, size_t dn, int level, int attach,
                         double *secs)
{
	ZSTD_compressionParameters cp = ZSTD_getCParams(level, 0, dn);
	ZSTD_CDict *cd = ZSTD_createCDict_advanced(
	    dict, dn, ZSTD_dlm_byRef, ZSTD_dct_auto, cp, ZSTD_defaultCMem);
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
	if (attach)
		ZSTD_CCtx_setParameter(cc, ZSTD_c_forceAttachDict,
		                       ZSTD_dictForceAttach);
	char *out = malloc(ZSTD_compressBound(1 << 20));
	size_t total = 0, off = 0;
	double t0 = cli_now();
	for (size_t i = 0; i < n; i++) {
		ZSTD_CCtx_refCDict(cc, cd);
		total += ZSTD_compress2(cc, out, ZSTD_compressBound(sizes[i]),
		                        buf + off, sizes[i]);
		off += sizes[i];
	}
	*secs = cli_now() - t0;
	free(out);
	ZSTD_freeCCtx(cc);
	ZSTD_freeCDict(cd);
	return total;
}

/* The dictionary grid: samples spread over the whole corpus (every
 * (n/S)th payload), dictionary size, level; every payload compressed as
 * a stored frame (content checksum included). */
static int zgrid(const char *corpus, const char *const *fields, int nf)
{
	static unsigned samples[] = {1000, 4000, 16000};
	static size_t dsz[] = {32 << 10, 64 << 10, 110 << 10, 256 << 10};
	static int levels[] = {3, 6, 9};
	size_t nsamp = 3, ndsz = 4, nlev = 3;
	int attach = getenv("ZGRID_ATTACH") != NULL;
	/* ZGRID_ONE="SAMPLES DICT_BYTES LEVEL": just that setting */
	if (getenv("ZGRID_ONE") &&
	    sscanf(getenv("ZGRID_ONE"), "%u %zu %d", &samples[0], &dsz[0],
	           &levels[0]) == 3)
		nsamp = ndsz = nlev = 1;
	cli_lines *r;
	if (cli_lines_open(corpus, &r))
		die(corpus, SEMLITE_IOERR);
	size_t cap = 256 << 20, used = 0, n = 0, ncap = 1 << 20, len;
	char *buf = malloc(cap), *line, field[128];
	size_t *sizes = malloc(ncap * sizeof *sizes);
	const char *what;
	while (n < ncap && cli_lines_next(r, &line, &len) == 1) {
		cli_jsonl_doc d;
		if (cli_jsonl_parse(line, len, NULL, fields, nf, &d, field,
		                    sizeof field, &what))
			continue;
		size_t il = strlen(d.id), ml = d.meta ? strlen(d.meta) : 0;
		size_t sz = il + d.text_len + ml + 13;
		if (used + sz > cap)
			break;
		buf[used] = 1;
		sl_store_u32le(buf + used + 1, (uint32_t)il);
		sl_store_u32le(buf + used + 5, (uint32_t)d.text_len);
		sl_store_u32le(buf + used + 9, (uint32_t)ml);
		memcpy(buf + used + 13, d.id, il);
		memcpy(buf + used + 13 + il, d.text, d.text_len);
		if (ml)
			memcpy(buf + used + 13 + il + d.text_len, d.meta, ml);
		sizes[n++] = sz;
		used += sz;
		cli_jsonl_doc_free(&d);
	}
	cli_lines_close(r);
	printf("zstd grid: %zu documents, %zu payload bytes\n", n, used);
	char *spread = malloc(used);
	size_t *ss = malloc(n * sizeof *ss);
	void *dict =
	    malloc(dsz[ndsz - 1] > (256 << 10) ? dsz[ndsz - 1] : 256 << 10);
	for (size_t si = 0; si < nsamp; si++) {
		size_t step = n / samples[si], off = 0, w = 0, k = 0;
		for (size_t i = 0; i < n; i++) {
			if (step && i % step == 0 && k < samples[si]) {
				memcpy(spread + w, buf + off, sizes[i]);
				ss[k++] = sizes[i];
				w += sizes[i];
			}
			off += sizes[i];
		}
		for (size_t di = 0; di < ndsz; di++) {
			double t0 = cli_now();
			ZDICT_fastCover_params_t fp;
			memset(&fp, 0, sizeof fp);
			size_t dn;
			/* ZGRID_FIXED="K D": no parameter search */
			if (getenv("ZGRID_FIXED") &&
			    sscanf(getenv("ZGRID_FIXED"), "%u %u", &fp.k,
			           &fp.d) == 2) {
				fp.zParams.compressionLevel = 3;
				dn = ZDICT_trainFromBuffer_fastCover(
				    dict, dsz[di], spread, ss, (unsigned)k, fp);
			} else {
				fp.d = 8;
				fp.steps = 4;
				fp.zParams.compressionLevel = 3;
				dn = ZDICT_optimizeTrainFromBuffer_fastCover(
				    dict, dsz[di], spread, ss, (unsigned)k,
				    &fp);
			}
			double tt = cli_now() - t0;
			printf("fastCover k %u d %u f %u\n", fp.k, fp.d, fp.f);
			if (ZDICT_isError(dn))
				continue;
			for (size_t li = 0; li < nlev; li++) {
				double secs;
				size_t z =
				    zgrid_pass(buf, sizes, n, dict, dn,
				               levels[li], attach, &secs);
				printf("samples %5zu (%7zu B)  dict %6zu B  "
				       "level %d: %.2f%% of payload, %.1f "
				       "MB/s, training %.2f s\n",
				       k, w, dn, levels[li],
				       100.0 * (double)z / (double)used,
				       (double)used / secs / 1e6, tt);
				fflush(stdout);
			}
		}
	}
	free(dict);
	free(ss);
	free(spread);
	free(buf);
	free(sizes);
	return 0;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Flat int8 search latency: n seeded random vectors in a collection
 * without an ANN index (searches are the exact scan), nq queries; wall
 * and thread CPU time per query (the machine may be shared), the first
 * query (cold per-snapshot cache) reported apart. */
static int flat(long n, long dim, long nq)
{
	char db[512];
	paths(db, sizeof db, "flat");
	semlite_db *d;
	semlite_collection *c;
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.dim = (uint32_t)dim;
	o.index = SEMLITE_INDEX_NONE;
	int rc = semlite_open(db, SEMLITE_OPEN_CREATE, &d);
	if (!rc)
		rc = semlite_collection_create(d, NULL, &o);
	if (!rc)
		rc = semlite_collection_open(d, NULL, &c);
	if (rc)
		die("create", rc);
	sl_rng rng;
	sl_rng_seed(&rng, 42);
	float *v = malloc((size_t)dim * sizeof *v);
	semlite_txn *t = NULL;
	for (long i = 0; i < n; i++) {
		char id[32];
		for (long j = 0; j < dim; j++)
			v[j] = (float)(sl_rng_uniform(&rng) * 2 - 1);
		snprintf(id, sizeof id, "%ld", i);
		if (!t && (rc = semlite_txn_begin(d, &t)))
			die("begin", rc);
		if ((rc = semlite_vector_put(c, t, id, v, (size_t)dim, NULL, 0,
		                             NULL)))
			die("put", rc);
		if ((i + 1) % 1000 == 0) {
			if ((rc = semlite_txn_commit(t)))
				die("commit", rc);
			t = NULL;
		}
	}
	if (t && (rc = semlite_txn_commit(t)))
		die("commit", rc);
	semlite_search_opts so;
	semlite_search_opts_init(&so);
	so.exact = 1;
	double *wall = malloc((size_t)nq * sizeof *wall);
	double *cpu = malloc((size_t)nq * sizeof *cpu);
	double wsum = 0, csum = 0;
	for (long q = 0; q < nq; q++) {
		for (long j = 0; j < dim; j++)
			v[j] = (float)(sl_rng_uniform(&rng) * 2 - 1);
		semlite_results *r;
		double t0 = cli_now(), c0 = cpu_now();
		if ((rc = semlite_search_vector(c, v, (size_t)dim, &so, &r)))
			die("search", rc);
		cpu[q] = cpu_now() - c0;
		wall[q] = cli_now() - t0;
		if (q) {
			wsum += wall[q];
			csum += cpu[q];
		}
		semlite_results_free(r);
	}
	printf("flat int8 search, %ld x %ld, k=10, %ld queries (seed 42): "
	       "first query %.3f ms wall / %.3f ms CPU\n",
	       n, dim, nq, wall[0] * 1000, cpu[0] * 1000);
	if (nq > 1) {
		qsort(wall + 1, (size_t)nq - 1, sizeof *wall, cmp_double);
		qsort(cpu + 1, (size_t)nq - 1, sizeof *cpu, cmp_double);
		printf("  the other %ld: wall mean %.3f median %.3f best %.3f "
		       "ms; CPU mean %.3f median %.3f best %.3f ms\n",
		       nq - 1, wsum * 1000 / (double)(nq - 1),
		       wall[1 + (nq - 1) / 2] * 1000, wall[1] * 1000,
		       csum * 1000 / (double)(nq - 1),
		       cpu[1 + (nq - 1) / 2] * 1000, cpu[1] * 1000);
	}
	free(wall);
	free(cpu);
	free(v);
	semlite_collection_close(c);
	semlite_close(d);
	cleanup(db);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "ingest")) {
		const char *fields[8];
		int nf = 0;
		for (int i = 4; i + 1 < argc && nf < 8; i += 2)
			if (!strcmp(argv[i], "--text-field"))
				fields[nf++] = argv[i + 1];
		if (!nf) {
			fields[nf++] = "title";
			fields[nf++] = "text";
		}
		return ingest(argv[2], argv[3], fields, nf);
	}
	if (argc >= 3 && !strcmp(argv[1], "zstd"))
		return zstudy(argv[2],
		              argc > 3 ? (size_t)atol(argv[3]) : 20000);
	if (argc >= 3 && !strcmp(argv[1], "zgrid")) {
		const char *fields[8];
		int nf = 0;
		for (int i = 3; i + 1 < argc && nf < 8; i += 2)
			if (!strcmp(argv[i], "--text-field"))
				fields[nf++] = argv[i + 1];
		if (!nf) {
			fields[nf++] = "title";
			fields[nf++] = "text";
		}
		return zgrid(argv[2], fields, nf);
	}
	if (argc >= 4 && !strcmp(argv[1], "flat"))
		return flat(atol(argv[2]), atol(argv[3]),
		            argc > 4 ? atol(argv[4]) : 200);
	fprintf(stderr, "usage: bench_ingest ingest CORPUS MODEL_DIR "
	                "[--text-field F]... | zstd CORPUS [N] | flat N DIM "
	                "[QUERIES]\n");
	return 2;
}
