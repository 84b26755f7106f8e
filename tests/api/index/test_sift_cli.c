/*
 * test_sift_cli.c — the acceptance run of the index, through the CLI with
 * default settings:
 *   semlite create s.semlite --dim 128 --metric l2
 *   semlite import s.semlite siftsmall_base.fvecs
 *   semlite search s.semlite --vectors siftsmall_query.fvecs -k 10 --json
 * must reach recall@10 >= 0.95 against siftsmall_groundtruth.ivecs. Reads
 * ../shared at run time; exits 77 (skipped) when the data is absent.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define K 10

static int run(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "test_sift_cli: failed (%d): %s\n", rc, cmd);
	return rc;
}

/* Reads the ground truth ivecs: nq rows of dim ids. */
static int32_t *read_gt(const char *p, uint32_t *nq, uint32_t *dim)
{
	FILE *f = fopen(p, "rb");
	int32_t d;
	if (!f || fread(&d, 4, 1, f) != 1 || d <= 0) {
		if (f)
			fclose(f);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	size_t row = 4 + 4 * (size_t)d, n = (size_t)ftell(f) / row;
	int32_t *gt = malloc(n * (size_t)d * 4);
	fseek(f, 0, SEEK_SET);
	for (size_t i = 0; gt && i < n; i++)
		if (fread(&d, 4, 1, f) != 1 ||
		    fread(gt + i * (size_t)d, 4, (size_t)d, f) != (size_t)d) {
			free(gt);
			gt = NULL;
		}
	fclose(f);
	*nq = (uint32_t)n;
	*dim = (uint32_t)d;
	return gt;
}

/* One JSON line: {"query_id": "Q", "results": [{"id": "X", ...}, ...]} */
static unsigned line_hits(const char *line, const int32_t *gt, uint32_t nq,
                          uint32_t gd, unsigned *found)
{
	const char *p = strstr(line, "\"query_id\"");
	unsigned q, hits = 0;
	if (!p || sscanf(p, "\"query_id\": \"%u\"", &q) != 1 || q >= nq)
		return 0;
	*found = 0;
	while ((p = strstr(p + 1, "\"id\": \"")) && *found < K) {
		long id = strtol(p + 7, NULL, 10);
		(*found)++;
		for (unsigned j = 0; j < K; j++)
			hits += gt[(size_t)q * gd + j] == id;
	}
	return hits;
}

int main(void)
{
	const char *shared = getenv("SEMLITE_SHARED"),
	           *bin = getenv("SEMLITE_BIN");
	char d[4096], db[300], cmd[16384], gtp[4200];
	snprintf(d, sizeof d, "%s/data/ann/siftsmall",
	         shared ? shared : "../shared");
	snprintf(gtp, sizeof gtp, "%s/siftsmall_groundtruth.ivecs", d);
	uint32_t nq, gd;
	int32_t *gt = read_gt(gtp, &nq, &gd);
	if (!gt || !bin) {
		printf("SKIP: siftsmall not found under %s (or SEMLITE_BIN "
		       "unset)\n",
		       d);
		free(gt);
		return 77;
	}
	snprintf(db, sizeof db, "/tmp/sl_sift_cli_%d.semlite", (int)getpid());
	snprintf(cmd, sizeof cmd, "rm -f %s %s-lock", db, db);
	run(cmd);
	int rc = 1;
	snprintf(cmd, sizeof cmd, "%s create %s --dim 128 --metric l2", bin,
	         db);
	if (run(cmd))
		goto out;
	snprintf(cmd, sizeof cmd, "%s import %s %s/siftsmall_base.fvecs", bin,
	         db, d);
	if (run(cmd))
		goto out;
	snprintf(cmd, sizeof cmd,
	         "%s search %s --vectors %s/siftsmall_query.fvecs -k 10 --json",
	         bin, db, d);
	FILE *p = popen(cmd, "r");
	if (!p)
		goto out;
	char line[65536];
	unsigned hits = 0, lines = 0, short_lines = 0;
	while (fgets(line, sizeof line, p)) {
		unsigned found = 0;
		hits += line_hits(line, gt, nq, gd, &found);
		lines++;
		short_lines += found < K;
	}
	if (pclose(p) != 0 || lines != nq) {
		fprintf(stderr,
		        "test_sift_cli: search gave %u lines for %u "
		        "queries\n",
		        lines, nq);
		goto out;
	}
	double r = (double)hits / ((double)nq * K);
	printf("siftsmall through the CLI (defaults): recall@10 = %.4f over "
	       "%u queries (%u short)\n",
	       r, nq, short_lines);
	rc = r >= 0.95 && !short_lines ? 0 : 1;
out:
	snprintf(cmd, sizeof cmd, "rm -f %s %s-lock", db, db);
	system(cmd);
	free(gt);
	return rc;
}
