/* tanh_math.c - glibc's two tanhf algorithms, each the same sequence of
 * IEEE operations as the glibc torch's default kernels call, so each returns
 * the identical float for every input (NaN payloads aside). SLEEF's vector
 * tanhf is with the other SLEEF lanes, in vec_math.c.
 *
 * - glibc_tanhf: glibc's flt-32/s_tanhf.c and s_expm1f.c up to 2.40 (Sun
 *   Microsystems' fdlibm algorithms), float arithmetic, nothing fused (the
 *   x86-64 build has no FMA and no FMA variant of either function).
 * - cr_tanhf: glibc 2.41's flt-32/s_tanhf.c (CORE-MATH, Alexei Sibidanov),
 *   evaluated in double with nothing fused but the explicit fmaf calls.
 *
 * The algorithms and constants are Sun's and CORE-MATH's (MIT); the code is written afresh. The file is
 * built with -ffp-contract=off: every fusion is an explicit fmaf. */
#include "tanh_math.h"

#include <math.h>
#include <stdint.h>

#include "float_bits.h"

/* ======================================================================== */
/* glibc <= 2.40: Sun's expm1f and tanhf, float arithmetic                 */

/* x with k added to its exponent field (k may be negative), 32-bit wrap */
static float sun_add_exp(float x, int32_t k)
{
    return bits_float(float_bits(x) + ((uint32_t)k << 23));
}

/* glibc's __expm1f up to 2.40 (flt-32/s_expm1f.c) */
static float sun_expm1f(float x)
{
    const float huge = 1.0e+30f, tiny = 1.0e-30f;
    const float o_threshold = 8.8721679688e+01f; /* 0x42b17180 */
    const float ln2_hi = 6.9313812256e-01f;      /* 0x3f317180 */
    const float ln2_lo = 9.0580006145e-06f;      /* 0x3717f7d1 */
    const float invln2 = 1.4426950216e+00f;      /* 0x3fb8aa3b */
    const float Q1 = -3.3333335072e-02f;         /* 0xbd088889 */
    const float Q2 = 1.5873016091e-03f;          /* 0x3ad00d01 */
    const float Q3 = -7.9365076090e-05f;         /* 0xb8a670cd */
    const float Q4 = 4.0082177293e-06f;          /* 0x36867e54 */
    const float Q5 = -2.0109921195e-07f;         /* 0xb457edbb */

    uint32_t hx = float_bits(x);
    int neg = (hx & 0x80000000u) != 0;
    hx &= 0x7fffffffu;

    /* huge and non-finite arguments */
    if (hx >= 0x4195b844u) {     /* |x| >= 27 ln2 */
        if (hx >= 0x42b17218u) { /* |x| >= 88.721... */
            if (hx > 0x7f800000u) return x + x;
            if (hx == 0x7f800000u) return neg ? -1.0f : x;
            if (x > o_threshold) return huge * huge;
        }
        if (neg) return tiny - 1.0f;
    }

    /* argument reduction: x = k ln2 + hi - lo, c the rounding error */
    float c = 0.0f, t;
    int32_t k;
    if (hx > 0x3eb17218u) { /* |x| > ln2 / 2 */
        float hi, lo;
        if (hx < 0x3f851592u) { /* and |x| < 3 ln2 / 2 */
            if (!neg) {
                hi = x - ln2_hi;
                lo = ln2_lo;
                k = 1;
            } else {
                hi = x + ln2_hi;
                lo = -ln2_lo;
                k = -1;
            }
        } else {
            /* |x| < 88.73 here: the truncation is in range */
            k = (int32_t)(invln2 * x + (neg ? -0.5f : 0.5f));
            t = (float)k;
            hi = x - t * ln2_hi; /* exact product */
            lo = t * ln2_lo;
        }
        x = hi - lo;
        c = (hi - x) - lo;
    } else if (hx < 0x33000000u) { /* |x| < 2^-25 */
        t = huge + x;
        return x - (t - (huge + x));
    } else {
        k = 0;
    }

    /* x in the primary range */
    float hfx = 0.5f * x;
    float hxs = x * hfx;
    float r1 = 1.0f + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
    t = 3.0f - r1 * hfx;
    float e = hxs * ((r1 - t) / (6.0f - x * t));
    if (k == 0) return x - (x * e - hxs);
    e = (x * (e - c) - c);
    e -= hxs;
    if (k == -1) return 0.5f * (x - e) - 0.5f;
    if (k == 1) {
        if (x < -0.25f) return -2.0f * (e - (x + 0.5f));
        return 1.0f + 2.0f * (x - e);
    }
    float y;
    if (k <= -2 || k > 56) { /* e^x - 1 ~ e^x */
        y = 1.0f - (e - x);
        y = sun_add_exp(y, k);
        return y - 1.0f;
    }
    if (k < 23) {
        t = bits_float(0x3f800000u - (0x1000000u >> k)); /* 1 - 2^-k */
        y = t - (e - x);
        y = sun_add_exp(y, k);
    } else {
        t = bits_float((uint32_t)(0x7f - k) << 23); /* 2^-k */
        y = x - (e + t);
        y += 1.0f;
        y = sun_add_exp(y, k);
    }
    return y;
}

float glibc_tanhf(float x)
{
    uint32_t jx = float_bits(x);
    uint32_t ix = jx & 0x7fffffffu;
    int neg = (jx & 0x80000000u) != 0;
    float z;

    if (ix >= 0x7f800000u) return neg ? 1.0f / x - 1.0f : 1.0f / x + 1.0f; /* +-inf, NaN */

    if (ix < 0x41b00000u) {                          /* |x| < 22 */
        if (ix == 0) return x;                       /* +-0 */
        if (ix < 0x24000000u) return x * (1.0f + x); /* |x| < 2^-55 */
        if (ix >= 0x3f800000u) {                     /* |x| >= 1 */
            float t = sun_expm1f(2.0f * fabsf(x));
            z = 1.0f - 2.0f / (t + 2.0f);
        } else {
            float t = sun_expm1f(-2.0f * fabsf(x));
            z = -t / (t + 2.0f);
        }
    } else {
        z = 1.0f - 1.0e-30f; /* 1, inexact */
    }
    return neg ? -z : z;
}

/* ======================================================================== */
/* glibc >= 2.41: CORE-MATH's tanhf                                         */

/* numerator and denominator of tanh z / z as polynomials in z^2 */
static const double CR_N[8] = {
    0x1p+0,
    0x1.30877b8b72d33p-3,
    0x1.694aa09ae9e5ep-8,
    0x1.4101377abb729p-14,
    0x1.e0392b1db0018p-22,
    0x1.2533756e546f7p-30,
    0x1.d62e5abe6ae8ap-41,
    0x1.b06be534182dep-54,
};
static const double CR_D[8] = {
    0x1p+0,
    0x1.ed99131b0ebeap-2,
    0x1.0d27ed6c95a69p-5,
    0x1.7cbdaca0e9fccp-11,
    0x1.b4e60b892578ep-18,
    0x1.a6f707c5c71abp-26,
    0x1.35a8b6e2cd94cp-35,
    0x1.ca8230677aa01p-47,
};

/* c[0] + z2 c[1] + ... + z2^7 c[7], in glibc's order (pairs, then z^4,
 * then z^8), unfused */
static double cr_poly(const double c[8], double z2, double z4, double z8)
{
    double p0 = c[0] + z2 * c[1];
    double p2 = c[2] + z2 * c[3];
    double p4 = c[4] + z2 * c[5];
    double p6 = c[6] + z2 * c[7];
    p0 += z4 * p2;
    p4 += z4 * p6;
    return p0 + z8 * p4;
}

float cr_tanhf(float x)
{
    uint32_t ux = float_bits(x);
    uint32_t e = (ux >> 23) & 0xffu;
    if (e == 0xffu) {
        if (ux << 9) return x + x;        /* NaN */
        return (ux >> 31) ? -1.0f : 1.0f; /* +-inf */
    }
    if (e < 115) {                        /* |x| < 2^-12 */
        if (e < 102) {                    /* |x| < 2^-25 */
            if ((ux << 1) == 0) return x; /* +-0 */
            return fmaf(-x, fabsf(x), x);
        }
        float x2 = x * x;
        return fmaf(x, -0x1.555556p-2f * x2, x);
    }
    if ((ux << 1) > (0x41102cb3u << 1)) { /* |x| > 9.0109 */
        float one = bits_float(0x3f800000u | (ux & 0x80000000u));
        float eps = bits_float(0x33000000u | (ux & 0x80000000u));
        return one - eps; /* rounds to +-1 */
    }
    double z = (double)x;
    double z2 = z * z;
    double z4 = z2 * z2;
    double z8 = z4 * z4;
    double r = z * cr_poly(CR_N, z2, z4, z8) / cr_poly(CR_D, z2, z4, z8);
    return (float)r;
}
