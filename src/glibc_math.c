/* glibc_math.c - glibc's expf, the FMA build's operations in order.
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

float glibc_expf(float x)
{
    uint32_t abstop = (float_bits(x) >> 20) & 0x7ff;
    if (abstop >= ((float_bits(88.0f) >> 20) & 0x7ff)) {
        if (float_bits(x) == float_bits(-INFINITY)) return 0.0f;
        if (abstop >= ((float_bits(INFINITY) >> 20) & 0x7ff)) return x + x;
        if (x > 0x1.62e42ep6f) return INFINITY; /* overflow */
        if (x < -0x1.9fe368p6f) return 0.0f;    /* underflow */
    }
    double xd = (double)x;
    double kd = fma(INV_LN2_N, xd, SHIFT);
    uint64_t ki = double_bits(kd);
    kd -= SHIFT;
    double r = fma(INV_LN2_N, xd, -kd);
    uint64_t t = T[ki % 32] + (ki << 47);
    double s = bits_double(t);
    double z = fma(C0, r, C1);
    double r2 = r * r;
    double y = fma(C2, r, 1.0);
    y = fma(z, r2, y);
    y = y * s;
    return (float)y;
}
