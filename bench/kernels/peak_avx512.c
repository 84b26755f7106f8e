/*
 * peak_avx512.c — AVX-512 throughput probes for bench_kernels (AVX-512
 * F/BW/VL/VNNI flags on this file only); see peak_avx2.c for the method.
 */
#include "peak.h"

#include <simde/x86/avx512.h>

#define CHAINS 12

double peak_fma512(uint64_t iters)
{
	simde__m512 acc[CHAINS];
	simde__m512 x = simde_mm512_set1_ps(0.999999f);
	simde__m512 y = simde_mm512_set1_ps(1e-3f);
	for (int c = 0; c < CHAINS; c++)
		acc[c] = simde_mm512_set1_ps((float)c);
	double t0 = bench_now();
	for (uint64_t i = 0; i < iters; i++)
		for (int c = 0; c < CHAINS; c++)
			acc[c] = simde_mm512_fmadd_ps(acc[c], x, y);
	double t = bench_now() - t0;
	simde__m512 s = acc[0];
	for (int c = 1; c < CHAINS; c++)
		s = simde_mm512_add_ps(s, acc[c]);
	volatile float sink =
	    simde_mm_cvtss_f32(simde_mm512_castps512_ps128(s));
	(void)sink;
	return (double)(iters * CHAINS) / (t * 1e9);
}

double peak_dpbusd512(uint64_t iters)
{
	simde__m512i acc[CHAINS];
	simde__m512i x = simde_mm512_set1_epi8(3);
	simde__m512i y = simde_mm512_set1_epi8(-5);
	for (int c = 0; c < CHAINS; c++)
		acc[c] = simde_mm512_set1_epi32(c);
	double t0 = bench_now();
	for (uint64_t i = 0; i < iters; i++)
		for (int c = 0; c < CHAINS; c++)
			acc[c] = simde_mm512_dpbusd_epi32(acc[c], x, y);
	double t = bench_now() - t0;
	simde__m512i s = acc[0];
	for (int c = 1; c < CHAINS; c++)
		s = simde_mm512_add_epi32(s, acc[c]);
	volatile int sink =
	    simde_mm_cvtsi128_si32(simde_mm512_castsi512_si128(s));
	(void)sink;
	return (double)(iters * CHAINS) / (t * 1e9);
}

double stream_read512(const uint8_t *p, size_t n)
{
	simde__m512i a0 = simde_mm512_setzero_si512(), a1 = a0, a2 = a0,
	             a3 = a0;
	double t0 = bench_now();
	for (size_t i = 0; i + 256 <= n; i += 256) {
		a0 = simde_mm512_add_epi64(
		    a0, simde_mm512_loadu_si512((const void *)(p + i)));
		a1 = simde_mm512_add_epi64(
		    a1, simde_mm512_loadu_si512((const void *)(p + i + 64)));
		a2 = simde_mm512_add_epi64(
		    a2, simde_mm512_loadu_si512((const void *)(p + i + 128)));
		a3 = simde_mm512_add_epi64(
		    a3, simde_mm512_loadu_si512((const void *)(p + i + 192)));
	}
	double t = bench_now() - t0;
	simde__m512i s = simde_mm512_add_epi64(simde_mm512_add_epi64(a0, a1),
	                                       simde_mm512_add_epi64(a2, a3));
	volatile int sink =
	    simde_mm_cvtsi128_si32(simde_mm512_castsi512_si128(s));
	(void)sink;
	return (double)n / (t * 1e9);
}
