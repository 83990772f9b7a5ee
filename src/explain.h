/* explain.h - gradexp --explain: the blog's experiment as a walkthrough.
 *
 * In the blog's order - inputs X and W, logits z = W @ X, then for each
 * head (in --loss order) its probabilities, loss and W.grad - the tensors
 * are printed with the project's printer under the run's print options,
 * and between them go short plain-language notes. Every note is computed
 * from the numbers of this run, never assumed: which rows of W.grad are
 * exactly zero and why, the sign of each row against the target row, the
 * sums of the probabilities and of softmax's W.grad columns (as computed,
 * in float32 and in double), where nan or inf appear and whether --stable
 * would avoid them (found by running the stable kernels). Notes are wrapped
 * to 80 columns; large tensors are summarised by the printer as usual.
 * Library code: status codes, no exits. */
#ifndef GRADEXP_EXPLAIN_H
#define GRADEXP_EXPLAIN_H

#include <stdio.h>

#include "experiment.h"
#include "options.h"

/* Status codes of explain_print. */
enum { EXPLAIN_OK = 0, EXPLAIN_WRITE = -1, EXPLAIN_NOMEM = -2 };

/* Writes the walkthrough of the computed experiment e, run with options o,
 * to out (whatever o->show says: the walkthrough shows every part), then
 * flushes out. e is not const because reading a streamed W through
 * experiment_view advances its stream; the results are not changed.
 * Returns EXPLAIN_OK, EXPLAIN_WRITE when a write fails (errno as the
 * failing write left it; out may hold a prefix; nothing more is computed)
 * or EXPLAIN_NOMEM (out may hold a prefix). */
int explain_print(FILE *out, experiment *e, const gradexp_options *o);

#endif
