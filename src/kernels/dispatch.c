/*
 * dispatch.c — chooses the kernel variant once per process.
 *
 * The choice is made on first use from the CPU's features (GCC/clang's
 * __builtin_cpu_supports) and can be forced with SEMLITE_KERNELS. A forced
 * variant the CPU cannot run falls back to the best supported one rather
 * than crashing with SIGILL. The result is published with call_once so
 * concurrent first calls agree.
 */
#include "kernels/kernels.h"
#include "kernels/variants.h"
#include "common/common.h"

#include <stdlib.h>
#include <string.h>
#include <threads.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

static const char *const names[] = {"scalar", "sse42", "avx2", "avx512", NULL};

const char *const *kern_variant_names(void)
{
	return names;
}

#if defined(__x86_64__) || defined(__i386__)
/* F16C from CPUID leaf 1 (ECX bit 29): clang 14's __builtin_cpu_supports
 * does not know the "f16c" feature name, so ask CPUID directly. F16C's
 * registers are the AVX ones, whose OS support the avx2 check covers. */
static bool cpu_f16c(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	return (c >> 29) & 1u;
}
#endif

static bool cpu_has(const char *name)
{
#if defined(__x86_64__) || defined(__i386__)
	/* libgcc's CPUID probe also checks XCR0, so AVX/AVX-512 bits are only
	 * reported when the OS saves the YMM/ZMM state. */
	__builtin_cpu_init();
	bool sse42 = __builtin_cpu_supports("sse4.2") &&
	             __builtin_cpu_supports("popcnt");
	bool avx2 = sse42 && __builtin_cpu_supports("avx2") &&
	            __builtin_cpu_supports("fma") && cpu_f16c();
	if (!strcmp(name, "sse42"))
		return sse42;
	if (!strcmp(name, "avx2"))
		return avx2;
	if (!strcmp(name, "avx512"))
		return avx2 && __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512dq") &&
		       __builtin_cpu_supports("avx512vl") &&
		       __builtin_cpu_supports("avx512vnni");
#endif
	return !strcmp(name, "scalar");
}

const kern_ops *kern_variant(const char *name)
{
	if (!name || !cpu_has(name))
		return NULL;
	return kern_variant_table(name);
}

static const kern_ops *chosen;
static once_flag chosen_once = ONCE_FLAG_INIT;

static void choose(void)
{
	const char *forced = getenv("SEMLITE_KERNELS");
	if (forced && *forced)
		chosen = kern_variant(forced);
	for (int i = 3; !chosen && i >= 0; i--)
		chosen = kern_variant(names[i]);
	if (!chosen)
		chosen = &kern_scalar_ops;
}

const kern_ops *kern_get(void)
{
	call_once(&chosen_once, choose);
	return chosen;
}

SEMLITE_API const char *semlite_kernels_name(void)
{
	return kern_get()->name;
}
