/*
 * peak_avx2.c — AVX2 throughput probes for bench_kernels (-mavx2 -mfma on
 * this file only). Twelve independent chains keep every pipe busy whatever
 * the latency (4-5 cycles x 2 pipes needs at least 10), so the loop runs at
 * the instruction's throughput: that measures how many such instructions
 * the core retires per cycle, the number the peak in the report assumes.
 */
#include "peak.h"

#include <simde/x86/avx2.h>
#include <simde/x86/fma.h>

#define CHAINS 12

double peak_fma256(uint64_t iters)
{
	simde__m256 acc[CHAINS];
	simde__m256 x = simde_mm256_set1_ps(0.999999f);
	simde__m256 y = simde_mm256_set1_ps(1e-3f);
	for (int c = 0; c < CHAINS; c++)
		acc[c] = simde_mm256_set1_ps((float)c);
	double t0 = bench_now();
	for (uint64_t i = 0; i < iters; i++)
		for (int c = 0; c < CHAINS; c++)
			acc[c] = simde_mm256_fmadd_ps(acc[c], x, y);
	double t = bench_now() - t0;
	simde__m256 s = acc[0];
	for (int c = 1; c < CHAINS; c++)
		s = simde_mm256_add_ps(s, acc[c]);
	volatile float sink = simde_mm256_cvtss_f32(s);
	(void)sink;
	return (double)(iters * CHAINS) / (t * 1e9);
}

double peak_madd256(uint64_t iters)
{
	simde__m256i acc[CHAINS];
	simde__m256i x = simde_mm256_set1_epi16(3);
	for (int c = 0; c < CHAINS; c++)
		acc[c] = simde_mm256_set1_epi16((short)c);
	double t0 = bench_now();
	for (uint64_t i = 0; i < iters; i++)
		for (int c = 0; c < CHAINS; c++)
			acc[c] = simde_mm256_madd_epi16(acc[c], x);
	double t = bench_now() - t0;
	simde__m256i s = acc[0];
	for (int c = 1; c < CHAINS; c++)
		s = simde_mm256_add_epi32(s, acc[c]);
	volatile int sink = simde_mm256_extract_epi32(s, 0);
	(void)sink;
	return (double)(iters * CHAINS) / (t * 1e9);
}

double stream_read256(const uint8_t *p, size_t n)
{
	simde__m256i a0 = simde_mm256_setzero_si256(), a1 = a0, a2 = a0,
	             a3 = a0;
	double t0 = bench_now();
	for (size_t i = 0; i + 128 <= n; i += 128) {
		a0 = simde_mm256_add_epi64(
		    a0, simde_mm256_loadu_si256((const void *)(p + i)));
		a1 = simde_mm256_add_epi64(
		    a1, simde_mm256_loadu_si256((const void *)(p + i + 32)));
		a2 = simde_mm256_add_epi64(
		    a2, simde_mm256_loadu_si256((const void *)(p + i + 64)));
		a3 = simde_mm256_add_epi64(
		    a3, simde_mm256_loadu_si256((const void *)(p + i + 96)));
	}
	double t = bench_now() - t0;
	simde__m256i s = simde_mm256_add_epi64(simde_mm256_add_epi64(a0, a1),
	                                       simde_mm256_add_epi64(a2, a3));
	volatile long long sink = simde_mm256_extract_epi64(s, 0);
	(void)sink;
	return (double)n / (t * 1e9);
}
