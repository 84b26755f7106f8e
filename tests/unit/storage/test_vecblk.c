/*
 * test_vecblk.c — vector blocks (src/storage/vecblk.c) against a model:
 * random puts and deletes over several blocks, in write transactions that
 * are committed or thrown away, with every record compared after each;
 * blocks hold exactly their present records and vanish when emptied; the
 * block sizes fill their pages; damaged block values are SEMLITE_CORRUPT.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/test_db.h"
#include "storage/store.h"

#define SLOT 20
#define PER  10
#define IDS  64 /* 7 blocks, the last one partial */

static char path[256];

typedef struct model {
	uint8_t rec[IDS][SLOT];
	bool has[IDS];
} model;

static void fill(uint8_t *p, uint32_t id, uint32_t gen)
{
	for (int i = 0; i < SLOT; i++)
		p[i] = (uint8_t)(id * 31 + gen * 7 + (uint32_t)i);
}

/* Every id answers as the model says; every block value holds exactly
 * the present records, in id order, and passes the full validation. */
static void compare(const store_txn *t, const store_vecs *s, const model *m)
{
	for (uint32_t id = 0; id < IDS; id++) {
		const uint8_t *p;
		int rc = store_vec_get(t, s, id, &p);
		if (m->has[id]) {
			assert_int_equal(rc, SEMLITE_OK);
			assert_memory_equal(p, m->rec[id], SLOT);
		} else {
			assert_int_equal(rc, SEMLITE_NOTFOUND);
		}
	}
	for (uint32_t b = 0; b * PER < IDS; b++) {
		uint8_t k[8];
		MDB_val v;
		store_key_id(k, s->coll, b);
		uint32_t cnt = 0;
		for (uint32_t i = 0; i < PER && b * PER + i < IDS; i++)
			cnt += m->has[b * PER + i];
		int rc = store_get(t, s->db, k, 8, &v);
		if (!cnt) {
			assert_int_equal(rc, SEMLITE_NOTFOUND);
			continue;
		}
		assert_int_equal(rc, SEMLITE_OK);
		assert_int_equal(v.mv_size, store_vec_bitmap(PER) + cnt * SLOT);
		MDB_val kv = {8, k};
		store_vblock vb;
		assert_int_equal(store_vec_block(s, &kv, &v, true, &vb),
		                 SEMLITE_OK);
		assert_int_equal(vb.first, b * PER);
		assert_int_equal(vb.n, cnt);
		uint32_t i = 0, j = 0, seen = 0;
		while (store_vblock_next(&vb, &i, &j)) {
			uint32_t id = vb.first + i - 1;
			assert_true(m->has[id]);
			assert_memory_equal(vb.slots + (j - 1) * SLOT,
			                    m->rec[id], SLOT);
			seen++;
		}
		assert_int_equal(seen, cnt);
	}
}

static void test_model(void **state)
{
	(void)state;
	store_env *e;
	store_txn t;
	model m = {0}, w;
	store_vecs s = {STORE_DB_CODES, 7, SLOT, PER};
	sl_rng rng;
	sl_rng_seed(&rng, 11);
	assert_int_equal(store_env_open(path, true, false, &e), SEMLITE_OK);
	for (uint32_t round = 0; round < 60; round++) {
		w = m;
		assert_int_equal(store_txn_begin(e, true, &t), SEMLITE_OK);
		uint32_t ops = 1 + (uint32_t)(sl_rng_next(&rng) % 40);
		for (uint32_t i = 0; i < ops; i++) {
			uint32_t id = (uint32_t)(sl_rng_next(&rng) % IDS);
			if (sl_rng_next(&rng) % 3) {
				void *p;
				assert_int_equal(store_vec_put(&t, &s, id, &p),
				                 SEMLITE_OK);
				fill(p, id, round * 64 + i);
				fill(w.rec[id], id, round * 64 + i);
				w.has[id] = true;
			} else {
				int rc = store_vec_del(&t, &s, id);
				assert_int_equal(rc, w.has[id]
				                         ? SEMLITE_OK
				                         : SEMLITE_NOTFOUND);
				w.has[id] = false;
			}
		}
		compare(&t, &s, &w);
		if (round % 5 == 4) { /* thrown away: nothing changes */
			store_txn_abort(&t);
		} else {
			assert_int_equal(store_txn_commit(&t), SEMLITE_OK);
			m = w;
		}
		assert_int_equal(store_txn_begin(e, false, &t), SEMLITE_OK);
		compare(&t, &s, &m);
		store_txn_abort(&t);
	}
	store_env_close(e);
}

/* A block value of len bytes with the given presence bits (first two
 * bytes); the result of a lookup of id, or of the full validation. */
static int probe(store_env *e, const store_vecs *s, size_t len, uint16_t bits,
                 uint32_t id, bool full)
{
	store_txn t;
	uint8_t k[8], v[256] = {0};
	v[0] = (uint8_t)bits;
	v[1] = (uint8_t)(bits >> 8);
	store_key_id(k, s->coll, 0);
	assert_int_equal(store_txn_begin(e, true, &t), SEMLITE_OK);
	assert_int_equal(store_put(&t, s->db, k, 8, v, len), SEMLITE_OK);
	const uint8_t *p;
	MDB_val kv = {8, k}, vv = {len, v};
	store_vblock b;
	int rc = full ? store_vec_block(s, &kv, &vv, true, &b)
	              : store_vec_get(&t, s, id, &p);
	store_txn_abort(&t);
	return rc;
}

static void test_damage(void **state)
{
	(void)state;
	store_env *e;
	store_vecs s = {STORE_DB_EXACT, 9, SLOT, PER};
	size_t bm = store_vec_bitmap(PER);
	assert_int_equal(bm, 8);
	assert_int_equal(store_env_open(path, true, false, &e), SEMLITE_OK);
	/* well formed: ids 0 and 2 present, two records */
	assert_int_equal(probe(e, &s, bm + 2 * SLOT, 5, 2, false), SEMLITE_OK);
	assert_int_equal(probe(e, &s, bm + 2 * SLOT, 5, 1, false),
	                 SEMLITE_NOTFOUND);
	assert_int_equal(probe(e, &s, bm + 2 * SLOT, 5, 0, true), SEMLITE_OK);
	/* a length that is not whole records, too short, too many records */
	assert_int_equal(probe(e, &s, bm + 2 * SLOT - 1, 5, 0, false),
	                 SEMLITE_CORRUPT);
	assert_int_equal(probe(e, &s, bm, 0, 0, false), SEMLITE_CORRUPT);
	assert_int_equal(probe(e, &s, 3, 1, 0, false), SEMLITE_CORRUPT);
	assert_int_equal(probe(e, &s, bm + (PER + 1) * SLOT, 1, 0, false),
	                 SEMLITE_CORRUPT);
	/* more bits than records: a lookup past them, and the check */
	assert_int_equal(probe(e, &s, bm + 1 * SLOT, 5, 0, false), SEMLITE_OK);
	assert_int_equal(probe(e, &s, bm + 1 * SLOT, 5, 2, false),
	                 SEMLITE_CORRUPT);
	assert_int_equal(probe(e, &s, bm + 1 * SLOT, 5, 0, true),
	                 SEMLITE_CORRUPT);
	/* fewer bits than records, none at all, a bit past the block's ids */
	assert_int_equal(probe(e, &s, bm + 2 * SLOT, 1, 0, true),
	                 SEMLITE_CORRUPT);
	assert_int_equal(probe(e, &s, bm + 1 * SLOT, 0, 0, true),
	                 SEMLITE_CORRUPT);
	assert_int_equal(probe(e, &s, bm + 2 * SLOT, 1 | 1u << PER, 0, true),
	                 SEMLITE_CORRUPT);
	store_env_close(e);
}

/* Block sizes: whole records fill the chosen pages well, within 16 pages
 * unless one record needs more. */
static void test_per(void **state)
{
	(void)state;
	static const size_t slots[] = {9,    16,   136,  264,   512,
	                               520,  1000, 2049, 6144,  16384,
	                               4097, 8200, 3000, 65536, 262144};
	for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
		size_t slot = slots[i], ps = 4096;
		uint32_t per = store_vec_per(slot, ps);
		size_t v = store_vec_bitmap(per) + per * slot;
		size_t pages = (v + 16 + ps - 1) / ps;
		size_t one = (store_vec_bitmap(1) + slot + 16 + ps - 1) / ps;
		assert_true(per >= 1 && per <= STORE_VEC_MAX_PER);
		assert_true(pages <= (one > 16 ? one : 16));
		/* at least as full as one record alone, and as one more
		 * record than fits would be */
		assert_true(v * one >= (store_vec_bitmap(1) + slot) * pages);
		if (slot <= ps / 2)
			assert_true(v * 100 >= pages * ps * 90);
		printf("slot %zu: %u per block, %zu pages, %.1f%% full\n", slot,
		       per, pages, 100.0 * (double)v / (double)(pages * ps));
	}
	/* dim 256: int8 codes (264 bytes) and f16 (512) */
	assert_int_equal(store_vec_per(264, 4096), 155);
	assert_int_equal(store_vec_per(512, 4096), 127);
}

static int setup(void **state)
{
	(void)state;
	tdb_path(path, sizeof path, "vecblk");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tdb_remove(path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_model, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damage, setup, teardown),
	    cmocka_unit_test(test_per)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
