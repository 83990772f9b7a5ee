/* wstream.h - the rows of W = |randn(C, F) * init_std| in order, without
 * ever holding W.
 *
 * torch draws all C*F uniforms, transforms them 16 at a time, and (when
 * C*F is not a multiple of 16) draws 16 fresh uniforms for a last block that
 * overwrites the final 16 values. The stream produces the same values row
 * by row from a generator positioned after X's draws: full blocks as rows
 * are asked for, the tail block when a row reaches into it. A stream can be
 * copied (a snapshot) to replay rows later, e.g. to print W. Below 16
 * elements torch uses the serial path; the stream then draws all of W at
 * once. */
#ifndef GRADEXP_WSTREAM_H
#define GRADEXP_WSTREAM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "arrayfile.h"
#include "torch_rng.h"

typedef struct {
    const arrayfile *file;   /* rows read from the user's file (--weights), not drawn */
    atomic_int *read_failed; /* set (never cleared) when reading the file failed */
    torch_rng g;             /* positioned at the next undrawn word */
    size_t C, F;
    uint64_t n; /* C * F */
    torch_cpu cpu;
    int scale_on; /* multiply by scale (--init-std) */
    float scale;
    int take_abs;    /* then take |w| (the blog's abs) */
    size_t max_rows; /* most rows one call may ask for */
    uint64_t row;    /* index of the next row handed out */
    uint64_t gen;    /* values generated so far (positions [0, gen)) */
    float *buf;      /* values for positions [buf_start, gen) */
    uint64_t buf_start;
    size_t cap;
} wstream;

/* Starts a stream of C x F weights drawn from a copy of g. max_rows is the
 * largest k later passed to wstream_rows. Returns 0 or -1 (no memory). */
int wstream_init(wstream *s, const torch_rng *g, size_t C, size_t F, torch_cpu cpu, int scale_on, float scale,
                 int take_abs, size_t max_rows);
/* Starts a stream of the rows of a C x F weight file: the same interface,
 * rows read with arrayfile_rows instead of drawn. A row that cannot be read
 * (the file shrank or failed since it was opened) comes back as zeros and
 * sets *read_failed. 0 or -1 (no memory). */
int wstream_init_file(wstream *s, const arrayfile *file, atomic_int *read_failed, size_t max_rows);
/* The next k rows (k <= max_rows, not past C) as k*F contiguous floats,
 * valid until the next call on s. */
const float *wstream_rows(wstream *s, size_t k);
/* Moves a fresh stream (nothing read yet, C*F >= 16) to start at `row`,
 * skipping the draws before it without transforming them. 0 or -1. */
int wstream_seek(wstream *s, uint64_t row);
/* Makes dst an independent copy of src (same position). 0 or -1. */
int wstream_copy(wstream *dst, const wstream *src);
void wstream_free(wstream *s);

#endif
