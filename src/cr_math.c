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
    /* Horner: sum_{j=0..N} s2^j / (2j + 1), coefficients as double-doubles */
    enum { N = 22 };
    dd p = {0.0, 0.0};
    for (int j = N; j >= 0; j--) {
        double d = (double)(2 * j + 1);
        double inv = 1.0 / d;
        dd coef = {inv, fma(-inv, d, 1.0) / d}; /* 1/d to about 106 bits */
        p = dd_add(dd_mul(p, s2), coef);
    }
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
    uint32_t u = float_bits(f);
    /* the neighbours of f, as bit patterns one step away from and toward 0 */
    float away = bits_float(u + 1), toward = bits_float(u - 1);
    if (f == 0.0f) return f;
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
