/* test_gradcheck.c - cmocka suite for src/gradcheck.c (--gradcheck).
 *
 * The check must pass every head's real gradient (naive and --stable, on
 * several configurations, with a wide margin), pass exact gradients
 * computed here in double, and fail - saying where and by how much - when
 * the analytic gradient is wrong: a dz scaled by 1%, a dz from another
 * head, a flipped sign, a gradient where the loss has none, nan. The
 * numeric reference is checked against a plain O(C) double evaluation of
 * each loss written here. Sampling (large C) keeps the target row and still
 * catches nan anywhere; the report's verdicts and hints are checked,
 * including the naive overflow of examples/naive-overflow.conf and the
 * write-error path. Run from the repository root (`make test`). */
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
#include "gradcheck.h"
#include "golden.h"
#include "options.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

/* Parses a NULL-terminated argument list (argv[0] added) into o and
 * computes the experiment; fails the test on a parse error. */
static void setup(gradexp_options *o, experiment *e, const char *const *args)
{
    char err[512];
    if (golden_parse(o, args, err, sizeof err) != OPT_OK) fail_msg("options: %s", err);
    assert_int_equal(experiment_compute(e, o), EXP_OK);
}

static const gradcheck_params P = GRADCHECK_PARAMS_DEFAULT;

/* gradcheck_head on head h of e with dz (NULL: the head's own). */
static gradcheck_result check(const experiment *e, const gradexp_options *o, int h, const float *dz)
{
    gradcheck_result r;
    assert_int_equal(gradcheck_head(&r, e->x, e->z, dz ? dz : e->heads[h].dz, e->C, e->F, o->target, e->heads[h].kind,
                                    o->stable, &P),
                     GRADCHECK_OK);
    return r;
}

/* A copy of head h's dz (caller frees). */
static float *dz_copy(const experiment *e, int h)
{
    float *d = malloc(e->C * sizeof *d);
    assert_non_null(d);
    memcpy(d, e->heads[h].dz, e->C * sizeof *d);
    return d;
}

/* The loss of head kind at z (double, plain O(C) formulas, the stable
 * forms), written independently of gradcheck.c. */
static double loss_at(loss_kind kind, const double *z, size_t C, size_t t)
{
    if (kind == LOSS_SIGMOID) return log1p(exp(-fabs(z[t]))) - fmin(z[t], 0.0);
    if (kind == LOSS_SOFTMAX) {
        double m = -INFINITY, s = 0;
        for (size_t k = 0; k < C; k++) m = fmax(m, z[k]);
        for (size_t k = 0; k < C; k++) s += exp(z[k] - m);
        /* s >= 1 (the largest z[k] adds exp(0)); cppcheck assumes C may be 0 */
        /* cppcheck-suppress invalidFunctionArg */
        return m + log(s) - z[t];
    }
    double s = 0;
    for (size_t k = 0; k < C; k++) s += fmax(z[k], 0.0) - z[k] * (k == t) + log1p(exp(-fabs(z[k])));
    return s / (double)C;
}

/* dL/dW[i][j] by a plain central difference on z[i] (step 1e-4), times
 * x[j]. */
static double plain_numeric(const experiment *e, loss_kind kind, size_t t, size_t i, size_t j)
{
    double *z = malloc(e->C * sizeof *z);
    assert_non_null(z);
    for (size_t k = 0; k < e->C; k++) z[k] = e->z[k];
    double h = 1e-4, zi = z[i];
    z[i] = zi + h;
    double up = loss_at(kind, z, e->C, t);
    z[i] = zi - h;
    double dn = loss_at(kind, z, e->C, t);
    free(z);
    return (up - dn) / (2 * h) * e->x[j];
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                     */
/* ------------------------------------------------------------------------ */

/* Every head's own gradient passes, naive and stable, every weight
 * checked, with at least a tenfold margin. */
static void test_passes_every_head(void **state)
{
    (void)state;
    static const char *const configs[][16] = {
        {"--loss", "all", NULL},
        {"--loss", "all", "--seed", "-7", "--classes", "5", "--features", "8", "--target", "0", "--no-abs", NULL},
        {"--loss", "all", "--classes", "50", "--features", "40", "--init-std", "0.05", "--no-abs", "--seed", "11",
         NULL},
        {"--loss", "all", "--classes", "1", "--features", "3", "--target", "0", NULL},
        {"--loss", "all", "--classes", "7", "--features", "1", "--target", "6", "--seed", "5", NULL},
        {"--loss", "all", "--classes", "20", "--features", "17", "--seed", "2", "--init-std", "3", NULL},
        {"--loss", "all", "--classes", "30", "--features", "24", "--target", "29", "--rng", "default", NULL},
    };
    for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++)
        for (int stable = 0; stable <= 1; stable++) {
            const char *args[20];
            size_t n = 0;
            while (configs[c][n]) args[n] = configs[c][n], n++;
            if (stable) args[n++] = "--stable";
            args[n] = NULL;
            gradexp_options o;
            experiment e;
            setup(&o, &e, args);
            for (int h = 0; h < e.nheads; h++) {
                gradcheck_result r = check(&e, &o, h, NULL);
                if (!r.pass || r.worst > 0.1)
                    fail_msg("config %zu%s, %s: pass %d, worst %g", c, stable ? " --stable" : "", LOSS_NAMES[r.kind],
                             r.pass, r.worst);
                assert_int_equal(r.checked, e.C * e.F);
                assert_int_equal(r.sampled, 0);
                assert_int_equal(r.nonfinite_a + r.nonfinite_n + r.nonfinite_dz + r.over_tol, 0);
            }
            experiment_free(&e);
        }
}

/* The naive overflow example fails its naive softmax head only; with
 * --stable every head passes. */
static void test_overflow(void **state)
{
    (void)state;
    gradexp_options o;
    experiment e;
    setup(&o, &e, (const char *const[]){"--config", "examples/naive-overflow.conf", "--loss", "all", NULL});
    for (int h = 0; h < e.nheads; h++) {
        gradcheck_result r = check(&e, &o, h, NULL);
        if (e.heads[h].kind == LOSS_SOFTMAX) {
            assert_false(r.pass);
            assert_int_equal(r.nonfinite_a, r.checked);
            assert_int_equal(r.nonfinite_dz, e.C);
        } else {
            assert_true(r.pass);
        }
        assert_true(r.sampled); /* 10000 features: 1000 columns checked */
        assert_int_equal(r.cols, 1000);
        assert_int_equal(r.rows, e.C);
    }
    experiment_free(&e);
    setup(&o, &e, (const char *const[]){"--config", "examples/naive-overflow.conf", "--loss", "all", "--stable", NULL});
    for (int h = 0; h < e.nheads; h++) assert_true(check(&e, &o, h, NULL).pass);
    experiment_free(&e);
}

/* Exact gradients computed here in double (rounded to float32) pass; the
 * gradient of another head fails. */
static void test_exact_and_wrong_head(void **state)
{
    (void)state;
    gradexp_options o;
    experiment e;
    setup(&o, &e,
          (const char *const[]){"--loss", "all", "--classes", "6", "--features", "4", "--target", "2", "--seed", "31",
                                NULL});
    size_t C = e.C, t = o.target;
    float dz[3][6];
    double m = -INFINITY, s = 0;
    for (size_t k = 0; k < C; k++) m = fmax(m, e.z[k]);
    for (size_t k = 0; k < C; k++) s += exp(e.z[k] - m);
    for (size_t k = 0; k < C; k++) {
        double sig = 1.0 / (1.0 + exp(-(double)e.z[k]));
        dz[LOSS_SIGMOID][k] = k == t ? (float)(sig - 1.0) : 0.0f;
        dz[LOSS_SOFTMAX][k] = (float)(exp(e.z[k] - m) / s - (k == t));
        dz[LOSS_BCE][k] = (float)((sig - (k == t)) / (double)C);
    }
    for (int h = 0; h < e.nheads; h++) {
        loss_kind k = e.heads[h].kind;
        gradcheck_result r = check(&e, &o, h, dz[k]);
        assert_true(r.pass);
        assert_true(r.worst < 0.01);
        /* the other heads' gradients are not this head's */
        for (int other = 0; other < LOSS_KINDS; other++) {
            if (other == (int)k) continue;
            r = check(&e, &o, h, dz[other]);
            assert_false(r.pass);
            assert_true(r.over_tol > 0);
        }
    }
    experiment_free(&e);
}

/* Corrupted analytic gradients fail, and the report says where; a change
 * far below the tolerance does not. */
static void test_corrupted(void **state)
{
    (void)state;
    gradexp_options o;
    experiment e;
    setup(&o, &e, (const char *const[]){"--loss", "all", NULL});
    size_t F = e.F;
    int hs = 0, hm = 1, hb = 2;
    assert_int_equal(e.heads[hm].kind, LOSS_SOFTMAX);

    /* one row scaled by 1%: every weight of that row is out */
    float *d = dz_copy(&e, hm);
    d[0] *= 1.01f;
    gradcheck_result r = check(&e, &o, hm, d);
    assert_false(r.pass);
    assert_int_equal(r.over_tol, F);
    assert_int_equal(r.worst_i, 0);
    assert_true(r.worst > 1.0);
    assert_true(fabs(r.worst_a - r.worst_n) > 1e-3);
    free(d);

    /* scaled by 1e-6 relative: well inside the tolerance */
    d = dz_copy(&e, hm);
    d[1] *= 1.000001f;
    assert_true(check(&e, &o, hm, d).pass);
    free(d);

    /* an absolute error of 1e-3 in a small row (p[2] = 0.03) */
    d = dz_copy(&e, hm);
    d[2] += 1e-3f;
    r = check(&e, &o, hm, d);
    assert_false(r.pass);
    assert_int_equal(r.worst_i, 2);
    free(d);

    /* sigmoid: a gradient where the loss has none, and a flipped sign */
    d = dz_copy(&e, hs);
    d[0] = 1e-3f;
    r = check(&e, &o, hs, d);
    assert_false(r.pass);
    assert_int_equal(r.worst_i, 0);
    assert_true(r.worst_n == 0.0); /* the loss does not read z[0] */
    free(d);
    d = dz_copy(&e, hs);
    d[1] = -d[1];
    r = check(&e, &o, hs, d);
    assert_false(r.pass);
    assert_int_equal(r.over_tol, F);
    free(d);

    /* bce: nan in dz */
    d = dz_copy(&e, hb);
    d[2] = NAN;
    r = check(&e, &o, hb, d);
    assert_false(r.pass);
    assert_int_equal(r.nonfinite_a, F);
    assert_int_equal(r.nonfinite_dz, 1);
    assert_int_equal(r.bad_i, 2);
    free(d);
    experiment_free(&e);
}

/* The numeric reference agrees with plain double evaluations of the
 * losses written here, at the worst entry and at a few fixed ones. */
static void test_reference(void **state)
{
    (void)state;
    static const char *const configs[][16] = {
        {"--loss", "all", "--stable", NULL},
        {"--loss", "all", "--stable", "--classes", "9", "--features", "6", "--no-abs", "--seed", "8", "--init-std", "2",
         "--target", "4", NULL},
    };
    for (size_t c = 0; c < 2; c++) {
        gradexp_options o;
        experiment e;
        setup(&o, &e, configs[c]);
        for (int h = 0; h < e.nheads; h++) {
            gradcheck_result r = check(&e, &o, h, NULL);
            double n = plain_numeric(&e, e.heads[h].kind, o.target, r.worst_i, r.worst_j);
            assert_true(fabs(n - r.worst_n) <= 1e-7 + 1e-6 * fabs(n));
            /* and the analytic value there is the float32 product */
            assert_true(r.worst_a == (double)(e.heads[h].dz[r.worst_i] * e.x[r.worst_j]));
        }
        experiment_free(&e);
    }
}

/* Large C: evenly spaced rows plus the target; nan is caught even in a
 * row left out; small limits keep the first and last row and column. */
static void test_sampling(void **state)
{
    (void)state;
    gradexp_options o;
    experiment e;
    setup(&o, &e, (const char *const[]){"--loss", "softmax", "--classes", "3000", "--features", "5", "--stable", NULL});
    gradcheck_result r = check(&e, &o, 0, NULL);
    assert_true(r.pass && r.sampled);
    assert_int_equal(r.rows, 1001); /* 1000 evenly spaced (0, 3, 6, ...) and the target, 1 */
    assert_int_equal(r.cols, 5);
    assert_int_equal(r.checked, 1001 * 5);
    float *d = dz_copy(&e, 0);
    d[1] *= 1.5f; /* the target row is always checked */
    r = check(&e, &o, 0, d);
    assert_false(r.pass);
    assert_int_equal(r.worst_i, 1);
    memcpy(d, e.heads[0].dz, e.C * sizeof *d);
    d[2] = NAN; /* row 2 is not sampled, but nan anywhere fails */
    r = check(&e, &o, 0, d);
    assert_false(r.pass);
    assert_int_equal(r.nonfinite_a, 0);
    assert_int_equal(r.nonfinite_dz, 1);
    free(d);
    experiment_free(&e);

    setup(&o, &e, (const char *const[]){"--loss", "bce", "--classes", "50", "--features", "7", "--target", "20", NULL});
    gradcheck_params p = {1e-6, 1e-5, 1e-3, 10, 2};
    d = dz_copy(&e, 0);
    d[49] *= 2.0f; /* the last row */
    assert_int_equal(gradcheck_head(&r, e.x, e.z, d, e.C, e.F, o.target, LOSS_BCE, 0, &p), GRADCHECK_OK);
    assert_int_equal(r.rows, 11); /* 0, 5, 10, ..., 49 and 20 */
    assert_int_equal(r.cols, 2);  /* 0 and 6 */
    assert_false(r.pass);
    assert_int_equal(r.worst_i, 49);
    assert_true(r.worst_j == 0 || r.worst_j == 6);
    free(d);
    experiment_free(&e);
}

/* gradcheck_report to a string. */
static char *report(experiment *e, const gradexp_options *o, int *nfailed)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(gradcheck_report(f, e, o, &P, nfailed), GRADCHECK_OK);
    assert_int_equal(fclose(f), 0);
    /* lines fit 80 columns */
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        if (nl - p > 79) fail_msg("report line of %d columns: %.*s", (int)(nl - p), (int)(nl - p), p);
        p = nl + 1;
    }
    return text;
}

static void contains(const char *text, const char *s)
{
    if (!strstr(text, s)) fail_msg("report lacks \"%s\"\n%s", s, text);
}

static void test_report(void **state)
{
    (void)state;
    gradexp_options o;
    experiment e;
    int nfailed = -1;
    setup(&o, &e, (const char *const[]){"--loss", "all", NULL});
    char *t = report(&e, &o, &nfailed);
    assert_int_equal(nfailed, 0);
    contains(t, "|a - n| <= atol + rtol * |n|");
    contains(t, "atol = 1e-05, rtol = 0.001");
    contains(t, "naive heads: log(sigmoid), log(softmax)");
    contains(t, "gradcheck: passed (3 heads)");
    for (int h = 0; h < 3; h++) {
        char line[64];
        snprintf(line, sizeof line, "%-8s %17s", LOSS_NAMES[h], "15/15");
        contains(t, line);
    }
    assert_null(strstr(t, "FAIL"));
    assert_null(strstr(t, "Sampled"));
    free(t);

    /* corrupt the softmax head's dz: the report names the row */
    e.heads[1].dz[0] *= 1.01f;
    t = report(&e, &o, &nfailed);
    assert_int_equal(nfailed, 1);
    contains(t, "softmax: FAIL - 5 of 15 weights outside the tolerance; worst W[0][");
    contains(t, "gradcheck: FAILED (1 of 3 heads)");
    free(t);
    experiment_free(&e);

    /* the naive overflow: nan, and --stable checked and named */
    setup(&o, &e, (const char *const[]){"--config", "examples/naive-overflow.conf", "--loss", "all", NULL});
    t = report(&e, &o, &nfailed);
    assert_int_equal(nfailed, 1);
    contains(t, "softmax: FAIL - the analytic W.grad holds nan or inf");
    contains(t, "in 5000 of 5000 weights checked; dz is nan or inf in 5 of 5 rows");
    contains(t, "with --stable\n  (log_softmax) this head passes");
    contains(t, "Sampled: 5 of 5 rows, 1000 of 10000 columns");
    free(t);
    experiment_free(&e);
}

/* A failing write is reported. */
static void test_write_error(void **state)
{
    (void)state;
    gradexp_options o;
    experiment e;
    int nfailed;
    setup(&o, &e, (const char *const[]){NULL});
    FILE *f = fopen("/dev/full", "w");
    if (!f) skip();
    assert_int_equal(gradcheck_report(f, &e, &o, &P, &nfailed), GRADCHECK_WRITE);
    (void)fclose(f); /* /dev/full: closing fails too, as it should */
    experiment_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passes_every_head),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_exact_and_wrong_head),
        cmocka_unit_test(test_corrupted),
        cmocka_unit_test(test_reference),
        cmocka_unit_test(test_sampling),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
