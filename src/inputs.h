/* inputs.h - the user's own X and weights (--input, --weights).
 *
 * A run's tensors are drawn from torch's generator unless the user gives
 * them as files (arrayfile.h: .npy or safetensors). This module turns the
 * flags into open array files and their shapes into the run's sizes: X's
 * shape sets --features (and --batch for a 2-d X), the weights' shapes set
 * --features, --hidden and --classes. A size flag the user gave that
 * disagrees with a shape is an error naming both. */
#ifndef GRADEXP_INPUTS_H
#define GRADEXP_INPUTS_H

#include <stddef.h>

#include "arrayfile.h"
#include "network.h"
#include "options.h"

typedef struct {
    arrayfile x; /* --input, when has_x */
    int has_x;
    arrayfile w[MAX_LAYERS]; /* --weights, W_1 .. W_nw */
    size_t nw;
} run_inputs;

/* Opens the files --input and --weights name and applies their shapes to
 * o (features, batch, hidden, classes), checking them against the size
 * flags the user set and against each other. Returns 0 with the files left
 * open in *in, or -1 with a one-line message in err ("FILE: reason", or
 * "--flag V disagrees with FILE: ..."), nothing left open. A run without
 * either flag opens nothing. */
int inputs_open(run_inputs *in, gradexp_options *o, char *err, size_t errlen);

/* Closes what inputs_open opened; safe on a zeroed struct. */
void inputs_close(run_inputs *in);

#endif
