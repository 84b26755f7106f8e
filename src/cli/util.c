/*
 * util.c — small helpers shared by the CLI commands: error printing in one
 * format, option parsing, and JSON output of numbers and strings.
 */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

int cli_fail(const char *cmd, int rc, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "semlite %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s", semlite_errstr(rc));
	const char *detail = semlite_errmsg();
	if (detail && *detail)
		fprintf(stderr, ": %s", detail);
	fputc('\n', stderr);
	return 1;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "semlite %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'semlite help %s')\n", cmd);
	return 2;
}

bool cli_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

void cli_json_float(FILE *f, float v)
{
	if (!isfinite(v))
		fputs("null", f);
	else
		fprintf(f, "%.9g", (double)v);
}

void cli_json_string(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

bool cli_stderr_is_tty(void)
{
	return isatty(STDERR_FILENO) == 1;
}
