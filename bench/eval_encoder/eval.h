/*
 * eval.h — pieces of bench/eval_encoder: a model behind an encode
 * function, the SciFact retrieval score and Spearman's rank correlation.
 */
#ifndef SL_BENCH_EVAL_H
#define SL_BENCH_EVAL_H

#define _POSIX_C_SOURCE 200809L
#include <stddef.h>

typedef struct eval_model eval_model;
struct eval_model {
	size_t dim;
	void (*encode)(eval_model *m, const char *text, size_t len, float *out);
	void *impl;
};

/* Opens a model directory (or the built-in default when dir is NULL).
 * trainer_tok: encode with the trainer's tokenizer. Prints errors. */
int eval_model_open(eval_model *m, const char *dir, int trainer_tok);
void eval_model_close(eval_model *m);

/* nDCG@10 over SciFact's test queries; *nq gets the query count. */
double eval_scifact(eval_model *m, const char *dir, size_t *nq);

double eval_spearman(const double *a, const double *b, size_t n);

#endif
