/* cr_math.c - log1p(x) rounded correctly to float.
 *
 * The value is computed as a double-double (about 100 good bits), far more
 * than the 24 + ~40 bits needed to round any float input correctly (the
 * hardest float cases of log1p lie some 2^-50 from a rounding boundary),
 * then rounded once to float with a check of the exact remainder:
 *   1 + x = uh + ul exactly (TwoSum), uh = 2^k m with m in [1/sqrt2, sqrt2)
 *   log(1 + x) = k ln2 + 2 atanh(s) + ul / uh,  s = (m - 1) / (m + 1)
 *   2 atanh(s) = 2 s (1 + s^2/3 + s^4/5 + ...), |s| < 0.1716, 22 terms.
 * Inputs below 2^-25 in magnitude round to themselves. */
#include "cr_math.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "float_bits.h"

typedef struct {
    double hi, lo;
} dd;

/* a + b exactly (Knuth's TwoSum) */
static dd two_sum(double a, double b)
{
    double s = a + b;
    double bb = s - a;
    double err = (a - (s - bb)) + (b - bb);
    return (dd){s, err};
}

static dd dd_add(dd a, dd b)
{
    dd s = two_sum(a.hi, b.hi);
    double lo = s.lo + a.lo + b.lo;
    return two_sum(s.hi, lo);
}

static dd dd_mul(dd a, dd b)
{
    double p = a.hi * b.hi;
    double e = fma(a.hi, b.hi, -p);
    e += a.hi * b.lo + a.lo * b.hi;
    return two_sum(p, e);
}

static dd dd_div(dd a, dd b)
{
    double q = a.hi / b.hi;
    /* r = a - q * b, exactly enough for one correction step */
    dd qb = dd_mul((dd){q, 0.0}, b);
    dd r = dd_add(a, (dd){-qb.hi, -qb.lo});
    double q2 = r.hi / b.hi;
    return two_sum(q, q2);
}

/* 1 / (2j + 1) for j = 0..22 as double-doubles (1/d rounded, then the
 * rounded remainder fma(-1/d, d, 1) / d), the coefficients of 2 atanh. */
enum { ATANH_TERMS = 23 };
static const dd INV_ODD[ATANH_TERMS] = {
    {0x1p+0, 0x0p+0},                               /* 1/1 */
    {0x1.5555555555555p-2, 0x1.5555555555555p-56},  /* 1/3 */
    {0x1.999999999999ap-3, -0x1.999999999999ap-57}, /* 1/5 */
    {0x1.2492492492492p-3, 0x1.2492492492492p-57},  /* 1/7 */
    {0x1.c71c71c71c71cp-4, 0x1.c71c71c71c71cp-58},  /* 1/9 */
    {0x1.745d1745d1746p-4, -0x1.745d1745d1746p-59}, /* 1/11 */
    {0x1.3b13b13b13b14p-4, -0x1.3b13b13b13b14p-58}, /* 1/13 */
    {0x1.1111111111111p-4, 0x1.1111111111111p-60},  /* 1/15 */
    {0x1.e1e1e1e1e1e1ep-5, 0x1.e1e1e1e1e1e1ep-61},  /* 1/17 */
    {0x1.af286bca1af28p-5, 0x1.af286bca1af28p-59},  /* 1/19 */
    {0x1.8618618618618p-5, 0x1.8618618618618p-59},  /* 1/21 */
    {0x1.642c8590b2164p-5, 0x1.642c8590b2164p-60},  /* 1/23 */
    {0x1.47ae147ae147bp-5, -0x1.eb851eb851eb8p-61}, /* 1/25 */
    {0x1.2f684bda12f68p-5, 0x1.2f684bda12f68p-59},  /* 1/27 */
    {0x1.1a7b9611a7b96p-5, 0x1.1a7b9611a7b96p-61},  /* 1/29 */
    {0x1.0842108421084p-5, 0x1.0842108421084p-60},  /* 1/31 */
    {0x1.f07c1f07c1f08p-6, -0x1.f07c1f07c1f08p-61}, /* 1/33 */
    {0x1.d41d41d41d41dp-6, 0x1.075075075075p-60},   /* 1/35 */
    {0x1.bacf914c1badp-6, -0x1.bacf914c1badp-60},   /* 1/37 */
    {0x1.a41a41a41a41ap-6, 0x1.069069069069p-60},   /* 1/39 */
    {0x1.8f9c18f9c18fap-6, -0x1.f3831f3831f38p-61}, /* 1/41 */
    {0x1.7d05f417d05f4p-6, 0x1.7d05f417d05f4p-62},  /* 1/43 */
    {0x1.6c16c16c16c17p-6, -0x1.f49f49f49f49fp-61}, /* 1/45 */
};

/* ln 2 as a double-double (the two leading doubles of ln 2) */
static const dd LN2 = {0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56};

/* log(v) for a normal double v > 0, plus the small correction c (|c| tiny
 * against v), as a double-double: log(v + c) ~ log(v) + c / v. */
static dd dd_log(double v, double c)
{
    uint64_t b = double_bits(v);
    int k = (int)((b >> 52) & 0x7ff) - 1023;
    double m = bits_double((b & 0x000fffffffffffffull) | 0x3ff0000000000000ull); /* [1, 2) */
    if (m > 1.4142135623730951) {
        m *= 0.5; /* exact */
        k += 1;
    }
    dd num = {m - 1.0, 0.0}; /* exact (Sterbenz) */
    dd den = two_sum(m, 1.0);
    dd s = dd_div(num, den);
    dd s2 = dd_mul(s, s);
    /* Horner: sum_{j=0..N} s2^j / (2j + 1) */
    dd p = {0.0, 0.0};
    for (int j = ATANH_TERMS - 1; j >= 0; j--) p = dd_add(dd_mul(p, s2), INV_ODD[j]);
    dd r = dd_mul(dd_mul(s, p), (dd){2.0, 0.0});
    dd kl = dd_mul((dd){(double)k, 0.0}, LN2);
    r = dd_add(r, kl);
    return dd_add(r, (dd){c / v, 0.0});
}

/* The float nearest to hi + lo (ties to even); hi + lo is never a tie here. */
static float round_dd(dd v)
{
    float f = (float)v.hi;
    if (!isfinite(f)) return f;
    double df = (double)f;
    double d = (v.hi - df) + v.lo; /* v - f, the first difference exact */
    if (f == 0.0f) return f;
    uint32_t u = float_bits(f);
    /* the neighbours of f, as bit patterns one step away from and toward 0 */
    float away = bits_float(u + 1), toward = bits_float(u - 1);
    double up = (f > 0.0f ? (double)away : (double)toward) - df; /* > 0 */
    double dn = df - (f > 0.0f ? (double)toward : (double)away); /* > 0 */
    if (d > up / 2) return f > 0.0f ? away : toward;
    if (-d > dn / 2) return f > 0.0f ? toward : away;
    return f;
}

float cr_log1pf(float x)
{
    if (isnan(x)) return x + x;
    if (x == -1.0f) return -INFINITY;
    if (x < -1.0f) return NAN;
    if (isinf(x)) return x;
    if (fabsf(x) < 0x1p-25f) return x; /* |log1p(x) - x| < x^2/2, under a quarter ulp */
    dd u = two_sum(1.0, (double)x);
    return round_dd(dd_log(u.hi, u.lo));
}
