/* experiment.h - the blog's experiment, generalised: draw X and W from
 * torch's generator, run each loss head on its own copy of W, keep every
 * intermediate a printer may show.
 *
 * experiment_compute does all the arithmetic and allocation up front, so a
 * run that fails for lack of memory has printed nothing; the printers
 * (experiment_print_torch here, others elsewhere) only read the result. */
#ifndef GRADEXP_EXPERIMENT_H
#define GRADEXP_EXPERIMENT_H

#include <stdio.h>

#include "options.h"
#include "wstream.h"

typedef struct {
    loss_kind kind;
    float *p;    /* (C) sigmoid(z) or softmax(z) */
    float *logp; /* (C) the log-probabilities fed to nll (NULL for bce) */
    float *dz;   /* (C) d loss / d z; W.grad = outer(dz, x) */
    float loss;
    int nonfinite; /* a nan or inf appeared in logp, loss or W.grad */
} head_result;

typedef struct {
    size_t C, F;
    float *x; /* (F); W is never stored: read it through experiment_view */
    float *z; /* (C) W @ X, the same for every head */
    head_result heads[MAX_LOSSES];
    int nheads;
    /* Replaying W for its view: a stream at row 0 and, for summarised
     * printing, one at row w_late_row; w_cur is the one being read. */
    wstream w_start, w_late, w_cur;
    uint64_t w_late_row;
    int w_have_late;
    uint64_t w_cur_row; /* row held in w_row, or UINT64_MAX */
    const float *w_row;
} experiment;

typedef enum { EXP_OK = 0, EXP_NOMEM = 1, EXP_WRITE = 2 } exp_status;

/* Runs the configured experiment. On EXP_NOMEM nothing is left allocated. */
exp_status experiment_compute(experiment *e, const gradexp_options *o);
/* Bytes experiment_compute will allocate for these options (errs high). */
uint64_t experiment_bytes(const gradexp_options *o);
/* Frees what experiment_compute allocated; safe on a zeroed struct. */
void experiment_free(experiment *e);

/* Views of the results as torch tensors: x (F), w (C, F), z and p as (1, C)
 * rows, the loss as a 0-d tensor, W.grad (C, F) as the outer product it is.
 * `scalar` is storage the 0-d view points to. */
tensor_view experiment_view(experiment *e, int head, show_kind part, float *scalar);

/* Prints the requested tensors as torch_ref.py does: "# name" then the
 * tensor text. Returns EXP_OK or EXP_WRITE. */
exp_status experiment_print_torch(FILE *out, experiment *e, const gradexp_options *o);

#endif
