/*
 * env.c — the LMDB environment: open/create with the format check,
 * transactions, error mapping and growth of the memory map.
 *
 * Map growth. LMDB reserves address space for the whole map up front and
 * fails a write with MDB_MAP_FULL when it runs out. The file itself grows
 * only as pages are written, so we start with a generous map (1 GiB, or
 * SEMLITE_MAP_SIZE bytes from the environment, which tests use to force
 * growth) and double it on demand. mdb_env_set_mapsize() may only run when
 * the process has no transaction open, so every transaction holds a
 * process-wide reader lock (pthread rwlock) for its lifetime and growth
 * takes it exclusively. A write transaction that hits MAP_FULL is aborted
 * by its owner, the map grown, and the transaction replayed (api/txn.c
 * keeps the log). Another process's growth shows up as MDB_MAP_RESIZED at
 * begin: we adopt the new size and retry.
 *
 * Rejected: MDB_WRITEMAP with a preallocated sparse file (the file would
 * look as large as the map), and one enormous fixed map (fails on systems
 * with an address-space limit and still needs growth eventually).
 *
 * Vacuum (store_env_vacuum) replaces the file under its name, which LMDB
 * has no notion of, so it leans on how LMDB shares an environment: every
 * process that has it open holds a read lock on byte 0 of the lock file,
 * and an opener that cannot take that byte exclusively waits for a read
 * lock, then trusts the lock file's contents (last transaction id, reader
 * table). The vacuum takes byte 0 exclusively (BUSY if anyone holds it),
 * writes and syncs the new image, empties the lock file, renames the image
 * over the file and lets go. A waiting opener then finds an empty lock file
 * instead of one describing the old file: LMDB fails it (EINVAL), and
 * store_env_open retries until a lone opener has set the file up again.
 */
#define _GNU_SOURCE /* F_OFD_SETLK */
#include "storage/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STORE_DEFAULT_MAP ((size_t)1 << 30)
#define STORE_MAX_MAP     ((size_t)1 << 42)

struct store_env {
	MDB_env *env;
	MDB_dbi dbi[STORE_DB_COUNT];
	pthread_rwlock_t maplock;
	size_t mapsize;
	uint64_t mapgen; /* remaps so far (under maplock exclusive) */
	bool readonly;
	char *path;
};

static const char *const db_names[STORE_DB_COUNT] = {
    "meta",  "model",   "docs",  "ids",     "codes",
    "exact", "bitmaps", "links", "postings"};

const char *store_db_name(store_db db)
{
	return db < STORE_DB_COUNT ? db_names[db] : "?";
}

int store_rc(int rc, const char *what)
{
	switch (rc) {
	case MDB_NOTFOUND:
		return SEMLITE_NOTFOUND;
	case MDB_MAP_FULL:
		return sl_err(SEMLITE_FULL, "%s: the memory map is full", what);
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_BAD_TXN:
	case MDB_BAD_VALSIZE:
		return sl_err(SEMLITE_CORRUPT, "%s: %s", what,
		              mdb_strerror(rc));
	case MDB_VERSION_MISMATCH:
		return sl_err(SEMLITE_VERSION, "%s: %s", what,
		              mdb_strerror(rc));
	case MDB_READERS_FULL:
	case MDB_TXN_FULL:
		return sl_err(SEMLITE_BUSY, "%s: %s", what, mdb_strerror(rc));
	case ENOMEM:
		return sl_err(SEMLITE_NOMEM, "%s: out of memory", what);
	case ENOENT:
		return sl_err(SEMLITE_NOTFOUND, "%s: no such file", what);
	case EACCES:
	case EROFS:
		return sl_err(SEMLITE_IOERR, "%s: %s", what, mdb_strerror(rc));
	default:
		return sl_err(SEMLITE_IOERR, "%s: %s", what, mdb_strerror(rc));
	}
}

static size_t initial_mapsize(void)
{
	const char *s = getenv("SEMLITE_MAP_SIZE");
	if (s && *s) {
		char *end;
		unsigned long long v = strtoull(s, &end, 10);
		if (!*end && v >= 65536)
			return (size_t)v;
	}
	return STORE_DEFAULT_MAP;
}

/* Writes (create) or checks (open) the "format" record. */
static int format_check(store_env *e, bool create)
{
	store_txn t;
	int rc = store_txn_begin(e, create, &t);
	if (rc)
		return rc;
	const uint8_t *p;
	size_t n;
	rc = store_get_checked(&t, STORE_DB_META, "format", 6, &p, &n);
	if (rc == SEMLITE_NOTFOUND && create) {
		uint8_t rec[12];
		memcpy(rec, STORE_MAGIC, 8);
		sl_store_u32le(rec + 8, STORE_FORMAT_VERSION);
		rc = store_put_checked(&t, STORE_DB_META, "format", 6, rec, 12);
		if (!rc)
			rc = store_txn_commit(&t);
		else
			store_txn_abort(&t);
		return rc;
	}
	if (rc == SEMLITE_NOTFOUND)
		rc = sl_err(SEMLITE_CORRUPT, "%s: not a semlite database",
		            e->path);
	else if (!rc && (n != 12 || memcmp(p, STORE_MAGIC, 8)))
		rc = sl_err(SEMLITE_CORRUPT, "%s: bad format record", e->path);
	else if (!rc && sl_load_u32le(p + 8) != STORE_FORMAT_VERSION)
		rc =
		    sl_err(SEMLITE_VERSION,
		           "%s: format version %u, this build reads %u",
		           e->path, sl_load_u32le(p + 8), STORE_FORMAT_VERSION);
	store_txn_abort(&t);
	return rc;
}

static int open_dbis(store_env *e, bool create)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(e->env, NULL, create ? 0 : MDB_RDONLY, &txn);
	if (rc)
		return store_rc(rc, e->path);
	for (int i = 0; i < STORE_DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], create ? MDB_CREATE : 0,
		                  &e->dbi[i]);
		if (rc == MDB_NOTFOUND) {
			mdb_txn_abort(txn);
			return sl_err(SEMLITE_CORRUPT,
			              "%s: not a semlite database (no '%s')",
			              e->path, db_names[i]);
		}
		if (rc) {
			mdb_txn_abort(txn);
			return store_rc(rc, e->path);
		}
	}
	rc = mdb_txn_commit(txn);
	return rc ? store_rc(rc, e->path) : SEMLITE_OK;
}

/* How long an open waits for a lock file that a vacuum emptied while this
 * process was queued on it (see store_env_vacuum). */
#define RESET_LOCK_WAIT_MS 2000

/* True when path's lock file exists and is empty: a vacuum has reset it
 * and the process that will initialize it again has not done so yet. */
static bool lock_file_reset(const char *path)
{
	char lock[4200];
	struct stat st;
	snprintf(lock, sizeof lock, "%s-lock", path);
	return !stat(lock, &st) && st.st_size == 0;
}

static int env_open(const char *path, bool create, bool readonly, bool nolock,
                    store_env **out);

int store_env_open(const char *path, bool create, bool readonly,
                   store_env **out)
{
	if (strlen(path) > 4000)
		return sl_err(SEMLITE_INVALID, "%s: path too long", path);
	for (int waited = 0, step = 1;; waited += step) {
		int rc = env_open(path, create, readonly, false, out);
		if (rc != SEMLITE_BUSY || !lock_file_reset(path))
			return rc;
		if (waited >= RESET_LOCK_WAIT_MS)
			return sl_err(SEMLITE_BUSY,
			              "%s: its lock file was reset by a vacuum "
			              "and is still being set up; retry",
			              path);
		step = waited ? (step < 16 ? step * 2 : 16) : 1;
		nanosleep(&(struct timespec){0, step * 1000 * 1000}, NULL);
	}
}

static int env_open(const char *path, bool create, bool readonly, bool nolock,
                    store_env **out)
{
	*out = NULL;
	struct stat st;
	bool exists = stat(path, &st) == 0;
	if (!exists && (!create || readonly))
		return sl_err(SEMLITE_NOTFOUND, "%s: no such database", path);
	if (exists && !S_ISREG(st.st_mode))
		return sl_err(SEMLITE_INVALID, "%s: not a regular file", path);
	store_env *e = sl_calloc(1, sizeof *e);
	if (!e || !(e->path = sl_strdup(path))) {
		sl_free(e);
		return sl_err(SEMLITE_NOMEM, "opening %s", path);
	}
	e->readonly = readonly;
	pthread_rwlock_init(&e->maplock, NULL);
	int rc = mdb_env_create(&e->env);
	if (rc) {
		e->env = NULL;
		rc = store_rc(rc, path);
		goto out;
	}
	e->mapsize = initial_mapsize();
	if (exists && (size_t)st.st_size * 2 > e->mapsize)
		e->mapsize = (size_t)st.st_size * 2;
	mdb_env_set_mapsize(e->env, e->mapsize);
	mdb_env_set_maxdbs(e->env, STORE_DB_COUNT + 2);
	mdb_env_set_maxreaders(e->env, 256);
	unsigned flags = MDB_NOSUBDIR | MDB_NOTLS;
	if (readonly)
		flags |= MDB_RDONLY;
	if (nolock)
		flags |= MDB_NOLOCK;
	rc = mdb_env_open(e->env, path, flags, 0644);
	if (rc == EINVAL && !nolock && lock_file_reset(path))
		/* LMDB maps an empty lock file it did not initialize */
		rc = sl_err(SEMLITE_BUSY, "%s: lock file being reset", path);
	else if (rc)
		rc = rc == MDB_INVALID
		         ? sl_err(SEMLITE_CORRUPT, "%s: not an LMDB file", path)
		         : store_rc(rc, path);
	if (rc)
		goto out;
	MDB_envinfo info;
	mdb_env_info(e->env, &info);
	e->mapsize = info.me_mapsize;
	rc = open_dbis(e, create && !exists);
	if (!rc)
		rc = format_check(e, create && !exists);
out:
	if (rc)
		store_env_close(e);
	else
		*out = e;
	return rc;
}

void store_env_close(store_env *e)
{
	if (!e)
		return;
	if (e->env)
		mdb_env_close(e->env);
	pthread_rwlock_destroy(&e->maplock);
	sl_free(e->path);
	sl_free(e);
}

bool store_env_readonly(const store_env *e)
{
	return e->readonly;
}

const char *store_env_path(const store_env *e)
{
	return e->path;
}

size_t store_env_mapsize(store_env *e)
{
	return e->mapsize;
}

/* Takes the map lock exclusively, waiting at most a few seconds (a thread
 * that holds a read snapshot while its own write fails must not hang). */
static bool maplock_exclusive(store_env *e)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	return pthread_rwlock_timedwrlock(&e->maplock, &ts) == 0;
}

/* Adopts a map size another process set (MDB_MAP_RESIZED). */
static int adopt_mapsize(store_env *e)
{
	if (!maplock_exclusive(e))
		return sl_err(SEMLITE_BUSY, "%s: cannot adopt the map size",
		              e->path);
	int rc = mdb_env_set_mapsize(e->env, 0);
	if (!rc) {
		MDB_envinfo info;
		mdb_env_info(e->env, &info);
		e->mapsize = info.me_mapsize;
		e->mapgen++;
	}
	pthread_rwlock_unlock(&e->maplock);
	return rc ? store_rc(rc, e->path) : SEMLITE_OK;
}

int store_env_grow(store_env *e)
{
	if (e->mapsize >= STORE_MAX_MAP)
		return sl_err(SEMLITE_FULL, "%s: map size limit reached",
		              e->path);
	if (!maplock_exclusive(e))
		return sl_err(SEMLITE_FULL,
		              "%s: map full and other transactions of this "
		              "process keep it from growing",
		              e->path);
	MDB_envinfo info;
	mdb_env_info(e->env, &info);
	size_t want = info.me_mapsize * 2;
	int rc = mdb_env_set_mapsize(e->env, want);
	if (!rc) {
		mdb_env_info(e->env, &info);
		e->mapsize = info.me_mapsize;
		e->mapgen++;
	}
	pthread_rwlock_unlock(&e->maplock);
	return rc ? store_rc(rc, e->path) : SEMLITE_OK;
}

/* The directory part of path ("." when it has none), into buf. */
static void dir_of(const char *path, char *buf, size_t cap)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(buf, cap, ".");
	else if (slash == path)
		snprintf(buf, cap, "/");
	else
		snprintf(buf, cap, "%.*s", (int)(slash - path), path);
}

/* fsync of the directory holding path, so a new name in it is durable. */
static int sync_dir(const char *path)
{
	char dir[4096];
	dir_of(path, dir, sizeof dir);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Bytes a repacking copy writes between commits (dirty pages are held in
 * memory until the commit). */
#define REPACK_CHUNK ((size_t)64 << 20)

/* Copies every record of the source snapshot src into the destination
 * environment d (a fresh file), tree by tree in key order with
 * MDB_APPEND. */
static int repack_trees(const store_txn *src, MDB_env *d)
{
	MDB_txn *w = NULL;
	int rc = mdb_txn_begin(d, NULL, 0, &w);
	for (int i = 0; i < STORE_DB_COUNT && !rc; i++) {
		MDB_dbi sd = src->env->dbi[i], dd;
		MDB_cursor *c = NULL;
		MDB_val k, v;
		size_t chunk = 0;
		rc = mdb_dbi_open(w, db_names[i], MDB_CREATE, &dd);
		if (!rc)
			rc = mdb_cursor_open(src->txn, sd, &c);
		MDB_cursor_op op = MDB_FIRST;
		while (!rc && !(rc = mdb_cursor_get(c, &k, &v, op))) {
			op = MDB_NEXT;
			rc = mdb_put(w, dd, &k, &v, MDB_APPEND);
			chunk += k.mv_size + v.mv_size;
			if (!rc && chunk >= REPACK_CHUNK) {
				chunk = 0;
				rc = mdb_txn_commit(w);
				w = NULL;
				if (!rc)
					rc = mdb_txn_begin(d, NULL, 0, &w);
			}
		}
		if (rc == MDB_NOTFOUND)
			rc = MDB_SUCCESS;
		if (c)
			mdb_cursor_close(c);
	}
	if (!rc) {
		rc = mdb_txn_commit(w);
		w = NULL;
	}
	if (w)
		mdb_txn_abort(w);
	return rc;
}

/* The compacting copy: a new file with the live records alone, every
 * B-tree packed full (records appended in key order) and laid out one
 * tree after another. LMDB's own compacting copy (MDB_CP_COMPACT) leaves
 * out free pages but copies each page as it is: leaves half filled by
 * splits stay half filled, and a tree whose pages were allocated over
 * many transactions stays scattered through the file. */
static int repack(store_env *e, const char *tmp)
{
	MDB_env *d;
	store_txn src;
	int rc = mdb_env_create(&d);
	if (rc)
		return rc;
	mdb_env_set_maxdbs(d, STORE_DB_COUNT + 1);
	rc = store_txn_begin(e, false, &src);
	if (rc) {
		mdb_env_close(d);
		return rc;
	}
	MDB_envinfo info;
	mdb_env_info(e->env, &info);
	mdb_env_set_mapsize(d, info.me_mapsize);
	rc = mdb_env_open(
	    d, tmp, MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC | MDB_NOMETASYNC,
	    0644);
	if (!rc) /* unsynced: store_env_copy syncs the file before linking */
		rc = repack_trees(&src, d);
	store_txn_abort(&src);
	mdb_env_close(d);
	return rc ? store_rc(rc, tmp) : SEMLITE_OK;
}

/* Creates the temporary file tmp, which must not exist, open in *fd. */
static int tmp_create(const char *tmp, mode_t mode, int *fd)
{
	*fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (*fd < 0)
		return sl_err(errno == EEXIST ? SEMLITE_EXISTS : SEMLITE_IOERR,
		              "%s: cannot create: %s", tmp, strerror(errno));
	return SEMLITE_OK;
}

/* Fills the empty file tmp (open in *fd) with the repacked image of e's
 * latest snapshot; *fd is then tmp opened again for syncing, or -1. */
static int repack_into(store_env *e, const char *tmp, int *fd)
{
	close(*fd);
	*fd = -1;
	int rc = repack(e, tmp);
	if (!rc && (*fd = open(tmp, O_RDWR | O_CLOEXEC)) < 0)
		rc = sl_err(SEMLITE_IOERR, "%s: %s", tmp, strerror(errno));
	return rc;
}

int store_env_copy(store_env *e, const char *dest, bool compact)
{
	char tmp[4200];
	struct stat st;
	if (strlen(dest) > 4000)
		return sl_err(SEMLITE_INVALID, "%s: path too long", dest);
	if (!lstat(dest, &st))
		return sl_err(SEMLITE_EXISTS,
		              "%s is in the way (a copy never overwrites)",
		              dest);
	snprintf(tmp, sizeof tmp, "%s.tmp-%ld", dest, (long)getpid());
	int fd;
	int rrc = tmp_create(tmp, 0644, &fd);
	if (rrc)
		return rrc;
	if (compact && (rrc = repack_into(e, tmp, &fd))) {
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return rrc;
	}
	int rc = compact ? MDB_SUCCESS : MDB_MAP_RESIZED;
	for (int attempt = 0; attempt < 3 && rc == MDB_MAP_RESIZED; attempt++) {
		/* held shared like a transaction: the copy reads the map */
		pthread_rwlock_rdlock(&e->maplock);
		rc = mdb_env_copyfd2(e->env, fd, compact ? MDB_CP_COMPACT : 0);
		pthread_rwlock_unlock(&e->maplock);
		if (rc == MDB_MAP_RESIZED) {
			int arc = adopt_mapsize(e);
			if (arc) {
				close(fd);
				unlink(tmp);
				return arc;
			}
			if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET)) {
				rc = errno;
				break;
			}
		}
	}
	if (rc) {
		close(fd);
		unlink(tmp);
		return rc == MDB_MAP_RESIZED
		           ? sl_err(SEMLITE_BUSY,
		                    "%s: the map keeps being resized", e->path)
		           : store_rc(rc, dest);
	}
	if (fsync(fd)) {
		rc = sl_err(SEMLITE_IOERR, "%s: fsync: %s", tmp,
		            strerror(errno));
		close(fd);
		unlink(tmp);
		return rc;
	}
	close(fd);
	/* link() fails when dest appeared meanwhile: never overwritten */
	if (link(tmp, dest)) {
		int err = errno;
		unlink(tmp);
		return sl_err(err == EEXIST ? SEMLITE_EXISTS : SEMLITE_IOERR,
		              "%s: %s", dest, strerror(err));
	}
	unlink(tmp);
	if (sync_dir(dest))
		return sl_err(SEMLITE_IOERR, "%s: cannot sync its directory",
		              dest);
	return SEMLITE_OK;
}

/* Takes a write lock on byte 0 of the lock file without waiting: the
 * byte every LMDB process holds a read lock on while it has the
 * environment open. An open-file-description lock also conflicts with this
 * process's own LMDB handles (classic record locks), which a classic lock
 * would not. */
static int lock_alone(int fd)
{
	struct flock fl = {
	    .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
#ifdef F_OFD_SETLK
	return fcntl(fd, F_OFD_SETLK, &fl);
#else
	return fcntl(fd, F_SETLK, &fl);
#endif
}

/* Writes the repacked image of path (a closed database) to tmp and syncs
 * it, with path's permission bits. */
static int vacuum_image(const char *path, const char *tmp, mode_t mode)
{
	int fd;
	int rc = tmp_create(tmp, 0600, &fd);
	if (rc)
		return rc;
	store_env *e;
	if (!(rc = env_open(path, false, true, true, &e))) {
		rc = repack_into(e, tmp, &fd);
		store_env_close(e);
	}
	if (!rc && (fchmod(fd, mode & 07777) || fsync(fd)))
		rc = sl_err(SEMLITE_IOERR, "%s: %s", tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

int store_env_vacuum(const char *path)
{
	char lock[4200], tmp[4200 + 32], *real;
	struct stat st;
	if (strlen(path) > 4000)
		return sl_err(SEMLITE_INVALID, "%s: path too long", path);
	if (stat(path, &st))
		return sl_err(errno == ENOENT ? SEMLITE_NOTFOUND
		                              : SEMLITE_IOERR,
		              "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sl_err(SEMLITE_INVALID, "%s: not a regular file", path);
	/* the lock file is named after path as given (as LMDB names it);
	 * the new image replaces the file path resolves to, not a symlink */
	if (!(real = realpath(path, NULL)) || strlen(real) > 4000) {
		free(real);
		return sl_err(SEMLITE_IOERR, "%s: cannot resolve the path",
		              path);
	}
	snprintf(lock, sizeof lock, "%s-lock", path);
	snprintf(tmp, sizeof tmp, "%s.vacuum-%ld", real, (long)getpid());
	int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0) {
		free(real);
		return sl_err(SEMLITE_IOERR, "%s: %s", lock, strerror(errno));
	}
	if (lock_alone(lfd)) {
		int err = errno;
		close(lfd);
		free(real);
		return err == EAGAIN || err == EACCES
		           ? sl_err(SEMLITE_BUSY,
		                    "%s is open (in this or another process); "
		                    "close it everywhere, then vacuum",
		                    path)
		           : sl_err(SEMLITE_IOERR, "%s: lock: %s", lock,
		                    strerror(err));
	}
	/* Nobody has the database open, and openers now queue on the lock
	 * until it is released. The new image is complete and durable
	 * before anything changes. */
	int rc = vacuum_image(real, tmp, st.st_mode);
	/* The lock file's shared state (last transaction id, readers)
	 * describes the old file. An opener queued on the lock would trust
	 * it once the lock is released, so it is emptied before the new file
	 * takes the name: a queued opener then fails cleanly on the empty
	 * file (and store_env_open retries), and the first lone opener sets
	 * it up again from the new file. */
	if (!rc && ftruncate(lfd, 0))
		rc = sl_err(SEMLITE_IOERR, "%s: %s", lock, strerror(errno));
	if (!rc && rename(tmp, real))
		rc = sl_err(SEMLITE_IOERR, "%s: %s", real, strerror(errno));
	if (rc)
		unlink(tmp);
	else if (sync_dir(real))
		rc = sl_err(SEMLITE_IOERR, "%s: cannot sync its directory",
		            real);
	close(lfd);
	free(real);
	return rc;
}

int store_env_free_bytes(store_env *e, uint64_t *bytes)
{
	store_txn t;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t pages = 0;
	*bytes = 0;
	int rc = store_txn_begin(e, false, &t);
	if (rc)
		return rc;
	int mrc = mdb_cursor_open(t.txn, 0 /* LMDB's free list */, &cur);
	if (mrc) {
		store_txn_abort(&t);
		return store_rc(mrc, "free list");
	}
	/* each record is an id list: a count, then that many page numbers */
	MDB_cursor_op op = MDB_FIRST;
	while (!(mrc = mdb_cursor_get(cur, &k, &v, op))) {
		op = MDB_NEXT;
		size_t n;
		if (v.mv_size < sizeof n || v.mv_size % sizeof n) {
			rc = sl_err(SEMLITE_CORRUPT, "%s: bad free-list record",
			            e->path);
			break;
		}
		memcpy(&n, v.mv_data, sizeof n);
		if (n > v.mv_size / sizeof n - 1) {
			rc = sl_err(
			    SEMLITE_CORRUPT,
			    "%s: free-list record counts %zu pages in %zu "
			    "bytes",
			    e->path, n, v.mv_size);
			break;
		}
		pages += n;
	}
	if (!rc && mrc != MDB_NOTFOUND)
		rc = store_rc(mrc, "free list");
	mdb_cursor_close(cur);
	store_txn_abort(&t);
	if (!rc)
		*bytes = pages * store_env_psize(e);
	return rc;
}

size_t store_env_psize(store_env *e)
{
	MDB_stat st;
	mdb_env_stat(e->env, &st);
	return st.ms_psize;
}

uint64_t store_env_map_gen(const store_env *e)
{
	return e->mapgen;
}

int store_txn_begin(store_env *e, bool write, store_txn *t)
{
	t->txn = NULL;
	t->env = e;
	t->write = write;
	t->committed = 0;
	if (write && e->readonly)
		return sl_err(SEMLITE_MISUSE, "%s: opened read-only", e->path);
	for (int attempt = 0; attempt < 3; attempt++) {
		pthread_rwlock_rdlock(&e->maplock);
		int rc = mdb_txn_begin(e->env, NULL, write ? 0 : MDB_RDONLY,
		                       &t->txn);
		if (!rc)
			return SEMLITE_OK;
		pthread_rwlock_unlock(&e->maplock);
		t->txn = NULL;
		if (rc != MDB_MAP_RESIZED)
			return store_rc(rc, e->path);
		rc = adopt_mapsize(e);
		if (rc)
			return rc;
	}
	return sl_err(SEMLITE_BUSY, "%s: the map keeps being resized", e->path);
}

int store_txn_commit(store_txn *t)
{
	if (!t->txn)
		return sl_err(SEMLITE_MISUSE, "commit without a transaction");
	size_t id = mdb_txn_id(t->txn);
	int rc = t->write ? mdb_txn_commit(t->txn) : (mdb_txn_abort(t->txn), 0);
	t->txn = NULL;
	if (!rc && t->write) {
		MDB_envinfo info;
		mdb_env_info(t->env->env, &info);
		t->committed = info.me_last_txnid == id ? id : 0;
	}
	pthread_rwlock_unlock(&t->env->maplock);
	return rc ? store_rc(rc, "commit") : SEMLITE_OK;
}

void store_txn_abort(store_txn *t)
{
	if (!t || !t->txn)
		return;
	mdb_txn_abort(t->txn);
	t->txn = NULL;
	pthread_rwlock_unlock(&t->env->maplock);
}

MDB_dbi store_dbi(const store_txn *t, store_db db)
{
	return t->env->dbi[db];
}

int store_get(const store_txn *t, store_db db, const void *k, size_t kl,
              MDB_val *v)
{
	MDB_val key = {kl, (void *)k};
	int rc = mdb_get(t->txn, t->env->dbi[db], &key, v);
	if (rc == MDB_NOTFOUND)
		return SEMLITE_NOTFOUND;
	return rc ? store_rc(rc, db_names[db]) : SEMLITE_OK;
}

int store_put(const store_txn *t, store_db db, const void *k, size_t kl,
              const void *v, size_t vl)
{
	MDB_val key = {kl, (void *)k}, val = {vl, (void *)v};
	int rc = mdb_put(t->txn, t->env->dbi[db], &key, &val, 0);
	return rc ? store_rc(rc, db_names[db]) : SEMLITE_OK;
}

int store_put_reserve(const store_txn *t, store_db db, const void *k, size_t kl,
                      size_t vl, void **where)
{
	MDB_val key = {kl, (void *)k}, val = {vl, NULL};
	int rc = mdb_put(t->txn, t->env->dbi[db], &key, &val, MDB_RESERVE);
	if (rc)
		return store_rc(rc, db_names[db]);
	*where = val.mv_data;
	return SEMLITE_OK;
}

int store_put_tail(const store_txn *t, store_db db, const void *k, size_t kl,
                   const void *v, size_t vl, void **where)
{
	MDB_val key = {kl, (void *)k}, val = {vl, (void *)v};
	unsigned fl = where ? MDB_RESERVE : 0;
	int rc = mdb_put(t->txn, t->env->dbi[db], &key, &val, fl | MDB_APPEND);
	if (rc == MDB_KEYEXIST) { /* not past the last key: a plain put */
		val = (MDB_val){vl, (void *)v};
		rc = mdb_put(t->txn, t->env->dbi[db], &key, &val, fl);
	}
	if (rc)
		return store_rc(rc, db_names[db]);
	if (where)
		*where = val.mv_data;
	return SEMLITE_OK;
}

int store_del(const store_txn *t, store_db db, const void *k, size_t kl)
{
	MDB_val key = {kl, (void *)k};
	int rc = mdb_del(t->txn, t->env->dbi[db], &key, NULL);
	if (rc == MDB_NOTFOUND)
		return SEMLITE_NOTFOUND;
	return rc ? store_rc(rc, db_names[db]) : SEMLITE_OK;
}

int store_del_prefix(const store_txn *t, store_db db, const void *prefix,
                     size_t pl)
{
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->env->dbi[db], &c);
	if (rc)
		return store_rc(rc, db_names[db]);
	MDB_val k = {pl, (void *)prefix}, v;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (!rc && k.mv_size >= pl && !memcmp(k.mv_data, prefix, pl)) {
		rc = mdb_cursor_del(c, 0);
		if (rc)
			break;
		/* Re-seek rather than trust the cursor's position after a
		 * delete at a page boundary. */
		k.mv_size = pl;
		k.mv_data = (void *)prefix;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	}
	mdb_cursor_close(c);
	return rc && rc != MDB_NOTFOUND ? store_rc(rc, db_names[db])
	                                : SEMLITE_OK;
}
