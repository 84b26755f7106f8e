/*
 * chunk_put.c — chunked import: one stored document per chunk.
 *
 * Each chunk is an ordinary document (so search, filters and the keyword
 * index need nothing new): its id is the source id + "#" + chunk number,
 * its text the chunk's text, and its metadata the source's metadata plus
 * "_doc" (source id) and "_start"/"_end" (byte offsets into the source
 * text). `semlite search --group-by-doc` folds the chunks of one source
 * back into its best chunk. Tokens are counted as whitespace-separated
 * words here: the CLI has no tokenizer of the collection's model at hand,
 * and words are a close, tokenizer-independent budget.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/chunk_put.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *chunk_meta(const char *meta, const char *id,
                        const semlite_chunk *ch)
{
	cJSON *o = meta ? cJSON_Parse(meta) : cJSON_CreateObject();
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		o = cJSON_CreateObject();
	}
	char *s = NULL;
	if (o && cJSON_AddStringToObject(o, "_doc", id) &&
	    cJSON_AddNumberToObject(o, "_start", (double)ch->start) &&
	    cJSON_AddNumberToObject(o, "_end", (double)ch->end))
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

int cli_put_chunked(semlite_collection *c, semlite_txn *t, const char *id,
                    const char *text, size_t len, const char *meta,
                    size_t max_tokens, size_t overlap, size_t *nchunks)
{
	semlite_chunk *ch = NULL;
	size_t n = 0;
	*nchunks = 0;
	int rc =
	    semlite_chunk_text(text, len, max_tokens, overlap, NULL, &ch, &n);
	char *cid = malloc(strlen(id) + 24);
	if (!rc && !cid)
		rc = SEMLITE_NOMEM;
	for (size_t i = 0; i < n && !rc; i++) {
		char *m = chunk_meta(meta, id, &ch[i]);
		if (!m) {
			rc = SEMLITE_NOMEM;
			break;
		}
		sprintf(cid, "%s#%zu", id, i);
		rc = semlite_doc_put(c, t, cid, text + ch[i].start,
		                     ch[i].end - ch[i].start, m);
		free(m);
	}
	if (!rc)
		*nchunks = n;
	free(cid);
	semlite_chunks_free(ch);
	return rc;
}
