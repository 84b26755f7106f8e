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
 *   3. drop the unknown token's id (for tokenizers whose model names an
 *      unk_token, e.g. WordPiece; like the reference, Unigram models keep
 *      their unknown id) and keep the first 512 ids;
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
 * @return SEMLITE_OK; SEMLITE_INVALID (NULL argument, cap too small, or a
 *         tokenizer.json whose normalizers grow the text over 64 times);
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
 * from the first cap x (median token length) characters, the unknown
 * token's id dropped (see above). With cap = SEMLITE_ENCODER_MAX_TOKENS these are exactly the ids
 * semlite_encode() uses (the reference's StaticModel.tokenize with
 * max_length 512); a larger cap sees more of a long text.
 * @param ids  caller buffer of cap ids (may be NULL when cap is 0).
 * @param n    receives the number of ids written.
 * @return SEMLITE_OK; SEMLITE_INVALID (NULL argument, or normalizers that
 *         grow the text over 64 times); SEMLITE_NOMEM. Thread-safe.
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

/**
 * Opens the built-in default encoder, semlite-base: a static encoder
 * (dim and vocabulary in its config) trained by semlite_train() on
 * public-domain books (Project Gutenberg) and WordNet glosses, linked into
 * the library, so it needs no file on disk. Databases created without a
 * model use the same model.
 * @param out  receives the encoder, or NULL on failure; free it with
 *             semlite_encoder_free().
 * @return SEMLITE_OK; SEMLITE_INVALID (out is NULL); SEMLITE_NOMEM.
 * @note Thread-safe. The encoder may be shared by threads like any other.
 */
SEMLITE_API int semlite_encoder_open_default(semlite_encoder **out);

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
	size_t dim;	       /**< output dimension (256): PCA of the learned
				    vectors to min(dim, train_dim); columns
				    beyond train_dim carry only the random
				    part (see mix) */
	size_t train_dim;      /**< skip-gram dimension (= dim) */
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
				    keeps exact-word identity (0.4); >= 1:
				    learned vectors only */
	double mix_k;	       /**< the learned share of a token seen c
				    times is mix * c / (c + mix_k) (100);
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
 * @param opts  the options to reset; NULL is a no-op.
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

/*
 * A database is one file plus its lock file (`x.semlite`, `x.semlite-lock`)
 * holding named collections. A collection is a set of documents, each with
 * a caller-chosen external string id, its text, optional metadata (a JSON
 * object) and a vector: encoded from the text by the collection's model,
 * or given directly for vector-only collections. The collection's model is
 * stored inside the database, so queries are always encoded by exactly the
 * model that encoded the documents.
 *
 * Concurrency: one writer and any number of readers, across threads and
 * processes. Readers see the last committed snapshot and never block. A
 * semlite_db and its semlite_collection handles may be shared by threads;
 * a semlite_txn belongs to the thread that began it, and one thread may
 * hold at most one write transaction at a time. Each thread that searches
 * keeps what it learned of the last snapshot it searched (where records
 * sit in the memory map, about 40 bytes per document of the collection,
 * and the neighbour lists its searches decoded, at most 256 MiB). The
 * lists are freed when the snapshot changes, the rest when the thread
 * exits.
 */

/** An open database. Shareable by threads. */
typedef struct semlite_db semlite_db;
/** An open collection of a database. Shareable by threads. */
typedef struct semlite_collection semlite_collection;
/** A write transaction. Belongs to the thread that began it. */
typedef struct semlite_txn semlite_txn;

/** Flags of semlite_open(). */
enum semlite_open_flags {
	SEMLITE_OPEN_CREATE = 1,  /**< create the file when it is missing */
	SEMLITE_OPEN_READONLY = 2 /**< never write (a read-only snapshot) */
};

/**
 * Opens (or creates) a database file.
 * @param path   the database file; the lock file is path + "-lock".
 * @param flags  a combination of enum semlite_open_flags (0: open an
 *               existing database for reading and writing).
 * @param out    receives the handle; set to NULL on failure. Close it with
 *               semlite_close().
 * @return SEMLITE_OK; SEMLITE_NOTFOUND when the file is missing and
 *         SEMLITE_OPEN_CREATE is not given; SEMLITE_VERSION for a file of
 *         another format version; SEMLITE_CORRUPT when it is not a semlite
 *         database or is damaged; SEMLITE_IOERR, SEMLITE_BUSY, SEMLITE_NOMEM,
 *         SEMLITE_INVALID (NULL arguments).
 * @note Thread-safe. Open a file once per process and share the handle:
 *       LMDB forbids opening the same file twice in one process.
 */
SEMLITE_API int semlite_open(const char *path, int flags, semlite_db **out);

/**
 * Closes a database. Every collection handle and transaction of it must
 * have been closed first. NULL is a no-op.
 */
SEMLITE_API void semlite_close(semlite_db *db);

/** Distance metrics. Scores are similarities (higher is better) for
 * COSINE and DOT, and squared Euclidean distances (lower is better) for
 * L2. */
typedef enum semlite_metric {
	SEMLITE_METRIC_COSINE = 0,
	SEMLITE_METRIC_DOT = 1,
	SEMLITE_METRIC_L2 = 2
} semlite_metric;

/** Precision of the stored copy used for exact rescoring. The int8 code
 * used for scanning is always stored. */
typedef enum semlite_precision {
	SEMLITE_PRECISION_INT8 = 0, /**< no extra copy: rescoring uses int8 */
	SEMLITE_PRECISION_F16 = 1,  /**< IEEE half floats (the default) */
	SEMLITE_PRECISION_F32 = 2   /**< full floats */
} semlite_precision;

/** Approximate-nearest-neighbour index of a collection. */
typedef enum semlite_index {
	/** An HNSW graph updated in every write transaction (the default);
	 * searches use it unless semlite_search_opts.exact is set. */
	SEMLITE_INDEX_HNSW = 0,
	/** No index: writes skip the graph and every search is the exact
	 * flat scan. For bulk loads and collections small enough to scan. */
	SEMLITE_INDEX_NONE = 1
} semlite_index;

/** Settings of a new collection. Initialize with
 * semlite_collection_opts_init() and change what you need. */
typedef struct semlite_collection_opts {
	/** Model directory (Model2Vec or sentence-transformers layout) whose
	 * files are copied into the database; NULL for none. */
	const char *model_path;
	/** Use the built-in default model (when model_path is NULL and dim
	 * is 0). Default 1. */
	int use_default_model;
	/** Dimension of a vector-only collection (no model); 0 otherwise. */
	uint32_t dim;
	semlite_metric metric;	     /**< default SEMLITE_METRIC_COSINE */
	semlite_precision precision; /**< default SEMLITE_PRECISION_F16 */
	uint32_t hnsw_m;	     /**< HNSW M, default 16 */
	uint32_t hnsw_ef_construction; /**< HNSW ef_construction, default 200 */
	uint64_t seed;		       /**< seed of every random choice, default 42 */
	semlite_index index;	       /**< default SEMLITE_INDEX_HNSW */
	/** 1 (default): keep the BM25 keyword index of document text (for
	 * keyword and hybrid search); 0: none — text search is dense only
	 * and writes skip the analyzer. */
	int keyword_index;
} semlite_collection_opts;

/** Fills opts with the defaults. */
SEMLITE_API void semlite_collection_opts_init(semlite_collection_opts *opts);

/**
 * Creates a collection and commits it.
 * @param db    an open, writable database.
 * @param name  1..64 characters from [A-Za-z0-9_.-]; NULL means "default".
 * @param opts  settings, or NULL for the defaults.
 * @return SEMLITE_OK; SEMLITE_EXISTS when the name is taken;
 *         SEMLITE_INVALID for a bad name or settings (e.g. both a model and
 *         a dim); SEMLITE_MODEL when the model cannot be read or loaded;
 *         SEMLITE_UNSUPPORTED when a model is asked for and this build has
 *         no encoder (or no default model); SEMLITE_NOMEM, SEMLITE_IOERR,
 *         SEMLITE_FULL, SEMLITE_MISUSE (read-only database).
 * @note Thread-safe; takes the write lock (waits for a running writer).
 */
SEMLITE_API int semlite_collection_create(semlite_db *db, const char *name,
					  const semlite_collection_opts *opts);

/**
 * Drops a collection and everything in it, committing at once.
 * Open handles to it then fail with SEMLITE_NOTFOUND.
 * @return SEMLITE_OK, SEMLITE_NOTFOUND, SEMLITE_NOMEM, SEMLITE_IOERR,
 *         SEMLITE_CORRUPT, SEMLITE_MISUSE (read-only database).
 */
SEMLITE_API int semlite_collection_drop(semlite_db *db, const char *name);

/**
 * Opens a collection by name (NULL means "default").
 * @param out  receives a handle to close with semlite_collection_close().
 * @return SEMLITE_OK, SEMLITE_NOTFOUND, SEMLITE_CORRUPT (a damaged
 *         collection record), SEMLITE_NOMEM, SEMLITE_INVALID.
 * @note The model is loaded from the database on first use by text.
 */
SEMLITE_API int semlite_collection_open(semlite_db *db, const char *name,
					semlite_collection **out);

/**
 * Closes a collection handle. NULL is a no-op.
 * @note A handle that writes keeps copies of the index records its write
 *       transactions read (int8 codes and neighbour lists: about dim +
 *       8·M + 32 bytes per node touched, at most 1 GiB), so the next
 *       transaction does not read them from the file again; they are
 *       dropped when another writer commits in between and freed here.
 */
SEMLITE_API void semlite_collection_close(semlite_collection *coll);

/**
 * Lists collection names.
 * @param names  receives an array of *count strings; free it with
 *               semlite_names_free().
 * @return SEMLITE_OK, SEMLITE_NOMEM, SEMLITE_CORRUPT, SEMLITE_IOERR.
 */
SEMLITE_API int semlite_collection_list(semlite_db *db, char ***names,
					size_t *count);

/** Frees an array returned by semlite_collection_list(). NULL is a no-op. */
SEMLITE_API void semlite_names_free(char **names, size_t count);

/**
 * Begins a write transaction: every put and delete given this txn becomes
 * visible to readers atomically at semlite_txn_commit(), or never.
 * Batching thousands of puts in one transaction is the fast way to load.
 * @param out  receives the transaction.
 * @return SEMLITE_OK, SEMLITE_MISUSE (read-only database), SEMLITE_NOMEM,
 *         SEMLITE_IOERR, SEMLITE_BUSY.
 * @note Blocks while another thread or process holds the write lock. The
 *       transaction belongs to the calling thread.
 */
SEMLITE_API int semlite_txn_begin(semlite_db *db, semlite_txn **out);

/**
 * Commits and frees a transaction. When the file's memory map is full it
 * is grown and the transaction replayed, transparently.
 * @return SEMLITE_OK; on any error nothing of the transaction is visible
 *         and it is freed all the same: SEMLITE_NOMEM, SEMLITE_IOERR,
 *         SEMLITE_FULL, SEMLITE_CORRUPT, SEMLITE_MISUSE (the transaction
 *         had failed earlier and must be aborted).
 */
SEMLITE_API int semlite_txn_commit(semlite_txn *txn);

/** Abandons and frees a transaction. NULL is a no-op. */
SEMLITE_API void semlite_txn_abort(semlite_txn *txn);

/**
 * Inserts or replaces (same id) a document, encoding its text with the
 * collection's model.
 * @param coll      a collection that has a model.
 * @param txn       a write transaction, or NULL to commit this one put.
 * @param id        external id, 1..256 bytes, borrowed.
 * @param text      UTF-8 text, text_len bytes, borrowed.
 * @param metadata  a JSON object as text (NUL-terminated), or NULL. Its
 *                  top-level strings, numbers and booleans (and arrays of
 *                  them) become field=value filters.
 * @return SEMLITE_OK; SEMLITE_INVALID (bad id, metadata not a JSON object,
 *         a collection without a model); SEMLITE_NOTFOUND (the collection
 *         was dropped); SEMLITE_MODEL, SEMLITE_NOMEM, SEMLITE_IOERR,
 *         SEMLITE_FULL, SEMLITE_CORRUPT.
 * @note After an error other than SEMLITE_INVALID or SEMLITE_NOTFOUND the
 *       transaction is unusable: abort it.
 */
SEMLITE_API int semlite_doc_put(semlite_collection *coll, semlite_txn *txn,
				const char *id, const char *text,
				size_t text_len, const char *metadata);

/**
 * Inserts or replaces a document given its vector (any collection whose
 * dimension matches). text may be NULL (text_len 0).
 * @param vec  dim floats, borrowed; non-finite values are SEMLITE_INVALID.
 * @return as semlite_doc_put(), plus SEMLITE_DIM_MISMATCH.
 */
SEMLITE_API int semlite_vector_put(semlite_collection *coll, semlite_txn *txn,
				   const char *id, const float *vec,
				   size_t dim, const char *text,
				   size_t text_len, const char *metadata);

/**
 * Deletes a document by external id.
 * @param txn  a write transaction, or NULL to commit at once.
 * @return SEMLITE_OK, SEMLITE_NOTFOUND (no such id), SEMLITE_NOMEM,
 *         SEMLITE_IOERR, SEMLITE_FULL, SEMLITE_CORRUPT.
 */
SEMLITE_API int semlite_doc_delete(semlite_collection *coll, semlite_txn *txn,
				   const char *id);

/** A document read back. Owned by the caller: free with
 * semlite_doc_free(). Strings are NUL-terminated copies. */
typedef struct semlite_doc {
	char *id;
	char *text;
	size_t text_len;
	char *metadata; /**< JSON object text, "" when there was none */
} semlite_doc;

/**
 * Reads a document by external id.
 * @param txn  a write transaction to read its own uncommitted writes, or
 *             NULL to read the last committed snapshot.
 * @param out  receives the document (NULL on failure).
 * @return SEMLITE_OK, SEMLITE_NOTFOUND, SEMLITE_CORRUPT, SEMLITE_NOMEM.
 */
SEMLITE_API int semlite_doc_get(semlite_collection *coll, semlite_txn *txn,
				const char *id, semlite_doc **out);

/** Frees a document. NULL is a no-op. */
SEMLITE_API void semlite_doc_free(semlite_doc *doc);

/** Statistics of one collection (semlite_collection_stats()). */
typedef struct semlite_collection_stats {
	uint64_t documents;	/**< live documents */
	uint32_t dim;		/**< vector dimension */
	semlite_metric metric;
	semlite_precision precision;
	int has_model;		/**< 1 when the collection has a model */
	uint64_t model_hash;	/**< the model's pin (0 without a model) */
	uint64_t model_bytes;	/**< size of the stored model files */
	uint64_t payload_bytes; /**< uncompressed id + text + metadata */
	uint64_t stored_bytes;	/**< their compressed size on disk */
	uint64_t tombstones;	/**< internal ids deleted or replaced and
				     not yet compacted */
	uint32_t hnsw_m, hnsw_ef_construction;
	uint64_t seed;
	semlite_index index; /**< the collection's ANN index setting */
	int keyword_index;   /**< 1 when it keeps a BM25 keyword index */
	/** The search breadth semlite_collection_tune() measured (0: never
	 *  measured) and the live documents it measured it on (0 when the
	 *  record predates that count). */
	uint32_t tuned_ef;
	uint64_t tuned_documents;
	/** The ef a search without its own uses now: tuned_ef widened for
	 *  the documents added since (see semlite_collection_tune()), 64
	 *  when never measured, 0 without an index. */
	uint32_t search_ef;
} semlite_collection_stats;

/**
 * Reads a collection's statistics from the last committed snapshot.
 * @return SEMLITE_OK, SEMLITE_NOTFOUND, SEMLITE_CORRUPT, SEMLITE_NOMEM.
 */
SEMLITE_API int semlite_collection_stats_get(semlite_collection *coll,
					     semlite_collection_stats *out);

/**
 * Compacts a collection: removes its tombstones (the internal ids of
 * deleted documents and of replaced versions) for good. A delete keeps the
 * old node in the HNSW graph as a bridge that searches walk through, and
 * keeps its id in the tombstone and filter bitmaps; compaction relinks
 * every live node that pointed at a tombstone (the heuristic neighbour
 * selection over its live neighbours and theirs), drops the tombstoned
 * nodes and any records left of them, moves the graph's entry point to a
 * live node, and clears the ids from the tombstone and filter bitmaps.
 * Everything happens in one write transaction, committed at once: readers
 * and a crash see the collection either as before or as after. Freed pages
 * are reused by later writes (the file does not shrink).
 *
 * Compaction never runs by itself: its cost grows with the collection,
 * not with the tombstones, so call it when tombstones have piled up (see
 * semlite_collection_stats.tombstones), e.g. after a large delete.
 *
 * @param coll    an open collection.
 * @param purged  receives how many tombstoned ids were removed (0 when
 *                there were none, and then nothing is written); may be
 *                NULL. Set to 0 on failure.
 * @return SEMLITE_OK; SEMLITE_INVALID (coll NULL); SEMLITE_MISUSE
 *         (read-only database); SEMLITE_NOTFOUND (the collection was
 *         dropped); SEMLITE_CORRUPT (a damaged graph or bitmap record);
 *         SEMLITE_NOMEM, SEMLITE_IOERR, SEMLITE_FULL (the map cannot grow).
 *         On any error the database is unchanged.
 * @note Thread-safe; takes the write lock (waits for a running writer),
 *       so the calling thread must not hold an open write transaction.
 *       Searches in other threads and processes go on meanwhile.
 */
SEMLITE_API int semlite_collection_compact(semlite_collection *coll,
					   uint64_t *purged);

/**
 * Measures and stores the collection's default search breadth: the
 * smallest ef (of 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768,
 * 1024) at which the index finds, on average, `target` of the exact top
 * 10 for 200 sample queries made from the collection's own vectors (each
 * a stored vector pulled towards another, so that it lies between
 * documents as a query does). Searches that leave
 * semlite_search_opts.ef at 0 use it; before the first tune, and in a
 * collection without vectors, ef is 64. How wide a search must be depends
 * on the data: it chose ef 24 for siftsmall, 64 for a synthetic 1M × 256
 * set, 128 for 20,000 Gutenberg paragraphs encoded by the default model
 * and 512 for 157,000 of them (recall@10 of held-out queries 0.97–0.98).
 * `semlite import` tunes after a bulk load, after any import that leaves
 * twice the documents measured on, and once a collection never measured
 * holds 1,000. The cost is 200 exact scans of the collection plus the
 * index searches (about 4 s at 1M × 256). A collection that grows by
 * other means keeps its measurement, and the ef a default search uses
 * grows with it: measured at n documents and holding m > n, it searches
 * at ef * (m / n)^0.6 (at most 1024), which kept held-out recall@10
 * above 0.96 for 157,000 Gutenberg paragraphs measured on 5,000 to 80,000
 * of them (bench/RESULTS.md); tune again to search at what the
 * collection needs now.
 * semlite_collection_adapt() drops the measurement (the vectors change).
 * @param target     recall@10 to reach on the samples, in (0, 1]; 0 for
 *                   the default 0.95 (the samples' recall ran 0.005–0.015
 *                   below that of queries held out of the collection).
 * @param ef         receives the chosen ef (1024 when none reached the
 *                   target); may be NULL.
 * @param recall     receives the samples' recall@10 at that ef; may be
 *                   NULL.
 * @return SEMLITE_OK; SEMLITE_INVALID (NULL, a target outside (0, 1], a
 *         collection without an index); SEMLITE_MISUSE (read-only
 *         database); SEMLITE_NOTFOUND (dropped); SEMLITE_CORRUPT,
 *         SEMLITE_NOMEM, SEMLITE_IOERR, SEMLITE_FULL.
 * @note Thread-safe; commits its own write transaction, so the calling
 *       thread must not hold one.
 */
SEMLITE_API int semlite_collection_tune(semlite_collection *coll,
					double target, uint32_t *ef,
					double *recall);

/**
 * The database file's size in bytes (what it takes on disk).
 * @return SEMLITE_OK or SEMLITE_IOERR.
 */
SEMLITE_API int semlite_db_file_size(semlite_db *db, uint64_t *bytes);

/**
 * Bytes of the database file in pages kept free for reuse: pages that
 * earlier transactions replaced (LMDB writes copy-on-write), which later
 * writes fill again. semlite_db_copy() with SEMLITE_COPY_COMPACT and
 * semlite_vacuum() leave them out; after a bulk load they are typically a
 * fifth to a third of the file.
 * @return SEMLITE_OK; SEMLITE_INVALID (NULL); SEMLITE_CORRUPT (a damaged
 *         free list); SEMLITE_IOERR, SEMLITE_BUSY.
 * @note Thread-safe; the calling thread must not hold a transaction.
 */
SEMLITE_API int semlite_db_free_bytes(semlite_db *db, uint64_t *bytes);

/** Flags of semlite_db_copy(). */
enum semlite_copy_flags {
	SEMLITE_COPY_COMPACT = 1 /**< live records only, repacked (VACUUM) */
};

/**
 * Writes a consistent copy of the database, as of one read snapshot, to a
 * new file: a hot backup, taken while other threads and processes go on
 * reading and writing. With SEMLITE_COPY_COMPACT the copy holds the live
 * records alone, rewritten in key order: no free pages, every B-tree
 * packed full and stored in one stretch of the file, so it is as small
 * as the data allows and a fresh process's first queries touch fewer
 * pages (SQLite's VACUUM INTO). The copy is written under
 * a temporary name next to dest, synced, then linked into place: dest is
 * either complete or absent.
 * @param dest   path of the new database file; must not exist.
 * @param flags  0 or SEMLITE_COPY_COMPACT.
 * @return SEMLITE_OK; SEMLITE_INVALID (NULL arguments, unknown flags);
 *         SEMLITE_EXISTS (dest exists); SEMLITE_IOERR, SEMLITE_BUSY,
 *         SEMLITE_NOMEM.
 * @note Thread-safe; the calling thread must not hold a transaction.
 */
SEMLITE_API int semlite_db_copy(semlite_db *db, const char *dest, int flags);

/**
 * Rewrites a closed database file in place as its compacted copy would be
 * (SQLite's VACUUM): live records only, every B-tree packed full, no free
 * pages. A bulk load leaves a fifth to a third of its file in free pages
 * and half-filled leaves; `semlite import` vacuums after one. The new
 * image is written beside the file (path.vacuum-PID; needs that much free
 * disk), synced, and renamed over it, so a crash at any point leaves the
 * old file or the new one, complete. The file's permission bits are kept.
 * @param path  a database file that no handle has open, in this process
 *              or any other; processes that open it meanwhile wait.
 * @return SEMLITE_OK; SEMLITE_BUSY (open somewhere: close every handle
 *         first); SEMLITE_NOTFOUND; SEMLITE_CORRUPT, SEMLITE_VERSION (not
 *         a readable semlite file); SEMLITE_IOERR (e.g. a full disk),
 *         SEMLITE_NOMEM, SEMLITE_INVALID (NULL or empty path).
 * @note Thread-safe. semlite_open() of the same file from another thread
 *       or process waits for a running vacuum (up to 2 s more while the
 *       lock file is set up again, then SEMLITE_BUSY).
 */
SEMLITE_API int semlite_vacuum(const char *path);

/**
 * Checks the whole database: every record of every collection decodes and
 * validates (checksums, zstd frames, lengths), the id maps agree with the
 * documents and vectors, counters match, and models match their pins.
 * @param report  caller buffer for a summary or the first problem, or
 *                NULL; always NUL-terminated when cap > 0.
 * @return SEMLITE_OK when sound, SEMLITE_CORRUPT with the first problem in
 *         semlite_errmsg(), SEMLITE_NOMEM, SEMLITE_IOERR.
 */
SEMLITE_API int semlite_db_check(semlite_db *db, char *report, size_t cap);

/* ======================================================================
 * Adapting a collection's encoder to its documents
 * ====================================================================== */

/**
 * Options of semlite_collection_adapt(). semlite_adapt_opts_init() sets
 * every field to the default named beside it (chosen on SciFact's train
 * queries, bench/RESULTS.md "After semlite adapt": topics, no skip-gram).
 */
typedef struct semlite_adapt_opts {
	unsigned epochs;    /**< skip-gram passes over the documents (5);
	                         skip-gram runs only when mix > 0 */
	unsigned threads;   /**< skip-gram threads (1); > 1 is faster but the
	                         model is then not reproducible bit for bit */
	uint64_t seed;      /**< seed of every random choice (42) */
	size_t add_vocab;   /**< at most this many frequent words of the
	                         documents that the vocabulary splits into
	                         pieces become tokens of their own (5000);
	                         0: keep the vocabulary */
	unsigned min_count; /**< an added word occurs at least this often (5) */
	unsigned window;    /**< skip-gram window (5) */
	size_t train_dim;   /**< skip-gram dimension (128); more than the
	                         model's dimension means the model's */
	int init_model;     /**< nonzero: skip-gram starts from the model's
	                         token vectors instead of small random ones
	                         (0) */
	double mix;         /**< share of the learned skip-gram vector in a
	                         token's new row; the rest is the token's old
	                         row (0: no skip-gram) */
	double mix_k;       /**< a token seen c times gets the share
	                         mix * c / (c + mix_k) (100); <= 0: mix */
	double sif_a;       /**< SIF weight a / (a + p) by the token's
	                         frequency p in the documents (3e-5); <= 0:
	                         no weighting */
	unsigned n_common;  /**< common components removed (1) */
	size_t lsa_dim;     /**< columns of each row given to the token's
	                         topics: latent semantic analysis of which
	                         tokens share documents (192); 0: none; the
	                         model's dimension or more: the whole row */
	double lsa_share;   /**< the topics' share of a row's squared norm;
	                         the rest is the row above, reduced to its
	                         top dim - lsa_dim principal components (0.7) */
	unsigned lsa_iters; /**< subspace iterations of the LSA (4) */
	double lsa_power;   /**< topic columns scaled by the singular values
	                         to this power (0) */
	semlite_train_progress_fn progress; /**< or NULL; stages "vocabulary",
	                                       "tokens", "vectors",
	                                       "finishing", "topics",
	                                       "encoding" */
	void *progress_ctx;                 /**< passed to progress */
} semlite_adapt_opts;

/**
 * Sets opts to the defaults. NULL is a no-op.
 */
SEMLITE_API void semlite_adapt_opts_init(semlite_adapt_opts *opts);

/**
 * Continues training a collection's encoder on the collection's own
 * documents and re-encodes every document with the result, so the model
 * learns the language of its domain without a teacher.
 *
 * The texts of the last committed snapshot are read as the model
 * tokenizes them (optionally after adding frequent words as tokens); each
 * token's row becomes a blend of its old row, optionally its skip-gram
 * vector learned over the texts (mix > 0), and its topics: latent semantic
 * analysis of which tokens share documents (lsa_dim > 0), weighted by how
 * common the token is in the documents.
 * Then, in ONE write transaction, the new model replaces the stored one,
 * every document (and chunk: chunks are documents) is re-encoded from its
 * text and the HNSW index is rebuilt. Readers keep the old snapshot —
 * old model and old vectors — until the commit; an error leaves the
 * database as it was. Queries through any handle of the collection use the
 * new model as soon as their snapshot includes the commit. Documents
 * stored with caller-given vectors are re-encoded from their text too.
 *
 * @param coll  the collection (must have a model).
 * @param opts  options (borrowed), or NULL for the defaults.
 * @return SEMLITE_OK;
 *         SEMLITE_INVALID for a NULL coll, options out of range, a
 *         vector-only collection (no model), an empty collection, or
 *         documents without any text the model can tokenize;
 *         SEMLITE_UNSUPPORTED when add_vocab > 0 and the model's tokenizer
 *         is not WordPiece (or the build has no encoder);
 *         SEMLITE_NOTFOUND when the collection was dropped;
 *         the write path's SEMLITE_IOERR, SEMLITE_FULL, SEMLITE_BUSY;
 *         SEMLITE_CORRUPT; SEMLITE_NOMEM.
 * @note Takes the database's write lock only for the final transaction
 *       (training runs on a read snapshot); documents written by others
 *       between the two are re-encoded as well. Must not be called while
 *       the calling thread holds a write transaction. Thread-safe
 *       otherwise.
 */
SEMLITE_API int semlite_collection_adapt(semlite_collection *coll,
                                         const semlite_adapt_opts *opts);

/* ======================================================================
 * Search
 * ====================================================================== */

/*
 * Semantic search over a collection: by text (encoded with the
 * collection's model) or by vector. Flat search scans every int8 code with
 * the SIMD kernels, keeps the best candidates and rescores them with the
 * stored f16/f32 vectors. Searches run in a read snapshot and may run from
 * many threads at once.
 */

/** Options of a search. Initialize with semlite_search_opts_init(). */
typedef struct semlite_search_opts {
	size_t k;	       /**< results wanted, default 10 */
	const char *where_field; /**< optional metadata filter: field ... */
	const char *where_value; /**< ... equal to this value (as text) */
	int with_text;	 /**< 1: results carry text and metadata */
	int exact;	 /**< 1: force the flat exact scan */
	uint32_t ef;	 /**< index search breadth, 0 = the collection's
			      default (semlite_collection_tune; else 64) */
	uint32_t rescore; /**< candidates rescored exactly, 0 = max(4k, 64) */
	/* Keyword, hybrid and diversity options (see the section below). */
	int mode;	    /**< semlite_search_mode; default SEMLITE_SEARCH_AUTO */
	int fusion;	    /**< semlite_fusion; default SEMLITE_FUSION_CONVEX */
	float dense_weight; /**< convex fusion: dense weight in [0, 1] (keyword
			       gets 1 - w); default SEMLITE_DENSE_WEIGHT */
	float mmr;	    /**< MMR lambda in (0, 1]; 0 (default) = off */
	int group_by_doc;   /**< 1: at most one chunk per source document */
} semlite_search_opts;

/** Fills opts with the defaults. */
SEMLITE_API void semlite_search_opts_init(semlite_search_opts *opts);

/** One search result; strings belong to the semlite_results. */
typedef struct semlite_result {
	const char *id;	      /**< external id */
	float score;	      /**< see semlite_metric */
	const char *text;     /**< with_text only, else NULL */
	size_t text_len;
	const char *metadata; /**< with_text only, else NULL */
} semlite_result;

/** Results of one search, best first. Free with semlite_results_free(). */
typedef struct semlite_results {
	size_t count;
	semlite_result *items;
} semlite_results;

/**
 * Searches by text: the query is encoded with the collection's own model.
 * @param query   UTF-8, len bytes, borrowed.
 * @param opts    or NULL for defaults.
 * @param out     receives the results (fewer than k when the collection,
 *                or the filter, holds fewer documents).
 * @return SEMLITE_OK; SEMLITE_INVALID (no model, k == 0, bad filter);
 *         SEMLITE_MODEL, SEMLITE_UNSUPPORTED (no encoder in this build),
 *         SEMLITE_NOTFOUND (collection dropped), SEMLITE_CORRUPT,
 *         SEMLITE_NOMEM.
 * @note Thread-safe.
 */
SEMLITE_API int semlite_search_text(semlite_collection *coll, const char *query,
				    size_t len, const semlite_search_opts *opts,
				    semlite_results **out);

/**
 * Searches by vector (dim must be the collection's).
 * @return as semlite_search_text(), plus SEMLITE_DIM_MISMATCH.
 * @note Thread-safe.
 */
SEMLITE_API int semlite_search_vector(semlite_collection *coll,
				      const float *vec, size_t dim,
				      const semlite_search_opts *opts,
				      semlite_results **out);

/** Frees results. NULL is a no-op. */
SEMLITE_API void semlite_results_free(semlite_results *res);

/* ======================================================================
 * Keyword, hybrid search and recommendation
 * ====================================================================== */

/*
 * Text collections keep a keyword index beside the vectors: every
 * document's text is analyzed (Unicode case folding, accents stripped,
 * English stop words dropped, Snowball English stemming) and its words'
 * postings are updated in the same transaction as the document. Keyword
 * search ranks by BM25 (k1 = 1.2, b = 0.4); hybrid search fuses the dense
 * and keyword rankings. semlite_search_text() picks the mode from
 * semlite_search_opts.mode; semlite_search_vector() is always dense.
 *
 * Hybrid fusion: SEMLITE_FUSION_CONVEX min-max normalizes each ranking's
 * scores and adds them with weights dense_weight and 1 - dense_weight;
 * SEMLITE_FUSION_RRF adds 1 / (60 + rank). The result score is the fused
 * score (keyword mode: the BM25 score).
 *
 * Diversity: with opts.mmr = lambda in (0, 1], the best max(4k, 50)
 * candidates are re-ranked by maximal marginal relevance (lambda = 1 is
 * plain relevance, lower values penalise near-duplicates); scores stay
 * the relevance scores.
 *
 * Chunks: a document imported in chunks is stored as one document per
 * chunk whose metadata holds "_doc" (the source document's id), "_start"
 * and "_end" (byte offsets of the chunk in the source text). With
 * opts.group_by_doc = 1 only the best chunk of each source document is
 * returned.
 */

/** Ranking mode of semlite_search_text (semlite_search_opts.mode). */
typedef enum semlite_search_mode {
	SEMLITE_SEARCH_AUTO = 0,    /**< hybrid if the collection has text */
	SEMLITE_SEARCH_DENSE = 1,   /**< vectors only */
	SEMLITE_SEARCH_KEYWORD = 2, /**< BM25 only */
	SEMLITE_SEARCH_HYBRID = 3   /**< dense and BM25 fused */
} semlite_search_mode;

/** How hybrid search fuses its two rankings. */
typedef enum semlite_fusion {
	SEMLITE_FUSION_CONVEX = 0, /**< weighted sum of min-max scores */
	SEMLITE_FUSION_RRF = 1	   /**< reciprocal rank fusion, k = 60 */
} semlite_fusion;

/** Default dense weight of convex fusion, chosen on SciFact's train
 * queries (bench/RESULTS.md). */
#define SEMLITE_DENSE_WEIGHT 0.1f

/** Recommendation strategies. */
typedef enum semlite_reco_strategy {
	/** query = mean(pos) + (mean(pos) - mean(neg)), then a dense search */
	SEMLITE_RECO_AVERAGE = 0,
	/** each candidate scores sigmoid(best positive similarity) when that
	 * beats its best negative similarity, else -sigmoid(best negative)
	 * (Qdrant's best_score); candidates come from a search around each
	 * positive example */
	SEMLITE_RECO_BEST = 1
} semlite_reco_strategy;

/** The examples of a recommendation. Ids are external ids of stored
 * documents; texts are encoded with the collection's model. */
typedef struct semlite_reco_query {
	const char *const *like_ids;
	size_t n_like_ids;
	const char *const *unlike_ids;
	size_t n_unlike_ids;
	const char *const *like_texts;
	size_t n_like_texts;
	const char *const *unlike_texts;
	size_t n_unlike_texts;
	int strategy; /**< semlite_reco_strategy */
} semlite_reco_query;

/**
 * Recommends documents close to the positive examples and away from the
 * negative ones. The example documents never appear in the results.
 * @param coll  the collection (shared; borrowed).
 * @param q     the examples: at least one positive (id or text).
 * @param opts  k, filter (where_field/where_value), with_text and mmr are
 *              honoured; NULL = defaults.
 * @param out   receives the results, best first; score is the strategy's
 *              (cosine/dot similarity to the average query, or best_score).
 * @return SEMLITE_OK; SEMLITE_NOTFOUND when an example id is not stored
 *         (semlite_errmsg() names it); SEMLITE_INVALID (no positive
 *         example, bad strategy, k == 0); SEMLITE_MODEL/UNSUPPORTED (text
 *         examples without a model); SEMLITE_CORRUPT; SEMLITE_NOMEM.
 * @note Thread-safe.
 */
SEMLITE_API int semlite_recommend(semlite_collection *coll,
				  const semlite_reco_query *q,
				  const semlite_search_opts *opts,
				  semlite_results **out);

/** One chunk of a text: byte offsets [start, end) and its token count. */
typedef struct semlite_chunk {
	size_t start, end;
	uint32_t tokens;
} semlite_chunk;

/**
 * Splits text at sentence boundaries into chunks of at most max_tokens
 * tokens, consecutive chunks sharing up to `overlap` tokens of whole
 * sentences (a single sentence longer than max_tokens is cut at word
 * boundaries).
 * @param enc   counts tokens with this encoder's tokenizer; NULL counts
 *              whitespace-separated words.
 * @param out   receives an array of *n chunks; free with
 *              semlite_chunks_free(). A text without words gives 0.
 * @return SEMLITE_OK; SEMLITE_INVALID (max_tokens == 0 or overlap >=
 *         max_tokens); SEMLITE_NOMEM.
 * @note Thread-safe.
 */
SEMLITE_API int semlite_chunk_text(const char *text, size_t len,
				   size_t max_tokens, size_t overlap,
				   const semlite_encoder *enc,
				   semlite_chunk **out, size_t *n);

/** Frees chunks from semlite_chunk_text(). NULL is a no-op. */
SEMLITE_API void semlite_chunks_free(semlite_chunk *chunks);

#ifdef __cplusplus
}
#endif
#endif /* SEMLITE_H */
