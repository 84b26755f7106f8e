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
 *         tolerance, SEMLITE_INTERNAL otherwise (detail in semlite_errmsg()).
 */
SEMLITE_API int semlite_kernels_selfcheck(char *report, size_t cap);

/* ======================================================================
 * Encoder (static Model2Vec-family text encoder)
 * ====================================================================== */

/* (declared by the encoder module) */

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
