/* options.h - everything a gradexp run is asked to do, in one struct.
 *
 * Filled from command-line flags (GNU getopt_long) and from `key = value`
 * config files whose keys are the long flag names; flags given on the
 * command line win over the file. The meaning of every setting is that of
 * the reference script torch_ref.py. Errors come back as a status and a
 * one-line message naming the flag or file:line; nothing here prints or
 * exits. */
#ifndef GRADEXP_OPTIONS_H
#define GRADEXP_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "tensor_print.h"
#include "torch_cpu.h"
#include "torch_release.h"

/* The loss heads, in the order `--loss all` runs them. */
typedef enum { LOSS_SIGMOID = 0, LOSS_SOFTMAX, LOSS_BCE, LOSS_KINDS } loss_kind;
extern const char *const LOSS_NAMES[LOSS_KINDS];

/* What --show can print, in the order it is printed (x, w, then per head
 * h, z, p, loss, grad; with --steps, loss also prints the curve and w the
 * trained weights). */
typedef enum { SHOW_X = 0, SHOW_W, SHOW_H, SHOW_Z, SHOW_P, SHOW_LOSS, SHOW_GRAD, SHOW_KINDS } show_kind;
extern const char *const SHOW_NAMES[SHOW_KINDS];

#define MAX_LOSSES 16

/* The hidden layers' activation (--act). */
typedef enum { ACT_RELU = 0, ACT_TANH, ACT_SIGMOID, ACT_KINDS } act_kind;
extern const char *const ACT_NAMES[ACT_KINDS];

#define MAX_HIDDEN 32       /* hidden layers at most (--hidden) */
#define MAX_TARGETS 4096    /* classes one --target list may give */
#define MAX_STEPS 1000000.0 /* --steps at most */

typedef enum { FORMAT_TORCH = 0, FORMAT_JSON, FORMAT_HTML } output_format;
/* --plot-scale: one colour scale for every heatmap, or one per panel. */
typedef enum { PLOT_SCALE_SHARED = 0, PLOT_SCALE_EACH } plot_scale_mode;

#define MAX_PATH_TEXT 4096 /* longest file name a flag takes */
typedef enum { COLOR_AUTO = 0, COLOR_ALWAYS, COLOR_NEVER } color_mode;

typedef struct {
    uint64_t seed;               /* two's complement pattern of torch's seed */
    int seed_negative;           /* the seed was written as a negative number */
    size_t classes;              /* C: rows of W */
    size_t features;             /* F: length of X, columns of W */
    size_t target;               /* y, 0-based class index (the first of targets) */
    size_t targets[MAX_TARGETS]; /* --target K or K1,...,KN (one per row) */
    size_t ntargets;             /* 1, or the batch size */
    size_t hidden[MAX_HIDDEN];   /* --hidden widths, from the input side */
    int nhidden;
    act_kind act;     /* --act: the hidden layers' activation */
    int has_batch;    /* --batch N: X = randn(N, F), the heads run on N rows */
    size_t batch;     /* N (1 without --batch) */
    long steps;       /* --steps T: SGD steps before what is shown */
    double lr;        /* --lr: SGD's learning rate (a Python float) */
    int no_abs;       /* keep X and W signed */
    int stable;       /* logsigmoid / log_softmax heads */
    int has_init_std; /* W = randn(C, F) * init_std */
    double init_std;
    loss_kind losses[MAX_LOSSES];
    int nlosses;
    unsigned show;              /* bit (1u << show_kind) per part shown */
    const torch_release *torch; /* --torch: whose rules (default the newest) */
    torch_cpu cpu;              /* --cpu: whose kernels (default avx2) */
    int cpu_native;             /* --cpu native: resolved once --torch is known */
    print_options print;
    output_format format;
    color_mode color;
    int explain;
    int gradcheck;
    char plot[MAX_PATH_TEXT]; /* --plot FILE.svg ("-": stdout), or "" */
    plot_scale_mode plot_scale;
    char save[MAX_PATH_TEXT];        /* --save DIR, or "" */
    char input[MAX_PATH_TEXT];       /* --input FILE: X from a .npy or FILE.safetensors:NAME */
    char weights[2 * MAX_PATH_TEXT]; /* --weights FILE[,FILE...]: W_1 .. W_L */
    /* which size flags the user gave, so that a file's shape that
     * disagrees with one is an error naming both (--batch: has_batch) */
    int set_classes, set_features, set_hidden;
} gradexp_options;

typedef enum { OPT_OK = 0, OPT_HELP, OPT_VERSION, OPT_ERROR } opt_status;

/* Defaults: the blog's experiment (seed 99, 3 classes, 5 features, target
 * 1, abs on, sigmoid then softmax, show grad, the newest release on its AVX2
 * kernels, torch's print options). */
void options_defaults(gradexp_options *o);

/* Sets one setting from its long flag name and text value (value is NULL
 * for flags without one). Returns 0, or -1 with a message in err (the
 * caller prefixes the flag or file:line). */
int options_set(gradexp_options *o, const char *key, const char *value, char *err, size_t errlen);

/* Reads a config file into o. Returns 0, or -1 with "FILE:LINE: message"
 * (or "FILE: reason") in err. */
int options_load_file(gradexp_options *o, const char *path, char *err, size_t errlen);

/* Parses argv: defaults, then the --config file if any, then every other
 * flag in order, then what depends on the release (--cpu native, the print
 * rules), then the checks that involve several settings (target within
 * classes, sizes that overflow). On OPT_ERROR err holds the message
 * without the program name. */
opt_status options_parse(gradexp_options *o, int argc, char **argv, char *err, size_t errlen);

/* Checks the settings together; 0 or -1 with a message in err. */
int options_validate(const gradexp_options *o, char *err, size_t errlen);

#endif
