/*
 * enc_test_util.h — helpers for the encoder tests: where ../shared is,
 * reading files and JSON, comparing vectors. Header-only (static
 * functions) so each test stays one .c file.
 */
#ifndef ENC_TEST_UTIL_H
#define ENC_TEST_UTIL_H

#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The models folder of ../shared, or NULL (after a skip message). */
static inline const char *enc_models_dir(void)
{
	static char buf[4096];
	const char *s = getenv("SEMLITE_SHARED");
	struct stat st;
	if (s && *s) {
		snprintf(buf, sizeof buf, "%s/models", s);
		if (!stat(buf, &st) && S_ISDIR(st.st_mode))
			return buf;
	}
	printf("SKIP: ../shared/models not found (SEMLITE_SHARED=%s); "
	       "the encoder golden tests need it\n",
	       s ? s : "(unset)");
	return NULL;
}

static inline char *enc_path(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static inline char *enc_path(const char *fmt, ...)
{
	static char buf[4][4096];
	static int k;
	char *b = buf[k++ & 3];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof buf[0], fmt, ap);
	va_end(ap);
	return b;
}

static inline char *enc_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	if (b)
		b[n] = 0;
	if (len)
		*len = (size_t)n;
	fclose(f);
	return b;
}

static inline cJSON *enc_json(const char *path)
{
	char *s = enc_read(path, NULL);
	cJSON *j = s ? cJSON_Parse(s) : NULL;
	free(s);
	return j;
}

static inline int enc_write(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(b, 1, n, f);
	fclose(f);
	return w == n ? 0 : -1;
}

/* max |a-b| / max(|b|, floor) over n entries. */
static inline double enc_max_rel(const float *a, const double *b, size_t n,
                                 double floor)
{
	double worst = 0;
	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)a[i] - b[i]);
		double s = fabs(b[i]) > floor ? fabs(b[i]) : floor;
		if (d / s > worst)
			worst = d / s;
	}
	return worst;
}

#endif
