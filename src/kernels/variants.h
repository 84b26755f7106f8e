/*
 * variants.h — private to kernels/: the table of each SIMD variant, each
 * defined in its own translation unit compiled with that ISA's flags.
 */
#ifndef SL_KERNELS_VARIANTS_H
#define SL_KERNELS_VARIANTS_H

#include "kernels/kernels.h"

/* The table for a variant name compiled into this build, or NULL.
 * Does not check the CPU: kern_variant() does. */
const kern_ops *kern_variant_table(const char *name);

#endif
