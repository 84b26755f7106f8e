/*
 * bench_kernels.c — ns per distance for each kernel x variant at dims 64,
 * 128, 256, 384, 768 and 1536, in two regimes:
 *
 * - L1: one query against a pool of vectors that fits in 24 KiB (L1d is
 *   32-48 KiB on current x86 cores), repeated for at least --ms ms; the
 *   calls are independent, so this is throughput, as in a scan.
 * - out of cache: one query (in L1) against every vector of a --mib MiB
 *   buffer (default 1024, larger than the last-level cache the OS reports
 *   unless that is over 512 MiB), streamed front to back; best of 2 passes.
 *
 * For each cell it prints the speed-up over the scalar variant and either
 * the fraction of the core's peak arithmetic throughput (L1) or of the
 * memory bandwidth (out of cache):
 *
 * - peak = instructions per cycle x lanes x clock, stated in the run
 *   header. Clock: a chain of dependent integer adds (1 cycle latency each
 *   on every x86 core since the P6; 20M iterations of 10 adds) timed in
 *   thread CPU time gives cycles per ns, the clock the core really ran
 *   at, turbo included; measured 5 times before and 5 times after the
 *   table, and the highest value is used (a higher clock means a higher
 *   peak, so noise can only lower the percentages). Instructions per
 *   cycle: two vector multiply-add pipes per core (Intel since Haswell,
 *   AMD since Zen 2 — Zen 5 at full 512-bit width). Lanes: the
 *   instruction the variant uses — FMA (SSE4.2: separate mul+add pairs)
 *   on 1/4/8/16 floats for the float kernels, one per element (cos:
 *   three); for int8, multiply-accumulates per instruction: scalar 1,
 *   pmaddwd 8, vpmaddwd 16, vpdpbusd 64. In-register probes (twelve
 *   independent chains of vfmadd / vpmaddwd / vpdpbusd, best of 3)
 *   measure the instructions per ns the core actually sustains; where one
 *   exists for the variant's instruction and exceeds 2 x clock, it
 *   replaces the assumption, so the peak used is the higher of the two.
 * - bandwidth: a streaming read (vector loads, four accumulators) over the
 *   same buffer in the same run.
 *
 * Times are the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so slices
 * the scheduler gives to other processes on a shared machine are not
 * counted; caches and memory bandwidth shared with them still are. An L1
 * figure is the best of 16 windows of --ms/16 ms each (short windows, so
 * that some fall between the scheduler's switches, which evict L1), a
 * streaming one the best of 2 passes. Buffers are 64-byte aligned
 * (vectors stored in a database page are at least as aligned as their
 * size allows); the kernels themselves accept any alignment.
 *
 * Every random input comes from sl_rng with the printed --seed.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernels/kernels.h"
#include "peak.h"

double bench_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

enum { K_DOT, K_L2, K_COS, K_I8, K_DOTM, K_I8M, K_F16, K_HAM, K_COUNT };
static const char *const kname[K_COUNT] = {
    "dot_f32",      "l2sq_f32",    "cos_f32",     "dot_i8",
    "dot_f32_many", "dot_i8_many", "dot_f16_f32", "hamming"};
static const size_t dims[] = {64, 128, 256, 384, 768, 1536};
#define NDIMS (sizeof dims / sizeof dims[0])
#define NVAR  4
static const char *const vn[NVAR] = {"scalar", "sse42", "avx2", "avx512"};

/* Bytes of one streamed vector of dimension d. */
static size_t vec_bytes(int k, size_t d)
{
	switch (k) {
	case K_I8:
	case K_I8M:
		return d;
	case K_F16:
		return 2 * d;
	case K_HAM:
		return d / 8;
	default:
		return 4 * d;
	}
}

/* count calls of kernel k: query q against base + i * stride. The switch
 * is outside the loops so the timed loop is just the indirect call (as in
 * a scan through the kern_ops table) and the sum that keeps it alive. */
#define BENCH_LOOP(CALL)                                                       \
	for (size_t i = 0; i < count; i++) {                                   \
		const void *x = base + i * stride;                             \
		s += CALL;                                                     \
	}                                                                      \
	break

/*
 * The one-to-many kernels over the same vectors, in calls of many_calls
 * vectors (--calls, default 8: a small HNSW neighbour list; 32 is a full
 * layer-0 list at M = 16); ns per distance as for the others. In L1
 * the pointer lists come from a table filled before timing (tab, as a
 * caller's list of neighbours would be); streaming, each call's list is
 * built in the loop (tab NULL), since a table for the whole buffer would
 * add its own memory traffic. Building the eight pointers per call in the
 * timed loop measured ~2 cycles per distance more at dim 256: their
 * stores feed the kernel's first loads. Only the last result of each call
 * is summed: the call is an indirect one the compiler cannot drop, and
 * summing all eight cost more instructions per distance than the kernel
 * spends at small dims.
 */
static size_t many_calls = 8;

static float run_many(const kern_ops *o, int k, const void *q,
                      const uint8_t *base, size_t stride, size_t count,
                      size_t d, const void *const *tab)
{
	const void *xs[64];
	/* static: an automatic buffer was zeroed on every call of run_many
	 * (a 256-byte rep stos per pass over the pool, ~0.1 ns per distance
	 * at dim 256), and every entry read is written by the kernel first */
	static union {
		float f[64];
		int32_t i[64];
	} out;
	float s = 0;
	uint32_t si = 0;
	const size_t mc = many_calls;
	for (size_t i = 0; i < count; i += mc) {
		size_t m = count - i < mc ? count - i : mc;
		const void *const *p = tab ? tab + i : xs;
		if (!tab)
			for (size_t j = 0; j < m; j++)
				xs[j] = base + (i + j) * stride;
		if (k == K_DOTM) {
			o->dot_f32_many(q, (const float *const *)p, m, d,
			                out.f);
			s += out.f[m - 1];
		} else {
			o->dot_i8_many(q, (const int8_t *const *)p, m, d,
			               out.i);
			si += (uint32_t)out.i[m - 1];
		}
	}
	return s + (float)si;
}

static double run(const kern_ops *o, int k, const void *q, const uint8_t *base,
                  size_t stride, size_t count, size_t d, const void *const *tab)
{
	float s = 0;
	const float *qf = q;
	switch (k) {
	case K_DOT:
		BENCH_LOOP(o->dot_f32(qf, x, d));
	case K_L2:
		BENCH_LOOP(o->l2sq_f32(qf, x, d));
	case K_COS:
		BENCH_LOOP(o->cos_f32(qf, x, d));
	case K_I8:
		BENCH_LOOP((float)o->dot_i8(q, x, d));
	case K_DOTM:
	case K_I8M:
		return run_many(o, k, q, base, stride, count, d, tab);
	case K_F16:
		BENCH_LOOP(o->dot_f16_f32(x, qf, d));
	default:
		BENCH_LOOP((float)o->hamming(q, x, d / 8));
	}
	return s;
}

static volatile double sink;

/* ns per call for count calls over the pool: best of 16 windows of
 * min_s / 16 seconds each, after one calibration run. */
static double time_l1(const kern_ops *o, int k, const void *q,
                      const uint8_t *pool, size_t stride, size_t count,
                      size_t d, double min_s)
{
	size_t reps = 1;
	double best = INFINITY;
	const void *tab[256]; /* count <= 256 (bench_cell) */
	for (size_t i = 0; i < count && i < 256; i++)
		tab[i] = pool + i * stride;
	for (int trial = 0; trial < 17; trial++) {
		double t0 = bench_now();
		for (size_t r = 0; r < reps; r++)
			sink += run(o, k, q, pool, stride, count, d, tab);
		double t = bench_now() - t0;
		if (trial == 0) { /* calibration run */
			reps = (size_t)(min_s / 16 / (t > 1e-7 ? t : 1e-7)) + 1;
			continue;
		}
		double ns = t * 1e9 / (double)(reps * count);
		best = ns < best ? ns : best;
	}
	return best;
}

/* ns per call streaming the whole buffer once; best of 2 passes. */
static double time_stream(const kern_ops *o, int k, const void *q,
                          const uint8_t *big, size_t bytes, size_t d)
{
	size_t stride = vec_bytes(k, d), count = bytes / stride;
	double best = INFINITY;
	for (int pass = 0; pass < 2; pass++) {
		double t0 = bench_now();
		sink += run(o, k, q, big, stride, count, d, NULL);
		double ns = (bench_now() - t0) * 1e9 / (double)count;
		best = ns < best ? ns : best;
	}
	return best;
}

/* Cycles per ns from a chain of dependent adds; 0 when not measurable. */
static double measure_ghz(void)
{
#if defined(__x86_64__)
	double best = 0;
	for (int t = 0; t < 5; t++) {
		uint64_t x = 0, iters = 20000000;
		double t0 = bench_now();
		for (uint64_t i = 0; i < iters; i++)
			__asm__ volatile("add $1, %0\n\tadd $1, %0\n\t"
			                 "add $1, %0\n\tadd $1, %0\n\t"
			                 "add $1, %0\n\tadd $1, %0\n\t"
			                 "add $1, %0\n\tadd $1, %0\n\t"
			                 "add $1, %0\n\tadd $1, %0"
			                 : "+r"(x));
		double ghz = (double)x / ((bench_now() - t0) * 1e9);
		best = ghz > best ? ghz : best;
	}
	return best;
#else
	return 0;
#endif
}

/* Lanes (operations per instruction) of kernel k in variant v (see the
 * top); 0 for hamming, which has no multiply-add. */
static double lanes(int k, int v)
{
	static const double flane[NVAR] = {1, 4, 8, 16};
	static const double ilane[NVAR] = {1, 8, 16, 64};
	if (k == K_HAM)
		return 0;
	return k == K_I8 || k == K_I8M ? ilane[v] : flane[v];
}

static double ops_per_call(int k, size_t d)
{
	return k == K_COS ? 3.0 * (double)d : (double)d;
}

static void cpu_model(char *out, size_t cap)
{
	snprintf(out, cap, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	while (f && fgets(line, sizeof line, f)) {
		char *c = strchr(line, ':');
		if (!strncmp(line, "model name", 10) && c) {
			snprintf(out, cap, "%s", c + 2);
			out[strcspn(out, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
}

typedef struct bench_cfg {
	uint64_t seed;
	size_t mib;
	double min_s;
	const char *only; /* run just this kernel, or NULL for all */
	double ghz, bw;   /* cycles per ns, bytes per ns */
	int best;         /* index of the widest variant this CPU runs */
	/* probed instructions per ns: [0] float, [1] int8 multiply-add, per
	 * variant; 0 where no probe exists */
	double probe[2][NVAR];
} bench_cfg;

/* Peak operations per ns of kernel k in variant v: lanes x the higher of
 * 2 instructions per cycle at the measured clock and the probe. */
static double peak_per_ns(const bench_cfg *c, int k, int v)
{
	double ipns = 2 * c->ghz;
	double pr = c->probe[k == K_I8 || k == K_I8M][v];
	return lanes(k, v) * (pr > ipns ? pr : ipns);
}

static int parse_args(int argc, char **argv, bench_cfg *c)
{
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--seed"))
			c->seed = strtoull(argv[++i], NULL, 0);
		else if (i + 1 < argc && !strcmp(argv[i], "--mib"))
			c->mib = strtoul(argv[++i], NULL, 0);
		else if (i + 1 < argc && !strcmp(argv[i], "--kernel"))
			c->only = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--calls"))
			many_calls = strtoul(argv[++i], NULL, 0);
		else if (i + 1 < argc && !strcmp(argv[i], "--ms"))
			c->min_s = atof(argv[++i]) / 1e3;
		else {
			fprintf(stderr, "usage: bench_kernels [--seed S] "
			                "[--mib MiB] [--ms MS] [--calls N] "
			                "[--kernel NAME]\n");
			return 2;
		}
	}
	if (c->mib < 16 || c->min_s <= 0 || many_calls < 1 || many_calls > 64) {
		fprintf(stderr, "bench_kernels: --mib >= 16, --ms > 0, "
		                "--calls 1..64\n");
		return 2;
	}
	return 0;
}

/* Fills n floats in [-1, 1), or n halves of such floats. */
static void fill(void *p, size_t n, bool halves, sl_rng *r)
{
	for (size_t i = 0; i < n; i++) {
		float f = (float)(2 * sl_rng_uniform(r) - 1);
		if (halves)
			((uint16_t *)p)[i] = kern_f32_to_f16(f);
		else
			((float *)p)[i] = f;
	}
}

static double best_of3(double (*f)(uint64_t))
{
	double b = 0;
	for (int t = 0; t < 3; t++) {
		double x = f(20000000);
		b = x > b ? x : b;
	}
	return b;
}

static void run_probes(bench_cfg *c)
{
	memset(c->probe, 0, sizeof c->probe);
#if defined(BENCH_X86)
	if (kern_variant("avx2")) {
		c->probe[0][2] = best_of3(peak_fma256);
		c->probe[1][2] = best_of3(peak_madd256);
	}
	if (kern_variant("avx512")) {
		c->probe[0][3] = best_of3(peak_fma512);
		c->probe[1][3] = best_of3(peak_dpbusd512);
	}
#endif
}

static void print_probes(const bench_cfg *c, double ghz0, double ghz1)
{
	printf("clock (dependent-add chain, best of 5): %.3f GHz before the "
	       "table, %.3f after; used: %.3f GHz\n",
	       ghz0, ghz1, c->ghz);
	printf("streaming read: %.2f GB/s\n", c->bw);
	static const char *const pn[2][NVAR] = {
	    {"", "", "vfmadd ymm", "vfmadd zmm"},
	    {"", "", "vpmaddwd ymm", "vpdpbusd zmm"}};
	for (int v = 2; v < NVAR; v++)
		for (int t = 0; t < 2; t++)
			if (c->probe[t][v] > 0)
				printf("probe %-12s: %.2f per ns = %.2f per "
				       "cycle\n",
				       pn[t][v], c->probe[t][v],
				       c->probe[t][v] / c->ghz);
	printf("peak used: lanes x max(2 per cycle x %.3f GHz, probe); "
	       "avx512 f32 %.0f FMA/ns, int8 %.0f MAC/ns\n\n",
	       c->ghz, peak_per_ns(c, K_DOT, c->best),
	       peak_per_ns(c, K_I8, c->best));
}

static double measure_bw(const uint8_t *big, size_t bytes)
{
	double best = 0;
	for (int t = 0; t < 3; t++) {
		double bw = 0;
#if defined(BENCH_X86)
		if (kern_variant("avx512"))
			bw = stream_read512(big, bytes);
		else if (kern_variant("avx2"))
			bw = stream_read256(big, bytes);
#endif
		if (bw == 0) { /* portable fallback: 64-bit loads */
			double t0 = bench_now();
			uint64_t s = 0;
			for (size_t i = 0; i + 8 <= bytes; i += 8) {
				uint64_t w;
				memcpy(&w, big + i, 8);
				s += w;
			}
			bw = (double)bytes / ((bench_now() - t0) * 1e9);
			sink += (double)s;
		}
		best = bw > best ? bw : best;
	}
	return best;
}

/* Measured ns per distance of one cell (0: not run). */
typedef struct cell {
	double l1, st;
} cell;
static cell res[K_COUNT][NDIMS][NVAR];

/* Measures kernel k at dim index di for every supported variant. */
static void bench_cell(const bench_cfg *c, int k, size_t di, const void *q,
                       const uint8_t *pool, const uint8_t *big, size_t bytes)
{
	size_t d = dims[di], stride = vec_bytes(k, d);
	size_t count = (24u << 10) / stride;
	count = count < 1 ? 1 : count > 256 ? 256 : count;
	for (int v = 0; v < NVAR; v++) {
		const kern_ops *o = kern_variant(vn[v]);
		if (!o)
			continue;
		res[k][di][v].l1 =
		    time_l1(o, k, q, pool, stride, count, d, c->min_s);
		res[k][di][v].st = time_stream(o, k, q, big, bytes, d);
	}
}

/* Prints the rows of kernel k at dim index di (after the whole table is
 * measured, so the percentages use the final clock). */
static void print_cell(const bench_cfg *c, int k, size_t di)
{
	size_t d = dims[di], stride = vec_bytes(k, d);
	const cell *sc = &res[k][di][0];
	for (int v = 0; v < NVAR; v++) {
		const cell *e = &res[k][di][v];
		if (e->l1 == 0)
			continue;
		/* ops per ns: this variant's ISA, and the core's widest */
		double pk = peak_per_ns(c, k, v);
		double pc = peak_per_ns(c, k, c->best);
		char peak[16] = "-", core[16] = "-";
		if (pk > 0) {
			snprintf(peak, sizeof peak, "%.0f%%",
			         100 * ops_per_call(k, d) / e->l1 / pk);
			snprintf(core, sizeof core, "%.0f%%",
			         100 * ops_per_call(k, d) / e->l1 / pc);
		}
		double gbs = (double)stride / e->st;
		printf("| %-11s | %4zu | %-6s | %8.2f | %5.1fx | %5s | %5s | "
		       "%9.2f | %5.1fx | %6.2f | %4.0f%% |\n",
		       kname[k], d, vn[v], e->l1, sc->l1 / e->l1, peak, core,
		       e->st, sc->st / e->st, gbs, 100 * gbs / c->bw);
	}
}

static void header(void)
{
	printf("| kernel      |  dim | var    | L1 ns    | vs sc  | %%ISA  "
	       "| %%core | stream ns | vs sc  | GB/s   | %%BW   |\n"
	       "|-------------|------|--------|----------|--------|-------"
	       "|-------|-----------|--------|--------|-------|\n");
}

int main(int argc, char **argv)
{
	bench_cfg c = {0x5e1f5eedULL, 1024, 0.02, NULL, 0, 0, 0, {{0}}};
	int rc = parse_args(argc, argv, &c);
	if (rc)
		return rc;
	char model[256];
	cpu_model(model, sizeof model);
	long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
	size_t bytes = c.mib << 20;
	uint8_t *big = aligned_alloc(64, bytes);
	float *q = aligned_alloc(64, 1536 * sizeof(float));
	uint8_t *pool = aligned_alloc(64, 32u << 10);
	if (!big || !q || !pool) {
		fprintf(stderr, "bench_kernels: out of memory\n");
		return 1;
	}
	sl_rng r;
	sl_rng_seed(&r, c.seed);
	printf("bench_kernels: seed %llu, cpu \"%s\", kernels in use %s, "
	       "_many calls of %zu\n"
	       "out-of-cache buffer %zu MiB (last-level cache reported: %ld "
	       "KiB)\n",
	       (unsigned long long)c.seed, model, kern_get()->name, many_calls,
	       c.mib, llc > 0 ? llc >> 10 : -1L);
	fill(big, bytes / 4, false, &r);
	for (int v = 0; v < NVAR; v++)
		if (kern_variant(vn[v]))
			c.best = v;
	double ghz0 = measure_ghz();
	c.bw = measure_bw(big, bytes);
	run_probes(&c);
	fill(q, 1536, false, &r);
	fill(pool, (32u << 10) / 4, false, &r);
	for (int k = 0; k < K_COUNT; k++) {
		if (k == K_F16) { /* halves: refill the streamed buffers */
			fill(big, bytes / 2, true, &r);
			fill(pool, (32u << 10) / 2, true, &r);
		}
		if (c.only && strcmp(c.only, kname[k]))
			continue;
		for (size_t d = 0; d < NDIMS; d++)
			bench_cell(&c, k, d, q, pool, big, bytes);
	}
	double ghz1 = measure_ghz();
	c.ghz = ghz0 > ghz1 ? ghz0 : ghz1;
	print_probes(&c, ghz0, ghz1);
	header();
	for (int k = 0; k < K_COUNT; k++)
		for (size_t d = 0; d < NDIMS; d++)
			if (!c.only || !strcmp(c.only, kname[k]))
				print_cell(&c, k, d);
	free(big);
	free(q);
	free(pool);
	return 0;
}
