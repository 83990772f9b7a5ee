/* torch_cpu.h - which of PyTorch's CPU kernel builds gradexp reproduces.
 *
 * PyTorch compiles its CPU kernels several times and picks one at start-up
 * (ATEN_CPU_CAPABILITY overrides the pick): the portable scalar "default"
 * build, the AVX2 build and the AVX-512 build. They differ in last bits
 * (random normals, exp, log, sums: vector width, SLEEF or glibc, FMA), so
 * every computation that can differ takes this switch. The switch names the
 * arithmetic, never the machine: CPU_AVX512 gives the same bits on a CPU
 * without AVX-512. */
#ifndef GRADEXP_TORCH_CPU_H
#define GRADEXP_TORCH_CPU_H

#include <stddef.h>

typedef enum {
    CPU_AVX2 = 0,
    CPU_DEFAULT = 1,
    CPU_AVX512 = 2,
    /* The default build calling a libm whose log1pf is correctly rounded
     * (glibc 2.41 on, as in Debian 13): a kernel build, never a --cpu
     * value; torch_kernel_build picks it. */
    CPU_DEFAULT_CR = 3,
} torch_cpu;

/* Lanes of one Vectorized<float>: 16 in the AVX-512 build, 8 otherwise
 * (the default build's generic vector is 32 bytes wide too). */
static inline size_t cpu_lanes(torch_cpu cpu)
{
    return cpu == CPU_AVX512 ? 16 : 8;
}

/* 1 for the vector builds, whose exp/log are SLEEF's and whose kernels GCC
 * compiled with FMA contraction; 0 for the scalar default builds. */
static inline int cpu_sleef(torch_cpu cpu)
{
    return cpu == CPU_AVX2 || cpu == CPU_AVX512;
}

#endif
