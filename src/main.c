/* main.c - gradexp's command line: parse, run, print, map failures to
 * messages and exit statuses (0 success, 1 output or gradient-check
 * failure, 2 bad input or not enough memory). Everything else lives in
 * library modules that return status codes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "experiment.h"
#include "explain.h"
#include "gradcheck.h"
#include "html_print.h"
#include "json_print.h"
#include "options.h"
#include "outfile.h"
#include "save.h"
#include "svg_plot.h"

#define PROGRAM "gradexp"
#define VERSION "0.3.0"

static const char USAGE[] = "Usage: gradexp [OPTION]...\n"
                            "Reruns the softmax-vs-sigmoid gradient experiment and prints the tensors\n"
                            "exactly as PyTorch prints them (same seed, same random numbers, same text).\n"
                            "\n"
                            "Experiment:\n"
                            "  --classes N         rows of W, the number of classes (default 3)\n"
                            "  --features N        length of X, columns of W (default 5)\n"
                            "  --target K[,K...]   the true class y, 0-based: one class, or one per row\n"
                            "                      with --batch (default 1)\n"
                            "  --hidden LIST       hidden layer widths from the input side, e.g. 8,4\n"
                            "                      (default none: the blog's single layer)\n"
                            "  --act A             the hidden layers' activation: relu, tanh or sigmoid\n"
                            "                      (default relu)\n"
                            "  --batch N           X = randn(N, F): N rows through the network (default\n"
                            "                      one input, randn(F))\n"
                            "  --steps T           T steps of torch.optim.SGD on each head's own weights\n"
                            "                      before what is shown (default 0)\n"
                            "  --lr LR             SGD's learning rate (default 0.1)\n"
                            "  --seed S            torch.manual_seed: any integer in [-2^63, 2^64-1]\n"
                            "                      (default 99)\n"
                            "  --no-abs            keep X and W signed (default: absolute values)\n"
                            "  --init-std S        W = randn(C, F) * S before abs (default: no scaling)\n"
                            "  --loss LIST         heads to run, in order: sigmoid, softmax, bce, or all\n"
                            "                      (default sigmoid,softmax)\n"
                            "  --stable            logsigmoid / log_softmax in place of log(sigmoid) and\n"
                            "                      log(softmax) (default off: the blog's naive formulation)\n"
                            "  --torch VERSION     which PyTorch release to match: 1.13, 2.0 ... 2.14\n"
                            "                      (default 2.14, the newest)\n"
                            "  --cpu FAMILY        which of torch's CPU kernels to match: default, avx2,\n"
                            "                      avx512 (x86-64, torch's ATEN_CPU_CAPABILITY), neon\n"
                            "                      (aarch64: Graviton, Raspberry Pi, Apple Silicon\n"
                            "                      containers), or native: what that release picks on\n"
                            "                      this CPU (honours ATEN_CPU_CAPABILITY). The default\n"
                            "                      is avx2 on every machine, so a command prints the\n"
                            "                      same bytes anywhere\n"
                            "  --rng FAMILY        the old name of --cpu, still read (default avx2)\n"
                            "  --input FILE        X from your own array: a .npy file (float16/32/64) or\n"
                            "                      FILE.safetensors:NAME; its shape sets --features (and\n"
                            "                      --batch for 2-d); used as it is: no abs, no scaling\n"
                            "                      (default: drawn from the seed)\n"
                            "  --weights FILES     W, or W_1,...,W_L from the input side with hidden\n"
                            "                      layers, from .npy / FILE.safetensors:NAME files (comma\n"
                            "                      list); shapes set --classes and --hidden; used as they\n"
                            "                      are. Tensors not given are drawn in the usual order,\n"
                            "                      skipping the given ones (default: all drawn)\n"
                            "  --config FILE       read 'key = value' lines (keys are these long flag names);\n"
                            "                      flags on the command line win (default: no file)\n"
                            "\n";
/* (split: C11 compilers need only take string literals of 4095 bytes) */
static const char USAGE_OUTPUT[] = "Output:\n"
                                   "  --show LIST         what to print: x, w, h, z, p, loss, grad, or all\n"
                                   "                      (default grad); printed as x, w, then per head\n"
                                   "                      h, z, p, loss, grad; with --steps, loss adds the\n"
                                   "                      curve and w the trained weights\n"
                                   "  --precision P       digits after the point (default 4)\n"
                                   "  --linewidth N       characters per line (default 80)\n"
                                   "  --threshold N       summarise tensors with more elements (default 1000)\n"
                                   "  --edgeitems N       items kept at each end when summarising; 0 from\n"
                                   "                      --torch 2.1 on, as 2.x prints it (default 3)\n"
                                   "  --sci-mode M        auto, on or off (default auto)\n"
                                   "  --format F          torch (PyTorch's text), json (settings, all values,\n"
                                   "                      losses, warnings; nan/inf as strings) or html (a\n"
                                   "                      self-contained lesson page: the --explain walkthrough\n"
                                   "                      with the figure inline) (default torch)\n"
                                   "  --plot FILE         also write an SVG figure: each head's W.grad as a\n"
                                   "                      heatmap (exact zeros hatched), the loss curves with\n"
                                   "                      --steps; '-' writes it to stdout instead of the tensors\n"
                                   "                      (default: no figure)\n"
                                   "  --save DIR          also write every tensor shown to DIR/NAME.npy (float32,\n"
                                   "                      e.g. DIR/softmax.grad.npy); DIR is created if missing,\n"
                                   "                      files are replaced only by complete ones (default: none)\n"
                                   "  --plot-scale S      shared (one colour scale for every panel, so sizes\n"
                                   "                      compare) or each (one per panel) (default shared)\n"
                                   "  --color[=WHEN]      colour numbers by sign: auto (stdout is a terminal and\n"
                                   "                      NO_COLOR is unset), always (also --color alone) or never\n"
                                   "                      (default auto; --colour is the same)\n"
                                   "  --explain           walk through the run with notes on it (default off)\n"
                                   "  --gradcheck         check W.grad against finite differences (default off)\n"
                                   "  -h, --help          show this help and exit\n"
                                   "  -V, --version       show the version and exit\n"
                                   "\n"
                                   "Examples:\n"
                                   "  gradexp                                   the blog: sigmoid and softmax W.grad\n"
                                   "  gradexp --classes 10 --features 4 --target 7 --show all\n"
                                   "  gradexp --loss all --stable --no-abs --seed -1\n"
                                   "  gradexp --config examples/blog.conf --precision 8\n"
                                   "  gradexp --hidden 8,4 --batch 4 --target 1,0,2,1 --steps 20 --show loss\n"
                                   "  gradexp --format json --show all | jq '.losses'\n"
                                   "  gradexp --color=always --loss all | less -R\n"
                                   "\n"
                                   "Exit status: 0 success, 1 output error or failed --gradcheck, 2 bad input\n"
                                   "or out of memory.\n";

/* --version: the program's version and the releases and kernels it
 * reproduces. Returns 0 or -1 on a write error. */
static int print_version(void)
{
    printf("%s %s\nPyTorch releases:", PROGRAM, VERSION);
    for (int i = 0; i < TORCH_RELEASE_COUNT; i++) printf(" %s", TORCH_RELEASES[i].name);
    printf(" (default %s)\nCPU kernels: default avx2 avx512 neon (default avx2)\n", torch_release_default()->name);
    return ferror(stdout) || fflush(stdout) != 0 ? -1 : 0;
}

/* Whether the tensors get ANSI colours: --color=always or never decides
 * (always wins over NO_COLOR); auto means stdout is a terminal, NO_COLOR is
 * unset or empty and TERM is not "dumb". */
static int want_color(color_mode m)
{
    if (m != COLOR_AUTO) return m == COLOR_ALWAYS;
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
    if (no_color && *no_color) return 0;
    if (term && !strcmp(term, "dumb")) return 0;
    return isatty(STDOUT_FILENO);
}

/* Reports that writing stdout failed with errno value err (0: unknown) and
 * returns exit status 1. A reader that went away (EPIPE, seen only when
 * SIGPIPE is ignored) is not an error worth a message. */
static int output_failed(int err)
{
    if (err != EPIPE) fprintf(stderr, "%s: write error: %s\n", PROGRAM, strerror(err ? err : EIO));
    return 1;
}

/* --explain and/or --gradcheck, on stdout instead of the plain tensors: the
 * walkthrough, then the gradient-check report. Returns the exit status: 0,
 * 1 (a write failed or a head failed the check) or 2 (out of memory). */
static int run_reports(experiment *e, const gradexp_options *o)
{
    if (o->explain) {
        int rc = explain_print(stdout, e, o);
        if (rc == EXPLAIN_NOMEM) {
            fprintf(stderr, "%s: --explain: not enough memory\n", PROGRAM);
            return 2;
        }
        if (rc != EXPLAIN_OK) return output_failed(errno);
    }
    if (!o->gradcheck) return 0;
    gradcheck_params p = GRADCHECK_PARAMS_DEFAULT;
    int nfailed = 0;
    if (o->explain && fputs("\n== Gradient check\n", stdout) == EOF) return output_failed(errno);
    int rc = gradcheck_report(stdout, e, o, &p, &nfailed);
    if (rc == GRADCHECK_NOMEM) {
        fprintf(stderr, "%s: --gradcheck: not enough memory\n", PROGRAM);
        return 2;
    }
    if (rc != GRADCHECK_OK) return output_failed(errno);
    return nfailed ? 1 : 0;
}

int main(int argc, char **argv)
{
    gradexp_options o;
    char err[512];
    /* `gradexp | head -1`: die quietly of SIGPIPE like any filter, even
     * when the parent process left the signal ignored. */
    (void)signal(SIGPIPE, SIG_DFL); /* fails only for an invalid signal number */
    switch (options_parse(&o, argc, argv, err, sizeof err)) {
    case OPT_HELP:
        errno = 0;
        if (fputs(USAGE, stdout) == EOF || fputs(USAGE_OUTPUT, stdout) == EOF || fflush(stdout) != 0)
            return output_failed(errno);
        return 0;
    case OPT_VERSION:
        errno = 0;
        if (print_version() != 0) return output_failed(errno);
        return 0;
    case OPT_ERROR: fprintf(stderr, "%s: %s\n", PROGRAM, err); return 2;
    case OPT_OK: break;
    }

    int to_stdout = !strcmp(o.plot, "-"); /* the SVG replaces the tensors on stdout */
    if (to_stdout && (o.format != FORMAT_TORCH || o.explain || o.gradcheck)) {
        const char *other = o.format == FORMAT_JSON   ? "--format json"
                            : o.format == FORMAT_HTML ? "--format html"
                            : o.explain               ? "--explain"
                                                      : "--gradcheck";
        fprintf(stderr, "%s: --plot -: the SVG goes to stdout, where %s writes too (give --plot a file name)\n",
                PROGRAM, other);
        return 2;
    }
    if (o.explain || o.format == FORMAT_HTML) o.show = (1u << SHOW_KINDS) - 1; /* the walkthrough shows every part */
    /* output files are opened before the run, so a bad path costs nothing */
    outfile plot = {0};
    if (o.plot[0] && outfile_open(&plot, o.plot, err, sizeof err) != 0) {
        fprintf(stderr, "%s: --plot %s: %s\n", PROGRAM, o.plot, err);
        return 2;
    }
    if (o.save[0] && save_prepare(o.save, err, sizeof err) != SAVE_OK) {
        fprintf(stderr, "%s: --save %s: %s\n", PROGRAM, o.save, err);
        outfile_abort(&plot);
        return 2;
    }
    experiment e;
    uint64_t need = experiment_bytes(&o);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    /* the flags that set the size: the dense network's, or the head's */
    const char *what = o.nhidden > 0 || o.has_batch ? "--hidden, --batch, --classes, --features"
                       : o.steps > 0                ? "--classes, --features, --steps"
                                                    : "--classes, --features";
    if (pages > 0 && page > 0 && need / (uint64_t)page > (uint64_t)pages) {
        fprintf(stderr, "%s: %s: this run needs %.1f GB, more than this machine's %.1f GB\n", PROGRAM, what,
                (double)need / 1e9, (double)pages * (double)page / 1e9);
        outfile_abort(&plot);
        return 2;
    }
    exp_status cs = experiment_compute(&e, &o);
    if (cs == EXP_INPUT) {
        fprintf(stderr, "%s: %s\n", PROGRAM, e.errmsg);
        outfile_abort(&plot);
        return 2;
    }
    if (cs != EXP_OK) {
        fprintf(stderr, "%s: %s: not enough memory for this run (%.1f GB)\n", PROGRAM, what, (double)need / 1e9);
        outfile_abort(&plot);
        return 2;
    }
    if (o.save[0]) {
        save_status ss = save_tensors(o.save, &e, &o, err, sizeof err);
        if (ss == SAVE_OK && experiment_read_check(&e) != 0) {
            fprintf(stderr, "%s: %s\n", PROGRAM, e.errmsg);
            ss = SAVE_BADPATH;
        } else if (ss != SAVE_OK) {
            fprintf(stderr, "%s: --save: %s\n", PROGRAM, err);
        }
        if (ss != SAVE_OK) {
            outfile_abort(&plot);
            experiment_free(&e);
            return ss == SAVE_WRITE ? 1 : 2;
        }
    }
    if (o.plot[0]) {
        plot_status ps = svg_plot(plot.f, &e, &o, 1);
        if (ps == PLOT_NOMEM) {
            fprintf(stderr, "%s: --plot: not enough memory\n", PROGRAM);
            outfile_abort(&plot);
            experiment_free(&e);
            return 2;
        }
        if (outfile_commit(&plot, err, sizeof err) != 0 || ps == PLOT_WRITE) {
            if (!to_stdout || errno != EPIPE) fprintf(stderr, "%s: --plot %s: %s\n", PROGRAM, o.plot, err);
            outfile_abort(&plot);
            experiment_free(&e);
            return 1;
        }
        if (to_stdout) {
            experiment_free(&e);
            return 0;
        }
    }
    o.print.color = o.format == FORMAT_TORCH && want_color(o.color);
    errno = 0; /* isatty and friends may have left one; the writes set their own */
    if ((o.explain || o.gradcheck) && o.format != FORMAT_HTML) {
        int rs = run_reports(&e, &o);
        experiment_free(&e);
        return rs;
    }
    exp_status st = EXP_OK;
    int gc_failed = 0;
    if (o.format == FORMAT_HTML) {
        html_status hs = html_print(stdout, &e, &o, &gc_failed);
        st = hs == HTML_OK ? EXP_OK : hs == HTML_NOMEM ? EXP_NOMEM : EXP_WRITE;
    } else {
        st = o.format == FORMAT_JSON ? (json_print(stdout, &e, &o) == 0 ? EXP_OK : EXP_WRITE)
                                     : experiment_print_torch(stdout, &e, &o);
    }
    if (st == EXP_NOMEM) {
        fprintf(stderr, "%s: not enough memory to print\n", PROGRAM);
        experiment_free(&e);
        return 2;
    }
    int status = 0;
    if (st == EXP_OK && fflush(stdout) != 0) st = EXP_WRITE;
    if (st == EXP_WRITE) status = output_failed(errno);
    if (status == 0 && gc_failed) status = 1;
    if (status == 0 && experiment_read_check(&e) != 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, e.errmsg);
        status = 2;
    }
    for (int h = 0; h < e.nheads && status == 0; h++) {
        char msg[256];
        if (json_head_warning(&e, &o, h, msg, sizeof msg)) fprintf(stderr, "%s: warning: %s\n", PROGRAM, msg);
    }
    experiment_free(&e);
    return status;
}
