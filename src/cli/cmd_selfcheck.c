/*
 * cmd_selfcheck.c — `semlite selfcheck`: runs every SIMD kernel variant
 * this CPU supports against the scalar reference and prints one line per
 * variant. Exit 0 when all agree, 1 otherwise — a quick way to tell
 * whether wrong search results could come from the distance kernels on a
 * particular machine. Uses semlite.h only.
 */
#include "cli/cli.h"

#include <string.h>

int cli_cmd_selfcheck(int argc, char **argv); /* called from main.c */

int cli_cmd_selfcheck(int argc, char **argv)
{
	if (argc > 1 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: semlite selfcheck\n\n"
		       "Checks each distance-kernel variant this CPU supports "
		       "(scalar, sse42,\navx2, avx512) against the scalar "
		       "reference; exits 0 when all agree.\n"
		       "SEMLITE_KERNELS=NAME chooses the variant in use.\n");
		return 0;
	}
	if (argc > 1)
		return cli_usage("selfcheck", "unexpected argument '%s'",
		                 argv[1]);
	char report[2048];
	int rc = semlite_kernels_selfcheck(report, sizeof report);
	fputs(report, stdout);
	if (rc != SEMLITE_OK)
		return cli_fail("selfcheck", rc, "kernel self-check failed");
	printf("kernels in use: %s\n", semlite_kernels_name());
	return 0;
}
