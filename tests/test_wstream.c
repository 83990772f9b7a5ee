/* test_wstream.c - the streaming paths equal the plain ones: W's rows from
 * wstream (any batch size, after a seek, around 16 elements, 1000 elements
 * and row boundaries) equal torch_randn of the whole matrix; the vector
 * 8-row dot equals linear_forward; the threaded z pass and the streamed W
 * view print exactly what the dense path prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */

#include <math.h>
#include <stdio.h>

#include "experiment.h"
#include "golden.h"
#include "ops.h"
#include "simd.h"
#include "wstream.h"

/* W the plain way: randn(C*F) after X = randn(F), then * scale, then abs. */
static float *plain_w(uint64_t seed, size_t C, size_t F, torch_cpu cpu, int scale_on, float scale, int take_abs,
                      torch_rng *after_x)
{
    torch_rng g;
    torch_rng_seed(&g, seed);
    float *x = malloc(F * sizeof *x), *w = malloc(C * F * sizeof *w);
    assert_non_null(x);
    assert_non_null(w);
    torch_randn(x, &g, F, cpu);
    *after_x = g;
    torch_randn(w, &g, C * F, cpu);
    for (size_t i = 0; i < C * F; i++) {
        if (scale_on) w[i] = w[i] * scale;
        if (take_abs) w[i] = fabsf(w[i]);
    }
    free(x);
    return w;
}

static void check_stream(uint64_t seed, size_t C, size_t F, torch_cpu cpu, int scale_on, int take_abs, size_t batch)
{
    torch_rng g;
    float *w = plain_w(seed, C, F, cpu, scale_on, 0.25f, take_abs, &g);
    wstream s;
    assert_int_equal(wstream_init(&s, &g, C, F, cpu, scale_on, 0.25f, take_abs, batch), 0);
    size_t row = 0;
    while (row < C) {
        size_t k = C - row < batch ? C - row : batch;
        const float *r = wstream_rows(&s, k);
        for (size_t i = 0; i < k * F; i++)
            if (golden_bits(r[i]) != golden_bits(w[row * F + i]))
                fail_msg("C=%zu F=%zu batch=%zu: element %zu differs", C, F, batch, row * F + i);
        row += k;
    }
    /* a seek to any row gives the same rows */
    for (size_t start = 1; start < C && C * F >= 16; start += 1 + C / 5) {
        wstream t;
        assert_int_equal(wstream_init(&t, &g, C, F, cpu, scale_on, 0.25f, take_abs, 1), 0);
        assert_int_equal(wstream_seek(&t, start), 0);
        for (size_t i = start; i < C; i++) {
            const float *r = wstream_rows(&t, 1);
            for (size_t j = 0; j < F; j++)
                if (golden_bits(r[j]) != golden_bits(w[i * F + j]))
                    fail_msg("C=%zu F=%zu seek %zu: row %zu col %zu differs", C, F, start, i, j);
        }
        wstream_free(&t);
    }
    wstream_free(&s);
    free(w);
}

static void test_stream_equals_plain_randn(void **state)
{
    (void)state;
    static const size_t shapes[][2] = {
        {1, 1},    {1, 15},  {3, 5},   {1, 16},   {16, 1},   {4, 4},   {1, 17},  {17, 1},
        {2, 8},    {2, 9},   {3, 11},  {31, 1},   {1, 31},   {4, 8},   {8, 4},   {2, 16},
        {3, 16},   {5, 7},   {7, 5},   {10, 100}, {100, 10}, {40, 25}, {8, 125}, {1000, 1},
        {1, 1000}, {7, 143}, {11, 91}, {1001, 1}, {9, 111},  {13, 77}, {33, 33}, {3, 2049},
    };
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++)
        for (int cpu = 0; cpu < 2; cpu++)
            for (size_t batch = 1; batch <= 8; batch += 7) {
                check_stream(99 + k, shapes[k][0], shapes[k][1], (torch_cpu)cpu, (int)(k % 2), k % 3 != 0, batch);
            }
}

static void test_dot8_equals_linear_forward(void **state)
{
    (void)state;
    if (!simd_avx2()) skip();
    torch_rng g;
    torch_rng_seed(&g, 5);
    size_t sizes[] = {1, 2, 7, 8, 9, 15, 16, 17, 31, 40, 100, 768, 1001};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t F = sizes[k];
        float *rows = malloc(8 * F * sizeof *rows), *x = malloc(F * sizeof *x);
        assert_non_null(rows);
        assert_non_null(x);
        torch_randn(rows, &g, 8 * F, CPU_AVX2);
        torch_randn(x, &g, F, CPU_AVX2);
        rows[0] = -0.0f;                     /* sums start at +0 */
        for (int fma = 0; fma <= 1; fma++) { /* x86's BLAS, and aarch64's fused one */
            float za[8], zb[8];
            simd_dot8(za, rows, x, F, fma);
            linear_forward(zb, rows, x, 8, F, fma);
            for (int r = 0; r < 8; r++) assert_int_equal(golden_bits(za[r]), golden_bits(zb[r]));
        }
        free(rows);
        free(x);
    }
}

/* simd_scale_abs equals the scalar |v * scale| on edge values (-0, nan,
 * inf, subnormals, overflow) at every length's tail, at both levels. */
static void check_scale_abs(void)
{
    static const float edge[] = {-0.0f, 0.0f, 1.0f, -1.5f, 1e-40f, -1e-45f, 3e38f, -3e38f, INFINITY, -INFINITY};
    float v[67], w[67];
    for (size_t n = 0; n <= 67; n++)
        for (int mode = 1; mode < 4; mode++) {
            int scale_on = mode & 1, take_abs = mode >> 1;
            for (size_t i = 0; i < n; i++) v[i] = w[i] = i % 11 == 10 ? -NAN : edge[i % 10] * (float)(i + 1);
            simd_scale_abs(v, n, scale_on, 0.036f, take_abs);
            for (size_t i = 0; i < n; i++) {
                if (scale_on) w[i] = w[i] * 0.036f;
                if (take_abs) w[i] = fabsf(w[i]);
                assert_int_equal(golden_bits(v[i]), golden_bits(w[i]));
            }
        }
}

static void test_scale_abs_equals_scalar(void **state)
{
    (void)state;
    if (!simd_avx2()) skip();
    check_scale_abs();
    simd_limit(2);
    check_scale_abs();
}

/* Prints a view into a string (caller frees). */
static char *print_view(const tensor_view *v, const print_options *po)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(tensor_print(f, v, po), 0);
    assert_int_equal(fclose(f), 0); /* the close finishes buf */
    return buf;
}

/* The experiment (threaded z pass above 2^22 weights, W streamed) against
 * the dense computation, and its W view against the dense view. */
static void check_experiment(size_t C, size_t F, long threshold, long edge)
{
    gradexp_options o;
    options_defaults(&o);
    o.classes = C;
    o.features = F;
    o.target = C - 1;
    o.no_abs = 1;
    o.show = 1u << SHOW_W;
    o.print.threshold = threshold;
    o.print.edgeitems = edge;
    experiment e;
    assert_int_equal(experiment_compute(&e, &o), EXP_OK);
    torch_rng g;
    float *w = plain_w(o.seed, C, F, CPU_AVX2, 0, 1.0f, 0, &g);
    float *z = malloc(C * sizeof *z);
    assert_non_null(z);
    linear_forward(z, w, e.x, C, F, 0);
    for (size_t i = 0; i < C; i++)
        if (golden_bits(z[i]) != golden_bits(e.z[i])) fail_msg("C=%zu F=%zu: z[%zu] differs", C, F, i);
    float scalar;
    tensor_view sv = experiment_view(&e, -1, SHOW_W, &scalar);
    tensor_view dv = tensor_view_dense2(w, C, F);
    for (int pass = 0; pass < 2; pass++) { /* twice: the stream must rewind */
        char *a = print_view(&sv, &o.print), *b = print_view(&dv, &o.print);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    free(z);
    free(w);
    experiment_free(&e);
}

static void test_experiment_stream_equals_dense(void **state)
{
    (void)state;
    check_experiment(3, 5, 1000, 3);
    check_experiment(40, 25, 1000, 3);     /* exactly 1000 elements: full */
    check_experiment(1001, 1, 1000, 3);    /* summarised, rows of one */
    check_experiment(7, 143, 1000, 2);     /* 1001 elements, tail block mid-row */
    check_experiment(50, 30, 100000, 3);   /* full print, two passes */
    check_experiment(2048, 2049, 1000, 3); /* threads, W not dense */
    check_experiment(4099, 1025, 1000, 5); /* threads, odd split */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_equals_plain_randn),
        cmocka_unit_test(test_dot8_equals_linear_forward),
        cmocka_unit_test(test_scale_abs_equals_scalar),
        cmocka_unit_test(test_experiment_stream_equals_dense),
    };
    return cmocka_run_group_tests_name("wstream", tests, NULL, NULL);
}
