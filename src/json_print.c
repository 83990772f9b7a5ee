/* json_print.c - the --format json document: configuration, tensors, losses
 * and warnings of one run (see json_print.h for the layout's promises).
 *
 * Floats are written as the shortest decimal that reads back as the same
 * float32. The fast path finds it exactly with 64-bit integers in the manner
 * of Ryu (Adams, PLDI 2018): the float and the two midpoints to its
 * neighbours are scaled by a power of ten into ten-odd-digit integers, and
 * digits are dropped while the midpoints still lie on different sides of a
 * shorter decimal. Magnitudes outside about [1e-7, 1e19) fall back to
 * glibc's correctly rounded printf at 1 to 9 significant digits checked with
 * strtof. Output goes through a 64 KiB buffer; tensors are read element by
 * element through experiment_view in row-major order, so a streamed W and
 * the virtual W.grad are never materialised. */
#include "decimal.h"
#include "json_print.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Shortest round-trip decimals of float32 values                           */
/* ------------------------------------------------------------------------ */

/* 5^0 .. 5^16: 5^16 times a 26-bit integer still fits in 64 bits. */
#define MAX_POW5 16

/* Computes *out = floor(X * 2^e2 * 10^k) for X < 2^26 and sets *exact when
 * nothing was discarded. Returns 0, or -1 when the exact computation does
 * not fit 64-bit integers (the caller falls back). */
static int scale_exact(uint64_t X, int e2, int k, uint64_t *out, int *exact)
{
    if (k >= 0) {
        if (k > MAX_POW5) return -1;
        uint64_t n = X * DEC_POW5[k]; /* times 10^k = 5^k * 2^k */
        int t = e2 + k;
        if (t >= 0) {
            if (t >= 64 || (t > 0 && (n >> (64 - t)) != 0)) return -1;
            *out = n << t;
            *exact = 1;
        } else {
            int r = -t;
            if (r >= 64) return -1;
            *out = n >> r;
            *exact = (n & ((UINT64_C(1) << r) - 1)) == 0;
        }
        return 0;
    }
    int u = -k;
    if (u > 19 || e2 < 0 || e2 > 37) return -1;
    uint64_t num = X << e2; /* < 2^63 */
    *out = num / DEC_POW10[u];
    *exact = num % DEC_POW10[u] == 0;
    return 0;
}

/* The shortest decimal digits * 10^exp10 inside the rounding interval of
 * v = m * 2^q (v finite, nonzero, m < 2^24; asym when the float below v is
 * half as far as the one above, i.e. m = 2^23 above the smallest normal
 * exponent), the closest to v when there are several, ties to even; digits
 * has no trailing zeros. Returns 0, or -1 outside the 64-bit range. */
static int shortest_fast(uint32_t m, int q, int asym, uint64_t *digits, int *exp10)
{
    int e2 = q - 2; /* v = mv * 2^e2 */
    uint64_t mv = 4 * (uint64_t)m, mp = mv + 2, mm = mv - (asym ? 1 : 2);
    int accept = (m & 1) == 0; /* even: bounds round to v */
    /* floor(log10 v) or one less; make v * 10^k at least 1e9 so that the
     * loop below always drops a digit and rounds on exact information. */
    int d = dec_floor_div((q + dec_bit_length(m) - 1) * 78913, 262144);
    int k = 9 - d;
    uint64_t vr, vp, vm;
    int vr_exact, vp_exact, vm_exact;
    for (int tries = 0;; tries++) {
        if (scale_exact(mv, e2, k, &vr, &vr_exact) != 0) return -1;
        if (vr >= DEC_POW10[9] || tries == 2) break;
        k++;
    }
    if (scale_exact(mp, e2, k, &vp, &vp_exact) != 0 || scale_exact(mm, e2, k, &vm, &vm_exact) != 0) return -1;
    if (!accept && vp_exact) vp--; /* the upper bound is out */
    int vm_tz = accept && vm_exact, vr_tz = vr_exact;
    unsigned last = 0;
    int removed = 0;
    while (vp / 10 > vm / 10) {
        vm_tz &= vm % 10 == 0;
        vr_tz &= last == 0;
        last = (unsigned)(vr % 10);
        vr /= 10;
        vp /= 10;
        vm /= 10;
        removed++;
    }
    if (vm_tz) { /* the lower bound is in and short */
        while (vm % 10 == 0) {
            vr_tz &= last == 0;
            last = (unsigned)(vr % 10);
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
    }
    if (vr_tz && last == 5 && vr % 2 == 0) last = 4; /* exact tie: even */
    uint64_t out = vr + ((vr == vm && (!accept || !vm_tz)) || last >= 5);
    int e = removed - k;
    while (out % 10 == 0) {
        out /= 10;
        e++;
    }
    *digits = out;
    *exp10 = e;
    return 0;
}

/* The same for any finite nonzero a = |v| through printf and strtof: the
 * correctly rounded decimal at 1, 2, ... 9 significant digits until one
 * reads back as a (9 always does for float32). */
static void shortest_slow(float a, uint64_t *digits, int *exp10)
{
    char buf[48];
    int p;
    for (p = 1; p < 9; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, (double)a);
        if (strtof(buf, NULL) == a) break;
    }
    if (p == 9) snprintf(buf, sizeof buf, "%.8e", (double)a);
    uint64_t x = 0;
    const char *s = buf;
    for (; *s != 'e'; s++)
        if (*s != '.') x = x * 10 + (uint64_t)(*s - '0');
    int e = (int)strtol(s + 1, NULL, 10) - (p - 1); /* the exponent: a few digits */
    while (x % 10 == 0) {
        x /= 10;
        e++;
    }
    *digits = x;
    *exp10 = e;
}

/* Spells (-1)^neg * digits * 10^e (digits > 0, no trailing zeros) like
 * Python's repr of a float: positional for decimal exponents -4 to 15, with
 * at least one digit after the point, else d.ddde+XX. Returns the length. */
static size_t spell(char *buf, int neg, uint64_t digits, int e)
{
    char ds[20];
    int nd = (int)dec_put_u64(ds, digits);
    int E = e + nd - 1; /* exponent of the first digit */
    size_t n = 0;
    if (neg) buf[n++] = '-';
    if (E < -4 || E >= 16) {
        buf[n++] = ds[0];
        if (nd > 1) {
            buf[n++] = '.';
            memcpy(buf + n, ds + 1, (size_t)nd - 1);
            n += (size_t)nd - 1;
        }
        buf[n++] = 'e';
        buf[n++] = E < 0 ? '-' : '+';
        int a = E < 0 ? -E : E;
        if (a < 10) buf[n++] = '0';
        n += dec_put_u64(buf + n, (uint64_t)a);
    } else if (e >= 0) { /* an integer: "1200.0" */
        memcpy(buf + n, ds, (size_t)nd);
        n += (size_t)nd;
        memset(buf + n, '0', (size_t)e);
        n += (size_t)e;
        buf[n++] = '.';
        buf[n++] = '0';
    } else if (E >= 0) { /* "12.5" */
        memcpy(buf + n, ds, (size_t)E + 1);
        n += (size_t)E + 1;
        buf[n++] = '.';
        memcpy(buf + n, ds + E + 1, (size_t)(nd - E - 1));
        n += (size_t)(nd - E - 1);
    } else { /* "0.00125" */
        buf[n++] = '0';
        buf[n++] = '.';
        memset(buf + n, '0', (size_t)(-E - 1));
        n += (size_t)(-E - 1);
        memcpy(buf + n, ds, (size_t)nd);
        n += (size_t)nd;
    }
    buf[n] = '\0';
    return n;
}

/* See json_print.h. */
size_t json_format_float(char *buf, float v)
{
    if (isnan(v)) return (size_t)sprintf(buf, "\"nan\"");
    if (isinf(v)) return (size_t)sprintf(buf, v < 0 ? "\"-inf\"" : "\"inf\"");
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    int neg = (int)(bits >> 31);
    uint32_t be = (bits >> 23) & 0xffu, f = bits & 0x7fffffu;
    if (be == 0 && f == 0) return (size_t)sprintf(buf, neg ? "-0.0" : "0.0");
    uint32_t m = be == 0 ? f : f | 0x800000u;
    int q = be == 0 ? -149 : (int)be - 150;
    uint64_t digits;
    int e;
    if (shortest_fast(m, q, f == 0 && be > 1, &digits, &e) != 0) shortest_slow(fabsf(v), &digits, &e);
    return spell(buf, neg, digits, e);
}

/* ------------------------------------------------------------------------ */
/* Buffered output                                                          */
/* ------------------------------------------------------------------------ */

#define OUT_CHUNK 65536

typedef struct {
    FILE *f;
    char *buf; /* OUT_CHUNK bytes */
    size_t len;
    int err; /* a write failed: everything after is dropped */
} jout;

/* Writes out the buffered bytes; records a failed write in j->err. */
static void j_flush(jout *j)
{
    if (j->len && !j->err && fwrite(j->buf, 1, j->len, j->f) != j->len) j->err = 1;
    j->len = 0;
}

/* Appends n bytes of s (any n). */
static void j_put(jout *j, const char *s, size_t n)
{
    while (n > 0) {
        if (j->len == OUT_CHUNK) j_flush(j);
        size_t k = OUT_CHUNK - j->len < n ? OUT_CHUNK - j->len : n;
        memcpy(j->buf + j->len, s, k);
        j->len += k;
        s += k;
        n -= k;
    }
}

/* Appends the NUL-terminated s. */
static void j_puts(jout *j, const char *s)
{
    j_put(j, s, strlen(s));
}

/* Appends v as json_format_float spells it. */
static void j_float(jout *j, float v)
{
    if (OUT_CHUNK - j->len < JSON_FLOAT_BUFSIZE) j_flush(j);
    j->len += json_format_float(j->buf + j->len, v);
}

/* Appends an unsigned integer. */
static void j_u64(jout *j, uint64_t x)
{
    char tmp[24];
    j_put(j, tmp, dec_put_u64(tmp, x));
}

/* Appends s as a JSON string: quotes, backslash escapes for '"', '\\' and
 * control characters. */
static void j_string(jout *j, const char *s)
{
    j_put(j, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            j_put(j, esc, 2);
        } else if (c < 0x20) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", c);
            j_put(j, esc, 6);
        } else {
            j_put(j, (const char *)&c, 1);
        }
    }
    j_put(j, "\"", 1);
}

/* Appends "key": with the indentation of a config member. */
static void j_key(jout *j, const char *key)
{
    j_puts(j, "    ");
    j_string(j, key);
    j_puts(j, ": ");
}

/* ------------------------------------------------------------------------ */
/* The document                                                             */
/* ------------------------------------------------------------------------ */

/* See json_print.h. */
int json_head_warning(const experiment *e, const gradexp_options *o, int head, char *buf, size_t len)
{
    const head_result *r = &e->heads[head];
    if (!r->nonfinite || o->stable || r->kind == LOSS_BCE) return 0;
    snprintf(buf, len,
             "the naive %s head gave nan or inf (log of a probability that rounded to 0); "
             "--stable computes it without overflow",
             LOSS_NAMES[r->kind]);
    return 1;
}

/* Appends the seed as the integer the user wrote: negative seeds are stored
 * as their two's complement pattern. */
static void put_seed(jout *j, const gradexp_options *o)
{
    if (o->seed_negative) {
        j_put(j, "-", 1);
        j_u64(j, (uint64_t)0 - o->seed); /* 2^63 for -2^63 */
    } else {
        j_u64(j, o->seed);
    }
}

/* Appends the double d as the shortest %.Ng (N = 15..17) that reads back
 * as d, with ".0" added to integers; d is finite. */
static void put_double(jout *j, double d)
{
    char buf[40];
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, d);
        if (strtod(buf, NULL) == d) break;
    }
    j_puts(j, buf);
    if (strpbrk(buf, ".e") == NULL) j_puts(j, ".0");
}

/* Starts the next member of an object: the separator after the previous
 * one (none before the first, counted in *n), then "key": . */
static void j_member(jout *j, int *n, const char *key)
{
    if ((*n)++) j_puts(j, ",\n");
    j_key(j, key);
}

/* Appends the "config" member: every setting, under its config-file key. */
static void put_config(jout *j, const gradexp_options *o)
{
    static const char *const SCI[] = {"auto", "on", "off"};
    static const char *const COLOR[] = {"auto", "always", "never"};
    int n = 0;
    j_puts(j, "  \"config\": {\n");
    j_member(j, &n, "seed");
    put_seed(j, o);
    j_member(j, &n, "classes");
    j_u64(j, o->classes);
    j_member(j, &n, "features");
    j_u64(j, o->features);
    j_member(j, &n, "target");
    if (o->ntargets == 1) {
        j_u64(j, o->target);
    } else {
        j_puts(j, "[");
        for (size_t i = 0; i < o->ntargets; i++) {
            if (i) j_puts(j, ", ");
            j_u64(j, o->targets[i]);
        }
        j_puts(j, "]");
    }
    /* the network and training settings, when the run has them (a
     * one-layer, one-input, untrained run keeps its document as it was) */
    if (o->nhidden > 0) {
        j_member(j, &n, "hidden");
        j_puts(j, "[");
        for (int l = 0; l < o->nhidden; l++) {
            if (l) j_puts(j, ", ");
            j_u64(j, o->hidden[l]);
        }
        j_puts(j, "]");
        j_member(j, &n, "act");
        j_string(j, ACT_NAMES[o->act]);
    }
    if (o->has_batch) {
        j_member(j, &n, "batch");
        j_u64(j, o->batch);
    }
    if (o->steps > 0) {
        j_member(j, &n, "steps");
        j_u64(j, (uint64_t)o->steps);
        j_member(j, &n, "lr");
        put_double(j, o->lr);
    }
    j_member(j, &n, "no-abs");
    j_puts(j, o->no_abs ? "true" : "false");
    j_member(j, &n, "init-std");
    if (o->has_init_std) put_double(j, o->init_std);
    else j_puts(j, "null");
    j_member(j, &n, "loss");
    j_puts(j, "[");
    for (int h = 0; h < o->nlosses; h++) {
        if (h) j_puts(j, ", ");
        j_string(j, LOSS_NAMES[o->losses[h]]);
    }
    j_puts(j, "]");
    j_member(j, &n, "stable");
    j_puts(j, o->stable ? "true" : "false");
    j_member(j, &n, "show");
    j_puts(j, "[");
    for (int s = 0, first = 1; s < SHOW_KINDS; s++) {
        if (!(o->show & (1u << s))) continue;
        if (!first) j_puts(j, ", ");
        j_string(j, SHOW_NAMES[s]);
        first = 0;
    }
    j_puts(j, "]");
    j_member(j, &n, "torch");
    j_string(j, o->torch->name);
    j_member(j, &n, "cpu");
    j_string(j, torch_cpu_name(o->cpu));
    j_member(j, &n, "precision");
    j_u64(j, (uint64_t)o->print.precision);
    j_member(j, &n, "linewidth");
    j_u64(j, (uint64_t)o->print.linewidth);
    j_member(j, &n, "threshold");
    j_u64(j, (uint64_t)o->print.threshold);
    j_member(j, &n, "edgeitems");
    j_u64(j, (uint64_t)o->print.edgeitems);
    j_member(j, &n, "sci-mode");
    j_string(j, SCI[o->print.sci]);
    j_member(j, &n, "format");
    j_string(j, o->format == FORMAT_JSON ? "json" : "torch");
    j_member(j, &n, "color");
    j_string(j, COLOR[o->color]);
    j_member(j, &n, "explain");
    j_puts(j, o->explain ? "true" : "false");
    j_member(j, &n, "gradcheck");
    j_puts(j, o->gradcheck ? "true" : "false");
    j_puts(j, "\n  },\n");
}

/* Appends one row of t (a 1-d tensor's only row) as "[v, v, ...]". */
static void put_row(jout *j, const tensor_view *t, size_t i)
{
    j_put(j, "[", 1);
    for (size_t c = 0; c < t->cols; c++) {
        if (c) j_put(j, ", ", 2);
        j_float(j, t->at(t, i, c));
    }
    j_put(j, "]", 1);
}

/* Appends one member of "tensors": name, shape and every value (a number
 * for 0-d, a list for 1-d, a list of rows for 2-d). */
static void put_tensor(jout *j, const char *head, const char *part, const tensor_view *t, int first)
{
    j_puts(j, first ? "\n    {\"name\": \"" : ",\n    {\"name\": \"");
    if (head) {
        j_puts(j, head);
        j_put(j, ".", 1);
    }
    j_puts(j, part);
    j_puts(j, "\", \"shape\": [");
    if (t->ndim == 1) {
        j_u64(j, t->cols);
    } else if (t->ndim == 2) {
        j_u64(j, t->rows);
        j_put(j, ", ", 2);
        j_u64(j, t->cols);
    }
    j_puts(j, "], \"values\": ");
    if (t->ndim == 0) {
        j_float(j, t->at(t, 0, 0));
    } else if (t->ndim == 1) {
        put_row(j, t, 0);
    } else {
        j_put(j, "[", 1);
        for (size_t i = 0; i < t->rows && !j->err; i++) {
            j_puts(j, i ? ",\n      " : "\n      ");
            put_row(j, t, i);
        }
        j_puts(j, t->rows ? "\n    ]" : "]");
    }
    j_put(j, "}", 1);
}

/* See json_print.h. */
int json_print(FILE *out, experiment *e, const gradexp_options *o)
{
    jout j = {out, malloc(OUT_CHUNK), 0, 0};
    if (j.buf == NULL) return -1;
    int first = 1;
    j_puts(&j, "{\n");
    put_config(&j, o);

    j_puts(&j, "  \"tensors\": [");
    named_tensor *list = malloc(MAX_NAMED * sizeof *list);
    if (list == NULL) {
        free(j.buf);
        return -1;
    }
    size_t nt = experiment_tensors(e, o, list, MAX_NAMED);
    for (size_t i = 0; i < nt && !j.err; i++) {
        put_tensor(&j, list[i].head, list[i].part, &list[i].view, first);
        first = 0;
    }
    free(list);
    j_puts(&j, first ? "],\n" : "\n  ],\n");

    j_puts(&j, "  \"losses\": [");
    for (int h = 0; h < e->nheads; h++) {
        j_puts(&j, h ? ",\n    {\"head\": " : "\n    {\"head\": ");
        j_string(&j, LOSS_NAMES[e->heads[h].kind]);
        j_puts(&j, ", \"loss\": ");
        j_float(&j, e->heads[h].loss);
        j_put(&j, "}", 1);
    }
    j_puts(&j, e->nheads ? "\n  ],\n" : "],\n");

    j_puts(&j, "  \"warnings\": [");
    int nwarn = 0;
    for (int h = 0; h < e->nheads; h++) {
        char msg[256];
        if (!json_head_warning(e, o, h, msg, sizeof msg)) continue;
        j_puts(&j, nwarn++ ? ",\n    " : "\n    ");
        j_string(&j, msg);
    }
    j_puts(&j, nwarn ? "\n  ]\n}\n" : "]\n}\n");

    j_flush(&j);
    int saved = errno; /* as the failed write left it */
    free(j.buf);
    errno = saved;
    if (j.err || fflush(out) != 0 || ferror(out)) return -1;
    return 0;
}
