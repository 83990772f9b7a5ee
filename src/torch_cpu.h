/* torch_cpu.h - which of PyTorch's CPU kernel builds gradexp reproduces.
 *
 * PyTorch compiles its CPU kernels several times and picks one at start-up
 * (ATEN_CPU_CAPABILITY overrides the pick): on x86-64 the portable scalar
 * "default" build, the AVX2 build and the AVX-512 build; on aarch64 its
 * "default" build is vectorised with NEON (4 lanes, SLEEF's NEON routines,
 * everything compiled with FMA contraction). They differ in last bits
 * (random normals, exp, log, sums: vector width, SLEEF or glibc, FMA), so
 * every computation that can differ takes this switch. The switch names the
 * arithmetic, never the machine: CPU_AVX512 gives the same bits on a CPU
 * without AVX-512, CPU_NEON the aarch64 bits on x86. */
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
    /* aarch64's kernels (torch's "default" capability there) */
    CPU_NEON = 4,
} torch_cpu;

/* Lanes of one Vectorized<float>: 16 in the AVX-512 build, 4 in the NEON
 * one (a float32x4_t), 8 otherwise (the x86 default build's generic vector
 * is 32 bytes wide too). */
static inline size_t cpu_lanes(torch_cpu cpu)
{
    return cpu == CPU_AVX512 ? 16 : cpu == CPU_NEON ? 4 : 8;
}

/* 1 for the vector builds, whose exp/log are SLEEF's and whose kernels GCC
 * compiled with FMA contraction; 0 for the scalar default builds. */
static inline int cpu_sleef(torch_cpu cpu)
{
    return cpu == CPU_AVX2 || cpu == CPU_AVX512 || cpu == CPU_NEON;
}

/* 1 where torch's BLAS (Debian's reference BLAS, compiled by gfortran)
 * fuses each product into its running sum: on aarch64, whose compilers
 * contract a*b+c into one fmadd by default (read from the arm64
 * libblas.so.3's sgemv/sgemm: fmadd in the inner loops). x86-64's build
 * has no FMA. */
static inline int cpu_blas_fma(torch_cpu cpu)
{
    return cpu == CPU_NEON;
}

/* 1 for the x86 vector builds, whose randn takes normal_fill_16_AVX2 (the
 * others take the scalar normal_fill). */
static inline int cpu_randn_avx2(torch_cpu cpu)
{
    return cpu == CPU_AVX2 || cpu == CPU_AVX512;
}

#endif
