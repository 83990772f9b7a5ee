/* tanh_math.h - the float tanh that PyTorch's CPU kernels compute, computed
 * by gradexp itself so its digits never depend on the machine or its libm.
 *
 * torch.tanh goes through at::vml (vec::map): every element, the tail too
 * (as a zero-padded partial vector), takes Vectorized<float>::tanh. In the
 * AVX2 and AVX-512 builds that is SLEEF's Sleef_tanhf8_u10 /
 * Sleef_tanhf16_u10 (same bits per lane), in the default build glibc's
 * tanhf lane by lane: the Sun algorithm up to glibc 2.40 (Debian 12's 2.36,
 * torch 1.13), CORE-MATH's correctly rounded one from glibc 2.41 (Debian
 * 13's 2.41 and 2.43, torch 2.6 and 2.14). All three functions are pure,
 * thread-safe, and use only + - * /, fmaf and bit operations. */
#ifndef GRADEXP_TANH_MATH_H
#define GRADEXP_TANH_MATH_H

/* tanh x as one lane of SLEEF's xtanhf (Sleef_tanhf8_u10 in the AVX2 build,
 * Sleef_tanhf16_u10 in the AVX-512 one; SLEEF 3.5.1, 3.6.1 and 3.9.0 give
 * the same bits), FMA where SLEEF's AVX2/AVX-512 code fuses: e^|x| as a
 * float-float, then (e - 1/e) / (e + 1/e). +-1 for |x| > 8.664339742,
 * -0 for -0, NaN for NaN. Verified on all 2^32 inputs (any NaN matches any
 * NaN) against Sleef_tanhf8_u10avx2 and Sleef_tanhf16_u10avx512f of
 * libsleef 3.5.1, 3.6.1 and 3.9.0 (tests/test_tanh.c gives the commands). */
float sleef_tanhf_u10(float x);

/* tanh x as glibc 2.36's tanhf (the Sun code, until glibc 2.40): from
 * glibc's float expm1f (Sun), 1 - 2/(expm1(2|x|) + 2) for |x| >= 1 and
 * -t/(t + 2), t = expm1(-2|x|), below; x itself for |x| < 2^-55, +-1 for
 * |x| >= 22. glibc has a single build of both on x86-64 (no FMA variant).
 * Verified on all 2^32 inputs against Debian 12's glibc 2.36 tanhf, with
 * and without its FMA/AVX2 code paths. */
float glibc_tanhf(float x);

/* tanh x rounded correctly to float (ties to even), as glibc 2.41 and later
 * compute it (CORE-MATH's tanhf: odd polynomial for |x| < 2^-12, a degree
 * 14/14 rational function in double up to |x| = 9.01, +-1 above). Verified
 * on all 2^32 inputs against Debian 13's glibc 2.41 and glibc 2.43. */
float cr_tanhf(float x);

#endif
