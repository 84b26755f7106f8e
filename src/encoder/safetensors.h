/*
 * safetensors.h — a validating reader for the safetensors format.
 *
 * Layout: u64 little-endian header length N, N bytes of JSON
 * {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
 *  "__metadata__": {...}}, then the data; offsets are relative to the end
 * of the header. The parsed tensors point into the caller's buffer, which
 * must outlive them.
 */
#ifndef SL_SAFETENSORS_H
#define SL_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define ENC_ST_MAX_RANK 8

enum enc_dtype {
	ENC_F64,
	ENC_F32,
	ENC_F16,
	ENC_BF16,
	ENC_I64,
	ENC_I32,
	ENC_I16,
	ENC_I8,
	ENC_U64,
	ENC_U32,
	ENC_U16,
	ENC_U8,
	ENC_BOOL
};

typedef struct enc_tensor {
	char *name;
	int dtype;
	size_t rank;
	size_t shape[ENC_ST_MAX_RANK];
	size_t count; /* product of the shape */
	const uint8_t *data;
	size_t nbytes;
} enc_tensor;

typedef struct enc_st {
	enc_tensor *t;
	size_t n;
} enc_st;

/* Parses and validates buf[0..len). `name` prefixes error messages.
 * Errors: SEMLITE_CORRUPT (truncated file, bad JSON, offsets outside the
 * file, byte size not matching the shape), SEMLITE_UNSUPPORTED (unknown
 * dtype, rank above 8), SEMLITE_NOMEM. */
int enc_st_parse(const uint8_t *buf, size_t len, const char *name, enc_st *out);
void enc_st_free(enc_st *st);
const enc_tensor *enc_st_find(const enc_st *st, const char *name);
const char *enc_dtype_name(int dtype);
size_t enc_dtype_size(int dtype);

/* Element i of a float/int tensor as double (any dtype above). */
double enc_tensor_get(const enc_tensor *t, size_t i);

#endif
