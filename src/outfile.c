/* outfile.c - complete-or-untouched output files (see outfile.h). */
#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, int code)
{
    snprintf(err, errlen, "%s", code == EISDIR ? "is a directory" : strerror(code ? code : EIO));
    return -1;
}

int outfile_open(outfile *o, const char *path, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    if (strlen(path) >= sizeof o->path) return fail(err, errlen, ENAMETOOLONG);
    memcpy(o->path, path, strlen(path) + 1);
    if (!strcmp(path, "-")) {
        o->f = stdout;
        o->is_stdout = 1;
        return 0;
    }
    struct stat st;
    int exists = 0;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return fail(err, errlen, EISDIR);
        if (!S_ISREG(st.st_mode)) {
            o->f = fopen(path, "w");
            return o->f ? 0 : fail(err, errlen, errno);
        }
        exists = 1;
    } else if (errno != ENOENT) {
        return fail(err, errlen, errno);
    }
    size_t n = strlen(path);
    if (n > 0 && path[n - 1] == '/') return fail(err, errlen, EISDIR);
    snprintf(o->tmp, sizeof o->tmp, "%s.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int code = errno;
        o->tmp[0] = '\0';
        return fail(err, errlen, code);
    }
    /* mkstemp makes the file 0600: a replaced file keeps its mode, a new
     * one gets what open(2) would give it */
    mode_t mask = umask(0);
    umask(mask);
    mode_t mode = exists ? st.st_mode & 07777 : 0666 & ~mask;
    if (fchmod(fd, mode) != 0 || (o->f = fdopen(fd, "w")) == NULL) {
        int code = errno;
        close(fd);
        unlink(o->tmp);
        o->tmp[0] = '\0';
        return fail(err, errlen, code);
    }
    return 0;
}

int outfile_close(outfile *o, char *err, size_t errlen)
{
    if (o->f == NULL) return fail(err, errlen, EBADF);
    /* a write that failed earlier set the error flag; flushing again
     * retries what is buffered and gives the reason (ENOSPC, EIO) */
    int bad = ferror(o->f) != 0, code = EIO;
    clearerr(o->f);
    errno = 0;
    if (fflush(o->f) != 0) {
        bad = 1;
        code = errno ? errno : EIO;
    } else if (bad && o->tmp[0]) {
        /* glibc dropped the failed buffer: one more byte into the doomed
         * temporary file asks the file system why (EFBIG, ENOSPC) */
        const char probe = 0;
        if (write(fileno(o->f), &probe, 1) < 0) code = errno;
    }
    if (o->is_stdout) {
        o->f = NULL;
        return bad ? fail(err, errlen, code) : 0;
    }
    if (fclose(o->f) != 0 && !bad) {
        bad = 1;
        code = errno;
    }
    o->f = NULL;
    if (bad) {
        outfile_abort(o);
        return fail(err, errlen, code);
    }
    return 0;
}

int outfile_rename(outfile *o, char *err, size_t errlen)
{
    if (o->tmp[0] && rename(o->tmp, o->path) != 0) {
        int code = errno;
        outfile_abort(o);
        return fail(err, errlen, code);
    }
    o->tmp[0] = '\0';
    return 0;
}

int outfile_commit(outfile *o, char *err, size_t errlen)
{
    if (outfile_close(o, err, errlen) != 0) return -1;
    return outfile_rename(o, err, errlen);
}

void outfile_abort(outfile *o)
{
    if (o->f && !o->is_stdout) (void)fclose(o->f); /* being discarded */
    o->f = NULL;
    if (o->tmp[0]) unlink(o->tmp);
    o->tmp[0] = '\0';
}

int outfile_mkdirs(const char *dir, char *err, size_t errlen)
{
    char buf[MAX_PATH_TEXT];
    if (dir[0] == '\0') return fail(err, errlen, ENOENT);
    if (strlen(dir) >= sizeof buf) return fail(err, errlen, ENAMETOOLONG);
    memcpy(buf, dir, strlen(dir) + 1);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return fail(err, errlen, errno);
        *p = c;
        if (c == '\0') break;
    }
    struct stat st;
    if (stat(dir, &st) != 0) return fail(err, errlen, errno);
    if (!S_ISDIR(st.st_mode)) return fail(err, errlen, ENOTDIR);
    return 0;
}
