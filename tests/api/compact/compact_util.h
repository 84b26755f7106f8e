/*
 * compact_util.h — helpers shared by the compaction tests (public API
 * only): the scratch database at cu_path (made by tdb_path() of
 * common/test_db.h), bulk puts and deletes by numeric id, the recall of
 * the indexed search against exact search over what remains, and the
 * integrity check. Include after cmocka.h.
 */
#ifndef SL_TEST_COMPACT_UTIL_H
#define SL_TEST_COMPACT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/test_db.h"
#include "semlite.h"

static char cu_path[256];

static inline semlite_collection *cu_make(semlite_db **db, uint32_t dim,
                                          semlite_metric metric)
{
	semlite_collection_opts o;
	semlite_collection_opts_init(&o);
	o.dim = dim;
	o.metric = metric;
	o.use_default_model = 0;
	semlite_collection *c;
	tdb_create_opts(cu_path, "v", &o, db, &c);
	return c;
}

/* Puts ids [from, to) with vectors x[id * dim] and metadata {"p50": id%2,
 * "g": id%37} (so compaction has filter bitmaps to clean: two large ones,
 * 37 small ones), in one transaction. */
static inline void cu_put(semlite_db *db, semlite_collection *c, const float *x,
                          uint32_t dim, unsigned from, unsigned to)
{
	semlite_txn *t;
	char id[32], meta[64];
	assert_int_equal(semlite_txn_begin(db, &t), 0);
	for (unsigned i = from; i < to; i++) {
		snprintf(id, sizeof id, "%u", i);
		snprintf(meta, sizeof meta, "{\"p50\": \"%u\", \"g\": \"%u\"}",
		         i % 2, i % 37);
		assert_int_equal(semlite_vector_put(c, t, id,
		                                    x + (size_t)i * dim, dim,
		                                    NULL, 0, meta),
		                 0);
	}
	assert_int_equal(semlite_txn_commit(t), 0);
}

/* Deletes every id in [0, n) with del[id] == mark, in one transaction. */
static inline void cu_delete(semlite_db *db, semlite_collection *c,
                             const uint8_t *del, unsigned n, uint8_t mark)
{
	semlite_txn *t;
	char id[32];
	assert_int_equal(semlite_txn_begin(db, &t), 0);
	for (unsigned i = 0; i < n; i++) {
		if (del[i] != mark)
			continue;
		snprintf(id, sizeof id, "%u", i);
		assert_int_equal(semlite_doc_delete(c, t, id), 0);
	}
	assert_int_equal(semlite_txn_commit(t), 0);
}

static inline void cu_check_ok(semlite_db *db)
{
	char report[512];
	int rc = semlite_db_check(db, report, sizeof report);
	if (rc)
		print_error("check: %s (%s)\n", report, semlite_errmsg());
	assert_int_equal(rc, 0);
}

static inline uint64_t cu_tombstones(semlite_collection *c)
{
	semlite_collection_stats s;
	assert_int_equal(semlite_collection_stats_get(c, &s), 0);
	return s.tombstones;
}

/*
 * Mean recall@k of the indexed search against exact search over nq
 * queries q[i * dim]; with field set, both are filtered on p50 == value.
 * Fails when a deleted id (del[id] != 0) or a filtered-out id comes back,
 * or when the two return different counts.
 */
static inline double cu_recall(semlite_collection *c, const float *q,
                               unsigned nq, uint32_t dim, size_t k,
                               const uint8_t *del, const char *value)
{
	unsigned hits = 0, total = 0;
	for (unsigned i = 0; i < nq; i++) {
		semlite_search_opts o;
		semlite_results *a, *b;
		semlite_search_opts_init(&o);
		o.k = k;
		if (value) {
			o.where_field = "p50";
			o.where_value = value;
		}
		const float *v = q + (size_t)i * dim;
		assert_int_equal(semlite_search_vector(c, v, dim, &o, &a), 0);
		o.exact = 1;
		assert_int_equal(semlite_search_vector(c, v, dim, &o, &b), 0);
		assert_int_equal(a->count, b->count);
		for (size_t x = 0; x < a->count; x++) {
			unsigned id = (unsigned)atoi(a->items[x].id);
			assert_false(del[id]);
			if (value)
				assert_int_equal(id % 2, (unsigned)atoi(value));
			for (size_t y = 0; y < b->count; y++)
				hits += !strcmp(a->items[x].id, b->items[y].id);
		}
		for (size_t y = 0; y < b->count; y++)
			assert_false(del[atoi(b->items[y].id)]);
		total += (unsigned)b->count;
		semlite_results_free(a);
		semlite_results_free(b);
	}
	return total ? (double)hits / total : 1.0;
}

/* Seeded LCG in [0, 1). */
static inline double cu_uniform(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*s >> 11) / 9007199254740992.0;
}

/* Marks (del[i] = mark) a seeded random share of the ids not yet
 * deleted, until `frac` of all n ids are deleted; returns how many. */
static inline unsigned cu_mark(uint8_t *del, unsigned n, double frac,
                               uint8_t mark, uint64_t seed)
{
	unsigned have = 0, added = 0;
	for (unsigned i = 0; i < n; i++)
		have += del[i] != 0;
	unsigned want = (unsigned)(frac * n);
	uint64_t s = seed;
	while (have < want) {
		unsigned i = (unsigned)(cu_uniform(&s) * n);
		if (i >= n || del[i])
			continue;
		del[i] = mark;
		have++;
		added++;
	}
	return added;
}

/* Every filter g=v (v < 37) still selects exactly the live ids that had
 * it: compaction rewrote those bitmaps. */
static inline void cu_groups_ok(semlite_collection *c, const float *q,
                                uint32_t dim, const uint8_t *del, unsigned n)
{
	for (unsigned g = 0; g < 37; g++) {
		semlite_search_opts o;
		semlite_results *r;
		char val[16];
		unsigned want = 0;
		for (unsigned i = g; i < n; i += 37)
			want += !del[i];
		snprintf(val, sizeof val, "%u", g);
		semlite_search_opts_init(&o);
		o.k = n;
		o.exact = 1;
		o.where_field = "g";
		o.where_value = val;
		assert_int_equal(semlite_search_vector(c, q, dim, &o, &r), 0);
		assert_int_equal(r->count, want);
		for (size_t j = 0; j < r->count; j++)
			assert_int_equal((unsigned)atoi(r->items[j].id) % 37,
			                 g);
		semlite_results_free(r);
	}
}

#endif
