/* test_json_print.c - cmocka suite for src/json_print.c (--format json).
 *
 * Parse-free checks of the document: its layout and member order, that it
 * is well nested and every number follows JSON's grammar, that every value
 * read back with strtof has exactly the bits experiment_view gives, the
 * seed at both ends of its range, the encoding of nan, inf, -inf and -0,
 * the losses and warnings, and the write-error path (/dev/full). The float
 * formatter is checked on special values and on random bit patterns for
 * round trip and shortness against glibc's printf. Run from the repository
 * root (`make test`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "json_print.h"
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

/* json_print of e under o into a new string (caller frees). */
static char *render(experiment *e, const gradexp_options *o)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(json_print(f, e, o), 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(strlen(text), len);
    return text;
}

/* Parses args, computes the experiment and renders it; *e is left computed
 * (caller frees it and the text). */
static char *run(experiment *e, gradexp_options *o, const char *const *args)
{
    parse(o, args);
    assert_int_equal(experiment_compute(e, o), EXP_OK);
    return render(e, o);
}

/* Length of the JSON number at s (RFC 8259 grammar), or 0 if s does not
 * start with one. */
static size_t json_number_len(const char *s)
{
    const char *p = s;
    if (*p == '-') p++;
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9') p++;
    else return 0;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9')) return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    return (size_t)(p - s);
}

/* Checks the text is one well-nested value: brackets balance outside
 * strings, strings close, every bare token is a JSON number, true, false
 * or null. */
static void assert_well_formed(const char *text)
{
    char stack[64];
    int depth = 0;
    for (const char *p = text; *p;) {
        char c = *p;
        if (c == '{' || c == '[') {
            assert_true(depth < 64);
            stack[depth++] = c;
            p++;
        } else if (c == '}' || c == ']') {
            assert_true(depth > 0);
            assert_int_equal(stack[--depth], c == '}' ? '{' : '[');
            p++;
        } else if (c == '"') {
            for (p++; *p && *p != '"'; p++) {
                assert_true((unsigned char)*p >= 0x20);
                if (*p == '\\') p++;
            }
            assert_int_equal(*p, '"');
            p++;
        } else if (c == ',' || c == ':' || c == ' ' || c == '\n') {
            p++;
        } else if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4)) {
            p += 4;
        } else if (!strncmp(p, "false", 5)) {
            p += 5;
        } else {
            size_t n = json_number_len(p);
            if (n == 0) fail_msg("not JSON at: %.40s", p);
            p += n;
        }
    }
    assert_int_equal(depth, 0);
}

/* Reads the next value of a "values" member at *pp: a number (strtof) or
 * one of the strings "nan", "inf", "-inf"; skips brackets, commas and
 * white space before it. */
static float next_value(const char **pp)
{
    const char *p = *pp;
    while (*p == '[' || *p == ']' || *p == ',' || *p == ' ' || *p == '\n') p++;
    float v = 0;
    if (*p == '"') {
        if (!strncmp(p, "\"nan\"", 5)) v = NAN, p += 5;
        else if (!strncmp(p, "\"inf\"", 5)) v = INFINITY, p += 5;
        else if (!strncmp(p, "\"-inf\"", 6)) v = -INFINITY, p += 6;
        else fail_msg("unexpected string at %.20s", p);
    } else {
        size_t n = json_number_len(p);
        if (n == 0) fail_msg("not a number at %.20s", p);
        char *end;
        v = strtof(p, &end);
        assert_ptr_equal(end, p + n);
        p = end;
    }
    *pp = p;
    return v;
}

/* Whether a and b are the same float: equal bits, or both nan. */
static int same_float(float a, float b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    uint32_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x == y;
}

/* Finds the tensor called name in text and checks its shape and that its
 * values read back bit for bit as the view's elements, in row-major order;
 * returns the number of values. */
static size_t check_tensor(const char *text, const char *name, const tensor_view *t)
{
    char key[96], shape[160];
    snprintf(key, sizeof key, "{\"name\": \"%s\", \"shape\": [", name);
    const char *p = strstr(text, key);
    if (!p) fail_msg("tensor %s missing", name);
    if (t->ndim == 0) snprintf(shape, sizeof shape, "%s], \"values\": ", key);
    else if (t->ndim == 1) snprintf(shape, sizeof shape, "%s%zu], \"values\": [", key, t->cols);
    else snprintf(shape, sizeof shape, "%s%zu, %zu], \"values\": [", key, t->rows, t->cols);
    assert_memory_equal(p, shape, strlen(shape));
    p += strlen(shape) - (t->ndim ? 1 : 0);
    size_t n = 0;
    for (size_t i = 0; i < t->rows; i++)
        for (size_t j = 0; j < t->cols; j++, n++) {
            float want = t->at(t, i, j), got = next_value(&p);
            if (!same_float(got, want)) fail_msg("%s[%zu][%zu]: read %a, want %a", name, i, j, got, want);
        }
    while (*p == ']' || *p == '\n' || *p == ' ') p++;
    assert_int_equal(*p, '}');
    return n;
}

/* Checks every shown tensor of a computed experiment against its view. */
static void check_all_tensors(const char *text, experiment *e, const gradexp_options *o)
{
    float scalar;
    char name[64];
    for (int part = SHOW_X; part < SHOW_KINDS; part++) {
        if (!(o->show & (1u << part)) || part == SHOW_H) continue;
        for (int h = part <= SHOW_W ? -1 : 0; h < (part <= SHOW_W ? 0 : e->nheads); h++) {
            if (h < 0) snprintf(name, sizeof name, "%s", SHOW_NAMES[part]);
            else snprintf(name, sizeof name, "%s.%s", LOSS_NAMES[e->heads[h].kind], SHOW_NAMES[part]);
            tensor_view t = experiment_view(e, h, (show_kind)part, &scalar);
            check_tensor(text, name, &t);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* The float formatter                                                       */
/* ------------------------------------------------------------------------ */

/* Formats v and compares with want. */
static void expect_float(float v, const char *want)
{
    char buf[JSON_FLOAT_BUFSIZE];
    size_t n = json_format_float(buf, v);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_float_spelling(void **state)
{
    (void)state;
    expect_float(NAN, "\"nan\"");
    expect_float(-NAN, "\"nan\"");
    expect_float(INFINITY, "\"inf\"");
    expect_float(-INFINITY, "\"-inf\"");
    expect_float(0.0f, "0.0");
    expect_float(-0.0f, "-0.0");
    expect_float(1.0f, "1.0");
    expect_float(-2.5f, "-2.5");
    expect_float(0.1f, "0.1");
    expect_float(0.0001f, "0.0001");
    expect_float(0.00001f, "1e-05");
    expect_float(1.5e-8f, "1.5e-08");
    expect_float(123456.0f, "123456.0");
    expect_float(16777216.0f, "16777216.0");
    expect_float(1e15f, "1000000000000000.0"); /* positional up to 1e16, as repr */
    expect_float(1e16f, "1e+16");
    expect_float(3.4028235e38f, "3.4028235e+38");
    expect_float(1.17549435e-38f, "1.1754944e-38"); /* FLT_MIN */
    expect_float(1.4e-45f, "1e-45");                /* smallest subnormal */
    expect_float(-0.045181323f, "-0.045181323");
    expect_float(1.0f / 3.0f, "0.33333334");
    expect_float(33554432.0f, "33554432.0"); /* 2^25 */
    expect_float(4194304.5f, "4194304.5");   /* ulp 0.5 */
}

/* Number of significant digits in a formatted finite nonzero value. */
static int sig_digits(const char *s)
{
    int n = 0, started = 0, trailing = 0;
    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9') continue;
        if (*s != '0') started = 1;
        if (!started) continue;
        n++;
        trailing = *s == '0' ? trailing + 1 : 0;
    }
    return n - trailing;
}

/* Random bit patterns (xorshift, all exponents): the text is a JSON number
 * that reads back to the same bits, and no decimal with fewer significant
 * digits does (glibc's correctly rounded %.*e at one digit less). */
static void test_float_round_trip_and_shortest(void **state)
{
    (void)state;
    uint32_t s = 2463534242u;
    char buf[JSON_FLOAT_BUFSIZE], shorter[64];
    for (long k = 0; k < 300000; k++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        uint32_t bits = k < 256 ? (uint32_t)k << 23 : s; /* every power of two first */
        float v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v)) continue;
        size_t n = json_format_float(buf, v);
        assert_int_equal(json_number_len(buf), n);
        char *end;
        float back = strtof(buf, &end);
        assert_ptr_equal(end, buf + n);
        if (!same_float(back, v)) fail_msg("%08x: %s reads back as %a", (unsigned)bits, buf, back);
        if (v == 0) continue;
        int p = sig_digits(buf);
        assert_true(p >= 1 && p <= 9);
        if (p > 1) {
            snprintf(shorter, sizeof shorter, "%.*e", p - 2, (double)v);
            if (strtof(shorter, NULL) == v) fail_msg("%08x: %s is not shortest (%s)", (unsigned)bits, buf, shorter);
        }
        /* among decimals of that length, the nearest (ties aside) */
        snprintf(shorter, sizeof shorter, "%.*e", p - 1, (double)v);
        if (strtof(shorter, NULL) == v && strtod(shorter, NULL) != strtod(buf, NULL))
            fail_msg("%08x: %s is not the nearest (%s)", (unsigned)bits, buf, shorter);
    }
}

/* ------------------------------------------------------------------------ */
/* The document                                                              */
/* ------------------------------------------------------------------------ */

static void test_blog_document(void **state)
{
    (void)state;
    gradexp_options o;
    experiment e;
    const char *args[] = {"--format", "json", NULL};
    char *text = run(&e, &o, args);
    assert_well_formed(text);
    static const char *const in_order[] = {
        ("{\n  \"config\": {\n    \"seed\": 99,\n    \"classes\": 3,\n    \"features\": 5,\n"
         "    \"target\": 1,\n    \"no-abs\": false,\n    \"init-std\": null,\n"
         "    \"loss\": [\"sigmoid\", \"softmax\"],\n    \"stable\": false,\n    \"show\": [\"grad\"],\n"
         "    \"torch\": \"2.14\",\n    \"cpu\": \"avx2\",\n    \"precision\": 4,\n    \"linewidth\": 80,\n    \"threshold\": 1000,\n"
         "    \"edgeitems\": 3,\n    \"sci-mode\": \"auto\",\n    \"format\": \"json\",\n"),
        ("  },\n  \"tensors\": [\n    {\"name\": \"sigmoid.grad\", \"shape\": [3, 5], \"values\": [\n"
         "      [0.0, 0.0, 0.0, 0.0, 0.0],\n      [-0.045181323, "),
        "{\"name\": \"softmax.grad\", \"shape\": [3, 5], \"values\": [\n      [0.53932375, ",
        "\n  ],\n  \"losses\": [\n    {\"head\": \"sigmoid\", \"loss\": ",
        "},\n    {\"head\": \"softmax\", \"loss\": ",
        "}\n  ],\n  \"warnings\": []\n}\n",
    };
    const char *p = text;
    for (size_t i = 0; i < sizeof in_order / sizeof *in_order; i++) {
        const char *q = strstr(p, in_order[i]);
        if (!q) fail_msg("missing or out of order: %s", in_order[i]);
        p = q + strlen(in_order[i]);
    }
    assert_int_equal(*p, '\0');
    check_all_tensors(text, &e, &o);
    /* the losses, bit for bit */
    for (int h = 0; h < e.nheads; h++) {
        char key[64];
        snprintf(key, sizeof key, "{\"head\": \"%s\", \"loss\": ", LOSS_NAMES[e.heads[h].kind]);
        const char *q = strstr(text, key);
        assert_non_null(q);
        q += strlen(key);
        assert_true(same_float(next_value(&q), e.heads[h].loss));
    }
    free(text);
    experiment_free(&e);
}

/* Every part of every head, in several configurations: values read back
 * exactly, the document is well formed, losses are always there. */
/* Networks and training: every named tensor (w1.., h1.., curve, grad1..,
 * the trained weights) is in the document with its values, in the list's
 * order, and the config carries the network settings. */
static void test_layers_and_training(void **state)
{
    (void)state;
    static const char *const configs[][20] = {
        {"--hidden", "3,2", "--batch", "2", "--target", "0,2", "--steps", "2", "--show", "all", "--loss", "all", NULL},
        {"--steps", "3", "--show", "w,loss,grad", "--classes", "17", "--features", "9", NULL},
        {"--hidden", "4", "--act", "tanh", "--show", "h,grad", NULL},
    };
    for (size_t c = 0; c < sizeof configs / sizeof *configs; c++) {
        gradexp_options o;
        experiment e;
        char *text = run(&e, &o, configs[c]);
        assert_well_formed(text);
        named_tensor *list = malloc(MAX_NAMED * sizeof *list);
        assert_non_null(list);
        size_t n = experiment_tensors(&e, &o, list, MAX_NAMED);
        assert_true(n > 0);
        const char *last = text;
        for (size_t i = 0; i < n; i++) {
            char name[64], key[96];
            if (list[i].head) snprintf(name, sizeof name, "%s.%s", list[i].head, list[i].part);
            else snprintf(name, sizeof name, "%s", list[i].part);
            check_tensor(text, name, &list[i].view);
            snprintf(key, sizeof key, "{\"name\": \"%s\"", name);
            const char *at = strstr(text, key);
            assert_true(at != NULL && at > last); /* in the list's order */
            last = at;
        }
        if (o.steps > 0) assert_non_null(strstr(text, ".curve\", \"shape\": ["));
        if (o.nhidden > 0) assert_non_null(strstr(text, "\"hidden\": ["));
        else assert_null(strstr(text, "\"hidden\""));
        if (o.steps > 0) assert_non_null(strstr(text, "\"steps\": "));
        free(list);
        free(text);
        experiment_free(&e);
    }
}

static void test_values_round_trip(void **state)
{
    (void)state;
    static const char *const configs[][16] = {
        {"--show", "all", "--loss", "all", NULL},
        {"--show", "all", "--loss", "all", "--stable", "--no-abs", "--seed", "-1", NULL},
        {"--show", "x,w,loss,grad", "--classes", "40", "--features", "33", "--init-std", "0.036", NULL},
        {"--show", "z,p", "--loss", "bce,softmax,bce", "--rng", "default", "--seed", "18446744073709551615", NULL},
        {"--show", "w,grad", "--classes", "1", "--features", "1", "--target", "0", NULL},
        {"--show", "all", "--seed", "4", "--classes", "5", "--features", "10000", "--target", "0", NULL},
    };
    for (size_t c = 0; c < sizeof configs / sizeof *configs; c++) {
        gradexp_options o;
        experiment e;
        char *text = run(&e, &o, configs[c]);
        assert_well_formed(text);
        check_all_tensors(text, &e, &o);
        assert_non_null(strstr(text, "\"losses\": [\n    {\"head\": "));
        for (int h = 0; h < e.nheads; h++) {
            char key[64];
            snprintf(key, sizeof key, "{\"head\": \"%s\", \"loss\": ", LOSS_NAMES[e.heads[h].kind]);
            assert_non_null(strstr(text, key));
        }
        free(text);
        experiment_free(&e);
    }
}

/* The seed is the integer the user wrote, at both ends of torch's range. */
static void test_seed_as_given(void **state)
{
    (void)state;
    static const char *const seeds[][2] = {
        {"0", "0"},
        {"-0", "0"},
        {"99", "99"},
        {"+7", "7"},
        {"-1", "-1"},
        {"18446744073709551615", "18446744073709551615"},
        {"-9223372036854775808", "-9223372036854775808"},
        {"9223372036854775808", "9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
        gradexp_options o;
        experiment e;
        char arg[64], want[96];
        snprintf(arg, sizeof arg, "--seed=%s", seeds[i][0]);
        const char *args[] = {arg, "--format", "json", NULL};
        char *text = run(&e, &o, args);
        snprintf(want, sizeof want, "\n    \"seed\": %s,\n", seeds[i][1]);
        if (!strstr(text, want)) fail_msg("seed %s: want %s", seeds[i][0], want);
        assert_well_formed(text);
        free(text);
        experiment_free(&e);
    }
}

/* nan, inf, -inf and -0 in a hand-built experiment: X holds them, dz = 1,
 * so W.grad repeats them; the loss is nan and a warning is listed. */
static void test_nonfinite_and_negative_zero(void **state)
{
    (void)state;
    gradexp_options o;
    const char *args[] = {"--classes", "1",       "--features", "5",           "--target", "0",
                          "--loss",    "sigmoid", "--show",     "x,loss,grad", NULL};
    parse(&o, args);
    float x[5] = {NAN, INFINITY, -INFINITY, -0.0f, 0.5f};
    float z[1] = {0}, p[1] = {0.5f}, logp[1] = {NAN}, dz[1] = {1.0f};
    experiment e;
    memset(&e, 0, sizeof e);
    e.C = 1;
    e.F = 5;
    e.N = 1;
    e.L = 1;
    e.x = x;
    e.z = z;
    e.nheads = 1;
    e.heads[0].kind = LOSS_SIGMOID;
    e.heads[0].p = p;
    e.heads[0].logp = logp;
    e.heads[0].dz = dz;
    e.heads[0].loss = NAN;
    e.heads[0].nonfinite = 1;
    char *text = render(&e, &o);
    assert_well_formed(text);
    assert_non_null(strstr(text, "{\"name\": \"x\", \"shape\": [5], \"values\": "
                                 "[\"nan\", \"inf\", \"-inf\", -0.0, 0.5]}"));
    assert_non_null(strstr(text, "{\"name\": \"sigmoid.loss\", \"shape\": [], \"values\": \"nan\"}"));
    assert_non_null(strstr(text, "{\"name\": \"sigmoid.grad\", \"shape\": [1, 5], \"values\": [\n"
                                 "      [\"nan\", \"inf\", \"-inf\", -0.0, 0.5]\n    ]}"));
    assert_non_null(strstr(text, "{\"head\": \"sigmoid\", \"loss\": \"nan\"}"));
    assert_non_null(strstr(text, "\"warnings\": [\n    \"the naive sigmoid head gave nan or inf"));
    check_all_tensors(text, &e, &o);
    free(text);

    /* --stable and bce heads never warn */
    char msg[256] = "untouched";
    o.stable = 1;
    assert_int_equal(json_head_warning(&e, &o, 0, msg, sizeof msg), 0);
    o.stable = 0;
    e.heads[0].kind = LOSS_BCE;
    assert_int_equal(json_head_warning(&e, &o, 0, msg, sizeof msg), 0);
    assert_string_equal(msg, "untouched");
    e.heads[0].kind = LOSS_SOFTMAX;
    assert_int_equal(json_head_warning(&e, &o, 0, msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "naive softmax head"));
}

/* The naive overflow example: PyTorch's -0, inf and nan come out as -0.0
 * and strings, and the warning is in the document. */
static void test_naive_overflow(void **state)
{
    (void)state;
    gradexp_options o;
    experiment e;
    const char *args[] = {"--config", "examples/naive-overflow.conf", "--format", "json", NULL};
    char *text = run(&e, &o, args);
    assert_well_formed(text);
    assert_non_null(strstr(text, "-0.0"));
    assert_non_null(strstr(text, "\"inf\""));
    assert_non_null(strstr(text, "\"nan\""));
    assert_null(strstr(text, "\"warnings\": []"));
    assert_non_null(strstr(text, "the naive softmax head gave nan or inf"));
    check_all_tensors(text, &e, &o);
    free(text);
    experiment_free(&e);
}

/* init-std is the shortest double that reads back; the explicit settings
 * are echoed. */
static void test_config_echo(void **state)
{
    (void)state;
    gradexp_options o;
    experiment e;
    const char *args[] = {"--init-std",  "0.036", "--no-abs", "--stable", "--rng",  "default", "--sci-mode", "off",
                          "--precision", "6",     "--show",   "grad,x",   "--loss", "bce",     "--color",    NULL};
    char *text = run(&e, &o, args);
    static const char *const want[] = {
        "\"no-abs\": true,", "\"init-std\": 0.036,",         "\"loss\": [\"bce\"],",
        "\"stable\": true,", "\"show\": [\"x\", \"grad\"],", "\"cpu\": \"default\",",
        "\"precision\": 6,", "\"sci-mode\": \"off\",",       "\"color\": \"always\",",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (!strstr(text, want[i])) fail_msg("missing %s", want[i]);
    free(text);
    experiment_free(&e);
}

/* A full device: -1 with errno ENOSPC, never a crash or a hang. */
static void test_write_error(void **state)
{
    (void)state;
    gradexp_options o;
    experiment e;
    const char *args[] = {"--show", "all", "--classes", "300", "--features", "300", NULL};
    parse(&o, args);
    assert_int_equal(experiment_compute(&e, &o), EXP_OK);
    FILE *f = fopen("/dev/full", "w");
    if (!f) skip();
    errno = 0;
    assert_int_equal(json_print(f, &e, &o), -1);
    assert_int_equal(errno, ENOSPC);
    (void)fclose(f); /* /dev/full: closing fails too, as it should */
    experiment_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_spelling),      cmocka_unit_test(test_float_round_trip_and_shortest),
        cmocka_unit_test(test_blog_document),       cmocka_unit_test(test_values_round_trip),
        cmocka_unit_test(test_seed_as_given),       cmocka_unit_test(test_nonfinite_and_negative_zero),
        cmocka_unit_test(test_naive_overflow),      cmocka_unit_test(test_config_echo),
        cmocka_unit_test(test_layers_and_training), cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
