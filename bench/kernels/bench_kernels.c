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
 * - clock: a chain of dependent integer adds (1 cycle latency each on every
 *   x86 core since the P6) timed in CPU time gives cycles per ns
 *   — the clock the core really ran at, turbo included; best of 5.
 * - peak: from the ISA, two vector multiply-add pipes per core (Intel since
 *   Haswell, AMD since Zen 2 — Zen 5 at full 512-bit width) times the lanes
 *   of the instruction the variant uses: FMA (SSE4.2: separate mul+add
 *   pairs) on 1/4/8/16 floats for the float kernels, counting one per
 *   element (cos: three); for int8, multiply-accumulates per instruction —
 *   scalar 1, pmaddwd 8, vpmaddwd 16, vpdpbusd 64. In-register probes with
 *   twelve independent chains measure the instructions per cycle the core
 *   actually sustains, printed next to the assumption.
 * - bandwidth: a streaming read (vector loads, four accumulators) over the
 *   same buffer in the same run.
 *
 * Times are the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so slices
 * the scheduler gives to other processes on a shared machine are not
 * counted; caches and memory bandwidth shared with them still are, and
 * each figure is the best of several runs. Buffers are 64-byte aligned
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
 * The one-to-many kernels over the same vectors, in calls of 8 (the size of
 * a small HNSW neighbour list); ns per distance as for the others. In L1
 * the pointer lists come from a table filled before timing (tab, as a
 * caller's list of neighbours would be); streaming, each call's list is
 * built in the loop (tab NULL), since a table for the whole buffer would
 * add its own memory traffic. Building the eight pointers per call in the
 * timed loop measured ~2 cycles per distance more at dim 256: their
 * stores feed the kernel's first loads. The results go into eight running
 * sums, one per slot, added as one vector: a single scalar sum would be a
 * chain of eight dependent adds (plus conversions) per call, as long as
 * the kernel itself at small dims.
 */
static float run_many(const kern_ops *o, int k, const void *q,
                      const uint8_t *base, size_t stride, size_t count,
                      size_t d, const void *const *tab)
{
	const void *xs[8];
	union {
		float f[8];
		int32_t i[8];
	} out = {{0}};
	float sf[8] = {0};
	int32_t si[8] = {0};
	for (size_t i = 0; i < count; i += 8) {
		size_t m = count - i < 8 ? count - i : 8;
		const void *const *p = tab ? tab + i : xs;
		if (!tab)
			for (size_t j = 0; j < m; j++)
				xs[j] = base + (i + j) * stride;
		if (k == K_DOTM) {
			o->dot_f32_many(q, (const float *const *)p, m, d,
			                out.f);
			for (size_t j = 0; j < 8; j++)
				sf[j] += out.f[j];
		} else {
			o->dot_i8_many(q, (const int8_t *const *)p, m, d,
			               out.i);
			for (size_t j = 0; j < 8; j++) /* wraps: unsigned */
				si[j] = (int32_t)((uint32_t)si[j] +
				                  (uint32_t)out.i[j]);
		}
	}
	float s = 0;
	for (size_t j = 0; j < 8; j++)
		s += sf[j] + (float)si[j];
	return s;
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

/* ns per call for count calls over the pool, repeated to >= min_s; best
 * of 3. */
static double time_l1(const kern_ops *o, int k, const void *q,
                      const uint8_t *pool, size_t stride, size_t count,
                      size_t d, double min_s)
{
	size_t reps = 1;
	double best = INFINITY;
	const void *tab[256]; /* count <= 256 (bench_cell) */
	for (size_t i = 0; i < count && i < 256; i++)
		tab[i] = pool + i * stride;
	for (int trial = 0; trial < 4; trial++) {
		double t0 = bench_now();
		for (size_t r = 0; r < reps; r++)
			sink += run(o, k, q, pool, stride, count, d, tab);
		double t = bench_now() - t0;
		if (trial == 0) { /* calibration run */
			reps = (size_t)(min_s / (t > 1e-7 ? t : 1e-7)) + 1;
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

/* Peak operations per cycle of kernel k in variant v (see the top). */
static double peak_per_cycle(int k, int v)
{
	static const double flane[NVAR] = {1, 4, 8, 16};
	static const double ilane[NVAR] = {1, 8, 16, 64};
	const double pipes = 2;
	if (k == K_HAM)
		return 0;
	return pipes * (k == K_I8 || k == K_I8M ? ilane[v] : flane[v]);
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
} bench_cfg;

static int parse_args(int argc, char **argv, bench_cfg *c)
{
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--seed"))
			c->seed = strtoull(argv[++i], NULL, 0);
		else if (i + 1 < argc && !strcmp(argv[i], "--mib"))
			c->mib = strtoul(argv[++i], NULL, 0);
		else if (i + 1 < argc && !strcmp(argv[i], "--kernel"))
			c->only = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--ms"))
			c->min_s = atof(argv[++i]) / 1e3;
		else {
			fprintf(stderr,
			        "usage: bench_kernels [--seed S] "
			        "[--mib MiB] [--ms MS] [--kernel NAME]\n");
			return 2;
		}
	}
	if (c->mib < 16 || c->min_s <= 0) {
		fprintf(stderr, "bench_kernels: --mib >= 16, --ms > 0\n");
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

static void print_probes(const bench_cfg *c)
{
	printf("clock (dependent-add chain): %.3f GHz\n", c->ghz);
	printf("streaming read: %.2f GB/s\n", c->bw);
#if defined(BENCH_X86)
	if (kern_variant("avx2"))
		printf("probe, per cycle: vfmadd ymm %.2f, vpmaddwd ymm %.2f\n",
		       peak_fma256(20000000) / c->ghz,
		       peak_madd256(20000000) / c->ghz);
	if (kern_variant("avx512"))
		printf("probe, per cycle: vfmadd zmm %.2f, vpdpbusd zmm %.2f\n",
		       peak_fma512(20000000) / c->ghz,
		       peak_dpbusd512(20000000) / c->ghz);
#endif
	printf(
	    "peak assumed: 2 vector multiply-add instructions per cycle\n\n");
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

/* One table row group: kernel k at dim d for every supported variant. */
static void bench_cell(const bench_cfg *c, int k, size_t d, const void *q,
                       const uint8_t *pool, const uint8_t *big, size_t bytes)
{
	size_t stride = vec_bytes(k, d);
	size_t count = (24u << 10) / stride;
	count = count < 1 ? 1 : count > 256 ? 256 : count;
	double l1_scalar = 0, st_scalar = 0;
	for (int v = 0; v < NVAR; v++) {
		const kern_ops *o = kern_variant(vn[v]);
		if (!o)
			continue;
		double l1 = time_l1(o, k, q, pool, stride, count, d, c->min_s);
		double st = time_stream(o, k, q, big, bytes, d);
		if (v == 0) {
			l1_scalar = l1;
			st_scalar = st;
		}
		/* ops per ns: this variant's ISA, and the core's widest */
		double pk = peak_per_cycle(k, v) * c->ghz;
		double pc = peak_per_cycle(k, c->best) * c->ghz;
		char peak[16] = "-", core[16] = "-";
		if (pk > 0) {
			snprintf(peak, sizeof peak, "%.0f%%",
			         100 * ops_per_call(k, d) / l1 / pk);
			snprintf(core, sizeof core, "%.0f%%",
			         100 * ops_per_call(k, d) / l1 / pc);
		}
		double gbs = (double)stride / st;
		printf("| %-11s | %4zu | %-6s | %8.2f | %5.1fx | %5s | %5s | "
		       "%9.2f | %5.1fx | %6.2f | %4.0f%% |\n",
		       kname[k], d, vn[v], l1, l1_scalar / l1, peak, core, st,
		       st_scalar / st, gbs, 100 * gbs / c->bw);
		fflush(stdout);
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
	bench_cfg c = {0x5e1f5eedULL, 1024, 0.02, NULL, 0, 0, 0};
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
	printf("bench_kernels: seed %llu, cpu \"%s\", kernels in use %s\n"
	       "out-of-cache buffer %zu MiB (last-level cache reported: %ld "
	       "KiB)\n",
	       (unsigned long long)c.seed, model, kern_get()->name, c.mib,
	       llc > 0 ? llc >> 10 : -1L);
	fill(big, bytes / 4, false, &r);
	for (int v = 0; v < NVAR; v++)
		if (kern_variant(vn[v]))
			c.best = v;
	c.ghz = measure_ghz();
	c.bw = measure_bw(big, bytes);
	print_probes(&c);
	header();
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
			bench_cell(&c, k, dims[d], q, pool, big, bytes);
	}
	free(big);
	free(q);
	free(pool);
	return 0;
}
