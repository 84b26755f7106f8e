/*
 * test_encoder_cli.c — `semlite embed` and `semlite tokenize` end to end:
 * the golden "hello world" vector of test-model-float32, the 27 potion
 * token-id lists, --input, and the error paths' exit codes.
 */
#include "enc_test_util.h"

#include <setjmp.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

static const char *models, *bin;

/* Runs bin with args; returns the exit code, stdout in *out (malloc). */
static int run(char **args, char **out)
{
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execv(bin, args);
		_exit(127);
	}
	close(fd[1]);
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	ssize_t k;
	while ((k = read(fd[0], b + n, cap - n - 1)) > 0) {
		n += (size_t)k;
		if (cap - n < 2)
			b = realloc(b, cap *= 2);
	}
	b[n] = 0;
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	*out = b;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_embed_golden(void **state)
{
	(void)state;
	char *out;
	char *args[] = {
	    (char *)bin,   "embed",
	    "--model",     enc_path("%s/test-model-float32", models),
	    "hello world", NULL};
	assert_int_equal(run(args, &out), 0);
	cJSON *got = cJSON_Parse(out);
	cJSON *g = enc_json(
	    enc_path("%s/golden/model2vec-rs/embeddings_short.json", models));
	assert_non_null(got);
	assert_non_null(g);
	cJSON *want = cJSON_GetArrayItem(g, 0);
	assert_int_equal(cJSON_GetArraySize(got), cJSON_GetArraySize(want));
	for (int i = 0; i < cJSON_GetArraySize(want); i++) {
		double a = cJSON_GetArrayItem(got, i)->valuedouble;
		double b = cJSON_GetArrayItem(want, i)->valuedouble;
		assert_true(fabs(a - b) <= 1e-5 * fabs(b));
	}
	cJSON_Delete(got);
	cJSON_Delete(g);
	free(out);
}

static void test_tokenize_reference(void **state)
{
	(void)state;
	cJSON *g = enc_json(
	    enc_path("%s/golden/neural_brain/potion_reference.json", models));
	assert_non_null(g);
	const cJSON *c;
	int ncases = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(g, "cases"))
	{
		char *out;
		char *args[] = {
		    (char *)bin,
		    "tokenize",
		    "--model",
		    enc_path("%s/potion-base-8M/tokenizer.json", models),
		    "--",
		    cJSON_GetObjectItem(c, "text")->valuestring,
		    NULL};
		assert_int_equal(run(args, &out), 0);
		cJSON *got = cJSON_Parse(out);
		assert_non_null(got);
		char *a = cJSON_PrintUnformatted(got);
		char *b = cJSON_PrintUnformatted(cJSON_GetObjectItem(c, "ids"));
		if (strcmp(a, b))
			fail_msg("case %d: got %s want %s", ncases, a, b);
		free(a);
		free(b);
		cJSON_Delete(got);
		free(out);
		ncases++;
	}
	assert_int_equal(ncases, 27);
	cJSON_Delete(g);
}

static void test_input_file(void **state)
{
	(void)state;
	char path[] = "/tmp/semlite_cli_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *lines = "hello world\r\nHello, World!\n\n";
	assert_int_equal(write(fd, lines, strlen(lines)),
	                 (ssize_t)strlen(lines));
	close(fd);
	char *out;
	char *args[] = {(char *)bin, "tokenize",
	                "--model",   enc_path("%s/test-model-float32", models),
	                "--input",   path,
	                NULL};
	assert_int_equal(run(args, &out), 0);
	assert_string_equal(out, "[6598, 1094]\n[6598, 16, 1094, 5]\n[]\n");
	free(out);
	unlink(path);
}

static void test_errors(void **state)
{
	(void)state;
	char *out;
	char *a1[] = {(char *)bin,          "embed", "--model",
	              "/nonexistent/model", "x",     NULL};
	assert_int_equal(run(a1, &out), 1);
	free(out);
	char *a2[] = {(char *)bin, "tokenize", "x", NULL};
	assert_int_equal(run(a2, &out), 2);
	free(out);
	char *a3[] = {
	    (char *)bin, "embed",
	    "--model",   enc_path("%s/potion-base-8M/tokenizer.json", models),
	    "x",         NULL};
	assert_int_equal(run(a3, &out), 1);
	free(out);
}

int main(void)
{
	bin = getenv("SEMLITE_BIN");
	if (!bin || access(bin, X_OK)) {
		printf("SKIP: SEMLITE_BIN is not set to the semlite program\n");
		return 77;
	}
	if (!(models = enc_models_dir()))
		return 77;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_embed_golden),
	    cmocka_unit_test(test_tokenize_reference),
	    cmocka_unit_test(test_input_file),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
