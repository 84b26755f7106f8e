/*
 * safetensors.c — reading safetensors files without trusting them.
 *
 * Everything in the file is checked before use: the header length against
 * the file size, the header as a JSON object, each tensor's dtype, its
 * shape (non-negative integers, product computed with overflow checks),
 * its data offsets (integers, begin <= end <= data size) and that
 * end - begin is exactly count * dtype size. Numbers in the JSON are
 * doubles in cJSON, so values above 2^53 are refused rather than rounded.
 * Rejected: mmap-ing the file here; callers own the bytes (the database
 * stores them), and a loaded model converts the table anyway.
 */
#include "encoder/safetensors.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "common/common.h"
#include "kernels/kernels.h"

static const struct {
	const char *name;
	size_t size;
} dtypes[] = {
    [ENC_F64] = {"F64", 8},   [ENC_F32] = {"F32", 4}, [ENC_F16] = {"F16", 2},
    [ENC_BF16] = {"BF16", 2}, [ENC_I64] = {"I64", 8}, [ENC_I32] = {"I32", 4},
    [ENC_I16] = {"I16", 2},   [ENC_I8] = {"I8", 1},   [ENC_U64] = {"U64", 8},
    [ENC_U32] = {"U32", 4},   [ENC_U16] = {"U16", 2}, [ENC_U8] = {"U8", 1},
    [ENC_BOOL] = {"BOOL", 1},
};

#define NDTYPES (sizeof dtypes / sizeof dtypes[0])

const char *enc_dtype_name(int d)
{
	return d >= 0 && (size_t)d < NDTYPES ? dtypes[d].name : "?";
}

size_t enc_dtype_size(int d)
{
	return d >= 0 && (size_t)d < NDTYPES ? dtypes[d].size : 0;
}

static bool json_size(const cJSON *j, size_t *out)
{
	if (!cJSON_IsNumber(j))
		return false;
	double d = j->valuedouble;
	if (!(d >= 0 && d <= 9007199254740992.0) || d != (double)(uint64_t)d)
		return false;
	if ((uint64_t)d > SIZE_MAX)
		return false;
	*out = (size_t)d;
	return true;
}

static int parse_shape(const cJSON *shape, const char *file, enc_tensor *t)
{
	if (!cJSON_IsArray(shape))
		return sl_err(SEMLITE_CORRUPT,
		              "%s: tensor \"%s\": \"shape\" must be an array",
		              file, t->name);
	int rank = cJSON_GetArraySize(shape);
	if (rank > ENC_ST_MAX_RANK)
		return sl_err(SEMLITE_UNSUPPORTED,
		              "%s: tensor \"%s\": rank %d is above %d", file,
		              t->name, rank, ENC_ST_MAX_RANK);
	t->rank = (size_t)rank;
	t->count = 1;
	const cJSON *e;
	size_t i = 0;
	cJSON_ArrayForEach(e, shape)
	{
		if (!json_size(e, &t->shape[i]) ||
		    !sl_mul_ok(t->count, t->shape[i], &t->count))
			return sl_err(SEMLITE_CORRUPT,
			              "%s: tensor \"%s\": bad shape entry %zu",
			              file, t->name, i);
		i++;
	}
	return SEMLITE_OK;
}

static int parse_tensor(const cJSON *j, const char *file, const uint8_t *data,
                        size_t data_len, enc_tensor *t)
{
	const cJSON *dt = cJSON_GetObjectItemCaseSensitive(j, "dtype");
	const cJSON *off = cJSON_GetObjectItemCaseSensitive(j, "data_offsets");
	if (!cJSON_IsObject(j) || !cJSON_IsString(dt))
		return sl_err(SEMLITE_CORRUPT,
		              "%s: tensor \"%s\" has no \"dtype\"", file,
		              t->name);
	t->dtype = -1;
	for (size_t i = 0; i < NDTYPES; i++)
		if (!strcmp(dt->valuestring, dtypes[i].name))
			t->dtype = (int)i;
	if (t->dtype < 0)
		return sl_err(SEMLITE_UNSUPPORTED,
		              "%s: tensor \"%s\": dtype \"%.16s\" is not "
		              "supported",
		              file, t->name, dt->valuestring);
	int rc =
	    parse_shape(cJSON_GetObjectItemCaseSensitive(j, "shape"), file, t);
	if (rc)
		return rc;
	size_t b, e, nbytes;
	if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 ||
	    !json_size(cJSON_GetArrayItem(off, 0), &b) ||
	    !json_size(cJSON_GetArrayItem(off, 1), &e) || b > e)
		return sl_err(SEMLITE_CORRUPT,
		              "%s: tensor \"%s\": bad \"data_offsets\"", file,
		              t->name);
	if (e > data_len)
		return sl_err(
		    SEMLITE_CORRUPT,
		    "%s: tensor \"%s\": data ends at byte %zu but the "
		    "file has %zu data bytes (truncated file?)",
		    file, t->name, e, data_len);
	if (!sl_mul_ok(t->count, dtypes[t->dtype].size, &nbytes) ||
	    nbytes != e - b)
		return sl_err(SEMLITE_CORRUPT,
		              "%s: tensor \"%s\": %zu data bytes do not match "
		              "its shape and dtype",
		              file, t->name, e - b);
	t->data = data + b;
	t->nbytes = nbytes;
	return SEMLITE_OK;
}

static int parse_header(cJSON *root, const char *file, const uint8_t *data,
                        size_t data_len, enc_st *out)
{
	if (!cJSON_IsObject(root))
		return sl_err(SEMLITE_CORRUPT,
		              "%s: header is not a JSON object", file);
	size_t n = (size_t)cJSON_GetArraySize(root);
	out->t = sl_calloc(n ? n : 1, sizeof *out->t);
	if (!out->t)
		return sl_err(SEMLITE_NOMEM, "%s: out of memory", file);
	const cJSON *j;
	cJSON_ArrayForEach(j, root)
	{
		if (!strcmp(j->string, "__metadata__"))
			continue;
		enc_tensor *t = &out->t[out->n];
		if (!(t->name = sl_strdup(j->string)))
			return sl_err(SEMLITE_NOMEM, "%s: out of memory", file);
		out->n++;
		int rc = parse_tensor(j, file, data, data_len, t);
		if (rc)
			return rc;
	}
	return SEMLITE_OK;
}

int enc_st_parse(const uint8_t *buf, size_t len, const char *file, enc_st *out)
{
	memset(out, 0, sizeof *out);
	if (len < 8)
		return sl_err(SEMLITE_CORRUPT,
		              "%s: truncated file (%zu bytes, no header)", file,
		              len);
	uint64_t hlen = sl_load_u64le(buf);
	if (hlen > len - 8)
		return sl_err(SEMLITE_CORRUPT,
		              "%s: truncated file (header of %llu bytes, file "
		              "of %zu)",
		              file, (unsigned long long)hlen, len);
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts((const char *)buf + 8,
	                                        (size_t)hlen, &end, 0);
	if (!root)
		return sl_err(SEMLITE_CORRUPT,
		              "%s: header is not valid JSON (near byte %zu)",
		              file,
		              end ? (size_t)(end - (const char *)buf) : 0);
	int rc = parse_header(root, file, buf + 8 + hlen,
	                      len - 8 - (size_t)hlen, out);
	cJSON_Delete(root);
	if (rc)
		enc_st_free(out);
	return rc;
}

void enc_st_free(enc_st *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		sl_free(st->t[i].name);
	sl_free(st->t);
	st->t = NULL;
	st->n = 0;
}

const enc_tensor *enc_st_find(const enc_st *st, const char *name)
{
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->t[i].name, name))
			return &st->t[i];
	return NULL;
}

double enc_tensor_get(const enc_tensor *t, size_t i)
{
	const uint8_t *p = t->data + i * dtypes[t->dtype].size;
	uint64_t u;
	switch (t->dtype) {
	case ENC_F64: {
		double d;
		u = sl_load_u64le(p);
		memcpy(&d, &u, 8);
		return d;
	}
	case ENC_F32: {
		float f;
		uint32_t w = sl_load_u32le(p);
		memcpy(&f, &w, 4);
		return f;
	}
	case ENC_F16:
		return kern_f16_to_f32((uint16_t)(p[0] | p[1] << 8));
	case ENC_BF16: {
		float f;
		uint32_t w = (uint32_t)(p[0] | p[1] << 8) << 16;
		memcpy(&f, &w, 4);
		return f;
	}
	case ENC_I64:
		return (double)(int64_t)sl_load_u64le(p);
	case ENC_I32:
		return (double)(int32_t)sl_load_u32le(p);
	case ENC_I16:
		return (double)(int16_t)(uint16_t)(p[0] | p[1] << 8);
	case ENC_I8:
		return (double)(int8_t)p[0];
	case ENC_U64:
		return (double)sl_load_u64le(p);
	case ENC_U32:
		return (double)sl_load_u32le(p);
	case ENC_U16:
		return (double)(uint16_t)(p[0] | p[1] << 8);
	default:
		return (double)p[0];
	}
}
