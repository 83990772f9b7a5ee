/* vec_math.h - the float exp/log/log1p/expm1 that PyTorch 1.13's vectorised
 * CPU kernels execute, one lane at a time.
 *
 * torch's Vectorized<float>::exp/log/log1p/expm1 call SLEEF 3.5.1's u10
 * routines (Sleef_expf8_u10, Sleef_logf8_u10, Sleef_log1pf8_u10,
 * Sleef_expm1f8_u10) in its AVX2 build; these functions give, for each float
 * input, exactly the float one lane of those routines returns (fused
 * multiply-adds where SLEEF's AVX2 code uses them). Verified bit for bit
 * against libsleef 3.5.1 and against torch.exp/log/log1p/expm1 on all 2^32
 * inputs (any NaN matches any NaN). Thread-safe, no state.
 *
 * Where torch 1.13.1 (Debian, AVX2 kernels) uses these and where glibc's
 * expf/logf/log1pf instead (measured; callers choose):
 *  - torch.exp/log/log1p/expm1: SLEEF for every element, any size, layout
 *    or thread count (vml -> vec::map, the tail is a partial vector).
 *  - sigmoid (also inside binary_cross_entropy_with_logits' backward):
 *    cpu_kernel_vec, so SLEEF exp on the first n - n%16 elements of each
 *    contiguous chunk and glibc expf on the last n%16; all glibc when the
 *    input is not contiguous (e.g. x[::2]).
 *  - softmax, log_softmax (exp and the log of the sums) and log_softmax's
 *    backward along the last dim: SLEEF everywhere.
 *  - the same along another dim: SLEEF for blocks of 8 inner columns, glibc
 *    expf for the inner_size % 8 last columns (log_softmax still takes the
 *    log of the sums with SLEEF).
 *  - logsigmoid forward, min(x,0) - log1p(exp(-|x|)): SLEEF everywhere.
 *  - binary_cross_entropy_with_logits forward (exp_/log_ on whole
 *    tensors): SLEEF everywhere.
 *  - With more than one torch thread and more than 32768 elements, torch
 *    splits the loop and each chunk gets its own scalar tail.
 *  - ATEN_CPU_CAPABILITY=default: glibc everywhere. */
#ifndef GRADEXP_VEC_MATH_H
#define GRADEXP_VEC_MATH_H

/* e^x as Sleef_expf8_u10 (SLEEF xexpf): +0 for x < -104 (subnormal results
 * above that), +inf for x > 88.7228317 (x > 100 is forced to +inf), NaN
 * for NaN; within 1 ulp elsewhere. */
float sleef_expf_u10(float x);

/* ln x as Sleef_logf8_u10 (SLEEF xlogf_u1): -inf for +-0, NaN for x < 0 or
 * NaN, +inf for +inf; subnormal inputs are scaled by 2^64 first, as in
 * SLEEF, so they get full accuracy. */
float sleef_logf_u10(float x);

/* ln(1 + x) as Sleef_log1pf8_u10 (SLEEF xlog1pf): -0 for -0, -inf for -1,
 * NaN for x < -1 or NaN, +inf for x > 1e38. */
float sleef_log1pf_u10(float x);

/* tanh x as Sleef_tanhf8_u10 / Sleef_tanhf16_u10 (SLEEF xtanhf; the two
 * give the same bits per lane): e^|x| as a float-float (expk2f), then
 * (e - 1/e) / (e + 1/e). +-1 for |x| > 8.664339742, -0 for -0, the all-ones
 * NaN for NaN. Verified on all 2^32 inputs (any NaN matches any NaN)
 * against libsleef 3.5.1's AVX2 and AVX-512 builds (torch 1.13); 3.6.1
 * (torch 2.6) and 3.9.0 (torch 2.14) give the same bits. torch.tanh runs
 * it on every element (at::vml) in the vector builds. */
float sleef_tanhf_u10(float x);

/* e^x - 1 as Sleef_expm1f8_u10 (SLEEF xexpm1f): -0 for -0, +inf for
 * x > 88.72283, -1 for x < -16.635532, NaN for NaN. */
float sleef_expm1f_u10(float x);

#endif
