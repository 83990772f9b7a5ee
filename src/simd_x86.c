/* simd_x86.c - AVX2+FMA versions of the generator and dot-product loops.
 *
 * Every vector operation below mirrors one scalar step of torch_rng.c,
 * cephes_math.c or ops.c's linear_forward, lane for lane, with
 * _mm256_fmadd_ps exactly where the scalar code calls fmaf and separate
 * multiply and add everywhere else (the build disables contraction). The
 * functions are compiled for AVX2+FMA through target attributes and only
 * called after simd_avx2() has checked the CPU; on other machines or
 * compilers they are never compiled in and simd_avx2() returns 0. */
#include "simd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_X86 1
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx2,fma,avx512f,avx512dq,avx512bw,avx512vl")))
#else
#define HAVE_X86 0
#endif

int simd_cpu_has_avx2(void)
{
#if HAVE_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

int simd_cpu_has_avx512(void)
{
#if HAVE_X86
    __builtin_cpu_init();
    return simd_cpu_has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

/* The level in use: -1 until first asked, then 0 (scalar), 2 (AVX2+FMA)
 * or 5 (AVX-512 besides). */
static int level = -1;

static int simd_level(void)
{
    if (level < 0) {
        const char *off = getenv("GRADEXP_NO_SIMD"), *off512 = getenv("GRADEXP_NO_AVX512");
        /* cppcheck reads the non-x86 configuration, where both are 0 */
        level = 0;
        // cppcheck-suppress knownConditionTrueFalse
        if (simd_cpu_has_avx2()) level = 2;
        // cppcheck-suppress knownConditionTrueFalse
        if (simd_cpu_has_avx512()) level = 5;
        if (off512 && *off512 && level > 2) level = 2;
        if (off && *off) level = 0;
    }
    return level;
}

void simd_limit(int max_level)
{
    int now = simd_level();
    level = now < max_level ? now : max_level;
}

int simd_avx2(void)
{
    return simd_level() >= 2;
}

int simd_avx512(void)
{
    return simd_level() >= 5;
}

#if HAVE_X86

#define MT_N 624
#define MT_M 397

/* s[k] = s[k + off] ^ (y >> 1) ^ (y odd ? A : 0), y = hi(s[k]) | lo(s[k+1]) */
AVX2 static inline __m256i twist8(const uint32_t *k0, const uint32_t *k1, const uint32_t *km)
{
    const __m256i upper = _mm256_set1_epi32((int)0x80000000u);
    const __m256i lower = _mm256_set1_epi32(0x7fffffff);
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i matrix = _mm256_set1_epi32((int)0x9908b0dfu);
    __m256i a = _mm256_loadu_si256((const __m256i *)k0);
    __m256i b = _mm256_loadu_si256((const __m256i *)k1);
    __m256i m = _mm256_loadu_si256((const __m256i *)km);
    __m256i y = _mm256_or_si256(_mm256_and_si256(a, upper), _mm256_and_si256(b, lower));
    __m256i odd = _mm256_cmpeq_epi32(_mm256_and_si256(y, one), one);
    return _mm256_xor_si256(_mm256_xor_si256(m, _mm256_srli_epi32(y, 1)), _mm256_and_si256(odd, matrix));
}

static inline uint32_t twist1(uint32_t a, uint32_t b, uint32_t m)
{
    uint32_t y = (a & 0x80000000u) | (b & 0x7fffffffu);
    return m ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
}

/* The first 227 words read words 397 ahead (still old); the rest read
 * words 227 behind (already new); chunks of 8 never overlap either. */
AVX2 static void mt_twist_avx2(uint32_t *s)
{
    int k = 0;
    for (; k + 8 <= MT_N - MT_M; k += 8)
        _mm256_storeu_si256((__m256i *)(s + k), twist8(s + k, s + k + 1, s + k + MT_M));
    for (; k < MT_N - MT_M; k++) s[k] = twist1(s[k], s[k + 1], s[k + MT_M]);
    for (; k + 8 <= MT_N - 1; k += 8)
        _mm256_storeu_si256((__m256i *)(s + k), twist8(s + k, s + k + 1, s + k + MT_M - MT_N));
    for (; k < MT_N - 1; k++) s[k] = twist1(s[k], s[k + 1], s[k + MT_M - MT_N]);
    s[MT_N - 1] = twist1(s[MT_N - 1], s[0], s[MT_M - 1]);
}

AVX2 static void uniform_floats_avx2(float *out, const uint32_t *w, size_t n)
{
    const __m256i m1 = _mm256_set1_epi32((int)0x9d2c5680u);
    const __m256i m2 = _mm256_set1_epi32((int)0xefc60000u);
    const __m256i low24 = _mm256_set1_epi32(0xffffff);
    const __m256 scale = _mm256_set1_ps(0x1p-24f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i y = _mm256_loadu_si256((const __m256i *)(w + i));
        y = _mm256_xor_si256(y, _mm256_srli_epi32(y, 11));
        y = _mm256_xor_si256(y, _mm256_and_si256(_mm256_slli_epi32(y, 7), m1));
        y = _mm256_xor_si256(y, _mm256_and_si256(_mm256_slli_epi32(y, 15), m2));
        y = _mm256_xor_si256(y, _mm256_srli_epi32(y, 18));
        __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_and_si256(y, low24)), scale);
        _mm256_storeu_ps(out + i, f);
    }
    for (; i < n; i++) {
        uint32_t y = w[i];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        out[i] = (float)(y & 0xffffffu) * 0x1p-24f;
    }
}

/* log256_ps, step for step as cephes_logf. */
AVX2 static inline __m256 log8(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 invalid = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LE_OS);
    x = _mm256_max_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x00800000)));
    __m256i e_int = _mm256_sub_epi32(_mm256_srli_epi32(_mm256_castps_si256(x), 23), _mm256_set1_epi32(127));
    x = _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32((int)~0x7f800000u)));
    x = _mm256_or_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x3f000000)));
    __m256 e = _mm256_add_ps(_mm256_cvtepi32_ps(e_int), one);
    __m256 mask = _mm256_cmp_ps(x, _mm256_set1_ps(0.707106781186547524f), _CMP_LT_OS);
    __m256 tmp = _mm256_and_ps(x, mask);
    x = _mm256_sub_ps(x, one);
    e = _mm256_sub_ps(e, _mm256_and_ps(one, mask));
    x = _mm256_add_ps(x, tmp);
    __m256 y = _mm256_set1_ps(7.0376836292E-2f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(-1.1514610310E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.1676998740E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(-1.2420140846E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.4249322787E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(-1.6668057665E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(2.0000714765E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(-2.4999993993E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(3.3333331174E-1f));
    __m256 z = _mm256_mul_ps(x, x);
    y = _mm256_mul_ps(y, x);
    y = _mm256_fmadd_ps(y, z, _mm256_mul_ps(e, _mm256_set1_ps(-2.12194440e-4f)));
    y = _mm256_fmadd_ps(_mm256_set1_ps(-0.5f), z, y);
    x = _mm256_add_ps(x, y);
    x = _mm256_fmadd_ps(e, _mm256_set1_ps(0.693359375f), x);
    return _mm256_or_ps(x, invalid);
}

/* sincos256_ps, step for step as cephes_sincosf. */
AVX2 static inline void sincos8(__m256 x, __m256 *s, __m256 *c)
{
    const __m256 sign_mask = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    __m256 sign_sin = _mm256_and_ps(x, sign_mask);
    x = _mm256_andnot_ps(sign_mask, x);
    __m256 y = _mm256_mul_ps(x, _mm256_set1_ps(1.27323954473516f));
    __m256i j = _mm256_cvttps_epi32(y);
    j = _mm256_and_si256(_mm256_add_epi32(j, _mm256_set1_epi32(1)), _mm256_set1_epi32(~1));
    y = _mm256_cvtepi32_ps(j);
    __m256 swap = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(j, _mm256_set1_epi32(4)), 29));
    __m256 poly =
        _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(j, _mm256_set1_epi32(2)), _mm256_setzero_si256()));
    x = _mm256_fmadd_ps(y, _mm256_set1_ps(-0.78515625f), x);
    x = _mm256_fmadd_ps(y, _mm256_set1_ps(-2.4187564849853515625e-4f), x);
    x = _mm256_fmadd_ps(y, _mm256_set1_ps(-3.77489497744594108e-8f), x);
    __m256 sign_cos = _mm256_castsi256_ps(
        _mm256_slli_epi32(_mm256_andnot_si256(_mm256_sub_epi32(j, _mm256_set1_epi32(2)), _mm256_set1_epi32(4)), 29));
    sign_sin = _mm256_xor_ps(sign_sin, swap);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 yc = _mm256_fmadd_ps(_mm256_set1_ps(2.443315711809948E-5f), z, _mm256_set1_ps(-1.388731625493765E-3f));
    yc = _mm256_fmadd_ps(yc, z, _mm256_set1_ps(4.166664568298827E-2f));
    yc = _mm256_mul_ps(yc, z);
    yc = _mm256_fmsub_ps(yc, z, _mm256_mul_ps(z, _mm256_set1_ps(0.5f)));
    yc = _mm256_add_ps(yc, _mm256_set1_ps(1.0f));
    __m256 ys = _mm256_fmadd_ps(_mm256_set1_ps(-1.9515295891E-4f), z, _mm256_set1_ps(8.3321608736E-3f));
    ys = _mm256_fmadd_ps(ys, z, _mm256_set1_ps(-1.6666654611E-1f));
    ys = _mm256_mul_ps(ys, z);
    ys = _mm256_fmadd_ps(ys, x, x);
    __m256 ysin2 = _mm256_and_ps(poly, ys);
    __m256 ysin1 = _mm256_andnot_ps(poly, yc);
    ys = _mm256_sub_ps(ys, ysin2);
    yc = _mm256_sub_ps(yc, ysin1);
    *s = _mm256_xor_ps(_mm256_add_ps(ysin1, ysin2), sign_sin);
    *c = _mm256_xor_ps(_mm256_add_ps(yc, ys), sign_cos);
}

AVX2 static void fill16_blocks_avx2(float *d, size_t nblocks)
{
    const __m256 one = _mm256_set1_ps(1.0f), minus_two = _mm256_set1_ps(-2.0f);
    const __m256 two_pi = _mm256_set1_ps(6.2831855f), zero = _mm256_setzero_ps();
    for (size_t b = 0; b < nblocks; b++, d += 16) {
        __m256 u1 = _mm256_sub_ps(one, _mm256_loadu_ps(d));
        __m256 u2 = _mm256_loadu_ps(d + 8);
        __m256 radius = _mm256_sqrt_ps(_mm256_mul_ps(minus_two, log8(u1)));
        __m256 s, c;
        sincos8(_mm256_mul_ps(two_pi, u2), &s, &c);
        _mm256_storeu_ps(d, _mm256_fmadd_ps(_mm256_mul_ps(radius, c), one, zero));
        _mm256_storeu_ps(d + 8, _mm256_fmadd_ps(_mm256_mul_ps(radius, s), one, zero));
    }
}

/* ------------------------------------------------------------------------ */
/* AVX-512: the same operations, 16 lanes at a time. Each lane computes what
 * one lane of the AVX2 code computes; the compare-and-mask steps become
 * mask registers with zeroing moves, which give the same values (x & mask
 * is x or +0; x | all-ones is the all-ones NaN). */

AVX512 static inline __m512i twist16(const uint32_t *k0, const uint32_t *k1, const uint32_t *km)
{
    const __m512i upper = _mm512_set1_epi32((int)0x80000000u);
    const __m512i lower = _mm512_set1_epi32(0x7fffffff);
    const __m512i one = _mm512_set1_epi32(1);
    const __m512i matrix = _mm512_set1_epi32((int)0x9908b0dfu);
    __m512i a = _mm512_loadu_si512(k0), b = _mm512_loadu_si512(k1), m = _mm512_loadu_si512(km);
    __m512i y = _mm512_or_si512(_mm512_and_si512(a, upper), _mm512_and_si512(b, lower));
    __mmask16 odd = _mm512_test_epi32_mask(y, one);
    return _mm512_xor_si512(_mm512_xor_si512(m, _mm512_srli_epi32(y, 1)), _mm512_maskz_mov_epi32(odd, matrix));
}

AVX512 static void mt_twist_avx512(uint32_t *s)
{
    int k = 0;
    for (; k + 16 <= MT_N - MT_M; k += 16) _mm512_storeu_si512(s + k, twist16(s + k, s + k + 1, s + k + MT_M));
    for (; k < MT_N - MT_M; k++) s[k] = twist1(s[k], s[k + 1], s[k + MT_M]);
    for (; k + 16 <= MT_N - 1; k += 16) _mm512_storeu_si512(s + k, twist16(s + k, s + k + 1, s + k + MT_M - MT_N));
    for (; k < MT_N - 1; k++) s[k] = twist1(s[k], s[k + 1], s[k + MT_M - MT_N]);
    s[MT_N - 1] = twist1(s[MT_N - 1], s[0], s[MT_M - 1]);
}

AVX512 static void uniform_floats_avx512(float *out, const uint32_t *w, size_t n)
{
    const __m512i m1 = _mm512_set1_epi32((int)0x9d2c5680u);
    const __m512i m2 = _mm512_set1_epi32((int)0xefc60000u);
    const __m512i low24 = _mm512_set1_epi32(0xffffff);
    const __m512 scale = _mm512_set1_ps(0x1p-24f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i y = _mm512_loadu_si512(w + i);
        y = _mm512_xor_si512(y, _mm512_srli_epi32(y, 11));
        y = _mm512_xor_si512(y, _mm512_and_si512(_mm512_slli_epi32(y, 7), m1));
        y = _mm512_xor_si512(y, _mm512_and_si512(_mm512_slli_epi32(y, 15), m2));
        y = _mm512_xor_si512(y, _mm512_srli_epi32(y, 18));
        _mm512_storeu_ps(out + i, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_and_si512(y, low24)), scale));
    }
    if (i < n) uniform_floats_avx2(out + i, w + i, n - i);
}

AVX512 static inline __m512 log16(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __mmask16 invalid = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LE_OS);
    x = _mm512_max_ps(x, _mm512_castsi512_ps(_mm512_set1_epi32(0x00800000)));
    __m512i e_int = _mm512_sub_epi32(_mm512_srli_epi32(_mm512_castps_si512(x), 23), _mm512_set1_epi32(127));
    __m512i xi = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)~0x7f800000u));
    x = _mm512_castsi512_ps(_mm512_or_si512(xi, _mm512_set1_epi32(0x3f000000)));
    __m512 e = _mm512_add_ps(_mm512_cvtepi32_ps(e_int), one);
    __mmask16 mask = _mm512_cmp_ps_mask(x, _mm512_set1_ps(0.707106781186547524f), _CMP_LT_OS);
    __m512 tmp = _mm512_maskz_mov_ps(mask, x);
    x = _mm512_sub_ps(x, one);
    e = _mm512_sub_ps(e, _mm512_maskz_mov_ps(mask, one));
    x = _mm512_add_ps(x, tmp);
    __m512 y = _mm512_set1_ps(7.0376836292E-2f);
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(-1.1514610310E-1f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.1676998740E-1f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(-1.2420140846E-1f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.4249322787E-1f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(-1.6668057665E-1f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(2.0000714765E-1f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(-2.4999993993E-1f));
    y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(3.3333331174E-1f));
    __m512 z = _mm512_mul_ps(x, x);
    y = _mm512_mul_ps(y, x);
    y = _mm512_fmadd_ps(y, z, _mm512_mul_ps(e, _mm512_set1_ps(-2.12194440e-4f)));
    y = _mm512_fmadd_ps(_mm512_set1_ps(-0.5f), z, y);
    x = _mm512_add_ps(x, y);
    x = _mm512_fmadd_ps(e, _mm512_set1_ps(0.693359375f), x);
    return _mm512_mask_mov_ps(x, invalid, _mm512_castsi512_ps(_mm512_set1_epi32(-1)));
}

AVX512 static inline void sincos16(__m512 x, __m512 *s, __m512 *c)
{
    const __m512i sign_mask = _mm512_set1_epi32((int)0x80000000u);
    __m512i xi = _mm512_castps_si512(x);
    __m512i sign_sin = _mm512_and_si512(xi, sign_mask);
    x = _mm512_castsi512_ps(_mm512_andnot_si512(sign_mask, xi));
    __m512 y = _mm512_mul_ps(x, _mm512_set1_ps(1.27323954473516f));
    __m512i j = _mm512_cvttps_epi32(y);
    j = _mm512_and_si512(_mm512_add_epi32(j, _mm512_set1_epi32(1)), _mm512_set1_epi32(~1));
    y = _mm512_cvtepi32_ps(j);
    __m512i swap = _mm512_slli_epi32(_mm512_and_si512(j, _mm512_set1_epi32(4)), 29);
    __mmask16 poly = _mm512_testn_epi32_mask(j, _mm512_set1_epi32(2)); /* (j & 2) == 0 */
    x = _mm512_fmadd_ps(y, _mm512_set1_ps(-0.78515625f), x);
    x = _mm512_fmadd_ps(y, _mm512_set1_ps(-2.4187564849853515625e-4f), x);
    x = _mm512_fmadd_ps(y, _mm512_set1_ps(-3.77489497744594108e-8f), x);
    __m512i sign_cos =
        _mm512_slli_epi32(_mm512_andnot_si512(_mm512_sub_epi32(j, _mm512_set1_epi32(2)), _mm512_set1_epi32(4)), 29);
    sign_sin = _mm512_xor_si512(sign_sin, swap);
    __m512 z = _mm512_mul_ps(x, x);
    __m512 yc = _mm512_fmadd_ps(_mm512_set1_ps(2.443315711809948E-5f), z, _mm512_set1_ps(-1.388731625493765E-3f));
    yc = _mm512_fmadd_ps(yc, z, _mm512_set1_ps(4.166664568298827E-2f));
    yc = _mm512_mul_ps(yc, z);
    yc = _mm512_fmsub_ps(yc, z, _mm512_mul_ps(z, _mm512_set1_ps(0.5f)));
    yc = _mm512_add_ps(yc, _mm512_set1_ps(1.0f));
    __m512 ys = _mm512_fmadd_ps(_mm512_set1_ps(-1.9515295891E-4f), z, _mm512_set1_ps(8.3321608736E-3f));
    ys = _mm512_fmadd_ps(ys, z, _mm512_set1_ps(-1.6666654611E-1f));
    ys = _mm512_mul_ps(ys, z);
    ys = _mm512_fmadd_ps(ys, x, x);
    __m512 ysin2 = _mm512_maskz_mov_ps(poly, ys);
    __m512 ysin1 = _mm512_maskz_mov_ps((__mmask16)~poly, yc);
    ys = _mm512_sub_ps(ys, ysin2);
    yc = _mm512_sub_ps(yc, ysin1);
    *s = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(_mm512_add_ps(ysin1, ysin2)), sign_sin));
    *c = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(_mm512_add_ps(yc, ys)), sign_cos));
}

/* Two blocks per step: lanes 0-7 are block b's pairs, lanes 8-15 block
 * b+1's; an odd last block goes through the AVX2 code. */
AVX512 static void fill16_blocks_avx512(float *d, size_t nblocks)
{
    const __m512 one = _mm512_set1_ps(1.0f), minus_two = _mm512_set1_ps(-2.0f);
    const __m512 two_pi = _mm512_set1_ps(6.2831855f), zero = _mm512_setzero_ps();
    size_t b = 0;
    for (; b + 2 <= nblocks; b += 2, d += 32) {
        __m512 lo = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(d)), _mm256_loadu_ps(d + 16), 1);
        __m512 hi = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(d + 8)), _mm256_loadu_ps(d + 24), 1);
        __m512 u1 = _mm512_sub_ps(one, lo);
        __m512 radius = _mm512_sqrt_ps(_mm512_mul_ps(minus_two, log16(u1)));
        __m512 s, c;
        sincos16(_mm512_mul_ps(two_pi, hi), &s, &c);
        __m512 rc = _mm512_fmadd_ps(_mm512_mul_ps(radius, c), one, zero);
        __m512 rs = _mm512_fmadd_ps(_mm512_mul_ps(radius, s), one, zero);
        _mm256_storeu_ps(d, _mm512_castps512_ps256(rc));
        _mm256_storeu_ps(d + 8, _mm512_castps512_ps256(rs));
        _mm256_storeu_ps(d + 16, _mm512_extractf32x8_ps(rc, 1));
        _mm256_storeu_ps(d + 24, _mm512_extractf32x8_ps(rs, 1));
    }
    if (b < nblocks) fill16_blocks_avx2(d, nblocks - b);
}

void simd_mt_twist(uint32_t *s)
{
    if (simd_avx512()) mt_twist_avx512(s);
    else mt_twist_avx2(s);
}

void simd_uniform_floats(float *out, const uint32_t *w, size_t n)
{
    if (simd_avx512()) uniform_floats_avx512(out, w, n);
    else uniform_floats_avx2(out, w, n);
}

void simd_fill16_blocks(float *d, size_t nblocks)
{
    if (simd_avx512()) fill16_blocks_avx512(d, nblocks);
    else fill16_blocks_avx2(d, nblocks);
}

/* v[i] = |v[i] * scale| (each step optional), as wstream's post. */
AVX2 static void scale_abs_avx2(float *v, size_t n, int scale_on, float scale, int take_abs)
{
    const __m256 sc = _mm256_set1_ps(scale);
    const __m256 mag = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(v + i);
        if (scale_on) x = _mm256_mul_ps(x, sc);
        if (take_abs) x = _mm256_and_ps(x, mag);
        _mm256_storeu_ps(v + i, x);
    }
    for (; i < n; i++) {
        if (scale_on) v[i] = v[i] * scale;
        if (take_abs) v[i] = fabsf(v[i]);
    }
}

AVX512 static void scale_abs_avx512(float *v, size_t n, int scale_on, float scale, int take_abs)
{
    const __m512 sc = _mm512_set1_ps(scale);
    const __m512i mag = _mm512_set1_epi32(0x7fffffff);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 x = _mm512_loadu_ps(v + i);
        if (scale_on) x = _mm512_mul_ps(x, sc);
        if (take_abs) x = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), mag));
        _mm512_storeu_ps(v + i, x);
    }
    if (i < n) scale_abs_avx2(v + i, n - i, scale_on, scale, take_abs);
}

void simd_scale_abs(float *v, size_t n, int scale_on, float scale, int take_abs)
{
    if (simd_avx512()) scale_abs_avx512(v, n, scale_on, scale, take_abs);
    else scale_abs_avx2(v, n, scale_on, scale, take_abs);
}

/* The 8 x w block of rows r[0..8) at column j as w column vectors (lane k
 * = row k). */
#define COLUMNS8(ATTR, NAME)                                                                                        \
    ATTR static inline __attribute__((always_inline)) void NAME(__m256 c[8], const float *const r[8], size_t j,     \
                                                                size_t w)                                           \
    {                                                                                                               \
        if (w < 8) {                                                                                                \
            for (size_t t = 0; t < w; t++)                                                                          \
                c[t] = _mm256_setr_ps(r[0][j + t], r[1][j + t], r[2][j + t], r[3][j + t], r[4][j + t], r[5][j + t], \
                                      r[6][j + t], r[7][j + t]);                                                    \
            return;                                                                                                 \
        }                                                                                                           \
        __m256 t0 = _mm256_unpacklo_ps(_mm256_loadu_ps(r[0] + j), _mm256_loadu_ps(r[1] + j));                       \
        __m256 t1 = _mm256_unpackhi_ps(_mm256_loadu_ps(r[0] + j), _mm256_loadu_ps(r[1] + j));                       \
        __m256 t2 = _mm256_unpacklo_ps(_mm256_loadu_ps(r[2] + j), _mm256_loadu_ps(r[3] + j));                       \
        __m256 t3 = _mm256_unpackhi_ps(_mm256_loadu_ps(r[2] + j), _mm256_loadu_ps(r[3] + j));                       \
        __m256 t4 = _mm256_unpacklo_ps(_mm256_loadu_ps(r[4] + j), _mm256_loadu_ps(r[5] + j));                       \
        __m256 t5 = _mm256_unpackhi_ps(_mm256_loadu_ps(r[4] + j), _mm256_loadu_ps(r[5] + j));                       \
        __m256 t6 = _mm256_unpacklo_ps(_mm256_loadu_ps(r[6] + j), _mm256_loadu_ps(r[7] + j));                       \
        __m256 t7 = _mm256_unpackhi_ps(_mm256_loadu_ps(r[6] + j), _mm256_loadu_ps(r[7] + j));                       \
        __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);                          \
        __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);                          \
        __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);                          \
        __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);                          \
        c[0] = _mm256_permute2f128_ps(u0, u4, 0x20);                                                                \
        c[1] = _mm256_permute2f128_ps(u1, u5, 0x20);                                                                \
        c[2] = _mm256_permute2f128_ps(u2, u6, 0x20);                                                                \
        c[3] = _mm256_permute2f128_ps(u3, u7, 0x20);                                                                \
        c[4] = _mm256_permute2f128_ps(u0, u4, 0x31);                                                                \
        c[5] = _mm256_permute2f128_ps(u1, u5, 0x31);                                                                \
        c[6] = _mm256_permute2f128_ps(u2, u6, 0x31);                                                                \
        c[7] = _mm256_permute2f128_ps(u3, u7, 0x31);                                                                \
    }
COLUMNS8(AVX2, columns8)

/* s + a * b lane by lane: one FMA when fused, else two roundings */
AVX2 static inline __m256 mac8(__m256 s, __m256 a, __m256 b, int fused)
{
    return fused ? _mm256_fmadd_ps(a, b, s) : _mm256_add_ps(s, _mm256_mul_ps(a, b));
}
AVX512 static inline __m512 mac16(__m512 s, __m512 a, __m512 b, int fused)
{
    return fused ? _mm512_fmadd_ps(a, b, s) : _mm512_add_ps(s, _mm512_mul_ps(a, b));
}

/* Eight independent sequential sums, one per lane: blocks of 8 columns of
 * the 8 rows are transposed in registers, then added column by column (one
 * FMA per term when fma is set, as fmaf per lane). */
AVX2 void simd_dot8(float *z, const float *rows, const float *x, size_t F, int fma)
{
    const float *r[8];
    for (int k = 0; k < 8; k++) r[k] = rows + (size_t)k * F;
    __m256 acc = _mm256_setzero_ps();
    for (size_t j = 0; j < F; j += 8) {
        __m256 c[8];
        size_t w = F - j < 8 ? F - j : 8;
        columns8(c, r, j, w);
        for (size_t t = 0; t < w; t++) acc = mac8(acc, c[t], _mm256_set1_ps(x[j + t]), fma);
    }
    _mm256_storeu_ps(z, acc);
}

/* ------------------------------------------------------------------------ */
/* sum_rows: C[a][j] = sum over k < K of A[a*sa + k*sk] * B[k*ldb + j] for
 * a < M, j < J, each a sequential float sum from +0 with separately rounded
 * products (the reference BLAS order; see ops.c's matmul_forward). The
 * outputs are independent, so they are computed 8 rows by one vector of
 * columns at a time, the last columns under a mask. */
// NOLINTBEGIN(bugprone-macro-parentheses): VT is a type, the others are called
#define SUM_ROWS_BODY(VT, LANES, ZERO, LOAD, STORE, ADD, MUL, SET1)                                                \
    size_t a = 0;                                                                                                  \
    for (; a < M; a += 8) {                                                                                        \
        size_t R = M - a < 8 ? M - a : 8;                                                                          \
        const float *ar = A + a * sa;                                                                              \
        for (size_t j = 0; j < J; j += LANES) {                                                                    \
            size_t w = J - j < LANES ? J - j : LANES;                                                              \
            const float *bk = B + j;                                                                               \
            float *cj = Cm + a * ldc + j;                                                                          \
            if (R == 8) {                                                                                          \
                VT c0 = ZERO, c1 = ZERO, c2 = ZERO, c3 = ZERO, c4 = ZERO, c5 = ZERO, c6 = ZERO, c7 = ZERO;         \
                for (size_t k = 0; k < K; k++, bk += ldb) {                                                        \
                    VT b = LOAD(bk, w);                                                                            \
                    const float *ak = ar + k * sk;                                                                 \
                    c0 = ADD(c0, MUL(SET1(ak[0]), b));                                                             \
                    c1 = ADD(c1, MUL(SET1(ak[sa]), b));                                                            \
                    c2 = ADD(c2, MUL(SET1(ak[2 * sa]), b));                                                        \
                    c3 = ADD(c3, MUL(SET1(ak[3 * sa]), b));                                                        \
                    c4 = ADD(c4, MUL(SET1(ak[4 * sa]), b));                                                        \
                    c5 = ADD(c5, MUL(SET1(ak[5 * sa]), b));                                                        \
                    c6 = ADD(c6, MUL(SET1(ak[6 * sa]), b));                                                        \
                    c7 = ADD(c7, MUL(SET1(ak[7 * sa]), b));                                                        \
                }                                                                                                  \
                STORE(cj, c0, w);                                                                                  \
                STORE(cj + ldc, c1, w);                                                                            \
                STORE(cj + 2 * ldc, c2, w);                                                                        \
                STORE(cj + 3 * ldc, c3, w);                                                                        \
                STORE(cj + 4 * ldc, c4, w);                                                                        \
                STORE(cj + 5 * ldc, c5, w);                                                                        \
                STORE(cj + 6 * ldc, c6, w);                                                                        \
                STORE(cj + 7 * ldc, c7, w);                                                                        \
                continue;                                                                                          \
            }                                                                                                      \
            for (size_t t = 0; t < R; t++) {                                                                       \
                VT c = ZERO;                                                                                       \
                const float *bt = B + j;                                                                           \
                for (size_t k = 0; k < K; k++, bt += ldb) c = ADD(c, MUL(SET1(ar[t * sa + k * sk]), LOAD(bt, w))); \
                STORE(cj + t * ldc, c, w);                                                                         \
            }                                                                                                      \
        }                                                                                                          \
    }

// NOLINTEND(bugprone-macro-parentheses)

static inline AVX2 __m256i mask8(size_t w)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)w), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
#define LD8(p, w) ((w) == 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps((p), mask8(w)))
#define ST8(p, v, w) ((w) == 8 ? _mm256_storeu_ps((p), (v)) : _mm256_maskstore_ps((p), mask8(w), (v)))

AVX2 static void sum_rows_avx2(float *Cm, size_t ldc, const float *A, size_t sa, size_t sk, const float *B, size_t ldb,
                               size_t M, size_t K, size_t J){
    SUM_ROWS_BODY(__m256, 8, _mm256_setzero_ps(), LD8, ST8, _mm256_add_ps, _mm256_mul_ps, _mm256_set1_ps)}

#define LD16(p, w) _mm512_maskz_loadu_ps((__mmask16)((1u << (w)) - 1u), (p))
#define ST16(p, v, w) _mm512_mask_storeu_ps((p), (__mmask16)((1u << (w)) - 1u), (v))

AVX512 static void sum_rows_avx512(float *Cm, size_t ldc, const float *A, size_t sa, size_t sk, const float *B,
                                   size_t ldb, size_t M, size_t K, size_t J)
{
    SUM_ROWS_BODY(__m512, 16, _mm512_setzero_ps(), LD16, ST16, _mm512_add_ps, _mm512_mul_ps, _mm512_set1_ps)
}

static void sum_rows(float *Cm, size_t ldc, const float *A, size_t sa, size_t sk, const float *B, size_t ldb, size_t M,
                     size_t K, size_t J)
{
    if (simd_avx512()) sum_rows_avx512(Cm, ldc, A, sa, sk, B, ldb, M, K, J);
    else sum_rows_avx2(Cm, ldc, A, sa, sk, B, ldb, M, K, J);
}

/* WT (I, O) = W (O, I) transposed, 8 x 8 blocks at a time. */
AVX2 static void transpose_avx2(float *WT, const float *W, size_t O, size_t I)
{
    size_t o = 0;
    for (; o + 8 <= O; o += 8) {
        const float *r[8];
        for (int k = 0; k < 8; k++) r[k] = W + (o + (size_t)k) * I;
        for (size_t i = 0; i < I; i += 8) {
            __m256 c[8];
            size_t w = I - i < 8 ? I - i : 8;
            columns8(c, r, i, w);
            for (size_t t = 0; t < w; t++) _mm256_storeu_ps(WT + (i + t) * O + o, c[t]);
        }
    }
    for (; o < O; o++)
        for (size_t i = 0; i < I; i++) WT[i * O + o] = W[o * I + i];
}

int simd_matmul(float *out, const float *in, const float *W, size_t N, size_t O, size_t I)
{
    /* out[r][o] = sum_i in[r][i] * WT[i][o]: columns o of a transposed W */
    float *WT = malloc(O * I * sizeof *WT);
    if (WT == NULL) return -1;
    transpose_avx2(WT, W, O, I);
    sum_rows(out, O, in, I, 1, WT, O, N, I, O);
    free(WT);
    return 0;
}

/* ops.c's sgd_update: w + alpha * g, one FMA when fused. */
AVX512 static void sgd_avx512(float *w, const float *g, size_t n, float alpha, int fused)
{
    __m512 a = _mm512_set1_ps(alpha);
    for (size_t i = 0; i < n; i += 16) {
        size_t m = n - i < 16 ? n - i : 16;
        __m512 wv = LD16(w + i, m), gv = LD16(g + i, m);
        wv = mac16(wv, a, gv, fused);
        ST16(w + i, wv, m);
    }
}

AVX2 static void sgd_avx2(float *w, const float *g, size_t n, float alpha, int fused)
{
    __m256 a = _mm256_set1_ps(alpha);
    for (size_t i = 0; i < n; i += 8) {
        size_t m = n - i < 8 ? n - i : 8;
        __m256 wv = LD8(w + i, m), gv = LD8(g + i, m);
        wv = mac8(wv, a, gv, fused);
        ST8(w + i, wv, m);
    }
}

void simd_sgd(float *w, const float *g, size_t n, float alpha, int fused)
{
    if (simd_avx512()) sgd_avx512(w, g, n, alpha, fused);
    else sgd_avx2(w, g, n, alpha, fused);
}

void simd_matmul_backward(float *dW, float *din, const float *dout, const float *in, const float *W, size_t N, size_t O,
                          size_t I, int outer)
{
    if (outer) { /* one product each, no sum: also exactly dout[o] * in[i] */
        for (size_t o = 0; o < O; o++)
            for (size_t i = 0; i < I; i++) dW[o * I + i] = dout[o] * in[i];
    } else {
        sum_rows(dW, I, dout, 1, O, in, I, O, N, I); /* dW[o][i] = sum_r dout[r][o] in[r][i] */
    }
    if (din) sum_rows(din, I, dout, O, 1, W, I, N, O, I); /* din[r][i] = sum_o dout[r][o] W[o][i] */
}

/* outer_sgd_update (ops.c), 8 or 16 columns at a time: the same roundings
 * in the same order (product, optional + 0, FMA or product and sum). */
AVX2 static void outer_sgd_avx2(float *W, const float *dz, const float *x, size_t k, size_t F, float alpha, int fused,
                                int plus0)
{
    __m256 a = _mm256_set1_ps(alpha), zero = _mm256_setzero_ps();
    for (size_t r = 0; r < k; r++) {
        __m256 d = _mm256_set1_ps(dz[r]);
        float *w = W + r * F;
        for (size_t j = 0; j < F; j += 8) {
            size_t n = F - j < 8 ? F - j : 8;
            __m256 g = _mm256_mul_ps(d, LD8(x + j, n));
            if (plus0) g = _mm256_add_ps(zero, g);
            __m256 wv = LD8(w + j, n);
            wv = mac8(wv, a, g, fused);
            ST8(w + j, wv, n);
        }
    }
}

AVX512 static void outer_sgd_avx512(float *W, const float *dz, const float *x, size_t k, size_t F, float alpha,
                                    int fused, int plus0)
{
    __m512 a = _mm512_set1_ps(alpha), zero = _mm512_setzero_ps();
    for (size_t r = 0; r < k; r++) {
        __m512 d = _mm512_set1_ps(dz[r]);
        float *w = W + r * F;
        for (size_t j = 0; j < F; j += 16) {
            size_t n = F - j < 16 ? F - j : 16;
            __m512 g = _mm512_mul_ps(d, LD16(x + j, n));
            if (plus0) g = _mm512_add_ps(zero, g);
            __m512 wv = LD16(w + j, n);
            wv = mac16(wv, a, g, fused);
            ST16(w + j, wv, n);
        }
    }
}

void simd_outer_sgd(float *W, const float *dz, const float *x, size_t k, size_t F, float alpha, int fused, int plus0)
{
    if (simd_avx512()) outer_sgd_avx512(W, dz, x, k, F, alpha, fused, plus0);
    else outer_sgd_avx2(W, dz, x, k, F, alpha, fused, plus0);
}

/* 16 rows of F as F column vectors of 16 (cols[j*16 + k] = rows[k*F + j]),
 * the layout simd_dot16_replay_cols reads. */
void simd_transpose16(float *cols, const float *rows, size_t F)
{
    transpose_avx2(cols, rows, 16, F); /* cols is W.T for the 16 rows */
}

/* z[r] for the 16 rows given as columns (simd_transpose16), after `steps`
 * rank-one SGD updates replayed on each column vector (lane r = row r).
 * Four columns are replayed side by side (their update chains are
 * independent); their products then join the sums in column order. */
AVX512 static void dot16_cols_avx512(float *z, const float *cols, const float *x, size_t F, const float *dz, size_t ldz,
                                     long steps, float alpha, int fused, long plus0_from, int fma)
{
    __m512 acc = _mm512_setzero_ps(), a = _mm512_set1_ps(alpha), zero = _mm512_setzero_ps();
    size_t j = 0;
    for (; j + 4 <= F; j += 4) {
        __m512 c0 = _mm512_loadu_ps(cols + j * 16), c1 = _mm512_loadu_ps(cols + j * 16 + 16);
        __m512 c2 = _mm512_loadu_ps(cols + j * 16 + 32), c3 = _mm512_loadu_ps(cols + j * 16 + 48);
        __m512 x0 = _mm512_set1_ps(x[j]), x1 = _mm512_set1_ps(x[j + 1]);
        __m512 x2 = _mm512_set1_ps(x[j + 2]), x3 = _mm512_set1_ps(x[j + 3]);
        for (long s = 0; s < steps; s++) {
            __m512 d = _mm512_loadu_ps(dz + (size_t)s * ldz);
            __m512 g0 = _mm512_mul_ps(d, x0), g1 = _mm512_mul_ps(d, x1);
            __m512 g2 = _mm512_mul_ps(d, x2), g3 = _mm512_mul_ps(d, x3);
            if (s >= plus0_from) {
                g0 = _mm512_add_ps(zero, g0);
                g1 = _mm512_add_ps(zero, g1);
                g2 = _mm512_add_ps(zero, g2);
                g3 = _mm512_add_ps(zero, g3);
            }
            c0 = mac16(c0, g0, a, fused);
            c1 = mac16(c1, g1, a, fused);
            c2 = mac16(c2, g2, a, fused);
            c3 = mac16(c3, g3, a, fused);
        }
        acc = mac16(acc, c0, x0, fma);
        acc = mac16(acc, c1, x1, fma);
        acc = mac16(acc, c2, x2, fma);
        acc = mac16(acc, c3, x3, fma);
    }
    for (; j < F; j++) {
        __m512 c = _mm512_loadu_ps(cols + j * 16), xj = _mm512_set1_ps(x[j]);
        for (long s = 0; s < steps; s++) {
            __m512 g = _mm512_mul_ps(_mm512_loadu_ps(dz + (size_t)s * ldz), xj);
            if (s >= plus0_from) g = _mm512_add_ps(zero, g);
            c = mac16(c, a, g, fused);
        }
        acc = mac16(acc, c, xj, fma);
    }
    _mm512_storeu_ps(z, acc);
}

AVX2 static void dot8_cols_avx2(float *z, const float *cols, const float *x, size_t F, const float *dz, size_t ldz,
                                long steps, float alpha, int fused, long plus0_from, int fma)
{
    __m256 acc = _mm256_setzero_ps(), a = _mm256_set1_ps(alpha), zero = _mm256_setzero_ps();
    for (size_t j = 0; j < F; j++) {
        __m256 c = _mm256_loadu_ps(cols + j * 16), xj = _mm256_set1_ps(x[j]);
        for (long s = 0; s < steps; s++) {
            __m256 g = _mm256_mul_ps(_mm256_loadu_ps(dz + (size_t)s * ldz), xj);
            if (s >= plus0_from) g = _mm256_add_ps(zero, g);
            c = mac8(c, a, g, fused);
        }
        acc = mac8(acc, c, xj, fma);
    }
    _mm256_storeu_ps(z, acc);
}

void simd_dot16_replay_cols(float *z, const float *cols, const float *x, size_t F, const float *dz, size_t ldz,
                            long steps, float alpha, int fused, long plus0_from, int fma)
{
    if (simd_avx512()) {
        dot16_cols_avx512(z, cols, x, F, dz, ldz, steps, alpha, fused, plus0_from, fma);
        return;
    }
    dot8_cols_avx2(z, cols, x, F, dz, ldz, steps, alpha, fused, plus0_from, fma);
    dot8_cols_avx2(z + 8, cols + 8, x, F, dz + 8, ldz, steps, alpha, fused, plus0_from, fma);
}

#else /* no x86 vector paths: never called, simd_avx2() is 0 */

void simd_mt_twist(uint32_t *state)
{
    (void)state;
    abort();
}
void simd_uniform_floats(float *out, const uint32_t *words, size_t n)
{
    (void)out;
    (void)words;
    (void)n;
    abort();
}
void simd_fill16_blocks(float *d, size_t nblocks)
{
    (void)d;
    (void)nblocks;
    abort();
}
void simd_scale_abs(float *v, size_t n, int scale_on, float scale, int take_abs)
{
    (void)v;
    (void)n;
    (void)scale_on;
    (void)scale;
    (void)take_abs;
    abort();
}
void simd_dot8(float *z, const float *rows, const float *x, size_t F, int fma)
{
    (void)z;
    (void)rows;
    (void)x;
    (void)F;
    (void)fma;
    abort();
}
void simd_outer_sgd(float *W, const float *dz, const float *x, size_t k, size_t F, float alpha, int fused, int plus0)
{
    (void)W;
    (void)dz;
    (void)x;
    (void)k;
    (void)F;
    (void)alpha;
    (void)fused;
    (void)plus0;
    abort();
}
void simd_transpose16(float *cols, const float *rows, size_t F)
{
    (void)cols;
    (void)rows;
    (void)F;
    abort();
}
void simd_dot16_replay_cols(float *z, const float *cols, const float *x, size_t F, const float *dz, size_t ldz,
                            long steps, float alpha, int fused, long plus0_from, int fma)
{
    (void)z;
    (void)cols;
    (void)x;
    (void)F;
    (void)dz;
    (void)ldz;
    (void)steps;
    (void)alpha;
    (void)fused;
    (void)plus0_from;
    (void)fma;
    abort();
}
void simd_sgd(float *w, const float *g, size_t n, float alpha, int fused)
{
    (void)w;
    (void)g;
    (void)n;
    (void)alpha;
    (void)fused;
    abort();
}
int simd_matmul(float *out, const float *in, const float *W, size_t N, size_t O, size_t I)
{
    (void)out;
    (void)in;
    (void)W;
    (void)N;
    (void)O;
    (void)I;
    abort();
}
void simd_matmul_backward(float *dW, float *din, const float *dout, const float *in, const float *W, size_t N, size_t O,
                          size_t I, int outer)
{
    (void)dW;
    (void)din;
    (void)dout;
    (void)in;
    (void)W;
    (void)N;
    (void)O;
    (void)I;
    (void)outer;
    abort();
}

#endif
