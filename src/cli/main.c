/*
 * main.c — the semlite command-line program: a dispatcher over commands.
 *
 * Each command is defined in its own cmd_*.c file. The table below refers
 * to them as weak symbols, so a command whose file is not part of the build
 * shows up as "not available in this build" instead of breaking the link;
 * that lets the modules behind each command land independently.
 */
#include "cli/cli.h"

#include <string.h>

typedef int (*cli_cmd_fn)(int argc, char **argv);

#define CLI_COMMANDS(X)                                                        \
	X(create, "DB [--model PATH] [--dim N] ...  create a database")      \
	X(import, "DB FILE [--format jsonl|text|fvecs]  import documents")   \
	X(search, "DB QUERY [-k K] [--json]       semantic/hybrid search")    \
	X(recommend, "DB --like ID... [--unlike ID...]  recommendations")     \
	X(get, "DB ID                             print one document")         \
	X(delete, "DB ID                          delete one document")       \
	X(stats, "DB [--json]                      database statistics")       \
	X(check, "DB                               integrity check")           \
	X(compact, "DB [--collection C]            drop deleted documents")  \
	X(copy, "DB DEST [--no-compact]           compacted hot backup")     \
	X(vacuum, "DB                             rewrite DB packed, in place") \
	X(tune, "DB [--target R]                  measure the default ef")    \
	X(adapt, "DB [--lsa-dim K]                 adapt the encoder to a DB") \
	X(embed, "[--model PATH] TEXT...           print embeddings")          \
	X(tokenize, "--model PATH TEXT...        print token ids")             \
	X(train, "--corpus FILE... --out DIR       train a static encoder")    \
	X(selfcheck, "                          check SIMD kernels")

#define X(name, help) int cli_cmd_##name(int, char **) __attribute__((weak));
CLI_COMMANDS(X)
#undef X

static const struct {
	const char *name;
	cli_cmd_fn fn;
	const char *help;
} commands[] = {
#define X(name, help) {#name, cli_cmd_##name, help},
	CLI_COMMANDS(X)
#undef X
};

static void print_help(FILE *f)
{
	fprintf(f, "semlite %s — embedded semantic search database\n\n"
		   "usage: semlite COMMAND [ARGS]\n\ncommands:\n",
		semlite_version());
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s%s\n", commands[i].name, commands[i].help,
			commands[i].fn ? "" : "  (not in this build)");
	fprintf(f, "\n  --version                 version and SIMD kernels\n"
		   "  help COMMAND              help for one command\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_help(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("semlite %s (kernels: %s)\n", semlite_version(),
		       semlite_kernels_name());
		return semlite_version_number() == SEMLITE_VERSION_NUMBER ? 0
									 : 1;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		print_help(stdout);
		return 0;
	}
	if (!strcmp(cmd, "help")) {
		if (argc < 3) {
			print_help(stdout);
			return 0;
		}
		cmd = argv[2];
		for (size_t i = 0; i < sizeof commands / sizeof commands[0];
		     i++)
			if (!strcmp(cmd, commands[i].name) && commands[i].fn) {
				char help[] = "--help";
				char *args[] = {argv[2], help, NULL};
				return commands[i].fn(2, args);
			}
		fprintf(stderr, "semlite: unknown command '%s'\n", cmd);
		return 2;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(cmd, commands[i].name))
			continue;
		if (!commands[i].fn) {
			fprintf(stderr,
				"semlite: command '%s' is not available in "
				"this build\n",
				cmd);
			return 2;
		}
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "semlite: unknown command '%s' (try 'semlite --help')\n",
		cmd);
	return 2;
}
