/* glibc_math.c - glibc's expf (the FMA build's operations in order) and
 * its log1pf up to 2.40.
 *
 *   x * 32 / ln2 = k + r, |r| <= 1/2 (k rounded to nearest through the
 *   2^52 * 1.5 shift), e^x = 2^(k/32) * 2^(r/32)
 *   2^(r/32) ~ 1 + C2 r + C1 r^2 + C0 r^3, evaluated as (C0 r + C1) r^2 + (C2 r + 1)
 * The FMA build contracts the product x * InvLn2N into both the shift and
 * the reduction (its two uses are additions), and each polynomial step. */
#include "glibc_math.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "float_bits.h"

/* 2^(i/32) as doubles with i << 47 taken out of the exponent field (added
 * back with k's low bits shifted in), i = 0..31 */
static const uint64_t T[32] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51, 0x3fef72b83c7d517b,
    0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1, 0x3fef06fe0a31b715, 0x3feef1a7373aa9cb,
    0x3feedea64c123422, 0x3feece086061892d, 0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429,
    0x3feea47eb03a5585, 0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d, 0x3feee89f995ad3ad,
    0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069, 0x3fef5818dcfba487, 0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
};
static const double INV_LN2_N = 0x1.71547652b82fep+0 * 32;
static const double SHIFT = 0x1.8p+52;
static const double C0 = 0x1.c6af84b912394p-5 / 32 / 32 / 32;
static const double C1 = 0x1.ebfce50fac4f3p-3 / 32 / 32;
static const double C2 = 0x1.62e42ff0c52d6p-1 / 32;

/* The shared body: toint = 0 is x86-64's FMA build (the product x *
 * InvLn2N fused into the shift and into the reduction), toint = 1
 * aarch64's (TOINT_INTRINSICS: z = x * InvLn2N rounded once, k = round(z),
 * ties away from zero, as frinta/fcvtas, r = z - k); the cubic is fused
 * alike in both. */
static float expf_body(float x, int toint)
{
    uint32_t abstop = (float_bits(x) >> 20) & 0x7ff;
    if (abstop >= ((float_bits(88.0f) >> 20) & 0x7ff)) {
        if (float_bits(x) == float_bits(-INFINITY)) return 0.0f;
        if (abstop >= ((float_bits(INFINITY) >> 20) & 0x7ff)) return x + x;
        if (x > 0x1.62e42ep6f) return INFINITY; /* overflow */
        if (x < -0x1.9fe368p6f) return 0.0f;    /* underflow */
    }
    double xd = (double)x;
    double r;
    uint64_t ki;
    if (toint) {
        double z = INV_LN2_N * xd;
        double kd = round(z);
        ki = (uint64_t)(int64_t)kd;
        r = z - kd;
    } else {
        double kd = fma(INV_LN2_N, xd, SHIFT);
        ki = double_bits(kd);
        kd -= SHIFT;
        r = fma(INV_LN2_N, xd, -kd);
    }
    uint64_t t = T[ki % 32] + (ki << 47);
    double s = bits_double(t);
    double z = fma(C0, r, C1);
    double r2 = r * r;
    double y = fma(C2, r, 1.0);
    y = fma(z, r2, y);
    y = y * s;
    return (float)y;
}

float glibc_expf(float x)
{
    return expf_body(x, 0);
}

float glibc_expf_aarch64(float x)
{
    return expf_body(x, 1);
}

/* ------------------------------------------------------------------------ */
/* log1pf as glibc 2.40 and earlier compute it (fdlibm's s_log1pf.c, float
 * arithmetic, built without FMA on x86-64): 1 + x = 2^k (1 + f) with
 * sqrt(2)/2 < 1 + f < sqrt(2) and a correction c for the rounding of 1 + x,
 * then log(1 + f) = f - (hfsq - s (hfsq + R)), s = f / (2 + f), R a degree-7
 * polynomial in s^2. */
static const float LN2_HI = 6.9313812256e-01f; /* 0x3f317180 */
static const float LN2_LO = 9.0580006145e-06f; /* 0x3717f7d1 */
static const float LP[7] = {
    6.6666668653e-01f, /* 0x3f2aaaab */
    4.0000000596e-01f, /* 0x3ecccccd */
    2.8571429849e-01f, /* 0x3e924925 */
    2.2222198546e-01f, /* 0x3e638e29 */
    1.8183572590e-01f, /* 0x3e3a3325 */
    1.5313838422e-01f, /* 0x3e1cd04f */
    1.4798198640e-01f, /* 0x3e178897 */
};

float glibc_log1pf(float x)
{
    int32_t hx = (int32_t)float_bits(x);
    int32_t ax = hx & 0x7fffffff;
    int32_t k = 1, hu = 0;
    float f = 0.0f, c = 0.0f;
    if (hx < 0x3ed413d7) {      /* x < 0.41422 */
        if (ax >= 0x3f800000) { /* x <= -1 */
            if (x == -1.0f) return -INFINITY;
            return NAN;
        }
        if (ax < 0x31000000) {             /* |x| < 2^-29 */
            if (ax < 0x24800000) return x; /* |x| < 2^-54 */
            return x - x * x * 0.5f;
        }
        if (hx > 0 || hx <= (int32_t)0xbe95f61f) { /* -0.2929 < x < 0.41422 */
            k = 0;
            f = x;
            hu = 1;
        }
    } else if (hx >= 0x7f800000) {
        return x + x;
    }
    if (k != 0) {
        float u;
        if (hx < 0x5a000000) {
            u = 1.0f + x;
            hu = (int32_t)float_bits(u);
            k = (hu >> 23) - 127;
            c = k > 0 ? 1.0f - (u - x) : x - (u - 1.0f); /* correction term */
            c /= u;
        } else {
            u = x;
            hu = (int32_t)float_bits(u);
            k = (hu >> 23) - 127;
            c = 0.0f;
        }
        hu &= 0x007fffff;
        if (hu < 0x3504f7) {
            u = bits_float((uint32_t)hu | 0x3f800000u); /* normalize u */
        } else {
            k += 1;
            u = bits_float((uint32_t)hu | 0x3f000000u); /* normalize u/2 */
            hu = (0x00800000 - hu) >> 2;
        }
        f = u - 1.0f;
    }
    float hfsq = 0.5f * f * f;
    float fk = (float)k;
    if (hu == 0) { /* |f| < 2^-20 */
        if (f == 0.0f) {
            if (k == 0) return 0.0f;
            c += fk * LN2_LO;
            return fk * LN2_HI + c;
        }
        float R = hfsq * (1.0f - 0.66666666666666666f * f);
        if (k == 0) return f - R;
        return fk * LN2_HI - ((R - (fk * LN2_LO + c)) - f);
    }
    float s = f / (2.0f + f);
    float z = s * s;
    float R = z * (LP[0] + z * (LP[1] + z * (LP[2] + z * (LP[3] + z * (LP[4] + z * (LP[5] + z * LP[6]))))));
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return fk * LN2_HI - ((hfsq - (s * (hfsq + R) + (fk * LN2_LO + c))) - f);
}
