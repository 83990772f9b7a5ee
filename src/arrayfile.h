/* arrayfile.h - arrays from NumPy .npy and safetensors files, read as
 * float32 the way torch.from_numpy(a).float() reads them, and float32
 * arrays written as .npy files byte-identical to numpy's np.save.
 *
 * arrayfile_open validates a whole file before it returns (the .npy header
 * dict, or the safetensors JSON header with every tensor's offsets, as the
 * safetensors library checks them) and keeps only the open descriptor and
 * where the data starts: the data is never held, arrayfile_rows reads the
 * rows it is asked for with pread through a bounded buffer, so one opened
 * struct can be shared read-only by threads. Every error is a single line
 * "FILE: reason" naming the file as the user wrote it. */
#ifndef GRADEXP_ARRAYFILE_H
#define GRADEXP_ARRAYFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define AF_MAX_DIMS 8

typedef enum { AF_F32 = 0, AF_F64, AF_F16, AF_BF16 } af_dtype;

typedef struct {
    char name[512]; /* what error messages name: the path, or "path:TENSOR" for safetensors */
    int fd;         /* open file (pread only; the struct is shared read-only by threads) */
    af_dtype dtype;
    int big_endian; /* stored byte order */
    int fortran;    /* .npy fortran_order (column-major) */
    int ndim;
    uint64_t shape[AF_MAX_DIMS];
    uint64_t count;  /* product of shape (1 for 0-d) */
    uint64_t offset; /* byte offset of element 0 in the file */
    uint64_t rows;   /* the array seen as a matrix: shape[0] for ndim >= 2, else 1 */
    uint64_t cols;   /* product of shape[1..] for ndim >= 2, else count */
    size_t itemsize; /* bytes per stored element: 2, 4 or 8 */
    int opened;      /* set by a successful arrayfile_open, cleared by arrayfile_close */
} arrayfile;

/* Opens spec: a .npy file, or "FILE:NAME" naming tensor NAME of a
 * safetensors FILE. The format is decided by content, not by extension: if
 * spec names an existing file, its magic decides (.npy's "\x93NUMPY", else
 * safetensors); if it does not exist and contains ':', it is split at the
 * LAST ':' into the file and the tensor name (safetensors only). A
 * safetensors file without :NAME is an error listing (up to five of) the
 * names it holds. Positions in messages ("at byte K") count from the start
 * of the file. Returns 0, or -1 with err = "FILE: reason" (one line, no
 * newline; control characters in names become '?') and a->fd = -1. */
int arrayfile_open(arrayfile *a, const char *spec, char *err, size_t errlen);

/* Rows [row0, row0+nrows) of the array seen as a rows x cols matrix (a 1-d
 * or 0-d array is one row of count elements; an n-d array has shape[0]
 * rows of its other dimensions flattened in C order) as row-major float32
 * into out (nrows*cols floats), converted exactly as
 * torch.from_numpy(a).float() converts: float64 by a (float) cast (round to
 * nearest even; NaNs quieted, payload's top bits kept), float16 exactly as
 * c10's fp16_ieee_to_fp32_value (NaNs quieted, payload kept), bfloat16 by
 * its bits shifted up (exact, NaNs untouched); byte-swapped when stored
 * big-endian. Fortran order: element (i,j) of a 2-d array is at flat index
 * j*rows+i. Reads with pread through a bounded stack buffer (no allocation),
 * thread-safe. Returns 0, or -1 with err = "NAME: reason" (rows out of
 * range, a read error, or "NAME: truncated" when the file got shorter since
 * it was opened). */
int arrayfile_rows(const arrayfile *a, float *out, uint64_t row0, size_t nrows, char *err, size_t errlen);

/* Closes the file and sets fd = -1; safe on a zeroed or failed struct and
 * when called twice (only a descriptor arrayfile_open opened is closed). */
void arrayfile_close(arrayfile *a);

/* Writes a complete .npy version 1.0 file of float32 little-endian data to
 * f: the header byte-identical to what numpy's np.save writes for a C-order
 * '<f4' array of that shape (ndim 0 to AF_MAX_DIMS), including numpy's
 * spare spaces for growing the first axis, padded so the data starts at a
 * multiple of 64 bytes; then the data, row(ctx, i, buf) filling row i (cols
 * floats) for i = 0 .. rows-1 (a 1-d or 0-d array is one row). Little-endian
 * output on any host; f is flushed. Returns 0, or -1 with errno set (a write
 * error; EINVAL for a bad ndim, EOVERFLOW for a shape whose size overflows,
 * ENOMEM). */
int npy_write_f32(FILE *f, int ndim, const uint64_t *shape, void (*row)(void *ctx, uint64_t i, float *buf), void *ctx);

#endif
