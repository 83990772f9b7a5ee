/* test_ops.c - every op of ops.c against PyTorch, bit for bit: 1.13's AVX2
 * and default kernels (tests/data/ops_*.txt) and 2.6's aarch64 NEON kernels
 * (tests/data/neon/ops_*.txt, from Debian 13's arm64 torch under qemu).
 *
 * The golden data was written by real torch (tests/gen_ops_golden.py);
 * this test needs no torch. Forward and backward of each op are compared
 * separately, then the whole chain of each loss head down to W.grad.
 * Values must have the same IEEE bits (any NaN matches any NaN: torch
 * prints them all as "nan"). Paths are relative to the repository root
 * (run from there, as make does); GRADEXP_OPS_DATA names another directory
 * of the same files (then only that one is read, as 1.13's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */

#include "ops.h"
#include "torch_release.h"

#define MAX_ARRAYS 6

typedef struct {
    char name[16];
    size_t count;
    float *v;
} array;

typedef struct {
    char op[32];
    torch_cpu cpu;
    size_t n, t, f; /* row length, target, features */
    int narrays;
    array a[MAX_ARRAYS];
} tcase;

typedef struct {
    tcase *cases;
    size_t ncases;
} dataset;

/* ---------------------------------------------------------------- reading */

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            } else buf = nb;
        }
    }
    (void)fclose(fp); /* read only: nothing to lose */
    if (buf) buf[len] = '\0';
    return buf;
}

static float from_hex(const char *s, char **end)
{
    uint32_t u = (uint32_t)strtoul(s, end, 16);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* The data set being checked: its directory and the BCE formula of the
 * release that wrote it (1.13: the clamp form; 2.6: through log_sigmoid). */
static const char *data_dir = "tests/data";
static bce_form data_bce = BCE_CLAMP;

/* Parses one ops_*.txt file; fails the test on a malformed file. */
static dataset load(const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", data_dir, file);
    char *text = read_file(path);
    if (!text) fail_msg("cannot read %s (run the test from the repository root)", path);
    dataset d = {NULL, 0};
    size_t cap = 0;
    tcase *cur = NULL;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || line[0] == '\0') continue;
        if (strncmp(line, "case ", 5) == 0) {
            if (d.ncases == cap) {
                cap = cap ? 2 * cap : 256;
                tcase *grown = realloc(d.cases, cap * sizeof *d.cases);
                assert_non_null(grown);
                d.cases = grown;
            }
            cur = &d.cases[d.ncases++];
            memset(cur, 0, sizeof *cur);
            char cpu[16];
            unsigned long n, t, f;
            int k = sscanf(line + 5, "%31s %15s %lu %lu %lu", cur->op, cpu, &n, &t, &f);
            if (k != 5) fail_msg("bad case line in %s: %.60s", path, line);
            cur->cpu = strcmp(cpu, "avx2") == 0 ? CPU_AVX2 : strcmp(cpu, "neon") == 0 ? CPU_NEON : CPU_DEFAULT;
            cur->n = n, cur->t = t, cur->f = f;
            continue;
        }
        if (!cur || cur->narrays == MAX_ARRAYS) fail_msg("bad array line in %s", path);
        array *a = &cur->a[cur->narrays++];
        char *p = line;
        size_t len = strcspn(p, " ");
        if (len >= sizeof a->name) fail_msg("bad array name in %s", path);
        memcpy(a->name, p, len);
        a->name[len] = '\0';
        p += len;
        a->count = strtoul(p, &p, 10);
        a->v = malloc((a->count ? a->count : 1) * sizeof(float));
        assert_non_null(a->v);
        for (size_t i = 0; i < a->count; i++) {
            char *end;
            a->v[i] = from_hex(p, &end);
            if (end == p) fail_msg("short array %s in %s", a->name, path);
            p = end;
        }
    }
    free(text);
    if (d.ncases == 0) fail_msg("no cases in %s", path);
    return d;
}

static void unload(dataset *d)
{
    for (size_t i = 0; i < d->ncases; i++)
        for (int k = 0; k < d->cases[i].narrays; k++) free(d->cases[i].a[k].v);
    free(d->cases);
}

static const float *arr(const tcase *c, const char *name, size_t count)
{
    for (int k = 0; k < c->narrays; k++)
        if (strcmp(c->a[k].name, name) == 0) {
            if (c->a[k].count != count)
                fail_msg("%s: array %s has %zu values, want %zu", c->op, name, c->a[k].count, count);
            return c->a[k].v;
        }
    fail_msg("%s: no array %s", c->op, name);
    return NULL;
}

/* ---------------------------------------------------------------- comparing */

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static int same(float a, float b)
{
    return bits(a) == bits(b) || (a != a && b != b);
}

typedef struct {
    const char *what;
    size_t cases, bad_cases, elems, bad_elems;
} tally;

/* Compares got with want, counts, and prints the first few differences. */
static void check(tally *t, const tcase *c, const float *got, const float *want, size_t count)
{
    size_t bad = 0;
    for (size_t i = 0; i < count; i++) {
        if (same(got[i], want[i])) continue;
        if (t->bad_elems + bad < 5)
            print_message("  %s %s %s n=%zu t=%zu f=%zu: [%zu] got %a (%08x) want %a (%08x)\n", t->what, c->op,
                          torch_cpu_name(c->cpu), c->n, c->t, c->f, i, (double)got[i], bits(got[i]), (double)want[i],
                          bits(want[i]));
        bad++;
    }
    t->cases++;
    t->elems += count;
    t->bad_elems += bad;
    t->bad_cases += bad != 0;
}

static int report(const tally *t, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        print_message("%-22s %zu/%zu cases, %zu/%zu values bit-identical\n", t[i].what, t[i].cases - t[i].bad_cases,
                      t[i].cases, t[i].elems - t[i].bad_elems, t[i].elems);
        bad |= t[i].bad_elems != 0;
    }
    return bad;
}

/* ---------------------------------------------------------------- the ops */

typedef void (*fwd_fn)(float *, const float *, size_t, torch_cpu);
typedef void (*bwd_fn)(float *, const float *, const float *, size_t, torch_cpu);

/* An elementwise or row op with arrays IN OUT DOUT DIN, e.g. z p dp dz.
 * The backward's second input is OUT (bwd_uses_in = 0) or IN. */
static void run_unary(const char *file, const char *op, fwd_fn fwd, bwd_fn bwd, int bwd_uses_in, const char *names[4])
{
    dataset d = load(file);
    char fw[40], bw[40];
    snprintf(fw, sizeof fw, "%s forward", op);
    snprintf(bw, sizeof bw, "%s backward", op);
    tally t[2] = {{fw, 0, 0, 0, 0}, {bw, 0, 0, 0, 0}};
    for (size_t i = 0; i < d.ncases; i++) {
        const tcase *c = &d.cases[i];
        size_t n = c->n;
        const float *in = arr(c, names[0], n), *out = arr(c, names[1], n);
        const float *dout = arr(c, names[2], n), *din = arr(c, names[3], n);
        float *got = malloc(n * sizeof *got);
        assert_non_null(got);
        fwd(got, in, n, c->cpu);
        check(&t[0], c, got, out, n);
        bwd(got, dout, bwd_uses_in ? in : out, n, c->cpu);
        check(&t[1], c, got, din, n);
        free(got);
    }
    unload(&d);
    assert_false(report(t, 2));
}

static void test_sigmoid(void **state)
{
    (void)state;
    const char *names[4] = {"z", "p", "dp", "dz"};
    run_unary("ops_sigmoid.txt", "sigmoid", sigmoid_forward, sigmoid_backward, 0, names);
}

static void test_softmax(void **state)
{
    (void)state;
    const char *names[4] = {"z", "p", "dp", "dz"};
    run_unary("ops_softmax.txt", "softmax", softmax_forward, softmax_backward, 0, names);
}

static void test_log(void **state)
{
    (void)state;
    const char *names[4] = {"x", "y", "dy", "dx"};
    run_unary("ops_log.txt", "log", log_forward, log_backward, 1, names);
}

static void test_logsigmoid(void **state)
{
    (void)state;
    const char *names[4] = {"z", "y", "dy", "dz"};
    run_unary("ops_logsigmoid.txt", "logsigmoid", logsigmoid_forward, logsigmoid_backward, 1, names);
}

static void test_log_softmax(void **state)
{
    (void)state;
    const char *names[4] = {"z", "y", "dy", "dz"};
    run_unary("ops_log_softmax.txt", "log_softmax", log_softmax_forward, log_softmax_backward, 0, names);
}

static void test_linear(void **state)
{
    (void)state;
    dataset d = load("ops_linear.txt");
    tally t[2] = {{"linear forward", 0, 0, 0, 0}, {"linear backward", 0, 0, 0, 0}};
    for (size_t i = 0; i < d.ncases; i++) {
        const tcase *c = &d.cases[i];
        size_t C = c->n, F = c->f;
        const float *W = arr(c, "W", C * F), *x = arr(c, "x", F), *z = arr(c, "z", C);
        const float *dz = arr(c, "dz", C), *dW = arr(c, "dW", C * F);
        float *got = malloc(C * F * sizeof *got);
        assert_non_null(got);
        linear_forward(got, W, x, C, F, cpu_blas_fma(c->cpu));
        check(&t[0], c, got, z, C);
        linear_backward(got, dz, x, C, F);
        check(&t[1], c, got, dW, C * F);
        free(got);
    }
    unload(&d);
    assert_false(report(t, 2));
}

static void test_nll(void **state)
{
    (void)state;
    dataset d = load("ops_nll.txt");
    tally t[2] = {{"nll forward", 0, 0, 0, 0}, {"nll backward", 0, 0, 0, 0}};
    for (size_t i = 0; i < d.ncases; i++) {
        const tcase *c = &d.cases[i];
        const float *logp = arr(c, "logp", c->n), *loss = arr(c, "loss", 1);
        const float *dlogp = arr(c, "dlogp", c->n);
        float got = nll_forward(logp, c->n, c->t);
        check(&t[0], c, &got, loss, 1);
        float *g = malloc(c->n * sizeof *g);
        assert_non_null(g);
        nll_backward(g, c->n, c->t);
        check(&t[1], c, g, dlogp, c->n);
        free(g);
    }
    unload(&d);
    assert_false(report(t, 2));
}

static void test_bce(void **state)
{
    (void)state;
    dataset d = load("ops_bce.txt");
    tally t[2] = {{"bce forward", 0, 0, 0, 0}, {"bce backward", 0, 0, 0, 0}};
    for (size_t i = 0; i < d.ncases; i++) {
        const tcase *c = &d.cases[i];
        const float *z = arr(c, "z", c->n), *loss = arr(c, "loss", 1), *dz = arr(c, "dz", c->n);
        float got = bce_forward(z, c->n, c->t, data_bce, c->cpu);
        check(&t[0], c, &got, loss, 1);
        float *g = malloc(c->n * sizeof *g);
        assert_non_null(g);
        bce_backward(g, z, c->n, c->t, c->cpu);
        check(&t[1], c, g, dz, c->n);
        free(g);
    }
    unload(&d);
    assert_false(report(t, 2));
}

/* One loss head as torch_ref.py runs it: loss and W.grad. Scratch: 4*C
 * floats; dW: C*F. */
static float run_chain(const char *head, float *dW, float *s, const float *W, const float *x, size_t C, size_t F,
                       size_t target, torch_cpu cpu)
{
    float *z = s, *p = s + C, *logp = s + 2 * C, *g = s + 3 * C;
    float loss;
    linear_forward(z, W, x, C, F, cpu_blas_fma(cpu));
    if (strcmp(head, "bce") == 0) {
        loss = bce_forward(z, C, target, data_bce, cpu);
        bce_backward(g, z, C, target, cpu);
    } else if (strcmp(head, "sigmoid") == 0 || strcmp(head, "softmax") == 0) {
        int sig = head[1] == 'i';
        if (sig) sigmoid_forward(p, z, C, cpu);
        else softmax_forward(p, z, C, cpu);
        log_forward(logp, p, C, cpu);
        loss = nll_forward(logp, C, target);
        nll_backward(g, C, target);
        log_backward(logp, g, p, C, cpu); /* logp now holds dp */
        if (sig) sigmoid_backward(g, logp, p, C, cpu);
        else softmax_backward(g, logp, p, C, cpu);
    } else if (strcmp(head, "sigmoid_stable") == 0) {
        logsigmoid_forward(logp, z, C, cpu);
        loss = nll_forward(logp, C, target);
        nll_backward(p, C, target);
        logsigmoid_backward(g, p, z, C, cpu);
    } else {
        log_softmax_forward(logp, z, C, cpu);
        loss = nll_forward(logp, C, target);
        nll_backward(p, C, target);
        log_softmax_backward(g, p, logp, C, cpu);
    }
    linear_backward(dW, g, x, C, F);
    return loss;
}

static void test_chain(void **state)
{
    (void)state;
    dataset d = load("ops_chain.txt");
    tally t[2] = {{"chain loss", 0, 0, 0, 0}, {"chain W.grad", 0, 0, 0, 0}};
    for (size_t i = 0; i < d.ncases; i++) {
        const tcase *c = &d.cases[i];
        size_t C = c->n, F = c->f;
        const float *W = arr(c, "W", C * F), *x = arr(c, "x", F);
        const float *loss = arr(c, "loss", 1), *grad = arr(c, "grad", C * F);
        if (strncmp(c->op, "chain_", 6) != 0) fail_msg("bad chain op %s", c->op);
        float *s = malloc((4 * C + C * F) * sizeof *s);
        assert_non_null(s);
        float got = run_chain(c->op + 6, s + 4 * C, s, W, x, C, F, c->t, c->cpu);
        check(&t[0], c, &got, loss, 1);
        check(&t[1], c, s + 4 * C, grad, C * F);
        free(s);
    }
    unload(&d);
    assert_false(report(t, 2));
}

static int use_neon(void **state)
{
    (void)state;
    data_dir = "tests/data/neon";
    data_bce = BCE_LOGSIGMOID;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear), cmocka_unit_test(test_sigmoid),    cmocka_unit_test(test_softmax),
        cmocka_unit_test(test_log),    cmocka_unit_test(test_logsigmoid), cmocka_unit_test(test_log_softmax),
        cmocka_unit_test(test_nll),    cmocka_unit_test(test_bce),        cmocka_unit_test(test_chain),
    };
    const char *dir = getenv("GRADEXP_OPS_DATA");
    if (dir) {
        data_dir = dir;
        return cmocka_run_group_tests_name("ops", tests, NULL, NULL);
    }
    int failed = cmocka_run_group_tests_name("ops (1.13: avx2, default)", tests, NULL, NULL);
    return failed + cmocka_run_group_tests_name("ops (2.6 arm64: neon)", tests, use_neon, NULL);
}
