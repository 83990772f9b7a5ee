/* gradcheck.h - checks each head's analytic W.grad against central finite
 * differences of the same loss computed in double precision, in the manner
 * of torch.autograd.gradcheck, for this one-layer model.
 *
 * The analytic gradient is W.grad[i][j] = dz[i] * x[j] exactly as gradexp
 * computes and prints it (float32 product of the head's float32 dz and X).
 * The numeric one perturbs one weight W[i][j] by +-h; in exact arithmetic
 * that moves only z[i], by +-h * x[j], so each loss evaluation reuses z and
 * costs O(1) (softmax's normaliser keeps prefix and suffix sums of
 * exp(z - max) to leave one class out). The losses are re-implemented in
 * double, naive (log of sigmoid / softmax) or stable (logsigmoid,
 * log-sum-exp) as the run asks, bce in its stable form as torch computes
 * it; terms that do not depend on W[i][j] cancel in the difference and are
 * left out of it, so a large loss does not drown the difference. Both
 * gradients are taken at the same point, the float32 z of the run.
 *
 * An entry passes when |a - n| <= atol + rtol * |n| (a analytic, n
 * numeric) and both are finite. Library code: returns status codes, never
 * exits; the report goes to a FILE*. */
#ifndef GRADEXP_GRADCHECK_H
#define GRADEXP_GRADCHECK_H

#include <stddef.h>
#include <stdio.h>

#include "experiment.h"
#include "options.h"

typedef struct {
    double h;        /* finite-difference step on each weight */
    double atol;     /* absolute tolerance */
    double rtol;     /* relative tolerance */
    size_t max_rows; /* every row is checked up to this many, else a sample */
    size_t max_cols; /* every column is checked up to this many, else a sample */
} gradcheck_params;

/* h = 1e-6, atol = 1e-5, rtol = 1e-3 (torch.autograd.gradcheck's defaults,
 * see the README for why they suit a float32 analytic gradient), every
 * weight checked up to 1000 rows by 1000 columns. */
/* (clang-format 14 would lay this braced macro body out as a block.) */
/* clang-format off */
#define GRADCHECK_PARAMS_DEFAULT {1e-6, 1e-5, 1e-3, 1000, 1000}
/* clang-format on */

/* What the check of one head found. Indices are (row, column) of W. */
typedef struct {
    loss_kind kind;
    int stable;
    size_t rows, cols;       /* rows and columns checked */
    size_t checked;          /* weights checked: rows * cols */
    size_t over_tol;         /* finite entries with |a - n| > atol + rtol|n| */
    size_t nonfinite_a;      /* checked entries whose analytic value is nan/inf */
    size_t nonfinite_n;      /* checked entries whose numeric value is nan/inf */
    size_t nonfinite_dz;     /* rows (of all C) whose dz is nan or inf */
    size_t compared;         /* checked entries with both values finite */
    double max_abs;          /* max |a - n| over finite pairs (0 if none) */
    double max_rel;          /* max |a - n| / |n| over finite pairs, n != 0 */
    double worst;            /* max |a - n| / (atol + rtol|n|): <= 1 passes */
    size_t worst_i, worst_j; /* where worst was reached */
    double worst_a, worst_n; /* the two values there */
    size_t bad_i, bad_j;     /* first non-finite entry (when there is one) */
    double bad_a, bad_n;
    int sampled; /* rows < C or cols < F */
    int pass;    /* all finite and within tolerance */
} gradcheck_result;

/* Status codes of this module. */
enum { GRADCHECK_OK = 0, GRADCHECK_WRITE = -1, GRADCHECK_NOMEM = -2 };

/* Checks the analytic gradient outer(dz, x) of one head against central
 * differences of its loss (kind; stable selects logsigmoid / log_softmax
 * for the nll heads, bce is always the stable formula) around the logits z,
 * target class `target`. x (F), z (C), dz (C) are float32 as the
 * experiment holds them; dz may be any array (tests pass a corrupted one).
 * Rows checked: all C when C <= p->max_rows, else p->max_rows rows evenly
 * spaced from 0 to C-1 plus the target row; columns likewise with
 * p->max_cols (no target). Fills *r and returns GRADCHECK_OK, or
 * GRADCHECK_NOMEM (r then undefined). */
int gradcheck_head(gradcheck_result *r, const float *x, const float *z, const float *dz, size_t C, size_t F,
                   size_t target, loss_kind kind, int stable, const gradcheck_params *p);

/* Checks every head of the computed experiment e (run with options o) and
 * writes a short report to out: a header naming the method and tolerance,
 * one line per head (with "Sampled: ..." when rows or columns were
 * sampled), an explanation under each failed head (for a naive head with
 * nan or inf, whether the --stable kernels on the same z pass), a verdict
 * line. *nfailed gets the number of heads that failed. Returns
 * GRADCHECK_OK, GRADCHECK_WRITE (a write failed; errno as that write left
 * it; out may hold a prefix) or GRADCHECK_NOMEM (nothing more is
 * written). */
int gradcheck_report(FILE *out, const experiment *e, const gradexp_options *o, const gradcheck_params *p, int *nfailed);

#endif
