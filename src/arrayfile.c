/* arrayfile.c - .npy and safetensors arrays read as float32, .npy written.
 *
 * Opening reads and checks only the header: a .npy file's preamble and
 * its header, a Python dict literal parsed by a small parser for the subset
 * numpy's repr writes (strings, ints, True/False/None, tuples, lists and
 * dicts, nested); a safetensors file's JSON header, checked in two passes:
 * a strict generic JSON parser (RFC 8259 and what serde_json rejects:
 * invalid UTF-8, lone surrogates, nesting over 128), then a walk of the
 * schema collecting every tensor's dtype, shape and offsets, which are
 * checked as the safetensors library checks them (sizes, bounds, no
 * overlap, no hole, no trailing bytes). The data is read on demand with
 * pread, converted element by element exactly as torch's .float() does.
 * Nothing here prints; every error is one line in the caller's buffer. */
#include "arrayfile.h"

#include "float_bits.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Largest .npy header read (numpy itself refuses more than 10000 bytes
 * unless told to trust the file; np.save never writes 1000). */
#define NPY_MAX_HEADER 65536u
/* The safetensors library's MAX_HEADER_SIZE. */
#define ST_MAX_HEADER 100000000u
/* serde_json's recursion limit; the Python-literal parser's own. */
#define JSON_MAX_DEPTH 128
#define PY_MAX_DEPTH 64
/* Bytes per pread in arrayfile_rows (on the stack). */
#define SCRATCH 16384
/* Names listed when a safetensors tensor is missing. */
#define LIST_NAMES 5
/* Longest piece of header text quoted in a message. */
#define QUOTE_MAX 48

static const unsigned char NPY_MAGIC[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    /* Messages echo file and tensor names and header text: keep them one
     * printable line. */
    for (char *p = err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return -1;
}

/* strerror without strerror's shared buffer (arrayfile_rows runs in
 * threads). */
static const char *errtext(int e, char *buf, size_t len)
{
    if (strerror_r(e, buf, len) != 0) snprintf(buf, len, "error %d", e);
    return buf;
}

/* Reads up to n bytes at off into buf; *got is how many (fewer only at the
 * end of the file). 0, or -1 with errno. */
static int read_at(int fd, void *buf, size_t n, uint64_t off, size_t *got)
{
    size_t done = 0;
    while (done < n) {
        uint64_t at = off + done;
        if (at > (uint64_t)INT64_MAX || (sizeof(off_t) < 8 && at > (uint64_t)INT32_MAX)) {
            errno = EOVERFLOW;
            return -1;
        }
        ssize_t r = pread(fd, (unsigned char *)buf + done, n - done, (off_t)at);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) break;
        done += (size_t)r;
    }
    *got = done;
    return 0;
}

/* a * b into *out; 0, or -1 when it overflows. */
static int mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a != 0 && b > UINT64_MAX / a) return -1;
    *out = a * b;
    return 0;
}

/* ---- conversions ---------------------------------------------------- */

static uint16_t load16(const unsigned char *p, int be)
{
    return be ? (uint16_t)((unsigned)p[0] << 8 | p[1]) : (uint16_t)((unsigned)p[1] << 8 | p[0]);
}

static uint32_t load32(const unsigned char *p, int be)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v = v << 8 | p[be ? i : 3 - i];
    return v;
}

static uint64_t load64(const unsigned char *p, int be)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[be ? i : 7 - i];
    return v;
}

/* c10's fp16_ieee_to_fp32_value, operation for operation: normal numbers,
 * infinities and NaNs go through a multiplication by 2^-112 (which quiets a
 * signalling NaN and keeps its payload), subnormals through the
 * magic-number subtraction. */
static float half_to_float(uint16_t h)
{
    const uint32_t w = (uint32_t)h << 16;
    const uint32_t sign = w & UINT32_C(0x80000000);
    const uint32_t two_w = w + w;
    const uint32_t exp_offset = UINT32_C(0xE0) << 23;
    const float exp_scale = 0x1.0p-112f;
    const float normalized = bits_float((two_w >> 4) + exp_offset) * exp_scale;
    const uint32_t magic_mask = UINT32_C(126) << 23;
    const float magic_bias = 0.5f;
    const float denormalized = bits_float((two_w >> 17) | magic_mask) - magic_bias;
    const uint32_t denormalized_cutoff = UINT32_C(1) << 27;
    return bits_float(sign | (two_w < denormalized_cutoff ? float_bits(denormalized) : float_bits(normalized)));
}

/* n stored elements at p into out[0], out[stride], ... */
static void convert(float *out, size_t stride, const unsigned char *p, size_t n, af_dtype t, int be)
{
    switch (t) {
    case AF_F32:
        for (size_t i = 0; i < n; i++) out[i * stride] = bits_float(load32(p + 4 * i, be));
        break;
    case AF_F64:
        for (size_t i = 0; i < n; i++) {
            uint64_t u = load64(p + 8 * i, be);
            double d;
            memcpy(&d, &u, sizeof d);
            out[i * stride] = (float)d;
        }
        break;
    case AF_F16:
        for (size_t i = 0; i < n; i++) out[i * stride] = half_to_float(load16(p + 2 * i, be));
        break;
    case AF_BF16:
        for (size_t i = 0; i < n; i++) out[i * stride] = bits_float((uint32_t)load16(p + 2 * i, be) << 16);
        break;
    }
}

static const char *dtype_name(af_dtype t)
{
    switch (t) {
    case AF_F32: return "float32";
    case AF_F64: return "float64";
    case AF_F16: return "float16";
    case AF_BF16: return "bfloat16";
    }
    return "?";
}

static size_t dtype_size(af_dtype t)
{
    return t == AF_F64 ? 8 : t == AF_F32 ? 4 : 2;
}

/* Fills rows, cols, count from ndim and shape; 0, or -1 when a product
 * overflows. */
static int set_geometry(arrayfile *a)
{
    uint64_t count = 1, cols = 1;
    for (int d = 0; d < a->ndim; d++) {
        if (mul_u64(count, a->shape[d], &count) != 0) return -1;
        if (d >= 1 && mul_u64(cols, a->shape[d], &cols) != 0) return -1;
    }
    uint64_t bytes;
    if (mul_u64(count, a->itemsize, &bytes) != 0) return -1;
    a->count = count;
    a->rows = a->ndim >= 2 ? a->shape[0] : 1;
    a->cols = a->ndim >= 2 ? cols : count;
    return 0;
}

/* Length of the UTF-8 sequence at s (n bytes left), or 0 when it is not
 * one (overlong forms, surrogates and code points past U+10FFFF are not). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if ((c & 0xf0) == 0xe0) len = 3;
    else if (c >= 0xf0 && c <= 0xf4) len = 4;
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) || (c == 0xf0 && s[1] < 0x90) ||
        (c == 0xf4 && s[1] >= 0x90))
        return 0;
    return len;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* ---- .npy: the header, a Python dict literal ------------------------ */

enum { PY_STR, PY_INT, PY_NEG, PY_TRUE, PY_FALSE, PY_NONE, PY_TUPLE, PY_LIST, PY_DICT, PY_SET, PY_OTHER };

#define PY_STR_MAX 64

/* A cursor over a header's text, for both parsers (the .npy dict and the
 * safetensors JSON): the first error's reason and position are kept. */
typedef struct {
    const unsigned char *s;
    size_t n, pos;
    int latin1; /* .npy versions 1.0 and 2.0: a Latin-1 header, where Python 2's "3L" is an int (numpy's _filter_header drops the L) */
    const char *why;
    size_t err_pos;
} scanner;
typedef scanner pyparser;
typedef scanner jparser;

static int scan_err(scanner *p, const char *why)
{
    if (p->why == NULL) {
        p->why = why;
        p->err_pos = p->pos;
    }
    return -1;
}

static int scan_peek(const scanner *p)
{
    return p->pos < p->n ? p->s[p->pos] : -1;
}

/* Skips white space: JSON's four characters, and form feed too in Python
 * (ff). */
static void scan_ws(scanner *p, int ff)
{
    while (p->pos < p->n) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && !(ff && c == '\f')) break;
        p->pos++;
    }
}

typedef struct {
    int kind;
    size_t start, end;        /* its text in the header */
    char str[PY_STR_MAX + 1]; /* PY_STR: the first PY_STR_MAX bytes, \\ \' \" decoded */
    size_t len;
    int long_str;  /* longer than PY_STR_MAX */
    uint64_t ival; /* PY_INT */
    int overflow;  /* PY_INT beyond 2^64-1 */
} pyval;

typedef struct {
    uint64_t dims[AF_MAX_DIMS];
    int n;        /* elements seen */
    int bad;      /* an element that is not a non-negative int */
    int overflow; /* an element beyond 2^64-1 */
} shape_acc;

/* Latin-1 headers (1.0, 2.0) would make messages invalid UTF-8: their
 * bytes past ASCII become '?' (they match nothing numpy writes anyway). */
static void py_put(const pyparser *p, pyval *v, unsigned char c)
{
    if (c >= 0x80 && p->latin1) c = '?';
    if (v->len < PY_STR_MAX) v->str[v->len++] = (char)c;
    else v->long_str = 1;
    v->str[v->len] = '\0';
}

/* A quoted string (optionally u-prefixed) at p->pos. */
static int py_string(pyparser *p, pyval *v)
{
    size_t i = p->pos;
    if (p->s[i] == 'u' || p->s[i] == 'U') i++;
    unsigned char q = p->s[i++];
    v->kind = PY_STR;
    v->len = 0;
    v->long_str = 0;
    v->str[0] = '\0';
    for (;;) {
        if (i >= p->n) {
            p->pos = i;
            return scan_err(p, "unterminated string");
        }
        unsigned char c = p->s[i];
        if (c == q) break;
        if (c == '\n' || c == '\r' || c == '\0') {
            p->pos = i;
            return scan_err(p, c ? "newline in a string" : "NUL byte");
        }
        if (c == '\\' && i + 1 < p->n) {
            unsigned char d = p->s[i + 1];
            if (d == '\\' || d == '\'' || d == '"') {
                py_put(p, v, d);
                i += 2;
                continue;
            }
            if (d == '\n') { /* a line continuation */
                i += 2;
                continue;
            }
        }
        py_put(p, v, c);
        i++;
    }
    p->pos = i + 1;
    return 0;
}

/* A number at p->pos: a decimal int (with its sign) is PY_INT or PY_NEG,
 * anything else number-like (floats, hex, underscores) PY_OTHER. */
static int py_number(pyparser *p, pyval *v)
{
    size_t i = p->pos;
    int neg = 0;
    if (p->s[i] == '-' || p->s[i] == '+') neg = p->s[i++] == '-';
    if (i >= p->n || !(is_digit(p->s[i]) || p->s[i] == '.')) {
        p->pos = i;
        return scan_err(p, "expected a number");
    }
    size_t j = i;
    while (j < p->n) {
        unsigned char c = p->s[j];
        if (is_digit(c) || is_alpha(c) || c == '.' ||
            ((c == '+' || c == '-') && (p->s[j - 1] == 'e' || p->s[j - 1] == 'E')))
            j++;
        else break;
    }
    size_t k = j;
    if (p->latin1 && k > i + 1 && p->s[k - 1] == 'L') k--;
    int digits = k > i;
    for (size_t m = i; m < k; m++) digits = digits && is_digit(p->s[m]);
    int zeros = 1;
    for (size_t m = i; m < k; m++) zeros = zeros && p->s[m] == '0';
    v->kind = PY_OTHER;
    /* Python 3 refuses leading zeros ("05") except in zero itself ("00"). */
    if (digits && (p->s[i] != '0' || zeros)) {
        uint64_t x = 0;
        v->overflow = 0;
        for (size_t m = i; m < k; m++) {
            unsigned dgt = (unsigned)(p->s[m] - '0');
            if (x > (UINT64_MAX - dgt) / 10) v->overflow = 1;
            else x = x * 10 + dgt;
        }
        v->ival = x;
        v->kind = neg && (x != 0 || v->overflow) ? PY_NEG : PY_INT;
    }
    p->pos = j;
    return 0;
}

/* The literal parser and the JSON checker recurse into nested values,
 * at most PY_MAX_DEPTH and JSON_MAX_DEPTH deep (checked before each
 * level), so the recursion is bounded by a small stack. */
/* NOLINTBEGIN(misc-no-recursion) */
static int py_value(pyparser *p, pyval *v, int depth, shape_acc *acc);

/* ( ... ) or [ ... ]: a tuple (or a parenthesised value), a list. */
static int py_seq(pyparser *p, pyval *v, int depth, unsigned char close, shape_acc *acc)
{
    size_t start = p->pos;
    int count = 0, comma = 0;
    pyval e;
    memset(&e, 0, sizeof e);
    p->pos++;
    for (;;) {
        scan_ws(p, 1);
        if (scan_peek(p) == close) {
            p->pos++;
            break;
        }
        if (py_value(p, &e, depth + 1, NULL) != 0) return -1;
        if (acc != NULL) {
            if (e.kind == PY_INT && e.overflow) acc->overflow = 1;
            else if (e.kind == PY_INT && acc->n < AF_MAX_DIMS) acc->dims[acc->n] = e.ival;
            else if (e.kind != PY_INT) acc->bad = 1;
            if (acc->n < INT_MAX) acc->n++;
        }
        count++;
        scan_ws(p, 1);
        if (scan_peek(p) == ',') {
            p->pos++;
            comma = 1;
        } else if (scan_peek(p) == close) {
            p->pos++;
            break;
        } else return scan_err(p, close == ')' ? "expected ',' or ')'" : "expected ',' or ']'");
    }
    if (close == ')' && count == 1 && !comma) *v = e; /* (5) is 5 */
    else v->kind = close == ')' ? PY_TUPLE : PY_LIST;
    v->start = start;
    return 0;
}

/* { ... }: a dict or a set. */
static int py_braces(pyparser *p, pyval *v, int depth)
{
    size_t start = p->pos;
    int mode = 0; /* 1 dict, 2 set */
    pyval e;
    p->pos++;
    for (;;) {
        scan_ws(p, 1);
        if (scan_peek(p) == '}') {
            p->pos++;
            break;
        }
        if (py_value(p, &e, depth + 1, NULL) != 0) return -1;
        scan_ws(p, 1);
        if (mode != 2 && scan_peek(p) == ':') {
            mode = 1;
            p->pos++;
            if (py_value(p, &e, depth + 1, NULL) != 0) return -1;
            scan_ws(p, 1);
        } else if (mode == 1) return scan_err(p, "expected ':'");
        else mode = 2;
        if (scan_peek(p) == ',') p->pos++;
        else if (scan_peek(p) == '}') {
            p->pos++;
            break;
        } else return scan_err(p, "expected ',' or '}'");
    }
    v->kind = mode == 2 ? PY_SET : PY_DICT;
    v->start = start;
    return 0;
}

/* One literal at p->pos (after white space). acc, when not NULL, collects
 * the elements of a tuple found here. */
static int py_value(pyparser *p, pyval *v, int depth, shape_acc *acc)
{
    scan_ws(p, 1);
    if (depth > PY_MAX_DEPTH) return scan_err(p, "nested too deeply");
    int c = scan_peek(p);
    size_t start = p->pos;
    int rc;
    if (c == '\'' || c == '"' ||
        ((c == 'u' || c == 'U') && p->pos + 1 < p->n && (p->s[p->pos + 1] == '\'' || p->s[p->pos + 1] == '"')))
        rc = py_string(p, v);
    else if (c == '(') rc = py_seq(p, v, depth, ')', acc);
    else if (c == '[') rc = py_seq(p, v, depth, ']', NULL);
    else if (c == '{') rc = py_braces(p, v, depth);
    else if (is_digit(c) || c == '-' || c == '+' || c == '.') rc = py_number(p, v);
    else if (c >= 0 && is_alpha(c)) {
        size_t j = p->pos;
        while (j < p->n && (is_alpha(p->s[j]) || is_digit(p->s[j]))) j++;
        size_t len = j - p->pos;
        const char *w = (const char *)p->s + p->pos;
        if (len == 4 && !memcmp(w, "True", 4)) v->kind = PY_TRUE;
        else if (len == 5 && !memcmp(w, "False", 5)) v->kind = PY_FALSE;
        else if (len == 4 && !memcmp(w, "None", 4)) v->kind = PY_NONE;
        else return scan_err(p, "a name, not a literal");
        p->pos = j;
        rc = 0;
    } else rc = scan_err(p, c < 0 ? "unexpected end" : "expected a value");
    if (rc != 0) return -1;
    v->start = start;
    v->end = p->pos;
    return 0;
}

/* NOLINTEND(misc-no-recursion) */

enum { KEY_DESCR, KEY_FORTRAN, KEY_SHAPE, KEYS };
static const char *const NPY_KEYS[KEYS] = {"descr", "fortran_order", "shape"};

typedef struct {
    pyval val[KEYS];
    int seen[KEYS];
    shape_acc shape;
    int dup;        /* a key seen twice: its index */
    int unexpected; /* an unknown key: unexpected_key holds it */
    char unexpected_key[PY_STR_MAX + 8];
} npy_dict;

/* Quotes header text [start, end) into buf, shortened with "...". */
static void quote_text(char *buf, size_t len, const pyparser *p, size_t start, size_t end)
{
    size_t n = end - start;
    if (n > QUOTE_MAX) snprintf(buf, len, "%.*s...", QUOTE_MAX, (const char *)p->s + start);
    else snprintf(buf, len, "%.*s", (int)n, (const char *)p->s + start);
    for (char *c = buf; *c && p->latin1; c++)
        if ((unsigned char)*c >= 0x80) *c = '?';
}

/* Parses the whole header as {key: value, ...}. 0, or -1 with p->why. */
static int npy_parse_dict(pyparser *p, npy_dict *d)
{
    memset(d, 0, sizeof *d);
    d->dup = -1;
    scan_ws(p, 1);
    if (scan_peek(p) != '{') return scan_err(p, "expected '{'");
    p->pos++;
    for (;;) {
        scan_ws(p, 1);
        if (scan_peek(p) == '}') {
            p->pos++;
            break;
        }
        pyval key;
        if (py_value(p, &key, 1, NULL) != 0) return -1;
        scan_ws(p, 1);
        if (scan_peek(p) != ':') return scan_err(p, "expected ':'");
        p->pos++;
        int which = -1;
        for (int k = 0; k < KEYS && key.kind == PY_STR && !key.long_str; k++)
            if (!strcmp(key.str, NPY_KEYS[k])) which = k;
        pyval val;
        shape_acc acc;
        memset(&acc, 0, sizeof acc);
        if (py_value(p, &val, 1, which == KEY_SHAPE ? &acc : NULL) != 0) return -1;
        if (which >= 0) {
            if (d->seen[which] && d->dup < 0) d->dup = which;
            d->seen[which] = 1;
            d->val[which] = val;
            if (which == KEY_SHAPE) d->shape = acc;
        } else if (!d->unexpected) {
            d->unexpected = 1;
            if (key.kind == PY_STR)
                snprintf(d->unexpected_key, sizeof d->unexpected_key, "'%s%s'", key.str, key.long_str ? "..." : "");
            else quote_text(d->unexpected_key, sizeof d->unexpected_key, p, key.start, key.end);
        }
        scan_ws(p, 1);
        if (scan_peek(p) == ',') p->pos++;
        else if (scan_peek(p) == '}') {
            p->pos++;
            break;
        } else return scan_err(p, "expected ',' or '}'");
    }
    scan_ws(p, 1);
    if (p->pos != p->n) return scan_err(p, "text after the dict");
    return 0;
}

/* The dict's values into a; 0 or -1 with err. */
static int npy_check_dict(arrayfile *a, const npy_dict *d, const pyparser *p, const char *file, char *err,
                          size_t errlen)
{
    char q[QUOTE_MAX + 8];
    if (d->unexpected) return fail(err, errlen, "%s: unexpected key %s in the header", file, d->unexpected_key);
    if (d->dup >= 0) return fail(err, errlen, "%s: duplicate key '%s' in the header", file, NPY_KEYS[d->dup]);
    for (int k = 0; k < KEYS; k++)
        if (!d->seen[k]) return fail(err, errlen, "%s: missing key '%s' in the header", file, NPY_KEYS[k]);

    const pyval *descr = &d->val[KEY_DESCR];
    if (descr->kind != PY_STR) {
        quote_text(q, sizeof q, p, descr->start, descr->end);
        return fail(err, errlen, "%s: unsupported dtype %s (gradexp reads float16, float32 and float64)", file, q);
    }
    const char *t = descr->str;
    size_t tl = descr->len;
    char order = '=';
    if (tl > 0 && (t[0] == '<' || t[0] == '>' || t[0] == '=' || t[0] == '|')) {
        order = t[0];
        t++;
        tl--;
    }
    if (!descr->long_str && tl == 2 && t[0] == 'f' && (t[1] == '2' || t[1] == '4' || t[1] == '8')) {
        a->dtype = t[1] == '2' ? AF_F16 : t[1] == '4' ? AF_F32 : AF_F64;
        a->big_endian = order == '>';
    } else if (tl > 0 && t[0] == 'O') {
        return fail(err, errlen, "%s: object arrays are not supported (dtype '%s')", file, descr->str);
    } else {
        return fail(err, errlen, "%s: unsupported dtype '%s%s' (gradexp reads float16, float32 and float64)", file,
                    descr->str, descr->long_str ? "..." : "");
    }
    a->itemsize = dtype_size(a->dtype);

    const pyval *fo = &d->val[KEY_FORTRAN];
    if (fo->kind != PY_TRUE && fo->kind != PY_FALSE) {
        quote_text(q, sizeof q, p, fo->start, fo->end);
        return fail(err, errlen, "%s: fortran_order must be True or False, not %s", file, q);
    }
    a->fortran = fo->kind == PY_TRUE;

    const pyval *sh = &d->val[KEY_SHAPE];
    if (sh->kind != PY_TUPLE || d->shape.bad) {
        quote_text(q, sizeof q, p, sh->start, sh->end);
        return fail(err, errlen, "%s: shape must be a tuple of non-negative integers, not %s", file, q);
    }
    if (d->shape.overflow) return fail(err, errlen, "%s: shape overflows", file);
    if (d->shape.n > AF_MAX_DIMS)
        return fail(err, errlen, "%s: shape has %d dimensions (gradexp reads at most %d)", file, d->shape.n,
                    AF_MAX_DIMS);
    a->ndim = d->shape.n;
    for (int k = 0; k < a->ndim; k++) a->shape[k] = d->shape.dims[k];
    if (set_geometry(a) != 0) return fail(err, errlen, "%s: shape overflows", file);
    return 0;
}

/* A .npy file whose first bytes (head, min(16, size) of them) match the
 * magic. */
static int npy_open(arrayfile *a, int fd, uint64_t size, const unsigned char *head, const char *file, char *err,
                    size_t errlen)
{
    if (size < 8)
        return fail(err, errlen, "%s: truncated: the file ends inside the .npy preamble (it has %llu bytes)", file,
                    (unsigned long long)size);
    unsigned major = head[6], minor = head[7];
    if (major < 1 || major > 3 || minor != 0)
        return fail(err, errlen, "%s: unsupported .npy format version %u.%u (gradexp reads 1.0, 2.0 and 3.0)", file,
                    major, minor);
    uint64_t pre = major == 1 ? 10 : 12;
    if (size < pre)
        return fail(err, errlen, "%s: truncated: the file ends inside the .npy preamble (it has %llu bytes)", file,
                    (unsigned long long)size);
    uint64_t hlen = major == 1 ? load16(head + 8, 0) : load32(head + 8, 0);
    if (hlen > NPY_MAX_HEADER)
        return fail(err, errlen, "%s: header length %llu is too large (gradexp reads headers up to %u bytes)", file,
                    (unsigned long long)hlen, NPY_MAX_HEADER);
    if (hlen > size - pre)
        return fail(err, errlen,
                    "%s: truncated: the header says it is %llu bytes, the file has %llu after the preamble", file,
                    (unsigned long long)hlen, (unsigned long long)(size - pre));
    unsigned char *h = malloc((size_t)hlen + 1);
    if (h == NULL) return fail(err, errlen, "%s: out of memory", file);
    size_t got;
    if (read_at(fd, h, (size_t)hlen, pre, &got) != 0) {
        char eb[128];
        free(h);
        return fail(err, errlen, "%s: read error: %s", file, errtext(errno, eb, sizeof eb));
    }
    if (got != hlen) {
        free(h);
        return fail(err, errlen, "%s: truncated", file);
    }
    if (major == 3)
        for (size_t i = 0; i < hlen;) {
            size_t k = utf8_len(h + i, (size_t)hlen - i);
            if (k == 0) {
                free(h);
                return fail(err, errlen, "%s: header is not UTF-8 (at byte %llu)", file, (unsigned long long)pre + i);
            }
            i += k;
        }
    pyparser p = {h, (size_t)hlen, 0, major < 3, NULL, 0};
    npy_dict d;
    int rc;
    if (npy_parse_dict(&p, &d) != 0)
        rc = fail(err, errlen, "%s: header is not a dict (at byte %llu: %s)", file, (unsigned long long)pre + p.err_pos,
                  p.why);
    else rc = npy_check_dict(a, &d, &p, file, err, errlen);
    free(h);
    if (rc != 0) return rc;
    a->offset = pre + hlen;
    uint64_t bytes = a->count * a->itemsize; /* set_geometry checked it */
    if (bytes > size - a->offset)
        return fail(err, errlen, "%s: truncated: the header says %llu %s (%llu bytes) of data, the file has %llu", file,
                    (unsigned long long)a->count, dtype_name(a->dtype), (unsigned long long)bytes,
                    (unsigned long long)(size - a->offset));
    return 0;
}

/* ---- safetensors: the JSON header ----------------------------------- */

static int hex4(const unsigned char *s, size_t n, size_t i, uint32_t *out)
{
    uint32_t v = 0;
    if (i + 4 > n) return -1;
    for (size_t k = i; k < i + 4; k++) {
        unsigned c = s[k], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

/* Code point cp as UTF-8 into out (when not NULL); its length. */
static size_t utf8_put(char *out, uint32_t cp)
{
    unsigned char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xc0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xe0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xf0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        b[3] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (out != NULL) memcpy(out, b, n);
    return n;
}

/* The string at j->pos (its opening quote), decoded into out when out is
 * not NULL (room for as many bytes as the string's text: decoding never
 * lengthens it); *len its decoded length. */
static int j_string(jparser *j, char *out, size_t *len)
{
    size_t i = j->pos + 1, n = 0;
    for (;;) {
        if (i >= j->n) {
            j->pos = i;
            return scan_err(j, "unterminated string");
        }
        unsigned char c = j->s[i];
        if (c == '"') break;
        if (c < 0x20) {
            j->pos = i;
            return scan_err(j, "control character in a string");
        }
        if (c >= 0x80) {
            size_t k = utf8_len(j->s + i, j->n - i);
            if (k == 0) {
                j->pos = i;
                return scan_err(j, "invalid UTF-8");
            }
            if (out != NULL) memcpy(out + n, j->s + i, k);
            n += k;
            i += k;
            continue;
        }
        if (c != '\\') {
            if (out != NULL) out[n] = (char)c;
            n++;
            i++;
            continue;
        }
        int e = i + 1 < j->n ? j->s[i + 1] : -1;
        uint32_t cp;
        switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (hex4(j->s, j->n, i + 2, &cp) != 0) {
                j->pos = i;
                return scan_err(j, "bad \\u escape");
            }
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                j->pos = i;
                return scan_err(j, "lone surrogate in a \\u escape");
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                uint32_t lo;
                if (i + 7 >= j->n || j->s[i + 6] != '\\' || j->s[i + 7] != 'u' || hex4(j->s, j->n, i + 8, &lo) != 0 ||
                    lo < 0xdc00 || lo > 0xdfff) {
                    j->pos = i;
                    return scan_err(j, "lone surrogate in a \\u escape");
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            }
            i += 4; /* the two below skip the backslash and the 'u' */
            break;
        default: j->pos = i; return scan_err(j, "bad escape");
        }
        n += utf8_put(out != NULL ? out + n : NULL, cp);
        i += 2;
    }
    j->pos = i + 1;
    if (len != NULL) *len = n;
    return 0;
}

static int j_number(jparser *j)
{
    size_t i = j->pos;
    const unsigned char *s = j->s;
    if (i < j->n && s[i] == '-') i++;
    if (i >= j->n || !is_digit(s[i])) {
        j->pos = i;
        return scan_err(j, "bad number");
    }
    if (s[i] == '0') i++;
    else
        while (i < j->n && is_digit(s[i])) i++;
    if (i < j->n && s[i] == '.') {
        i++;
        if (i >= j->n || !is_digit(s[i])) {
            j->pos = i;
            return scan_err(j, "bad number");
        }
        while (i < j->n && is_digit(s[i])) i++;
    }
    if (i < j->n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < j->n && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= j->n || !is_digit(s[i])) {
            j->pos = i;
            return scan_err(j, "bad number");
        }
        while (i < j->n && is_digit(s[i])) i++;
    }
    j->pos = i;
    return 0;
}

static int j_literal(jparser *j, const char *word)
{
    size_t len = strlen(word);
    if (j->n - j->pos < len || memcmp(j->s + j->pos, word, len) != 0) return scan_err(j, "expected a value");
    j->pos += len;
    return 0;
}

/* Any JSON value at j->pos (after white space), checked and skipped;
 * recursive, at most JSON_MAX_DEPTH deep. */
/* NOLINTBEGIN(misc-no-recursion) */
static int j_value(jparser *j, int depth)
{
    scan_ws(j, 0);
    int c = scan_peek(j);
    if (c == '{' || c == '[') {
        if (depth >= JSON_MAX_DEPTH) return scan_err(j, "nested too deeply");
        int close = c == '{' ? '}' : ']';
        j->pos++;
        scan_ws(j, 0);
        if (scan_peek(j) == close) {
            j->pos++;
            return 0;
        }
        for (;;) {
            if (c == '{') {
                scan_ws(j, 0);
                if (scan_peek(j) != '"') return scan_err(j, "expected a string key");
                if (j_string(j, NULL, NULL) != 0) return -1;
                scan_ws(j, 0);
                if (scan_peek(j) != ':') return scan_err(j, "expected ':'");
                j->pos++;
            }
            if (j_value(j, depth + 1) != 0) return -1;
            scan_ws(j, 0);
            if (scan_peek(j) == ',') j->pos++;
            else if (scan_peek(j) == close) {
                j->pos++;
                return 0;
            } else return scan_err(j, c == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    if (c == '"') return j_string(j, NULL, NULL);
    if (c == 't') return j_literal(j, "true");
    if (c == 'f') return j_literal(j, "false");
    if (c == 'n') return j_literal(j, "null");
    if (c == '-' || is_digit(c)) return j_number(j);
    return scan_err(j, c < 0 ? "unexpected end" : "expected a value");
}
/* NOLINTEND(misc-no-recursion) */

/* A non-negative integer that fits 64 bits at j->pos (a valid JSON value):
 * 1 with *v and j->pos after it, or 0 (anything else; j->pos unchanged). */
static int j_uint(jparser *j, uint64_t *v)
{
    size_t i = j->pos;
    uint64_t x = 0;
    if (i >= j->n || !is_digit(j->s[i])) return 0;
    for (; i < j->n && is_digit(j->s[i]); i++) {
        unsigned d = (unsigned)(j->s[i] - '0');
        if (x > (UINT64_MAX - d) / 10) return 0;
        x = x * 10 + d;
    }
    if (i < j->n && (j->s[i] == '.' || j->s[i] == 'e' || j->s[i] == 'E')) return 0;
    j->pos = i;
    *v = x;
    return 1;
}

typedef struct {
    const char *name; /* decoded, in the arena */
    size_t name_len;
    uint64_t begin, end, count;
    size_t shape_pos; /* the shape's '[' in the header */
    int dtype;        /* index in ST_DTYPES */
    int ndim;
    int overflow; /* the shape's product overflows */
} st_tensor;

typedef struct {
    const char *s;
    size_t len;
} strref;

static const struct {
    const char *name;
    unsigned size;
    int af; /* af_dtype, or -1: known to safetensors, not read here */
} ST_DTYPES[] = {
    {"F32", 4, AF_F32}, {"F64", 8, AF_F64}, {"F16", 2, AF_F16}, {"BF16", 2, AF_BF16}, {"BOOL", 1, -1}, {"U8", 1, -1},
    {"I8", 1, -1},      {"F8_E5M2", 1, -1}, {"F8_E4M3", 1, -1}, {"I16", 2, -1},       {"U16", 2, -1},  {"I32", 4, -1},
    {"U32", 4, -1},     {"I64", 8, -1},     {"U64", 8, -1},     {"F8_E8M0", 1, -1},   {"C64", 8, -1},
};
#define ST_NDTYPES (sizeof ST_DTYPES / sizeof ST_DTYPES[0])

typedef struct {
    const char *file;
    char *err;
    size_t errlen;
    char *arena; /* decoded strings (never more than the header's length) */
    size_t used;
    st_tensor *t;
    size_t nt, cap;
    strref *md; /* __metadata__'s keys */
    size_t nmd, mdcap;
} stfile;

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem) return -1;
        c *= 2;
    }
    void *q = realloc(*p, c * elem);
    if (q == NULL) return -1;
    *p = q;
    *cap = c;
    return 0;
}

static int cmp_ref(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c != 0) return c;
    return al < bl ? -1 : al > bl;
}

static int cmp_strref(const void *x, const void *y)
{
    const strref *a = x, *b = y;
    return cmp_ref(a->s, a->len, b->s, b->len);
}

static int cmp_name(const void *x, const void *y)
{
    const st_tensor *a = x, *b = y;
    return cmp_ref(a->name, a->name_len, b->name, b->name_len);
}

static int cmp_offsets(const void *x, const void *y)
{
    const st_tensor *a = x, *b = y;
    if (a->begin != b->begin) return a->begin < b->begin ? -1 : 1;
    if (a->end != b->end) return a->end < b->end ? -1 : 1;
    return 0;
}

/* The string at j->pos decoded into the arena (kept when keep). */
static int st_string(stfile *f, jparser *j, strref *out, int keep)
{
    size_t len = 0;
    char *at = f->arena + f->used;
    if (j_string(j, at, &len) != 0) return -1;
    out->s = at;
    out->len = len;
    if (keep) f->used += len;
    return 0;
}

static int st_fail_tensor(const stfile *f, const strref *name, const char *what)
{
    return fail(f->err, f->errlen, "%s: tensor '%.*s': %s", f->file, (int)(name->len > 200 ? 200 : name->len), name->s,
                what);
}

/* One tensor's {"dtype": ..., "shape": [...], "data_offsets": [b, e]} at
 * j->pos. */
static int st_tensor_info(stfile *f, jparser *j, const strref *name)
{
    static const char *const keys[3] = {"dtype", "shape", "data_offsets"};
    if (grow((void **)&f->t, &f->cap, f->nt + 1, sizeof *f->t) != 0)
        return fail(f->err, f->errlen, "%s: out of memory", f->file);
    st_tensor *t = &f->t[f->nt];
    memset(t, 0, sizeof *t);
    t->name = name->s;
    t->name_len = name->len;
    if (scan_peek(j) != '{') return st_fail_tensor(f, name, "not an object with dtype, shape and data_offsets");
    j->pos++;
    int seen[3] = {0, 0, 0};
    char what[QUOTE_MAX + 64];
    scan_ws(j, 0);
    if (scan_peek(j) == '}') j->pos++;
    else
        for (;;) {
            scan_ws(j, 0);
            strref key;
            if (st_string(f, j, &key, 0) != 0) return -1;
            int k = 0;
            while (k < 3 && cmp_ref(key.s, key.len, keys[k], strlen(keys[k])) != 0) k++;
            if (k == 3 || seen[k]) {
                snprintf(what, sizeof what, "%s key '%.*s'", k == 3 ? "unexpected" : "duplicate",
                         (int)(key.len > QUOTE_MAX ? QUOTE_MAX : key.len), key.s);
                return st_fail_tensor(f, name, what);
            }
            seen[k] = 1;
            scan_ws(j, 0);
            j->pos++; /* ':' */
            scan_ws(j, 0);
            if (k == 0) {
                strref dt;
                if (scan_peek(j) != '"') return st_fail_tensor(f, name, "dtype is not a string");
                if (st_string(f, j, &dt, 0) != 0) return -1;
                size_t d = 0;
                while (d < ST_NDTYPES && cmp_ref(dt.s, dt.len, ST_DTYPES[d].name, strlen(ST_DTYPES[d].name)) != 0) d++;
                if (d == ST_NDTYPES) {
                    snprintf(what, sizeof what, "unsupported dtype '%.*s' (not a safetensors dtype)",
                             (int)(dt.len > QUOTE_MAX ? QUOTE_MAX : dt.len), dt.s);
                    return st_fail_tensor(f, name, what);
                }
                t->dtype = (int)d;
            } else if (k == 1) {
                if (scan_peek(j) != '[')
                    return st_fail_tensor(f, name, "shape must be a list of non-negative integers");
                t->shape_pos = j->pos++;
                t->count = 1;
                scan_ws(j, 0);
                if (scan_peek(j) == ']') j->pos++;
                else
                    for (;;) {
                        uint64_t v;
                        scan_ws(j, 0);
                        if (!j_uint(j, &v))
                            return st_fail_tensor(f, name, "shape must be a list of non-negative integers");
                        if (mul_u64(t->count, v, &t->count) != 0) t->overflow = 1;
                        if (t->ndim < INT_MAX) t->ndim++;
                        scan_ws(j, 0);
                        if (j->s[j->pos++] == ']') break; /* else ',' */
                    }
            } else {
                int ok = scan_peek(j) == '[';
                if (ok) {
                    j->pos++;
                    scan_ws(j, 0);
                    ok = j_uint(j, &t->begin);
                }
                if (ok) {
                    scan_ws(j, 0);
                    ok = scan_peek(j) == ',';
                }
                if (ok) {
                    j->pos++;
                    scan_ws(j, 0);
                    ok = j_uint(j, &t->end);
                }
                if (ok) {
                    scan_ws(j, 0);
                    ok = scan_peek(j) == ']';
                }
                if (!ok) return st_fail_tensor(f, name, "data_offsets must be [begin, end]");
                j->pos++;
            }
            scan_ws(j, 0);
            if (j->s[j->pos++] == '}') break; /* else ',' */
        }
    for (int k = 0; k < 3; k++)
        if (!seen[k]) {
            snprintf(what, sizeof what, "missing key '%s'", keys[k]);
            return st_fail_tensor(f, name, what);
        }
    f->nt++;
    return 0;
}

/* "__metadata__": {"key": "value", ...} at j->pos. */
static int st_metadata(stfile *f, jparser *j)
{
    if (scan_peek(j) != '{') return fail(f->err, f->errlen, "%s: __metadata__ must map strings to strings", f->file);
    j->pos++;
    scan_ws(j, 0);
    if (scan_peek(j) == '}') {
        j->pos++;
        return 0;
    }
    for (;;) {
        scan_ws(j, 0);
        if (grow((void **)&f->md, &f->mdcap, f->nmd + 1, sizeof *f->md) != 0)
            return fail(f->err, f->errlen, "%s: out of memory", f->file);
        if (st_string(f, j, &f->md[f->nmd], 1) != 0) return -1;
        f->nmd++;
        scan_ws(j, 0);
        j->pos++; /* ':' */
        scan_ws(j, 0);
        if (scan_peek(j) != '"')
            return fail(f->err, f->errlen, "%s: __metadata__ must map strings to strings", f->file);
        if (j_string(j, NULL, NULL) != 0) return -1;
        scan_ws(j, 0);
        if (j->s[j->pos++] == '}') return 0; /* else ',' */
    }
}

/* The top-level object (already checked to be valid JSON). */
static int st_walk(stfile *f, jparser *j)
{
    int have_md = 0;
    scan_ws(j, 0);
    j->pos++; /* '{' */
    scan_ws(j, 0);
    if (scan_peek(j) == '}') return 0;
    for (;;) {
        strref key;
        scan_ws(j, 0);
        if (st_string(f, j, &key, 1) != 0) return -1;
        scan_ws(j, 0);
        j->pos++; /* ':' */
        scan_ws(j, 0);
        if (cmp_ref(key.s, key.len, "__metadata__", 12) == 0) {
            if (have_md) return fail(f->err, f->errlen, "%s: duplicate key '__metadata__'", f->file);
            have_md = 1;
            if (st_metadata(f, j) != 0) return -1;
        } else if (st_tensor_info(f, j, &key) != 0) return -1;
        scan_ws(j, 0);
        if (j->s[j->pos++] == '}') return 0; /* else ',' */
    }
}

/* Appends up to LIST_NAMES of the (name-sorted) tensors' names to buf. */
static void list_names(const stfile *f, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    if (f->nt == 0) {
        snprintf(buf, len, "it holds no tensors");
        return;
    }
    for (size_t i = 0; i < f->nt && i < LIST_NAMES && at < len; i++) {
        const st_tensor *t = &f->t[i];
        int w = snprintf(buf + at, len - at, "%s%.*s",
                         i ? ", " : "it holds: ", (int)(t->name_len > QUOTE_MAX ? QUOTE_MAX : t->name_len), t->name);
        if (w < 0) return;
        at += (size_t)w;
    }
    if (f->nt > LIST_NAMES && at < len) snprintf(buf + at, len - at, ", ... (%zu tensors)", f->nt);
}

/* The checks the safetensors library makes once the header is parsed. */
static int st_validate(stfile *f, uint64_t buflen)
{
    char *err = f->err;
    size_t errlen = f->errlen;
    for (size_t i = 0; i < f->nt; i++) {
        const st_tensor *t = &f->t[i];
        strref name = {t->name, t->name_len};
        char what[200];
        uint64_t need;
        if (t->overflow || mul_u64(t->count, ST_DTYPES[t->dtype].size, &need) != 0)
            return st_fail_tensor(f, &name, "shape overflows");
        if (t->end < t->begin) {
            snprintf(what, sizeof what, "data_offsets [%llu, %llu] end before they begin", (unsigned long long)t->begin,
                     (unsigned long long)t->end);
            return st_fail_tensor(f, &name, what);
        }
        if (t->end > buflen) {
            snprintf(what, sizeof what, "data_offsets [%llu, %llu] run past the end of the file (buffer is %llu bytes)",
                     (unsigned long long)t->begin, (unsigned long long)t->end, (unsigned long long)buflen);
            return st_fail_tensor(f, &name, what);
        }
        if (t->end - t->begin != need) {
            snprintf(what, sizeof what, "data_offsets [%llu, %llu] hold %llu bytes, but %llu %s need %llu",
                     (unsigned long long)t->begin, (unsigned long long)t->end, (unsigned long long)(t->end - t->begin),
                     (unsigned long long)t->count, ST_DTYPES[t->dtype].name, (unsigned long long)need);
            return st_fail_tensor(f, &name, what);
        }
    }
    if (f->nmd > 1) {
        qsort(f->md, f->nmd, sizeof *f->md, cmp_strref);
        for (size_t i = 1; i < f->nmd; i++)
            if (cmp_strref(&f->md[i - 1], &f->md[i]) == 0)
                return fail(err, errlen, "%s: duplicate key '%.*s' in __metadata__", f->file,
                            (int)(f->md[i].len > QUOTE_MAX ? QUOTE_MAX : f->md[i].len), f->md[i].s);
    }
    if (f->nt > 1) {
        qsort(f->t, f->nt, sizeof *f->t, cmp_name);
        for (size_t i = 1; i < f->nt; i++)
            if (cmp_name(&f->t[i - 1], &f->t[i]) == 0)
                return fail(err, errlen, "%s: duplicate key '%.*s'", f->file,
                            (int)(f->t[i].name_len > QUOTE_MAX ? QUOTE_MAX : f->t[i].name_len), f->t[i].name);
        qsort(f->t, f->nt, sizeof *f->t, cmp_offsets);
    }
    uint64_t at = 0;
    for (size_t i = 0; i < f->nt; i++) {
        const st_tensor *t = &f->t[i];
        if (t->begin < at) {
            const st_tensor *p = &f->t[i - 1];
            return fail(err, errlen, "%s: tensors '%.*s' and '%.*s' overlap", f->file,
                        (int)(p->name_len > QUOTE_MAX ? QUOTE_MAX : p->name_len), p->name,
                        (int)(t->name_len > QUOTE_MAX ? QUOTE_MAX : t->name_len), t->name);
        }
        if (t->begin > at)
            return fail(err, errlen, "%s: bytes %llu to %llu of the buffer belong to no tensor", f->file,
                        (unsigned long long)at, (unsigned long long)t->begin);
        at = t->end;
    }
    if (at != buflen)
        return fail(err, errlen, "%s: bytes %llu to %llu at the end of the buffer belong to no tensor", f->file,
                    (unsigned long long)at, (unsigned long long)buflen);
    return 0;
}

/* Tensor `want` (NULL: none named) of a safetensors file; head holds its
 * first min(16, size) bytes. */
static int st_open(arrayfile *a, int fd, uint64_t size, const unsigned char *head, const char *file, const char *want,
                   char *err, size_t errlen)
{
    if (size < 8)
        return fail(err, errlen, "%s: not a .npy or safetensors file (it has only %llu bytes)", file,
                    (unsigned long long)size);
    uint64_t n = load64(head, 0);
    int brace = size > 8 && head[8] == '{';
    if ((n > ST_MAX_HEADER || n > size - 8) && !brace)
        return fail(err, errlen, "%s: not a .npy file (no \\x93NUMPY magic) nor a safetensors file (no JSON header)",
                    file);
    if (n > ST_MAX_HEADER)
        return fail(err, errlen, "%s: header length %llu is over the safetensors limit of 100 MB", file,
                    (unsigned long long)n);
    if (n > size - 8)
        return fail(err, errlen, "%s: header length %llu runs past the end of the file (%llu bytes)", file,
                    (unsigned long long)n, (unsigned long long)size);
    if (n == 0 || !brace) return fail(err, errlen, "%s: header does not start with '{'", file);

    stfile f;
    memset(&f, 0, sizeof f);
    f.file = file;
    f.err = err;
    f.errlen = errlen;
    unsigned char *h = malloc((size_t)n);
    f.arena = malloc((size_t)n);
    if (h == NULL || f.arena == NULL) {
        free(h);
        free(f.arena);
        return fail(err, errlen, "%s: out of memory", file);
    }
    int rc = 0;
    size_t got;
    if (read_at(fd, h, (size_t)n, 8, &got) != 0) {
        char eb[128];
        rc = fail(err, errlen, "%s: read error: %s", file, errtext(errno, eb, sizeof eb));
    } else if (got != n) rc = fail(err, errlen, "%s: truncated", file);
    if (rc == 0) {
        jparser j = {h, (size_t)n, 0, 0, NULL, 0};
        if (j_value(&j, 0) == 0) {
            scan_ws(&j, 0);
            if (j.pos != j.n) scan_err(&j, "text after the JSON object");
        }
        if (j.why != NULL)
            rc = fail(err, errlen, "%s: header is not JSON (at byte %llu: %s)", file, 8ull + j.err_pos, j.why);
    }
    if (rc == 0) {
        jparser j = {h, (size_t)n, 0, 0, NULL, 0};
        rc = st_walk(&f, &j);
        if (rc != 0 && j.why != NULL) /* cannot happen: the text was checked */
            rc = fail(err, errlen, "%s: header is not JSON (at byte %llu: %s)", file, 8ull + j.err_pos, j.why);
    }
    if (rc == 0) rc = st_validate(&f, size - 8 - n);
    const st_tensor *t = NULL;
    for (size_t i = 0; rc == 0 && want != NULL && i < f.nt; i++)
        if (cmp_ref(f.t[i].name, f.t[i].name_len, want, strlen(want)) == 0) t = &f.t[i];
    if (rc == 0 && t == NULL) {
        char names[320];
        if (f.nt > 1) qsort(f.t, f.nt, sizeof *f.t, cmp_name);
        list_names(&f, names, sizeof names);
        if (want == NULL)
            rc = fail(err, errlen, "%s: a safetensors file: name the tensor as %s:NAME (%s)", file, file, names);
        else rc = fail(err, errlen, "%s: no tensor '%s' (%s)", file, want, names);
    }
    if (rc == 0 && t != NULL) {
        strref name = {t->name, t->name_len};
        char what[160];
        int af = ST_DTYPES[t->dtype].af;
        if (af < 0) {
            snprintf(what, sizeof what, "unsupported dtype '%s' (gradexp reads F16, BF16, F32 and F64)",
                     ST_DTYPES[t->dtype].name);
            rc = st_fail_tensor(&f, &name, what);
        } else if (t->ndim > AF_MAX_DIMS) {
            snprintf(what, sizeof what, "shape has %d dimensions (gradexp reads at most %d)", t->ndim, AF_MAX_DIMS);
            rc = st_fail_tensor(&f, &name, what);
        } else {
            a->dtype = (af_dtype)af;
            a->itemsize = dtype_size(a->dtype);
            a->ndim = t->ndim;
            jparser j = {h, (size_t)n, t->shape_pos + 1, 0, NULL, 0};
            for (int d = 0; d < t->ndim; d++) {
                scan_ws(&j, 0);
                (void)j_uint(&j, &a->shape[d]);
                scan_ws(&j, 0);
                j.pos++; /* ',' or ']' */
            }
            if (set_geometry(a) != 0) rc = st_fail_tensor(&f, &name, "shape overflows");
            a->offset = 8 + n + t->begin;
        }
    }
    free(f.t);
    free(f.md);
    free(f.arena);
    free(h);
    return rc;
}

/* ---- the API -------------------------------------------------------- */

int arrayfile_open(arrayfile *a, const char *spec, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->fd = -1;
    if (err != NULL && errlen > 0) err[0] = '\0';
    if (spec == NULL || spec[0] == '\0') return fail(err, errlen, "(no file name): no such file");
    const int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY; /* a FIFO must not block */
    char *file = NULL;
    const char *tensor = NULL;
    int fd = open(spec, flags);
    if (fd < 0) {
        int e = errno;
        const char *colon = strrchr(spec, ':');
        if ((e != ENOENT && e != ENOTDIR) || colon == NULL) return fail(err, errlen, "%s: %s", spec, strerror(e));
        size_t len = (size_t)(colon - spec);
        file = malloc(len + 1);
        if (file == NULL) return fail(err, errlen, "%s: out of memory", spec);
        memcpy(file, spec, len);
        file[len] = '\0';
        tensor = colon + 1;
        fd = len > 0 ? open(file, flags) : -1;
        if (fd < 0) {
            int e2 = len > 0 ? errno : ENOENT;
            if (e2 == ENOENT || e2 == ENOTDIR) fail(err, errlen, "%s: %s", spec, strerror(e));
            else fail(err, errlen, "%s: %s", file, strerror(e2));
            free(file);
            return -1;
        }
    }
    const char *shown = file != NULL ? file : spec;
    struct stat st;
    unsigned char head[16] = {0};
    size_t got = 0;
    int rc;
    if (fstat(fd, &st) != 0) rc = fail(err, errlen, "%s: %s", shown, strerror(errno));
    else if (S_ISDIR(st.st_mode)) rc = fail(err, errlen, "%s: is a directory", shown);
    else if (!S_ISREG(st.st_mode)) rc = fail(err, errlen, "%s: not a regular file", shown);
    else if (st.st_size == 0) rc = fail(err, errlen, "%s: empty file (neither .npy nor safetensors)", shown);
    else if (read_at(fd, head, sizeof head, 0, &got) != 0)
        rc = fail(err, errlen, "%s: read error: %s", shown, strerror(errno));
    else {
        uint64_t size = (uint64_t)st.st_size;
        if (got < sizeof head) size = got; /* shorter than fstat said: it is being truncated */
        if (!memcmp(head, NPY_MAGIC, got < sizeof NPY_MAGIC ? got : sizeof NPY_MAGIC)) {
            if (tensor != NULL)
                rc = fail(err, errlen, "%s: a .npy file holds one array: name it without ':%s'", shown, tensor);
            else rc = npy_open(a, fd, size, head, shown, err, errlen);
        } else rc = st_open(a, fd, size, head, shown, tensor, err, errlen);
    }
    if (rc == 0) {
        if (tensor != NULL) snprintf(a->name, sizeof a->name, "%s:%s", file, tensor);
        else snprintf(a->name, sizeof a->name, "%s", spec);
        a->fd = fd;
        a->opened = 1;
    } else {
        close(fd);
        int keep_err = err != NULL && errlen > 0 && err[0];
        memset(a, 0, sizeof *a);
        a->fd = -1;
        if (!keep_err) fail(err, errlen, "%s: cannot be read", shown);
    }
    free(file);
    return rc;
}

int arrayfile_rows(const arrayfile *a, float *out, uint64_t row0, size_t nrows, char *err, size_t errlen)
{
    if (!a->opened || a->fd < 0) return fail(err, errlen, "%s: not open", a->name);
    if (row0 > a->rows || nrows > a->rows - row0)
        return fail(err, errlen, "%s: rows %llu to %llu asked for, it has %llu", a->name, (unsigned long long)row0,
                    (unsigned long long)row0 + nrows, (unsigned long long)a->rows);
    if (nrows == 0 || a->cols == 0) return 0;
    unsigned char buf[SCRATCH] = {0}; /* all read before use; zeroed for the analyzers */
    const size_t isz = a->itemsize;
    const uint64_t rows = a->rows, cols = a->cols;
    char eb[128];
    size_t got;
    if (!a->fortran || a->ndim < 2) {
        /* rows*cols is the count, checked at open: no product overflows */
        const uint64_t first = row0 * cols, n = (uint64_t)nrows * cols;
        static const uint16_t one = 1;
        if (a->dtype == AF_F32 && !a->big_endian && *(const unsigned char *)&one == 1) {
            /* float32 in this host's byte order, rows contiguous: the bytes
             * are the floats, read straight into out */
            if (read_at(a->fd, out, (size_t)n * 4, a->offset + first * 4, &got) != 0)
                return fail(err, errlen, "%s: read error: %s", a->name, errtext(errno, eb, sizeof eb));
            if (got != (size_t)n * 4)
                return fail(err, errlen, "%s: truncated (the file got shorter since it was opened)", a->name);
            return 0;
        }
        const size_t per = SCRATCH / isz;
        for (uint64_t done = 0; done < n;) {
            size_t k = n - done < per ? (size_t)(n - done) : per;
            if (read_at(a->fd, buf, k * isz, a->offset + (first + done) * isz, &got) != 0)
                return fail(err, errlen, "%s: read error: %s", a->name, errtext(errno, eb, sizeof eb));
            if (got != k * isz)
                return fail(err, errlen, "%s: truncated (the file got shorter since it was opened)", a->name);
            convert(out + done, 1, buf, k, a->dtype, a->big_endian);
            done += k;
        }
        return 0;
    }
    /* Column-major: file column jf holds the rows of one column, and it is
     * column j of the C-order flattening of dimensions 1.. . An odometer
     * over those dimensions (the first fastest, as Fortran order stores
     * them) keeps j; cstride[d] is dimension d's stride in C order. */
    uint64_t idx[AF_MAX_DIMS] = {0}, cstride[AF_MAX_DIMS];
    cstride[a->ndim - 1] = 1;
    for (int d = a->ndim - 2; d >= 1; d--) cstride[d] = cstride[d + 1] * a->shape[d + 1];
    const uint64_t colbytes = rows * isz;
    const uint64_t batch = colbytes <= SCRATCH ? SCRATCH / colbytes : 1;
    uint64_t j = 0;
    for (uint64_t jf = 0; jf < cols;) {
        uint64_t k = cols - jf < batch ? cols - jf : batch;
        if (colbytes <= SCRATCH) {
            /* k whole columns' rows [row0, row0+nrows) in one read */
            size_t span = (size_t)(((k - 1) * rows + nrows) * isz);
            if (read_at(a->fd, buf, span, a->offset + (jf * rows + row0) * isz, &got) != 0)
                return fail(err, errlen, "%s: read error: %s", a->name, errtext(errno, eb, sizeof eb));
            if (got != span)
                return fail(err, errlen, "%s: truncated (the file got shorter since it was opened)", a->name);
        }
        for (uint64_t c = 0; c < k; c++) {
            if (colbytes <= SCRATCH) convert(out + j, (size_t)cols, buf + c * colbytes, nrows, a->dtype, a->big_endian);
            else {
                const size_t per = SCRATCH / isz;
                for (size_t done = 0; done < nrows;) {
                    size_t m = nrows - done < per ? nrows - done : per;
                    if (read_at(a->fd, buf, m * isz, a->offset + ((jf + c) * rows + row0 + done) * isz, &got) != 0)
                        return fail(err, errlen, "%s: read error: %s", a->name, errtext(errno, eb, sizeof eb));
                    if (got != m * isz)
                        return fail(err, errlen, "%s: truncated (the file got shorter since it was opened)", a->name);
                    convert(out + done * cols + j, (size_t)cols, buf, m, a->dtype, a->big_endian);
                    done += m;
                }
            }
            for (int d = 1; d < a->ndim; d++) {
                j += cstride[d];
                if (++idx[d] < a->shape[d]) break;
                idx[d] = 0;
                j -= a->shape[d] * cstride[d];
            }
        }
        jf += k;
    }
    return 0;
}

void arrayfile_close(arrayfile *a)
{
    if (a == NULL) return;
    if (a->opened && a->fd >= 0) close(a->fd);
    a->opened = 0;
    a->fd = -1;
}

/* ---- writing .npy --------------------------------------------------- */

int npy_write_f32(FILE *f, int ndim, const uint64_t *shape, void (*row)(void *ctx, uint64_t i, float *buf), void *ctx)
{
    if (f == NULL || ndim < 0 || ndim > AF_MAX_DIMS || (ndim > 0 && shape == NULL) || row == NULL) {
        errno = EINVAL;
        return -1;
    }
    arrayfile g;
    memset(&g, 0, sizeof g);
    g.ndim = ndim;
    g.itemsize = 4;
    for (int d = 0; d < ndim; d++) g.shape[d] = shape[d];
    if (set_geometry(&g) != 0 || g.cols > SIZE_MAX / 4) {
        errno = EOVERFLOW;
        return -1;
    }
    /* numpy's _write_array_header: the dict's repr, then (from numpy 1.23)
     * 21 - len(repr(shape[0])) spaces so a file can grow in place, then
     * _wrap_header's padding: spaces and '\n' up to a multiple of 64. */
    char h[640];
    size_t len = (size_t)snprintf(h, sizeof h, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (int d = 0; d < ndim; d++)
        len += (size_t)snprintf(h + len, sizeof h - len, "%llu%s", (unsigned long long)shape[d],
                                ndim == 1      ? ","
                                : d + 1 < ndim ? ", "
                                               : "");
    len += (size_t)snprintf(h + len, sizeof h - len, "), }");
    if (ndim > 0) {
        int digits = snprintf(NULL, 0, "%llu", (unsigned long long)shape[0]);
        for (int k = digits; k < 21; k++) h[len++] = ' ';
    }
    size_t pad = 64 - (10 + len + 1) % 64;
    memset(h + len, ' ', pad);
    len += pad;
    h[len++] = '\n';
    unsigned char pre[10] = {
        0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(len & 0xff), (unsigned char)(len >> 8)};
    if (fwrite(pre, 1, sizeof pre, f) != sizeof pre || fwrite(h, 1, len, f) != len) return -1;

    if (g.count > 0) {
        float *buf = malloc((size_t)g.cols * sizeof *buf);
        if (buf == NULL) {
            errno = ENOMEM;
            return -1;
        }
        unsigned char bytes[4096];
        for (uint64_t i = 0; i < g.rows; i++) {
            row(ctx, i, buf);
            for (size_t c = 0; c < g.cols;) {
                size_t k = g.cols - c < sizeof bytes / 4 ? (size_t)g.cols - c : sizeof bytes / 4;
                for (size_t m = 0; m < k; m++) {
                    uint32_t u = float_bits(buf[c + m]);
                    for (int b = 0; b < 4; b++) bytes[4 * m + (size_t)b] = (unsigned char)(u >> (8 * b));
                }
                if (fwrite(bytes, 4, k, f) != k) {
                    int e = errno;
                    free(buf);
                    errno = e ? e : EIO;
                    return -1;
                }
                c += k;
            }
        }
        free(buf);
    }
    if (fflush(f) != 0) return -1;
    if (ferror(f)) {
        errno = EIO;
        return -1;
    }
    return 0;
}
