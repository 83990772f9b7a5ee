/* fuzz_argv.c - libFuzzer harness for command-line parsing (options_parse in
 * src/options.c) and, when the run is small, everything a parsed command
 * line drives: experiment_compute, then the torch text, the JSON, the
 * --explain walkthrough, the --gradcheck report, the --plot figure and the
 * --format html page, each written to /dev/null, as main.c does.
 *
 * The input is split on NUL and newline bytes into at most 64 arguments
 * after argv[0] = "gradexp". options_parse resets getopt_long's global state
 * itself (optind = 0), so runs are independent. Arguments containing '/'
 * are skipped, so --config can only name the few files this harness writes
 * into its private working directory ("blog", "classroom", "bad", "crlf",
 * "empty"), and --input/--weights the arrays x.npy, xb.npy and w.npy there:
 * fuzzing never reads outside it or blocks on a device. Runs over
 * 4096 weights or 256 classes are parsed but not computed, to keep the
 * executions fast.
 *
 * Besides the sanitizers, each run checks that an error message is a single
 * line without control characters, that the settings of a successful parse
 * pass options_validate and are within range, and that parsing the same
 * argv twice gives the same result (no state leaks between calls). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrayfile.h"
#include "experiment.h"
#include "explain.h"
#include "gradcheck.h"
#include "html_print.h"
#include "json_print.h"
#include "options.h"
#include "svg_plot.h"

#define MAX_ARGS 64
#define MAX_WEIGHTS 4096
#define MAX_CLASSES 256

#define CHECK(cond, ...)                                             \
    do {                                                             \
        if (!(cond)) {                                               \
            fprintf(stderr, "fuzz_argv: check failed: %s: ", #cond); \
            fprintf(stderr, __VA_ARGS__);                            \
            fputc('\n', stderr);                                     \
            abort();                                                 \
        }                                                            \
    } while (0)

static FILE *devnull;
static char dir[64];

static const char *const FILES[][2] = {
    {"blog", "seed = 99\nclasses = 3\nfeatures = 5\ntarget = 1\nloss = sigmoid,softmax\nshow = grad\n"},
    {"classroom", "seed = 2024\nclasses = 4\nfeatures = 6\ntarget = 2\nloss = all\nshow = all\n"},
    {"bad", "seed = 1\nseed = 2\n"},
    {"crlf", "classes = 3\r\nfeatures = 4\r\ntarget = 2\r\n"},
    {"empty", ""},
};

/* Arrays --input and --weights may name: X (5,), a batch (2, 5), W (3, 5). */
static const char *const ARRAYS[] = {"x.npy", "xb.npy", "w.npy"};
static const uint64_t ARRAY_SHAPES[][2] = {{5, 5}, {2, 5}, {3, 5}};

/* npy_write_f32's row callback: signed values that differ per element. */
static void array_row(void *ctx, uint64_t i, float *buf)
{
    (void)ctx;
    for (int j = 0; j < 5; j++) buf[j] = (float)((int)(i * 5 + (uint64_t)j) % 7 - 3) * 0.25f;
}

static void cleanup(void)
{
    for (size_t i = 0; i < sizeof FILES / sizeof *FILES; i++) unlink(FILES[i][0]);
    for (size_t i = 0; i < sizeof ARRAYS / sizeof *ARRAYS; i++) unlink(ARRAYS[i]);
    if (chdir("/") == 0) rmdir(dir);
}

/* A private working directory holding the files --config may name. */
static void setup(void)
{
    if (devnull) return;
    devnull = fopen("/dev/null", "w");
    CHECK(devnull != NULL, "/dev/null");
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/gradexp-fuzz-XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    CHECK(chdir(dir) == 0, "chdir");
    for (size_t i = 0; i < sizeof FILES / sizeof *FILES; i++) {
        FILE *f = fopen(FILES[i][0], "w");
        CHECK(f && fputs(FILES[i][1], f) >= 0 && fclose(f) == 0, "writing %s", FILES[i][0]);
    }
    for (size_t i = 0; i < sizeof ARRAYS / sizeof *ARRAYS; i++) {
        FILE *f = fopen(ARRAYS[i], "wb");
        CHECK(f &&
                  npy_write_f32(f, i == 0 ? 1 : 2, i == 0 ? &ARRAY_SHAPES[0][1] : ARRAY_SHAPES[i], array_row, NULL) ==
                      0 &&
                  fclose(f) == 0,
              "writing %s", ARRAYS[i]);
    }
    CHECK(atexit(cleanup) == 0, "atexit");
}

static void check_message(const char *err)
{
    CHECK(err[0] != '\0', "error without a message");
    for (const char *p = err; *p; p++)
        CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "control character 0x%02x in message '%s'", (unsigned char)*p,
              err);
}

/* Runs what main.c runs for these options, into /dev/null. */
static void run(gradexp_options *o)
{
    if (o->explain) o->show = (1u << SHOW_KINDS) - 1;
    experiment e;
    if (experiment_compute(&e, o) != EXP_OK) return;
    o->print.color = o->color == COLOR_ALWAYS;
    if (o->explain) explain_print(devnull, &e, o);
    if (o->gradcheck) {
        gradcheck_params p = GRADCHECK_PARAMS_DEFAULT;
        int nfailed = 0;
        gradcheck_report(devnull, &e, o, &p, &nfailed);
    }
    /* the figure whenever one is asked for (--plot names only files in
     * the private directory: arguments with '/' are skipped) */
    if (o->plot[0]) CHECK(svg_plot(devnull, &e, o, 1) != PLOT_NOMEM, "svg_plot: out of memory on a small run");
    if (o->format == FORMAT_HTML) {
        int failed = 0;
        CHECK(html_print(devnull, &e, o, &failed) != HTML_NOMEM, "html_print: out of memory on a small run");
    } else if (!o->explain && !o->gradcheck) {
        if (o->format == FORMAT_JSON) json_print(devnull, &e, o);
        else experiment_print_torch(devnull, &e, o);
        char msg[256];
        for (int h = 0; h < e.nheads; h++) json_head_warning(&e, o, h, msg, sizeof msg);
    }
    experiment_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    char *buf = malloc(size + 1);
    CHECK(buf != NULL, "malloc");
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_ARGS + 2], *copy[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)"gradexp";
    char *p = buf, *end = buf + size;
    while (p < end && argc <= MAX_ARGS) {
        char *q = p;
        while (q < end && *q != '\0' && *q != '\n') q++;
        *q = '\0';
        if (strchr(p, '/')) goto out;
        argv[argc++] = p;
        p = q + 1;
    }
    argv[argc] = NULL;
    memcpy(copy, argv, sizeof argv); /* getopt permutes argv; parse the original order twice */

    static gradexp_options o, o2;
    char err[512], err2[512];
    err[0] = err2[0] = '\0';
    opt_status st = options_parse(&o, argc, argv, err, sizeof err);
    memcpy(argv, copy, sizeof argv);
    opt_status st2 = options_parse(&o2, argc, argv, err2, sizeof err2);
    CHECK(st == st2 && !strcmp(err, err2), "second parse differs: %d '%s' vs %d '%s'", st, err, st2, err2);
    if (st == OPT_ERROR) {
        check_message(err);
        goto out;
    }
    if (st != OPT_OK) goto out;
    char verr[512];
    CHECK(options_validate(&o, verr, sizeof verr) == 0, "parsed settings fail validation: %s", verr);
    CHECK(o.target < o.classes && o.nlosses >= 1 && o.nlosses <= MAX_LOSSES, "settings out of range");
    CHECK(o.print.precision >= 0 && o.print.precision <= 60 && o.print.linewidth >= 1 &&
              (o.print.edgeitems >= 1 || (o.print.edgeitems == 0 && o.torch->edge0_size)),
          "print options out of range");
    /* small runs only: the network's weights, the batch and the steps bounded */
    uint64_t weights = 0, prev = o.features;
    for (int l = 0; l <= o.nhidden; l++) {
        uint64_t d = l < o.nhidden ? o.hidden[l] : o.classes;
        weights += d <= MAX_WEIGHTS && prev <= MAX_WEIGHTS ? d * prev : (uint64_t)MAX_WEIGHTS + 1;
        prev = d;
    }
    if (o.classes <= MAX_CLASSES && weights <= MAX_WEIGHTS && o.batch <= 16 && o.steps <= 8) run(&o);
out:
    free(buf);
    return 0;
}
