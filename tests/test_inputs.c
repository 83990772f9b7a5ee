/* test_inputs.c - cmocka suite for src/inputs.c (--input, --weights).
 *
 * With the arrays of tests/data/arrays/run/ (written by numpy and the
 * safetensors library, tests/gen_arrays.py): the shapes set --features,
 * --batch, --hidden and --classes; a size flag that agrees is accepted;
 * each disagreement is an error naming the flag and the file (--classes,
 * --features, --batch with a 1-d and with a 2-d X, --hidden's count and
 * widths, weight files that do not chain, X against W, arrays that are
 * 0-d, 3-d or empty, files that are missing or too many); on every error
 * no descriptor is left open. options_parse reports the same messages.
 * Run from the repository root (`make unit`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "golden.h"
#include "inputs.h"
#include "options.h"

#define RUN "tests/data/arrays/run/"
#define ARR "tests/data/arrays/"

/* The array files, one name each. */
static const char F_F32_0D[] = ARR "f32_0d.npy";
static const char F_F32_3D[] = ARR "f32_3d.npy";
static const char F_F32_EMPTY_0X3[] = ARR "f32_empty_0x3.npy";
static const char F_F32_EMPTY_1D[] = ARR "f32_empty_1d.npy";
static const char F_F32_EMPTY_3X0[] = ARR "f32_empty_3x0.npy";
static const char F_ST_H2[] = RUN "model.safetensors:h2";
static const char F_ST_X[] = RUN "model.safetensors:x";
static const char F_ST_XB[] = RUN "model.safetensors:xb";
static const char F_W10X7[] = RUN "w10x7.npy";
static const char F_W3X5[] = RUN "w3x5.npy";
static const char F_X5[] = RUN "x5.npy";
static const char F_X7[] = RUN "x7.npy";
static const char F_XB4X5[] = RUN "xb4x5.npy";
static const char F_XB6X7_F64[] = RUN "xb6x7_f64.npy";

/* Comma lists for --weights (named: an array of plain literals reads
 * better than concatenations inside one). */
static const char W_3LAYERS[] = RUN "w1_8x5.npy," RUN "w2_4x8.npy," RUN "w3_3x4.npy";
static const char W_SAFETENSORS[] = RUN "model.safetensors:h1," RUN "model.safetensors:h2";
static const char W_NOT_CHAINED[] = RUN "w1_8x5.npy," RUN "w3_3x4.npy";
static const char W_NOT_CHAINED3[] = RUN "w1_8x5.npy," RUN "w2_4x8.npy," RUN "w10x7.npy";
static const char W_MISSING[] = RUN "w3x5.npy," RUN "nope.npy";
static const char W_SECOND_3D[] = RUN "w1_8x5.npy," ARR "f32_3d.npy";

/* The lowest descriptor open() hands out now. */
static int lowest_free_fd(void)
{
    int fd = open("/dev/null", O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(close(fd), 0);
    return fd;
}

/* How many descriptors from base up (to base + 256) are open. */
static int open_fds_from(int base)
{
    int n = 0;
    for (int fd = base; fd < base + 256; fd++) n += fcntl(fd, F_GETFD) != -1;
    return n;
}

/* Options from the defaults and key/value pairs (NULL-terminated), set as
 * the command line sets them (options_set marks the size flags given). */
static gradexp_options *opts(const char *const *kv)
{
    gradexp_options *o = malloc(sizeof *o);
    assert_non_null(o);
    options_defaults(o);
    char err[256];
    for (; kv[0]; kv += 2)
        if (options_set(o, kv[0], kv[1], err, sizeof err) != 0) fail_msg("--%s %s: %s", kv[0], kv[1], err);
    return o;
}

/* inputs_open succeeds; the files stay open until inputs_close. */
static void open_ok(run_inputs *in, gradexp_options *o)
{
    char err[640] = "";
    if (inputs_open(in, o, err, sizeof err) != 0) fail_msg("inputs_open: %s", err);
}

/* inputs_open fails with exactly want, leaving no descriptor open; and
 * options_parse (which calls it) fails with the same message. */
static void expect_error(const char *const *kv, const char *want)
{
    gradexp_options *o = opts(kv);
    int base = lowest_free_fd(), before = open_fds_from(base);
    run_inputs in;
    char err[640] = "";
    assert_int_equal(inputs_open(&in, o, err, sizeof err), -1);
    if (strcmp(err, want) != 0) fail_msg("error\n  '%s'\nwanted\n  '%s'", err, want);
    assert_null(strchr(err, '\n'));
    assert_int_equal(open_fds_from(base), before);
    assert_int_equal(lowest_free_fd(), base);
    assert_int_equal(in.has_x, 0);
    assert_int_equal(in.nw, 0);
    inputs_close(&in); /* safe after a failure */
    /* the same through the command line */
    const char *argv[64];
    size_t n = 0;
    char flags[32][64];
    for (size_t k = 0; kv[2 * k]; k++) {
        assert_true(k < 32);
        snprintf(flags[k], sizeof flags[k], "--%s", kv[2 * k]);
        argv[n++] = flags[k];
        argv[n++] = kv[2 * k + 1];
    }
    argv[n] = NULL;
    gradexp_options *p = malloc(sizeof *p);
    assert_non_null(p);
    char perr[640];
    assert_int_equal(golden_parse(p, argv, perr, sizeof perr), OPT_ERROR);
    assert_string_equal(perr, want);
    assert_int_equal(lowest_free_fd(), base);
    free(p);
    free(o);
}

/* ------------------------------------------------------------------------ */
/* Shapes set the sizes                                                     */
/* ------------------------------------------------------------------------ */

static void test_no_files_opens_nothing(void **state)
{
    (void)state;
    static const char *const kv[] = {NULL};
    gradexp_options *o = opts(kv);
    int base = lowest_free_fd();
    run_inputs in;
    open_ok(&in, o);
    assert_int_equal(in.has_x, 0);
    assert_int_equal(in.nw, 0);
    assert_int_equal(lowest_free_fd(), base);
    assert_int_equal(o->features, 5);
    assert_int_equal(o->classes, 3);
    inputs_close(&in);
    free(o);
    /* inputs_close on a zeroed struct */
    run_inputs z;
    memset(&z, 0, sizeof z);
    inputs_close(&z);
}

static void test_x_shapes(void **state)
{
    (void)state;
    int base = lowest_free_fd();
    /* a 1-d X: F features, one input */
    static const char *const a[] = {"input", F_X5, NULL};
    gradexp_options *o = opts(a);
    run_inputs in;
    open_ok(&in, o);
    assert_int_equal(in.has_x, 1);
    assert_int_equal(in.nw, 0);
    assert_int_equal(o->features, 5);
    assert_int_equal(o->has_batch, 0);
    assert_int_equal(in.x.ndim, 1);
    assert_int_equal(fcntl(in.x.fd, F_GETFD) != -1, 1); /* left open */
    inputs_close(&in);
    assert_int_equal(lowest_free_fd(), base);
    free(o);
    /* a 2-d X: a batch of N rows */
    static const char *const b[] = {"input", F_XB4X5, NULL};
    o = opts(b);
    open_ok(&in, o);
    assert_int_equal(o->features, 5);
    assert_int_equal(o->has_batch, 1);
    assert_int_equal(o->batch, 4);
    inputs_close(&in);
    free(o);
    /* 7 features; a float64 batch of 6 x 7; safetensors tensors */
    static const char *const c[] = {"input", F_X7, NULL};
    o = opts(c);
    open_ok(&in, o);
    assert_int_equal(o->features, 7);
    inputs_close(&in);
    free(o);
    static const char *const d[] = {"input", F_XB6X7_F64, NULL};
    o = opts(d);
    open_ok(&in, o);
    assert_int_equal(o->features, 7);
    assert_int_equal(o->batch, 6);
    inputs_close(&in);
    free(o);
    static const char *const e[] = {"input", F_ST_XB, NULL};
    o = opts(e);
    open_ok(&in, o);
    assert_int_equal(o->features, 5);
    assert_int_equal(o->batch, 3);
    assert_int_equal(o->has_batch, 1);
    inputs_close(&in);
    free(o);
    /* flags that agree are fine */
    static const char *const f[] = {"features", "5", "batch", "4", "input", F_XB4X5, NULL};
    o = opts(f);
    open_ok(&in, o);
    assert_int_equal(o->batch, 4);
    inputs_close(&in);
    free(o);
    assert_int_equal(lowest_free_fd(), base);
}

static void test_weight_shapes(void **state)
{
    (void)state;
    int base = lowest_free_fd();
    static const char *const a[] = {"weights", F_W3X5, NULL};
    gradexp_options *o = opts(a);
    run_inputs in;
    open_ok(&in, o);
    assert_int_equal(in.nw, 1);
    assert_int_equal(in.has_x, 0);
    assert_int_equal(o->classes, 3);
    assert_int_equal(o->features, 5);
    assert_int_equal(o->nhidden, 0);
    inputs_close(&in);
    free(o);
    /* three layers: 5 -> 8 -> 4 -> 3 */
    static const char *const b[] = {"weights", W_3LAYERS, NULL};
    o = opts(b);
    int before = open_fds_from(base);
    open_ok(&in, o);
    assert_int_equal(in.nw, 3);
    assert_int_equal(open_fds_from(base), before + 3);
    assert_int_equal(o->features, 5);
    assert_int_equal(o->classes, 3);
    assert_int_equal(o->nhidden, 2);
    assert_int_equal(o->hidden[0], 8);
    assert_int_equal(o->hidden[1], 4);
    inputs_close(&in);
    assert_int_equal(open_fds_from(base), before);
    free(o);
    /* ... and agreeing flags */
    static const char *const c[] = {"hidden", "8,4", "classes", "3", "features", "5", "weights", W_3LAYERS, NULL};
    o = opts(c);
    open_ok(&in, o);
    assert_int_equal(o->nhidden, 2);
    inputs_close(&in);
    free(o);
    /* X and W together; W of 10 classes on 7 features */
    static const char *const d[] = {"input", F_X7, "weights", F_W10X7, NULL};
    o = opts(d);
    open_ok(&in, o);
    assert_int_equal(in.has_x, 1);
    assert_int_equal(in.nw, 1);
    assert_int_equal(o->classes, 10);
    assert_int_equal(o->features, 7);
    inputs_close(&in);
    free(o);
    /* safetensors: X, a hidden layer of 6 in bf16 and f32 */
    static const char *const e[] = {"input", F_ST_X, "weights", W_SAFETENSORS, NULL};
    o = opts(e);
    open_ok(&in, o);
    assert_int_equal(o->features, 5);
    assert_int_equal(o->classes, 3);
    assert_int_equal(o->nhidden, 1);
    assert_int_equal(o->hidden[0], 6);
    assert_string_equal(in.w[0].name, RUN "model.safetensors:h1");
    inputs_close(&in);
    free(o);
    /* every dtype of the file as a single W */
    static const char *const names[] = {"w", "w64", "w16"};
    for (size_t k = 0; k < 3; k++) {
        char spec[128];
        snprintf(spec, sizeof spec, RUN "model.safetensors:%s", names[k]);
        const char *const kv[] = {"weights", spec, NULL};
        o = opts(kv);
        open_ok(&in, o);
        assert_int_equal(o->classes, 3);
        assert_int_equal(o->features, 5);
        inputs_close(&in);
        free(o);
    }
    /* an explicit --hidden "" (no hidden layer) with one file */
    static const char *const f[] = {"hidden", "", "weights", F_W3X5, NULL};
    o = opts(f);
    open_ok(&in, o);
    assert_int_equal(o->nhidden, 0);
    inputs_close(&in);
    free(o);
    assert_int_equal(lowest_free_fd(), base);
}

/* The sizes reach the options the run uses: through options_parse. */
static void test_parse_applies_shapes(void **state)
{
    (void)state;
    gradexp_options *o = malloc(sizeof *o);
    assert_non_null(o);
    char err[640];
    int base = lowest_free_fd();
    static const char *const args[] = {"--input", F_XB4X5, "--weights", W_3LAYERS, "--target", "2", NULL};
    if (golden_parse(o, args, err, sizeof err) != OPT_OK) fail_msg("%s", err);
    assert_int_equal(o->batch, 4);
    assert_int_equal(o->features, 5);
    assert_int_equal(o->classes, 3);
    assert_int_equal(o->nhidden, 2);
    assert_int_equal(lowest_free_fd(), base); /* options_parse closes what it read */
    /* a target that the file's class count rules out */
    static const char *const bad[] = {"--weights", F_W3X5, "--target", "3", NULL};
    assert_int_equal(golden_parse(o, bad, err, sizeof err), OPT_ERROR);
    assert_non_null(strstr(err, "--target: 3 is out of range for 3 classes"));
    free(o);
}

/* ------------------------------------------------------------------------ */
/* Disagreements                                                            */
/* ------------------------------------------------------------------------ */

static void test_size_flag_conflicts(void **state)
{
    (void)state;
    static const char *const a[] = {"classes", "4", "weights", F_W3X5, NULL};
    expect_error(a, "--classes 4 disagrees with " RUN "w3x5.npy: its shape (3, 5) has 3 rows (classes)");
    static const char *const b[] = {"features", "6", "input", F_X5, NULL};
    expect_error(b, "--features 6 disagrees with " RUN "x5.npy: its shape (5,) has 5 features");
    static const char *const c[] = {"features", "6", "weights", F_W3X5, NULL};
    expect_error(c, "--features 6 disagrees with " RUN "w3x5.npy: its shape (3, 5) has 5 columns");
    static const char *const d[] = {"features", "4", "input", F_XB4X5, NULL};
    expect_error(d, "--features 4 disagrees with " RUN "xb4x5.npy: its shape (4, 5) has 5 features");
    /* the last layer sets the classes */
    static const char *const e[] = {"classes", "4", "weights", W_3LAYERS, NULL};
    expect_error(e, "--classes 4 disagrees with " RUN "w3_3x4.npy: its shape (3, 4) has 3 rows (classes)");
}

static void test_batch_conflicts(void **state)
{
    (void)state;
    static const char *const a[] = {"batch", "4", "input", F_X5, NULL};
    expect_error(a, "--batch 4 disagrees with " RUN "x5.npy: a 1-d X (5,) is one input (save a 2-d (N, F) array for a "
                    "batch)");
    static const char *const b[] = {"batch", "3", "input", F_XB4X5, NULL};
    expect_error(b, "--batch 3 disagrees with " RUN "xb4x5.npy: its shape (4, 5) has 4 rows");
    static const char *const c[] = {"batch", "1", "input", F_ST_XB, NULL};
    expect_error(c, "--batch 1 disagrees with " RUN "model.safetensors:xb: its shape (3, 5) has 3 rows");
}

static void test_hidden_conflicts(void **state)
{
    (void)state;
    /* the number of hidden layers against the number of files */
    static const char *const a[] = {"hidden", "8", "weights", W_3LAYERS, NULL};
    expect_error(a, "--hidden gives 1 hidden layer, so --weights needs 2 files, not 3");
    static const char *const b[] = {"hidden", "8,4", "weights", F_W3X5, NULL};
    expect_error(b, "--hidden gives 2 hidden layers, so --weights needs 3 files, not 1");
    static const char *const c[] = {"hidden", "", "weights", W_3LAYERS, NULL};
    expect_error(c, "--hidden gives 0 hidden layers, so --weights needs 1 file, not 3");
    /* a width against the file's rows */
    static const char *const d[] = {"hidden", "8,5", "weights", W_3LAYERS, NULL};
    expect_error(d, "--hidden: layer 2's width 5 disagrees with " RUN "w2_4x8.npy: its shape (4, 8) has 4 rows");
    static const char *const e[] = {"hidden", "7,4", "weights", W_3LAYERS, NULL};
    expect_error(e, "--hidden: layer 1's width 7 disagrees with " RUN "w1_8x5.npy: its shape (8, 5) has 8 rows");
}

static void test_files_disagree(void **state)
{
    (void)state;
    /* weight files that do not chain: W2's columns are W1's rows */
    static const char *const a[] = {"weights", W_NOT_CHAINED, NULL};
    expect_error(a,
                 RUN "w3_3x4.npy: shape (3, 4) does not follow " RUN "w1_8x5.npy's (8, 5): its 4 columns must be the "
                     "8 rows before");
    static const char *const b[] = {"weights", W_NOT_CHAINED3, NULL};
    expect_error(b, RUN "w10x7.npy: shape (10, 7) does not follow " RUN "w2_4x8.npy's (4, 8): its 7 columns must be "
                        "the 4 rows before");
    /* X's features against W's columns */
    static const char *const c[] = {"input", F_X7, "weights", F_W3X5, NULL};
    expect_error(c, RUN "w3x5.npy: shape (3, 5) has 5 columns, but X from " RUN "x7.npy has 7 features");
    static const char *const d[] = {"input", F_XB4X5, "weights", F_W10X7, NULL};
    expect_error(d, RUN "w10x7.npy: shape (10, 7) has 7 columns, but X from " RUN "xb4x5.npy has 5 features");
    static const char *const e[] = {"input", F_ST_X, "weights", F_ST_H2, NULL};
    expect_error(e, RUN "model.safetensors:h2: shape (3, 6) has 6 columns, but X from " RUN
                        "model.safetensors:x has 5 features");
}

static void test_bad_dimensions(void **state)
{
    (void)state;
    static const char *const a[] = {"input", F_F32_0D, NULL};
    expect_error(a, ARR "f32_0d.npy: X must be 1-d (F,) or 2-d (N, F); the shape is ()");
    static const char *const b[] = {"input", F_F32_3D, NULL};
    expect_error(b, ARR "f32_3d.npy: X must be 1-d (F,) or 2-d (N, F); the shape is (2, 3, 4)");
    static const char *const c[] = {"weights", F_X5, NULL};
    expect_error(c, RUN "x5.npy: a weight matrix must be 2-d (out, in); the shape is (5,)");
    static const char *const d[] = {"weights", F_F32_3D, NULL};
    expect_error(d, ARR "f32_3d.npy: a weight matrix must be 2-d (out, in); the shape is (2, 3, 4)");
    static const char *const e[] = {"weights", F_F32_0D, NULL};
    expect_error(e, ARR "f32_0d.npy: a weight matrix must be 2-d (out, in); the shape is ()");
    /* the second of two files, with the first already open */
    static const char *const f[] = {"weights", W_SECOND_3D, NULL};
    expect_error(f, ARR "f32_3d.npy: a weight matrix must be 2-d (out, in); the shape is (2, 3, 4)");
    /* empty arrays */
    static const char *const g[] = {"input", F_F32_EMPTY_1D, NULL};
    expect_error(g, ARR "f32_empty_1d.npy: shape (0,): every size must be 1 to 2^40");
    static const char *const h[] = {"weights", F_F32_EMPTY_0X3, NULL};
    expect_error(h, ARR "f32_empty_0x3.npy: shape (0, 3): every size must be 1 to 2^40");
    static const char *const i[] = {"input", F_F32_EMPTY_3X0, NULL};
    expect_error(i, ARR "f32_empty_3x0.npy: shape (3, 0): every size must be 1 to 2^40");
}

static void test_missing_and_too_many_files(void **state)
{
    (void)state;
    /* a file that is not there: arrayfile's message, after X was opened */
    gradexp_options *o;
    static const char *const a[] = {"input", F_X5, "weights", W_MISSING, NULL};
    o = opts(a);
    int base = lowest_free_fd(), before = open_fds_from(base);
    run_inputs in;
    char err[640];
    assert_int_equal(inputs_open(&in, o, err, sizeof err), -1);
    assert_int_equal(strncmp(err, RUN "nope.npy: ", strlen(RUN "nope.npy: ")), 0);
    assert_non_null(strstr(err, strerror(ENOENT)));
    assert_int_equal(lowest_free_fd(), base);
    assert_int_equal(open_fds_from(base), before);
    free(o);
    /* a weights list with no name in it */
    static const char *const b[] = {"weights", ",", NULL};
    expect_error(b, "--weights: needs a file name");
    /* more files than layers: MAX_LAYERS (1 x 1 matrices chain) are opened
     * and all of them closed again */
    static char list[2 * MAX_PATH_TEXT];
    size_t n = 0;
    for (int k = 0; k <= MAX_LAYERS; k++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s" RUN "w1x1.npy", k ? "," : "");
    assert_true(n < sizeof list);
    const char *const c[] = {"weights", list, NULL};
    char want[128];
    snprintf(want, sizeof want, "--weights: more than %d files (at most %d hidden layers)", MAX_LAYERS, MAX_HIDDEN);
    expect_error(c, want);
    /* exactly MAX_LAYERS files are fine */
    n = 0;
    for (int k = 0; k < MAX_LAYERS; k++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s" RUN "w1x1.npy", k ? "," : "");
    o = opts(c);
    open_ok(&in, o);
    assert_int_equal(in.nw, MAX_LAYERS);
    assert_int_equal(o->nhidden, MAX_HIDDEN);
    assert_int_equal(open_fds_from(base), before + MAX_LAYERS);
    inputs_close(&in);
    assert_int_equal(open_fds_from(base), before);
    free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_files_opens_nothing), cmocka_unit_test(test_x_shapes),
        cmocka_unit_test(test_weight_shapes),          cmocka_unit_test(test_parse_applies_shapes),
        cmocka_unit_test(test_size_flag_conflicts),    cmocka_unit_test(test_batch_conflicts),
        cmocka_unit_test(test_hidden_conflicts),       cmocka_unit_test(test_files_disagree),
        cmocka_unit_test(test_bad_dimensions),         cmocka_unit_test(test_missing_and_too_many_files),
    };
    return cmocka_run_group_tests_name("inputs", tests, NULL, NULL);
}
