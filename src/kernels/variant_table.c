/*
 * variant_table.c — maps variant names to the tables compiled in.
 *
 * Kept apart from dispatch.c so that the CPU check and the list of
 * compiled tables change independently: a build for a non-x86 target
 * compiles no SIMD translation unit and this table simply has fewer rows.
 */
#include "kernels/variants.h"

#include <string.h>

static const kern_ops *const tables[] = {
    &kern_scalar_ops,
#if defined(SEMLITE_KERNELS_X86)
    &kern_sse42_ops,
    &kern_avx2_ops,
    &kern_avx512_ops,
#endif
};

const kern_ops *kern_variant_table(const char *name)
{
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (!strcmp(name, tables[i]->name))
			return tables[i];
	return NULL;
}
