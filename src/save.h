/* save.h - --save DIR: every tensor the output shows, as DIR/NAME.npy.
 *
 * NAME is the tensor's name in the text output ("x", "w2",
 * "softmax.grad"); the file is what np.save(NAME.npy, t.numpy()) writes
 * for the same tensor in torch (float32, little-endian, C order, numpy's
 * header byte for byte). Every file goes through a temporary file, and the
 * temporary files are renamed over their targets only once all of them are
 * written: a write that fails (a full disk) leaves the directory as it
 * was, and no file is ever half-written. Tensors stream row by row from their views, so a
 * head too large to hold is saved in O(classes + features) memory. */
#ifndef GRADEXP_SAVE_H
#define GRADEXP_SAVE_H

#include <stddef.h>

#include "experiment.h"
#include "options.h"

typedef enum { SAVE_OK = 0, SAVE_BADPATH = 1, SAVE_WRITE = 2, SAVE_NOMEM = 3 } save_status;

/* Creates dir (and missing parents). SAVE_OK, or SAVE_BADPATH with the
 * reason in err. Run before the experiment, so a bad path costs nothing. */
save_status save_prepare(const char *dir, char *err, size_t errlen);

/* Writes the tensors. SAVE_OK, or SAVE_WRITE / SAVE_NOMEM with
 * "PATH: reason" in err; nothing is left behind then. */
save_status save_tensors(const char *dir, experiment *e, const gradexp_options *o, char *err, size_t errlen);

#endif
