/* test_vec_math.c - the scalar SLEEF ports of src/vec_math.c against outputs
 * of the real library (tests/data/vec_math_golden.txt, written by
 * tests/gen_vec_math_golden.sh from libsleef.so.3 3.5.1, the build PyTorch
 * 1.13 links). The file holds special values, threshold neighbourhoods,
 * random inputs and inputs on which a wrong fused/unfused multiply-add, a
 * compiler-contracted build or glibc's functions give another result.
 * Bit-exact comparison, except that any NaN matches any NaN. This test needs
 * neither libsleef nor torch. Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "golden.h"
#include "vec_math.h"

#define GOLDEN "tests/data/vec_math_golden.txt"

typedef struct {
    const char *name;
    float (*fn)(float);
} fn_entry;

static const fn_entry fns[] = {
    {"exp", sleef_expf_u10},
    {"log", sleef_logf_u10},
    {"log1p", sleef_log1pf_u10},
    {"expm1", sleef_expm1f_u10},
};
#define NFNS (sizeof fns / sizeof fns[0])

/* Same float, or both NaN. */
static int same_result(float a, float b)
{
    return golden_bits(a) == golden_bits(b) || (isnan(a) && isnan(b));
}

typedef struct {
    int cases[NFNS];
    int mismatches[NFNS];
    int hard[NFNS]; /* "unfused:*", "unfused-rare:*", "contracted" cases */
    int libm[NFNS]; /* "libm" cases */
    int bad_lines;
} replay_stats;

/* Replays every case of the golden file through the ports. */
static void replay(replay_stats *st)
{
    memset(st, 0, sizeof *st);
    char *text = golden_slurp(GOLDEN);
    if (!text) fail_msg("cannot read %s (run the tests from the repository root)", GOLDEN);

    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0') continue;
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
        float x = golden_float((uint32_t)in_bits);
        float want = golden_float((uint32_t)out_bits);
        float got = fns[k].fn(x);
        st->cases[k]++;
        if (!strncmp(why, "unfused", 7) || !strcmp(why, "contracted")) st->hard[k]++;
        if (!strcmp(why, "libm")) st->libm[k]++;
        if (!same_result(got, want)) {
            if (st->mismatches[k] < 10)
                print_message("%s(%08x = %.9g): want %08x (%.9g), got %08x (%.9g) [%s]\n", name, in_bits, (double)x,
                              out_bits, (double)want, (unsigned)golden_bits(got), (double)got, why);
            st->mismatches[k]++;
        }
    }
    free(text);
}

static void test_golden_file(void **state)
{
    (void)state;
    replay_stats st;
    replay(&st);
    assert_int_equal(st.bad_lines, 0);
    for (size_t k = 0; k < NFNS; k++) {
        print_message("%-6s %5d cases (%d hard, %d libm-differs), %d mismatches\n", fns[k].name, st.cases[k],
                      st.hard[k], st.libm[k], st.mismatches[k]);
        /* a truncated or regenerated-wrong file must not pass silently */
        assert_true(st.cases[k] >= 500);
        assert_true(st.hard[k] >= 30);
        assert_true(st.libm[k] >= 5);
        assert_int_equal(st.mismatches[k], 0);
    }
}

/* Readable spot checks of the special-value contracts in vec_math.h. */
static void test_special_values(void **state)
{
    (void)state;
    const float inf = INFINITY;

    assert_true(golden_bits(sleef_expf_u10(0.0f)) == 0x3f800000u);
    assert_true(golden_bits(sleef_expf_u10(-0.0f)) == 0x3f800000u);
    assert_true(golden_bits(sleef_expf_u10(-inf)) == 0x00000000u);
    assert_true(sleef_expf_u10(inf) == inf);
    assert_true(isnan(sleef_expf_u10(NAN)));
    assert_true(golden_bits(sleef_expf_u10(-104.00001f)) == 0x00000000u);
    assert_true(sleef_expf_u10(-103.9f) > 0.0f); /* subnormal results kept */
    assert_true(sleef_expf_u10(100.00001f) == inf);
    assert_true(sleef_expf_u10(89.0f) == inf); /* overflow in the scaling */

    assert_true(golden_bits(sleef_logf_u10(1.0f)) == 0x00000000u);
    assert_true(sleef_logf_u10(0.0f) == -inf);
    assert_true(sleef_logf_u10(-0.0f) == -inf);
    assert_true(isnan(sleef_logf_u10(-1.0f)));
    assert_true(isnan(sleef_logf_u10(-inf)));
    assert_true(isnan(sleef_logf_u10(NAN)));
    assert_true(sleef_logf_u10(inf) == inf);
    /* smallest subnormal: -149 ln 2 */
    assert_true(golden_bits(sleef_logf_u10(golden_float(1u))) == 0xc2ce8ed0u);

    assert_true(golden_bits(sleef_log1pf_u10(-0.0f)) == 0x80000000u);
    assert_true(golden_bits(sleef_log1pf_u10(0.0f)) == 0x00000000u);
    assert_true(sleef_log1pf_u10(-1.0f) == -inf);
    assert_true(isnan(sleef_log1pf_u10(-1.0000001f)));
    assert_true(isnan(sleef_log1pf_u10(NAN)));
    assert_true(sleef_log1pf_u10(1.0001e38f) == inf);
    assert_true(sleef_log1pf_u10(inf) == inf);

    assert_true(golden_bits(sleef_expm1f_u10(-0.0f)) == 0x80000000u);
    assert_true(golden_bits(sleef_expm1f_u10(0.0f)) == 0x00000000u);
    assert_true(sleef_expm1f_u10(-17.0f) == -1.0f);
    assert_true(sleef_expm1f_u10(-inf) == -1.0f);
    assert_true(sleef_expm1f_u10(88.73f) == inf);
    assert_true(isnan(sleef_expm1f_u10(NAN)));
}

/* The ports are pure functions of the input: repeated and interleaved calls
 * agree (guards the run-time FMA dispatch against hidden state). */
static void test_repeatable(void **state)
{
    (void)state;
    uint32_t u = 0x12345678u;
    for (int i = 0; i < 20000; i++) {
        u = u * 1664525u + 1013904223u;
        float x = golden_float(u);
        for (size_t k = 0; k < NFNS; k++) assert_true(same_result(fns[k].fn(x), fns[k].fn(x)));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_file),
        cmocka_unit_test(test_special_values),
        cmocka_unit_test(test_repeatable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
