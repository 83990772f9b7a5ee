/* test_arrayfile.c - src/arrayfile.c against real numpy and torch: every
 * good fixture of tests/data/arrays (made by tests/gen_arrays.py with
 * numpy's np.save and write_array, and a safetensors writer) reads to the
 * float32 bits torch.from_numpy(a).float() gave, whole and by row ranges,
 * in C and Fortran order; every bad fixture fails with its message, which
 * names the file and is one line; a file that shrinks after it was opened
 * reports "truncated"; large arrays cross the read buffer's boundaries in
 * both orders; npy_write_f32 writes exactly np.save's bytes and reads back.
 * Runs from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arrayfile.h"

#define DIR "tests/data/arrays/"
#define BAD DIR "bad/"

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* Splits line at tabs into at most n fields (the line is modified). */
static int split_tabs(char *line, char **field, int n)
{
    int k = 0;
    line[strcspn(line, "\n")] = '\0';
    while (k < n) {
        field[k++] = line;
        char *tab = strchr(line, '\t');
        if (tab == NULL) break;
        *tab = '\0';
        line = tab + 1;
    }
    return k;
}

/* Every row of a as one row-major array (caller frees). */
static float *read_all(const arrayfile *a)
{
    size_t n = (size_t)(a->rows * a->cols);
    float *v = malloc((n ? n : 1) * sizeof *v);
    char err[600];
    assert_non_null(v);
    if (arrayfile_rows(a, v, 0, (size_t)a->rows, err, sizeof err) != 0) fail_msg("%s", err);
    return v;
}

static void check_message(const char *err, const char *file, const char *want)
{
    size_t len = strlen(file);
    if (strncmp(err, file, len) != 0 || err[len] != ':') fail_msg("'%s' does not start with '%s:'", err, file);
    if (strstr(err, want) == NULL) fail_msg("'%s' does not contain '%s'", err, want);
    for (const char *p = err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) fail_msg("control character in '%s'", err);
}

static void test_good_fixtures(void **state)
{
    (void)state;
    FILE *f = fopen(DIR "EXPECTED.txt", "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    int cases = 0;
    while (getline(&line, &cap, f) > 0) {
        if (line[0] == '#') continue;
        char *field[4];
        assert_int_equal(split_tabs(line, field, 4), 4);
        char spec[600], err[600];
        snprintf(spec, sizeof spec, DIR "%s", field[0]);
        arrayfile a;
        if (arrayfile_open(&a, spec, err, sizeof err) != 0) fail_msg("%s", err);
        /* the shape */
        int ndim = atoi(field[1]);
        assert_int_equal(a.ndim, ndim);
        uint64_t count = 1;
        char *p = field[2];
        for (int d = 0; d < ndim; d++) {
            uint64_t v = strtoull(p, &p, 10);
            if (*p == ',') p++;
            assert_int_equal(a.shape[d], v);
            count *= v;
        }
        assert_int_equal(a.count, count);
        assert_int_equal(a.rows * a.cols, count);
        /* the values, whole */
        float *v = read_all(&a);
        size_t n = 0;
        for (char *q = field[3]; *q; n++) {
            char *end;
            uint32_t want = (uint32_t)strtoul(q, &end, 16);
            if (end == q) break;
            if (n >= count) fail_msg("%s: more expected values than %llu", spec, (unsigned long long)count);
            if (bits(v[n]) != want)
                fail_msg("%s: element %zu is %08x, torch gives %08x", spec, n, (unsigned)bits(v[n]), (unsigned)want);
            q = end;
            while (*q == ' ') q++;
        }
        assert_int_equal(n, count);
        /* row by row, and a middle range */
        float *r = malloc((size_t)(a.cols ? a.cols * 3 : 1) * sizeof *r);
        assert_non_null(r);
        for (uint64_t i = 0; i < a.rows && i < 2000; i++) { /* ref_save_wide0 has 123456789012 empty rows */
            if (arrayfile_rows(&a, r, i, 1, err, sizeof err) != 0) fail_msg("%s", err);
            for (uint64_t j = 0; j < a.cols; j++)
                if (bits(r[j]) != bits(v[i * a.cols + j]))
                    fail_msg("%s: row %llu alone differs at %llu", spec, (unsigned long long)i, (unsigned long long)j);
        }
        if (a.rows >= 4) {
            if (arrayfile_rows(&a, r, 1, 3, err, sizeof err) != 0) fail_msg("%s", err);
            for (uint64_t j = 0; j < 3 * a.cols; j++)
                if (bits(r[j]) != bits(v[a.cols + j])) fail_msg("%s: rows 1..3 differ", spec);
        }
        /* out of range */
        assert_int_equal(arrayfile_rows(&a, r, a.rows, 1, err, sizeof err), -1);
        check_message(err, spec, "asked for");
        assert_int_equal(arrayfile_rows(&a, r, a.rows, 0, err, sizeof err), 0);
        free(r);
        free(v);
        arrayfile_close(&a);
        assert_int_equal(a.fd, -1);
        cases++;
    }
    free(line);
    (void)fclose(f);
    assert_true(cases >= 30);
}

static void test_bad_fixtures(void **state)
{
    (void)state;
    FILE *f = fopen(BAD "EXPECTED.txt", "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    int cases = 0;
    while (getline(&line, &cap, f) > 0) {
        if (line[0] == '#') continue;
        char *field[2] = {NULL, NULL};
        assert_int_equal(split_tabs(line, field, 2), 2);
        char spec[600], file[600], err[600];
        snprintf(spec, sizeof spec, BAD "%s", field[0]);
        /* the file as the user wrote it: the spec, or what is before its
         * last ':' when the spec names no file */
        snprintf(file, sizeof file, "%s", spec);
        struct stat st;
        char *colon = strrchr(file, ':');
        if (stat(spec, &st) != 0 && colon != NULL) *colon = '\0';
        arrayfile a;
        memset(err, 'x', sizeof err);
        if (arrayfile_open(&a, spec, err, sizeof err) == 0) fail_msg("%s opened", spec);
        check_message(err, file, field[1]);
        assert_int_equal(a.fd, -1);
        arrayfile_close(&a);
        cases++;
    }
    free(line);
    (void)fclose(f);
    assert_true(cases >= 90);
}

/* A private copy of file (NUL-free path written into path). */
static void copy_to_temp(const char *file, char *path, size_t len)
{
    snprintf(path, len, "/tmp/test_arrayfile_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *in = fopen(file, "rb");
    assert_non_null(in);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) assert_int_equal(write(fd, buf, n), (ssize_t)n);
    (void)fclose(in);
    assert_int_equal(close(fd), 0);
}

static void test_truncated_after_open(void **state)
{
    (void)state;
    static const char *const files[] = {DIR "f32_2d.npy", DIR "f32_2d_fortran.npy", DIR "model.safetensors"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char path[64], spec[80], err[600];
        copy_to_temp(files[k], path, sizeof path);
        snprintf(spec, sizeof spec, "%s%s", path, k == 2 ? ":w" : "");
        arrayfile a;
        if (arrayfile_open(&a, spec, err, sizeof err) != 0) fail_msg("%s", err);
        float v[16];
        assert_int_equal(arrayfile_rows(&a, v, 0, 1, err, sizeof err), 0);
        assert_int_equal(truncate(path, (off_t)(a.offset + 4)), 0);
        assert_int_equal(arrayfile_rows(&a, v, 0, (size_t)a.rows, err, sizeof err), -1);
        check_message(err, spec, "truncated");
        arrayfile_close(&a);
        assert_int_equal(unlink(path), 0);
    }
}

/* Values of the large arrays: distinct, exact in float32. */
static float value_at(uint64_t i, uint64_t j)
{
    return (float)(i * 1000 + j) - 0.5f;
}

typedef struct {
    uint64_t cols;
} gen_ctx;

static void gen_row(void *ctx, uint64_t i, float *buf)
{
    const gen_ctx *g = ctx;
    for (uint64_t j = 0; j < g->cols; j++) buf[j] = value_at(i, j);
}

/* Writes a Fortran-order float32 .npy of rows x cols by hand. */
static void write_fortran(const char *path, uint64_t rows, uint64_t cols)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    char h[128];
    int len = snprintf(h, sizeof h, "{'descr': '<f4', 'fortran_order': True, 'shape': (%llu, %llu), }",
                       (unsigned long long)rows, (unsigned long long)cols);
    while ((10 + len + 1) % 64 != 0) h[len++] = ' ';
    h[len++] = '\n';
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)len, 0};
    assert_int_equal(fwrite(pre, 1, 10, f), 10);
    assert_int_equal(fwrite(h, 1, (size_t)len, f), (size_t)len);
    for (uint64_t j = 0; j < cols; j++)
        for (uint64_t i = 0; i < rows; i++) {
            float v = value_at(i, j); /* little-endian host assumed by this writer */
            assert_int_equal(fwrite(&v, 4, 1, f), 1);
        }
    assert_int_equal(fclose(f), 0);
}

static void check_large(const char *path, uint64_t rows, uint64_t cols)
{
    arrayfile a;
    char err[600];
    if (arrayfile_open(&a, path, err, sizeof err) != 0) fail_msg("%s", err);
    assert_int_equal(a.rows, rows);
    assert_int_equal(a.cols, cols);
    float *v = read_all(&a);
    for (uint64_t i = 0; i < rows; i++)
        for (uint64_t j = 0; j < cols; j++)
            if (v[i * cols + j] != value_at(i, j))
                fail_msg("%s: (%llu, %llu) differs", path, (unsigned long long)i, (unsigned long long)j);
    static const uint64_t starts[] = {0, 1, 7, 100};
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
        uint64_t r0 = starts[s] % rows, n = rows - r0; /* rows >= 1 */
        if (n > 5) n = 5;
        if (arrayfile_rows(&a, v, r0, (size_t)n, err, sizeof err) != 0) fail_msg("%s", err);
        for (uint64_t i = 0; i < n; i++)
            for (uint64_t j = 0; j < cols; j++)
                if (v[i * cols + j] != value_at(r0 + i, j))
                    fail_msg("%s: range at %llu differs", path, (unsigned long long)r0);
    }
    free(v);
    arrayfile_close(&a);
}

static void test_large_arrays(void **state)
{
    (void)state;
    char path[] = "/tmp/test_arrayfile_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(close(fd), 0);
    /* C order, rows longer than the 16 KiB read buffer and shorter */
    static const uint64_t shapes[][2] = {{3, 10000}, {2000, 7}, {1, 4097}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        gen_ctx g = {shapes[k][1]};
        assert_int_equal(npy_write_f32(f, 2, shapes[k], gen_row, &g), 0);
        assert_int_equal(fclose(f), 0);
        check_large(path, shapes[k][0], shapes[k][1]);
    }
    /* Fortran order: columns longer than the buffer (one read per column
     * piece) and shorter (several columns per read) */
    static const uint64_t fshapes[][2] = {{5000, 3}, {4096, 2}, {100, 300}, {1, 5000}, {4097, 1}};
    for (size_t k = 0; k < sizeof fshapes / sizeof fshapes[0]; k++) {
        write_fortran(path, fshapes[k][0], fshapes[k][1]);
        check_large(path, fshapes[k][0], fshapes[k][1]);
    }
    assert_int_equal(unlink(path), 0);
}

typedef struct {
    const float *v;
    uint64_t cols;
} array_ctx;

static void array_row(void *ctx, uint64_t i, float *buf)
{
    const array_ctx *c = ctx;
    memcpy(buf, c->v + i * c->cols, (size_t)c->cols * sizeof *buf);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    (void)fclose(f);
    *len = (size_t)n;
    return buf;
}

static void test_npy_write_matches_np_save(void **state)
{
    (void)state;
    static const char *const refs[] = {"ref_save_0d.npy",  "ref_save_1d.npy",    "ref_save_2d.npy",
                                       "ref_save_3d.npy",  "ref_save_empty.npy", "ref_save_wide0.npy",
                                       "ref_save_long.npy"};
    char path[] = "/tmp/test_arrayfile_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(close(fd), 0);
    for (size_t k = 0; k < sizeof refs / sizeof refs[0]; k++) {
        char ref[256], err[600];
        snprintf(ref, sizeof ref, DIR "%s", refs[k]);
        arrayfile a;
        if (arrayfile_open(&a, ref, err, sizeof err) != 0) fail_msg("%s", err);
        float *v = read_all(&a);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        array_ctx c = {v, a.cols};
        assert_int_equal(npy_write_f32(f, a.ndim, a.shape, array_row, &c), 0);
        assert_int_equal(fclose(f), 0);
        size_t n1, n2;
        unsigned char *want = slurp(ref, &n1), *got = slurp(path, &n2);
        if (n1 != n2 || memcmp(want, got, n1) != 0) fail_msg("%s: npy_write_f32 differs from np.save", refs[k]);
        free(want);
        free(got);
        /* and it reads back */
        arrayfile b;
        if (arrayfile_open(&b, path, err, sizeof err) != 0) fail_msg("%s", err);
        assert_int_equal(b.ndim, a.ndim);
        assert_int_equal(b.count, a.count);
        float *w = read_all(&b);
        for (uint64_t i = 0; i < a.count; i++) assert_int_equal(bits(w[i]), bits(v[i]));
        free(w);
        free(v);
        arrayfile_close(&a);
        arrayfile_close(&b);
    }
    assert_int_equal(unlink(path), 0);
}

static void test_npy_write_errors(void **state)
{
    (void)state;
    gen_ctx g = {5};
    uint64_t shape[AF_MAX_DIMS + 1] = {3, 5};
    FILE *f = fopen("/dev/null", "wb");
    assert_non_null(f);
    errno = 0;
    assert_int_equal(npy_write_f32(f, AF_MAX_DIMS + 1, shape, gen_row, &g), -1);
    assert_int_equal(errno, EINVAL);
    uint64_t huge[2] = {UINT64_MAX, 2};
    errno = 0;
    assert_int_equal(npy_write_f32(f, 2, huge, gen_row, &g), -1);
    assert_int_equal(errno, EOVERFLOW);
    (void)fclose(f);
    f = fopen("/dev/full", "wb");
    if (f != NULL) { /* writes fail with ENOSPC */
        errno = 0;
        assert_int_equal(npy_write_f32(f, 2, shape, gen_row, &g), -1);
        assert_int_equal(errno, ENOSPC);
        (void)fclose(f);
    }
}

static void test_specs_and_closing(void **state)
{
    (void)state;
    char err[600];
    arrayfile a;
    /* close is safe on a zeroed struct, twice, and after a failed open */
    memset(&a, 0, sizeof a);
    arrayfile_close(&a);
    arrayfile_close(&a);
    assert_int_equal(arrayfile_open(&a, "", err, sizeof err), -1);
    arrayfile_close(&a);
    float v[4];
    assert_int_equal(arrayfile_rows(&a, v, 0, 1, err, sizeof err), -1);
    /* a directory */
    assert_int_equal(arrayfile_open(&a, "tests/data/arrays", err, sizeof err), -1);
    check_message(err, "tests/data/arrays", "is a directory");
    /* a file whose name has a ':' is opened as named; a tensor of a
     * safetensors file with ':' in its name is split at the last ':' */
    char dir[] = "/tmp/test_arrayfile_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char npy[96], st[96], spec[128];
    snprintf(npy, sizeof npy, "%s/a:b.npy", dir);
    snprintf(st, sizeof st, "%s/m:1.safetensors", dir);
    FILE *f = fopen(npy, "wb");
    assert_non_null(f);
    gen_ctx g = {5};
    uint64_t shape[2] = {3, 5};
    assert_int_equal(npy_write_f32(f, 2, shape, gen_row, &g), 0);
    assert_int_equal(fclose(f), 0);
    if (arrayfile_open(&a, npy, err, sizeof err) != 0) fail_msg("%s", err);
    assert_string_equal(a.name, npy);
    arrayfile_close(&a);
    size_t n;
    unsigned char *data = slurp(DIR "model.safetensors", &n);
    f = fopen(st, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    free(data);
    snprintf(spec, sizeof spec, "%s:w", st);
    if (arrayfile_open(&a, spec, err, sizeof err) != 0) fail_msg("%s", err);
    assert_string_equal(a.name, spec);
    assert_int_equal(a.rows, 3);
    assert_int_equal(a.cols, 5);
    arrayfile_close(&a);
    snprintf(spec, sizeof spec, "%s:nope", st);
    assert_int_equal(arrayfile_open(&a, spec, err, sizeof err), -1);
    check_message(err, st, "no tensor 'nope' (it holds: b, bf, cube, e, h, ... (8 tensors))");
    /* a control character in a name becomes '?' */
    snprintf(spec, sizeof spec, "%s:a\nb", st);
    assert_int_equal(arrayfile_open(&a, spec, err, sizeof err), -1);
    check_message(err, st, "no tensor 'a?b'");
    assert_int_equal(unlink(npy), 0);
    assert_int_equal(unlink(st), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_fixtures),
        cmocka_unit_test(test_bad_fixtures),
        cmocka_unit_test(test_truncated_after_open),
        cmocka_unit_test(test_large_arrays),
        cmocka_unit_test(test_npy_write_matches_np_save),
        cmocka_unit_test(test_npy_write_errors),
        cmocka_unit_test(test_specs_and_closing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
