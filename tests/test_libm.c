/* test_libm.c - the libm functions gradexp carries: cr_log1pf against the
 * correctly rounded log1pf of glibc 2.41 (tests/data/log1pf_cr.txt) and the
 * properties any correctly rounded log1p has; glibc_expf against glibc's
 * FMA build of expf (tests/data/expf_glibc_fma.txt); glibc_log1pf against
 * glibc 2.36's log1pf, where that is the running libm; all bit for bit. The
 * data comes from tests/gen_libm_golden.sh. */
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

#include "cr_math.h"
#include "glibc_math.h"
#include "float_bits.h"

/* Compares f on every "x_bits y_bits" line of path; returns the lines. */
static size_t check_file(const char *path, float (*f)(float))
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    unsigned x, y;
    size_t n = 0, bad = 0;
    while (fscanf(fp, "%x %x", &x, &y) == 2) {
        float got = f(bits_float(x)), want = bits_float(y);
        n++;
        if (isnan(want) ? !isnan(got) : float_bits(got) != y) {
            if (bad++ < 5)
                print_error("%s(%a): got %a, want %a\n", path, (double)bits_float(x), (double)got, (double)want);
        }
    }
    (void)fclose(fp);
    assert_int_equal(bad, 0);
    return n;
}

static void test_expf_golden(void **state)
{
    (void)state;
    assert_true(check_file("tests/data/expf_glibc_fma.txt", glibc_expf) > 50000);
}

static void test_golden(void **state)
{
    (void)state;
    assert_true(check_file("tests/data/log1pf_cr.txt", cr_log1pf) > 50000);
}

static void test_specials(void **state)
{
    (void)state;
    assert_int_equal(float_bits(cr_log1pf(0.0f)), 0x00000000u);
    assert_int_equal(float_bits(cr_log1pf(-0.0f)), 0x80000000u);
    assert_true(isinf(cr_log1pf(-1.0f)) && cr_log1pf(-1.0f) < 0);
    assert_true(isnan(cr_log1pf(-1.5f)));
    assert_true(isnan(cr_log1pf(-INFINITY)));
    assert_true(isnan(cr_log1pf(NAN)));
    assert_true(isinf(cr_log1pf(INFINITY)) && cr_log1pf(INFINITY) > 0);
    assert_true(cr_log1pf(0x1p-149f) == 0x1p-149f);
    assert_true(cr_log1pf(FLT_MAX) == 0x1.62e430p+6f); /* 88.72284 */
    assert_true(cr_log1pf(1.0f) == 0x1.62e430p-1f);    /* ln 2 */
}

/* Monotone and within half an ulp of a double-precision reference on a
 * sweep of 2^20 floats across the whole domain. */
static void test_sweep(void **state)
{
    (void)state;
    float prev = -INFINITY;
    for (uint32_t k = 0; k < (1u << 20); k++) {
        /* -1 < x < +inf, increasing: negatives from -1 toward -0, then positives */
        uint32_t u = k < (1u << 19) ? 0xbf7fffffu - k * (0x3f7fffffu >> 19) : (k - (1u << 19)) * (0x7f7fffffu >> 19);
        float x = bits_float(u), y = cr_log1pf(x);
        assert_true(y >= prev);
        prev = y;
        double ref = log1p((double)x);
        float lo = nextafterf(y, -INFINITY), hi = nextafterf(y, INFINITY);
        /* ref is within 1 double ulp; y must be the float nearest to it */
        assert_true(fabs(ref - (double)y) <= fabs(ref - (double)lo) && fabs(ref - (double)y) <= fabs(ref - (double)hi));
    }
}

/* glibc_log1pf against the running libm's log1pf where that is glibc 2.40
 * or older on x86-64 (Debian 12's 2.36, the host of CI), on every 256th
 * float and on every float in [-0.3, 0.42] (the k = 0 branch) sampled every
 * 16th; elsewhere (glibc 2.41 on, aarch64, musl) there is nothing to
 * compare against, and the test is skipped. */
static void test_glibc_log1pf(void **state)
{
    (void)state;
#if defined(__x86_64__) && defined(__GLIBC__) && (__GLIBC__ == 2 && __GLIBC_MINOR__ <= 40)
    size_t bad = 0, n = 0;
    for (uint64_t b = 0; b < (1ull << 32); b += 256) {
        float x = bits_float((uint32_t)b), want = log1pf(x), got = glibc_log1pf(x);
        n++;
        if (isnan(want) ? !isnan(got) : float_bits(got) != float_bits(want)) {
            if (bad++ < 5) print_error("glibc_log1pf(%a): got %a, want %a\n", (double)x, (double)got, (double)want);
        }
    }
    const uint32_t ranges[2][2] = {{0x00000000u, float_bits(0.42f)}, {0x80000000u, float_bits(-0.3f)}};
    for (int r = 0; r < 2; r++)
        for (uint64_t b = ranges[r][0] + 7; b <= ranges[r][1]; b += 16) {
            float x = bits_float((uint32_t)b), want = log1pf(x), got = glibc_log1pf(x);
            n++;
            if (float_bits(got) != float_bits(want) && bad++ < 5)
                print_error("glibc_log1pf(%a): got %a, want %a\n", (double)x, (double)got, (double)want);
        }
    assert_int_equal(bad, 0);
    assert_true(n > (1u << 24));
#else
    skip();
#endif
}

/* aarch64's expf: the two floats of [-104, 89] where it differs from the
 * x86 FMA build, with the bits aarch64's glibc 2.41 returned for them
 * (measured under qemu over that whole range), and equal to glibc_expf on
 * every 64th float elsewhere. */
static void test_expf_aarch64(void **state)
{
    (void)state;
    assert_int_equal(float_bits(glibc_expf_aarch64(bits_float(0x4202422fu))), 0x56fc9f1bu);
    assert_int_equal(float_bits(glibc_expf(bits_float(0x4202422fu))), 0x56fc9f1cu);
    assert_int_equal(float_bits(glibc_expf_aarch64(bits_float(0xc27c65d9u))), 0x11fa2992u);
    assert_int_equal(float_bits(glibc_expf(bits_float(0xc27c65d9u))), 0x11fa2993u);
    size_t bad = 0;
    for (uint64_t b = 0; b < (1ull << 32); b += 64) {
        float x = bits_float((uint32_t)b), a = glibc_expf_aarch64(x), g = glibc_expf(x);
        if (isnan(x) ? !isnan(a) : float_bits(a) != float_bits(g)) bad++;
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden), cmocka_unit_test(test_expf_golden),  cmocka_unit_test(test_specials),
        cmocka_unit_test(test_sweep),  cmocka_unit_test(test_glibc_log1pf), cmocka_unit_test(test_expf_aarch64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
