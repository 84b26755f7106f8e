/*
 * peak.h — in-register throughput and streaming-read loops for
 * bench_kernels, one translation unit per ISA (peak_avx2.c, peak_avx512.c).
 * Each returns operations per nanosecond over `iters` loop iterations.
 */
#ifndef BENCH_PEAK_H
#define BENCH_PEAK_H

#include <stddef.h>
#include <stdint.h>

/* Seconds on CLOCK_MONOTONIC. */
double bench_now(void);

/* Independent 256-bit FMAs (vfmadd ymm) per ns. */
double peak_fma256(uint64_t iters);
/* Independent 256-bit vpmaddwd per ns. */
double peak_madd256(uint64_t iters);
/* Independent 512-bit FMAs (vfmadd zmm) per ns. */
double peak_fma512(uint64_t iters);
/* Independent 512-bit vpdpbusd per ns. */
double peak_dpbusd512(uint64_t iters);
/* Bytes per ns of a streaming read of p[0..n) with 256/512-bit loads. */
double stream_read256(const uint8_t *p, size_t n);
double stream_read512(const uint8_t *p, size_t n);

#endif
