/*
 * cli.h — shared helpers of the semlite command-line program.
 *
 * The CLI uses only include/semlite.h. Each command lives in its own
 * cmd_*.c file and defines `int cli_cmd_NAME(int argc, char **argv)`,
 * where argv[0] is the command name. Commands return the process exit
 * code: 0 on success, 1 on error (after printing the error on stderr),
 * 2 on a usage error.
 */
#ifndef SL_CLI_H
#define SL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "semlite.h"

#if defined(__GNUC__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

/* Prints "semlite CMD: <message>: <semlite_errstr(rc)>[: errmsg]" on stderr
 * and returns 1. */
int cli_fail(const char *cmd, int rc, const char *fmt, ...) CLI_PRINTF(3, 4);

/* Prints "semlite CMD: <message>" and a hint to run --help; returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) CLI_PRINTF(2, 3);

/* Parses a non-negative integer option value in [lo, hi]; false if bad. */
bool cli_parse_long(const char *s, long lo, long hi, long *out);

/* Writes a float with 9 significant digits as JSON (NaN/Inf -> null). */
void cli_json_float(FILE *f, float v);

/* Writes s as a JSON string literal (quotes and escapes). */
void cli_json_string(FILE *f, const char *s, size_t n);

/* True when stderr is a terminal (progress bars go there). */
bool cli_stderr_is_tty(void);

#endif
