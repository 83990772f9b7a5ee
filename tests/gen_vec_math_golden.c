/* gen_vec_math_golden.c - writes tests/data/vec_math_golden.txt: input and
 * output bit patterns of SLEEF 3.5.1's AVX2 routines that PyTorch 1.13 uses
 * (Sleef_expf8_u10, Sleef_logf8_u10, Sleef_log1pf8_u10, Sleef_expm1f8_u10),
 * taken from the real library /lib/x86_64-linux-gnu/libsleef.so.3.
 *
 * Only a data generator: it needs libsleef, AVX2 and FMA; the cmocka test
 * (tests/test_vec_math.c) needs neither. Build and run it with
 * tests/gen_vec_math_golden.sh, which also compiles the "contracted" object
 * used below.
 *
 * Inputs, per function:
 *  - special values and the neighbourhoods (+-4 ulps) of every threshold in
 *    the algorithm (overflow/underflow cut-offs, -1 for log1p, subnormal
 *    pre-scaling, exponent-split points 0.75 * 2^k, rounding ties of the
 *    exp argument reduction);
 *  - random bit patterns, anywhere and inside the useful domain;
 *  - hard cases: inputs on which a slightly wrong implementation differs
 *    from SLEEF. src/vec_math.c is compiled into this program with every
 *    fmaf() routed through gen_site_fma(); for each source line holding
 *    fmaf calls, a variant computes that line unfused (a*b+c, two
 *    roundings), and the first inputs of a random scan where the variant
 *    differs from SLEEF are kept; sites where such inputs are too rare for
 *    the scan get every distinguishing input, from an exhaustive search
 *    (rare_cases below). The same for a copy of vec_math.c built
 *    with -mfma -ffp-contract=fast (the compiler fusing SLEEF's separate
 *    multiply and add) and for glibc's expf/logf/log1pf/expm1f.
 *
 * Output: "# ..." comment lines, then one line per case:
 *   <fn> <input bits hex> <sleef output bits hex> <why>
 * with fn one of exp, log, log1p, expm1. */
#include <immintrin.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libsleef's dispatchers (they pick the AVX2+FMA kernels on this CPU, the
 * same entry points torch calls). */
__m256 Sleef_expf8_u10(__m256);
__m256 Sleef_logf8_u10(__m256);
__m256 Sleef_log1pf8_u10(__m256);
__m256 Sleef_expm1f8_u10(__m256);

/* The copy of vec_math.c built with contraction on (see the .sh). */
float contracted_expf_u10(float);
float contracted_logf_u10(float);
float contracted_log1pf_u10(float);
float contracted_expm1f_u10(float);

/* ---- vec_math.c with switchable fused multiply-adds --------------------- */

#define GEN_MAX_LINE 4096
static int gen_flip_line; /* 0: all fused (exact port) */
static unsigned char gen_site_seen[GEN_MAX_LINE];

static float gen_site_fma(int line, float a, float b, float c)
{
    if (line > 0 && line < GEN_MAX_LINE) gen_site_seen[line] = 1;
    if (line == gen_flip_line) return a * b + c; /* -ffp-contract=off: two roundings */
    return fmaf(a, b, c);
}

#define VEC_MATH_NO_FMA_DISPATCH 1
#define fmaf(a, b, c) gen_site_fma(__LINE__, (a), (b), (c))
#include "../src/vec_math.c"
#undef fmaf

/* ---- helpers ------------------------------------------------------------ */

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float float_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int same_result(float a, float b)
{
    return bits_of(a) == bits_of(b) || (isnan(a) && isnan(b));
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rnd32(void) /* splitmix64, fixed seed: reproducible file */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static float rnd_uniform(float lo, float hi)
{
    return lo + (hi - lo) * (float)((double)rnd32() / 4294967296.0);
}

/* Random float with |x| log-uniform-ish in [lo, hi] (uniform bit pattern
 * between the two positive bounds) and the given sign (0 = random). */
static float rnd_bits_between(float lo, float hi, int sign)
{
    uint32_t a = bits_of(lo), b = bits_of(hi);
    float x = float_of(a + rnd32() % (b - a + 1));
    if (sign < 0 || (sign == 0 && (rnd32() & 1))) x = -x;
    return x;
}

typedef struct {
    const char *name;
    __m256 (*sleef)(__m256);
    float (*port)(float);
    float (*contracted)(float);
    float (*libm)(float);
} fn_desc;

static const fn_desc fns[] = {
    {"exp", Sleef_expf8_u10, sleef_expf_u10, contracted_expf_u10, expf},
    {"log", Sleef_logf8_u10, sleef_logf_u10, contracted_logf_u10, logf},
    {"log1p", Sleef_log1pf8_u10, sleef_log1pf_u10, contracted_log1pf_u10, log1pf},
    {"expm1", Sleef_expm1f8_u10, sleef_expm1f_u10, contracted_expm1f_u10, expm1f},
};

static float sleef1(const fn_desc *f, float x)
{
    float in[8], out[8];
    for (int i = 0; i < 8; i++) in[i] = x;
    _mm256_storeu_ps(out, f->sleef(_mm256_loadu_ps(in)));
    return out[0];
}

/* Evaluates f's SLEEF routine on n inputs (n a multiple of 8). */
static void sleef_many(const fn_desc *f, const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i += 8) _mm256_storeu_ps(y + i, f->sleef(_mm256_loadu_ps(x + i)));
}

/* Cases already written for the current function (no duplicates). */
#define MAX_CASES 8192
static uint32_t written[MAX_CASES];
static int nwritten;
static int total_written;

static void emit(const fn_desc *f, float x, const char *why)
{
    uint32_t u = bits_of(x);
    for (int i = 0; i < nwritten; i++)
        if (written[i] == u) return;
    if (nwritten == MAX_CASES) {
        fprintf(stderr, "too many cases for %s\n", f->name);
        exit(1);
    }
    written[nwritten++] = u;
    float y = sleef1(f, x);
    if (!same_result(y, f->port(x))) {
        fprintf(stderr, "vec_math.c disagrees with libsleef: %s(%08x)\n", f->name, (unsigned)u);
        exit(1);
    }
    printf("%s %08x %08x %s\n", f->name, (unsigned)u, (unsigned)bits_of(y), why);
    total_written++;
}

/* x and its neighbours up to k ulps away on both sides. */
static void emit_around(const fn_desc *f, float x, int k, const char *why)
{
    float lo = x, hi = x;
    emit(f, x, why);
    for (int i = 0; i < k; i++) {
        lo = nextafterf(lo, -INFINITY);
        hi = nextafterf(hi, INFINITY);
        emit(f, lo, why);
        emit(f, hi, why);
    }
}

/* Every input (of all 2^32) on which unfusing one particular fmaf of
 * vec_math.c changes the result, for the fmaf sites a random scan never
 * catches; found by an exhaustive search. Sites not listed here and not
 * caught by the scan (exp's two first reduction/polynomial steps, dfdiv's
 * last step in log, log1p's m = d*t + (t-1)) give the same result fused or
 * not for every input, and so do the contracted builds of exp and expm1. */
static const struct {
    const char *fn, *site;
    uint32_t x;
} rare_cases[] = {
    {"log", "log-poly", 0x213f2196u},       {"log", "log-poly", 0x23ab894au},
    {"log", "log-poly", 0x2bb5ac0cu},       {"log", "log-poly", 0x35bdf9ceu},
    {"log", "log-poly", 0x37374f90u},       {"log", "log-poly", 0x37a58ec4u},
    {"log", "log-poly", 0x38bb48b1u},       {"log", "log-poly", 0x3a3bcb14u},
    {"log", "log-poly", 0x3a3dc68cu},       {"log", "log-poly", 0x3bb611f1u},
    {"log", "log-poly", 0x3c34b5a5u},       {"log", "log-poly", 0x3ebd2504u},
    {"log", "log-poly", 0x3ebe1bf4u},       {"log", "log-poly", 0x3f2d17ceu},
    {"log", "log-poly", 0x3f330612u},       {"log", "log-poly", 0x3f342594u},
    {"log", "log-poly", 0x3f344fb1u},       {"log", "log-poly", 0x3f37d1e1u},
    {"log", "log-poly", 0x3f3a0244u},       {"log", "log-poly", 0x3f3a8573u},
    {"log", "log-poly", 0x3f3b8f4cu},       {"log", "log-poly", 0x3f3c25e2u},
    {"log", "log-poly", 0x3f3cb821u},       {"log", "log-poly", 0x3fb87eb3u},
    {"log", "log-poly", 0x3fbcdb1du},       {"log", "log-poly", 0x4034fd9eu},
    {"log", "log-poly", 0x43b1dc76u},       {"log", "log-poly", 0x52bd5708u},
    {"log", "log-poly", 0x5eb81b1au},       {"log", "log-poly", 0x63b7a196u},
    {"log1p", "dfdiv-lo", 0x36aad563u},     {"log1p", "dfdiv-lo", 0x3ae74903u},
    {"log1p", "dfdiv-lo", 0xbafa21eeu},     {"log1p", "dfdiv-lo", 0xbc4b7feau},
    {"log1p", "dfdiv-lo", 0xbeba535bu},     {"expm1", "expk2f-poly1", 0x3ea9f9f5u},
    {"expm1", "expk2f-poly1", 0x3eb35b4fu}, {"expm1", "expk2f-poly1", 0x406fa0f2u},
    {"expm1", "expk2f-poly2", 0x3de03a56u}, {"expm1", "expk2f-poly2", 0x3e332b2eu},
    {"expm1", "expk2f-poly2", 0x3e49258cu}, {"expm1", "expk2f-poly2", 0x3e5eb68bu},
    {"expm1", "expk2f-poly2", 0x3eab68a6u}, {"expm1", "expk2f-poly2", 0x3ead2215u},
    {"expm1", "expk2f-poly2", 0x3ead9b66u}, {"expm1", "expk2f-poly2", 0x3eb014adu},
    {"expm1", "expk2f-poly2", 0x3eb0af10u}, {"expm1", "expk2f-poly2", 0x3eb35231u},
    {"expm1", "expk2f-poly2", 0x3eb38661u}, {"expm1", "expk2f-poly2", 0x3eb58505u},
    {"expm1", "expk2f-poly2", 0x3eba3235u}, {"expm1", "expk2f-poly2", 0x3ebc7202u},
    {"expm1", "expk2f-poly2", 0x3ec61eceu}, {"expm1", "expk2f-poly2", 0x3ec6b771u},
    {"expm1", "expk2f-poly2", 0x3ece4137u}, {"expm1", "expk2f-poly2", 0x3eda2194u},
    {"expm1", "expk2f-poly2", 0x3edeffb7u}, {"expm1", "expk2f-poly2", 0x3f8953c3u},
    {"expm1", "expk2f-poly2", 0x3f8b4d3au}, {"expm1", "expk2f-poly2", 0x3fdb4cb0u},
    {"expm1", "expk2f-poly2", 0x406fa0f2u}, {"expm1", "expk2f-poly2", 0x40bc515bu},
    {"expm1", "expk2f-poly2", 0x4100479bu}, {"expm1", "expk2f-poly2", 0x42172c6bu},
    {"expm1", "expk2f-poly2", 0xbe04d057u}, {"expm1", "expk2f-poly2", 0xbe1f1753u},
    {"expm1", "expk2f-poly2", 0xbe2e0111u}, {"expm1", "expk2f-poly2", 0xbe4af9e2u},
    {"expm1", "expk2f-poly2", 0xbe70db9fu}, {"expm1", "expk2f-poly2", 0xbe7df717u},
    {"expm1", "expk2f-poly2", 0xbe8502feu}, {"expm1", "expk2f-poly2", 0xbe9470b0u},
    {"expm1", "expk2f-poly2", 0xbe970a86u}, {"expm1", "expk2f-poly2", 0xbe9979acu},
    {"expm1", "expk2f-poly2", 0xbeb406fcu}, {"expm1", "expk2f-poly2", 0xbeb64de9u},
    {"expm1", "expk2f-poly2", 0xbeb68601u}, {"expm1", "expk2f-poly2", 0xbecb3881u},
    {"expm1", "expk2f-poly2", 0xbeccf664u}, {"expm1", "expk2f-poly2", 0xbf78e89bu},
    {"expm1", "expk2f-poly2", 0xbf84dcd6u}, {"expm1", "expk2f-poly2", 0xbf8ccaeau},
    {"expm1", "expk2f-poly2", 0xc01f8c25u},
};

/* ---- per-function input choices ---------------------------------------- */

static void emit_common_specials(const fn_desc *f)
{
    static const uint32_t sp[] = {
        0x00000000u, 0x80000000u, 0x00000001u, 0x80000001u, 0x007fffffu, 0x807fffffu, 0x00800000u,
        0x80800000u, 0x3f800000u, 0xbf800000u, 0x7f7fffffu, 0xff7fffffu, 0x7f800000u, 0xff800000u,
        0x7fc00000u, 0xffc00000u, 0x7f800001u, 0x7fffffffu, 0xffffffffu, 0x3f000000u, 0xbf000000u,
        0x40000000u, 0xc0000000u, 0x33800000u, 0xb3800000u, 0x34000000u, 0xb4000000u, 0x00400000u,
        0x80400000u, 0x4b000000u, 0xcb000000u, 0x4f000000u, 0xcf000000u, 0x5f800000u, 0x1f800000u,
    };
    for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++) emit(f, float_of(sp[i]), "special");
}

static void emit_thresholds(const fn_desc *f)
{
    if (!strcmp(f->name, "exp")) {
        static const float t[] = {-104.0f,      100.0f,       88.7228394f,  88.72283172607421875f,
                                  -87.3365479f, -103.972076f, -103.278931f, -88.7228394f,
                                  -0.0f,        1e-7f,        -1e-7f};
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) emit_around(f, t[i], 4, "threshold");
        /* ties of the reduction x * (1/ln2) = k + 1/2 */
        for (int k = -150; k <= 128; k += 7) {
            float x = (float)(((double)k + 0.5) * 0.6931471805599453);
            emit_around(f, x, 2, "reduction-tie");
        }
        for (int k = -149; k <= 127; k += 9) emit_around(f, (float)(k * 0.6931471805599453), 1, "k*ln2");
    } else if (!strcmp(f->name, "log")) {
        static const float t[] = {1.0f, 0.75f, 1.5f, 2.0f, 0.5f, FLT_MIN, 1e-38f, FLT_MAX, 1.0e-45f, 2.718281828f};
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) emit_around(f, t[i], 4, "threshold");
        for (int k = -149; k <= 127; k += 5) /* exponent split at 0.75*2^k */
            emit_around(f, ldexpf(0.75f, k), 2, "split-0.75*2^k");
        for (int k = -149; k <= 127; k += 11) emit_around(f, ldexpf(1.0f, k), 1, "2^k");
    } else if (!strcmp(f->name, "log1p")) {
        static const float t[] = {-1.0f,   -0.25f,  0.5f,     1e38f, -0.5f,        1e-10f,
                                  -1e-10f, FLT_MIN, -FLT_MIN, 3.0f,  -0.999999940f};
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) emit_around(f, t[i], 4, "threshold");
        for (int k = -24; k <= 127; k += 3) /* 1 + x = 0.75 * 2^k */
            emit_around(f, ldexpf(0.75f, k) - 1.0f, 2, "split-0.75*2^k-1");
        for (int k = 1; k <= 24; k++) /* 1 + x just above 0, where dp1 is tiny */
            emit(f, -1.0f + ldexpf(1.0f, -k), "near-minus-one");
    } else if (!strcmp(f->name, "expm1")) {
        static const float t[] = {88.72283172607421875f,
                                  -16.635532333438687426013570f,
                                  -104.0f,
                                  1e-7f,
                                  -1e-7f,
                                  0.34657359f,
                                  -0.34657359f,
                                  88.0f,
                                  -17.0f,
                                  1e-30f,
                                  -1e-30f};
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) emit_around(f, t[i], 4, "threshold");
        for (int k = -24; k <= 128; k += 7) {
            float x = (float)(((double)k + 0.5) * 0.6931471805599453);
            emit_around(f, x, 2, "reduction-tie");
        }
    }
}

/* A random input inside the routine's useful domain. */
static float domain_sample(const fn_desc *f)
{
    uint32_t r = rnd32() % 4;
    if (!strcmp(f->name, "exp")) {
        if (r < 2) return rnd_uniform(-104.0f, 89.0f);
        return rnd_bits_between(1e-8f, 104.0f, 0);
    }
    if (!strcmp(f->name, "log")) {
        if (r == 0) return rnd_uniform(0.5f, 2.0f);
        return rnd_bits_between(1.0e-45f, FLT_MAX, 1);
    }
    if (!strcmp(f->name, "log1p")) {
        if (r == 0) return rnd_uniform(-1.0f, 4.0f);
        if (r == 1) return rnd_bits_between(1e-10f, 1.0f, 0);
        return rnd_bits_between(1e-10f, 1e38f, 1);
    }
    /* expm1 */
    if (r < 2) return rnd_uniform(-17.0f, 89.0f);
    return rnd_bits_between(1e-10f, 89.0f, 0);
}

/* A variant of the routine: "unfused line L", "contracted" or "libm". */
typedef struct {
    int flip_line;         /* > 0: gen_flip_line value */
    float (*other)(float); /* else: a separate function */
    char why[48];
} variant;

#define SCAN_N (1u << 22)
#define KEEP_PER_VARIANT 12

int main(void)
{
    float *xs = malloc(SCAN_N * sizeof *xs);
    float *ys = malloc(SCAN_N * sizeof *ys);
    if (!xs || !ys) return 1;

    printf("# vec_math golden data: outputs of SLEEF 3.5.1's AVX2 u10 routines\n");
    printf("# (libsleef.so.3: Sleef_expf8_u10, Sleef_logf8_u10, Sleef_log1pf8_u10,\n");
    printf("# Sleef_expm1f8_u10), as PyTorch 1.13's Vectorized<float> computes them.\n");
    printf("# Made by tests/gen_vec_math_golden.sh; do not edit.\n");
    printf("# fn input_bits output_bits why\n");
    printf("# why: special | threshold | ... | random | domain | unfused:<n> (an\n");
    printf("# input where computing vec_math.c's n-th fmaf source line unfused\n");
    printf("# gives another result) | unfused-rare:<site> (all such inputs of a\n");
    printf("# site, from an exhaustive search) | contracted (where -mfma\n");
    printf("# -ffp-contract=fast gives another result) | libm (where glibc differs)\n");

    for (size_t fi = 0; fi < sizeof fns / sizeof fns[0]; fi++) {
        const fn_desc *f = &fns[fi];
        nwritten = 0;

        emit_common_specials(f);
        emit_thresholds(f);
        for (int i = 0; i < 300; i++) emit(f, float_of(rnd32()), "random");
        for (int i = 0; i < 300; i++) emit(f, domain_sample(f), "domain");
        for (size_t i = 0; i < sizeof rare_cases / sizeof rare_cases[0]; i++)
            if (!strcmp(rare_cases[i].fn, f->name)) {
                char why[48];
                snprintf(why, sizeof why, "unfused-rare:%s", rare_cases[i].site);
                emit(f, float_of(rare_cases[i].x), why);
            }

        /* the scan set and its reference outputs */
        for (uint32_t i = 0; i < SCAN_N; i++) xs[i] = domain_sample(f);
        sleef_many(f, xs, ys, SCAN_N);

        /* which fmaf source lines does this function execute? */
        memset(gen_site_seen, 0, sizeof gen_site_seen);
        gen_flip_line = 0;
        for (uint32_t i = 0; i < SCAN_N; i++)
            if (!same_result(f->port(xs[i]), ys[i])) {
                fprintf(stderr, "port differs from libsleef: %s(%08x)\n", f->name, (unsigned)bits_of(xs[i]));
                return 1;
            }

        variant vs[64];
        int nv = 0, site = 0;
        for (int line = 1; line < GEN_MAX_LINE && nv < 60; line++)
            if (gen_site_seen[line]) {
                vs[nv].flip_line = line;
                vs[nv].other = NULL;
                snprintf(vs[nv].why, sizeof vs[nv].why, "unfused:%d", ++site);
                nv++;
            }
        vs[nv].flip_line = 0;
        vs[nv].other = f->contracted;
        snprintf(vs[nv].why, sizeof vs[nv].why, "contracted");
        nv++;
        vs[nv].flip_line = 0;
        vs[nv].other = f->libm;
        snprintf(vs[nv].why, sizeof vs[nv].why, "libm");
        nv++;

        for (int v = 0; v < nv; v++) {
            int kept = 0;
            uint32_t found = 0;
            gen_flip_line = vs[v].flip_line;
            for (uint32_t i = 0; i < SCAN_N; i++) {
                float r = vs[v].other ? vs[v].other(xs[i]) : f->port(xs[i]);
                if (!same_result(r, ys[i])) {
                    found++;
                    if (kept < KEEP_PER_VARIANT) {
                        gen_flip_line = 0;
                        emit(f, xs[i], vs[v].why);
                        gen_flip_line = vs[v].flip_line;
                        kept++;
                    }
                }
            }
            gen_flip_line = 0;
            fprintf(stderr, "%-6s %-11s (line %4d): differs from SLEEF on %u of %u scanned\n", f->name, vs[v].why,
                    vs[v].flip_line, (unsigned)found, SCAN_N);
            if (vs[v].flip_line)
                printf("# %s %s (vec_math.c line %d when generated): differs on %u of %u"
                       " scanned inputs\n",
                       f->name, vs[v].why, vs[v].flip_line, (unsigned)found, SCAN_N);
            else printf("# %s %s: differs on %u of %u scanned inputs\n", f->name, vs[v].why, (unsigned)found, SCAN_N);
        }
        fprintf(stderr, "%s: %d cases\n", f->name, nwritten);
    }
    fprintf(stderr, "total %d cases\n", total_written);
    free(xs);
    free(ys);
    return 0;
}
