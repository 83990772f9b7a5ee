/* fuzz_arrays.h - what the two array-file harnesses share (fuzz_npy.c and
 * fuzz_safetensors.c): a private directory on tmpfs, writing the input to
 * a file, and the checks on an opened array (consistency, reading it whole
 * and by row ranges, the conversions, npy_write_f32 reading back) and on an
 * error message. Included once by each harness, after it defines
 * FUZZ_NAME (for messages) and FUZZ_FILE (the input's file name). */
#ifndef GRADEXP_FUZZ_ARRAYS_H
#define GRADEXP_FUZZ_ARRAYS_H

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrayfile.h"

#define MAX_ELEMS (1u << 20)

#define CHECK(cond, ...)                                              \
    do {                                                              \
        if (!(cond)) {                                                \
            fprintf(stderr, FUZZ_NAME ": check failed: %s: ", #cond); \
            fprintf(stderr, __VA_ARGS__);                             \
            fputc('\n', stderr);                                      \
            abort();                                                  \
        }                                                             \
    } while (0)

static char dir[64];
static char path[96];
static char path2[96];

static void cleanup(void)
{
    unlink(path);
    unlink(path2);
    rmdir(dir);
}

/* Creates the private directory once (tmpfs when there is one: rewriting
 * a file on a disk file system costs milliseconds). */
static void setup(void)
{
    if (dir[0]) return;
    const char *tmp = getenv("TMPDIR");
    if (access("/dev/shm", W_OK) == 0) tmp = "/dev/shm";
    snprintf(dir, sizeof dir, "%s/gradexp-fuzz-XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL, "mkdtemp %s", dir);
    snprintf(path, sizeof path, "%s/" FUZZ_FILE, dir);
    snprintf(path2, sizeof path2, "%s/b.npy", dir);
    CHECK(atexit(cleanup) == 0, "atexit");
}

static void write_file(const char *p, const uint8_t *data, size_t size)
{
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0, "open %s", p);
    CHECK(write(fd, data, size) == (ssize_t)size, "write");
    CHECK(close(fd) == 0, "close");
}

static void check_message(const char *err, const char *name)
{
    size_t len = strlen(name);
    CHECK(!strncmp(err, name, len) && err[len] == ':', "message '%s' does not name '%s'", err, name);
    for (const char *p = err; *p; p++)
        CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "control character 0x%02x in message '%s'", (unsigned char)*p,
              err);
}

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* The expected float32 bits of the stored element at p, computed without
 * the library's code. */
static uint32_t reference(const arrayfile *a, const uint8_t *p)
{
    uint8_t b[8];
    size_t n = a->itemsize;
    for (size_t i = 0; i < n; i++) b[i] = a->big_endian ? p[n - 1 - i] : p[i]; /* little-endian now */
    if (a->dtype == AF_F32) return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    if (a->dtype == AF_BF16) return ((uint32_t)b[0] | (uint32_t)b[1] << 8) << 16;
    if (a->dtype == AF_F64) {
        uint64_t u = 0;
        for (int i = 7; i >= 0; i--) u = u << 8 | b[i];
        double d;
        memcpy(&d, &u, sizeof d);
        return bits((float)d);
    }
    unsigned h = (unsigned)b[0] | (unsigned)b[1] << 8;
    uint32_t sign = (uint32_t)(h >> 15) << 31;
    unsigned e = h >> 10 & 0x1f, m = h & 0x3ff;
    if (e == 0x1f) return sign | 0x7f800000u | (m ? 0x400000u | (uint32_t)m << 13 : 0);
    float v = e == 0 ? ldexpf((float)m, -24) : ldexpf((float)(m | 0x400), (int)e - 25);
    return sign | bits(v);
}

typedef struct {
    const float *v;
    uint64_t cols;
} rows_ctx;

static void give_row(void *ctx, uint64_t i, float *buf)
{
    const rows_ctx *c = ctx;
    memcpy(buf, c->v + i * c->cols, (size_t)c->cols * sizeof *buf);
}

static void check_array(const arrayfile *a, const uint8_t *data, size_t size)
{
    char err[600];
    CHECK(a->ndim >= 0 && a->ndim <= AF_MAX_DIMS, "ndim %d", a->ndim);
    uint64_t count = 1, cols = 1;
    for (int d = 0; d < a->ndim; d++) {
        count *= a->shape[d];
        if (d > 0) cols *= a->shape[d];
    }
    CHECK(count == a->count, "count %llu, shape product %llu", (unsigned long long)a->count, (unsigned long long)count);
    CHECK(a->rows * a->cols == count && a->rows == (a->ndim >= 2 ? a->shape[0] : 1) &&
              a->cols == (a->ndim >= 2 ? cols : count),
          "rows %llu cols %llu", (unsigned long long)a->rows, (unsigned long long)a->cols);
    CHECK(a->dtype >= AF_F32 && a->dtype <= AF_BF16, "dtype %d", (int)a->dtype);
    CHECK(a->itemsize == (a->dtype == AF_F64 ? 8u : a->dtype == AF_F32 ? 4u : 2u), "itemsize %zu", a->itemsize);
    CHECK(a->offset <= size && count * a->itemsize <= size - a->offset, "data outside the file");
    if (count == 0) { /* (2^40, 0) or (0, 2^40): nothing to read, however many rows */
        float none;
        CHECK(arrayfile_rows(a, &none, 0, (size_t)a->rows, err, sizeof err) == 0, "empty read: '%s'", err);
        return;
    }
    if (count > MAX_ELEMS) return;

    float *all = malloc((size_t)count * sizeof *all);
    float *one = malloc((size_t)a->cols * sizeof *one);
    CHECK(all != NULL && one != NULL, "malloc");
    int rc = arrayfile_rows(a, all, 0, (size_t)a->rows, err, sizeof err);
    CHECK(rc == 0, "arrayfile_rows: %d '%s'", rc, err);
    for (uint64_t i = 0; i < a->rows; i++)
        for (uint64_t j = 0; j < a->cols; j++) {
            /* element (i, j): C-order flat index i*cols + j; in Fortran
             * order the trailing index is reversed first */
            uint64_t flat = i * a->cols + j;
            if (a->fortran && a->ndim >= 2) {
                uint64_t rest = j, f = 0, stride = a->rows;
                uint64_t idx[AF_MAX_DIMS];
                for (int d = a->ndim - 1; d >= 1; d--) {
                    idx[d] = rest % a->shape[d];
                    rest /= a->shape[d];
                }
                for (int d = 1; d < a->ndim; d++) {
                    f += idx[d] * stride;
                    stride *= a->shape[d];
                }
                flat = f + i;
            }
            uint32_t want = reference(a, data + a->offset + flat * a->itemsize);
            CHECK(bits(all[i * a->cols + j]) == want, "(%llu, %llu): %08x, expected %08x", (unsigned long long)i,
                  (unsigned long long)j, (unsigned)bits(all[i * a->cols + j]), (unsigned)want);
        }
    for (uint64_t i = 0; i < a->rows && i < 64; i++) {
        rc = arrayfile_rows(a, one, i, 1, err, sizeof err);
        CHECK(rc == 0, "row %llu: '%s'", (unsigned long long)i, err);
        CHECK(!memcmp(one, all + i * a->cols, (size_t)a->cols * sizeof *one), "row %llu differs",
              (unsigned long long)i);
    }
    rc = arrayfile_rows(a, one, a->rows, 1, err, sizeof err);
    CHECK(rc == -1, "row past the end read");
    check_message(err, a->name);

    /* npy_write_f32 and back */
    FILE *f = fopen(path2, "wb");
    CHECK(f != NULL, "fopen %s", path2);
    rows_ctx c = {all, a->cols};
    CHECK(npy_write_f32(f, a->ndim, a->shape, give_row, &c) == 0, "npy_write_f32");
    CHECK(fclose(f) == 0, "fclose");
    arrayfile b;
    rc = arrayfile_open(&b, path2, err, sizeof err);
    CHECK(rc == 0, "reopen: '%s'", err);
    CHECK(b.ndim == a->ndim && b.count == count && b.dtype == AF_F32 && !b.fortran && !b.big_endian, "reopen shape");
    CHECK(b.offset % 64 == 0, "data at %llu", (unsigned long long)b.offset);
    float *back = malloc((size_t)count * sizeof *back);
    CHECK(back != NULL, "malloc");
    rc = arrayfile_rows(&b, back, 0, (size_t)b.rows, err, sizeof err);
    CHECK(rc == 0, "reread: '%s'", err);
    CHECK(!memcmp(back, all, (size_t)count * sizeof *back), "npy_write_f32 did not read back");
    free(back);
    arrayfile_close(&b);
    free(all);
    free(one);
}

#endif
