/*
 * variant_table.c — maps variant names to the tables compiled in.
 * (SIMD variants are added by their own translation units.)
 */
#include "kernels/variants.h"

#include <string.h>

const kern_ops *kern_variant_table(const char *name)
{
	if (!strcmp(name, "scalar"))
		return &kern_scalar_ops;
	return NULL;
}
