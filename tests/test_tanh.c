/* test_tanh.c - src/tanh_math.c against torch.tanh's own outputs
 * (tests/data/tanh_golden.txt, written by tests/gen_tanh_golden.py from
 * torch 1.13, 2.6 and 2.14 in all three kernel families):
 *   sleef_tanhf_u10 against the AVX2 and AVX-512 builds (all six agree),
 *   glibc_tanhf     against 1.13's default build (glibc 2.36),
 *   cr_tanhf        against 2.6 and 2.14's default builds (glibc 2.41, 2.43).
 * The file holds special values, the neighbourhoods of every threshold of
 * the three algorithms, random inputs, and inputs on which the three
 * disagree (so a function standing in for another fails). Bit-exact, any
 * NaN matches any NaN. Needs neither torch nor libsleef; run from the
 * repository root.
 *
 * The exhaustive checks (all 2^32 inputs, no mismatch) were made once,
 * outside this suite: sleef_tanhf_u10 against libsleef 3.5.1's
 * Sleef_tanhf8_u10avx2 and Sleef_tanhf16_u10avx512f, and libsleef 3.6.1
 * and 3.9.0 against 3.5.1; glibc_tanhf against glibc 2.36's tanhf (also
 * with GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA); cr_tanhf against glibc
 * 2.41's and 2.43's. torch.tanh itself agreed on every 61st bit pattern
 * (70409300 inputs) in each of the nine release x family runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "float_bits.h"
#include "tanh_math.h"
#include "vec_math.h"

#define GOLDEN "tests/data/tanh_golden.txt"

typedef struct {
    const char *name;
    float (*fn)(float);
} fn_entry;

static const fn_entry fns[] = {
    {"sleef", sleef_tanhf_u10},
    {"glibc", glibc_tanhf},
    {"cr", cr_tanhf},
};
#define NFNS (sizeof fns / sizeof fns[0])

/* Same float, or both NaN. */
static int same_result(float a, float b)
{
    return float_bits(a) == float_bits(b) || (isnan(a) && isnan(b));
}

typedef struct {
    int cases[NFNS];
    int differs[NFNS]; /* "differs-*" cases */
    int edges[NFNS];   /* "edge" cases */
    int mismatches[NFNS];
    int bad_lines;
} replay_stats;

static void replay(replay_stats *st)
{
    memset(st, 0, sizeof *st);
    FILE *fp = fopen(GOLDEN, "r");
    if (!fp) fail_msg("cannot read %s (run the tests from the repository root)", GOLDEN);
    char line[256];
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        char name[16], why[64];
        unsigned in_bits, out_bits;
        if (sscanf(line, "%15s %x %x %63s", name, &in_bits, &out_bits, why) != 4) {
            st->bad_lines++;
            continue;
        }
        size_t k = 0;
        while (k < NFNS && strcmp(fns[k].name, name) != 0) k++;
        if (k == NFNS) {
            st->bad_lines++;
            continue;
        }
        float x = bits_float((uint32_t)in_bits);
        float want = bits_float((uint32_t)out_bits);
        float got = fns[k].fn(x);
        st->cases[k]++;
        if (!strncmp(why, "differs", 7)) st->differs[k]++;
        if (!strcmp(why, "edge")) st->edges[k]++;
        if (!same_result(got, want)) {
            if (st->mismatches[k] < 10)
                print_message("%s(%08x = %.9g): want %08x (%.9g), got %08x (%.9g) [%s]\n", name, in_bits, (double)x,
                              out_bits, (double)want, (unsigned)float_bits(got), (double)got, why);
            st->mismatches[k]++;
        }
    }
    (void)fclose(fp);
}

static void test_golden_file(void **state)
{
    (void)state;
    replay_stats st;
    replay(&st);
    assert_int_equal(st.bad_lines, 0);
    for (size_t k = 0; k < NFNS; k++) {
        print_message("%-6s %5d cases (%d edge, %d differs-*), %d mismatches\n", fns[k].name, st.cases[k], st.edges[k],
                      st.differs[k], st.mismatches[k]);
        /* a truncated or wrongly regenerated file must not pass silently */
        assert_true(st.cases[k] >= 3000);
        assert_true(st.edges[k] >= 400);
        assert_true(st.differs[k] >= 300);
        assert_int_equal(st.mismatches[k], 0);
    }
}

/* The three functions are different functions: on random inputs in
 * [2^-7, 4) each pair disagrees somewhere (guards against one standing in
 * for another). */
static void test_distinct(void **state)
{
    (void)state;
    int n_sg = 0, n_gc = 0, n_sc = 0;
    uint32_t u = 0x2545f491u;
    for (int i = 0; i < 200000; i++) {
        u = u * 1664525u + 1013904223u;
        float x = bits_float(0x3c000000u + (u >> 7)); /* [2^-7, 2^2) */
        float s = sleef_tanhf_u10(x), g = glibc_tanhf(x), c = cr_tanhf(x);
        n_sg += !same_result(s, g);
        n_gc += !same_result(g, c);
        n_sc += !same_result(s, c);
    }
    print_message("on 200000 inputs: sleef!=glibc %d, glibc!=cr %d, sleef!=cr %d\n", n_sg, n_gc, n_sc);
    assert_true(n_sg > 0 && n_gc > 0 && n_sc > 0);
}

/* The special-value contracts of tanh_math.h. */
static void test_special_values(void **state)
{
    (void)state;
    float (*const all[])(float) = {sleef_tanhf_u10, glibc_tanhf, cr_tanhf};
    for (size_t k = 0; k < NFNS; k++) {
        float (*f)(float) = all[k];
        assert_int_equal(float_bits(f(0.0f)), 0x00000000u);
        assert_int_equal(float_bits(f(-0.0f)), 0x80000000u);
        assert_true(f(INFINITY) == 1.0f);
        assert_true(f(-INFINITY) == -1.0f);
        assert_true(isnan(f(NAN)));
        assert_true(isnan(f(-NAN)));
        assert_true(f(FLT_MAX) == 1.0f);
        assert_true(f(-FLT_MAX) == -1.0f);
        /* the smallest subnormal and a tiny normal are their own tanh */
        assert_int_equal(float_bits(f(bits_float(1u))), 1u);
        assert_int_equal(float_bits(f(bits_float(0x80000001u))), 0x80000001u);
        assert_int_equal(float_bits(f(0x1p-30f)), float_bits(0x1p-30f));
        /* odd */
        for (int i = 0; i < 30; i++) {
            float x = 0.01f * powf(1.37f, (float)i);
            assert_true(same_result(f(-x), -f(x)));
        }
    }
    /* SLEEF's cut-off: exactly +-1 above 8.664339742 */
    assert_true(sleef_tanhf_u10(8.6643410f) == 1.0f);
    assert_true(sleef_tanhf_u10(-8.6643410f) == -1.0f);
    /* a NaN input gives SLEEF's all-ones NaN */
    assert_int_equal(float_bits(sleef_tanhf_u10(NAN)), 0xffffffffu);
}

/* Pure functions: repeated calls agree. */
static void test_repeatable(void **state)
{
    (void)state;
    uint32_t u = 0x12345678u;
    for (int i = 0; i < 20000; i++) {
        u = u * 1664525u + 1013904223u;
        float x = bits_float(u);
        for (size_t k = 0; k < NFNS; k++) assert_true(same_result(fns[k].fn(x), fns[k].fn(x)));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_file),
        cmocka_unit_test(test_distinct),
        cmocka_unit_test(test_special_values),
        cmocka_unit_test(test_repeatable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
