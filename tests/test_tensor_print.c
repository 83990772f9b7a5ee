/* test_tensor_print.c - cmocka suite for src/tensor_print.c.
 *
 * The main test replays tests/data/print_golden.txt (written by
 * tests/gen_print_golden.py with real PyTorch 1.13) and compares the printer's
 * text byte for byte; run from the repository root, as `make test` does, so
 * no torch is needed here. Further tests check the number formatters against
 * glibc on random bit patterns, the write-error path (/dev/full), that a
 * summarised view of a huge virtual tensor reads only its edge items, the
 * cases where PyTorch raises, empty tensors and the dense views. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor_print.h"

#define GOLDEN_PATH "tests/data/print_golden.txt"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

/* Prints t with o into a freshly allocated string (*text, caller frees) and
 * returns tensor_print's status. */
static int print_to_string(const tensor_view *t, const print_options *o, char **text, size_t *len)
{
    FILE *f = open_memstream(text, len);
    assert_non_null(f);
    int rc = tensor_print(f, t, o);
    assert_int_equal(fclose(f), 0);
    return rc;
}

/* The golden file's virtual element: hashval(seed, shift, k), exact in
 * float32 (see tests/gen_print_golden.py). */
static float hashval(uint32_t seed, int shift, uint64_t k)
{
    uint32_t x = (uint32_t)k * 2654435761u + seed;
    x ^= x >> 16;
    x *= 0x45d9f3bu;
    x ^= x >> 16;
    return ldexpf((float)((int32_t)(x >> 8) - 8388608), -(shift + (int)(x & 7)));
}

typedef struct {
    uint32_t seed;
    int shift;
    size_t calls;
} virt_ctx;

/* Accessor of the golden virtual tensors: element (i, j) = hashval(i + j);
 * counts its calls. */
static float virt_at(const tensor_view *t, size_t i, size_t j)
{
    virt_ctx *c = (virt_ctx *)t->ctx2;
    c->calls++;
    return hashval(c->seed, c->shift, (uint64_t)i + j);
}

/* ------------------------------------------------------------------------ */
/* Golden cases                                                              */
/* ------------------------------------------------------------------------ */

typedef struct {
    FILE *f;
    char *line;
    size_t cap;
    long lineno;
} reader;

/* Reads the next line without its newline into r->line; returns its length,
 * or -1 at end of file. */
static long next_line(reader *r)
{
    ssize_t n = getline(&r->line, &r->cap, r->f);
    if (n < 0) return -1;
    r->lineno++;
    if (n > 0 && r->line[n - 1] == '\n') r->line[--n] = '\0';
    return (long)n;
}

/* Parses the "data" line's hex words into a new array of want floats. */
static float *parse_data(const char *s, size_t want)
{
    float *v = malloc((want ? want : 1) * sizeof *v);
    assert_non_null(v);
    const char *p = s;
    for (size_t k = 0; k < want; k++) {
        char *end;
        unsigned long bits = strtoul(p, &end, 16);
        assert_true(end != p);
        uint32_t b = (uint32_t)bits;
        memcpy(&v[k], &b, sizeof b);
        p = end;
    }
    return v;
}

/* Shows the first differing line of got and want for a failing case. */
static void show_diff(const char *name, const char *got, const char *want)
{
    size_t i = 0, line = 1, start = 0;
    while (got[i] && got[i] == want[i]) {
        if (got[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    const char *g = got + start, *w = want + start;
    int gl = (int)strcspn(g, "\n"), wl = (int)strcspn(w, "\n");
    print_error("case %s differs at line %zu:\n  got:  %.*s\n  want: %.*s\n", name, line, gl, g, wl, w);
}

static void test_golden(void **state)
{
    (void)state;
    reader r = {fopen(GOLDEN_PATH, "r"), NULL, 0, 0};
    if (!r.f) fail_msg("cannot open %s (run from the repository root)", GOLDEN_PATH);
    char name[256] = "";
    print_options o = PRINT_OPTIONS_DEFAULT;
    int ndim = 0;
    size_t rows = 1, cols = 1;
    float *data = NULL;
    virt_ctx vc = {0, 0, 0};
    int have_virt = 0;
    long cases = 0, failures = 0, declared = -1;
    while (next_line(&r) >= 0) {
        char *ln = r.line;
        if (ln[0] == '#') {
            (void)sscanf(ln, "# cases %ld", &declared); /* only the "# cases N" comment sets it */
            continue;
        }
        if (!strncmp(ln, "case ", 5)) {
            snprintf(name, sizeof name, "%s", ln + 5);
            free(data);
            data = NULL;
            have_virt = 0;
        } else if (!strncmp(ln, "opts ", 5)) {
            char sci[8];
            assert_int_equal(
                sscanf(ln + 5, "%d %ld %ld %ld %7s", &o.precision, &o.threshold, &o.edgeitems, &o.linewidth, sci), 5);
            o.sci = !strcmp(sci, "on") ? SCI_ON : !strcmp(sci, "off") ? SCI_OFF : SCI_AUTO;
        } else if (!strncmp(ln, "shape ", 6)) {
            assert_int_equal(sscanf(ln + 6, "%d %zu %zu", &ndim, &rows, &cols), 3);
        } else if (!strncmp(ln, "data", 4)) {
            free(data); /* a second data line replaces the first */
            data = parse_data(ln + 4, rows * cols);
        } else if (!strncmp(ln, "virt ", 5)) {
            unsigned seed;
            assert_int_equal(sscanf(ln + 5, "%u %d", &seed, &vc.shift), 2);
            vc.seed = seed;
            vc.calls = 0;
            have_virt = 1;
        } else if (!strncmp(ln, "expect ", 7) || !strcmp(ln, "raises")) {
            int raises = ln[0] == 'r';
            long nlines = raises ? 0 : atol(ln + 7);
            size_t wcap = 1024, wlen = 0;
            char *want = malloc(wcap);
            assert_non_null(want);
            for (long k = 0; k < nlines; k++) {
                long n = next_line(&r);
                assert_true(n >= 0);
                while (wlen + (size_t)n + 2 > wcap) {
                    wcap *= 2;
                    char *grown = realloc(want, wcap);
                    assert_non_null(grown);
                    want = grown;
                }
                memcpy(want + wlen, r.line, (size_t)n);
                wlen += (size_t)n;
                want[wlen++] = '\n';
            }
            want[wlen] = '\0';

            tensor_view t;
            if (have_virt) {
                t.ndim = ndim;
                t.rows = rows;
                t.cols = cols;
                t.at = virt_at;
                t.ctx = NULL;
                t.ctx2 = &vc;
            } else {
                assert_non_null(data);
                t = ndim == 0   ? tensor_view_dense0(data)
                    : ndim == 1 ? tensor_view_dense1(data, cols)
                                : tensor_view_dense2(data, rows, cols);
            }
            char *got = NULL;
            size_t glen = 0;
            int rc = print_to_string(&t, &o, &got, &glen);
            cases++;
            if (raises) {
                if (rc != TENSOR_PRINT_TORCH_RAISES || glen != 0) {
                    print_error("case %s: PyTorch raises, got rc %d and %zu bytes\n", name, rc, glen);
                    failures++;
                }
            } else if (rc != 0) {
                print_error("case %s: rc %d\n", name, rc);
                failures++;
            } else if (glen != wlen || memcmp(got, want, wlen) != 0) {
                show_diff(name, got, want);
                failures++;
            }
            free(got);
            free(want);
        } else if (ln[0] != '\0') {
            fail_msg("%s:%ld: unexpected line", GOLDEN_PATH, r.lineno);
        }
    }
    free(data);
    free(r.line);
    (void)fclose(r.f); /* read only: nothing to lose */
    print_message("%ld golden cases, %ld failures\n", cases, failures);
    assert_int_equal(cases, declared);
    assert_true(cases >= 300);
    assert_int_equal(failures, 0);
}

/* ------------------------------------------------------------------------ */
/* Number formatting                                                         */
/* ------------------------------------------------------------------------ */

/* xorshift64 for reproducible random bit patterns. */
static uint32_t next_bits(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s >> 32);
}

/* The exact fast paths agree with glibc's correctly rounded printf on random
 * float32 values of every magnitude, including ties, for precisions 0..20. */
static void test_format_matches_printf(void **state)
{
    (void)state;
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    char a[128], b[128];
    for (long it = 0; it < 150000; it++) {
        uint32_t bits = next_bits(&s);
        if (it % 3 == 1) /* everyday magnitudes */
            bits = (bits & 0x807fffffu) | ((100u + next_bits(&s) % 60u) << 23);
        else if (it % 3 == 2) /* few mantissa bits: exact decimal ties */
            bits = (bits & 0x80000000u) | ((110u + next_bits(&s) % 50u) << 23) | ((next_bits(&s) & 0xfu) << 19);
        float v;
        memcpy(&v, &bits, sizeof v);
        if (isnan(v)) continue;
        int p = (int)(it % 21);
        assert_true(tensor_format_bufsize(p) <= sizeof a);
        tensor_format_fixed(a, v, p);
        snprintf(b, sizeof b, "%.*f", p, (double)v);
        assert_string_equal(a, b);
        tensor_format_sci(a, v, p);
        snprintf(b, sizeof b, "%.*e", p, (double)v);
        assert_string_equal(a, b);
    }
}

/* Hand-checked strings, Python's spellings of the special values included. */
static void test_format_specials(void **state)
{
    (void)state;
    char buf[128];
    float negnan;
    uint32_t nb = 0xffc00000u;
    memcpy(&negnan, &nb, sizeof negnan);
    assert_int_equal(tensor_format_fixed(buf, negnan, 4), 3);
    assert_string_equal(buf, "nan");
    tensor_format_sci(buf, negnan, 4);
    assert_string_equal(buf, "nan");
    tensor_format_fixed(buf, -INFINITY, 4);
    assert_string_equal(buf, "-inf");
    tensor_format_sci(buf, INFINITY, 2);
    assert_string_equal(buf, "inf");
    tensor_format_fixed(buf, -0.0f, 4);
    assert_string_equal(buf, "-0.0000");
    tensor_format_sci(buf, -0.0f, 4);
    assert_string_equal(buf, "-0.0000e+00");
    tensor_format_sci(buf, 0.0f, 0);
    assert_string_equal(buf, "0e+00");
    tensor_format_fixed(buf, 2.5f, 0);
    assert_string_equal(buf, "2");
    tensor_format_fixed(buf, 0.125f, 2);
    assert_string_equal(buf, "0.12");
    tensor_format_sci(buf, 9.99996f, 4);
    assert_string_equal(buf, "1.0000e+01");
    tensor_format_sci(buf, 1e-5f, 4);
    assert_string_equal(buf, "1.0000e-05");
    tensor_format_fixed(buf, 3.4028234663852886e38f, 1);
    assert_string_equal(buf, "340282346638528859811704183484516925440.0");
    tensor_format_sci(buf, 1.401298464324817e-45f, 3);
    assert_string_equal(buf, "1.401e-45");
}

/* ------------------------------------------------------------------------ */
/* Errors, PyTorch's exceptions, empty tensors                               */
/* ------------------------------------------------------------------------ */

/* A failed write is reported as -1, both when the stdio buffer only fails at
 * the final flush and when the output is larger than every buffer. */
static void test_write_error(void **state)
{
    (void)state;
    print_options o = PRINT_OPTIONS_DEFAULT;
    float small[3] = {1.0f, 2.5f, -3.0f};
    tensor_view t = tensor_view_dense1(small, 3);

    FILE *f = fopen("/dev/full", "w");
    if (!f) skip();
    static char iobuf[1 << 16];
    assert_int_equal(setvbuf(f, iobuf, _IOFBF, sizeof iobuf), 0);
    assert_int_equal(tensor_print(f, &t, &o), -1);
    (void)fclose(f); /* /dev/full: closing fails too, as it should */

    f = fopen("/dev/full", "w");
    assert_non_null(f);
    assert_int_equal(setvbuf(f, NULL, _IOFBF, 4096), 0);
    virt_ctx vc = {5, 23, 0};
    tensor_view big = {1, 1, 200000, virt_at, NULL, &vc};
    o.threshold = 1000000;
    assert_int_equal(tensor_print(f, &big, &o), -1);
    /* It stops at the first failed chunk instead of formatting everything. */
    assert_true(vc.calls < 200000 + 20000);
    (void)fclose(f); /* /dev/full: closing fails too, as it should */
}

/* A summarised 100000 x 100000 virtual tensor reads at most each shown item
 * twice (statistics, then text), for several edgeitems. */
static void test_huge_view_reads_edges_only(void **state)
{
    (void)state;
    const long edges[] = {1, 3, 5, 40};
    for (size_t k = 0; k < sizeof edges / sizeof edges[0]; k++) {
        print_options o = PRINT_OPTIONS_DEFAULT;
        o.edgeitems = edges[k];
        virt_ctx vc = {77, 23, 0};
        tensor_view t = {2, 100000, 100000, virt_at, NULL, &vc};
        char *text = NULL;
        size_t len = 0;
        assert_int_equal(print_to_string(&t, &o, &text, &len), 0);
        size_t shown = (size_t)(2 * edges[k]) * (size_t)(2 * edges[k]);
        assert_true(vc.calls <= 2 * shown);
        assert_true(vc.calls >= shown);
        assert_non_null(strstr(text, "        ...,\n"));
        assert_memory_equal(text, "tensor([[", 9);
        assert_memory_equal(text + len - 4, "]])\n", 4);
        free(text);
    }
    /* 1-d: a trillion elements. */
    print_options o = PRINT_OPTIONS_DEFAULT;
    virt_ctx vc = {78, 23, 0};
    tensor_view t = {1, 1, (size_t)1000000000000ULL, virt_at, NULL, &vc};
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(print_to_string(&t, &o, &text, &len), 0);
    assert_true(vc.calls <= 12);
    assert_non_null(strstr(text, ",  ..., "));
    free(text);
}

/* The print options PyTorch refuses: nothing is written, the status says so. */
static void test_torch_raises(void **state)
{
    (void)state;
    float m[4] = {1.5f, 2.0f, 3.0f, 4.0f};
    float ints[2] = {1.0f, 2.0f};
    float zeros[2] = {0.0f, -0.0f};
    print_options o = PRINT_OPTIONS_DEFAULT;
    tensor_view t = tensor_view_dense2(m, 2, 2);
    char *text = NULL;
    size_t len = 0;

    o.threshold = 3;
    o.edgeitems = 0; /* torch.stack([]) in get_summarized_data */
    assert_int_equal(print_to_string(&t, &o, &text, &len), TENSOR_PRINT_TORCH_RAISES);
    assert_int_equal(len, 0);
    free(text);

    o = (print_options)PRINT_OPTIONS_DEFAULT;
    o.precision = -1; /* '{:.-1f}' */
    assert_int_equal(print_to_string(&t, &o, &text, &len), TENSOR_PRINT_TORCH_RAISES);
    assert_int_equal(len, 0);
    free(text);

    /* ... but integers and zeros never use the precision. */
    t = tensor_view_dense1(ints, 2);
    assert_int_equal(print_to_string(&t, &o, &text, &len), 0);
    assert_string_equal(text, "tensor([1., 2.])\n");
    free(text);
    t = tensor_view_dense1(zeros, 2);
    o.sci = SCI_ON;
    assert_int_equal(print_to_string(&t, &o, &text, &len), 0);
    assert_string_equal(text, "tensor([0., -0.])\n");
    free(text);
    t = tensor_view_dense1(ints, 2);
    assert_int_equal(print_to_string(&t, &o, &text, &len), TENSOR_PRINT_TORCH_RAISES);
    free(text);
}

/* The release rules: 1.13 measures the width before a user sci_mode is
 * applied, 2.x after (sci_first); 2.x prints edgeitems 0 as "[...]" with a
 * size suffix placed by _add_suffixes (edge0_size). Every expected string
 * is what that PyTorch printed (1.13.1 and 2.14.1). */
static void expect_text(const tensor_view *t, const print_options *o, const char *want)
{
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(print_to_string(t, o, &text, &len), 0);
    assert_string_equal(text, want);
    free(text);
}

static void test_release_rules(void **state)
{
    (void)state;
    float a[2] = {1.0f, -20.0f}, b[2] = {0.5f, -20.25f}, c[2] = {1e-5f, -1.5f}, d[2] = {1e10f, -1.0f};
    float m[4] = {1.5f, 2.0f, 3.0f, 4.0f}, s = 3.25f;
    static const char *const want113[] = {"tensor([1.0000e+00, -2.0000e+01])\n", "tensor([5.0000e-01, -2.0250e+01])\n",
                                          "tensor([     0.0000,     -1.5000])\n",
                                          "tensor([10000000000.,         -1.])\n"};
    static const char *const want214[] = {"tensor([ 1.0000e+00, -2.0000e+01])\n",
                                          "tensor([ 5.0000e-01, -2.0250e+01])\n", "tensor([ 0.0000, -1.5000])\n",
                                          "tensor([10000000000.,          -1.])\n"};
    float *vals[4] = {a, b, c, d};
    for (int first = 0; first <= 1; first++) {
        print_options o = PRINT_OPTIONS_DEFAULT;
        o.sci_first = first;
        for (int k = 0; k < 4; k++) {
            o.sci = k < 2 ? SCI_ON : SCI_OFF;
            tensor_view t = tensor_view_dense1(vals[k], 2);
            expect_text(&t, &o, first ? want214[k] : want113[k]);
        }
    }
    print_options o = PRINT_OPTIONS_DEFAULT;
    o.edge0_size = 1;
    o.edgeitems = 0;
    o.linewidth = 20;
    tensor_view t = tensor_view_dense2(m, 2, 2);
    expect_text(&t, &o,
                "tensor([[1.5000,\n         2.0000],\n        [3.0000,\n         4.0000]],\n       size=(2, 2))\n");
    o.threshold = 2;
    expect_text(&t, &o, "tensor([...],\n       size=(2, 2))\n");
    t = tensor_view_dense0(&s);
    expect_text(&t, &o, "tensor(3.2500,\n       size=())\n");
    o.linewidth = 80;
    t = tensor_view_dense1(m, 4);
    expect_text(&t, &o, "tensor([...], size=(4,))\n");
    expect_text(&t, &(print_options){4, 1000, 0, 80, SCI_AUTO, 0, 0, 1},
                "tensor([1.5000, 2.0000, 3.0000, 4.0000], size=(4,))\n");
    /* colour escapes take no room when the suffix is placed (found by fuzz_print) */
    expect_text(&t, &(print_options){4, 1000, 0, 55, SCI_AUTO, 1, 0, 1},
                "tensor([" TENSOR_COLOR_POSITIVE "1.5000" TENSOR_COLOR_RESET ", " TENSOR_COLOR_POSITIVE
                "2.0000" TENSOR_COLOR_RESET ", " TENSOR_COLOR_POSITIVE "3.0000" TENSOR_COLOR_RESET
                ", " TENSOR_COLOR_POSITIVE "4.0000" TENSOR_COLOR_RESET "], size=(4,))\n");
}

/* Empty tensors print as PyTorch prints them. */
static void test_empty(void **state)
{
    (void)state;
    float none[1] = {0};
    print_options o = PRINT_OPTIONS_DEFAULT;
    char *text = NULL;
    size_t len = 0;
    tensor_view t = tensor_view_dense1(none, 0);
    assert_int_equal(print_to_string(&t, &o, &text, &len), 0);
    assert_string_equal(text, "tensor([])\n");
    free(text);
    t = tensor_view_dense2(none, 2, 0);
    assert_int_equal(print_to_string(&t, &o, &text, &len), 0);
    assert_string_equal(text, "tensor([], size=(2, 0))\n");
    free(text);
}

/* The dense views address row-major data and fill the fields as documented. */
static void test_dense_views(void **state)
{
    (void)state;
    float d[6] = {0, 1, 2, 3, 4, 5};
    tensor_view v0 = tensor_view_dense0(d + 4);
    assert_int_equal(v0.ndim, 0);
    assert_true(v0.rows == 1 && v0.cols == 1);
    assert_true(v0.at(&v0, 0, 0) == 4.0f);
    tensor_view v1 = tensor_view_dense1(d, 6);
    assert_int_equal(v1.ndim, 1);
    assert_true(v1.rows == 1 && v1.cols == 6);
    assert_true(v1.at(&v1, 0, 5) == 5.0f);
    tensor_view v2 = tensor_view_dense2(d, 2, 3);
    assert_int_equal(v2.ndim, 2);
    assert_true(v2.rows == 2 && v2.cols == 3);
    assert_true(v2.at(&v2, 1, 0) == 3.0f);
    assert_true(v2.at(&v2, 1, 2) == 5.0f);

    print_options o = PRINT_OPTIONS_DEFAULT;
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(print_to_string(&v2, &o, &text, &len), 0);
    assert_string_equal(text, "tensor([[0., 1., 2.],\n        [3., 4., 5.]])\n");
    free(text);
    float s = 0.0766f;
    v0 = tensor_view_dense0(&s);
    assert_int_equal(print_to_string(&v0, &o, &text, &len), 0);
    assert_string_equal(text, "tensor(0.0766)\n");
    free(text);
}

/* A full print larger than the output buffer streams out whole and ends
 * correctly (the golden file holds smaller full prints). */
static void test_large_full_print(void **state)
{
    (void)state;
    print_options o = PRINT_OPTIONS_DEFAULT;
    o.threshold = 10000000;
    virt_ctx vc = {9, 23, 0};
    tensor_view t = {2, 300, 1000, virt_at, NULL, &vc};
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(print_to_string(&t, &o, &text, &len), 0);
    assert_int_equal(vc.calls, 2 * 300 * 1000);
    assert_true(len > 300000);
    size_t commas = 0, opens = 0;
    for (size_t i = 0; i < len; i++) {
        commas += text[i] == ',';
        opens += text[i] == '[';
    }
    assert_int_equal(commas, 300 * 1000 - 1);
    assert_int_equal(opens, 301);
    assert_memory_equal(text + len - 4, "]])\n", 4);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_release_rules),
        cmocka_unit_test(test_format_matches_printf),
        cmocka_unit_test(test_format_specials),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_huge_view_reads_edges_only),
        cmocka_unit_test(test_torch_raises),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_dense_views),
        cmocka_unit_test(test_large_full_print),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
