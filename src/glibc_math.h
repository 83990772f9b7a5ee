/* glibc_math.h - glibc's float functions as PyTorch's reference machines run
 * them, computed by gradexp itself.
 *
 * Where torch calls libm (the default kernels, the scalar tails of the
 * vector ones), its digits come from glibc, and glibc on x86-64 picks at run
 * time a build of its expf compiled for FMA machines (__expf_fma), whose
 * results differ on some inputs from the plain build's: the digits would
 * depend on the CPU and the libm gradexp runs with. These functions are the
 * FMA build's algorithm written out, with fma() where that build fuses, so
 * gradexp prints the same digits everywhere. (glibc's logf gives the same
 * bits in both builds.) log1pf is carried for the same reason: libm's
 * differs between glibc releases (correctly rounded from 2.41, cr_math.h)
 * and between libms. */
#ifndef GRADEXP_GLIBC_MATH_H
#define GRADEXP_GLIBC_MATH_H

/* e^x as glibc 2.27 and later's expf in its FMA build: evaluated in double
 * through a 32-entry table of 2^(i/32) and a cubic, then rounded once.
 * +0 below -103.97 (subnormals above), +inf above 88.72, NaN for NaN. */
float glibc_expf(float x);

/* e^x as aarch64's glibc computes it (the same code built with
 * TOINT_INTRINSICS: the reduction rounds x * 32/ln2 once and takes its
 * nearest integer, ties away). Measured under qemu over every float in
 * [-104, 89]: it differs from glibc_expf on two inputs, by 1 ulp, and
 * equals aarch64's expf on both. */
float glibc_expf_aarch64(float x);

/* ln(1 + x) as glibc 2.40 and earlier's log1pf (fdlibm's float algorithm;
 * checked on every float against Debian 12's glibc 2.36 on x86-64): -inf
 * for -1, NaN below -1 and for NaN, x itself for |x| < 2^-54. */
float glibc_log1pf(float x);

#endif
