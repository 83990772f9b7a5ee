/* tanh_math.h - the float tanh that PyTorch's CPU kernels compute, computed
 * by gradexp itself so its digits never depend on the machine or its libm.
 *
 * torch.tanh goes through at::vml (vec::map): every element, the tail too
 * (as a zero-padded partial vector), takes Vectorized<float>::tanh. In the
 * AVX2 and AVX-512 builds that is SLEEF's Sleef_tanhf8_u10 /
 * Sleef_tanhf16_u10 (same bits per lane), in the default build glibc's
 * tanhf lane by lane: the Sun algorithm up to glibc 2.40 (Debian 12's 2.36,
 * torch 1.13), CORE-MATH's correctly rounded one from glibc 2.41 (Debian
 * 13's 2.41 and 2.43, torch 2.6 and 2.14). The SLEEF lane is
 * vec_math.h's sleef_tanhf_u10; the two glibc algorithms are here. Both
 * functions are pure, thread-safe, and use only + - * /, fmaf, fabsf and
 * bit operations (no libm function whose bits vary by machine). */
#ifndef GRADEXP_TANH_MATH_H
#define GRADEXP_TANH_MATH_H

/* tanh x as glibc's tanhf up to 2.40 (the Sun code; Debian 12's 2.36):
 * from glibc's float expm1f (Sun), 1 - 2/(expm1(2|x|) + 2) for |x| >= 1
 * and -t/(t + 2), t = expm1(-2|x|), below; x itself for |x| < 2^-55, +-1
 * for |x| >= 22. glibc has a single build of both on x86-64 (no FMA
 * variant). Verified on all 2^32 inputs against Debian 12's glibc 2.36
 * tanhf, also under GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA. */
float glibc_tanhf(float x);

/* tanh x as glibc 2.41 and later compute it (CORE-MATH's tanhf, correctly
 * rounded as its authors state: x - x|x| or x - x^3/3 below 2^-12, a degree 15/14 odd
 * rational function in double up to |x| = 9.0109, +-1 above), the double
 * operations unfused as in glibc's x86-64 build. Verified on all 2^32
 * inputs against Debian 13's glibc 2.41 (torch 2.6 root) and glibc 2.43
 * (torch 2.14 root). It differs from glibc_tanhf on 118674314 inputs. */
float cr_tanhf(float x);

#endif
