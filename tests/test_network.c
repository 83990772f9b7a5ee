/* test_network.c - the network's fast paths give the bits of their plain
 * definitions, and the model's rules hold.
 *
 * simd_matmul / simd_matmul_backward equal ops.c's matmul_forward /
 * matmul_backward; simd_sgd equals sgd_update; simd_outer_sgd equals
 * outer_sgd_update; simd_dot16_replay_cols (on simd_transpose16's columns) equals the
 * rows replayed by outer_sgd_update then linear_forward - each at the AVX2
 * and the AVX-512 level, on odd sizes, with zeros, -0, inf and nan among
 * the inputs. Then the rules: an unbatched layer's gradient is the outer
 * product (a -0 stays), a batch of one sums from +0; nll's batch mean is
 * the cascade of torch's partial sums (checked on a batch where the
 * cascade and a plain left-to-right sum give different bits); 1.13's
 * zero_grad turns the -0 of a gradient into +0 after the first step, 2.x's
 * keeps it; the streamed and the dense paths train a one-layer head to the
 * same bits. The numbers against PyTorch itself are the golden corpora
 * (tests/golden/torch-RELEASE-FAMILY-layers.txt, tests/run_golden.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "float_bits.h"
#include "golden.h"
#include "network.h"
#include "ops.h"
#include "simd.h"

/* Deterministic test data: mostly normal-ish values, with exact zeros, -0,
 * and (when special) an inf and a nan. */
static void fill(float *v, size_t n, uint32_t seed, int special)
{
    uint32_t s = seed * 2654435761u + 1u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        float u = (float)(s >> 8) / 16777216.0f;
        v[i] = (u - 0.5f) * 4.0f;
        if (s % 17 == 0) v[i] = 0.0f;
        if (s % 19 == 0) v[i] = -0.0f;
    }
    if (special && n > 3) {
        v[n / 2] = INFINITY;
        v[n / 3] = NAN;
    }
}

/* Same bits, or both nan. */
static void same(const float *a, const float *b, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) && isnan(b[i])) continue;
        if (float_bits(a[i]) != float_bits(b[i])) fail_msg("%s[%zu]: %a vs %a", what, i, a[i], b[i]);
    }
}

static float *alloc(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    assert_non_null(p);
    return p;
}

static const int LEVELS[] = {2, 5};

static void test_matmul_simd_equals_plain(void **state)
{
    (void)state;
    if (!simd_avx2()) skip();
    static const size_t shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {8, 16, 9}, {17, 33, 31}, {64, 10, 128}, {9, 40, 1}};
    for (size_t li = 0; li < 2; li++) {
        simd_limit(LEVELS[li]);
        for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
            size_t N = shapes[s][0], O = shapes[s][1], I = shapes[s][2];
            float *in = alloc(N * I), *W = alloc(O * I), *dout = alloc(N * O);
            float *a = alloc(N * O), *b = alloc(N * O), *dWa = alloc(O * I), *dWb = alloc(O * I);
            float *dia = alloc(N * I), *dib = alloc(N * I);
            fill(in, N * I, (uint32_t)s, s == 3);
            fill(W, O * I, (uint32_t)s + 100, 0);
            fill(dout, N * O, (uint32_t)s + 200, s == 4);
            matmul_forward(a, in, W, N, O, I, 0);
            assert_int_equal(simd_matmul(b, in, W, N, O, I), 0);
            same(a, b, N * O, "matmul");
            int outers = N == 1 ? 2 : 1; /* the outer product only exists for one row */
            for (int outer = 0; outer < outers; outer++) {
                matmul_backward(dWa, dia, dout, in, W, N, O, I, outer, 0);
                simd_matmul_backward(dWb, dib, dout, in, W, N, O, I, outer);
                same(dWa, dWb, O * I, "dW");
                same(dia, dib, N * I, "din");
            }
            free(in), free(W), free(dout), free(a), free(b), free(dWa), free(dWb), free(dia), free(dib);
        }
    }
    simd_limit(5);
}

static void test_sgd_simd_equals_plain(void **state)
{
    (void)state;
    if (!simd_avx2()) skip();
    for (size_t li = 0; li < 2; li++) {
        simd_limit(LEVELS[li]);
        for (size_t n = 1; n < 70; n += 7) {
            float *w = alloc(n), *g = alloc(n), *a = alloc(n), *b = alloc(n);
            fill(w, n, (uint32_t)n, 0);
            fill(g, n, (uint32_t)n + 1, n > 40);
            for (int fused = 0; fused <= 1; fused++) {
                memcpy(a, w, n * sizeof *w);
                memcpy(b, w, n * sizeof *w);
                sgd_update(a, g, n, -0.1f, fused ? CPU_AVX2 : CPU_DEFAULT);
                simd_sgd(b, g, n, -0.1f, fused);
                same(a, b, n, "sgd");
            }
            free(w), free(g), free(a), free(b);
        }
    }
    simd_limit(5);
}

/* The fused replay-and-dot kernels against replay by outer_sgd_update
 * then linear_forward. */
static void test_replay_simd_equals_plain(void **state)
{
    (void)state;
    if (!simd_avx2()) skip();
    enum { K = 16, STEPS = 5 };
    for (size_t li = 0; li < 2; li++) {
        simd_limit(LEVELS[li]);
        for (size_t F = 1; F < 40; F += 6) {
            float *rows = alloc((size_t)K * F), *x = alloc(F), *dz = alloc((size_t)STEPS * K),
                  *tmp = alloc((size_t)K * F);
            float *cols = alloc((size_t)K * F), za[K], zc[K], zd[K];
            fill(rows, K * F, (uint32_t)F, 0);
            fill(x, F, (uint32_t)F + 7, 0);
            fill(dz, (size_t)STEPS * K, (uint32_t)F + 9, 0);
            simd_transpose16(cols, rows, F);
            for (size_t r = 0; r < K; r++)
                for (size_t j = 0; j < F; j++) assert_true(float_bits(cols[j * K + r]) == float_bits(rows[r * F + j]));
            for (int fma = 0; fma <= 1; fma++) /* the final dot: x86's BLAS, aarch64's fused one */
                for (int fused = 0; fused <= 1; fused++)
                    for (long p0 = 1; p0 <= STEPS + 1; p0 += STEPS) {
                        memcpy(tmp, rows, K * F * sizeof *rows);
                        for (long t = 0; t < STEPS; t++)
                            outer_sgd_update(tmp, dz + t * K, x, K, F, -0.7f, fused, t >= p0);
                        linear_forward(za, tmp, x, K, F, fma);
                        memcpy(tmp, rows, K * F * sizeof *rows);
                        for (long t = 0; t < STEPS; t++)
                            simd_outer_sgd(tmp, dz + t * K, x, K, F, -0.7f, fused, t >= p0);
                        linear_forward(zd, tmp, x, K, F, fma);
                        simd_dot16_replay_cols(zc, cols, x, F, dz, K, STEPS, -0.7f, fused, p0, fma);
                        same(za, zc, K, "dot16_replay_cols");
                        same(za, zd, K, "outer_sgd");
                    }
            free(rows), free(x), free(dz), free(tmp), free(cols);
        }
    }
    simd_limit(5);
}

/* mv's gradient is the outer product itself, mm's a sum from +0. */
static void test_outer_keeps_negative_zero(void **state)
{
    (void)state;
    float dout[1] = {-1.0f}, in[2] = {0.0f, 2.0f}, W[2] = {1.0f, 1.0f}, dW[2];
    matmul_backward(dW, NULL, dout, in, W, 1, 1, 2, 1, 0);
    assert_true(signbit(dW[0]) && dW[0] == 0.0f); /* -1 * +0 = -0 */
    matmul_backward(dW, NULL, dout, in, W, 1, 1, 2, 0, 0);
    assert_false(signbit(dW[0])); /* 0 + (-0) = +0 */
    assert_true(dW[1] == -2.0f);
}

/* nll's batch mean: torch's cascade, which differs from a plain sum. */
static void test_nll_cascade(void **state)
{
    (void)state;
    enum { N = 40, C = 2 };
    float logp[N * C];
    size_t t[N];
    for (size_t b = 0; b < N; b++) {
        t[b] = b % C;
        /* row 0 adds 1e8 (ulp 8), every other row 3: a left-to-right sum
         * loses each 3, the cascade adds their 117 at the end */
        logp[b * C + t[b]] = b == 0 ? -1e8f : -3.0f;
        logp[b * C + 1 - t[b]] = -5.0f;
    }
    /* cascade: row 0 climbs to the top level alone, rows 1..16 sum at
     * level 0 then join level 1 at row 16, 17..32 at row 32, 33..39 stay */
    float l1 = 0.0f, l0 = 0.0f;
    for (size_t b = 1; b <= 32; b++) {
        l0 -= logp[b * C + t[b]];
        if (b % 16 == 0) l1 += l0, l0 = 0.0f;
    }
    for (size_t b = 33; b < N; b++) l0 -= logp[b * C + t[b]];
    float top = 0.0f - logp[0];
    float want = (((0.0f + l0) + l1) + top) / (float)N;
    float plain = 0.0f;
    for (size_t b = 0; b < N; b++) plain -= logp[b * C + t[b]];
    plain /= (float)N;
    assert_true(want != plain); /* the test can tell the two apart */
    float got = nll_forward_rows(logp, t, N, C);
    assert_true(float_bits(got) == float_bits(want));
    float d[N * C];
    nll_backward_rows(d, t, N, C);
    for (size_t b = 0; b < N; b++) {
        assert_true(d[b * C + t[b]] == -(1.0f / (float)N));
        assert_true(d[b * C + 1 - t[b]] == 0.0f && !signbit(d[b * C + 1 - t[b]]));
    }
}

static void compute(experiment *e, gradexp_options *o, const char *const *args)
{
    char err[512];
    if (golden_parse(o, args, err, sizeof err) != OPT_OK) fail_msg("options: %s", err);
    assert_int_equal(experiment_compute(e, o), EXP_OK);
}

/* The sign of a zero gradient after training: +0 under 1.13's zero_grad
 * (0 + g), -0 kept under 2.x's (set to None). */
static void test_zero_grad_rules(void **state)
{
    (void)state;
    /* |X| and |W| make z large: p of the target rounds to 1, its dz is
     * -1 * (1 - 1) * 1 = -0, and mv's outer product keeps it */
    const char *a113[] = {"--hidden", "4", "--steps", "3", "--torch", "1.13", "--loss", "sigmoid", NULL};
    const char *a214[] = {"--hidden", "4", "--steps", "3", "--torch", "2.14", "--loss", "sigmoid", NULL};
    gradexp_options o1, o2;
    experiment e1, e2;
    compute(&e1, &o1, a113);
    compute(&e2, &o2, a214);
    size_t neg0 = 0;
    for (size_t l = 0; l < e1.L; l++) {
        size_t n = e1.spec.dims[l] * e1.spec.dims[l + 1];
        const float *g1 = e1.heads[0].net.dW[l], *g2 = e2.heads[0].net.dW[l];
        for (size_t i = 0; i < n; i++) {
            assert_true(g1[i] == g2[i] || (isnan(g1[i]) && isnan(g2[i])));
            if (g1[i] == 0.0f) assert_false(signbit(g1[i]));
            neg0 += g2[i] == 0.0f && signbit(g2[i]);
        }
    }
    assert_true(neg0 > 0); /* the rule is visible in this run */
    experiment_free(&e1);
    experiment_free(&e2);
}

/* A one-layer head trained by the streamed path (W never stored, replayed)
 * and by the dense path (--batch 1 makes X 2-d, which changes only the
 * sign of zeros in the gradient: mm sums from +0) give the same weights,
 * curve and loss. */
static void test_streamed_equals_dense(void **state)
{
    (void)state;
    const char *as[] = {"--classes", "37",     "--features", "21",       "--steps", "4",      "--lr",
                        "0.5",       "--loss", "all",        "--no-abs", "--show",  "w,loss", NULL};
    const char *ad[] = {"--classes", "37",  "--features", "21",     "--steps", "4",       "--lr", "0.5",
                        "--loss",    "all", "--no-abs",   "--show", "w,loss",  "--batch", "1",    NULL};
    gradexp_options os, od;
    experiment es, ed;
    compute(&es, &os, as);
    compute(&ed, &od, ad);
    assert_false(es.dense);
    assert_true(ed.dense);
    for (int h = 0; h < es.nheads; h++) {
        same(es.heads[h].curve, ed.heads[h].curve, 5, "curve");
        tensor_view ws = experiment_layer(&es, h, 1, LAYER_W), wd = experiment_layer(&ed, h, 1, LAYER_W);
        for (size_t i = 0; i < 37; i++)
            for (size_t j = 0; j < 21; j++) {
                float a = ws.at(&ws, i, j), b = wd.at(&wd, i, j);
                same(&a, &b, 1, "trained w");
            }
    }
    experiment_free(&es);
    experiment_free(&ed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matmul_simd_equals_plain),
        cmocka_unit_test(test_sgd_simd_equals_plain),
        cmocka_unit_test(test_replay_simd_equals_plain),
        cmocka_unit_test(test_outer_keeps_negative_zero),
        cmocka_unit_test(test_nll_cascade),
        cmocka_unit_test(test_zero_grad_rules),
        cmocka_unit_test(test_streamed_equals_dense),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
