/*
 * train_api.c — the public functions of the Training section of
 * semlite.h: semlite_train() over the trainer (encoder/train.h), and
 * semlite_encoder_open_default(), the built-in semlite-base model
 * (encoder/default_model.c) as an encoder handle.
 *
 * The default encoder loads from bytes linked into the library, so it
 * needs no file on disk; it is the same model a database created without
 * a model stores, so vectors from the two agree exactly. Both functions
 * sit in one file on purpose: a static link pulls this object in for
 * semlite_train() or semlite_encoder_open_default(), and the CLI refers to
 * the latter only as a weak symbol.
 */
#include <string.h>

#include "api/api_encoder.h"
#include "common/common.h"
#include "encoder/default_model.h"
#include "encoder/train.h"

SEMLITE_API void semlite_train_opts_init(semlite_train_opts *opts)
{
	if (opts)
		memset(opts, 0, sizeof *opts);
}

SEMLITE_API int semlite_train(const semlite_train_opts *opts)
{
	if (!opts)
		return sl_err(SEMLITE_INVALID, "semlite_train: opts is NULL");
	return train_run(opts);
}

SEMLITE_API int semlite_encoder_open_default(semlite_encoder **out)
{
	if (!out)
		return sl_err(SEMLITE_INVALID,
		              "semlite_encoder_open_default: out is NULL");
	*out = NULL;
	enc_files f;
	enc_model *m = NULL;
	int rc = enc_default_files(&f);
	if (rc == SEMLITE_OK)
		rc = enc_model_load_files(&f, &m);
	enc_files_free(&f);
	return rc ? rc : api_encoder_wrap(m, out);
}
