/*
 * meta.c — metadata objects: validation and the field=value pairs that
 * become filter bitmaps.
 *
 * Metadata is stored verbatim (what the caller gave is what get returns);
 * cJSON parses it once on put to validate it and to enumerate its
 * top-level scalars. Numbers are spelled the way a user types them in a
 * --where clause: integers without a fraction ("2020"), others with %.17g.
 * Nested objects are not indexed; arrays index each scalar element.
 *
 * Rejected: a canonical re-serialization of the metadata (would change the
 * user's bytes) and flattening nested objects into dotted paths (no use
 * case yet; a TODO for issue 7's filter work if it wants one).
 */
#include "filter/filter.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int scalar_text(const cJSON *it, char *buf, size_t cap, const char **v,
                       size_t *vl)
{
	if (cJSON_IsString(it)) {
		*v = it->valuestring;
		*vl = strlen(it->valuestring);
		return 1;
	}
	if (cJSON_IsBool(it)) {
		*v = cJSON_IsTrue(it) ? "true" : "false";
		*vl = strlen(*v);
		return 1;
	}
	if (cJSON_IsNumber(it)) {
		double d = it->valuedouble;
		int n;
		if (!isfinite(d))
			return 0;
		if (d == floor(d) && fabs(d) < 1e15)
			n = snprintf(buf, cap, "%.0f", d);
		else
			n = snprintf(buf, cap, "%.17g", d);
		*v = buf;
		*vl = (size_t)n;
		return 1;
	}
	return 0;
}

static int emit(const cJSON *field, const cJSON *it, filt_pair_fn fn, void *ctx)
{
	char buf[64];
	const char *v;
	size_t vl;
	if (!scalar_text(it, buf, sizeof buf, &v, &vl))
		return SEMLITE_OK;
	return fn(ctx, field->string, strlen(field->string), v, vl);
}

int filt_meta_scan(const char *json, size_t len, filt_pair_fn fn, void *ctx)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (!root) {
		size_t off = end ? (size_t)(end - json) : 0;
		return sl_err(SEMLITE_INVALID,
		              "metadata: malformed JSON near byte %zu", off);
	}
	int rc = SEMLITE_OK;
	if (!cJSON_IsObject(root)) {
		rc = sl_err(SEMLITE_INVALID, "metadata: not a JSON object");
		goto out;
	}
	/* cJSON stops at the value's end: allow only whitespace after it. */
	for (const char *p = end; p && p < json + len && !rc; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			rc = sl_err(SEMLITE_INVALID,
			            "metadata: trailing bytes after the "
			            "object");
	const cJSON *f;
	cJSON_ArrayForEach(f, root)
	{
		if (rc || !fn)
			break;
		if (cJSON_IsArray(f)) {
			const cJSON *e;
			cJSON_ArrayForEach(e, f)
			{
				if ((rc = emit(f, e, fn, ctx)))
					break;
			}
		} else {
			rc = emit(f, f, fn, ctx);
		}
	}
out:
	cJSON_Delete(root);
	return rc;
}
