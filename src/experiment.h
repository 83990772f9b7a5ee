/* experiment.h - the blog's experiment, generalised: draw X and the
 * weights from torch's generator, run each loss head on its own copy of
 * them (trained by --steps SGD steps), keep every intermediate a printer
 * may show.
 *
 * Two paths behind one set of views. The streamed path (one layer, one
 * input: the blog's shape, up to heads PyTorch cannot hold) never stores
 * W: its rows are regenerated from the generator whenever they are read,
 * and a trained W_t is replayed from W_0 by the rank-one updates
 * outer(dz_s, x) of each step, kept as one dz row per step. The dense path
 * (hidden layers or a batch) holds every matrix and runs network.h's
 * layers.
 *
 * experiment_compute does all the arithmetic and allocation up front, so a
 * run that fails for lack of memory has printed nothing; the printers
 * (experiment_print_torch here, others elsewhere) only read the result. */
#ifndef GRADEXP_EXPERIMENT_H
#define GRADEXP_EXPERIMENT_H

#include <stdio.h>

#include "inputs.h"
#include "network.h"
#include "options.h"
#include "wstream.h"

typedef struct {
    loss_kind kind;
    float *z;    /* (N, C) this head's logits (e->z while W is every head's W_0) */
    float *p;    /* (N, C) sigmoid(z) or softmax(z) */
    float *logp; /* (N, C) the log-probabilities fed to nll (NULL for bce) */
    float *dz;   /* (N, C) d loss / d z; W.grad = outer(dz, x) in one layer */
    float loss;
    int nonfinite;  /* a nan or inf appeared in logp, loss or W.grad */
    float *curve;   /* (steps + 1) the loss before each step and after the last */
    float *dz_hist; /* streamed, with steps: (steps, C) dz of each step */
    net_run net;    /* dense path: this head's network */
} head_result;

/* One tensor to print: its name ("x", "w1", "softmax.grad2") and view. */
typedef struct {
    const char *head; /* a LOSS_NAMES entry, or NULL for x and the initial w */
    char part[16];    /* "x", "w2", "h1", "z", "p", "loss", "curve", "grad", ... */
    show_kind kind;   /* which --show item it belongs to */
    int layer;        /* 1-based layer of w, h and grad (0 for the others) */
    tensor_view view;
} named_tensor;

typedef struct {
    size_t C, F;
    size_t N;              /* rows of X: --batch, else 1 */
    size_t L;              /* layers */
    int dense;             /* the dense path (network.h) rather than the streamed one */
    net_spec spec;         /* the shape and training every head shares (kind: per head) */
    float *x;              /* (N, F); W is never stored in the streamed path */
    float *z;              /* (C) W_0 @ X, the same for every head (streamed path) */
    float *W0[MAX_LAYERS]; /* dense path: the initial weights */
    long steps;
    float alpha;  /* (float)(-lr) */
    int fused;    /* SGD's add is one FMA (the vector builds) */
    int blas_fma; /* BLAS fuses its sums (aarch64: cpu_blas_fma) */
    int plus0;    /* 1.13: gradients after the first are 0 + g (zero_grad zeroes) */
    head_result heads[MAX_LOSSES];
    int nheads;
    size_t *targets_owned; /* one class per row, when --target gave one for a batch */
    float *w0;             /* streamed, with steps: W_0 kept in memory when small enough */
    size_t w0_bytes;       /* its mapping's length */
    float *w_tr;           /* a trained row being read (streamed, with steps) */
    int w_tr_head;         /* its head, or -1 */
    uint64_t w_tr_row;
    /* Replaying W for its view: a stream at row 0 and, for summarised
     * printing, one at row w_late_row; w_cur is the one being read. */
    wstream w_start, w_late, w_cur;
    uint64_t w_late_row;
    int w_have_late;
    uint64_t w_cur_row; /* row held in w_row, or UINT64_MAX */
    const float *w_row;
    run_inputs in;          /* the user's X and weights (--input, --weights) */
    atomic_int read_failed; /* a weight file could not be read while streaming */
    char errmsg[640];       /* what EXP_INPUT is about: "FILE: reason" */
} experiment;

/* EXP_INPUT: an --input or --weights file could not be read (errmsg). */
typedef enum { EXP_OK = 0, EXP_NOMEM = 1, EXP_WRITE = 2, EXP_INPUT = 3 } exp_status;

/* Runs the configured experiment. On EXP_NOMEM or EXP_INPUT nothing is
 * left allocated. */
exp_status experiment_compute(experiment *e, const gradexp_options *o);
/* Bytes experiment_compute will allocate for these options (errs high). */
uint64_t experiment_bytes(const gradexp_options *o);
/* 0, or -1 with e->errmsg set when a weight file failed to read while its
 * rows streamed (the printed values of its rows are then not the file's). */
int experiment_read_check(experiment *e);
/* Frees what experiment_compute allocated; safe on a zeroed struct. */
void experiment_free(experiment *e);

/* Views of the results as torch tensors: x (F), w (C, F), z and p as (1, C)
 * rows, the loss as a 0-d tensor, W.grad (C, F) as the outer product it is
 * (the last layer's, in a dense run; after training, the trained model's).
 * `scalar` is storage the 0-d view points to. */
tensor_view experiment_view(experiment *e, int head, show_kind part, float *scalar);

/* Layer l (1-based) of a head's network as views: its initial weights,
 * its weights after training (the same as the initial ones without
 * steps) and its gradient (the trained model's). */
typedef enum { LAYER_W0, LAYER_W, LAYER_GRAD } layer_part;
tensor_view experiment_layer(experiment *e, int head, size_t layer, layer_part part);
/* 1 when row `row` of layer l's weights got an all-zero gradient at every
 * training step (so SGD left it exactly as it was). */
int experiment_row_still(const experiment *e, int head, size_t layer, size_t row);

/* Every tensor the options show, in torch_ref.py's order: x, the initial
 * w (or w1 .. wL), then per head h1 .., z, p, loss, curve (with steps),
 * grad (or grad1 .. gradL), and the trained w (with steps). Fills up to max
 * entries of out and returns how many there are. */
size_t experiment_tensors(experiment *e, const gradexp_options *o, named_tensor *out, size_t max);

/* The most entries experiment_tensors can return. */
#define MAX_NAMED (2 * MAX_LAYERS + MAX_LOSSES * (4 * MAX_LAYERS + 8))

/* Prints the requested tensors as torch_ref.py does: "# name" then the
 * tensor text. Returns EXP_OK or EXP_WRITE. */
exp_status experiment_print_torch(FILE *out, experiment *e, const gradexp_options *o);

#endif
