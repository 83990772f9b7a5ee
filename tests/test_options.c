/* test_options.c - flags and config files into gradexp_options: defaults,
 * every setting, precedence of the command line over the file, and the
 * error messages for bad input (flag or file:line named, nothing set). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "golden.h"
#include "options.h"

static char err[512];

/* Parses a NULL-terminated list of arguments (argv[0] added). */
static opt_status parse(gradexp_options *o, const char *const *args)
{
    return golden_parse(o, args, err, sizeof err);
}

/* Writes text to a fresh temporary file; returns its path (static). */
static const char *conf(const char *text, size_t len)
{
    static char path[64];
    strcpy(path, "/tmp/gradexp-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

static void test_defaults_are_the_blog(void **state)
{
    (void)state;
    gradexp_options o;
    const char *args[] = {NULL};
    assert_int_equal(parse(&o, args), OPT_OK);
    assert_int_equal(o.seed, 99);
    assert_int_equal(o.classes, 3);
    assert_int_equal(o.features, 5);
    assert_int_equal(o.target, 1);
    assert_int_equal(o.no_abs, 0);
    assert_int_equal(o.nlosses, 2);
    assert_int_equal(o.losses[0], LOSS_SIGMOID);
    assert_int_equal(o.losses[1], LOSS_SOFTMAX);
    assert_int_equal(o.show, 1u << SHOW_GRAD);
    assert_int_equal(o.cpu, CPU_AVX2);
    assert_int_equal(o.print.precision, 4);
    assert_int_equal(o.print.threshold, 1000);
    assert_int_equal(o.print.edgeitems, 3);
    assert_int_equal(o.print.linewidth, 80);
    assert_int_equal(o.print.sci, SCI_AUTO);
}

static void test_every_flag(void **state)
{
    (void)state;
    gradexp_options o;
    const char *args[] = {"--classes",
                          "7",
                          "--features=11",
                          "--target",
                          "6",
                          "--seed",
                          "-1",
                          "--no-abs",
                          "--stable",
                          "--init-std",
                          "0.036",
                          "--loss",
                          "bce,sigmoid,bce",
                          "--show",
                          "p,x",
                          "--rng",
                          "default",
                          "--precision",
                          "8",
                          "--linewidth",
                          "120",
                          "--threshold",
                          "0",
                          "--edgeitems",
                          "2",
                          "--sci-mode",
                          "on",
                          NULL};
    assert_int_equal(parse(&o, args), OPT_OK);
    assert_int_equal(o.classes, 7);
    assert_int_equal(o.features, 11);
    assert_int_equal(o.target, 6);
    assert_true(o.seed == UINT64_MAX);
    assert_true(o.no_abs && o.stable && o.has_init_std);
    assert_true(o.init_std == 0.036);
    assert_int_equal(o.nlosses, 3);
    assert_int_equal(o.losses[0], LOSS_BCE);
    assert_int_equal(o.losses[1], LOSS_SIGMOID);
    assert_int_equal(o.losses[2], LOSS_BCE);
    assert_int_equal(o.show, (1u << SHOW_P) | (1u << SHOW_X));
    assert_int_equal(o.cpu, CPU_DEFAULT);
    assert_int_equal(o.print.precision, 8);
    assert_int_equal(o.print.linewidth, 120);
    assert_int_equal(o.print.threshold, 0);
    assert_int_equal(o.print.edgeitems, 2);
    assert_int_equal(o.print.sci, SCI_ON);
}

static void test_all_lists(void **state)
{
    (void)state;
    gradexp_options o;
    const char *args[] = {"--loss", "all", "--show", "all", NULL};
    assert_int_equal(parse(&o, args), OPT_OK);
    assert_int_equal(o.nlosses, 3);
    assert_int_equal(o.losses[2], LOSS_BCE);
    assert_int_equal(o.show, (1u << SHOW_KINDS) - 1);
}

static void test_seed_range(void **state)
{
    (void)state;
    gradexp_options o;
    const char *lo[] = {"--seed", "-9223372036854775808", NULL};
    assert_int_equal(parse(&o, lo), OPT_OK);
    assert_true(o.seed == (uint64_t)1 << 63);
    const char *hi[] = {"--seed", "18446744073709551615", NULL};
    assert_int_equal(parse(&o, hi), OPT_OK);
    assert_true(o.seed == UINT64_MAX);
    const char *over[] = {"--seed", "18446744073709551616", NULL};
    assert_int_equal(parse(&o, over), OPT_ERROR);
    assert_non_null(strstr(err, "--seed"));
    const char *under[] = {"--seed", "-9223372036854775809", NULL};
    assert_int_equal(parse(&o, under), OPT_ERROR);
    assert_non_null(strstr(err, "out of range"));
}

static void test_config_file_and_precedence(void **state)
{
    (void)state;
    const char text[] = "# a comment\n\n  seed = 7   # trailing comment\r\nclasses=4\nfeatures = 9\n"
                        "target = 3\nno-abs = true\nloss = softmax\nshow = all\nsci-mode = off\n";
    const char *path = conf(text, sizeof text - 1);
    gradexp_options o;
    const char *args[] = {"--config", path, "--classes", "6", NULL};
    assert_int_equal(parse(&o, args), OPT_OK);
    assert_int_equal(o.seed, 7);
    assert_int_equal(o.classes, 6); /* the flag wins over the file */
    assert_int_equal(o.features, 9);
    assert_int_equal(o.target, 3);
    assert_true(o.no_abs);
    assert_int_equal(o.nlosses, 1);
    assert_int_equal(o.print.sci, SCI_OFF);
    /* a flag given before --config still wins */
    const char *args2[] = {"--seed", "1", "--config", path, NULL};
    assert_int_equal(parse(&o, args2), OPT_OK);
    assert_int_equal(o.seed, 1);
    unlink(path);
}

/* Each bad file gives an error naming file:line and the key. */
static void test_config_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len;
        const char *want;
    } cases[] = {
        {"seed = 1\nseed = 2\n", 18, ":2: seed: set twice (first on line 1)"},
        {"classes = 3\nfeatures\n", 21, ":2: expected 'key = value'"},
        {"colour = red\n", 13, ":1: unknown key 'colour'"},
        {"classes =\n", 10, ":1: classes: needs a value"},
        {"\n\nfeatures = 5x\n", 16, ":3: features: '5x' is not a whole number"},
        {"seed = 1\0 2\n", 12, ":1: NUL byte in line"},
        {"= 5\n", 4, ":1: missing key before '='"},
        {"config = other.conf\n", 20, ":1: config: files cannot include files"},
        {"no-abs = maybe\n", 15, ":1: no-abs: 'maybe' is not true or false"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *path = conf(cases[i].text, cases[i].len);
        gradexp_options o;
        options_defaults(&o);
        err[0] = '\0';
        assert_int_equal(options_load_file(&o, path, err, sizeof err), -1);
        if (strstr(err, cases[i].want) == NULL || strncmp(err, path, strlen(path)) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].want);
        unlink(path);
    }
}

static void test_unreadable_config(void **state)
{
    (void)state;
    gradexp_options o;
    const char *missing[] = {"--config", "/nonexistent/gradexp.conf", NULL};
    assert_int_equal(parse(&o, missing), OPT_ERROR);
    assert_string_equal(err, "/nonexistent/gradexp.conf: No such file or directory");
    const char *dir[] = {"--config", "/tmp", NULL};
    assert_int_equal(parse(&o, dir), OPT_ERROR);
    assert_string_equal(err, "/tmp: Is a directory");
}

/* A long line (1 MB) is read whole and rejected with its line number. */
static void test_long_line(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *text = malloc(n + 16);
    assert_non_null(text);
    snprintf(text, n + 16, "seed = "); /* 7 characters; the NUL is overwritten next */
    memset(text + 7, '1', n);
    text[7 + n] = '\n';
    const char *path = conf(text, n + 8);
    free(text);
    gradexp_options o;
    options_defaults(&o);
    assert_int_equal(options_load_file(&o, path, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: seed: '"));
    assert_true(strlen(err) < sizeof err);
    unlink(path);
}

static void test_flag_errors(void **state)
{
    (void)state;
    static const struct {
        const char *args[4];
        const char *want;
    } cases[] = {
        {{"--classes", "abc"}, "--classes: 'abc' is not a whole number from 1 up"},
        {{"--classes", "0"}, "--classes: '0' is not a whole number from 1 up"},
        {{"--features", " 5"}, "--features: ' 5' is not a whole number from 1 up"},
        {{"--target", "3"}, "--target: 3 is out of range for 3 classes (0 to 2)"},
        {{"--loss", "sigmoid,,softmax"}, "--loss: 'sigmoid,,softmax' has an empty item"},
        {{"--show", "grads"}, "--show: 'grads' is not one of x, w, h, z, p, loss, grad, all"},
        {{"--hidden", "8,0"}, "--hidden: '0' is not a whole number from 1 up"},
        {{"--hidden", "-4"}, "--hidden: '-4' is not a whole number from 1 up"},
        {{"--hidden", "8,,4"}, "--hidden: '8,,4' has an empty item"},
        {{"--act", "gelu"}, "--act: 'gelu' is not relu, tanh or sigmoid"},
        {{"--batch", "0"}, "--batch: '0' is not a whole number from 1 up"},
        {{"--target", "0,1"}, "--target: 2 classes need --batch 2 (one per row)"},
        {{"--target", "0,1", "--batch", "3"}, "--target: 2 classes for --batch 3: give one class, or one per row"},
        {{"--target", "0,3", "--batch", "2"}, "--target: 3 is out of range for 3 classes (0 to 2)"},
        {{"--lr", "nan"}, "--lr: 'nan' is not a finite number"},
        {{"--lr", "1e999"}, "--lr: '1e999' is not a finite number"},
        {{"--lr", "0.1x"}, "--lr: '0.1x' is not a finite number"},
        {{"--steps", "-1"}, "--steps: '-1' is not a whole number from 0 to 1000000"},
        {{"--steps", "99999999999"}, "--steps: '99999999999' is not a whole number from 0 to 1000000"},
        {{"--precision", "61"}, "--precision: '61' is not a whole number from 0 to 60"},
        {{"--bogus"}, "--bogus: unknown option (see --help)"},
        {{"--classes"}, "--classes: needs a value"},
        {{"stray"}, "'stray': unexpected argument (flags start with --)"},
        {{"--classes", "4294967296", "--features", "4294967296"},
         "--classes, --features: 4294967296 x 4294967296 weights overflow"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        gradexp_options o;
        const char *args[5] = {cases[i].args[0], cases[i].args[1], cases[i].args[2], cases[i].args[3], NULL};
        assert_int_equal(parse(&o, args), OPT_ERROR);
        if (strcmp(err, cases[i].want) != 0) fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].want);
    }
}

static void test_help_and_version(void **state)
{
    (void)state;
    gradexp_options o;
    const char *h[] = {"--classes", "3", "-h", NULL};
    assert_int_equal(parse(&o, h), OPT_HELP);
    const char *v[] = {"--version", NULL};
    assert_int_equal(parse(&o, v), OPT_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_the_blog),
        cmocka_unit_test(test_every_flag),
        cmocka_unit_test(test_all_lists),
        cmocka_unit_test(test_seed_range),
        cmocka_unit_test(test_config_file_and_precedence),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_unreadable_config),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_flag_errors),
        cmocka_unit_test(test_help_and_version),
    };
    return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
