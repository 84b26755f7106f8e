/*
 * jsonl.h — turning one JSON Lines record into a document (id, text,
 * metadata) for `semlite import`; separate from the command so the fuzz
 * target tests/fuzz/jsonl can drive it.
 */
#ifndef SL_CLI_JSONL_H
#define SL_CLI_JSONL_H

#include <stddef.h>

typedef struct cli_jsonl_doc {
	char *id;   /* malloc'd */
	char *text; /* malloc'd; the text fields joined by one space */
	size_t text_len;
	char *meta; /* malloc'd JSON object of the other fields, or NULL */
} cli_jsonl_doc;

/* Parses line[len]. id_field NULL means `_id`, else `id`. On failure
 * returns -1, writes where the problem is into field[cap] (`field "x"`,
 * `column 12` for malformed JSON, or "" for the record as a whole) and
 * points *what at a static description of the problem. */
int cli_jsonl_parse(const char *line, size_t len, const char *id_field,
                    const char *const *text_fields, int ntext,
                    cli_jsonl_doc *out, char *field, size_t cap,
                    const char **what);
void cli_jsonl_doc_free(cli_jsonl_doc *d);

#endif
