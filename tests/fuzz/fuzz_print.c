/* fuzz_print.c - libFuzzer harness for the tensor printer (src/tensor_print.c).
 *
 * The input is a 24-byte header (shape, print options) followed by float32
 * values. Shapes are 0-d, 1-d (up to 255) or 2-d (up to 20 x 20) dense
 * tensors (values taken from the input cyclically), or a "virtual" tensor of up to
 * 2^40 x 2^40 elements read through an accessor, printed only when the
 * options summarise it to 1..12 edge items (edgeitems 0 on a 1-d tensor
 * prints all of it, as t[-0:] does in PyTorch). Print options span
 * precision -3..60, any linewidth, threshold and edgeitems (small values,
 * negatives, 0, LONG_MIN, LONG_MAX), every sci mode, colour on or off.
 *
 * Besides the sanitizers, each run checks:
 * - tensor_print returns 0 or TENSOR_PRINT_TORCH_RAISES (never -1 on a
 *   memory stream) and raises only where PyTorch does (negative precision,
 *   or a summarised 2-d tensor with edgeitems <= 0);
 * - the text starts with "tensor(" and ends with ")\n", with as many '['
 *   as ']' (besides the colour escapes' '[') and no NUL byte;
 * - with colour, deleting the escape sequences gives the plain text back;
 * - the number formatters equal glibc's correctly rounded "%.*f" / "%.*e"
 *   (Python's '{:.Pf}' / '{:.Pe}') for every finite input value.
 * Any violation aborts, which libFuzzer reports as a crash. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor_print.h"

#define HEADER 24
#define MAX_DENSE 20
#define MAX_VALUES 4096
#define VIRTUAL_MAX ((size_t)1 << 40)

#define CHECK(cond, ...)                                              \
    do {                                                              \
        if (!(cond)) {                                                \
            fprintf(stderr, "fuzz_print: check failed: %s: ", #cond); \
            fprintf(stderr, __VA_ARGS__);                             \
            fputc('\n', stderr);                                      \
            abort();                                                  \
        }                                                             \
    } while (0)

typedef struct {
    const float *vals;
    size_t nvals;
} cyclic;

/* Element (i, j) of a tensor whose values repeat the input's floats. */
static float cyclic_at(const tensor_view *t, size_t i, size_t j)
{
    const cyclic *c = t->ctx;
    if (c->nvals == 0) return 0.0f;
    return c->vals[(i * 31 + j) % c->nvals];
}

static uint64_t rd_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--) v = v << 8 | p[k];
    return v;
}

/* A long print option from 8 input bytes: mostly small values around the
 * interesting range, sometimes an extreme. */
static long pick_long(const uint8_t *p, long small_lo, long small_hi)
{
    uint64_t v = rd_u64(p);
    switch (v & 7) {
    case 0: return LONG_MAX;
    case 1: return LONG_MIN;
    case 2: return (long)(v >> 3) - (long)(((uint64_t)1 << 60) - 1); /* anything, either sign */
    default: return small_lo + (long)((v >> 3) % (uint64_t)(small_hi - small_lo + 1));
    }
}

/* Python's format of v (finite) for one precision, via glibc. */
static void check_formatters(float v, int precision)
{
    char mine[128], ref[128];
    size_t n = tensor_format_fixed(mine, v, precision);
    snprintf(ref, sizeof ref, "%.*f", precision, (double)v);
    CHECK(n == strlen(mine) && !strcmp(mine, ref), "fixed %a p=%d: '%s' vs glibc '%s'", (double)v, precision, mine,
          ref);
    n = tensor_format_sci(mine, v, precision);
    snprintf(ref, sizeof ref, "%.*e", precision, (double)v);
    CHECK(n == strlen(mine) && !strcmp(mine, ref), "sci %a p=%d: '%s' vs glibc '%s'", (double)v, precision, mine, ref);
}

/* Occurrences of c in s[0..n) (memchr keeps this loop out of the coverage
 * instrumentation, which would otherwise dominate the run time). */
static size_t count(const char *s, size_t n, char c)
{
    size_t k = 0;
    for (const char *p = s, *end = s + n; (p = memchr(p, c, (size_t)(end - p))) != NULL; p++) k++;
    return k;
}

/* Deletes every "\033[...m" sequence of s in place; returns the new length. */
static size_t strip_escapes(char *s, size_t n)
{
    char *w = s, *r = s, *end = s + n;
    for (;;) {
        char *e = memchr(r, '\033', (size_t)(end - r));
        size_t chunk = (size_t)((e ? e : end) - r);
        memmove(w, r, chunk);
        w += chunk;
        if (e == NULL) break;
        char *m = memchr(e, 'm', (size_t)(end - e));
        CHECK(e + 1 < end && e[1] == '[' && m != NULL, "malformed escape at %zu", (size_t)(e - s));
        r = m + 1;
    }
    return (size_t)(w - s);
}

/* Prints into a fresh string; returns tensor_print's status. */
static int print_string(const tensor_view *t, const print_options *o, char **text, size_t *len)
{
    FILE *f = open_memstream(text, len);
    CHECK(f != NULL, "open_memstream");
    int rc = tensor_print(f, t, o);
    CHECK(fclose(f) == 0, "fclose");
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HEADER) return 0;
    const uint8_t *h = data;
    int ndim = h[0] % 3;
    int virt = (h[0] >> 2) & 1;
    print_options o = PRINT_OPTIONS_DEFAULT;
    o.precision = (int)(h[1] % 64) - 3;
    o.sci = (sci_mode)(h[2] % 3);
    o.color = (h[2] >> 2) & 1;
    o.sci_first = (h[2] >> 3) & 1; /* the release rules of 2.x */
    o.edge0_size = (h[2] >> 4) & 1;
    o.linewidth = pick_long(h + 3, -2, 300);
    o.threshold = pick_long(h + 11, -2, 3000);
    /* edgeitems from one byte and the shape bytes below */
    uint8_t eb = h[19];
    o.edgeitems = eb < 200 ? (long)eb % 12 - 2 : eb < 220 ? LONG_MAX : eb < 240 ? LONG_MIN : (long)eb * 1000;
    size_t rows = 1, cols = 1;
    if (virt) {
        /* up to 2^40 per side; printed only when summarised to few items */
        uint64_t r = (uint64_t)h[20] << 16 | (uint64_t)h[21] << 8 | h[22];
        rows = ndim == 2 ? (size_t)(r % VIRTUAL_MAX) : 1;
        cols = ndim >= 1 ? (size_t)(((uint64_t)h[23] << 32 | r * 2654435761u) % VIRTUAL_MAX) : 1;
    } else {
        rows = ndim == 2 ? h[20] % (MAX_DENSE + 1) : 1;
        cols = ndim >= 1 ? h[21] % (MAX_DENSE + 1) : 1;
        if (ndim == 1) cols = h[21]; /* 1-d up to 255 */
    }

    size_t nvals = (size - HEADER) / sizeof(float);
    if (nvals > MAX_VALUES) nvals = MAX_VALUES;
    float *vals = malloc((nvals ? nvals : 1) * sizeof(float));
    CHECK(vals != NULL, "malloc");
    memcpy(vals, data + HEADER, nvals * sizeof(float));
    cyclic c = {vals, nvals};

    /* Bound the work: a virtual tensor must be summarised with few edge items
     * in each printed dimension, or it is skipped. */
    int summarised =
        o.threshold < 0 || (rows > 0 && cols > SIZE_MAX / rows) || rows * cols > (unsigned long)o.threshold;
    if (virt && ndim > 0 && !(summarised && o.edgeitems >= 1 && o.edgeitems <= 12)) {
        free(vals);
        return 0;
    }

    tensor_view t = {ndim, ndim == 2 ? rows : 1, ndim >= 1 ? cols : 1, cyclic_at, &c, NULL};
    char *text = NULL;
    size_t len = 0;
    int rc = print_string(&t, &o, &text, &len);
    CHECK(rc == 0 || rc == TENSOR_PRINT_TORCH_RAISES, "status %d", rc);
    if (rc == TENSOR_PRINT_TORCH_RAISES) {
        CHECK(len == 0, "raised after writing %zu bytes", len);
        CHECK(o.precision < 0 || (ndim == 2 && o.edgeitems <= 0), "raised with precision %d edgeitems %ld", o.precision,
              o.edgeitems);
    } else {
        CHECK(len >= 9 && !memcmp(text, "tensor(", 7) && !memcmp(text + len - 2, ")\n", 2), "shape of '%.60s'", text);
        CHECK(memchr(text, '\0', len) == NULL, "NUL in output");
        CHECK(count(text, len, '[') == count(text, len, ']') + count(text, len, '\033'), "unbalanced brackets");
        if (o.color) {
            print_options plain = o;
            plain.color = 0;
            char *ptext = NULL;
            size_t plen = 0;
            CHECK(print_string(&t, &plain, &ptext, &plen) == 0, "plain print failed");
            size_t n = strip_escapes(text, len);
            CHECK(n == plen && !memcmp(text, ptext, n), "colour text differs from plain text");
            free(ptext);
        }
    }
    free(text);

    /* The formatters against glibc, for the first few distinct values. */
    int p = o.precision < 0 ? 0 : o.precision;
    for (size_t k = 0; k < nvals && k < 16; k++)
        if (isfinite(vals[k])) check_formatters(vals[k], p);
    free(vals);
    return 0;
}
