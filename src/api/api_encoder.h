/*
 * api_encoder.h — the public encoder handle, for other files of src/api/
 * (the storage and trainer work need the model inside a semlite_encoder).
 */
#ifndef SL_API_ENCODER_H
#define SL_API_ENCODER_H

#include "encoder/encoder.h"
#include "semlite.h"

struct semlite_encoder {
	enc_model *model; /* owned */
};

/* Wraps a loaded model in a new handle (takes ownership of m, also on
 * failure). */
int api_encoder_wrap(enc_model *m, semlite_encoder **out);

#endif
