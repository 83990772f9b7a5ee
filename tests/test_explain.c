/* test_explain.c - cmocka suite for src/explain.c (--explain).
 *
 * The walkthrough's notes must say what the numbers of the run imply, so
 * each test computes the facts itself from the experiment's arrays (x, z,
 * p, dz and the float32 products dz[i] * x[j] that make up W.grad) and
 * checks that the note stating them - and not a contradicting one - is in
 * the text: which rows are exactly zero, the target row's signs, the sign
 * of every other row against the target row, the probability sums, the
 * softmax column sums, nan rows and whether --stable (run here through the
 * experiment with stable = 1) is finite. Configurations: the blog, --stable,
 * bce, signed inputs (--no-abs), naive overflow (nan, inf, zero target
 * rows), a naive sigmoid whose target probability rounds to 1, and a naive
 * sigmoid with 0/0 rows. Plus the layout (sections in the blog's order,
 * notes within 80 columns) and the write-error path. Run from the
 * repository root (`make test`). */
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
#include "explain.h"
#include "golden.h"
#include "options.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

/* Parses a NULL-terminated argument list (argv[0] added) into o; fails the
 * test on a parse error. */
static void parse(gradexp_options *o, const char *const *args)
{
    char err[512];
    if (golden_parse(o, args, err, sizeof err) != OPT_OK) fail_msg("options: %s", err);
}

/* A walkthrough and the run it explains. */
typedef struct {
    gradexp_options o;
    experiment e;
    char *raw;  /* the text as written */
    char *flat; /* the same with every run of white space made one space */
} run_t;

/* Parses args, computes the experiment and renders its walkthrough. */
static void run(run_t *r, const char *const *args)
{
    parse(&r->o, args);
    r->o.show = (1u << SHOW_KINDS) - 1; /* as main.c does for --explain */
    assert_int_equal(experiment_compute(&r->e, &r->o), EXP_OK);
    size_t len = 0;
    FILE *f = open_memstream(&r->raw, &len);
    assert_non_null(f);
    assert_int_equal(explain_print(f, &r->e, &r->o), EXPLAIN_OK);
    assert_int_equal(fclose(f), 0);
    r->flat = malloc(len + 1);
    assert_non_null(r->flat);
    size_t n = 0;
    for (const char *p = r->raw; *p; p++) {
        int space = *p == ' ' || *p == '\n';
        if (space && (n == 0 || r->flat[n - 1] == ' ')) continue;
        r->flat[n++] = (char)(space ? ' ' : *p); /* ' ' is an int constant */
    }
    r->flat[n] = '\0';
}

static void run_free(run_t *r)
{
    experiment_free(&r->e);
    free(r->raw);
    free(r->flat);
}

/* The walkthrough contains s (white space folded as in r->flat). */
static void has(const run_t *r, const char *s)
{
    if (!strstr(r->flat, s)) fail_msg("walkthrough lacks \"%s\"\n%s", s, r->raw);
}

static void lacks(const run_t *r, const char *s)
{
    if (strstr(r->flat, s)) fail_msg("walkthrough has \"%s\"\n%s", s, r->raw);
}

/* Index of the head of kind k in r's experiment. */
static int head_of(const run_t *r, loss_kind k)
{
    for (int h = 0; h < r->e.nheads; h++)
        if (r->e.heads[h].kind == k) return h;
    fail_msg("no %s head", LOSS_NAMES[k]);
    return -1;
}

/* The part of the flat text that belongs to head h (up to the next "=="). */
static char *head_text(const run_t *r, int h)
{
    char mark[32];
    snprintf(mark, sizeof mark, "== Head %d of", h + 1);
    const char *a = strstr(r->flat, mark);
    assert_non_null(a);
    const char *b = strstr(a + 2, "== ");
    size_t n = b ? (size_t)(b - a) : strlen(a);
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, a, n);
    s[n] = '\0';
    return s;
}

static void head_has(const run_t *r, int h, const char *s)
{
    char *t = head_text(r, h);
    if (!strstr(t, s)) fail_msg("head %d lacks \"%s\"\n%s", h + 1, s, t);
    free(t);
}

static void head_lacks(const run_t *r, int h, const char *s)
{
    char *t = head_text(r, h);
    if (strstr(t, s)) fail_msg("head %d has \"%s\"\n%s", h + 1, s, t);
    free(t);
}

/* Row facts computed here, independently of explain.c. */
enum { T_ZERO, T_NONFINITE, T_OPP, T_SAME, T_OTHER };

static float g_at(const run_t *r, int h, size_t i, size_t j)
{
    return r->e.heads[h].dz[i] * r->e.x[j];
}

/* Classifies row i of head h's W.grad against the target row. */
static int row_class(const run_t *r, int h, size_t i)
{
    size_t F = r->e.F, t = r->o.target, zero = 0, opp = 0, same = 0;
    for (size_t j = 0; j < F; j++) {
        float g = g_at(r, h, i, j), gt = g_at(r, h, t, j);
        if (!isfinite(g)) return T_NONFINITE;
        if (g == 0) {
            zero++;
            continue;
        }
        if (gt == 0 || !isfinite(gt)) continue;
        if ((g > 0) != (gt > 0)) opp++;
        else same++;
    }
    if (zero == F) return T_ZERO;
    if (opp == F) return T_OPP;
    if (same == F) return T_SAME;
    return T_OTHER;
}

/* "Rows 0 and 2" / "Row 3" / "Rows 1, 2, 3 and 4" / "Every row" for the
 * rows of head h of class k (up to 6 rows listed). */
static void rows_phrase(char *buf, size_t len, const run_t *r, int h, int k)
{
    size_t idx[64], n = 0, C = r->e.C;
    for (size_t i = 0; i < C; i++)
        if (row_class(r, h, i) == k) {
            assert_true(n < 64);
            idx[n++] = i;
        }
    assert_true(n > 0);
    if (n == C && C > 1) {
        snprintf(buf, len, "Every row");
        return;
    }
    assert_true(n <= 6);
    size_t w = (size_t)snprintf(buf, len, n == 1 ? "Row" : "Rows");
    for (size_t q = 0; q < n; q++)
        w += (size_t)snprintf(buf + w, len - w, q == 0 ? " %zu" : q + 1 == n ? " and %zu" : ", %zu", idx[q]);
}

/* Appends s to the string in buf (len bytes), truncating if it must. */
static void append(char *buf, size_t len, const char *s)
{
    size_t used = strlen(buf);
    if (used < len) snprintf(buf + used, len - used, "%s", s);
}

/* Rows of head h with some non-zero finite entry and none non-finite. */
static size_t moving_rows(const run_t *r, int h)
{
    size_t n = 0;
    for (size_t i = 0; i < r->e.C; i++) {
        int k = row_class(r, h, i);
        n += k != T_ZERO && k != T_NONFINITE;
    }
    return n;
}

/* Every line that is not tensor text fits in 79 columns. */
static void notes_fit(const run_t *r)
{
    const char *p = r->raw;
    int in_tensor = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (!strncmp(p, "tensor(", 7)) in_tensor = 1;
        if (!in_tensor && n > 79) fail_msg("note line of %zu columns: %.*s", n, (int)n, p);
        if (in_tensor && n > 0 && (p[n - 1] == ')' || (n >= 2 && p[n - 2] == ')'))) in_tensor = 0;
        if (!nl) break;
        p = nl + 1;
    }
}

/* The number format of the notes (explain.c's num at 4 digits): fixed with
 * 4 decimals from 1e-4 up to 1e7, otherwise %.4e. */
static const char *num4(char *buf, double v)
{
    double a = fabs(v);
    if (v == 0 || (a >= 1e-4 && a < 1e7)) snprintf(buf, 64, "%.4f", v);
    else snprintf(buf, 64, "%.4e", v);
    return buf;
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                     */
/* ------------------------------------------------------------------------ */

/* The blog: only the target row moves under sigmoid, every row under
 * softmax, with the signs and sums the arrays show. */
static void test_blog(void **state)
{
    (void)state;
    run_t r = {0};
    run(&r, (const char *const[]){NULL});
    size_t C = r.e.C, F = r.e.F, t = r.o.target;
    char buf[256], n1[64];
    notes_fit(&r);
    /* the blog's order: inputs, logits, then each head */
    const char *order[] = {"== Inputs",
                           "X = randn(5)",
                           "W = randn(3, 5)",
                           "== Logits",
                           "== Head 1 of 2: sigmoid",
                           "Probabilities p = sigmoid(z)",
                           "Loss = -log p[1]",
                           "Gradient: dz",
                           "== Head 2 of 2: softmax",
                           "== Compared"};
    const char *at = r.flat;
    for (size_t q = 0; q < sizeof order / sizeof order[0]; q++) {
        const char *s = strstr(at, order[q]);
        if (!s) fail_msg("\"%s\" missing or out of order\n%s", order[q], r.raw);
        at = s;
    }
    /* the tensors are the printer's */
    assert_non_null(strstr(r.raw, "tensor([[ 0.0000,  0.0000,  0.0000,  0.0000,  0.0000],\n"
                                  "        [-0.0452, -0.0867, -0.0564, -0.0492, -0.0549],\n"
                                  "        [ 0.0000,  0.0000,  0.0000,  0.0000,  0.0000]])"));
    assert_non_null(strstr(r.raw, "tensor([[ 0.5393,  1.0346,  0.6731,  0.5868,  0.6552],\n"));

    int hs = head_of(&r, LOSS_SIGMOID), hm = head_of(&r, LOSS_SOFTMAX);
    /* sigmoid: the zero rows are exactly the non-target ones, and why */
    for (size_t i = 0; i < C; i++) assert_int_equal(row_class(&r, hs, i) == T_ZERO, i != t);
    rows_phrase(buf, sizeof buf, &r, hs, T_ZERO);
    append(buf, sizeof buf,
           " are exactly zero: the loss reads only log p[1], and under sigmoid p[1] depends on z[1] alone");
    head_has(&r, hs, buf);
    head_lacks(&r, hs, "print as -0"); /* no negative zero among them */
    /* the target row is negative in every column */
    for (size_t j = 0; j < F; j++) assert_true(g_at(&r, hs, t, j) < 0);
    snprintf(buf, sizeof buf, "Row 1, the target row, is dz[1] * X with dz[1] = %s: negative in every column.",
             num4(n1, r.e.heads[hs].dz[t]));
    head_has(&r, hs, buf);
    head_has(&r, hs, "so it raises the target's logit");
    /* sigmoid probabilities do not sum to 1 */
    double ps = 0;
    for (size_t i = 0; i < C; i++) ps += r.e.heads[hs].p[i];
    assert_true(fabs(ps - 1) > 0.5);
    snprintf(buf, sizeof buf, "They sum to %s, not 1", num4(n1, ps));
    head_has(&r, hs, buf);

    /* softmax: no zero row; the others have the opposite sign */
    for (size_t i = 0; i < C; i++) assert_int_not_equal(row_class(&r, hm, i), T_ZERO);
    head_has(&r, hm, "No row is zero");
    rows_phrase(buf, sizeof buf, &r, hm, T_OPP);
    append(buf, sizeof buf, " have the opposite sign of the target row in every column");
    head_has(&r, hm, buf);
    head_lacks(&r, hm, "the same sign as the target row");
    /* the probability sum as float32 and double give it */
    float fs = 0;
    double ds = 0;
    for (size_t i = 0; i < C; i++) fs += r.e.heads[hm].p[i], ds += r.e.heads[hm].p[i];
    if (fs == 1.0f) head_has(&r, hm, "add up to exactly 1 in float32");
    else {
        snprintf(buf, sizeof buf, "add up to %.9g in float32", (double)fs);
        head_has(&r, hm, buf);
    }
    if (ds != 1.0) {
        snprintf(buf, sizeof buf, "1 %s %.3g in double: rounding", ds < 1 ? "-" : "+", fabs(ds - 1));
        head_has(&r, hm, buf);
    }
    /* the column sums: tiny, not zero, and the largest quoted */
    double fmax = 0;
    size_t nzero = 0;
    for (size_t j = 0; j < F; j++) {
        float s = 0;
        for (size_t i = 0; i < C; i++) s += g_at(&r, hm, i, j);
        if (fabs((double)s) > fmax) fmax = fabs((double)s);
        nzero += s == 0;
    }
    assert_true(nzero < F && fmax > 0 && fmax < 1e-6);
    snprintf(buf, sizeof buf, "The largest of these is %s in size", num4(n1, fmax));
    head_has(&r, hm, buf);
    head_has(&r, hm, "tiny rather than exactly 0, within what float32 rounding");
    head_lacks(&r, hm, "Every column sums to exactly 0");

    /* the comparison */
    snprintf(buf, sizeof buf, "sigmoid %zu of %zu, softmax %zu of %zu", moving_rows(&r, hs), C, moving_rows(&r, hm), C);
    has(&r, buf);
    assert_true(r.e.heads[hs].dz[t] < 0 && r.e.heads[hm].dz[t] < 0);
    has(&r, "Every head gives the target row the same sign (dz[1] < 0)");
    lacks(&r, "nan");
    lacks(&r, "--stable");
    run_free(&r);
}

/* --stable and bce: the stable formulas are named, bce moves every row and
 * pushes the other classes down. */
static void test_stable_and_bce(void **state)
{
    (void)state;
    run_t r = {0};
    run(&r, (const char *const[]){"--loss", "all", "--stable", NULL});
    size_t C = r.e.C, t = r.o.target;
    char buf[256];
    notes_fit(&r);
    int hs = head_of(&r, LOSS_SIGMOID), hm = head_of(&r, LOSS_SOFTMAX), hb = head_of(&r, LOSS_BCE);
    head_has(&r, hs, "loss = nll_loss(logsigmoid(z), y)");
    head_has(&r, hs, "computed as -logsigmoid(z[t])");
    head_has(&r, hm, "loss = nll_loss(log_softmax(z), y)");
    rows_phrase(buf, sizeof buf, &r, hs, T_ZERO);
    append(buf, sizeof buf, " are exactly zero: the loss reads only log p[1]");
    head_has(&r, hs, buf);
    /* bce: every row moves, the other rows push their logits down */
    assert_int_equal(moving_rows(&r, hb), C);
    head_has(&r, hb, "No row is zero");
    int all_down = 1;
    for (size_t i = 0; i < C; i++)
        if (i != t && !(r.e.heads[hb].dz[i] > 0)) all_down = 0;
    assert_true(all_down);
    head_has(&r, hb, "Every other row has dz[i] = p[i] / 3 > 0: a descent step lowers their logits.");
    rows_phrase(buf, sizeof buf, &r, hb, T_OPP);
    append(buf, sizeof buf, " have the opposite sign of the target row in every column");
    head_has(&r, hb, buf);
    head_lacks(&r, hb, "are exactly zero");
    snprintf(buf, sizeof buf, "sigmoid %zu of 3, softmax %zu of 3, bce %zu of 3", moving_rows(&r, hs),
             moving_rows(&r, hm), moving_rows(&r, hb));
    has(&r, buf);
    lacks(&r, "Try --stable");
    run_free(&r);
}

/* Signed X: the rows mix signs, yet against the target row every row has
 * one sign in all columns (each row is dz[i] * X). */
static void test_signed(void **state)
{
    (void)state;
    run_t r = {0};
    run(&r, (const char *const[]){"--seed", "-7", "--classes", "5", "--features", "8", "--target", "0", "--no-abs",
                                  "--loss", "all", NULL});
    size_t C = r.e.C, F = r.e.F, t = r.o.target;
    char buf[256], n1[64];
    notes_fit(&r);
    has(&r, "X = randn(8), kept signed (--no-abs)");
    size_t xneg = 0;
    for (size_t j = 0; j < F; j++) xneg += r.e.x[j] < 0;
    assert_true(xneg > 0 && xneg < F);
    for (int h = 0; h < r.e.nheads; h++) {
        /* the target row's own signs, counted here */
        size_t neg = 0, pos = 0;
        for (size_t j = 0; j < F; j++) {
            neg += g_at(&r, h, t, j) < 0;
            pos += g_at(&r, h, t, j) > 0;
        }
        assert_true(neg > 0 && pos > 0);
        snprintf(buf, sizeof buf,
                 "is dz[0] * X with dz[0] = %s: negative in %zu and positive in %zu of its %zu "
                 "columns, as X has %zu negative entries.",
                 num4(n1, r.e.heads[h].dz[t]), neg, pos, F, xneg);
        head_has(&r, h, buf);
        /* rows that move, and how many of them mix signs */
        size_t mixed = 0;
        for (size_t i = 0; i < C; i++) {
            size_t p = 0, n = 0;
            for (size_t j = 0; j < F; j++) {
                p += g_at(&r, h, i, j) > 0;
                n += g_at(&r, h, i, j) < 0;
            }
            mixed += p && n;
        }
        if (r.e.heads[h].kind == LOSS_SIGMOID) {
            /* only the target moves: nothing to compare */
            assert_int_equal(moving_rows(&r, h), 1);
            head_lacks(&r, h, "opposite sign");
            continue;
        }
        /* every other row: one relative sign in every column */
        for (size_t i = 0; i < C; i++)
            if (i != t) assert_int_equal(row_class(&r, h, i), T_OPP);
        rows_phrase(buf, sizeof buf, &r, h, T_OPP);
        append(buf, sizeof buf, " have the opposite sign of the target row in every column");
        head_has(&r, h, buf);
        snprintf(buf, sizeof buf,
                 "X is signed (%zu of %zu entries negative), so %zu of the %zu rows that move mix "
                 "positive and negative entries",
                 xneg, F, mixed, moving_rows(&r, h));
        head_has(&r, h, buf);
        head_has(&r, h, "against the target row its sign is the same in every column");
        head_lacks(&r, h, "in some columns and the opposite sign in others");
    }
    run_free(&r);
}

/* The naive heads overflowing (examples/naive-overflow.conf): zero rows
 * with -0 and a target row whose exact gradient underflows, nan in every
 * softmax row with the reason and a --stable that is checked, a bce target
 * row that rounds to zero. */
static void test_overflow(void **state)
{
    (void)state;
    run_t r = {0};
    run(&r, (const char *const[]){"--config", "examples/naive-overflow.conf", "--loss", "all", NULL});
    size_t C = r.e.C, t = r.o.target;
    char buf[256], n1[64];
    notes_fit(&r);
    int hs = head_of(&r, LOSS_SIGMOID), hm = head_of(&r, LOSS_SOFTMAX), hb = head_of(&r, LOSS_BCE);
    /* sigmoid: every row zero, some -0, the target's exact gradient below
     * float32 */
    for (size_t i = 0; i < C; i++) assert_int_equal(row_class(&r, hs, i), T_ZERO);
    assert_true(signbit(r.e.heads[hs].dz[t]));
    head_has(&r, hs, "Every row is exactly zero (a zero keeps its sign in float32, so some print as -0).");
    double exact = -1.0 / (1.0 + exp((double)r.e.z[t]));
    assert_true((float)exact == 0.0f);
    snprintf(buf, sizeof buf,
             "Even the target row 0 is zero: its exact gradient dz[0], about -exp(-%s), is smaller "
             "than float32's smallest number",
             num4(n1, r.e.z[t]));
    head_has(&r, hs, buf);
    head_lacks(&r, hs, "--stable (logsigmoid) keeps it");
    /* softmax: p[t] is 0, every row nan, and stable is finite */
    assert_true(r.e.heads[hm].p[t] == 0.0f && isinf(r.e.heads[hm].loss));
    for (size_t i = 0; i < C; i++) assert_true(isnan(r.e.heads[hm].dz[i]));
    double zmax = -INFINITY;
    for (size_t i = 0; i < C; i++) zmax = fmax(zmax, r.e.z[i]);
    snprintf(buf, sizeof buf,
             "Every row holds nan: p[0] = softmax(z)[0] is 0 in float32 (z[0] is %s below the "
             "largest logit), so log p[0] = -inf and the loss is inf",
             num4(n1, zmax - r.e.z[t]));
    head_has(&r, hm, buf);
    head_has(&r, hm, "The loss is inf");
    gradexp_options so = r.o;
    so.stable = 1;
    experiment se;
    assert_int_equal(experiment_compute(&se, &so), EXP_OK);
    assert_int_equal(se.heads[hm].nonfinite, 0);
    experiment_free(&se);
    head_has(&r, hm, "Try --stable: log_softmax computes the log-probabilities");
    head_lacks(&r, hm, "Each column of W.grad sums to zero"); /* no sums of nan */
    /* bce: the target row alone is zero; the others push down */
    for (size_t i = 0; i < C; i++) assert_int_equal(row_class(&r, hb, i) == T_ZERO, i == t);
    head_has(&r, hb, "Row 0, the target row, is exactly zero: its exact gradient dz[0], about -exp(-");
    head_has(&r, hb, "get a gradient, but the target row is zero, so there is no sign to compare them with.");
    head_has(&r, hb, "Every other row has dz[i] = p[i] / 5 > 0");
    head_lacks(&r, hb, "--stable");
    /* the comparison counts */
    snprintf(buf, sizeof buf, "sigmoid %zu of 5, softmax %zu of 5, bce %zu of 5", moving_rows(&r, hs),
             moving_rows(&r, hm), moving_rows(&r, hb));
    has(&r, buf);
    has(&r, "The heads do not agree on the sign of the target row");
    run_free(&r);
}

/* A naive sigmoid whose target probability rounds to 1 while the exact
 * gradient still fits float32: the note says so, and that --stable keeps
 * it, which the stable experiment confirms. */
static void test_target_rounds_to_one(void **state)
{
    (void)state;
    run_t r = {0};
    run(&r, (const char *const[]){"--classes", "3", "--features", "40", "--target", "0", "--seed", "3", "--loss",
                                  "sigmoid", NULL});
    size_t t = r.o.target;
    char buf[256], n1[64];
    const head_result *h = &r.e.heads[0];
    assert_true(h->p[t] == 1.0f && h->dz[t] == 0.0f);
    double exact = -1.0 / (1.0 + exp((double)r.e.z[t]));
    assert_true((float)exact != 0.0f);
    snprintf(buf, sizeof buf, "Even the target row 0 is zero: p[0] rounded to exactly 1 in float32 (z[0] = %s)",
             num4(n1, r.e.z[t]));
    has(&r, buf);
    snprintf(buf, sizeof buf, "exactly it is %s.", num4(n1, exact));
    has(&r, buf);
    gradexp_options so = r.o;
    so.stable = 1;
    experiment se;
    assert_int_equal(experiment_compute(&se, &so), EXP_OK);
    assert_true(se.heads[0].dz[t] != 0.0f);
    snprintf(buf, sizeof buf, "--stable (logsigmoid) keeps it: dz[0] = %s.", num4(n1, se.heads[0].dz[t]));
    has(&r, buf);
    experiment_free(&se);
    run_free(&r);
}

/* --no-abs with large logits: the naive sigmoid puts nan (0/0) in rows of
 * classes whose probability rounded to 0, which should be zero. */
static void test_sigmoid_nan_rows(void **state)
{
    (void)state;
    run_t r = {0};
    run(&r, (const char *const[]){"--classes", "100", "--features", "2000", "--target", "45", "--seed", "422686734767",
                                  "--no-abs", "--loss", "sigmoid", NULL});
    size_t C = r.e.C, t = r.o.target;
    char buf[256];
    const head_result *h = &r.e.heads[0];
    size_t nan_rows[8], n = 0;
    for (size_t i = 0; i < C; i++)
        if (row_class(&r, 0, i) == T_NONFINITE) {
            assert_true(i != t && h->p[i] == 0.0f && isnan(h->dz[i]));
            assert_true(n < 8);
            nan_rows[n++] = i;
        }
    assert_int_equal(n, 2);
    snprintf(buf, sizeof buf,
             "Rows %zu and %zu hold nan: sigmoid(z[i]) is 0 in float32 there, and log's backward "
             "divides their zero upstream gradient by it, 0 / 0 = nan",
             nan_rows[0], nan_rows[1]);
    has(&r, buf);
    /* the zero rows are the other 97, summarised */
    snprintf(buf, sizeof buf, "(%zu of %zu) are exactly zero", C - 3, C);
    has(&r, buf);
    has(&r, "Try --stable: logsigmoid");
    notes_fit(&r);
    run_free(&r);
}

/* Naive softmax with the target's probability fine but another class's
 * exactly 0: log's backward makes 0/0, and softmax's backward spreads it. */
static void test_softmax_other_p0(void **state)
{
    (void)state;
    run_t r = {0};
    run(&r, (const char *const[]){"--classes", "4", "--features", "3", "--seed", "8", "--init-std", "30", "--no-abs",
                                  "--loss", "softmax", "--target", "2", NULL});
    size_t C = r.e.C, t = r.o.target;
    char buf[256];
    const head_result *h = &r.e.heads[0];
    assert_true(h->p[t] > 0.0f && isfinite(h->loss));
    size_t zero[8], n = 0;
    for (size_t k = 0; k < C; k++)
        if (k != t && h->p[k] == 0.0f) {
            assert_true(n < 8);
            zero[n++] = k;
        }
    assert_int_equal(n, 1);
    for (size_t i = 0; i < C; i++) assert_int_equal(row_class(&r, 0, i), T_NONFINITE);
    snprintf(buf, sizeof buf,
             "Every row holds nan: the softmax probability of class %zu is 0 in float32, and "
             "log's backward divides its zero upstream gradient by it, 0 / 0 = nan",
             zero[0]);
    has(&r, buf);
    has(&r, "Try --stable");
    lacks(&r, "is not finite there"); /* the generic fallback */
    run_free(&r);
}

/* A large, summarised run stays readable: the printer summarises and the
 * row lists are abbreviated. */
static void test_large(void **state)
{
    (void)state;
    run_t r = {0};
    run(&r, (const char *const[]){"--config", "examples/gpt2-head-summary.conf", "--loss", "softmax,bce", NULL});
    notes_fit(&r);
    has(&r, "W = randn(2000, 768) * 0.0360");
    has(&r, "...");
    size_t t = r.o.target;
    for (int h = 0; h < r.e.nheads; h++)
        for (size_t i = 0; i < r.e.C; i++)
            if (i != t) assert_int_equal(row_class(&r, h, i), T_OPP);
    has(&r, "Every row except row 42 has the opposite sign of the target row in every column: its dz is "
            "positive, so the same step lowers its logit.");
    assert_true(strlen(r.raw) < 40000); /* X (768 values) is printed in full */
    run_free(&r);
}

/* ------------------------------------------------------------------------ */
/* Networks and training: the facts recomputed from the network's arrays     */
/* ------------------------------------------------------------------------ */

/* Whether row i of layer l (1-based) of head h's gradient is all zeros. */
static int grad_row_zero(const run_t *r, int h, size_t l, size_t i)
{
    const experiment *e = &r->e;
    size_t I = e->spec.dims[l - 1];
    for (size_t j = 0; j < I; j++)
        if (e->heads[h].net.dW[l - 1][i * I + j] != 0.0f) return 0;
    return 1;
}

/* Whether row i of layer l of head h still has its initial bits. */
static int row_unchanged(const run_t *r, int h, size_t l, size_t i)
{
    const experiment *e = &r->e;
    size_t I = e->spec.dims[l - 1];
    return memcmp(e->heads[h].net.W[l - 1] + i * I, e->W0[l - 1] + i * I, I * sizeof(float)) == 0;
}

/* The curve note must say how the head's own curve moved. */
static void check_curve(const run_t *r, int h)
{
    const head_result *hr = &r->e.heads[h];
    long T = r->e.steps, down = 0, up = 0;
    for (long t = 0; t < T; t++) {
        down += hr->curve[t + 1] < hr->curve[t];
        up += hr->curve[t + 1] > hr->curve[t];
    }
    if (down == T) head_has(r, h, "it fell at every step.");
    else head_lacks(r, h, "it fell at every step.");
    if (up == T) head_has(r, h, "it rose at every step");
    else head_lacks(r, h, "it rose at every step");
}

/* The blog's first claim, runnable: a relu net with a naive sigmoid head
 * has zero rows only in the last layer's gradient (besides units relu
 * switched off), and training never moves the other classes' rows; the
 * softmax head moves every row. */
static void test_network_last_layer_only(void **state)
{
    (void)state;
    run_t r;
    run(&r, (const char *const[]){"--hidden", "4", "--steps", "3", "--init-std", "0.5", "--no-abs", NULL});
    const experiment *e = &r.e;
    int hs = head_of(&r, LOSS_SIGMOID), hm = head_of(&r, LOSS_SOFTMAX);
    assert_int_equal(e->L, 2);
    /* last layer: the sigmoid head's rows 0 and 2 are zero, never moved */
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(grad_row_zero(&r, hs, 2, i), i != 1);
        assert_int_equal(row_unchanged(&r, hs, 2, i), i != 1);
        assert_false(grad_row_zero(&r, hm, 2, i));
        assert_false(row_unchanged(&r, hm, 2, i));
    }
    head_has(&r, hs, "Rows 0 and 2 are exactly zero: the naive sigmoid head's loss reads z only at the target class");
    head_has(&r, hs, "Rows 0 and 2 never moved: their gradient was exactly zero at every one of the 3 steps");
    head_has(&r, hs, "only the target class's row ever moves.");
    head_has(&r, hs, "Only the last layer has the sigmoid head's zero rows");
    head_lacks(&r, hm, "only the target class's row ever moves");
    head_lacks(&r, hm, "Only the last layer");
    /* relu's dead units hold columns 0 and 1 of W2 still, but every row moves */
    head_has(&r, hm, "W2: training changed 6 of 12 weights; every row got a non-zero gradient at some step.");
    head_has(&r, hm, "No row of grad2 is zero.");
    /* hidden layer: the zero rows are exactly the units off for every input */
    size_t dead = 0;
    for (size_t u = 0; u < 4; u++) {
        int off = e->heads[hs].net.h[1][u] == 0.0f;
        dead += (size_t)off;
        assert_int_equal(grad_row_zero(&r, hs, 1, u), off);
    }
    assert_int_equal(dead, 2);
    head_has(&r, hs, "Rows 0 and 1 are exactly zero: those units of layer 1 are off (relu gives 0) for every input");
    head_has(&r, hs, "hidden row is zero except the units relu switched off.");
    check_curve(&r, hs);
    check_curve(&r, hm);
    has(&r, "Rows of the last layer that training moved: sigmoid 1 of 3, softmax 3 of 3.");
    run_free(&r);
}

/* A batch whose targets cover every class: no class row is unread, so the
 * sigmoid head moves every row too and no "last layer only" note appears;
 * tanh units are never exactly off. */
static void test_network_batch_all_classes(void **state)
{
    (void)state;
    run_t r;
    run(&r, (const char *const[]){"--hidden", "3", "--act", "tanh", "--batch", "3", "--target", "0,1,2", "--steps", "2",
                                  "--init-std", "0.5", "--no-abs", "--loss", "sigmoid", NULL});
    int h = head_of(&r, LOSS_SIGMOID);
    for (size_t i = 0; i < 3; i++) {
        assert_false(grad_row_zero(&r, h, 2, i));
        assert_false(row_unchanged(&r, h, 2, i));
        assert_false(grad_row_zero(&r, h, 1, i));
    }
    head_lacks(&r, h, "reads z only at the target");
    head_lacks(&r, h, "Only the last layer");
    head_lacks(&r, h, "relu gives 0");
    head_has(&r, h, "W2: training changed 9 of 9 weights; every row got a non-zero gradient at some step.");
    head_has(&r, h, "loss = nll_loss(log(sigmoid(z)), y), the mean over the rows");
    has(&r, "X = randn(3, 5), one input per row");
    check_curve(&r, h);
    run_free(&r);
}

/* One layer trained by the streamed path: the rows the naive sigmoid head
 * never moved are read back through the replayed weights; a learning rate
 * far too large makes the softmax curve rise. */
static void test_streamed_training(void **state)
{
    (void)state;
    run_t r;
    run(&r, (const char *const[]){"--steps", "4", "--init-std", "0.3", NULL});
    int hs = head_of(&r, LOSS_SIGMOID);
    tensor_view w0 = experiment_layer(&r.e, hs, 1, LAYER_W0), w = experiment_layer(&r.e, hs, 1, LAYER_W);
    size_t moved_rows = 0;
    for (size_t i = 0; i < w0.rows; i++) {
        int moved = 0;
        for (size_t j = 0; j < w0.cols; j++) moved |= w0.at(&w0, i, j) != w.at(&w, i, j);
        moved_rows += (size_t)moved;
        assert_int_equal(moved, i == 1);
    }
    assert_int_equal(moved_rows, 1);
    head_has(&r, hs, "Training changed 5 of 15 weights. Rows 0 and 2 never moved");
    check_curve(&r, hs);
    check_curve(&r, head_of(&r, LOSS_SOFTMAX));
    run_free(&r);

    run(&r, (const char *const[]){"--steps", "3", "--lr", "40", "--no-abs", "--loss", "softmax", "--stable", NULL});
    int h = head_of(&r, LOSS_SOFTMAX);
    check_curve(&r, h);
    const float *c = r.e.heads[h].curve;
    assert_true(c[3] != c[0]); /* the curve moved: the note says how */
    head_lacks(&r, h, "it did not change at all");
    run_free(&r);
}

/* A failing write is reported. */
static void test_write_error(void **state)
{
    (void)state;
    gradexp_options o;
    experiment e;
    parse(&o, (const char *const[]){NULL});
    assert_int_equal(experiment_compute(&e, &o), EXP_OK);
    FILE *f = fopen("/dev/full", "w");
    if (!f) skip();
    assert_int_equal(explain_print(f, &e, &o), EXPLAIN_WRITE);
    (void)fclose(f); /* /dev/full: closing fails too, as it should */
    experiment_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blog),
        cmocka_unit_test(test_stable_and_bce),
        cmocka_unit_test(test_signed),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_target_rounds_to_one),
        cmocka_unit_test(test_sigmoid_nan_rows),
        cmocka_unit_test(test_softmax_other_p0),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_network_last_layer_only),
        cmocka_unit_test(test_network_batch_all_classes),
        cmocka_unit_test(test_streamed_training),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
