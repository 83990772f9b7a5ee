/* outfile.h - files that are either complete or untouched.
 *
 * gradexp's file outputs (--plot, --save) are written to a temporary file
 * beside the target and renamed over it only once every byte is written
 * and flushed, so an interrupted or failed run (a full disk, a write error)
 * never leaves half a file, and an existing file is replaced only by a
 * complete new one. A target that exists and is not a regular file (a
 * device such as /dev/full or /dev/stdout, a FIFO) is written directly: it
 * cannot be replaced by renaming. "-" is stdout. */
#ifndef GRADEXP_OUTFILE_H
#define GRADEXP_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

#include "options.h"

typedef struct {
    FILE *f;                      /* where to write, after outfile_open */
    char path[MAX_PATH_TEXT];     /* the target */
    char tmp[MAX_PATH_TEXT + 16]; /* the temporary file, or "" when written directly */
    int is_stdout;
} outfile;

/* Opens path for writing. Returns 0, or -1 with the reason in err (from
 * errno, or "is a directory"); nothing is left on disk then. */
int outfile_open(outfile *o, const char *path, char *err, size_t errlen);
/* Flushes, closes and renames the temporary file over the target. Returns
 * 0, or -1 with the reason in err; on failure the temporary file is
 * removed and the target is as it was. */
int outfile_commit(outfile *o, char *err, size_t errlen);
/* outfile_commit in two halves, for many files renamed only once all are
 * written (without holding a descriptor each): outfile_close flushes and
 * closes (the temporary file stays), outfile_rename renames it over the
 * target. Each returns 0, or -1 with the reason in err, the temporary file
 * removed. */
int outfile_close(outfile *o, char *err, size_t errlen);
int outfile_rename(outfile *o, char *err, size_t errlen);
/* Closes and removes the temporary file; the target is as it was. Safe
 * after a failed open or a commit, and on a zeroed struct. */
void outfile_abort(outfile *o);

/* Creates directory dir and any missing parents (mode 0777 less the umask).
 * Returns 0 (also when it exists) or -1 with the reason in err. */
int outfile_mkdirs(const char *dir, char *err, size_t errlen);

#endif
