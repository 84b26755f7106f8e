/*
 * chunk_put.h — `semlite import --chunk-tokens N [--chunk-overlap M]`:
 * stores a document as sentence-boundary chunks.
 */
#ifndef SL_CLI_CHUNK_PUT_H
#define SL_CLI_CHUNK_PUT_H

#include "cli/cli.h"

/* Stores text as chunks of at most max_tokens words (overlap words shared
 * between neighbours): chunk i gets id "ID#i" and metadata = meta (a JSON
 * object or NULL) plus "_doc": ID, "_start"/"_end": byte offsets in text.
 * Returns a semlite_rc; *nchunks gets the number stored. */
int cli_put_chunked(semlite_collection *c, semlite_txn *t, const char *id,
                    const char *text, size_t len, const char *meta,
                    size_t max_tokens, size_t overlap, size_t *nchunks);

#endif
