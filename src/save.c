/* save.c - --save DIR (see save.h). */
#include "save.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arrayfile.h"
#include "outfile.h"

save_status save_prepare(const char *dir, char *err, size_t errlen)
{
    return outfile_mkdirs(dir, err, errlen) == 0 ? SAVE_OK : SAVE_BADPATH;
}

/* npy_write_f32's row callback over a tensor view. */
static void view_row(void *ctx, uint64_t i, float *buf)
{
    const tensor_view *v = ctx;
    for (size_t j = 0; j < v->cols; j++) buf[j] = v->at(v, (size_t)i, j);
}

save_status save_tensors(const char *dir, experiment *e, const gradexp_options *o, char *err, size_t errlen)
{
    named_tensor *list = malloc(MAX_NAMED * sizeof *list);
    outfile *files = NULL;
    save_status st = SAVE_OK;
    size_t n = 0, opened = 0;
    if (list != NULL) n = experiment_tensors(e, o, list, MAX_NAMED);
    if (list == NULL || (files = malloc((n ? n : 1) * sizeof *files)) == NULL) {
        st = SAVE_NOMEM;
        snprintf(err, errlen, "%s: not enough memory", dir);
        goto done;
    }
    size_t dl = strlen(dir);
    const char *sep = dl > 0 && dir[dl - 1] == '/' ? "" : "/";
    for (size_t k = 0; k < n && st == SAVE_OK; k++) {
        char path[MAX_PATH_TEXT + 64], why[256];
        if (list[k].head) snprintf(path, sizeof path, "%s%s%s.%s.npy", dir, sep, list[k].head, list[k].part);
        else snprintf(path, sizeof path, "%s%s%s.npy", dir, sep, list[k].part);
        if (outfile_open(&files[k], path, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: %s", path, why);
            st = SAVE_WRITE;
            break;
        }
        opened = k + 1;
        const tensor_view *v = &list[k].view;
        uint64_t shape[2] = {v->ndim == 2 ? v->rows : v->cols, v->cols};
        errno = 0;
        if (npy_write_f32(files[k].f, v->ndim, shape, view_row, (void *)v) != 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
            st = errno == ENOMEM ? SAVE_NOMEM : SAVE_WRITE;
        } else if (outfile_close(&files[k], why, sizeof why) != 0) { /* one descriptor at a time */
            snprintf(err, errlen, "%s: %s", path, why);
            st = SAVE_WRITE;
        }
    }
    /* all written: rename each over its target */
    for (size_t k = 0; k < opened && st == SAVE_OK; k++) {
        char why[256];
        if (outfile_rename(&files[k], why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: %s", files[k].path, why);
            st = SAVE_WRITE;
        }
    }
    if (st != SAVE_OK)
        for (size_t k = 0; k < opened; k++) outfile_abort(&files[k]);
done:
    free(list);
    free(files);
    return st;
}
