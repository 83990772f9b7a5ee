/* tensor_print.c - print(t) for 0-d, 1-d and 2-d float32 tensors, byte for
 * byte as PyTorch 1.13's torch/_tensor_str.py writes it.
 *
 * The work is two streaming passes over the elements PyTorch would look at:
 * the first gathers the formatter statistics (count, smallest and largest
 * magnitude, integrality, the widest positive and negative value) from the
 * finite nonzero values of the summarised data; the second formats and writes
 * each element, wrapping rows at linewidth. Elements are read only through
 * the view's accessor and nothing of numel size is allocated, so a summarised
 * view of a huge virtual tensor touches only its edge items, and a full print
 * of a large one streams through a fixed output buffer. Numbers are widened
 * exactly to double and written like Python's '{:.Pf}' / '{:.Pe}': an exact
 * integer fast path covers the usual magnitudes and precisions, and glibc's
 * correctly rounded snprintf covers the rest; both round ties to even on the
 * exact binary value, as Python does. nan never carries a sign. With
 * print_options.color each number is wrapped in an ANSI colour escape and a
 * reset (padding outside), and nothing else changes. */
#include "decimal.h"
#include "tensor_print.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Dense views                                                               */
/* ------------------------------------------------------------------------ */

/* Accessor for a dense row-major array in ctx: element (i, j) is
 * data[i * cols + j]; 1-d and 0-d views always pass i = 0 (and j = 0). */
static float dense_at(const tensor_view *t, size_t i, size_t j)
{
    const float *data = t->ctx;
    return data[i * t->cols + j];
}

/* A 0-d view of data[0]. */
tensor_view tensor_view_dense0(const float *data)
{
    tensor_view v = {0, 1, 1, dense_at, data, NULL};
    return v;
}

/* A 1-d view of data[0 .. n-1]. */
tensor_view tensor_view_dense1(const float *data, size_t n)
{
    tensor_view v = {1, 1, n, dense_at, data, NULL};
    return v;
}

/* A 2-d view of the row-major rows x cols array data. */
tensor_view tensor_view_dense2(const float *data, size_t rows, size_t cols)
{
    tensor_view v = {2, rows, cols, dense_at, data, NULL};
    return v;
}

/* ------------------------------------------------------------------------ */
/* Exact decimal formatting of float32 values                               */
/* ------------------------------------------------------------------------ */

/* Splits the finite float v into |v| = m * 2^q with m < 2^24 (m = 0 for
 * zeros); returns 1 when v's sign bit is set. */
static int decompose(float v, uint32_t *m, int *q)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint32_t e = (bits >> 23) & 0xffu, f = bits & 0x7fffffu;
    if (e == 0) {
        *m = f;
        *q = -149;
    } else {
        *m = f | 0x800000u;
        *q = (int)e - 150;
    }
    return (int)(bits >> 31);
}

/* Computes F = floor(m * 2^q * 10^s) exactly and how the discarded fraction
 * compares with one half (*cmp: -1 below, 0 equal, 1 above). Returns 0, or
 * -1 when the exact result does not fit the 64-bit arithmetic used here (the
 * caller then falls back to snprintf). */
static int scale_floor(uint32_t m, int q, int s, uint64_t *F, int *cmp)
{
    if (s >= 0) {
        if (s > DEC_MAX_POW5) return -1;
        uint64_t n = (uint64_t)m * DEC_POW5[s]; /* times 10^s = 5^s * 2^s */
        int e = q + s;
        if (e >= 0) {
            if (e >= 64 || (e > 0 && (n >> (64 - e)) != 0)) return -1;
            *F = n << e;
            *cmp = -1;
        } else if (-e >= 64) {
            /* n < 2^64, so the quotient is 0; half is 2^(k-1) >= 2^63. */
            *F = 0;
            if (-e > 64) *cmp = -1;
            else *cmp = n > (1ULL << 63) ? 1 : n == (1ULL << 63) ? 0 : -1;
        } else {
            int k = -e;
            uint64_t rem = n & ((1ULL << k) - 1), half = 1ULL << (k - 1);
            *F = n >> k;
            *cmp = rem > half ? 1 : rem == half ? 0 : -1;
        }
        return 0;
    }
    int u = -s;
    if (u > 19) return -1;
    uint64_t d = DEC_POW10[u]; /* even, so d / 2 is exact */
    uint64_t num;
    if (q >= 0) {
        if (q > 40) return -1;
        num = (uint64_t)m << q;
    } else {
        int k = -q;
        if (k >= 64 || (d >> (64 - k)) != 0) return -1;
        num = m;
        d <<= k;
    }
    uint64_t rem = num % d, half = d / 2;
    *F = num / d;
    *cmp = rem > half ? 1 : rem == half ? 0 : -1;
    return 0;
}

/* Rounds F up when the discarded part says so, ties to even. */
static uint64_t round_even(uint64_t F, int cmp)
{
    return F + (uint64_t)(cmp > 0 || (cmp == 0 && (F & 1u)));
}

/* Writes x < 10^digits in decimal at p, zero-padded to exactly digits
 * characters. */
static void put_u64_padded(char *p, uint64_t x, int digits)
{
    for (int i = digits - 1; i >= 0; i--) {
        p[i] = (char)('0' + x % 10);
        x /= 10;
    }
}

/* Writes "nan", "inf" or "-inf" for a non-finite v; returns its length. */
static size_t put_nonfinite(char *buf, float v)
{
    const char *s = isnan(v) ? "nan" : v < 0 ? "-inf" : "inf";
    size_t n = strlen(s);
    memcpy(buf, s, n + 1);
    return n;
}

/* Buffer size for the formatters: sign, 39 integer digits of FLT_MAX, point,
 * precision digits, terminator, with room to spare (see tensor_print.h). */
size_t tensor_format_bufsize(int precision)
{
    return (size_t)(precision > 0 ? precision : 0) + 48;
}

/* '{:.Pf}'.format(v) into buf (see tensor_print.h): exact integer rounding
 * of |v| * 10^P when it fits 64 bits, else glibc's snprintf. */
size_t tensor_format_fixed(char *buf, float v, int precision)
{
    if (!isfinite(v)) return put_nonfinite(buf, v);
    uint32_t m;
    int q;
    int neg = decompose(v, &m, &q);
    uint64_t F;
    int cmp;
    if (precision < 0 || precision > DEC_MAX_POW5 || scale_floor(m, q, precision, &F, &cmp) != 0) {
        int n = snprintf(buf, tensor_format_bufsize(precision), "%.*f", precision < 0 ? 0 : precision, (double)v);
        return n < 0 ? 0 : (size_t)n;
    }
    uint64_t r = round_even(F, cmp);
    size_t n = 0;
    if (neg) buf[n++] = '-';
    n += dec_put_u64(buf + n, r / DEC_POW10[precision]);
    if (precision > 0) {
        buf[n++] = '.';
        put_u64_padded(buf + n, r % DEC_POW10[precision], precision);
        n += (size_t)precision;
    }
    buf[n] = '\0';
    return n;
}

/* '{:.Pe}'.format(v) into buf (see tensor_print.h): finds the decimal
 * exponent d exactly, rounds |v| * 10^(P-d) to P+1 digits, and moves to the
 * next exponent when rounding carries; glibc's snprintf outside the 64-bit
 * range (tiny values, precision > 17). */
size_t tensor_format_sci(char *buf, float v, int precision)
{
    if (!isfinite(v)) return put_nonfinite(buf, v);
    uint32_t m;
    int q;
    int neg = decompose(v, &m, &q);
    int p = precision < 0 ? 0 : precision;
    uint64_t r = 0;
    int d = 0, ok = 0;
    if (m == 0) {
        ok = p <= 18;
    } else if (p <= 17) {
        /* 2^e2 <= |v| < 2^(e2+1); 78913 / 2^18 is just below log10(2), so the
         * guess is floor(log10|v|) or one less, and the loop settles it. */
        int e2 = q + dec_bit_length(m) - 1;
        d = dec_floor_div(e2 * 78913, 262144);
        for (int iter = 0; iter < 4; iter++) {
            uint64_t F;
            int cmp;
            if (scale_floor(m, q, p - d, &F, &cmp) != 0) break;
            if (F < DEC_POW10[p]) {
                d--;
                continue;
            }
            if (F >= DEC_POW10[p + 1]) {
                d++;
                continue;
            }
            r = round_even(F, cmp);
            if (r == DEC_POW10[p + 1]) { /* 9.99996 -> 1.0000e+01 */
                r = DEC_POW10[p];
                d++;
            }
            ok = 1;
            break;
        }
    }
    if (!ok) {
        int n = snprintf(buf, tensor_format_bufsize(precision), "%.*e", p, (double)v);
        return n < 0 ? 0 : (size_t)n;
    }
    size_t n = 0;
    if (neg) buf[n++] = '-';
    buf[n++] = (char)('0' + r / DEC_POW10[p]);
    if (p > 0) {
        buf[n++] = '.';
        put_u64_padded(buf + n, r % DEC_POW10[p], p);
        n += (size_t)p;
    }
    buf[n++] = 'e';
    buf[n++] = d < 0 ? '-' : '+';
    unsigned ad = (unsigned)(d < 0 ? -d : d);
    if (ad < 10) buf[n++] = '0';
    n += dec_put_u64(buf + n, ad);
    buf[n] = '\0';
    return n;
}

/* ------------------------------------------------------------------------ */
/* Which elements are printed: summarising plans per dimension              */
/* ------------------------------------------------------------------------ */

/* Items [0, head_end), then, when ellipsis is set, an ellipsis and items
 * [tail_begin, n). The ranges may overlap or be empty: they follow Python's
 * slices t[:e] and t[-e:] for any sign of e, just as PyTorch uses them. */
typedef struct {
    size_t n;
    size_t head_end;
    int ellipsis;
    size_t tail_begin;
} dim_plan;

/* Whether n > 2 * e in exact arithmetic (no overflow for any long e). */
static int more_than_twice(size_t n, long e)
{
    if (e < 0) return 1;
    if (n == 0) return 0;
    return (n - 1) / 2 >= (unsigned long)e;
}

/* The plan for one dimension of size n: everything unless summarising and
 * n > 2 * edgeitems, else Python's t[:e], "...", t[-e:]. */
static dim_plan plan_dim(size_t n, int summarize, long e)
{
    dim_plan p = {n, n, 0, n};
    if (!summarize || !more_than_twice(n, e)) return p;
    p.ellipsis = 1;
    if (e > 0) { /* n > 2e, so both ends fit */
        p.head_end = (size_t)e;
        p.tail_begin = n - (size_t)e;
    } else if (e == 0) { /* t[:0] is empty, t[-0:] is all */
        p.head_end = 0;
        p.tail_begin = 0;
    } else { /* t[:-k] and t[k:] */
        unsigned long k = (unsigned long)(-(e + 1)) + 1;
        p.head_end = k >= n ? 0 : n - (size_t)k;
        p.tail_begin = k >= n ? n : (size_t)k;
    }
    return p;
}

/* ------------------------------------------------------------------------ */
/* Formatter statistics and the element formatter                           */
/* ------------------------------------------------------------------------ */

typedef struct {
    size_t count; /* finite nonzero values seen */
    float minabs, maxabs;
    float maxpos; /* largest positive value (if any) */
    float minneg; /* most negative value (if any) */
    int haspos, hasneg;
    int integral; /* every finite nonzero value equals its ceil */
} stats;

/* Folds one element into the statistics (non-finite and zeros are ignored,
 * as PyTorch's masked_select of isfinite & ne(0) does). */
static void stats_add(stats *s, float v)
{
    if (!isfinite(v) || v == 0.0f) return;
    float a = fabsf(v);
    if (s->count == 0) {
        s->minabs = s->maxabs = a;
    } else {
        if (a < s->minabs) s->minabs = a;
        if (a > s->maxabs) s->maxabs = a;
    }
    s->count++;
    if (v > 0) {
        if (!s->haspos || v > s->maxpos) s->maxpos = v;
        s->haspos = 1;
    } else {
        if (!s->hasneg || v < s->minneg) s->minneg = v;
        s->hasneg = 1;
    }
    if (s->integral && v != ceilf(v)) s->integral = 0;
}

typedef enum { MODE_INT, MODE_FIXED, MODE_SCI } fmt_mode;

typedef struct {
    fmt_mode mode;
    int precision;
    size_t width;
    int color; /* wrap numbers in ANSI colours (print_options.color) */
} formatter;

/* Writes v as the formatter's mode spells it, without padding; returns the
 * length. buf holds tensor_format_bufsize(precision) bytes. */
static size_t format_raw(const formatter *f, char *buf, float v)
{
    if (f->mode == MODE_SCI) return tensor_format_sci(buf, v, f->precision);
    if (f->mode == MODE_FIXED) return tensor_format_fixed(buf, v, f->precision);
    size_t n = tensor_format_fixed(buf, v, 0); /* int mode: '%.0f' + '.' */
    if (isfinite(v)) {
        buf[n++] = '.';
        buf[n] = '\0';
    }
    return n;
}

/* A user sci_mode (--sci-mode on|off) overrides the automatic choice. */
static void apply_user_sci(formatter *f, const stats *s, const print_options *o)
{
    if (o->sci == SCI_ON) f->mode = MODE_SCI;
    else if (o->sci == SCI_OFF && f->mode == MODE_SCI) f->mode = s->integral ? MODE_INT : MODE_FIXED;
}

/* The Python _Formatter built from the statistics, with the user's sci_mode
 * applied as the release does: 1.13 measures the width in the automatic
 * mode and only then applies it, later releases (o->sci_first) apply it
 * first; neither applies it when there was no finite nonzero value. Returns 0, or -1 when PyTorch would raise because a negative
 * precision reaches a format specifier. */
static int make_formatter(formatter *f, const stats *s, const print_options *o, char *scratch)
{
    f->precision = o->precision;
    f->width = 1;
    f->color = o->color;
    if (s->count == 0) {
        f->mode = MODE_INT;
        return 0;
    }
    double lo = (double)s->minabs, hi = (double)s->maxabs; /* as .double() */
    int sci = hi / lo > 1000.0 || hi > 1.0e8 || (!s->integral && lo < 1.0e-4);
    f->mode = sci ? MODE_SCI : s->integral ? MODE_INT : MODE_FIXED;
    if (o->sci_first) apply_user_sci(f, s, o); /* 2.x: the width is the final mode's */
    if (o->precision < 0 && f->mode != MODE_INT) return -1;
    /* The length of '%.Pf' / '%.0f' grows with |v| for each sign, and '%.Pe'
     * has one length per sign for float32 (two-digit exponents), so the
     * widest value of each sign gives the maximum width. */
    size_t extra = f->mode == MODE_INT ? 1 : 0;
    formatter plain = *f;
    if (plain.mode == MODE_INT) { /* width of '%.0f', plus '.' */
        plain.mode = MODE_FIXED;
        plain.precision = 0;
    }
    if (s->haspos) {
        size_t n = format_raw(&plain, scratch, s->maxpos) + extra;
        if (n > f->width) f->width = n;
    }
    if (s->hasneg) {
        size_t n = format_raw(&plain, scratch, s->minneg) + extra;
        if (n > f->width) f->width = n;
    }
    if (!o->sci_first) apply_user_sci(f, s, o); /* 1.13: after the width */
    if (o->precision < 0 && f->mode != MODE_INT) return -1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Buffered output                                                          */
/* ------------------------------------------------------------------------ */

#define OUT_CHUNK 65536

typedef struct {
    FILE *f;
    char *buf;
    size_t len, cap;
    int err;
    char *scratch; /* tensor_format_bufsize(precision) bytes */
} outbuf;

/* Writes out the buffered bytes; records a failed write in ob->err. */
static void ob_flush(outbuf *ob)
{
    if (ob->len && !ob->err && fwrite(ob->buf, 1, ob->len, ob->f) != ob->len) ob->err = 1;
    ob->len = 0;
}

/* Makes room for n more bytes (n <= cap). */
static void ob_reserve(outbuf *ob, size_t n)
{
    if (ob->cap - ob->len < n) ob_flush(ob);
}

/* Appends n bytes of s (n <= cap). */
static void ob_put(outbuf *ob, const char *s, size_t n)
{
    ob_reserve(ob, n);
    memcpy(ob->buf + ob->len, s, n);
    ob->len += n;
}

/* Appends the break between two lines of items: ",\n" and then spaces
 * spaces of indentation (spaces is small: 8 or 9). */
static void ob_break(outbuf *ob, size_t spaces)
{
    ob_reserve(ob, 2 + spaces);
    ob->buf[ob->len++] = ',';
    ob->buf[ob->len++] = '\n';
    memset(ob->buf + ob->len, ' ', spaces);
    ob->len += spaces;
}

/* The colour escape for v (see tensor_print.h): by sign, zeros dim, nan
 * yellow. */
static const char *color_of(float v)
{
    if (isnan(v)) return TENSOR_COLOR_NAN;
    if (v < 0) return TENSOR_COLOR_NEGATIVE;
    if (v > 0) return TENSOR_COLOR_POSITIVE;
    return TENSOR_COLOR_ZERO;
}

/* Appends v formatted and right-aligned to the formatter's width; with
 * colour, the escapes go around the number only, after the padding, so the
 * visible width is unchanged. */
static void ob_elem(outbuf *ob, const formatter *f, float v)
{
    size_t n = format_raw(f, ob->scratch, v);
    size_t pad = f->width > n ? f->width - n : 0;
    if (f->color) {
        const char *on = color_of(v);
        size_t lon = strlen(on), loff = sizeof TENSOR_COLOR_RESET - 1;
        ob_reserve(ob, pad + lon + n + loff);
        char *p = ob->buf + ob->len;
        memset(p, ' ', pad);
        /* ob->buf is a length-counted byte buffer, not a C string: no NUL is wanted */
        /* NOLINTBEGIN(bugprone-not-null-terminated-result) */
        memcpy(p + pad, on, lon);
        memcpy(p + pad + lon, ob->scratch, n);
        memcpy(p + pad + lon + n, TENSOR_COLOR_RESET, loff);
        /* NOLINTEND(bugprone-not-null-terminated-result) */
        ob->len += pad + lon + n + loff;
        return;
    }
    ob_reserve(ob, pad + n);
    memset(ob->buf + ob->len, ' ', pad);
    memcpy(ob->buf + ob->len + pad, ob->scratch, n);
    ob->len += pad + n;
}

/* ------------------------------------------------------------------------ */
/* Layout                                                                   */
/* ------------------------------------------------------------------------ */

/* Appends row i of t as PyTorch's _vector_str: items joined by ", ", at most
 * max(1, (linewidth - indent) // (width + 2)) per line (an ellipsis counts
 * as one), lines joined by ",\n" and indent + 1 spaces. */
static void put_vector(outbuf *ob, const tensor_view *t, size_t i, const dim_plan *cp, const formatter *f,
                       const print_options *o, long indent)
{
    size_t per_line = 1;
    long elem = (long)f->width + 2;
    if (o->linewidth > indent && (o->linewidth - indent) / elem > 1)
        per_line = (size_t)((o->linewidth - indent) / elem);
    size_t on_line = 0;
    ob_put(ob, "[", 1);
    for (int part = 0; part < 2; part++) {
        size_t from = part ? cp->tail_begin : 0;
        size_t to = part ? cp->n : cp->head_end;
        if (part) {
            if (!cp->ellipsis) break;
            if (on_line == per_line) {
                ob_break(ob, (size_t)indent + 1);
                on_line = 0;
            } else if (on_line) {
                ob_put(ob, ", ", 2);
            }
            ob_put(ob, " ...", 4);
            on_line++;
        }
        for (size_t j = from; j < to && !ob->err; j++) {
            if (on_line == per_line) {
                ob_break(ob, (size_t)indent + 1);
                on_line = 0;
            } else if (on_line) {
                ob_put(ob, ", ", 2);
            }
            ob_elem(ob, f, t->at(t, i, j));
            on_line++;
        }
    }
    ob_put(ob, "]", 1);
}

/* ------------------------------------------------------------------------ */
/* Entry point                                                              */
/* ------------------------------------------------------------------------ */

/* Folds the elements the plans select into s (rows by rp, columns by cp). */
static void gather_stats(stats *s, const tensor_view *t, const dim_plan *rp, const dim_plan *cp)
{
    for (int rpart = 0; rpart < 2; rpart++) {
        if (rpart && !rp->ellipsis) break;
        size_t r0 = rpart ? rp->tail_begin : 0, r1 = rpart ? rp->n : rp->head_end;
        for (size_t i = r0; i < r1; i++) {
            for (int cpart = 0; cpart < 2; cpart++) {
                if (cpart && !cp->ellipsis) break;
                size_t c0 = cpart ? cp->tail_begin : 0;
                size_t c1 = cpart ? cp->n : cp->head_end;
                for (size_t j = c0; j < c1; j++) stats_add(s, t->at(t, i, j));
            }
        }
    }
}

/* Writes "tensor([], size=(r, c))" style text for a tensor without
 * elements; returns 0 or -1 on a write error. */
static int print_empty(FILE *out, const tensor_view *t)
{
    int n;
    if (t->ndim == 1) n = fprintf(out, "tensor([])\n");
    else n = fprintf(out, "tensor([], size=(%zu, %zu))\n", t->rows, t->cols);
    if (n < 0 || fflush(out) != 0 || ferror(out)) return -1;
    return 0;
}

/* Whether torch summarises t: numel > threshold, without overflow; never a
 * scalar, which has nothing to elide. */
static int summarizes(const tensor_view *t, const print_options *opt)
{
    size_t rows = t->ndim == 2 ? t->rows : 1, cols = t->ndim >= 1 ? t->cols : 1;
    if (t->ndim == 0) return 0;
    if (opt->threshold < 0 || (cols > 0 && rows > SIZE_MAX / cols)) return 1;
    return rows * cols > (unsigned long)opt->threshold;
}

/* print(t) under opt into out, the size suffix of edge0_size aside: plans
 * which items are shown, gathers the statistics, builds the formatter, then
 * writes the text through a 64 KiB buffer and flushes out. */
static int print_plain(FILE *out, const tensor_view *t, const print_options *opt)
{
    int ndim = t->ndim;
    size_t rows = ndim == 2 ? t->rows : 1;
    size_t cols = ndim >= 1 ? t->cols : 1;
    if (rows == 0 || cols == 0) return print_empty(out, t);

    int summarize = summarizes(t, opt);

    dim_plan rp = plan_dim(rows, ndim == 2 && summarize, opt->edgeitems);
    dim_plan cp = plan_dim(cols, ndim >= 1 && summarize, opt->edgeitems);
    /* torch.stack([]) raises when a 2-d tensor is summarised with
     * edgeitems <= 0: neither range(0, e) nor range(n - e, n) has rows. */
    if (ndim == 2 && rp.ellipsis && opt->edgeitems <= 0) return TENSOR_PRINT_TORCH_RAISES;

    size_t fmtsize = tensor_format_bufsize(opt->precision);
    char *mem = malloc(OUT_CHUNK + 2 * fmtsize + 64);
    if (!mem) return -1;
    outbuf ob = {out, mem, 0, OUT_CHUNK + fmtsize + 64, 0, mem + OUT_CHUNK + fmtsize + 64};

    stats s = {0, 0, 0, 0, 0, 0, 0, 1};
    gather_stats(&s, t, &rp, &cp);
    formatter f;
    if (make_formatter(&f, &s, opt, ob.scratch) != 0) {
        free(mem);
        return TENSOR_PRINT_TORCH_RAISES;
    }

    if (ndim == 0) {
        ob_put(&ob, "tensor(", 7);
        ob_elem(&ob, &f, t->at(t, 0, 0));
        ob_put(&ob, ")\n", 2);
    } else if (ndim == 1) {
        ob_put(&ob, "tensor(", 7);
        put_vector(&ob, t, 0, &cp, &f, opt, 7);
        ob_put(&ob, ")\n", 2);
    } else {
        ob_put(&ob, "tensor([", 8);
        size_t slices = 0;
        for (int rpart = 0; rpart < 2 && !ob.err; rpart++) {
            if (rpart && !rp.ellipsis) break;
            if (rpart) {
                ob_break(&ob, 8);
                ob_put(&ob, "...", 3);
                slices++;
            }
            size_t r0 = rpart ? rp.tail_begin : 0, r1 = rpart ? rp.n : rp.head_end;
            for (size_t i = r0; i < r1 && !ob.err; i++) {
                if (slices++) ob_break(&ob, 8);
                put_vector(&ob, t, i, &cp, &f, opt, 8);
            }
        }
        ob_put(&ob, "])\n", 3);
    }
    ob_flush(&ob);
    free(mem);
    if (ob.err || fflush(out) != 0 || ferror(out)) return -1;
    return 0;
}

/* Releases from 2.1 with edgeitems = 0: a summarised tensor is "[...]" and
 * every tensor gets the suffix "size=(...)", placed as _add_suffixes does:
 * on the same line when the last line, plus ", " and the suffix, fits in
 * linewidth (the last line counted as len - rfind("\n") + 1, which is two
 * more than its length when there is no newline), else on a new line
 * indented by 7. Returns as tensor_print. */
static int print_edge0(FILE *out, const tensor_view *t, int summarize, const print_options *opt)
{
    char suffix[96];
    if (t->ndim == 0) snprintf(suffix, sizeof suffix, "size=()");
    else if (t->ndim == 1) snprintf(suffix, sizeof suffix, "size=(%zu,)", t->cols);
    else snprintf(suffix, sizeof suffix, "size=(%zu, %zu)", t->rows, t->cols);
    char *text = NULL;
    size_t len = 0;
    if (summarize) {
        text = strdup("tensor([...]");
        if (!text) return -1;
        len = strlen(text);
    } else {
        /* the plain text, without its ")\n", then the suffix */
        print_options plain = *opt;
        plain.edge0_size = 0;
        FILE *mem = open_memstream(&text, &len);
        if (!mem) return -1;
        int rc = print_plain(mem, t, &plain);
        if (fclose(mem) != 0 && rc == 0) rc = -1;
        if (rc != 0 || len < 2) {
            free(text);
            return rc != 0 ? rc : -1;
        }
        len -= 2;
        text[len] = '\0';
    }
    const char *nl = strrchr(text, '\n');
    /* the line's length as torch counts it: colour escapes take no room */
    size_t last = 0;
    for (const char *p = nl ? nl + 1 : text; *p; p++) {
        if (*p == '\033') {
            while (*p && *p != 'm') p++;
            if (!*p) break;
            continue;
        }
        last++;
    }
    last += 2; /* len - rfind("\n") + 1 is the line plus 2, also with no newline (rfind -1) */
    int fits = (long)(last + strlen(suffix) + 2) <= opt->linewidth;
    int n = fprintf(out, "%s%s%s)\n", text, fits ? ", " : ",\n       ", suffix);
    free(text);
    if (n < 0 || fflush(out) != 0 || ferror(out)) return -1;
    return 0;
}

/* See tensor_print.h. */
int tensor_print(FILE *out, const tensor_view *t, const print_options *opt)
{
    int empty = (t->ndim == 2 && t->rows == 0) || (t->ndim >= 1 && t->cols == 0);
    if (!(opt->edge0_size && opt->edgeitems == 0) || empty) return print_plain(out, t, opt);
    return print_edge0(out, t, summarizes(t, opt), opt);
}
