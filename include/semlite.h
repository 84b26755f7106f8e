/*
 * semlite.h — the public interface of semlite, an embedded semantic search
 * database: "SQLite for meaning".
 *
 * This header is the contract and the manual. Anything not declared here is
 * not API and may change without notice.
 *
 * Conventions
 * -----------
 * - Every fallible function returns an int: SEMLITE_OK (0) or a value of
 *   enum semlite_rc. Results come back through out-parameters.
 * - semlite_errstr(rc) gives static text for a code; semlite_errmsg() gives
 *   the detail of the most recent failure on the calling thread (which file,
 *   which line, which field). It stays valid until the next failing call on
 *   that thread.
 * - Objects come in create/free pairs; every free function accepts NULL.
 * - Inputs are borrowed for the duration of a call. Outputs are caller
 *   buffers with an explicit capacity, or objects with a matching _free.
 *   No function returns a pointer into the database's memory map.
 *
 * Threads
 * -------
 * Handles documented as shareable (encoders, databases) may be used from
 * several threads at once for read operations (encode, search); write
 * operations on one database are serialized internally. Result objects and
 * transactions belong to the thread that created them.
 */
#ifndef SEMLITE_H
#define SEMLITE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SEMLITE_BUILDING) && defined(__GNUC__)
#define SEMLITE_API __attribute__((visibility("default")))
#else
#define SEMLITE_API
#endif

/** Version of this header. semlite_version_number() gives the library's. */
#define SEMLITE_VERSION_MAJOR 0
#define SEMLITE_VERSION_MINOR 1
#define SEMLITE_VERSION_PATCH 0
#define SEMLITE_VERSION_STRING "0.1.0"
#define SEMLITE_VERSION_NUMBER                                                 \
	(SEMLITE_VERSION_MAJOR * 1000000 + SEMLITE_VERSION_MINOR * 1000 +       \
	 SEMLITE_VERSION_PATCH)

/* ======================================================================
 * Errors and version
 * ====================================================================== */

/**
 * Return codes. The numeric values are stable across releases: new codes
 * are only ever appended.
 */
typedef enum semlite_rc {
	SEMLITE_OK = 0,		  /**< success */
	SEMLITE_NOMEM = 1,	  /**< an allocation failed */
	SEMLITE_INVALID = 2,	  /**< a bad argument or malformed input */
	SEMLITE_MISUSE = 3,	  /**< the API was used in the wrong order/state */
	SEMLITE_NOTFOUND = 4,	  /**< no such document, collection or file */
	SEMLITE_EXISTS = 5,	  /**< the object already exists */
	SEMLITE_DIM_MISMATCH = 6, /**< a vector of the wrong dimension */
	SEMLITE_CORRUPT = 7,	  /**< stored or input bytes failed validation */
	SEMLITE_IOERR = 8,	  /**< an operating-system I/O error */
	SEMLITE_FULL = 9,	  /**< the database cannot grow further */
	SEMLITE_BUSY = 10,	  /**< a lock could not be taken */
	SEMLITE_VERSION = 11,	  /**< unsupported on-disk format version */
	SEMLITE_MODEL = 12,	  /**< a model file is missing or unusable */
	SEMLITE_INTERNAL = 13,	  /**< an internal invariant failed (a bug) */
	SEMLITE_UNSUPPORTED = 14  /**< valid, but not supported by this build */
} semlite_rc;

/**
 * Static English text for a return code.
 * @param rc any int; unknown values give "unknown error".
 * @return a string with static storage duration. Thread-safe.
 */
SEMLITE_API const char *semlite_errstr(int rc);

/**
 * The detailed message of the most recent failure on the calling thread,
 * e.g. "corpus.jsonl:17: field \"text\": expected a string".
 * @return a thread-local string, valid until the next failing semlite call
 *         on this thread; "" when there is none. Never NULL.
 */
SEMLITE_API const char *semlite_errmsg(void);

/** The library's version string, e.g. "0.1.0". Thread-safe. */
SEMLITE_API const char *semlite_version(void);

/**
 * The library's version as MAJOR*1000000 + MINOR*1000 + PATCH; compare it
 * with SEMLITE_VERSION_NUMBER to detect a header/library mismatch.
 */
SEMLITE_API int semlite_version_number(void);

/* ======================================================================
 * Distance kernels
 * ====================================================================== */

/**
 * The name of the distance-kernel variant chosen for this process: one of
 * "scalar", "sse42", "avx2", "avx512". It is chosen once, at first use,
 * from the CPU's features, or forced by the environment variable
 * SEMLITE_KERNELS (a variant this CPU cannot run is refused and the best
 * supported one is used instead). Thread-safe.
 */
SEMLITE_API const char *semlite_kernels_name(void);

/**
 * Checks every kernel variant this CPU supports against the scalar
 * reference on seeded random inputs.
 * @param report  caller buffer for a one-line summary per variant, or NULL.
 * @param cap     capacity of report in bytes (the text is truncated and
 *                always NUL-terminated when cap > 0).
 * @return SEMLITE_OK when every variant agrees within its documented
 *         tolerance, SEMLITE_INTERNAL otherwise (detail in semlite_errmsg()),
 *         SEMLITE_NOMEM when the scratch buffers cannot be allocated.
 *         Thread-safe.
 */
SEMLITE_API int semlite_kernels_selfcheck(char *report, size_t cap);

/* ======================================================================
 * Encoder (static Model2Vec-family text encoder)
 * ====================================================================== */

/*
 * A static encoder turns text into a vector: tokenize, look up one row per
 * token, average, L2-normalize. It loads Model2Vec checkpoints (the Hugging
 * Face layout: config.json, tokenizer.json, model.safetensors; or the
 * sentence-transformers StaticEmbedding layout) and reproduces the Python
 * model2vec reference's StaticModel.encode():
 *   1. keep the first 512 x (median token length) characters;
 *   2. tokenize without special tokens (WordPiece or Unigram, with the
 *      normalizer and pre-tokenizer that tokenizer.json describes);
 *   3. drop unknown-token ids and keep the first 512 ids;
 *   4. average their rows (vocabulary-quantized models: row = embeddings
 *      [mapping[id]] * weights[id]);
 *   5. divide by the L2 norm when the model's config says "normalize".
 * A text with no known tokens encodes to the zero vector.
 *
 * Text is UTF-8. Invalid UTF-8 never fails: every byte that does not
 * start a well-formed sequence is read as U+FFFD, which the BERT
 * normalizer then deletes.
 *
 * An encoder is immutable once opened: any number of threads may call
 * semlite_encode*() and semlite_tokenize() on one encoder at once.
 */

/** Most token ids the encoder averages (the reference's max_length). */
#define SEMLITE_ENCODER_MAX_TOKENS 512

/** An opened static encoder (opaque). */
typedef struct semlite_encoder semlite_encoder;

/**
 * Opens an encoder.
 * @param path  a model directory (config.json or
 *              config_sentence_transformers.json, tokenizer.json,
 *              model.safetensors; the last two may sit in
 *              0_StaticEmbedding/), or a tokenizer.json file, which gives
 *              an encoder that can tokenize but not encode (dim 0).
 * @param out   receives the encoder, or NULL on failure. Free it with
 *              semlite_encoder_free().
 * @return SEMLITE_OK;
 *         SEMLITE_INVALID (NULL argument);
 *         SEMLITE_NOTFOUND (no such file or directory);
 *         SEMLITE_MODEL (a required file or tensor is missing, or shapes
 *         disagree, e.g. rows != vocabulary size);
 *         SEMLITE_CORRUPT (a file is malformed: truncated safetensors, bad
 *         JSON, offsets outside the file);
 *         SEMLITE_UNSUPPORTED (a tokenizer component or dtype this build
 *         does not implement; the message names it);
 *         SEMLITE_IOERR, SEMLITE_NOMEM.
 *         semlite_errmsg() names the file and the problem.
 */
SEMLITE_API int semlite_encoder_open(const char *path, semlite_encoder **out);

/* semlite_encoder_open_default() (the built-in model) is declared by the
 * trainer's section when a build has one. */

/** Frees an encoder. NULL is a no-op. No call may be running on it. */
SEMLITE_API void semlite_encoder_free(semlite_encoder *enc);

/** The vector dimension, or 0 for a tokenizer-only encoder. */
SEMLITE_API size_t semlite_encoder_dim(const semlite_encoder *enc);

/** The number of tokens in the vocabulary (added tokens included). */
SEMLITE_API size_t semlite_encoder_vocab_size(const semlite_encoder *enc);

/**
 * Encodes one text.
 * @param enc   an encoder with dim > 0.
 * @param text  UTF-8 text (need not be NUL-terminated); NULL only when
 *              len is 0.
 * @param len   its length in bytes.
 * @param out   caller buffer for the vector.
 * @param cap   capacity of out in floats; must be >= semlite_encoder_dim().
 * @return SEMLITE_OK; SEMLITE_INVALID (NULL argument, or cap too small);
 *         SEMLITE_MISUSE (tokenizer-only encoder); SEMLITE_NOMEM.
 *         Thread-safe.
 */
SEMLITE_API int semlite_encode(const semlite_encoder *enc, const char *text,
			       size_t len, float *out, size_t cap);

/**
 * Encodes n texts into out, row-major: text i's vector is at out[i * dim].
 * @param texts  n UTF-8 texts.
 * @param lens   their lengths in bytes, or NULL when every text is
 *               NUL-terminated.
 * @param cap    capacity of out in floats; must be >= n * dim.
 * @return as semlite_encode(); on failure the contents of out are
 *         unspecified. Thread-safe.
 */
SEMLITE_API int semlite_encode_batch(const semlite_encoder *enc,
				     const char *const *texts,
				     const size_t *lens, size_t n, float *out,
				     size_t cap);

/**
 * The token ids the encoder averages for a text: at most cap ids, taken
 * from the first cap x (median token length) characters, unknown ids
 * dropped. With cap = SEMLITE_ENCODER_MAX_TOKENS these are exactly the ids
 * semlite_encode() uses (the reference's StaticModel.tokenize with
 * max_length 512); a larger cap sees more of a long text.
 * @param ids  caller buffer of cap ids (may be NULL when cap is 0).
 * @param n    receives the number of ids written.
 * @return SEMLITE_OK; SEMLITE_INVALID (NULL argument); SEMLITE_NOMEM.
 *         Thread-safe.
 */
SEMLITE_API int semlite_tokenize(const semlite_encoder *enc, const char *text,
				 size_t len, uint32_t *ids, size_t cap,
				 size_t *n);

/**
 * The text of one token, NUL-terminated into buf (truncated to cap - 1
 * bytes).
 * @return SEMLITE_OK; SEMLITE_NOTFOUND (no such id); SEMLITE_INVALID (NULL
 *         argument or cap 0). Thread-safe.
 */
SEMLITE_API int semlite_encoder_token(const semlite_encoder *enc, uint32_t id,
				      char *buf, size_t cap);

/* ======================================================================
 * Training
 * ====================================================================== */

/* (declared by the trainer) */

/* ======================================================================
 * Databases and collections
 * ====================================================================== */

/* (declared by the storage module) */

/* ======================================================================
 * Search
 * ====================================================================== */

/* (declared by the storage and index modules) */

/* ======================================================================
 * Keyword, hybrid search and recommendation
 * ====================================================================== */

/* (declared by the query-features work) */

#ifdef __cplusplus
}
#endif
#endif /* SEMLITE_H */
