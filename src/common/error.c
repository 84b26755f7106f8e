/*
 * error.c — return-code text and the thread-local detail message.
 *
 * Codes are a stable enum (semlite.h); the text for each is static. The
 * detail message lives in a thread-local buffer so that concurrent readers
 * never see each other's errors, as errno does; a fixed 1 KiB is enough for
 * "file:line: field: what" and never allocates, so it works when memory is
 * exhausted.
 */
#include "common/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char errbuf[1024];

static const char *const rc_text[] = {
    [SEMLITE_OK] = "not an error",
    [SEMLITE_NOMEM] = "out of memory",
    [SEMLITE_INVALID] = "invalid argument or input",
    [SEMLITE_MISUSE] = "library used incorrectly",
    [SEMLITE_NOTFOUND] = "not found",
    [SEMLITE_EXISTS] = "already exists",
    [SEMLITE_DIM_MISMATCH] = "vector dimension mismatch",
    [SEMLITE_CORRUPT] = "data is corrupt",
    [SEMLITE_IOERR] = "I/O error",
    [SEMLITE_FULL] = "database is full",
    [SEMLITE_BUSY] = "database is busy",
    [SEMLITE_VERSION] = "unsupported format version",
    [SEMLITE_MODEL] = "model is missing or unusable",
    [SEMLITE_INTERNAL] = "internal error",
    [SEMLITE_UNSUPPORTED] = "not supported by this build",
};

SEMLITE_API const char *semlite_errstr(int rc)
{
	if (rc < 0 || (size_t)rc >= sizeof rc_text / sizeof rc_text[0] ||
	    !rc_text[rc])
		return "unknown error";
	return rc_text[rc];
}

/* Formats into a scratch buffer first: callers may pass sl_errmsg() itself
 * as an argument to prefix context ("document 7: %s"), and vsnprintf with
 * its destination among its arguments is undefined. */
int sl_err(int rc, const char *fmt, ...)
{
	char tmp[sizeof errbuf];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	memcpy(errbuf, tmp, sizeof errbuf);
	return rc;
}

void sl_err_clear(void)
{
	errbuf[0] = '\0';
}

const char *sl_errmsg(void)
{
	return errbuf;
}

SEMLITE_API const char *semlite_errmsg(void)
{
	return errbuf;
}

SEMLITE_API const char *semlite_version(void)
{
	return SEMLITE_VERSION_STRING;
}

SEMLITE_API int semlite_version_number(void)
{
	return SEMLITE_VERSION_NUMBER;
}
