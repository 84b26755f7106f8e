/*
 * jsonl.c — one JSON Lines record to one document.
 *
 * cJSON parses the line; the id field is taken out (strings as-is,
 * integral numbers printed as integers — BEIR corpora use both), the text
 * fields are joined with one space in the order given, and what remains
 * is printed back compactly as the metadata object. Everything returned is
 * a fresh copy, so the caller may free the parse tree at once.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/jsonl.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_jsonl_doc_free(cli_jsonl_doc *d)
{
	free(d->id);
	free(d->text);
	free(d->meta);
	memset(d, 0, sizeof *d);
}

static cJSON *find_id(cJSON *o, const char *id_field, const char **name)
{
	if (id_field) {
		*name = id_field;
		return cJSON_GetObjectItemCaseSensitive(o, id_field);
	}
	*name = "_id";
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "_id");
	if (!v && (v = cJSON_GetObjectItemCaseSensitive(o, "id")))
		*name = "id";
	return v; /* neither: the error names "_id", the default */
}

static char *id_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	if (cJSON_IsNumber(v) && v->valuedouble >= -9e15 &&
	    v->valuedouble <= 9e15 &&
	    v->valuedouble == (double)(long long)v->valuedouble) {
		char buf[32];
		snprintf(buf, sizeof buf, "%lld", (long long)v->valuedouble);
		return strdup(buf);
	}
	return NULL;
}

/* Appends s (n bytes) to the text, with a space between parts. */
static int append(cli_jsonl_doc *d, size_t *cap, const char *s, size_t n)
{
	size_t need = d->text_len + n + 2;
	if (need > *cap) {
		char *p = realloc(d->text, need * 2);
		if (!p)
			return -1;
		d->text = p;
		*cap = need * 2;
	}
	if (d->text_len)
		d->text[d->text_len++] = ' ';
	memcpy(d->text + d->text_len, s, n);
	d->text_len += n;
	d->text[d->text_len] = 0;
	return 0;
}

static int fail(char *field, size_t cap, const char *name, const char **what,
                const char *msg)
{
	if (*name)
		snprintf(field, cap, "field \"%s\"", name);
	else
		*field = 0;
	*what = msg;
	return -1;
}

int cli_jsonl_parse(const char *line, size_t len, const char *id_field,
                    const char *const *text_fields, int ntext,
                    cli_jsonl_doc *out, char *field, size_t cap,
                    const char **what)
{
	memset(out, 0, sizeof *out);
	cJSON *o = cJSON_ParseWithLength(line, len);
	const char *name = "";
	size_t tcap = 0;
	int rc = 0;
	if (!o) {
		/* cJSON's error pointer is global state: fine in the CLI,
		 * which parses on one thread. */
		const char *at = cJSON_GetErrorPtr();
		size_t col = at && at >= line && at <= line + len
		                 ? (size_t)(at - line) + 1
		                 : 0;
		snprintf(field, cap, "column %zu", col);
		*what = "malformed JSON";
		rc = -1;
		goto out;
	}
	if (!cJSON_IsObject(o)) {
		rc = fail(field, cap, "", what, "not a JSON object");
		goto out;
	}
	cJSON *idv = find_id(o, id_field, &name);
	if (!(out->id = id_text(idv))) {
		rc = fail(field, cap, name, what,
		          "missing, or not a string or integer");
		goto out;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	for (int i = 0; i < ntext && !rc; i++) {
		cJSON *v = cJSON_GetObjectItemCaseSensitive(o, text_fields[i]);
		if (!v)
			continue;
		if (!cJSON_IsString(v))
			rc = fail(field, cap, text_fields[i], what,
			          "expected a string");
		else if (append(out, &tcap, v->valuestring,
		                strlen(v->valuestring)))
			rc = fail(field, cap, text_fields[i], what,
			          "out of memory");
		else
			cJSON_DeleteItemFromObjectCaseSensitive(o,
			                                        text_fields[i]);
	}
	if (!rc && !out->text && !(out->text = strdup("")))
		rc = fail(field, cap, "", what, "out of memory");
	if (!rc && o->child && !(out->meta = cJSON_PrintUnformatted(o)))
		rc = fail(field, cap, "", what, "out of memory");
out:
	cJSON_Delete(o);
	if (rc)
		cli_jsonl_doc_free(out);
	return rc;
}
