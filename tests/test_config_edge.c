/* test_config_edge.c - the edges of config files and flags that the
 * hardening work (fuzzing, the bad-input table) pinned down: every boolean
 * spelling in both directions, `rng = default` and its override by a flag,
 * CRLF files loading exactly like LF ones, the bounded line reader (a line of
 * just under 4 MiB is read whole, one byte more is an error naming file:line),
 * and error messages that stay one printable line whatever control characters
 * the user's text holds (each becomes '?'). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "golden.h"
#include "options.h"

#define LINE_LIMIT ((size_t)1 << 22) /* options.c's MAX_LINE */

static char err[512];

/* Writes len bytes of text to a fresh temporary file; returns its path
 * (static storage, one file at a time). */
static const char *conf(const char *text, size_t len)
{
    static char path[64];
    strcpy(path, "/tmp/gradexp-edge-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        assert_true(n > 0);
        done += (size_t)n;
    }
    close(fd);
    return path;
}

static int load(gradexp_options *o, const char *text)
{
    const char *path = conf(text, strlen(text));
    options_defaults(o);
    err[0] = '\0';
    int rc = options_load_file(o, path, err, sizeof err);
    unlink(path);
    return rc;
}

/* Parses a NULL-terminated argument list (argv[0] added). */
static opt_status parse(gradexp_options *o, const char *const *args)
{
    return golden_parse(o, args, err, sizeof err);
}

/* Every documented true and false spelling, for every boolean key, sets the
 * field accordingly (false after true would be a duplicate key, so each
 * spelling is loaded on its own over a struct preset to the opposite). */
static void test_boolean_spellings(void **state)
{
    (void)state;
    static const char *const keys[] = {"no-abs", "stable", "explain", "gradcheck"};
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t k = 0; k < 4; k++) {
        for (size_t s = 0; s < 4; s++) {
            for (int want = 0; want <= 1; want++) {
                char text[64];
                snprintf(text, sizeof text, "%s = %s\n", keys[k], want ? yes[s] : no[s]);
                const char *path = conf(text, strlen(text));
                gradexp_options o;
                options_defaults(&o);
                o.no_abs = o.stable = o.explain = o.gradcheck = !want;
                assert_int_equal(options_load_file(&o, path, err, sizeof err), 0);
                unlink(path);
                int got = k == 0 ? o.no_abs : k == 1 ? o.stable : k == 2 ? o.explain : o.gradcheck;
                if (got != want) fail_msg("'%s' gave %d", text, got);
            }
        }
    }
    gradexp_options o;
    assert_int_equal(load(&o, "stable = True\n"), -1);
    assert_non_null(strstr(err, ":1: stable: 'True' is not true or false"));
}

/* A file turns a boolean off, the command line turns it back on. */
static void test_flag_overrides_false(void **state)
{
    (void)state;
    const char *text = "no-abs = false\nstable = off\n";
    const char *path = conf(text, strlen(text));
    gradexp_options o;
    const char *file_only[] = {"--config", path, NULL};
    assert_int_equal(parse(&o, file_only), OPT_OK);
    assert_int_equal(o.no_abs, 0);
    assert_int_equal(o.stable, 0);
    const char *both[] = {"--no-abs", "--config", path, "--stable", NULL};
    assert_int_equal(parse(&o, both), OPT_OK);
    assert_int_equal(o.no_abs, 1);
    assert_int_equal(o.stable, 1);
    unlink(path);
}

/* `rng = default` selects torch's default kernels; --rng avx2 wins. */
static void test_rng_from_file(void **state)
{
    (void)state;
    const char *text = "rng = default\n";
    const char *path = conf(text, strlen(text));
    gradexp_options o;
    const char *file_only[] = {"--config", path, NULL};
    assert_int_equal(parse(&o, file_only), OPT_OK);
    assert_int_equal(o.cpu, CPU_DEFAULT);
    const char *flag_wins[] = {"--config", path, "--rng", "avx2", NULL};
    assert_int_equal(parse(&o, flag_wins), OPT_OK);
    assert_int_equal(o.cpu, CPU_AVX2);
    unlink(path);
    assert_int_equal(load(&o, "rng = AVX2\n"), -1);
    assert_non_null(strstr(err, ":1: rng: 'AVX2' is not default, avx2, avx512, neon or native"));
}

/* The same settings with LF and with CRLF endings load to the same struct,
 * and a CRLF error names the same line and text as the LF one. */
static void test_crlf_equals_lf(void **state)
{
    (void)state;
    const char *lf = "# exp\nseed = -7\nclasses = 5\nfeatures = 8 # trailing\ntarget = 4\nno-abs = yes\n"
                     "loss = bce,softmax\nshow = z,loss\nprecision = 9\nsci-mode = off\nthreshold = 0\n";
    char crlf[512];
    size_t n = 0;
    for (const char *p = lf; *p; p++) {
        if (*p == '\n') crlf[n++] = '\r';
        crlf[n++] = *p;
    }
    crlf[n] = '\0';
    gradexp_options a, b;
    assert_int_equal(load(&a, lf), 0);
    assert_int_equal(load(&b, crlf), 0);
    assert_int_equal(a.seed, (uint64_t)-7);
    assert_int_equal(b.seed, a.seed);
    assert_int_equal(b.classes, 5);
    assert_int_equal(b.features, 8);
    assert_int_equal(b.target, 4);
    assert_int_equal(b.no_abs, 1);
    assert_int_equal(b.nlosses, 2);
    assert_int_equal(b.losses[0], LOSS_BCE);
    assert_int_equal(b.losses[1], LOSS_SOFTMAX);
    assert_int_equal(b.show, a.show);
    assert_int_equal(b.print.precision, 9);
    assert_int_equal(b.print.sci, SCI_OFF);
    assert_int_equal(b.print.threshold, 0);

    char e1[512];
    assert_int_equal(load(&a, "seed = 1\nclasses = 3x\n"), -1);
    snprintf(e1, sizeof e1, "%s", strchr(err, ':'));
    assert_int_equal(load(&b, "seed = 1\r\nclasses = 3x\r\n"), -1);
    assert_string_equal(strchr(err, ':'), e1);
    assert_string_equal(e1, ":2: classes: '3x' is not a whole number from 1 up");
}

/* A comment line of LINE_LIMIT - 1 bytes plus its newline is read whole; a
 * line one byte longer is refused with the file and line named, before any
 * memory beyond the limit is used. */
static void test_line_limit(void **state)
{
    (void)state;
    size_t n = LINE_LIMIT + 64;
    char *text = malloc(n);
    assert_non_null(text);
    /* line 1: "#" and LINE_LIMIT - 2 x's and "\n" = LINE_LIMIT bytes */
    text[0] = '#';
    memset(text + 1, 'x', LINE_LIMIT - 2);
    text[LINE_LIMIT - 1] = '\n';
    size_t len = LINE_LIMIT;
    len += (size_t)sprintf(text + len, "seed = 12\n");
    const char *path = conf(text, len);
    gradexp_options o;
    options_defaults(&o);
    assert_int_equal(options_load_file(&o, path, err, sizeof err), 0);
    assert_int_equal(o.seed, 12);
    unlink(path);

    /* line 2 one byte longer than the limit (no newline within it) */
    len = (size_t)sprintf(text, "seed = 12\n");
    text[len++] = '#';
    memset(text + len, 'y', LINE_LIMIT);
    len += LINE_LIMIT;
    path = conf(text, len);
    free(text);
    options_defaults(&o);
    assert_int_equal(options_load_file(&o, path, err, sizeof err), -1);
    char want[128];
    snprintf(want, sizeof want, "%s:2: line longer than %zu bytes", path, LINE_LIMIT);
    assert_string_equal(err, want);
    unlink(path);
}

/* Control characters in what the user typed never reach the message: it
 * stays one printable line. */
static void test_messages_one_printable_line(void **state)
{
    (void)state;
    gradexp_options o;
    const char *nl[] = {"--classes", "1\n2", NULL};
    assert_int_equal(parse(&o, nl), OPT_ERROR);
    assert_string_equal(err, "--classes: '1?2' is not a whole number from 1 up");
    const char *esc[] = {"--show", "x,\033[2J", NULL};
    assert_int_equal(parse(&o, esc), OPT_ERROR);
    assert_string_equal(err, "--show: '?[2J' is not one of x, w, h, z, p, loss, grad, all");
    const char *file[] = {"--config", "no\tsuch\rfile", NULL};
    assert_int_equal(parse(&o, file), OPT_ERROR);
    assert_string_equal(err, "no?such?file: No such file or directory");
    assert_int_equal(load(&o, "seed = 1\x1b[31m\x7f\n"), -1);
    assert_non_null(strstr(err, ":1: seed: '1?[31m?' is not a whole number"));
    assert_int_equal(load(&o, "see\bd = 1\n"), -1);
    assert_non_null(strstr(err, ":1: unknown key 'see?d'"));
    for (const char *p = err; *p; p++) assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
}

/* --help=X and --version=X name the long option, not -h / -V. */
static void test_long_option_with_value_named(void **state)
{
    (void)state;
    gradexp_options o;
    const char *h[] = {"--help=x", NULL};
    assert_int_equal(parse(&o, h), OPT_ERROR);
    assert_string_equal(err, "--help=x: unknown option (see --help)");
    const char *v[] = {"--vers=2", NULL};
    assert_int_equal(parse(&o, v), OPT_ERROR);
    assert_string_equal(err, "--vers=2: unknown option (see --help)");
    const char *x[] = {"--seed=5", "-xV", NULL};
    assert_int_equal(parse(&o, x), OPT_ERROR);
    assert_string_equal(err, "-x: unknown option (see --help)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boolean_spellings),
        cmocka_unit_test(test_flag_overrides_false),
        cmocka_unit_test(test_rng_from_file),
        cmocka_unit_test(test_crlf_equals_lf),
        cmocka_unit_test(test_line_limit),
        cmocka_unit_test(test_messages_one_printable_line),
        cmocka_unit_test(test_long_option_with_value_named),
    };
    return cmocka_run_group_tests_name("config edges", tests, NULL, NULL);
}
