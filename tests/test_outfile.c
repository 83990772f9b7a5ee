/* test_outfile.c - cmocka suite for src/outfile.c and src/save.c (--plot
 * and --save files: complete or untouched).
 *
 * outfile: a committed file has its content, replaced an old one by
 * renaming (a hard link keeps the old bytes) and left no temporary file;
 * before the commit the target does not exist; an abort leaves an old
 * target as it was; a write that fails (RLIMIT_FSIZE) fails the commit and
 * keeps the old target; /dev/full is written directly and fails with
 * ENOSPC's text; directories, missing directories, long names; "-" is
 * stdout; new files get 0666 & ~umask; outfile_mkdirs.
 *
 * save: the blog with --show all writes exactly its ten files, each
 * numpy's header and the view's float32 bits (read back with arrayfile);
 * a failing target (a directory, /dev/full) gives SAVE_WRITE naming it and
 * leaves the directory as it was. Every test works in its own mkdtemp
 * directory and removes it. Run from the repository root (`make unit`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */
#include "golden_run.h"  /* after cmocka.h too */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arrayfile.h"
#include "experiment.h"
#include "golden.h"
#include "options.h"
#include "outfile.h"
#include "save.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct {
    char path[64];
} tmpdir;

static void tmp_make(tmpdir *d)
{
    snprintf(d->path, sizeof d->path, "/tmp/gradexp-outfile-XXXXXX");
    assert_non_null(mkdtemp(d->path));
}

/* dir/name into buf. */
static const char *join(char *buf, size_t len, const char *dir, const char *name)
{
    int n = snprintf(buf, len, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < len);
    return buf;
}

/* Removes path and everything under it (symbolic links not followed);
 * recursive over the few levels of a test's directory. */
/* NOLINTBEGIN(misc-no-recursion) */
static void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        assert_non_null(d);
        const struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char sub[512];
            rm_rf(join(sub, sizeof sub, path, e->d_name));
        }
        assert_int_equal(closedir(d), 0);
        assert_int_equal(rmdir(path), 0);
    } else {
        assert_int_equal(unlink(path), 0);
    }
}
/* NOLINTEND(misc-no-recursion) */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted, joined by ',' into buf ("" when empty). */
static const char *listing(const char *dir, char *buf, size_t len)
{
    char *names[256];
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        assert_true(n < 256);
        names[n] = strdup(e->d_name);
        assert_non_null(names[n]);
        n++;
    }
    assert_int_equal(closedir(d), 0);
    qsort(names, n, sizeof *names, cmp_names);
    size_t at = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        int w = snprintf(buf + at, len - at, "%s%s", k ? "," : "", names[k]);
        assert_true(w >= 0 && (size_t)w < len - at);
        at += (size_t)w;
        free(names[k]);
    }
    return buf;
}

static void expect_listing(const char *dir, const char *want)
{
    char got[8192];
    listing(dir, got, sizeof got);
    if (strcmp(got, want) != 0) fail_msg("%s holds\n  %s\nwanted\n  %s", dir, got, want);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static void expect_content(const char *path, const char *want)
{
    char *got = golden_slurp(path);
    if (got == NULL) fail_msg("%s: cannot read", path);
    if (strcmp(got, want) != 0) fail_msg("%s holds '%s', wanted '%s'", path, got, want);
    free(got);
}

/* ------------------------------------------------------------------------ */
/* outfile                                                                  */
/* ------------------------------------------------------------------------ */

static void test_commit_creates_file(void **state)
{
    (void)state;
    tmpdir d;
    tmp_make(&d);
    char path[128], err[256] = "";
    join(path, sizeof path, d.path, "out.svg");
    outfile o;
    assert_int_equal(outfile_open(&o, path, err, sizeof err), 0);
    assert_non_null(o.f);
    assert_int_equal(o.is_stdout, 0);
    assert_string_equal(o.path, path);
    /* the bytes go to a temporary file beside the target, not the target */
    assert_int_equal(strncmp(o.tmp, path, strlen(path)), 0);
    assert_int_equal(o.tmp[strlen(path)], '.');
    assert_int_equal(access(path, F_OK), -1);
    char one[512];
    listing(d.path, one, sizeof one);
    assert_string_equal(one, o.tmp + strlen(d.path) + 1);
    assert_true(fputs("<svg>hello</svg>\n", o.f) >= 0);
    assert_int_equal(outfile_commit(&o, err, sizeof err), 0);
    assert_null(o.f);
    assert_string_equal(o.tmp, "");
    expect_listing(d.path, "out.svg");
    expect_content(path, "<svg>hello</svg>\n");
    /* an abort after the commit removes nothing */
    outfile_abort(&o);
    expect_content(path, "<svg>hello</svg>\n");
    /* an empty file is a file too */
    join(path, sizeof path, d.path, "empty");
    assert_int_equal(outfile_open(&o, path, err, sizeof err), 0);
    assert_int_equal(outfile_commit(&o, err, sizeof err), 0);
    expect_listing(d.path, "empty,out.svg");
    expect_content(path, "");
    rm_rf(d.path);
}

static void test_commit_replaces_by_rename(void **state)
{
    (void)state;
    tmpdir d;
    tmp_make(&d);
    char path[128], link_path[128], err[256];
    join(path, sizeof path, d.path, "fig.svg");
    join(link_path, sizeof link_path, d.path, "old-link");
    write_file(path, "old figure\n");
    assert_int_equal(link(path, link_path), 0);
    outfile o;
    assert_int_equal(outfile_open(&o, path, err, sizeof err), 0);
    assert_true(fputs("new figure\n", o.f) >= 0);
    assert_int_equal(fflush(o.f), 0);
    expect_content(path, "old figure\n"); /* untouched until the commit */
    assert_int_equal(outfile_commit(&o, err, sizeof err), 0);
    expect_content(path, "new figure\n");
    expect_content(link_path, "old figure\n"); /* a new inode: renamed over, not rewritten */
    expect_listing(d.path, "fig.svg,old-link");
    rm_rf(d.path);
}

static void test_abort_keeps_target(void **state)
{
    (void)state;
    tmpdir d;
    tmp_make(&d);
    char path[128], err[256];
    join(path, sizeof path, d.path, "fig.svg");
    write_file(path, "old\n");
    outfile o;
    assert_int_equal(outfile_open(&o, path, err, sizeof err), 0);
    assert_true(fputs("half a figure", o.f) >= 0);
    assert_int_equal(fflush(o.f), 0);
    outfile_abort(&o);
    assert_null(o.f);
    assert_string_equal(o.tmp, "");
    expect_content(path, "old\n");
    expect_listing(d.path, "fig.svg");
    outfile_abort(&o); /* twice */
    /* a new target: nothing at all is left */
    join(path, sizeof path, d.path, "new.svg");
    assert_int_equal(outfile_open(&o, path, err, sizeof err), 0);
    assert_true(fputs("x", o.f) >= 0);
    outfile_abort(&o);
    expect_listing(d.path, "fig.svg");
    /* on a zeroed struct */
    outfile z;
    memset(&z, 0, sizeof z);
    outfile_abort(&z);
    rm_rf(d.path);
}

/* A write that fails partway (the file-size limit: EFBIG) fails the
 * commit, removes the temporary file and keeps the old target; err is
 * strerror(EFBIG). */
static void check_write_error(rlim_t limit)
{
    tmpdir d;
    tmp_make(&d);
    char path[128], err[256] = "";
    join(path, sizeof path, d.path, "fig.svg");
    write_file(path, "old\n");
    outfile o;
    assert_int_equal(outfile_open(&o, path, err, sizeof err), 0);
    struct rlimit saved, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    small = saved;
    small.rlim_cur = limit;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    for (int k = 0; k < 1000; k++) (void)fputs("0123456789abcdef0123456789abcdef\n", o.f); /* checked by the commit */
    int rc = outfile_commit(&o, err, sizeof err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    (void)signal(SIGXFSZ, old_handler);
    assert_int_equal(rc, -1);
    expect_content(path, "old\n");
    expect_listing(d.path, "fig.svg");
    assert_null(o.f);
    outfile_abort(&o); /* safe after a failed commit */
    rm_rf(d.path);
    if (strcmp(err, strerror(EFBIG)) != 0)
        fail_msg("file-size limit %lu: the commit says '%s', the write failed with '%s'", (unsigned long)limit, err,
                 strerror(EFBIG));
}

static void test_commit_fails_on_write_error(void **state)
{
    (void)state;
    check_write_error(8192);  /* the limit falls on a buffer boundary */
    check_write_error(10000); /* within a later buffer */
}

/* When the first buffer's write is cut short and the retry fails, glibc
 * drops the buffer and the commit's flush succeeds: the reason must still
 * be the real one ("File too large"), not "Input/output error" (a bug this
 * test found). */
static void test_commit_reason_lost(void **state)
{
    (void)state;
    check_write_error(1000);
}

static void test_dev_full_written_directly(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0) skip();
    outfile o;
    char err[256] = "";
    assert_int_equal(outfile_open(&o, "/dev/full", err, sizeof err), 0);
    assert_string_equal(o.tmp, ""); /* a device cannot be renamed over */
    assert_int_equal(o.is_stdout, 0);
    assert_true(fputs("<svg/>\n", o.f) >= 0); /* buffered */
    assert_int_equal(outfile_commit(&o, err, sizeof err), -1);
    assert_string_equal(err, "No space left on device");
    assert_null(o.f);
    /* /dev/null: the same path, and it works */
    assert_int_equal(outfile_open(&o, "/dev/null", err, sizeof err), 0);
    assert_string_equal(o.tmp, "");
    assert_true(fputs("x", o.f) >= 0);
    assert_int_equal(outfile_commit(&o, err, sizeof err), 0);
    assert_int_equal(access("/dev/null", W_OK), 0);
}

static void test_bad_targets(void **state)
{
    (void)state;
    tmpdir d;
    tmp_make(&d);
    outfile o;
    char path[256], err[256];
    /* a directory */
    assert_int_equal(outfile_open(&o, d.path, err, sizeof err), -1);
    assert_string_equal(err, "is a directory");
    assert_null(o.f);
    outfile_abort(&o);
    /* a name ending in '/' that does not exist */
    join(path, sizeof path, d.path, "new/");
    assert_int_equal(outfile_open(&o, path, err, sizeof err), -1);
    assert_string_equal(err, "is a directory");
    expect_listing(d.path, "");
    /* a missing directory: ENOENT, and nothing is created */
    join(path, sizeof path, d.path, "missing/fig.svg");
    strcpy(err, "");
    assert_int_equal(outfile_open(&o, path, err, sizeof err), -1);
    assert_string_equal(err, strerror(ENOENT));
    assert_string_equal(o.tmp, "");
    assert_null(o.f);
    expect_listing(d.path, "");
    /* a component that is a regular file */
    char file[128];
    write_file(join(file, sizeof file, d.path, "plain"), "x");
    join(path, sizeof path, d.path, "plain/fig.svg");
    assert_int_equal(outfile_open(&o, path, err, sizeof err), -1);
    assert_string_equal(err, strerror(ENOTDIR));
    expect_listing(d.path, "plain");
    /* a name too long for the struct */
    char *longp = malloc(MAX_PATH_TEXT + 10);
    assert_non_null(longp);
    memset(longp, 'a', MAX_PATH_TEXT + 9);
    longp[MAX_PATH_TEXT + 9] = '\0';
    assert_int_equal(outfile_open(&o, longp, err, sizeof err), -1);
    assert_string_equal(err, strerror(ENAMETOOLONG));
    assert_int_equal(outfile_mkdirs(longp, err, sizeof err), -1);
    assert_string_equal(err, strerror(ENAMETOOLONG));
    free(longp);
    /* a commit without an open */
    outfile z;
    memset(&z, 0, sizeof z);
    assert_int_equal(outfile_commit(&z, err, sizeof err), -1);
    rm_rf(d.path);
}

static void test_dash_is_stdout(void **state)
{
    (void)state;
    outfile o;
    char err[256];
    assert_int_equal(outfile_open(&o, "-", err, sizeof err), 0);
    assert_int_equal(o.is_stdout, 1);
    assert_ptr_equal(o.f, stdout);
    assert_string_equal(o.tmp, "");
    assert_int_equal(outfile_commit(&o, err, sizeof err), 0);
    /* stdout stays open */
    assert_true(fcntl(fileno(stdout), F_GETFD) != -1);
    assert_int_equal(fflush(stdout), 0);
    assert_int_equal(outfile_open(&o, "-", err, sizeof err), 0);
    outfile_abort(&o);
    assert_true(fcntl(fileno(stdout), F_GETFD) != -1);
    /* "./-" is a file called "-" */
    tmpdir d;
    tmp_make(&d);
    char path[128];
    join(path, sizeof path, d.path, "-");
    assert_int_equal(outfile_open(&o, path, err, sizeof err), 0);
    assert_int_equal(o.is_stdout, 0);
    assert_int_equal(outfile_commit(&o, err, sizeof err), 0);
    expect_listing(d.path, "-");
    rm_rf(d.path);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static void test_new_file_mode(void **state)
{
    (void)state;
    tmpdir d;
    tmp_make(&d);
    static const mode_t masks[] = {022, 077, 0, 027, 0222};
    mode_t saved = umask(022);
    for (size_t k = 0; k < sizeof masks / sizeof *masks; k++) {
        char path[128], name[16], err[256];
        snprintf(name, sizeof name, "f%zu", k);
        join(path, sizeof path, d.path, name);
        (void)umask(masks[k]);
        outfile o;
        int rc = outfile_open(&o, path, err, sizeof err);
        if (rc == 0) rc = outfile_commit(&o, err, sizeof err);
        (void)umask(022);
        assert_int_equal(rc, 0);
        if (mode_of(path) != (0666 & ~masks[k]))
            fail_msg("umask %03o: mode %03o, wanted %03o", (unsigned)masks[k], (unsigned)mode_of(path),
                     (unsigned)(0666 & ~masks[k]));
    }
    (void)umask(saved);
    rm_rf(d.path);
}

/* Replacing an existing file keeps its mode, as open(2) would: a private
 * 0600 file must not become 0644 (a bug this test found). */
static void test_replaced_file_keeps_mode(void **state)
{
    (void)state;
    tmpdir d;
    tmp_make(&d);
    char path[128], err[256];
    join(path, sizeof path, d.path, "private.svg");
    write_file(path, "old");
    assert_int_equal(chmod(path, 0600), 0);
    mode_t saved = umask(022);
    outfile o;
    int rc = outfile_open(&o, path, err, sizeof err);
    if (rc == 0) rc = outfile_commit(&o, err, sizeof err);
    (void)umask(saved);
    assert_int_equal(rc, 0);
    mode_t m = mode_of(path);
    rm_rf(d.path);
    if (m != 0600) fail_msg("a 0600 file replaced by outfile is now %03o", (unsigned)m);
}

static void test_mkdirs(void **state)
{
    (void)state;
    tmpdir d;
    tmp_make(&d);
    char path[256], err[256];
    mode_t saved = umask(022);
    join(path, sizeof path, d.path, "a/b/c");
    assert_int_equal(outfile_mkdirs(path, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(mode_of(join(path, sizeof path, d.path, "a")), 0755);
    /* existing: fine, with or without a trailing slash or doubled ones */
    join(path, sizeof path, d.path, "a/b/c");
    assert_int_equal(outfile_mkdirs(path, err, sizeof err), 0);
    join(path, sizeof path, d.path, "a/b/c/");
    assert_int_equal(outfile_mkdirs(path, err, sizeof err), 0);
    join(path, sizeof path, d.path, "a//b//d");
    assert_int_equal(outfile_mkdirs(path, err, sizeof err), 0);
    assert_int_equal(stat(join(path, sizeof path, d.path, "a/b/d"), &st), 0);
    assert_int_equal(outfile_mkdirs(d.path, err, sizeof err), 0);
    assert_int_equal(outfile_mkdirs("/", err, sizeof err), 0);
    (void)umask(saved);
    /* a component that is a regular file */
    write_file(join(path, sizeof path, d.path, "file"), "x");
    join(path, sizeof path, d.path, "file/sub/deeper");
    assert_int_equal(outfile_mkdirs(path, err, sizeof err), -1);
    assert_string_equal(err, "Not a directory");
    /* the directory itself a regular file */
    join(path, sizeof path, d.path, "file");
    assert_int_equal(outfile_mkdirs(path, err, sizeof err), -1);
    assert_string_equal(err, "Not a directory");
    expect_listing(d.path, "a,file");
    /* a relative path, from the working directory */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(d.path), 0);
    int rc = outfile_mkdirs("rel/one", err, sizeof err);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(stat(join(path, sizeof path, d.path, "rel/one"), &st), 0);
    rm_rf(d.path);
}

/* ------------------------------------------------------------------------ */
/* save                                                                     */
/* ------------------------------------------------------------------------ */

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* npy_write_f32's row callback over a view. */
static void view_row(void *ctx, uint64_t i, float *buf)
{
    const tensor_view *v = ctx;
    for (size_t j = 0; j < v->cols; j++) buf[j] = v->at(v, (size_t)i, j);
}

/* Checks path is numpy's .npy of view v: the header byte for byte as
 * np.save writes it (version 1.0, '<f4', C order, the shape, padded with
 * spaces to a multiple of 64 and a newline), then every element's bits,
 * little-endian, in row order; and that arrayfile reads the same bits. */
static void check_npy(const char *path, const tensor_view *v)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) fail_msg("%s: missing", path);
    unsigned char *bytes = malloc(1 << 16);
    assert_non_null(bytes);
    size_t n = fread(bytes, 1, 1 << 16, f);
    assert_int_equal(fclose(f), 0);
    assert_true(n >= 10);
    assert_memory_equal(bytes, "\x93NUMPY\x01\x00", 8);
    size_t hl = bytes[8] | (size_t)bytes[9] << 8;
    assert_int_equal((10 + hl) % 64, 0);
    char shape[64];
    if (v->ndim == 0) snprintf(shape, sizeof shape, "()");
    else if (v->ndim == 1) snprintf(shape, sizeof shape, "(%zu,)", v->cols);
    else snprintf(shape, sizeof shape, "(%zu, %zu)", v->rows, v->cols);
    char dict[160];
    int dl = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape);
    assert_true(dl > 0 && (size_t)dl < hl);
    if (memcmp(bytes + 10, dict, (size_t)dl) != 0)
        fail_msg("%s: header %.*s, wanted %s", path, (int)dl, bytes + 10, dict);
    for (size_t k = 10 + (size_t)dl; k < 10 + hl - 1; k++) assert_int_equal(bytes[k], ' ');
    assert_int_equal(bytes[10 + hl - 1], '\n');
    assert_true(v->rows > 0 && v->cols > 0);
    size_t count = v->rows * v->cols;
    assert_int_equal(n, 10 + hl + 4 * count);
    for (size_t i = 0; i < v->rows; i++)
        for (size_t j = 0; j < v->cols; j++) {
            uint32_t want = golden_bits(v->at(v, i, j)), got = le32(bytes + 10 + hl + 4 * (i * v->cols + j));
            if (want != got) fail_msg("%s: element (%zu, %zu) is %08x, the view has %08x", path, i, j, got, want);
        }
    /* the same bytes as npy_write_f32 writes for the view */
    char *mem = NULL;
    size_t ml = 0;
    FILE *m = open_memstream(&mem, &ml);
    assert_non_null(m);
    uint64_t shp[2] = {v->ndim == 2 ? v->rows : v->cols, v->cols};
    tensor_view copy = *v;
    assert_int_equal(npy_write_f32(m, v->ndim, shp, view_row, &copy), 0);
    assert_int_equal(fclose(m), 0);
    assert_int_equal(ml, n);
    assert_memory_equal(mem, bytes, n);
    free(mem);
    /* read back by arrayfile */
    arrayfile a;
    char err[640];
    if (arrayfile_open(&a, path, err, sizeof err) != 0) fail_msg("%s", err);
    assert_int_equal(a.ndim, v->ndim);
    assert_int_equal(a.rows, v->rows);
    assert_int_equal(a.cols, v->cols);
    float *back = malloc(count * sizeof *back);
    assert_non_null(back);
    assert_int_equal(arrayfile_rows(&a, back, 0, (size_t)a.rows, err, sizeof err), 0);
    for (size_t i = 0, k = 0; i < v->rows; i++)
        for (size_t j = 0; j < v->cols; j++, k++) assert_int_equal(golden_bits(back[k]), golden_bits(v->at(v, i, j)));
    free(back);
    arrayfile_close(&a);
    free(bytes);
}

/* The blog's ten tensors: their file names and views. */
typedef struct {
    const char *name;
    int head;
    show_kind part;
} saved_tensor;

static const saved_tensor BLOG[] = {
    {"x.npy", -1, SHOW_X},
    {"w.npy", -1, SHOW_W},
    {"sigmoid.z.npy", 0, SHOW_Z},
    {"sigmoid.p.npy", 0, SHOW_P},
    {"sigmoid.loss.npy", 0, SHOW_LOSS},
    {"sigmoid.grad.npy", 0, SHOW_GRAD},
    {"softmax.z.npy", 1, SHOW_Z},
    {"softmax.p.npy", 1, SHOW_P},
    {"softmax.loss.npy", 1, SHOW_LOSS},
    {"softmax.grad.npy", 1, SHOW_GRAD},
};
#define BLOG_FILES                                                                                                   \
    "sigmoid.grad.npy,sigmoid.loss.npy,sigmoid.p.npy,sigmoid.z.npy,softmax.grad.npy,softmax.loss.npy,softmax.p.npy," \
    "softmax.z.npy,w.npy,x.npy"

static void test_save_blog(void **state)
{
    (void)state;
    static const char *const args[] = {"--show", "all", NULL};
    run *r = compute(args);
    tmpdir d;
    tmp_make(&d);
    char dir[128], err[640] = "";
    join(dir, sizeof dir, d.path, "out/sub");
    assert_int_equal(save_prepare(dir, err, sizeof err), SAVE_OK);
    expect_listing(dir, "");
    assert_int_equal(save_tensors(dir, &r->e, &r->o, err, sizeof err), SAVE_OK);
    expect_listing(dir, BLOG_FILES);
    float scalars[10];
    for (size_t k = 0; k < 10; k++) {
        char path[256];
        tensor_view v = experiment_view(&r->e, BLOG[k].head, BLOG[k].part, &scalars[k]);
        check_npy(join(path, sizeof path, dir, BLOG[k].name), &v);
    }
    /* the shapes, spelled out */
    tensor_view g = experiment_view(&r->e, 1, SHOW_GRAD, NULL);
    assert_int_equal(g.rows, 3);
    assert_int_equal(g.cols, 5);
    /* again, over the old files, and into "DIR/": the same names */
    char slash[160];
    snprintf(slash, sizeof slash, "%s/", dir);
    assert_int_equal(save_tensors(slash, &r->e, &r->o, err, sizeof err), SAVE_OK);
    expect_listing(dir, BLOG_FILES);
    char path[256];
    tensor_view x = experiment_view(&r->e, -1, SHOW_X, NULL);
    check_npy(join(path, sizeof path, dir, "x.npy"), &x);
    run_free(r);
    rm_rf(d.path);
}

/* --show grad only: two files. */
static void test_save_shows_only_what_is_shown(void **state)
{
    (void)state;
    static const char *const args[] = {NULL};
    run *r = compute(args);
    tmpdir d;
    tmp_make(&d);
    char err[640];
    assert_int_equal(save_tensors(d.path, &r->e, &r->o, err, sizeof err), SAVE_OK);
    expect_listing(d.path, "sigmoid.grad.npy,softmax.grad.npy");
    run_free(r);
    rm_rf(d.path);
    /* layers and steps: every layer's tensors and the trained weights */
    static const char *const deep[] = {"--hidden", "4", "--steps", "2", "--show", "all", "--loss", "softmax", NULL};
    r = compute(deep);
    tmp_make(&d);
    assert_int_equal(save_tensors(d.path, &r->e, &r->o, err, sizeof err), SAVE_OK);
    expect_listing(d.path, "softmax.curve.npy,softmax.grad1.npy,softmax.grad2.npy,softmax.h1.npy,softmax.loss.npy,"
                           "softmax.p.npy,softmax.w1.npy,softmax.w2.npy,softmax.z.npy,w1.npy,w2.npy,x.npy");
    char path[256];
    tensor_view g1 = experiment_layer(&r->e, 0, 1, LAYER_GRAD), w2 = experiment_layer(&r->e, 0, 2, LAYER_W);
    tensor_view w1 = experiment_layer(&r->e, -1, 1, LAYER_W0);
    assert_int_equal(g1.rows, 4);
    assert_int_equal(g1.cols, 5);
    check_npy(join(path, sizeof path, d.path, "softmax.grad1.npy"), &g1);
    check_npy(join(path, sizeof path, d.path, "softmax.w2.npy"), &w2);
    check_npy(join(path, sizeof path, d.path, "w1.npy"), &w1);
    run_free(r);
    rm_rf(d.path);
}

/* A target that cannot be written: SAVE_WRITE naming it, and the directory
 * left exactly as it was (no temporary file, no other new file, an old
 * file untouched). */
static void check_save_fails(const char *bad, int make_dir, const char *reason)
{
    static const char *const args[] = {"--show", "all", NULL};
    run *r = compute(args);
    tmpdir d;
    tmp_make(&d);
    char path[256], old[256], err[640] = "";
    join(path, sizeof path, d.path, bad);
    if (make_dir) assert_int_equal(mkdir(path, 0755), 0);
    else assert_int_equal(symlink("/dev/full", path), 0);
    int w_old = strcmp(bad, "w.npy") != 0;
    if (w_old) write_file(join(old, sizeof old, d.path, "w.npy"), "old bytes");
    char before[8192];
    listing(d.path, before, sizeof before);
    assert_int_equal(save_tensors(d.path, &r->e, &r->o, err, sizeof err), SAVE_WRITE);
    char want[512];
    snprintf(want, sizeof want, "%s: %s", path, reason);
    assert_string_equal(err, want);
    expect_listing(d.path, before);
    if (w_old) expect_content(old, "old bytes");
    run_free(r);
    rm_rf(d.path);
}

static void test_save_failure_leaves_directory(void **state)
{
    (void)state;
    check_save_fails("x.npy", 1, "is a directory");            /* the first file */
    check_save_fails("softmax.grad.npy", 1, "is a directory"); /* the last: nine written, none kept */
    check_save_fails("sigmoid.loss.npy", 1, "is a directory");
    if (access("/dev/full", W_OK) == 0) {
        check_save_fails("sigmoid.p.npy", 0, "No space left on device"); /* a device: written directly */
        check_save_fails("w.npy", 0, "No space left on device");
    }
}

/* save_tensors must not keep every file open until all are written (a bug
 * this test found): with one descriptor per tensor, a run with more
 * tensors than free descriptors failed with "Too many open files" (the
 * command line: 16 heads, --hidden with 32 layers, --show all: 1650
 * tensors, past the usual ulimit -n of 1024). Here the limit is lowered
 * to 6 free descriptors for the blog's 10 tensors. */
static void test_save_many_tensors(void **state)
{
    (void)state;
    static const char *const args[] = {"--show", "all", NULL};
    run *r = compute(args);
    tmpdir d;
    tmp_make(&d);
    int fd = open("/dev/null", O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(close(fd), 0);
    /* the limit below which exactly 6 descriptors are free */
    int limit = fd, free_fds = 0;
    while (free_fds < 6) free_fds += fcntl(limit++, F_GETFD) == -1;
    struct rlimit saved, few;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    few = saved;
    few.rlim_cur = (rlim_t)limit;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &few), 0);
    char err[640] = "";
    save_status st = save_tensors(d.path, &r->e, &r->o, err, sizeof err);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    char got[8192];
    listing(d.path, got, sizeof got);
    run_free(r);
    rm_rf(d.path);
    if (st != SAVE_OK) fail_msg("10 tensors with 6 free descriptors: %s", err);
    assert_string_equal(got, BLOG_FILES);
}

static void test_save_prepare(void **state)
{
    (void)state;
    tmpdir d;
    tmp_make(&d);
    char path[256], err[256];
    write_file(join(path, sizeof path, d.path, "file"), "x");
    join(path, sizeof path, d.path, "file/out");
    assert_int_equal(save_prepare(path, err, sizeof err), SAVE_BADPATH);
    assert_string_equal(err, "Not a directory");
    join(path, sizeof path, d.path, "a/b");
    assert_int_equal(save_prepare(path, err, sizeof err), SAVE_OK);
    expect_listing(d.path, "a,file");
    rm_rf(d.path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_creates_file),
        cmocka_unit_test(test_commit_replaces_by_rename),
        cmocka_unit_test(test_abort_keeps_target),
        cmocka_unit_test(test_commit_fails_on_write_error),
        cmocka_unit_test(test_commit_reason_lost),
        cmocka_unit_test(test_dev_full_written_directly),
        cmocka_unit_test(test_bad_targets),
        cmocka_unit_test(test_dash_is_stdout),
        cmocka_unit_test(test_new_file_mode),
        cmocka_unit_test(test_replaced_file_keeps_mode),
        cmocka_unit_test(test_mkdirs),
        cmocka_unit_test(test_save_blog),
        cmocka_unit_test(test_save_shows_only_what_is_shown),
        cmocka_unit_test(test_save_failure_leaves_directory),
        cmocka_unit_test(test_save_many_tensors),
        cmocka_unit_test(test_save_prepare),
    };
    return cmocka_run_group_tests_name("outfile", tests, NULL, NULL);
}
