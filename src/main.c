/* main.c - gradexp's command line: parse, run, print, map failures to
 * messages and exit statuses (0 success, 1 output or gradient-check
 * failure, 2 bad input or not enough memory). Everything else lives in
 * library modules that return status codes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "experiment.h"
#include "options.h"

#define PROGRAM "gradexp"
#define VERSION "0.1.0"

static const char USAGE[] =
    "Usage: gradexp [OPTION]...\n"
    "Reruns the softmax-vs-sigmoid gradient experiment and prints the tensors\n"
    "exactly as PyTorch 1.13 prints them (same seed, same random numbers, same text).\n"
    "\n"
    "Experiment:\n"
    "  --classes N         rows of W, the number of classes (default 3)\n"
    "  --features N        length of X, columns of W (default 5)\n"
    "  --target K          the true class y, 0-based (default 1)\n"
    "  --seed S            torch.manual_seed, any integer in [-2^63, 2^64-1] (default 99)\n"
    "  --no-abs            keep X and W signed (the blog takes their absolute values)\n"
    "  --init-std S        W = randn(C, F) * S before abs (default: no scaling)\n"
    "  --loss LIST         heads to run, in order: sigmoid, softmax, bce, or all\n"
    "                      (default sigmoid,softmax)\n"
    "  --stable            logsigmoid / log_softmax instead of log(sigmoid) / log(softmax)\n"
    "  --rng avx2|default  which of torch's CPU kernels to match (default avx2;\n"
    "                      default = torch with ATEN_CPU_CAPABILITY=default)\n"
    "  --config FILE       read 'key = value' lines (keys are these long flag names);\n"
    "                      flags on the command line win\n"
    "\n"
    "Output:\n"
    "  --show LIST         what to print: x, w, z, p, loss, grad, or all (default grad);\n"
    "                      printed as x, w, then per head z, p, loss, grad\n"
    "  --precision P       digits after the point (default 4)\n"
    "  --linewidth N       characters per line (default 80)\n"
    "  --threshold N       summarise tensors with more elements (default 1000)\n"
    "  --edgeitems N       items kept at each end when summarising (default 3)\n"
    "  --sci-mode M        auto, on or off (default auto)\n"
    "  -h, --help          show this help and exit\n"
    "  -V, --version       show the version and exit\n"
    "\n"
    "Examples:\n"
    "  gradexp                                   the blog: sigmoid and softmax W.grad\n"
    "  gradexp --classes 10 --features 4 --target 7 --show all\n"
    "  gradexp --loss all --stable --no-abs --seed -1\n"
    "  gradexp --config examples/blog.conf --precision 8\n"
    "\n"
    "Exit status: 0 success, 1 output error, 2 bad input or out of memory.\n";

int main(int argc, char **argv)
{
    gradexp_options o;
    char err[512];
    switch (options_parse(&o, argc, argv, err, sizeof err)) {
    case OPT_HELP:
        fputs(USAGE, stdout);
        return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
    case OPT_VERSION:
        printf("%s %s\n", PROGRAM, VERSION);
        return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
    case OPT_ERROR:
        fprintf(stderr, "%s: %s\n", PROGRAM, err);
        return 2;
    case OPT_OK:
        break;
    }

    experiment e;
    if (experiment_compute(&e, &o) != EXP_OK) {
        fprintf(stderr, "%s: --classes, --features: not enough memory for %zu x %zu weights\n", PROGRAM,
                o.classes, o.features);
        return 2;
    }
    exp_status st = experiment_print_torch(stdout, &e, &o);
    int status = 0;
    if (st == EXP_OK && fflush(stdout) != 0) st = EXP_WRITE;
    if (st == EXP_WRITE) {
        fprintf(stderr, "%s: write error: %s\n", PROGRAM, strerror(errno ? errno : EIO));
        status = 1;
    }
    for (int h = 0; h < e.nheads && status == 0; h++) {
        const head_result *r = &e.heads[h];
        if (r->nonfinite && !o.stable && r->kind != LOSS_BCE)
            fprintf(stderr, "%s: warning: the naive %s head gave nan or inf (log of a probability that "
                            "rounded to 0); --stable computes it without overflow\n",
                    PROGRAM, LOSS_NAMES[r->kind]);
    }
    experiment_free(&e);
    return status;
}
