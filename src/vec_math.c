/* vec_math.c - scalar, bit-exact re-implementations of the SLEEF 3.5.1
 * single-precision routines that PyTorch 1.13's AVX2 Vectorized<float> calls.
 *
 * torch's vec256_float.h maps Vectorized<float>::exp/log/log1p/expm1 to
 * Sleef_expf8_u10, Sleef_logf8_u10, Sleef_log1pf8_u10 and Sleef_expm1f8_u10.
 * In SLEEF 3.5.1 (src/libm/sleefsimdsp.c, compiled with helperavx2.h) those
 * are the kernels xexpf, xlogf_u1, xlog1pf and xexpm1f.  Every function below
 * follows the same sequence of IEEE single-precision operations as one lane
 * of those kernels, so it returns the identical float for every input
 * (NaN payloads aside: any NaN is returned where SLEEF returns a NaN).
 *
 * Rules followed to stay bit-exact:
 *  - SLEEF's AVX2 helper maps vmla/vfma/vfmapn/vfmanp to fused multiply-add
 *    instructions; those are written here as fmaf() (one rounding).  Its
 *    vmul/vadd/vsub are plain * + - and the build uses -ffp-contract=off,
 *    so the compiler never fuses them on its own.
 *  - Float-float ("df") arithmetic uses SLEEF's FMA variants of df.h
 *    (ENABLE_FMA_SP is defined for AVX2).
 *  - Float->int conversion is cvtps2dq: round-half-even, and NaN or
 *    out-of-range inputs give INT32_MIN ("integer indefinite").
 *  - Exponent manipulation (ilogb2k, ldexp2, ldexp3, pow2i) is done on the
 *    bit pattern with 32-bit wrap-around, exactly like the integer SIMD ops.
 *  - No flush-to-zero: subnormals are handled as SSE/AVX do by default
 *    (torch does not enable FTZ/DAZ unless set_flush_denormal(True)).
 *
 * fmaf() from libm is always correct (glibc implements it exactly in
 * software when the CPU lacks FMA).  On x86 with GCC/Clang, a copy of each
 * routine compiled with target("fma,sse4.1") is selected at run time when
 * the CPU has both; the two copies perform the same operations and give
 * identical results, the second just inlines fmaf and rintf as single
 * instructions instead of calling libm (about 3x faster).  Define
 * VEC_MATH_NO_FMA_DISPATCH to build only the portable copy.
 *
 * The algorithms and constants are SLEEF's (Boost Software License 1.0,
 * Copyright Naoki Shibata and contributors); the code is written afresh. */
#include "vec_math.h"

#include "float_bits.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define VM_INLINE static inline __attribute__((always_inline))
#else
#define VM_INLINE static inline
#endif

/* ---- bit-level helpers ------------------------------------------------- */

/* Arithmetic shift right by one of a two's-complement int32 (vsra 1),
 * written without relying on implementation-defined signed shifts. */
VM_INLINE int32_t vm_asr1(int32_t v)
{
    return v >= 0 ? v / 2 : -(int32_t)(((uint32_t) - (int64_t)v + 1u) / 2u);
}

/* _mm256_cvtps_epi32 under the default MXCSR: round half to even; NaN and
 * values outside int32 give INT32_MIN. */
VM_INLINE int32_t vm_rint_i32(float f)
{
    if (!(f >= -2147483648.0f && f < 2147483648.0f)) return INT32_MIN;
    return (int32_t)rintf(f);
}

/* vilogb2k: biased exponent field minus 127 (sign ignored, no subnormal
 * handling: callers pre-scale). */
VM_INLINE int32_t vm_ilogb2k(float d)
{
    return (int32_t)((float_bits(d) >> 23) & 0xffu) - 0x7f;
}

/* vpow2i: the float with bits (q + 127) << 23 in 32-bit wrap-around
 * arithmetic (q is a two's-complement int32 held in a uint32), i.e. 2^q for
 * -126 <= q <= 127. */
VM_INLINE float vm_pow2i(uint32_t q)
{
    return bits_float((q + 0x7fu) << 23);
}

/* vldexp2: d * 2^(q>>1) * 2^(q - (q>>1)), two roundings, in that order. */
VM_INLINE float vm_ldexp2(float d, int32_t q)
{
    uint32_t h = (uint32_t)vm_asr1(q);
    return (d * vm_pow2i(h)) * vm_pow2i((uint32_t)q - h);
}

/* vldexp3: add q to the exponent field directly (no range handling). */
VM_INLINE float vm_ldexp3(float d, int32_t q)
{
    return bits_float(float_bits(d) + ((uint32_t)q << 23));
}

/* ---- float-float ("df") arithmetic, FMA flavour of SLEEF's df.h -------- */

/* An unevaluated sum hi + lo. */
typedef struct {
    float x, y;
} vm_f2;

VM_INLINE vm_f2 vm_f2_make(float x, float y)
{
    vm_f2 r;
    r.x = x;
    r.y = y;
    return r;
}

/* dfscale_vf2_vf2_vf */
VM_INLINE vm_f2 vm_df_scale(vm_f2 d, float s)
{
    return vm_f2_make(d.x * s, d.y * s);
}

/* dfadd_vf2_vf_vf (assumes |x| >= |y|) */
VM_INLINE vm_f2 vm_df_add_f_f(float x, float y)
{
    float s = x + y;
    return vm_f2_make(s, (x - s) + y);
}

/* dfadd2_vf2_vf_vf (two-sum, no magnitude assumption) */
VM_INLINE vm_f2 vm_df_add2_f_f(float x, float y)
{
    float s = x + y;
    float v = s - x;
    return vm_f2_make(s, (x - (s - v)) + (y - v));
}

/* dfadd_vf2_vf2_vf */
VM_INLINE vm_f2 vm_df_add_f2_f(vm_f2 x, float y)
{
    float s = x.x + y;
    return vm_f2_make(s, ((x.x - s) + y) + x.y);
}

/* dfadd2_vf2_vf2_vf */
VM_INLINE vm_f2 vm_df_add2_f2_f(vm_f2 x, float y)
{
    float s = x.x + y;
    float v = s - x.x;
    float t = (x.x - (s - v)) + (y - v);
    return vm_f2_make(s, t + x.y);
}

/* dfadd_vf2_vf_vf2 */
VM_INLINE vm_f2 vm_df_add_f_f2(float x, vm_f2 y)
{
    float s = x + y.x;
    return vm_f2_make(s, ((x - s) + y.x) + y.y);
}

/* dfadd_vf2_vf2_vf2 (assumes |x| >= |y|) */
VM_INLINE vm_f2 vm_df_add_f2_f2(vm_f2 x, vm_f2 y)
{
    float s = x.x + y.x;
    return vm_f2_make(s, (((x.x - s) + y.x) + x.y) + y.y);
}

/* dfadd2_vf2_vf2_vf2 */
VM_INLINE vm_f2 vm_df_add2_f2_f2(vm_f2 x, vm_f2 y)
{
    float s = x.x + y.x;
    float v = s - x.x;
    float t = (x.x - (s - v)) + (y.x - v);
    return vm_f2_make(s, t + (x.y + y.y));
}

/* dfmul_vf2_vf2_vf (FMA) */
VM_INLINE vm_f2 vm_df_mul_f2_f(vm_f2 x, float y)
{
    float s = x.x * y;
    return vm_f2_make(s, fmaf(x.y, y, fmaf(x.x, y, -s)));
}

/* dfmul_vf2_vf2_vf2 (FMA) */
VM_INLINE vm_f2 vm_df_mul_f2_f2(vm_f2 x, vm_f2 y)
{
    float s = x.x * y.x;
    return vm_f2_make(s, fmaf(x.x, y.y, fmaf(x.y, y.x, fmaf(x.x, y.x, -s))));
}

/* dfsqu_vf2_vf2 (FMA) */
VM_INLINE vm_f2 vm_df_squ(vm_f2 x)
{
    float s = x.x * x.x;
    return vm_f2_make(s, fmaf(x.x + x.x, x.y, fmaf(x.x, x.x, -s)));
}

/* dfrec_vf2_vf2 (FMA): 1 / d */
VM_INLINE vm_f2 vm_df_rec(vm_f2 d)
{
    float t = 1.0f / d.x;
    return vm_f2_make(t, t * fmaf(-d.y, t, fmaf(-d.x, t, 1.0f)));
}

/* dfdiv_vf2_vf2_vf2 (FMA): n / d with one reciprocal and Newton terms. */
VM_INLINE vm_f2 vm_df_div(vm_f2 n, vm_f2 d)
{
    float t = 1.0f / d.x;
    float s = n.x * t;
    float u = fmaf(t, n.x, -s);
    float v = fmaf(-d.y, t, fmaf(-d.x, t, 1.0f));
    return vm_f2_make(s, fmaf(s, v, fmaf(n.y, t, u)));
}

/* ---- constants (SLEEF misc.h / sleefsimdsp.c) --------------------------- */

#define VM_R_LN2F 1.442695040888963407359924681001892137426645954152985934135449406931f
#define VM_L2UF 0.693145751953125f
#define VM_L2LF 1.428606765330187045e-06f
#define VM_LN2_HI 0.69314718246459960938f
#define VM_LN2_LO (-1.904654323148236017e-09f)
#define VM_TWO64 18446744073709551616.0f /* 2^64, scales subnormals */

/* ---- the kernels -------------------------------------------------------- */

/* xexpf (Sleef_expf8_u10). */
VM_INLINE float vm_expf_body(float d)
{
    int32_t q = vm_rint_i32(d * VM_R_LN2F);
    float qf = (float)q;
    float s, u;

    s = fmaf(qf, -VM_L2UF, d);
    s = fmaf(qf, -VM_L2LF, s);

    u = 0.000198527617612853646278381f;
    u = fmaf(u, s, 0.00139304355252534151077271f);
    u = fmaf(u, s, 0.00833336077630519866943359f);
    u = fmaf(u, s, 0.0416664853692054748535156f);
    u = fmaf(u, s, 0.166666671633720397949219f);
    u = fmaf(u, s, 0.5f);

    u = 1.0f + fmaf(s * s, u, s);
    u = vm_ldexp2(u, q);

    if (d < -104.0f) u = 0.0f; /* SLEEF clears all bits: +0 */
    if (100.0f < d) u = INFINITY;
    return u;
}

/* xlogf_u1 (Sleef_logf8_u10). */
VM_INLINE float vm_logf_body(float d)
{
    int o = d < FLT_MIN;
    if (o) d = d * VM_TWO64;
    int32_t e = vm_ilogb2k(d * (1.0f / 0.75f));
    float m = vm_ldexp3(d, (int32_t)(0u - (uint32_t)e));
    if (o) e -= 64;

    vm_f2 s = vm_df_mul_f2_f(vm_f2_make(VM_LN2_HI, VM_LN2_LO), (float)e);
    vm_f2 x = vm_df_div(vm_df_add2_f_f(-1.0f, m), vm_df_add2_f_f(1.0f, m));
    float x2 = x.x * x.x;

    float t = 0.3027294874e+0f;
    t = fmaf(t, x2, 0.3996108174e+0f);
    t = fmaf(t, x2, 0.6666694880e+0f);

    s = vm_df_add_f2_f2(s, vm_df_scale(x, 2.0f));
    s = vm_df_add_f2_f(s, (x2 * x.x) * t);

    float r = s.x + s.y;

    /* d here is the possibly pre-scaled input; the scaling keeps the sign,
     * zeros, -inf and NaN, so these tests see the same classes. */
    if (d == INFINITY) r = INFINITY;
    if (d < 0.0f || isnan(d)) r = NAN;
    if (d == 0.0f) r = -INFINITY;
    return r;
}

/* xlog1pf (Sleef_log1pf8_u10). */
VM_INLINE float vm_log1pf_body(float d)
{
    float dp1 = d + 1.0f;
    int o = dp1 < FLT_MIN;
    if (o) dp1 = dp1 * VM_TWO64;
    int32_t e = vm_ilogb2k(dp1 * (1.0f / 0.75f));
    float t = vm_ldexp3(1.0f, (int32_t)(0u - (uint32_t)e));
    float m = fmaf(d, t, t - 1.0f);
    if (o) e -= 64;

    vm_f2 s = vm_df_mul_f2_f(vm_f2_make(VM_LN2_HI, VM_LN2_LO), (float)e);
    vm_f2 x = vm_df_div(vm_f2_make(m, 0.0f), vm_df_add_f_f(2.0f, m));
    float x2 = x.x * x.x;

    t = 0.3027294874e+0f;
    t = fmaf(t, x2, 0.3996108174e+0f);
    t = fmaf(t, x2, 0.6666694880e+0f);

    s = vm_df_add_f2_f2(s, vm_df_scale(x, 2.0f));
    s = vm_df_add_f2_f(s, (x2 * x.x) * t);

    float r = s.x + s.y;

    if (d > 1e+38f) r = INFINITY;
    if (-1.0f > d) r = bits_float(0xffffffffu); /* SLEEF ORs all ones: a NaN */
    if (d == -1.0f) r = -INFINITY;
    if (float_bits(d) == 0x80000000u) r = -0.0f;
    return r;
}

/* expk2f: e^(d.x + d.y) as a float-float pair (used by xexpm1f). */
VM_INLINE vm_f2 vm_expk2f(vm_f2 d)
{
    float u = (d.x + d.y) * VM_R_LN2F;
    int32_t q = vm_rint_i32(u);
    float qf = (float)q;
    vm_f2 s, t;

    s = vm_df_add2_f2_f(d, qf * -VM_L2UF);
    s = vm_df_add2_f2_f(s, qf * -VM_L2LF);

    u = +0.1980960224e-3f;
    u = fmaf(u, s.x, +0.1394256484e-2f);
    u = fmaf(u, s.x, +0.8333456703e-2f);
    u = fmaf(u, s.x, +0.4166637361e-1f);

    t = vm_df_add2_f2_f(vm_df_mul_f2_f(s, u), +0.166666659414234244790680580464e+0f);
    t = vm_df_add2_f2_f(vm_df_mul_f2_f2(s, t), 0.5f);
    t = vm_df_add2_f2_f2(s, vm_df_mul_f2_f2(vm_df_squ(s), t));

    t = vm_df_add_f_f2(1.0f, t);

    t.x = vm_ldexp2(t.x, q);
    t.y = vm_ldexp2(t.y, q);

    if (d.x < -104.0f) {
        t.x = 0.0f;
        t.y = 0.0f;
    }
    return t;
}

/* xexpm1f (Sleef_expm1f8_u10). */
VM_INLINE float vm_expm1f_body(float a)
{
    vm_f2 d = vm_df_add2_f2_f(vm_expk2f(vm_f2_make(a, 0.0f)), -1.0f);
    float x = d.x + d.y;
    if (a > 88.72283172607421875f) x = INFINITY;
    if (a < -16.635532333438687426013570f) x = -1.0f;
    if (float_bits(a) == 0x80000000u) x = -0.0f;
    return x;
}

/* xtanhf (Sleef_tanhf8_u10). SLEEF computes the quotient on every lane and
 * selects 1 where |x| > 8.664339742 or the quotient is NaN (only for a NaN
 * x: e^|x| is finite and >= 1 below the threshold), so the quotient is
 * needed only below it; vmulsign then XORs in x's sign, and a NaN x gives
 * all ones. */
VM_INLINE float vm_tanhf_body(float x)
{
    float ax = fabsf(x), y = 1.0f;
    if (ax <= 8.664339742f) {
        vm_f2 d = vm_expk2f(vm_f2_make(ax, 0.0f));
        vm_f2 e = vm_df_rec(d);
        vm_f2 q = vm_df_div(vm_df_add_f2_f2(d, vm_f2_make(-e.x, -e.y)), vm_df_add_f2_f2(d, e));
        y = q.x + q.y;
    }
    if (isnan(x)) return bits_float(0xffffffffu);
    return bits_float(float_bits(y) ^ (float_bits(x) & 0x80000000u));
}

/* ---- run-time selection of an FMA-instruction copy ---------------------- */

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(VEC_MATH_NO_FMA_DISPATCH)
#define VM_DISPATCH 1
#define VM_FMA_COPY(name, body)                                            \
    __attribute__((target("fma,sse4.1"))) static float name##_fma(float x) \
    {                                                                      \
        return body(x);                                                    \
    }                                                                      \
    static float name##_generic(float x)                                   \
    {                                                                      \
        return body(x);                                                    \
    }
#else
#define VM_DISPATCH 0
#endif

#if VM_DISPATCH
VM_FMA_COPY(vm_expf, vm_expf_body)
VM_FMA_COPY(vm_logf, vm_logf_body)
VM_FMA_COPY(vm_log1pf, vm_log1pf_body)
VM_FMA_COPY(vm_expm1f, vm_expm1f_body)
VM_FMA_COPY(vm_tanhf, vm_tanhf_body)

/* __builtin_cpu_supports reads data that libgcc fills in from a constructor,
 * so it is valid here without __builtin_cpu_init and costs one load. */
static int vm_use_fma(void)
{
    return __builtin_cpu_supports("fma") && __builtin_cpu_supports("sse4.1");
}
#endif

float sleef_expf_u10(float x)
{
#if VM_DISPATCH
    return vm_use_fma() ? vm_expf_fma(x) : vm_expf_generic(x);
#else
    return vm_expf_body(x);
#endif
}

float sleef_logf_u10(float x)
{
#if VM_DISPATCH
    return vm_use_fma() ? vm_logf_fma(x) : vm_logf_generic(x);
#else
    return vm_logf_body(x);
#endif
}

float sleef_log1pf_u10(float x)
{
#if VM_DISPATCH
    return vm_use_fma() ? vm_log1pf_fma(x) : vm_log1pf_generic(x);
#else
    return vm_log1pf_body(x);
#endif
}

float sleef_expm1f_u10(float x)
{
#if VM_DISPATCH
    return vm_use_fma() ? vm_expm1f_fma(x) : vm_expm1f_generic(x);
#else
    return vm_expm1f_body(x);
#endif
}

float sleef_tanhf_u10(float x)
{
#if VM_DISPATCH
    return vm_use_fma() ? vm_tanhf_fma(x) : vm_tanhf_generic(x);
#else
    return vm_tanhf_body(x);
#endif
}
