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

/**
 * Element type of a trained model's embedding table (model.safetensors).
 */
typedef enum semlite_dtype {
	SEMLITE_DTYPE_F32 = 0, /**< 4 bytes per value */
	SEMLITE_DTYPE_F16 = 1, /**< 2 bytes per value (IEEE half) */
	SEMLITE_DTYPE_I8 = 2   /**< 1 byte per value, one global scale */
} semlite_dtype;

/**
 * Progress report of semlite_train(), called from the training thread
 * (never concurrently with itself).
 * @param ctx    the opts' progress_ctx.
 * @param stage  "reading", "vocabulary", "tokens", "vectors", "finishing".
 * @param done   fraction of the stage done, in [0, 1].
 * @param rate   tokens per second in the "vectors" stage (else 0).
 * @param loss   recent mean skip-gram loss per pair (else 0).
 * @param eta_s  estimated seconds left in the stage (0 when unknown).
 */
typedef void (*semlite_train_progress_fn)(void *ctx, const char *stage,
					  double done, double rate,
					  double loss, double eta_s);

/**
 * Options of semlite_train(). Initialise with semlite_train_opts_init();
 * a zero field takes the default named beside it.
 */
typedef struct semlite_train_opts {
	const char *const *corpus; /**< corpus file paths (borrowed) */
	size_t n_corpus;	   /**< number of corpus paths (>= 1) */
	const char *out_dir;	   /**< output directory, created if absent */
	const char *tokenizer; /**< existing WordPiece tokenizer.json, or NULL
				    to learn a vocabulary */
	size_t vocab_size;     /**< pieces to learn (32768) */
	size_t dim;	       /**< output dimension after PCA (256) */
	size_t train_dim;      /**< skip-gram dimension before PCA (= dim) */
	unsigned epochs;       /**< passes over the corpus (5) */
	unsigned threads;      /**< training threads (1); > 1 is faster but
				    not byte-reproducible */
	uint64_t seed;	       /**< random seed (any value; 0 is valid) */
	unsigned window;       /**< skip-gram window (5) */
	unsigned negative;     /**< negative samples per pair (5) */
	double sample;	       /**< subsampling threshold (1e-4) */
	double lr;	       /**< starting learning rate (0.025) */
	double sif_a;	       /**< SIF weight a/(a+p(w)); (1e-3); < 0: off */
	unsigned n_common;     /**< common components removed (1) */
	int keep_common;       /**< nonzero: remove none (n_common ignored) */
	double word_frac;      /**< share of learned pieces that are whole
				    words (0.85) */
	double mix;	       /**< share of the learned vector in each row,
				    the rest a random per-token vector that
				    keeps exact-word identity (0.5); >= 1:
				    learned vectors only */
	double mix_k;	       /**< the learned share of a token seen c
				    times is mix * c / (c + mix_k) (1000);
				    < 0: mix for every token */
	int unit_rows;	       /**< nonzero: L2-normalize vectors before
				    PCA and weighting */
	int add_context;       /**< nonzero: rows = input + output vectors */
	size_t max_words;      /**< stop reading after this many words
				    (0 = all); for quick experiments */
	semlite_dtype dtype;   /**< table type (SEMLITE_DTYPE_F32) */
	semlite_train_progress_fn progress; /**< or NULL */
	void *progress_ctx;		    /**< passed to progress */
} semlite_train_opts;

/**
 * Fills opts with the defaults (all fields zero, then defaults applied by
 * semlite_train()).
 * @param opts  must not be NULL.
 */
SEMLITE_API void semlite_train_opts_init(semlite_train_opts *opts);

/**
 * Trains a static encoder from text corpora and writes it to opts->out_dir
 * in the Hugging Face Model2Vec layout (config.json, tokenizer.json,
 * model.safetensors), loadable by semlite and by the Python model2vec
 * package.
 *
 * Corpus files are plain text (one paragraph per line) or JSON Lines with
 * a string "text" field (name ending in .jsonl or .ndjson); either may be
 * zstd-compressed (name ending in .zst). Steps: WordPiece vocabulary
 * (BERT normalization; or opts->tokenizer), skip-gram vectors over token
 * ids, PCA to opts->dim, SIF frequency weighting and common-component
 * removal baked into the rows.
 *
 * With threads == 1 and the same seed, inputs and options, the output
 * files are byte-identical from run to run.
 *
 * @param opts  the options (borrowed).
 * @return SEMLITE_OK;
 *         SEMLITE_INVALID for bad options or malformed corpus content
 *         (semlite_errmsg() names the file and line);
 *         SEMLITE_NOTFOUND / SEMLITE_IOERR for unreadable corpus files or
 *         an unwritable output directory;
 *         SEMLITE_CORRUPT for a damaged .zst stream;
 *         SEMLITE_UNSUPPORTED for a --tokenizer that is not WordPiece;
 *         SEMLITE_NOMEM when memory runs out.
 * @note Thread-safe: separate calls share nothing. One call may use
 *       opts->threads threads internally.
 */
SEMLITE_API int semlite_train(const semlite_train_opts *opts);

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
