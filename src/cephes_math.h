/* cephes_math.h - the float log and sincos that PyTorch's AVX2 randn runs.
 *
 * normal_fill_AVX2 transforms uniforms with log256_ps and sincos256_ps from
 * ATen's avx_mathfun.h (Cephes-derived). Debian's build compiled them with
 * FMA contraction, so several multiply-adds round once. These scalar
 * functions return, for every float input, exactly what one lane returns,
 * with fmaf wherever the compiled code fuses. */
#ifndef GRADEXP_CEPHES_MATH_H
#define GRADEXP_CEPHES_MATH_H

/* One lane of log256_ps: natural log; NaN for x <= 0 (and for NaN). */
float cephes_logf(float x);
/* One lane of sincos256_ps: *s = sin(x), *c = cos(x). */
void cephes_sincosf(float x, float *s, float *c);

#endif
