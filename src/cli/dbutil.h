/*
 * dbutil.h — helpers shared by the database commands (create, import,
 * search, get, delete, stats, check, copy, vacuum): opening a database and
 * collection with uniform errors, and a line reader that reads plain or
 * zstd-compressed (.zst) files.
 */
#ifndef SL_CLI_DBUTIL_H
#define SL_CLI_DBUTIL_H

#include "cli/cli.h"

/* The commands defined by the database command files. */
int cli_cmd_create(int argc, char **argv);
int cli_cmd_import(int argc, char **argv);
int cli_cmd_search(int argc, char **argv);
int cli_cmd_get(int argc, char **argv);
int cli_cmd_delete(int argc, char **argv);
int cli_cmd_stats(int argc, char **argv);
int cli_cmd_check(int argc, char **argv);
int cli_cmd_compact(int argc, char **argv);
int cli_cmd_copy(int argc, char **argv);
int cli_cmd_vacuum(int argc, char **argv);
int cli_cmd_tune(int argc, char **argv);

/* Tunes the default search breadth of c (semlite_collection_tune; target
 * 0: the default), reporting it on stderr, or as one JSON line on stdout;
 * nothing for a collection without an index. Prints the error and returns
 * 1 on failure. */
int cli_tune(const char *cmd, semlite_collection *c, double target, bool json);

/* Vacuums the closed database at path (semlite_vacuum), reporting both
 * sizes and the time on stderr, or as one JSON line on stdout. Prints the
 * error and returns 1 on failure; with busy_ok, a file open elsewhere is a
 * note and returns 0. */
int cli_vacuum(const char *cmd, const char *path, bool json, bool busy_ok);

/* Opens db (flags as semlite_open) and, when c is not NULL, collection
 * name (NULL: "default"). Prints the error and returns 1 on failure. */
int cli_open(const char *cmd, const char *path, int flags, const char *name,
             semlite_db **db, semlite_collection **c);

/* Reads lines from a file, decompressing when its name ends in .zst. */
typedef struct cli_lines cli_lines;

int cli_lines_open(const char *path, cli_lines **out);
/* Next line without its newline; NUL-terminated, valid until the next
 * call. Returns 1 for a line, 0 at the end, -1 on a read error. */
int cli_lines_next(cli_lines *r, char **line, size_t *len);
void cli_lines_close(cli_lines *r);

/* Reads fvecs records: returns 1 and fills v (realloc'd to the record's
 * dimension) for a record, 0 at the end, -1 on a malformed file. */
int cli_fvecs_next(FILE *f, float **v, size_t *cap, size_t *dim);

/* Prints results best first: one JSON object per line with id, score,
 * text and metadata (when stored) for --json, else "score<TAB>id<TAB>the
 * first 100 bytes of text". Shared by search and recommend. */
void cli_print_results(const semlite_results *r, bool json);

/* Monotonic seconds. */
double cli_now(void);

#endif
