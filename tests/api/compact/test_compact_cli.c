/*
 * test_compact_cli.c — `semlite compact` end to end through the program
 * (SEMLITE_BIN): create, import 300 vectors, delete 100, `stats --json`
 * shows 100 tombstones, `compact --json` reports 100 purged, `stats` then
 * shows 0 (and 200 documents), `check` passes, a second compaction
 * purges nothing, a missing collection fails, a usage error exits 2, and
 * a delete after compaction leaves a database that checks.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char db[256], out[1 << 16];
static const char *bin;

/* Runs `semlite ARGS` capturing stdout into out; returns the exit code. */
static int run(const char *args)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "'%s' %s", bin, args);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = 0;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int fail(const char *what)
{
	fprintf(stderr, "test_compact_cli: %s\noutput: %s\n", what, out);
	char lock[300];
	snprintf(lock, sizeof lock, "%s-lock", db);
	unlink(db);
	unlink(lock);
	return 1;
}

static int write_fvecs(const char *p, unsigned n, int32_t dim)
{
	FILE *f = fopen(p, "wb");
	uint64_t s = 5;
	if (!f)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		fwrite(&dim, 4, 1, f);
		for (int d = 0; d < dim; d++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			float v = (float)((s >> 40) % 2001) / 1000.0f - 1.0f;
			fwrite(&v, 4, 1, f);
		}
	}
	return fclose(f);
}

int main(void)
{
	char args[8192], vecs[256];
	bin = getenv("SEMLITE_BIN");
	if (!bin) {
		fprintf(stderr, "test_compact_cli: SEMLITE_BIN not set\n");
		return 1;
	}
	snprintf(db, sizeof db, "/tmp/sl_compact_cli_%d.semlite",
	         (int)getpid());
	snprintf(vecs, sizeof vecs, "/tmp/sl_compact_cli_%d.fvecs",
	         (int)getpid());
	if (write_fvecs(vecs, 300, 8))
		return fail("cannot write the vectors");
	snprintf(args, sizeof args, "create %s --dim 8 --metric l2", db);
	if (run(args))
		return fail("create");
	snprintf(args, sizeof args, "import %s %s", db, vecs);
	int rc = run(args);
	unlink(vecs);
	if (rc)
		return fail("import");
	size_t n = (size_t)snprintf(args, sizeof args, "delete %s", db);
	for (int i = 0; i < 300; i += 3)
		n += (size_t)snprintf(args + n, sizeof args - n, " %d", i);
	if (run(args))
		return fail("delete");
	snprintf(args, sizeof args, "stats %s --json", db);
	if (run(args) || !strstr(out, "\"tombstones\": 100"))
		return fail("stats before: want 100 tombstones");
	snprintf(args, sizeof args, "compact %s --json", db);
	if (run(args) || !strstr(out, "\"purged\": 100"))
		return fail("compact: want 100 purged");
	snprintf(args, sizeof args, "stats %s --json", db);
	if (run(args) || !strstr(out, "\"tombstones\": 0") ||
	    !strstr(out, "\"documents\": 200"))
		return fail("stats after: want 0 tombstones, 200 documents");
	snprintf(args, sizeof args, "check %s", db);
	if (run(args))
		return fail("check after compaction");
	snprintf(args, sizeof args, "compact %s --collection default", db);
	if (run(args) || !strstr(out, "0 tombstones removed"))
		return fail("second compaction: want nothing removed");
	snprintf(args, sizeof args, "compact %s --collection nosuch", db);
	if (run(args) != 1)
		return fail("compact of a missing collection must fail");
	if (run("compact") != 2)
		return fail("compact without DB must be a usage error");
	snprintf(args, sizeof args, "delete %s 1", db);
	if (run(args))
		return fail("delete after compaction");
	snprintf(args, sizeof args, "check %s", db);
	if (run(args))
		return fail("check after a delete following compaction");
	char lock[300];
	snprintf(lock, sizeof lock, "%s-lock", db);
	unlink(db);
	unlink(lock);
	printf("test_compact_cli: ok\n");
	return 0;
}
