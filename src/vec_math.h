/* vec_math.h - the float exp/log/log1p/expm1 that PyTorch 1.13's vectorised
 * CPU kernels execute, one lane at a time.
 *
 * torch's Vectorized<float>::exp/log/log1p/expm1 call SLEEF 3.5.1's u10
 * routines (Sleef_expf8_u10, Sleef_logf8_u10, Sleef_log1pf8_u10,
 * Sleef_expm1f8_u10) in its AVX2 build; these functions give, for each float
 * input, exactly the float one lane of those routines returns (fused
 * multiply-adds where SLEEF's AVX2 code uses them). Verified bit for bit
 * against libsleef 3.5.1 on all 2^32 inputs (any NaN matches any NaN).
 * The default-capability build and torch's scalar tail loops use glibc's
 * expf/logf/log1pf instead; callers choose. Thread-safe, no state. */
#ifndef GRADEXP_VEC_MATH_H
#define GRADEXP_VEC_MATH_H

/* e^x as Sleef_expf8_u10 (SLEEF xexpf): +0 for x < -104, +inf for x > 100,
 * NaN for NaN; max error 1 ulp elsewhere, subnormal results are produced. */
float sleef_expf_u10(float x);

/* ln x as Sleef_logf8_u10 (SLEEF xlogf_u1): -inf for +-0, NaN for x < 0 or
 * NaN, +inf for +inf; subnormal inputs are handled exactly. */
float sleef_logf_u10(float x);

/* ln(1 + x) as Sleef_log1pf8_u10 (SLEEF xlog1pf): -0 for -0, -inf for -1,
 * NaN for x < -1 or NaN, +inf for x > 1e38. */
float sleef_log1pf_u10(float x);

/* e^x - 1 as Sleef_expm1f8_u10 (SLEEF xexpm1f): -0 for -0, +inf for
 * x > 88.72283, -1 for x < -16.635532, NaN for NaN. */
float sleef_expm1f_u10(float x);

#endif
