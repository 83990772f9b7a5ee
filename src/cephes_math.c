/* cephes_math.c - one lane of avx_mathfun.h's log256_ps and sincos256_ps,
 * as Debian's PyTorch 1.13 executes them (GCC 12, -O2 -mavx2 -mfma, with
 * multiply-adds contracted into FMAs). Each step below is one vector
 * instruction of the compiled code; fmaf marks the fused ones. */
#include "cephes_math.h"

#include "float_bits.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Cephes logf polynomial and range-reduction constants (avx_mathfun.h). */
static const float LOG_P[9] = {
    7.0376836292E-2f,  -1.1514610310E-1f, 1.1676998740E-1f,  -1.2420140846E-1f, 1.4249322787E-1f,
    -1.6668057665E-1f, 2.0000714765E-1f,  -2.4999993993E-1f, 3.3333331174E-1f,
};
static const float LOG_Q1 = -2.12194440e-4f;
static const float LOG_Q2 = 0.693359375f;
static const float SQRTHF = 0.707106781186547524f;

float cephes_logf(float x)
{
    /* _CMP_LE_OS is false for NaN; _mm256_max_ps(x, min_norm) returns
     * min_norm when x is NaN. */
    int invalid = x <= 0.0f;
    float min_norm = bits_float(0x00800000u);
    x = (x > min_norm) ? x : min_norm;
    uint32_t u = float_bits(x);
    int32_t e_int = (int32_t)(u >> 23) - 127;
    x = bits_float((u & ~0x7f800000u) | 0x3f000000u);
    float e = (float)e_int + 1.0f;
    int m = x < SQRTHF;
    float tmp = m ? x : 0.0f;
    x = x - 1.0f;
    e = e - (m ? 1.0f : 0.0f);
    x = x + tmp;
    float y = LOG_P[0];
    for (int k = 1; k < 9; k++) y = fmaf(y, x, LOG_P[k]);
    float z = x * x;
    y = y * x;
    y = fmaf(y, z, e * LOG_Q1);
    y = fmaf(-0.5f, z, y);
    x = x + y;
    x = fmaf(e, LOG_Q2, x);
    return invalid ? bits_float(0xffffffffu) : x; /* or-ed with an all-ones mask */
}

static const float FOPI = 1.27323954473516f;
static const float DP1 = -0.78515625f;
static const float DP2 = -2.4187564849853515625e-4f;
static const float DP3 = -3.77489497744594108e-8f;
static const float COS_C[3] = {2.443315711809948E-5f, -1.388731625493765E-3f, 4.166664568298827E-2f};
static const float SIN_C[3] = {-1.9515295891E-4f, 8.3321608736E-3f, -1.6666654611E-1f};

void cephes_sincosf(float x, float *s, float *c)
{
    uint32_t sign_sin = float_bits(x) & 0x80000000u;
    x = fabsf(x);
    float y = x * FOPI;
    /* _mm256_cvttps_epi32: out-of-range and NaN give INT32_MIN */
    int32_t j = (y < 2147483648.0f) ? (int32_t)y : INT32_MIN;
    j = (int32_t)(((uint32_t)j + 1u) & ~1u);
    y = (float)j;
    uint32_t swap = ((uint32_t)j & 4u) << 29;
    int poly_sin_first = ((uint32_t)j & 2u) == 0;
    x = fmaf(y, DP1, x);
    x = fmaf(y, DP2, x);
    x = fmaf(y, DP3, x);
    uint32_t sign_cos = ((~((uint32_t)j - 2u)) & 4u) << 29;
    sign_sin ^= swap;
    float z = x * x;

    float yc = fmaf(COS_C[0], z, COS_C[1]);
    yc = fmaf(yc, z, COS_C[2]);
    yc = yc * z;
    yc = fmaf(yc, z, -(z * 0.5f));
    yc = yc + 1.0f;

    float ys = fmaf(SIN_C[0], z, SIN_C[1]);
    ys = fmaf(ys, z, SIN_C[2]);
    ys = ys * z;
    ys = fmaf(ys, x, x);

    /* The select is and/andnot then add/sub: the unselected lane is +0
     * (and value - value), so the chosen value is added to +0. */
    float sin_v, cos_v;
    if (poly_sin_first) {
        sin_v = 0.0f + ys;
        cos_v = yc + (ys - ys);
    } else {
        sin_v = yc + 0.0f;
        cos_v = (yc - yc) + ys;
    }
    *s = bits_float(float_bits(sin_v) ^ sign_sin);
    *c = bits_float(float_bits(cos_v) ^ sign_cos);
}
