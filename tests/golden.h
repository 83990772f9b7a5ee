/* golden.h - small helpers shared by the test suites: reading golden files
 * made from real PyTorch, comparing float bit patterns, and parsing a
 * command line. */
#ifndef GRADEXP_TEST_GOLDEN_H
#define GRADEXP_TEST_GOLDEN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

/* Reads a whole file into a NUL-terminated buffer (caller frees); NULL on
 * failure. */
static inline char *golden_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    (void)fclose(f); /* read only: nothing to lose */
    if (buf) buf[len] = '\0';
    return buf;
}

static inline uint32_t golden_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline float golden_float(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static inline uint64_t golden_bits64(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* options_parse on a NULL-terminated argument list (at most 62 items),
 * with "gradexp" added as argv[0]; err is cleared first. */
static inline opt_status golden_parse(gradexp_options *o, const char *const *args, char *err, size_t errlen)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)"gradexp";
    while (*args && argc < 63) argv[argc++] = (char *)*args++;
    argv[argc] = NULL;
    err[0] = '\0';
    return options_parse(o, argc, argv, err, errlen);
}

#endif
