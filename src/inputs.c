/* inputs.c - --input and --weights: open the files, take the sizes from
 * their shapes (see inputs.h). */
#include "inputs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The largest size gradexp takes for any dimension (as options.c). */
#define MAX_DIM ((uint64_t)1 << 40)

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* "(3, 5)" for a's shape. */
static const char *shape_text(char *buf, size_t len, const arrayfile *a)
{
    size_t n = (size_t)snprintf(buf, len, "(");
    for (int d = 0; d < a->ndim && n < len; d++)
        n += (size_t)snprintf(buf + n, len - n, "%s%llu", d ? ", " : "", (unsigned long long)a->shape[d]);
    if (n < len) snprintf(buf + n, len - n, a->ndim == 1 ? ",)" : ")");
    return buf;
}

/* Every dimension of a in [1, MAX_DIM]. */
static int check_dims(const arrayfile *a, char *err, size_t errlen)
{
    char s[160];
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] == 0 || a->shape[d] > MAX_DIM)
            return fail(err, errlen, "%s: shape %s: every size must be 1 to 2^40", a->name, shape_text(s, sizeof s, a));
    return 0;
}

void inputs_close(run_inputs *in)
{
    if (in->has_x) arrayfile_close(&in->x);
    for (size_t l = 0; l < in->nw; l++) arrayfile_close(&in->w[l]);
    in->has_x = 0;
    in->nw = 0;
}

/* Opens X's file and applies its shape. */
static int open_x(run_inputs *in, gradexp_options *o, char *err, size_t errlen)
{
    if (arrayfile_open(&in->x, o->input, err, errlen) != 0) return -1;
    in->has_x = 1;
    arrayfile *a = &in->x;
    char s[160];
    if (a->ndim != 1 && a->ndim != 2)
        return fail(err, errlen, "%s: X must be 1-d (F,) or 2-d (N, F); the shape is %s", a->name,
                    shape_text(s, sizeof s, a));
    if (check_dims(a, err, errlen) != 0) return -1;
    uint64_t F = a->shape[a->ndim - 1];
    if (o->set_features && o->features != F)
        return fail(err, errlen, "--features %zu disagrees with %s: its shape %s has %llu features", o->features,
                    a->name, shape_text(s, sizeof s, a), (unsigned long long)F);
    if (a->ndim == 1 && o->has_batch)
        return fail(err, errlen,
                    "--batch %zu disagrees with %s: a 1-d X %s is one input (save a 2-d (N, F) array for a batch)",
                    o->batch, a->name, shape_text(s, sizeof s, a));
    if (a->ndim == 2 && o->has_batch && o->batch != a->shape[0])
        return fail(err, errlen, "--batch %zu disagrees with %s: its shape %s has %llu rows", o->batch, a->name,
                    shape_text(s, sizeof s, a), (unsigned long long)a->shape[0]);
    o->features = (size_t)F;
    if (a->ndim == 2) {
        o->has_batch = 1;
        o->batch = (size_t)a->shape[0];
    }
    return 0;
}

/* Opens the weights' files (a comma list) and applies their shapes. */
static int open_w(run_inputs *in, gradexp_options *o, char *err, size_t errlen)
{
    char list[sizeof o->weights];
    memcpy(list, o->weights, sizeof list);
    char *save = NULL;
    for (char *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        if (in->nw == MAX_LAYERS)
            return fail(err, errlen, "--weights: more than %d files (at most %d hidden layers)", MAX_LAYERS,
                        MAX_HIDDEN);
        if (arrayfile_open(&in->w[in->nw], f, err, errlen) != 0) return -1;
        in->nw++;
    }
    if (in->nw == 0) return fail(err, errlen, "--weights: needs a file name");
    char s[160], t[160];
    size_t L = in->nw;
    if (o->set_hidden && (size_t)o->nhidden + 1 != L)
        return fail(err, errlen, "--hidden gives %d hidden layer%s, so --weights needs %d file%s, not %zu", o->nhidden,
                    o->nhidden == 1 ? "" : "s", o->nhidden + 1, o->nhidden == 0 ? "" : "s", L);
    for (size_t l = 0; l < L; l++) {
        arrayfile *a = &in->w[l];
        if (a->ndim != 2)
            return fail(err, errlen, "%s: a weight matrix must be 2-d (out, in); the shape is %s", a->name,
                        shape_text(s, sizeof s, a));
        if (check_dims(a, err, errlen) != 0) return -1;
        if (l > 0 && a->shape[1] != in->w[l - 1].shape[0])
            return fail(err, errlen,
                        "%s: shape %s does not follow %s's %s: its %llu columns must be the %llu rows before", a->name,
                        shape_text(s, sizeof s, a), in->w[l - 1].name, shape_text(t, sizeof t, &in->w[l - 1]),
                        (unsigned long long)a->shape[1], (unsigned long long)in->w[l - 1].shape[0]);
    }
    arrayfile *first = &in->w[0], *last = &in->w[L - 1];
    if ((o->set_features || in->has_x) && o->features != first->shape[1]) {
        if (in->has_x)
            return fail(err, errlen, "%s: shape %s has %llu columns, but X from %s has %zu features", first->name,
                        shape_text(s, sizeof s, first), (unsigned long long)first->shape[1], in->x.name, o->features);
        return fail(err, errlen, "--features %zu disagrees with %s: its shape %s has %llu columns", o->features,
                    first->name, shape_text(s, sizeof s, first), (unsigned long long)first->shape[1]);
    }
    if (o->set_classes && o->classes != last->shape[0])
        return fail(err, errlen, "--classes %zu disagrees with %s: its shape %s has %llu rows (classes)", o->classes,
                    last->name, shape_text(s, sizeof s, last), (unsigned long long)last->shape[0]);
    for (size_t l = 0; l + 1 < L && o->set_hidden; l++)
        if (o->hidden[l] != in->w[l].shape[0])
            return fail(err, errlen, "--hidden: layer %zu's width %zu disagrees with %s: its shape %s has %llu rows",
                        l + 1, o->hidden[l], in->w[l].name, shape_text(s, sizeof s, &in->w[l]),
                        (unsigned long long)in->w[l].shape[0]);
    o->features = (size_t)first->shape[1];
    o->classes = (size_t)last->shape[0];
    o->nhidden = (int)(L - 1);
    for (size_t l = 0; l + 1 < L; l++) o->hidden[l] = (size_t)in->w[l].shape[0];
    return 0;
}

int inputs_open(run_inputs *in, gradexp_options *o, char *err, size_t errlen)
{
    memset(in, 0, sizeof *in);
    in->x.fd = -1;
    for (size_t l = 0; l < MAX_LAYERS; l++) in->w[l].fd = -1;
    if ((o->input[0] && open_x(in, o, err, errlen) != 0) || (o->weights[0] && open_w(in, o, err, errlen) != 0)) {
        inputs_close(in);
        return -1;
    }
    return 0;
}
