/*
 * default_model.h — the built-in default model, semlite-base.
 *
 * The three files of models/semlite-base/ are linked into the library
 * (default_model.S, .incbin), so a database created without --model and
 * `semlite embed` without --model work with no file on disk.
 */
#ifndef SL_ENCODER_DEFAULT_MODEL_H
#define SL_ENCODER_DEFAULT_MODEL_H

#include "encoder/encoder.h"

/* Copies of the default model's files (config.json, tokenizer.json,
 * model.safetensors) into *out; free with enc_files_free. SEMLITE_NOMEM
 * when memory runs out. */
int enc_default_files(enc_files *out);

/* The default model's name, "semlite-base". */
const char *enc_default_name(void);

#endif /* SL_ENCODER_DEFAULT_MODEL_H */
