/*
 * enc_model.h — the layout of a loaded model, shared by the encoder's own
 * files (model.c and its benchmarks/tests); other modules use encoder.h.
 */
#ifndef SL_ENC_MODEL_H
#define SL_ENC_MODEL_H

#include <stdbool.h>

#include "encoder/encoder.h"
#include "encoder/tokenizer.h"

struct enc_model {
	tok_tokenizer *tok;
	float *table; /* rows x dim, float32 */
	size_t rows, dim;
	double *weights;   /* per token id, or NULL */
	uint32_t *mapping; /* token id -> row, or NULL */
	bool normalize;
	bool wide; /* accumulate in float64, as the reference does here */
	size_t median;
};

/* Loads from file bytes; `dir` (may be NULL) prefixes file names in
 * error messages. */
int enc_model_load_named(const enc_files *f, const char *dir, enc_model **out);

#endif
