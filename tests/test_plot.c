/* test_plot.c - cmocka suite for src/png.c and src/svg_plot.c (--plot).
 *
 * png.c: png_encode's file is decoded here from scratch - signature, IHDR,
 * every chunk's CRC-32 (a table-driven CRC of our own), the zlib stream's
 * stored deflate blocks (BFINAL/BTYPE, LEN/NLEN, at most 65535 bytes each)
 * and its Adler-32 - and must give back exactly the input's rows behind
 * filter byte 0; the data: URI's base64 (decoded by our own decoder) is
 * png_encode's bytes.
 *
 * svg_plot.c: the RdBu map's ends, centre, clamping and lightness; the
 * blog's figure (hatched exact zeros, each cell's text as torch prints the
 * element, the target row outlined); exact zeros against tiny nonzero
 * values; shared and per-panel colour scales; block reduction (grid sizes,
 * caption, the embedded PNG decoded pixel by pixel against a reduction
 * computed here); hidden layers; loss curves and their log axis; nan cells;
 * well-formed XML (python3's parser); a failing FILE. Run from the
 * repository root (`make unit`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "experiment.h"
#include "golden.h"
#include "options.h"
#include "png.h"
#include "svg_plot.h"
#include "tensor_print.h"

/* ------------------------------------------------------------------------ */
/* An independent PNG reader: CRC-32, Adler-32, base64, stored deflate       */
/* ------------------------------------------------------------------------ */

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = c & 1u ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    if (crc_table[1] == 0) crc_init();
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xffu] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static uint32_t adler32_of(const unsigned char *p, size_t n)
{
    uint64_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return (uint32_t)(b << 16 | a);
}

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decodes n characters of strict base64 (length a multiple of 4, '=' only
 * at the end) into a new buffer of *len bytes; fails the test otherwise. */
static unsigned char *b64_decode(const char *s, size_t n, size_t *len)
{
    if (n % 4 != 0) fail_msg("base64 length %zu is not a multiple of 4", n);
    unsigned char *out = malloc(n / 4 * 3 + 1);
    assert_non_null(out);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4], pad = 0;
        for (size_t k = 0; k < 4; k++) {
            if (s[i + k] == '=' && i + 4 == n && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad) fail_msg("base64: data after '=' at %zu", i + k);
            v[k] = b64_value(s[i + k]);
            if (v[k] < 0) fail_msg("base64: bad character 0x%02x at %zu", (unsigned)(unsigned char)s[i + k], i + k);
        }
        uint32_t q = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[o++] = (unsigned char)(q >> 16);
        if (pad < 2) out[o++] = (unsigned char)(q >> 8);
        if (pad < 1) out[o++] = (unsigned char)q;
        /* the unused bits of a padded group are zero (canonical base64) */
        if (pad == 1) assert_int_equal(q & 0xffu, 0);
        if (pad == 2) assert_int_equal(q & 0xffffu, 0);
    }
    *len = o;
    return out;
}

typedef struct {
    size_t w, h;
    unsigned char *rgba; /* w*h*4 */
    size_t nblocks;      /* stored deflate blocks */
    size_t first_block;  /* LEN of the first block */
} png_image;

/* Parses a whole PNG file, checking everything png_encode promises, and
 * returns its pixels (free img->rgba). */
static void png_decode(const unsigned char *png, size_t n, png_image *img)
{
    static const unsigned char SIG[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memset(img, 0, sizeof *img);
    assert_true(n >= 8 + 25 + 12);
    assert_memory_equal(png, SIG, 8);
    size_t at = 8, zlen = 0;
    unsigned char *z = NULL;
    int seen_ihdr = 0, seen_iend = 0;
    while (at < n) {
        assert_true(n - at >= 12);
        size_t len = get_be32(png + at);
        assert_true(len <= n - at - 12);
        const unsigned char *type = png + at + 4, *data = png + at + 8;
        uint32_t crc = get_be32(data + len);
        if (crc != crc32_of(type, len + 4))
            fail_msg("chunk %.4s at byte %zu: CRC %08x, computed %08x", (const char *)type, at, crc,
                     crc32_of(type, len + 4));
        assert_false(seen_iend); /* nothing after IEND */
        if (!memcmp(type, "IHDR", 4)) {
            assert_int_equal(at, 8); /* the first chunk */
            assert_int_equal(len, 13);
            img->w = get_be32(data);
            img->h = get_be32(data + 4);
            assert_int_equal(data[8], 8);  /* bit depth */
            assert_int_equal(data[9], 6);  /* colour type: RGBA */
            assert_int_equal(data[10], 0); /* deflate */
            assert_int_equal(data[11], 0); /* adaptive filtering */
            assert_int_equal(data[12], 0); /* no interlace */
            seen_ihdr = 1;
        } else if (!memcmp(type, "IDAT", 4)) {
            assert_true(seen_ihdr);
            unsigned char *nz = realloc(z, zlen + len + 1);
            assert_non_null(nz);
            z = nz;
            memcpy(z + zlen, data, len);
            zlen += len;
        } else if (!memcmp(type, "IEND", 4)) {
            assert_int_equal(len, 0);
            seen_iend = 1;
        } else {
            fail_msg("unexpected chunk %.4s", (const char *)type);
        }
        at += 12 + len;
    }
    assert_true(seen_ihdr);
    assert_true(seen_iend);
    assert_non_null(z);
    assert_true(img->w > 0 && img->h > 0);
    /* zlib: CMF deflate with a window of at most 32K, FCHECK, no dictionary */
    assert_true(zlen >= 2 + 5 + 4);
    assert_int_equal(z[0] & 0x0f, 8);
    assert_true((z[0] >> 4) <= 7);
    assert_int_equal((z[0] * 256u + z[1]) % 31u, 0);
    assert_int_equal(z[1] & 0x20, 0);
    size_t rowlen = 1 + 4 * img->w, raw_len = img->h * rowlen, got = 0, p = 2;
    unsigned char *raw = calloc(raw_len ? raw_len : 1, 1);
    assert_non_null(raw);
    int final = 0;
    while (!final) {
        assert_true(p + 5 <= zlen);
        unsigned hdr = z[p];
        final = (int)(hdr & 1u);
        if (((hdr >> 1) & 3u) != 0) fail_msg("block %zu: BTYPE %u, not stored", img->nblocks, (hdr >> 1) & 3u);
        assert_int_equal(hdr >> 3, 0); /* padding to the byte boundary */
        unsigned len = z[p + 1] | (unsigned)z[p + 2] << 8, nlen = z[p + 3] | (unsigned)z[p + 4] << 8;
        if ((len ^ 0xffffu) != nlen) fail_msg("block %zu: LEN %04x, NLEN %04x", img->nblocks, len, nlen);
        p += 5;
        assert_true(len <= zlen - p);
        if (len > raw_len - got) fail_msg("block %zu: %u bytes past the image's %zu", img->nblocks, len, raw_len);
        memcpy(raw + got, z + p, len);
        if (img->nblocks == 0) img->first_block = len;
        got += len;
        p += len;
        img->nblocks++;
    }
    assert_int_equal(got, raw_len);
    assert_int_equal(zlen - p, 4); /* the Adler-32 ends the stream, and the IDAT data */
    assert_int_equal(get_be32(z + p), adler32_of(raw, raw_len));
    img->rgba = malloc(img->w * img->h * 4);
    assert_non_null(img->rgba);
    for (size_t y = 0; y < img->h; y++) {
        if (raw[y * rowlen] != 0) fail_msg("row %zu: filter type %u, not 0", y, raw[y * rowlen]);
        memcpy(img->rgba + y * 4 * img->w, raw + y * rowlen + 1, 4 * img->w);
    }
    free(raw);
    free(z);
}

/* A w x h test image: a pattern that differs in every byte position. */
static unsigned char *pattern(size_t w, size_t h, uint32_t seed)
{
    unsigned char *rgba = malloc(w * h * 4);
    assert_non_null(rgba);
    uint32_t s = seed;
    for (size_t i = 0; i < w * h * 4; i++) {
        s = s * 1664525u + 1013904223u;
        rgba[i] = (unsigned char)(s >> 24);
    }
    return rgba;
}

/* Encodes, decodes and compares; returns the decoded image's block count. */
static size_t round_trip(size_t w, size_t h, uint32_t seed)
{
    unsigned char *rgba = pattern(w, h, seed);
    size_t n = 0;
    unsigned char *png = png_encode(rgba, w, h, &n);
    assert_non_null(png);
    png_image img;
    png_decode(png, n, &img);
    assert_int_equal(img.w, w);
    assert_int_equal(img.h, h);
    if (memcmp(img.rgba, rgba, w * h * 4) != 0) fail_msg("%zu x %zu: pixels differ after decoding", w, h);
    /* every block but the last is full: 65535 bytes */
    size_t raw = h * (1 + 4 * w);
    assert_int_equal(img.nblocks, (raw + 65534) / 65535);
    assert_int_equal(img.first_block, raw < 65535 ? raw : 65535);
    free(img.rgba);
    free(png);
    free(rgba);
    return img.nblocks;
}

static void test_png_small_images(void **state)
{
    (void)state;
    assert_int_equal(round_trip(1, 1, 1), 1);
    assert_int_equal(round_trip(3, 2, 2), 1);
    assert_int_equal(round_trip(2, 3, 3), 1);
    assert_int_equal(round_trip(17, 5, 4), 1);
    /* an all-zero image still carries 8 bytes per pixel row, unfiltered */
    unsigned char zero[4 * 4 * 3] = {0};
    size_t n = 0;
    unsigned char *png = png_encode(zero, 4, 3, &n);
    assert_non_null(png);
    assert_int_equal(n, 8 + 25 + 12 + 2 + 5 + 3 * 17 + 4 + 12);
    png_image img;
    png_decode(png, n, &img);
    assert_memory_equal(img.rgba, zero, sizeof zero);
    free(img.rgba);
    /* the IEND chunk is the standard 12 bytes */
    static const unsigned char IEND[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
    assert_memory_equal(png + n - 12, IEND, 12);
    free(png);
}

static void test_png_multiple_stored_blocks(void **state)
{
    (void)state;
    assert_int_equal(round_trip(200, 100, 5), 2); /* 80100 raw bytes */
    assert_int_equal(round_trip(64, 255, 6), 1);  /* exactly 65535: one full block, final */
    assert_int_equal(round_trip(64, 510, 7), 2);  /* exactly two full blocks */
    assert_int_equal(round_trip(64, 256, 8), 2);  /* one byte-row past a block */
    assert_int_equal(round_trip(256, 256, 9), 5); /* the largest grid the figure draws */
    assert_int_equal(round_trip(1, 20000, 10), 2);
}

static void test_png_rejects_empty_and_oversized(void **state)
{
    (void)state;
    unsigned char px[4] = {1, 2, 3, 4};
    size_t n = 12345;
    assert_null(png_encode(px, 0, 1, &n));
    assert_null(png_encode(px, 1, 0, &n));
    assert_null(png_encode(px, 0, 0, &n));
    assert_null(png_encode(px, 65537, 1, &n)); /* PNG's own limit is far above; the encoder's is 65536 */
    assert_null(png_encode(px, 1, 65537, &n));
    /* the data: URI writer writes nothing for them */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_not_equal(png_write_data_uri(f, px, 0, 1), 0);
    assert_int_not_equal(png_write_data_uri(f, px, 1, 0), 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(len, 0);
    free(buf);
}

static void test_png_data_uri(void **state)
{
    (void)state;
    /* file lengths 68 + raw: 73, 78 and 77 bytes - every base64 tail */
    static const size_t dims[][2] = {{1, 1}, {1, 2}, {2, 1}, {3, 2}, {200, 100}};
    int tails[3] = {0, 0, 0};
    for (size_t k = 0; k < sizeof dims / sizeof *dims; k++) {
        size_t w = dims[k][0], h = dims[k][1];
        unsigned char *rgba = pattern(w, h, 40 + (uint32_t)k);
        size_t n = 0;
        unsigned char *png = png_encode(rgba, w, h, &n);
        assert_non_null(png);
        tails[n % 3] = 1;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        assert_int_equal(png_write_data_uri(f, rgba, w, h), 0);
        assert_int_equal(fclose(f), 0);
        static const char PREFIX[] = "data:image/png;base64,";
        assert_true(len > strlen(PREFIX));
        assert_memory_equal(buf, PREFIX, strlen(PREFIX));
        assert_int_equal(strlen(buf), len); /* no NUL, no newline inside */
        assert_null(strchr(buf, '\n'));
        size_t dn = 0;
        unsigned char *dec = b64_decode(buf + strlen(PREFIX), len - strlen(PREFIX), &dn);
        assert_int_equal(dn, n);
        assert_memory_equal(dec, png, n);
        free(dec);
        free(buf);
        free(png);
        free(rgba);
    }
    assert_true(tails[0] && tails[1] && tails[2]);
}

static void test_png_data_uri_write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f) skip();
    static char buf[16];
    assert_int_equal(setvbuf(f, buf, _IOFBF, sizeof buf), 0);
    unsigned char *rgba = pattern(8, 8, 3);
    assert_int_equal(png_write_data_uri(f, rgba, 8, 8), -1);
    free(rgba);
    (void)fclose(f); /* /dev/full: closing fails too */
}

/* ------------------------------------------------------------------------ */
/* SVG helpers                                                              */
/* ------------------------------------------------------------------------ */

typedef struct {
    gradexp_options o;
    experiment e;
    char *svg;
    size_t len;
} run;

/* Parses args (options_parse, "gradexp" added), computes the experiment
 * and renders the figure (standalone). Free with run_free. */
static run *plot_run(const char *const *args)
{
    run *r = calloc(1, sizeof *r);
    assert_non_null(r);
    char err[512];
    if (golden_parse(&r->o, args, err, sizeof err) != OPT_OK) fail_msg("options: %s", err);
    assert_int_equal(experiment_compute(&r->e, &r->o), EXP_OK);
    FILE *f = open_memstream(&r->svg, &r->len);
    assert_non_null(f);
    assert_int_equal(svg_plot(f, &r->e, &r->o, 1), PLOT_OK);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(strlen(r->svg), r->len);
    return r;
}

static void run_free(run *r)
{
    experiment_free(&r->e);
    free(r->svg);
    free(r);
}

static size_t count(const char *hay, const char *end, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (const char *p = strstr(hay, needle); p && p + k <= end; p = strstr(p + 1, needle)) n++;
    return n;
}

/* The value of attribute name in the tag that starts at tag (up to its
 * '>'), into buf; 0 when found. */
static int attr(const char *tag, const char *name, char *buf, size_t len)
{
    const char *gt = strchr(tag, '>');
    size_t k = strlen(name);
    for (const char *p = tag; p && p < gt; p = strchr(p + 1, ' ')) {
        if (strncmp(p + 1, name, k) != 0 || p[1 + k] != '=' || p[2 + k] != '"') continue;
        const char *v = p + 3 + k, *q = strchr(v, '"');
        if (q == NULL || q > gt || (size_t)(q - v) >= len) return -1;
        memcpy(buf, v, (size_t)(q - v));
        buf[q - v] = '\0';
        return 0;
    }
    return -1;
}

static long attr_long(const char *tag, const char *name)
{
    char buf[64];
    if (attr(tag, name, buf, sizeof buf) != 0) fail_msg("no %s= in %.80s", name, tag);
    return strtol(buf, NULL, 10);
}

static double attr_double(const char *tag, const char *name)
{
    char buf[64];
    if (attr(tag, name, buf, sizeof buf) != 0) fail_msg("no %s= in %.80s", name, tag);
    return strtod(buf, NULL);
}

/* The k-th panel group: from its "<g class="panel"" to the next panel, the
 * shared colour bar or the legend. */
typedef struct {
    const char *start, *end;
} segment;

static size_t panels(const char *svg, segment *out, size_t max)
{
    size_t n = 0;
    for (const char *p = strstr(svg, "<g class=\"panel\""); p && n < max; p = strstr(p + 1, "<g class=\"panel\"")) {
        /* the group ends at its matching </g> */
        int depth = 0;
        const char *q = p;
        do {
            const char *open = strstr(q + 1, "<g"), *close = strstr(q + 1, "</g>");
            assert_non_null(close);
            while (open && open[2] != ' ' && open[2] != '>') open = strstr(open + 1, "<g");
            if (open && open < close) {
                depth++;
                q = open;
            } else {
                depth--;
                q = close;
            }
        } while (depth > 0);
        out[n].start = p;
        out[n].end = q + 4;
        n++;
    }
    return n;
}

/* The grad view of head h, layer l (1-based). */
static tensor_view grad_view(run *r, int h, size_t l)
{
    return experiment_layer(&r->e, h, l, LAYER_GRAD);
}

/* The next cell rectangle of a panel at or after *pp (NULL when none). */
static const char *next_cell(const char **pp, const segment *s)
{
    const char *c = strstr(*pp, "<rect class=\"cell");
    if (c == NULL || c >= s->end) return NULL;
    *pp = c + 1;
    return c;
}

/* The text printed in a cell: the first monospace <text> after the cell's
 * rectangle and before the next cell (or the panel's end). */
static int cell_text(const char *cell, const segment *s, char *buf, size_t len)
{
    const char *nextc = strstr(cell + 1, "<rect class=\"cell");
    const char *lim = nextc && nextc < s->end ? nextc : s->end;
    const char *t = strstr(cell, "monospace\">");
    if (t == NULL || t >= lim) return -1;
    t += strlen("monospace\">");
    const char *e = strstr(t, "</text>");
    if (e == NULL || e >= lim || (size_t)(e - t) >= len) return -1;
    memcpy(buf, t, (size_t)(e - t));
    buf[e - t] = '\0';
    return 0;
}

/* The largest finite magnitude of a view. */
static double view_vmax(const tensor_view *v)
{
    double m = 0.0;
    for (size_t i = 0; i < v->rows; i++)
        for (size_t j = 0; j < v->cols; j++) {
            double a = fabs((double)v->at(v, i, j));
            if (isfinite(a) && a > m) m = a;
        }
    return m;
}

/* ------------------------------------------------------------------------ */
/* plot_color                                                               */
/* ------------------------------------------------------------------------ */

/* CIE L* of an sRGB colour "#rrggbb". */
static double lightness(const char *hex)
{
    unsigned c[3];
    assert_int_equal(sscanf(hex, "#%2x%2x%2x", &c[0], &c[1], &c[2]), 3);
    double lin[3];
    for (int i = 0; i < 3; i++) {
        double s = c[i] / 255.0;
        lin[i] = s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4);
    }
    double y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    return y > 216.0 / 24389.0 ? 116.0 * cbrt(y) - 16.0 : y * 24389.0 / 27.0;
}

static void color_of(char *buf, double t)
{
    memset(buf, 'X', 8);
    plot_color(buf, t);
    assert_int_equal(strlen(buf), 7);
    assert_int_equal(buf[0], '#');
    for (int i = 1; i < 7; i++)
        if (!((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f'))) fail_msg("bad colour %s", buf);
}

static void test_plot_color_ends_and_centre(void **state)
{
    (void)state;
    char c[8];
    color_of(c, -1.0);
    assert_string_equal(c, "#053061");
    color_of(c, 0.0);
    assert_string_equal(c, "#f7f7f7");
    color_of(c, -0.0);
    assert_string_equal(c, "#f7f7f7");
    color_of(c, 1.0);
    assert_string_equal(c, "#67001f");
    /* the ColorBrewer classes sit at multiples of 0.2 */
    color_of(c, 0.2);
    assert_string_equal(c, "#fddbc7");
    color_of(c, -0.2);
    assert_string_equal(c, "#d1e5f0");
    color_of(c, 0.8);
    assert_string_equal(c, "#b2182b");
    color_of(c, -0.8);
    assert_string_equal(c, "#2166ac");
}

static void test_plot_color_clamps(void **state)
{
    (void)state;
    char c[8];
    static const double hi[] = {1.0000001, 2.0, 1e300, INFINITY};
    static const double lo[] = {-1.0000001, -2.0, -1e300, -INFINITY};
    for (size_t k = 0; k < 4; k++) {
        color_of(c, hi[k]);
        assert_string_equal(c, "#67001f");
        color_of(c, lo[k]);
        assert_string_equal(c, "#053061");
    }
    /* nan clamps to an end (the negative one, as the code says) */
    color_of(c, NAN);
    assert_string_equal(c, "#053061");
    color_of(c, -NAN);
    assert_string_equal(c, "#053061");
}

static void test_plot_color_monotone_lightness(void **state)
{
    (void)state;
    char c[8];
    for (int side = -1; side <= 1; side += 2) {
        double prev = 101.0;
        for (int k = 0; k <= 1000; k++) {
            color_of(c, side * k / 1000.0);
            double L = lightness(c);
            /* channel rounding may wobble by a fraction of a unit of L* */
            if (L > prev + 0.35) fail_msg("t=%g: L*=%.3f after %.3f", side * k / 1000.0, L, prev);
            prev = fmin(prev, L);
        }
        /* and it falls clearly over every tenth of the range */
        for (int k = 0; k < 10; k++) {
            char a[8], b[8];
            color_of(a, side * k / 10.0);
            color_of(b, side * (k + 1) / 10.0);
            if (!(lightness(b) < lightness(a) - 1.0))
                fail_msg("t=%g..%g: L* %.2f -> %.2f", side * k / 10.0, side * (k + 1) / 10.0, lightness(a),
                         lightness(b));
        }
    }
}

/* ------------------------------------------------------------------------ */
/* The blog's figure                                                        */
/* ------------------------------------------------------------------------ */

static void test_blog_zero_cells_and_target(void **state)
{
    (void)state;
    static const char *const args[] = {NULL};
    run *r = plot_run(args);
    segment s[4];
    assert_int_equal(panels(r->svg, s, 4), 2);
    static const char *const heads[] = {"sigmoid", "softmax"};
    for (size_t k = 0; k < 2; k++) {
        char buf[32];
        assert_int_equal(attr(s[k].start, "data-head", buf, sizeof buf), 0);
        assert_string_equal(buf, heads[k]);
        assert_int_equal(attr_long(s[k].start, "data-layer"), 1);
        assert_int_equal(attr_long(s[k].start, "data-rows"), 3);
        assert_int_equal(attr_long(s[k].start, "data-cols"), 5);
        assert_int_equal(attr_long(s[k].start, "data-target"), 1);
        assert_int_equal(count(s[k].start, s[k].end, "<rect class=\"cell"), 15);
        /* the target row outlined once, around row 1 */
        assert_int_equal(count(s[k].start, s[k].end, "<rect class=\"target\""), 1);
        const char *t = strstr(s[k].start, "<rect class=\"target\"");
        const char *c10 = strstr(s[k].start, "data-row=\"1\" data-col=\"0\"");
        assert_non_null(c10);
        while (c10 > s[k].start && strncmp(c10, "<rect", 5) != 0) c10--;
        assert_true(fabs(attr_double(t, "y") - (attr_double(c10, "y") - 1.25)) < 0.01);
        assert_true(attr_double(t, "height") > attr_double(c10, "height"));
        /* and its label says so */
        assert_int_equal(count(s[k].start, s[k].end, "target \xe2\x96\xb6 1<"), 1);
    }
    size_t zeros = 0;
    const char *p = s[0].start, *c;
    while ((c = next_cell(&p, &s[0])) != NULL) {
        if (strncmp(c, "<rect class=\"cell zero\"", 23) != 0) continue;
        zeros++;
        long row = attr_long(c, "data-row");
        assert_true(row == 0 || row == 2);
        char fill[32];
        assert_int_equal(attr(c, "fill", fill, sizeof fill), 0);
        assert_string_equal(fill, "url(#zero)");
    }
    assert_int_equal(zeros, 10);
    assert_int_equal(count(s[1].start, s[1].end, "cell zero"), 0);
    assert_int_equal(count(r->svg, r->svg + r->len, "data-target=\"1\""), 2);
    assert_int_equal(count(r->svg, r->svg + r->len, "<rect class=\"target\""), 2);
    /* the hatching pattern is defined once; no nan in the legend */
    assert_int_equal(count(r->svg, r->svg + r->len, "<pattern id=\"zero\""), 1);
    assert_int_equal(count(r->svg, r->svg + r->len, ">nan</text>"), 0);
    assert_int_equal(count(r->svg, r->svg + r->len, "cell nan"), 0);
    run_free(r);
}

/* Every cell's text is tensor_format_fixed of its element (the blog's
 * W.grad prints in fixed notation at precision 4). */
static void test_blog_cell_text(void **state)
{
    (void)state;
    static const char *const args[] = {NULL};
    run *r = plot_run(args);
    segment s[4];
    assert_int_equal(panels(r->svg, s, 4), 2);
    char want[64], got[64];
    assert_true(tensor_format_bufsize(4) <= sizeof want);
    for (int h = 0; h < 2; h++) {
        tensor_view v = grad_view(r, h, 1);
        const char *p = s[h].start, *c;
        size_t cells = 0;
        while ((c = next_cell(&p, &s[h])) != NULL) {
            size_t i = (size_t)attr_long(c, "data-row"), j = (size_t)attr_long(c, "data-col");
            assert_true(i < 3 && j < 5);
            assert_int_equal(i * 5 + j, cells); /* row order */
            tensor_format_fixed(want, v.at(&v, i, j), 4);
            if (cell_text(c, &s[h], got, sizeof got) != 0) fail_msg("head %d cell (%zu, %zu): no text", h, i, j);
            if (strcmp(want, got) != 0)
                fail_msg("head %d cell (%zu, %zu): '%s', torch prints '%s'", h, i, j, got, want);
            cells++;
        }
        assert_int_equal(cells, 15);
    }
    /* a few values from the README, as a check on the check */
    assert_non_null(strstr(s[0].start, "monospace\">-0.0867</text>"));
    assert_non_null(strstr(s[1].start, "monospace\">-1.0697</text>"));
    run_free(r);
}

/* Tokens of tensor_print's text for v, in row order (caller frees). */
static char **torch_tokens(const tensor_view *v, const print_options *po, size_t *n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(tensor_print(f, v, po), 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(strncmp(text, "tensor(", 7), 0);
    char **tok = calloc(v->rows * v->cols + 1, sizeof *tok);
    assert_non_null(tok);
    size_t k = 0;
    for (char *p = text + 7; *p;) {
        if (strchr("[](), \n", *p)) {
            p++;
            continue;
        }
        char *q = p;
        while (*q && !strchr("[](), \n", *q)) q++;
        assert_true(k < v->rows * v->cols);
        tok[k] = strndup(p, (size_t)(q - p));
        assert_non_null(tok[k]);
        k++;
        p = q;
    }
    free(text);
    *n = k;
    return tok;
}

/* A cell's text is what torch prints for the element: -0.0000 for a
 * negative zero, the integer mode's "0." and "-0.", --sci-mode on (the
 * figure once formatted the values itself and got these wrong). */
static void test_cell_text_is_torch_text(void **state)
{
    (void)state;
    static const char *const no_abs[] = {"--no-abs", NULL};                             /* -0.0000 cells */
    static const char *const ints[] = {"--init-std", "100", "--loss", "sigmoid", NULL}; /* torch: 0. and -0. */
    static const char *const sci[] = {"--sci-mode", "on", NULL};                        /* torch: 0.0000e+00 */
    static const char *const *const cases[] = {no_abs, ints, sci};
    size_t bad[3] = {0, 0, 0};
    for (size_t k = 0; k < 3; k++) {
        run *r = plot_run(cases[k]);
        segment s[4];
        size_t np = panels(r->svg, s, 4);
        for (size_t h = 0; h < np; h++) {
            tensor_view v = grad_view(r, (int)h, 1);
            size_t nt = 0;
            char **tok = torch_tokens(&v, &r->o.print, &nt);
            assert_int_equal(nt, v.rows * v.cols);
            const char *p = s[h].start, *c;
            size_t cell = 0;
            while ((c = next_cell(&p, &s[h])) != NULL) {
                char got[64];
                assert_int_equal(cell_text(c, &s[h], got, sizeof got), 0);
                assert_true(cell < nt);
                if (strcmp(got, tok[cell]) != 0 && bad[k]++ == 0)
                    print_message("case %zu (%s) head %zu cell %zu: the figure shows '%s', torch prints '%s'\n", k,
                                  cases[k][0], h, cell, got, tok[cell]);
                cell++;
            }
            for (size_t i = 0; i < nt; i++) free(tok[i]);
            free(tok);
        }
        run_free(r);
    }
    if (bad[0] + bad[1] + bad[2]) fail_msg("cells unlike torch's text: %zu, %zu, %zu", bad[0], bad[1], bad[2]);
}

/* Exact zeros are hatched; values that are tiny but not zero (here down
 * to subnormals, ~1e-38) are not, in every cell of every panel. */
static void check_zero_style(const char *const *args, int want_tiny)
{
    run *r = plot_run(args);
    segment s[8];
    size_t np = panels(r->svg, s, 8);
    assert_int_equal(np, (size_t)r->e.nheads);
    size_t tiny = 0, zero = 0;
    for (size_t h = 0; h < np; h++) {
        tensor_view v = grad_view(r, (int)h, 1);
        const char *p = s[h].start, *c;
        while ((c = next_cell(&p, &s[h])) != NULL) {
            size_t i = (size_t)attr_long(c, "data-row"), j = (size_t)attr_long(c, "data-col");
            float x = v.at(&v, i, j);
            int hatched = !strncmp(c, "<rect class=\"cell zero\"", 23);
            char fill[32];
            assert_int_equal(attr(c, "fill", fill, sizeof fill), 0);
            if (x == 0.0f) {
                if (!hatched) fail_msg("head %zu (%zu, %zu) = %g is not hatched", h, i, j, (double)x);
                zero++;
            } else {
                if (hatched) fail_msg("head %zu (%zu, %zu) = %g is hatched like an exact zero", h, i, j, (double)x);
                assert_int_equal(strncmp(c, "<rect class=\"cell\"", 18), 0);
                assert_int_equal(fill[0], '#');
                if (fabsf(x) < 1e-30f) {
                    char pale[8];
                    plot_color(pale, 0.0);
                    assert_string_equal(fill, pale); /* near white, but plain */
                    tiny++;
                }
            }
        }
    }
    assert_true(zero > 0);
    if (want_tiny) assert_true(tiny > 0);
    run_free(r);
}

static void test_exact_zero_vs_tiny(void **state)
{
    (void)state;
    /* softmax row 2 is ~1e-38 (p underflows to a subnormal); the sigmoid
     * rows 0, 2, 3 and softmax row 0 are exactly 0 (and -0) */
    static const char *const a[] = {"--no-abs", "--stable", "--init-std", "30", "--classes", "4", NULL};
    check_zero_style(a, 1);
    static const char *const b[] = {NULL};
    check_zero_style(b, 0);
    /* a head whose p rounds to 1e-22 and 1e-10: tiny but not zero */
    static const char *const c[] = {"--classes", "4", "--features", "6", "--init-std", "20", NULL};
    check_zero_style(c, 0);
}

/* ------------------------------------------------------------------------ */
/* Colour scales                                                            */
/* ------------------------------------------------------------------------ */

/* Every value cell's fill is plot_color(v / vmax[h]). */
static void check_fills(run *r, const double *vmax, size_t nv)
{
    segment s[8];
    size_t np = panels(r->svg, s, 8);
    assert_int_equal(np, nv);
    for (size_t h = 0; h < np; h++) {
        tensor_view v = grad_view(r, (int)h, 1);
        const char *p = s[h].start, *c;
        while ((c = next_cell(&p, &s[h])) != NULL) {
            size_t i = (size_t)attr_long(c, "data-row"), j = (size_t)attr_long(c, "data-col");
            float x = v.at(&v, i, j);
            if (x == 0.0f || isnan(x)) continue;
            char fill[32], want[8];
            assert_int_equal(attr(c, "fill", fill, sizeof fill), 0);
            plot_color(want, (double)x / vmax[h]);
            if (strcmp(fill, want) != 0) fail_msg("head %zu (%zu, %zu): fill %s, want %s", h, i, j, fill, want);
        }
    }
}

/* The fill of cell (i, j) of a panel. */
static void cell_fill(const segment *s, size_t i, size_t j, char *fill, size_t len)
{
    char key[64];
    snprintf(key, sizeof key, "data-row=\"%zu\" data-col=\"%zu\" ", i, j);
    const char *c = strstr(s->start, key);
    if (c == NULL || c >= s->end) fail_msg("no cell (%zu, %zu)", i, j);
    while (strncmp(c, "<rect", 5) != 0) c--;
    assert_int_equal(attr(c, "fill", fill, len), 0);
}

static void test_plot_scale(void **state)
{
    (void)state;
    static const char *const shared[] = {"--plot-scale", "shared", NULL};
    static const char *const each[] = {"--plot-scale", "each", NULL};
    run *a = plot_run(shared), *b = plot_run(each);
    segment sa[4], sb[4];
    assert_int_equal(panels(a->svg, sa, 4), 2);
    assert_int_equal(panels(b->svg, sb, 4), 2);
    /* one colour bar for the figure, or one inside each panel */
    assert_int_equal(count(a->svg, a->svg + a->len, "<g class=\"colorbar\""), 1);
    assert_int_equal(count(b->svg, b->svg + b->len, "<g class=\"colorbar\""), 2);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(count(sa[k].start, sa[k].end, "<g class=\"colorbar\""), 0);
        assert_int_equal(count(sb[k].start, sb[k].end, "<g class=\"colorbar\""), 1);
    }
    /* every fill is plot_color(v / vmax), vmax the figure's or the panel's */
    tensor_view v0 = grad_view(a, 0, 1), v1 = grad_view(a, 1, 1);
    double m0 = view_vmax(&v0), m1 = view_vmax(&v1), m = fmax(m0, m1);
    assert_true(m0 < m1 / 5); /* the blog's heads differ in size: the test means something */
    double sh[2] = {m, m}, ea[2] = {m0, m1};
    check_fills(a, sh, 2);
    check_fills(b, ea, 2);
    /* sigmoid's largest value, -0.0867 at (1, 1), is the dark-blue end on
     * its own scale and pale on the shared one; softmax's -1.0697 at (1, 1)
     * is the end on both */
    char end[8], fill[32];
    plot_color(end, -1.0);
    cell_fill(&sb[0], 1, 1, fill, sizeof fill);
    assert_string_equal(fill, end);
    cell_fill(&sa[0], 1, 1, fill, sizeof fill);
    assert_string_not_equal(fill, end);
    assert_true(lightness(fill) > lightness(end) + 30.0);
    cell_fill(&sa[1], 1, 1, fill, sizeof fill);
    assert_string_equal(fill, end);
    cell_fill(&sb[1], 1, 1, fill, sizeof fill);
    assert_string_equal(fill, end);
    /* the colour bars' gradients run between the two ends */
    assert_int_equal(count(a->svg, a->svg + a->len, "stop-color=\"#67001f\""), 1);
    assert_int_equal(count(a->svg, a->svg + a->len, "stop-color=\"#053061\""), 1);
    assert_int_equal(count(b->svg, b->svg + b->len, "stop-color=\"#053061\""), 2);
    run_free(a);
    run_free(b);
    /* on the shared scale the same value gets the same colour in two
     * panels: two softmax heads around a sigmoid head */
    static const char *const twin[] = {"--loss", "softmax,sigmoid,softmax", "--no-abs", NULL};
    run *t = plot_run(twin);
    segment s[4];
    assert_int_equal(panels(t->svg, s, 4), 3);
    const char *p = s[0].start, *q = s[2].start, *c0;
    size_t n = 0, distinct = 0;
    char first[32] = "";
    while ((c0 = next_cell(&p, &s[0])) != NULL) {
        const char *c2 = next_cell(&q, &s[2]);
        assert_non_null(c2);
        char f0[32], f2[32];
        assert_int_equal(attr(c0, "fill", f0, sizeof f0), 0);
        assert_int_equal(attr(c2, "fill", f2, sizeof f2), 0);
        assert_string_equal(f0, f2);
        if (n == 0) memcpy(first, f0, sizeof first);
        else distinct += strcmp(first, f0) != 0;
        n++;
    }
    assert_int_equal(n, 15);
    assert_true(distinct > 0);
    run_free(t);
}

/* ------------------------------------------------------------------------ */
/* Block reduction                                                          */
/* ------------------------------------------------------------------------ */

static size_t cdiv(size_t a, size_t b)
{
    return (a + b - 1) / b;
}

static void test_block_grid_sizes(void **state)
{
    (void)state;
    static const size_t shapes[][2] = {{600, 300}, {1000, 7}, {257, 5}, {256, 256}, {12, 13}, {513, 1}};
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
        char c[32], f[32];
        snprintf(c, sizeof c, "%zu", shapes[k][0]);
        snprintf(f, sizeof f, "%zu", shapes[k][1]);
        const char *const args[] = {"--classes", c, "--features", f, "--loss", "softmax", NULL};
        run *r = plot_run(args);
        segment s[2];
        assert_int_equal(panels(r->svg, s, 2), 1);
        size_t br = cdiv(shapes[k][0], PLOT_MAX_CELLS), bc = cdiv(shapes[k][1], PLOT_MAX_CELLS);
        size_t gr = cdiv(shapes[k][0], br), gc = cdiv(shapes[k][1], bc);
        assert_int_equal(attr_long(s[0].start, "data-rows"), gr);
        assert_int_equal(attr_long(s[0].start, "data-cols"), gc);
        char cap[160];
        snprintf(cap, sizeof cap, "of a %zu \xc3\x97 %zu block, %zu weights<", br, bc, br * bc);
        assert_int_equal(count(s[0].start, s[0].end, cap), br * bc > 1 ? 1 : 0);
        assert_int_equal(count(s[0].start, s[0].end, "each cell: the largest-magnitude"), br * bc > 1 ? 1 : 0);
        /* the panel title names the matrix, not the grid */
        snprintf(cap, sizeof cap, "W.grad (%zu \xc3\x97 %zu)<", shapes[k][0], shapes[k][1]);
        assert_int_equal(count(s[0].start, s[0].end, cap), 1);
        int raster = gr * gc > 4096;
        assert_int_equal(count(s[0].start, s[0].end, "<image class=\"raster\""), raster);
        assert_int_equal(count(s[0].start, s[0].end, "<rect class=\"cell"), raster ? 0 : gr * gc);
        /* values only in small unreduced grids */
        assert_int_equal(count(s[0].start, s[0].end, "monospace\">") > 0, gr <= 12 && gc <= 12);
        run_free(r);
    }
}

/* The block reduction computed here from the view: state 0 value, 1 all
 * zero, 2 nan; the block's value of largest magnitude, sign kept. */
static void reduce(const tensor_view *v, size_t br, size_t bc, size_t gi, size_t gj, int *st, float *val)
{
    *st = 1;
    *val = 0.0f;
    for (size_t i = gi * br; i < (gi + 1) * br && i < v->rows; i++)
        for (size_t j = gj * bc; j < (gj + 1) * bc && j < v->cols; j++) {
            float x = v->at(v, i, j);
            if (isnan(x)) {
                *st = 2;
                return;
            }
            if (x == 0.0f) continue;
            if (*st == 1 || fabsf(x) > fabsf(*val)) *val = x;
            *st = 0;
        }
}

/* The PNG of the panel at s, decoded. */
static void panel_png(const segment *s, png_image *img)
{
    const char *im = strstr(s->start, "<image class=\"raster\"");
    assert_non_null(im);
    assert_true(im < s->end);
    const char *u = strstr(im, "xlink:href=\"data:image/png;base64,");
    assert_non_null(u);
    u += strlen("xlink:href=\"data:image/png;base64,");
    const char *q = strchr(u, '"');
    assert_non_null(q);
    size_t n = 0;
    unsigned char *png = b64_decode(u, (size_t)(q - u), &n);
    png_decode(png, n, img);
    free(png);
}

static void check_raster(const char *const *args, int each)
{
    run *r = plot_run(args);
    size_t C = r->e.C, F = r->e.F;
    size_t br = cdiv(C, PLOT_MAX_CELLS), bc = cdiv(F, PLOT_MAX_CELLS), gr = cdiv(C, br), gc = cdiv(F, bc);
    segment s[4];
    size_t np = panels(r->svg, s, 4);
    assert_int_equal(np, (size_t)r->e.nheads);
    double shared = 0.0;
    for (size_t h = 0; h < np; h++) {
        tensor_view v = grad_view(r, (int)h, 1);
        shared = fmax(shared, view_vmax(&v));
    }
    size_t ends = 0, nonzero = 0;
    for (size_t h = 0; h < np; h++) {
        tensor_view v = grad_view(r, (int)h, 1);
        double vmax = each ? view_vmax(&v) : shared;
        png_image img;
        panel_png(&s[h], &img);
        assert_int_equal(img.w, gc);
        assert_int_equal(img.h, gr);
        /* the cell holding the panel's largest magnitude */
        size_t mi = 0, mj = 0;
        double best = -1.0;
        for (size_t i = 0; i < C; i++)
            for (size_t j = 0; j < F; j++) {
                double a = fabs((double)v.at(&v, i, j));
                if (isfinite(a) && a > best) best = a, mi = i, mj = j;
            }
        nonzero += best > 0.0;
        size_t zero_cells = 0;
        for (size_t gi = 0; gi < gr; gi++)
            for (size_t gj = 0; gj < gc; gj++) {
                int st;
                float val;
                reduce(&v, br, bc, gi, gj, &st, &val);
                const unsigned char *px = img.rgba + 4 * (gi * gc + gj);
                if (st == 1) {
                    if (px[3] != 0) fail_msg("head %zu block (%zu, %zu) is all zero but opaque", h, gi, gj);
                    zero_cells++;
                    continue;
                }
                unsigned want[3] = {0, 0, 0};
                if (st == 0) {
                    char hex[8];
                    plot_color(hex, (double)val / vmax);
                    assert_int_equal(sscanf(hex, "#%2x%2x%2x", &want[0], &want[1], &want[2]), 3);
                }
                if (px[3] != 255 || px[0] != want[0] || px[1] != want[1] || px[2] != want[2])
                    fail_msg("head %zu block (%zu, %zu): rgba %u,%u,%u,%u, want %u,%u,%u,255", h, gi, gj, px[0], px[1],
                             px[2], px[3], want[0], want[1], want[2]);
            }
        /* the largest value's block is an end colour when this panel sets
         * the scale */
        if (best > 0.0 && best == vmax) {
            const unsigned char *px = img.rgba + 4 * (mi / br * gc + mj / bc);
            char end[8];
            unsigned e3[3];
            plot_color(end, v.at(&v, mi, mj) < 0 ? -1.0 : 1.0);
            assert_int_equal(sscanf(end, "#%2x%2x%2x", &e3[0], &e3[1], &e3[2]), 3);
            if (!(px[0] == e3[0] && px[1] == e3[1] && px[2] == e3[2] && px[3] == 255))
                fail_msg("head %zu: the block of the largest value %g at (%zu, %zu) is %u,%u,%u,%u, not %s", h,
                         (double)v.at(&v, mi, mj), mi, mj, px[0], px[1], px[2], px[3], end);
            ends++;
        }
        /* a hatched layer under the image exactly when a cell is zero */
        assert_int_equal(count(s[h].start, s[h].end, "<rect class=\"raster-zero\""), zero_cells > 0);
        free(img.rgba);
    }
    if (ends < 1 && nonzero > 0) fail_msg("%s: no panel has the end colour (shared %g)", args[1], shared);
    if (each) assert_int_equal(ends, nonzero);
    run_free(r);
}

static void test_block_reduction_raster(void **state)
{
    (void)state;
    /* 600 x 300 in 3 x 2 blocks: a 200 x 150 grid (30000 cells > 4096);
     * --init-std 0.01 keeps sigmoid(z) below 1, so its target row moves */
    static const char *const a[] = {"--classes", "600", "--features", "300", "--init-std", "0.01", NULL};
    check_raster(a, 0);
    /* per-panel scales; signed; the naive softmax partly nan */
    static const char *const b[] = {"--classes", "600", "--features", "300", "--plot-scale", "each", "--no-abs", NULL};
    check_raster(b, 1);
    /* unreduced but past 4096 cells: one weight per pixel */
    static const char *const c[] = {"--classes", "70",       "--features", "70",  "--target",
                                    "69",        "--stable", "--init-std", "0.1", NULL};
    check_raster(c, 0);
    static const char *const d[] = {"--classes", "70",           "--features", "70", "--target",
                                    "69",        "--plot-scale", "each",       NULL};
    check_raster(d, 1); /* sigmoid all zero, softmax all nan */
    /* the sigmoid panel: blocks of rows 15..17 are all zero, transparent;
     * rows 0..2 hold target row 1, opaque */
    run *r = plot_run(a);
    segment s[4];
    assert_int_equal(panels(r->svg, s, 4), 2);
    png_image img;
    panel_png(&s[0], &img);
    for (size_t j = 0; j < img.w; j++) {
        assert_int_equal(img.rgba[4 * (5 * img.w + j) + 3], 0);
        assert_int_equal(img.rgba[4 * (0 * img.w + j) + 3], 255);
    }
    free(img.rgba);
    run_free(r);
}

/* ------------------------------------------------------------------------ */
/* Layers, curves, nan                                                      */
/* ------------------------------------------------------------------------ */

static void test_hidden_layers(void **state)
{
    (void)state;
    static const char *const args[] = {"--hidden", "4,3", NULL};
    run *r = plot_run(args);
    segment s[8];
    assert_int_equal(panels(r->svg, s, 8), 6);
    static const long rows[] = {4, 3, 3}, cols[] = {5, 4, 3};
    static const char *const heads[] = {"sigmoid", "softmax"};
    for (size_t k = 0; k < 6; k++) {
        size_t h = k / 3, l = k % 3;
        char buf[32];
        assert_int_equal(attr(s[k].start, "data-head", buf, sizeof buf), 0);
        assert_string_equal(buf, heads[h]);
        assert_int_equal(attr_long(s[k].start, "data-layer"), l + 1);
        assert_int_equal(attr_long(s[k].start, "data-rows"), rows[l]);
        assert_int_equal(attr_long(s[k].start, "data-cols"), cols[l]);
        /* the target belongs to the last layer only */
        assert_int_equal(attr(s[k].start, "data-target", buf, sizeof buf) == 0, l == 2);
        assert_int_equal(count(s[k].start, s[k].end, "<rect class=\"target\""), l == 2);
        assert_int_equal(count(s[k].start, s[k].end, "<rect class=\"cell"), rows[l] * cols[l]);
        snprintf(buf, sizeof buf, "layer %zu W.grad", l + 1);
        assert_int_equal(count(s[k].start, s[k].end, buf), 1);
        /* and each cell's text is its element of that layer's gradient */
        tensor_view v = grad_view(r, (int)h, l + 1);
        assert_int_equal(v.rows, rows[l]);
        assert_int_equal(v.cols, cols[l]);
    }
    run_free(r);
}

typedef struct {
    double x, y;
} pt;

/* The points of head's loss curve (caller frees). */
static pt *curve_points(const char *svg, const char *head, size_t *n)
{
    char key[96];
    snprintf(key, sizeof key, "<polyline class=\"curve\" data-head=\"%s\"", head);
    const char *p = strstr(svg, key);
    if (p == NULL) fail_msg("no curve for %s", head);
    assert_null(strstr(p + 1, key)); /* one per head */
    p = strstr(p, "points=\"");
    assert_non_null(p);
    p += 8;
    const char *q = strchr(p, '"');
    assert_non_null(q);
    pt *v = malloc(((size_t)(q - p) / 4 + 1) * sizeof *v);
    assert_non_null(v);
    size_t k = 0;
    while (p < q) {
        char *e;
        v[k].x = strtod(p, &e);
        assert_int_equal(*e, ',');
        v[k].y = strtod(e + 1, &e);
        assert_true(*e == ' ');
        p = e + 1;
        k++;
    }
    *n = k;
    return v;
}

static void test_loss_curves(void **state)
{
    (void)state;
    static const char *const ten[] = {"--steps", "10", NULL};
    run *r = plot_run(ten);
    assert_int_equal(count(r->svg, r->svg + r->len, "<polyline class=\"curve\""), 2);
    for (int h = 0; h < 2; h++) {
        size_t n = 0;
        pt *v = curve_points(r->svg, LOSS_NAMES[r->e.heads[h].kind], &n);
        assert_int_equal(n, 11);
        for (size_t k = 1; k < n; k++) {
            assert_true(v[k].x > v[k - 1].x);
            /* the blog's losses fall at every step: the curve rises on screen */
            float a = r->e.heads[h].curve[k - 1], b = r->e.heads[h].curve[k];
            assert_true(a > b);
            assert_true(v[k].y > v[k - 1].y);
        }
        /* equally spaced in steps */
        for (size_t k = 2; k < n; k++) assert_true(fabs((v[k].x - v[k - 1].x) - (v[1].x - v[0].x)) < 0.021);
        free(v);
    }
    run_free(r);
    /* more steps than pixel columns: at most three points a column (the
     * streamed path replays W, so its run is kept short; --batch 1 takes
     * the dense path with the same numbers) */
    static const char *const many[] = {"--steps", "5000", "--batch", "1", NULL};
    static const char *const streamed[] = {"--steps", "1200", NULL};
    static const char *const *const runs[] = {many, streamed};
    for (size_t k = 0; k < 2; k++) {
        r = plot_run(runs[k]);
        const char *area = strstr(r->svg, "<rect class=\"plot-area\"");
        assert_non_null(area);
        double pw = attr_double(area, "width"), px = attr_double(area, "x");
        assert_true(pw > 100.0);
        for (int h = 0; h < 2; h++) {
            size_t n = 0;
            pt *v = curve_points(r->svg, LOSS_NAMES[r->e.heads[h].kind], &n);
            assert_true(n <= 3 * ((size_t)pw + 1));
            assert_true(n >= (size_t)pw); /* and every column is drawn */
            assert_true(n < (size_t)r->e.steps + 1);
            assert_true(fabs(v[0].x - px) < 0.01); /* step 0 at the left edge */
            assert_true(v[n - 1].x > px + pw - 2.0);
            for (size_t i = 1; i < n; i++) assert_true(v[i].x >= v[i - 1].x);
            free(v);
        }
        run_free(r);
    }
    /* no steps: no curves */
    static const char *const none[] = {NULL};
    r = plot_run(none);
    assert_int_equal(count(r->svg, r->svg + r->len, "<g class=\"curves\""), 0);
    assert_int_equal(count(r->svg, r->svg + r->len, "polyline"), 0);
    run_free(r);
}

/* Whether the title says "log scale", against the curves' own span. */
static void check_log_axis(const char *const *args, int want)
{
    run *r = plot_run(args);
    double lo = INFINITY, hi = -INFINITY;
    for (int h = 0; h < r->e.nheads; h++)
        for (long t = 0; t <= r->e.steps; t++) {
            double v = r->e.heads[h].curve[t];
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    int logy = count(r->svg, r->svg + r->len, "Loss before each SGD step (log scale)<") == 1;
    assert_int_equal(count(r->svg, r->svg + r->len, "Loss before each SGD step"), 1);
    if (logy != want) fail_msg("losses %g .. %g (%.1fx): log axis %d, want %d", lo, hi, hi / lo, logy, want);
    assert_int_equal(want, hi / lo > 20.0);
    run_free(r);
}

static void test_log_axis(void **state)
{
    (void)state;
    /* sigmoid ~0.07 and softmax 2.4 .. 0.27: 39x */
    static const char *const a[] = {"--steps", "10", NULL};
    check_log_axis(a, 1);
    static const char *const b[] = {"--steps", "10", "--loss", "sigmoid", NULL}; /* 0.077 .. 0.062 */
    check_log_axis(b, 0);
    static const char *const c[] = {"--steps", "3", "--loss", "softmax", NULL}; /* 2.4 .. 0.85 */
    check_log_axis(c, 0);
    static const char *const d[] = {"--steps", "100", "--lr", "1", "--loss", "softmax", NULL};
    check_log_axis(d, 1);
}

static void test_nan_cells(void **state)
{
    (void)state;
    static const char *const args[] = {"--classes", "50", "--features", "50", "--init-std", "20", NULL};
    run *r = plot_run(args);
    segment s[4];
    assert_int_equal(panels(r->svg, s, 4), 2);
    tensor_view v = grad_view(r, 1, 1);
    size_t nans = 0;
    for (size_t i = 0; i < 50; i++)
        for (size_t j = 0; j < 50; j++) nans += isnan(v.at(&v, i, j)) != 0;
    assert_true(nans > 0);
    assert_int_equal(count(s[1].start, s[1].end, "<rect class=\"cell nan\""), nans);
    assert_int_equal(count(s[0].start, s[0].end, "<rect class=\"cell nan\""), 0);
    const char *c = strstr(s[1].start, "<rect class=\"cell nan\"");
    char fill[32];
    assert_int_equal(attr(c, "fill", fill, sizeof fill), 0);
    assert_string_equal(fill, "#000000");
    const char *legend = strstr(r->svg, "<g class=\"legend\"");
    assert_non_null(legend);
    assert_int_equal(count(legend, r->svg + r->len, ">nan</text>"), 1);
    run_free(r);
    /* the example config: 10000 features in blocks of 40, so a nan weight
     * makes its whole block nan */
    static const char *const ex[] = {"--config", "examples/naive-overflow.conf", NULL};
    r = plot_run(ex);
    assert_int_equal(panels(r->svg, s, 4), 2);
    assert_int_equal(attr_long(s[1].start, "data-cols"), 250);
    v = grad_view(r, 1, 1);
    size_t nan_blocks = 0;
    for (size_t gi = 0; gi < 5; gi++)
        for (size_t gj = 0; gj < 250; gj++) {
            int st;
            float val;
            reduce(&v, 1, 40, gi, gj, &st, &val);
            nan_blocks += st == 2;
        }
    assert_true(nan_blocks > 0);
    assert_int_equal(count(s[1].start, s[1].end, "<rect class=\"cell nan\""), nan_blocks);
    legend = strstr(r->svg, "<g class=\"legend\"");
    assert_non_null(legend);
    assert_int_equal(count(legend, r->svg + r->len, ">nan</text>"), 1);
    run_free(r);
    /* and as pixels of an embedded image, black and opaque */
    static const char *const big[] = {"--classes", "80", "--features", "80", "--init-std", "20", NULL};
    r = plot_run(big);
    assert_int_equal(panels(r->svg, s, 4), 2);
    png_image img;
    panel_png(&s[1], &img);
    v = grad_view(r, 1, 1);
    size_t black = 0;
    for (size_t k = 0; k < img.w * img.h; k++) {
        int is_nan = isnan(v.at(&v, k / img.w, k % img.w)) != 0;
        int is_black =
            img.rgba[4 * k] == 0 && img.rgba[4 * k + 1] == 0 && img.rgba[4 * k + 2] == 0 && img.rgba[4 * k + 3] == 255;
        assert_int_equal(is_nan, is_black);
        black += (size_t)is_black;
    }
    assert_true(black > 0);
    free(img.rgba);
    legend = strstr(r->svg, "<g class=\"legend\"");
    assert_non_null(legend);
    assert_int_equal(count(legend, r->svg + r->len, ">nan</text>"), 1);
    run_free(r);
}

/* ------------------------------------------------------------------------ */
/* Well-formed XML, standalone, write errors                                */
/* ------------------------------------------------------------------------ */

/* Runs python3's XML parser on each file (no shell: fork and exec);
 * returns its exit status, 0 when every file parsed as an SVG document. */
static int xml_parse(char paths[][96], size_t n)
{
    static const char PROG[] = "import sys, xml.etree.ElementTree as E\n"
                               "for f in sys.argv[1:]:\n"
                               "    r = E.parse(f).getroot()\n"
                               "    assert r.tag == '{http://www.w3.org/2000/svg}svg', r.tag\n";
    char *argv[16];
    size_t k = 0;
    argv[k++] = (char *)"/usr/bin/python3";
    argv[k++] = (char *)"-c";
    argv[k++] = (char *)PROG;
    assert_true(n + 4 <= sizeof argv / sizeof *argv);
    for (size_t i = 0; i < n; i++) argv[k++] = paths[i];
    argv[k] = NULL;
    assert_int_equal(fflush(NULL), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) (void)dup2(null, 2); /* the expected failure's traceback */
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void test_xml_well_formed(void **state)
{
    (void)state;
    if (access("/usr/bin/python3", X_OK) != 0) skip();
    char dir[] = "/tmp/gradexp-plot-XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const char *const blog[] = {NULL};
    static const char *const hidden[] = {"--hidden", "4,3", "--steps", "5", "--plot-scale", "each", NULL};
    static const char *const raster[] = {"--classes", "600", "--features", "300", NULL};
    static const char *const nan[] = {"--classes", "50", "--features", "50", "--init-std", "20", NULL};
    static const char *const batch[] = {"--batch", "3", "--target", "0,2,1", "--steps", "5000", NULL};
    static const char *const sci[] = {"--no-abs", "--stable", "--init-std", "30", "--classes", "4", NULL};
    static const char *const *const cases[] = {blog, hidden, raster, nan, batch, sci};
    enum { NCASES = sizeof cases / sizeof *cases };
    char paths[NCASES + 1][96];
    for (size_t k = 0; k < NCASES; k++) {
        run *r = plot_run(cases[k]);
        snprintf(paths[k], sizeof paths[k], "%s/%zu.svg", dir, k);
        FILE *f = fopen(paths[k], "w");
        assert_non_null(f);
        assert_int_equal(fwrite(r->svg, 1, r->len, f), r->len);
        assert_int_equal(fclose(f), 0);
        /* the standalone document starts with the XML declaration */
        assert_int_equal(strncmp(r->svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44), 0);
        run_free(r);
    }
    assert_int_equal(xml_parse(paths, NCASES), 0);
    /* the checker does fail on a broken document */
    snprintf(paths[NCASES], sizeof paths[NCASES], "%s/bad.svg", dir);
    FILE *f = fopen(paths[NCASES], "w");
    assert_non_null(f);
    assert_true(fputs("<svg xmlns=\"http://www.w3.org/2000/svg\"><g></svg>\n", f) >= 0);
    assert_int_equal(fclose(f), 0);
    assert_int_not_equal(xml_parse(paths + NCASES, 1), 0);
    for (size_t k = 0; k <= NCASES; k++) assert_int_equal(unlink(paths[k]), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_inline_svg(void **state)
{
    (void)state;
    static const char *const args[] = {NULL};
    run *r = plot_run(args);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(svg_plot(f, &r->e, &r->o, 0), PLOT_OK);
    assert_int_equal(fclose(f), 0);
    /* the same figure without the declaration */
    assert_int_equal(strncmp(text, "<svg ", 5), 0);
    const char *body = strstr(r->svg, "<svg ");
    assert_non_null(body);
    assert_string_equal(text, body);
    /* and the same bytes every time */
    free(text);
    text = NULL;
    FILE *g = open_memstream(&text, &len);
    assert_non_null(g);
    assert_int_equal(svg_plot(g, &r->e, &r->o, 1), PLOT_OK);
    assert_int_equal(fclose(g), 0);
    assert_string_equal(text, r->svg);
    free(text);
    run_free(r);
}

static void test_write_error(void **state)
{
    (void)state;
    static const char *const small[] = {NULL};
    static const char *const raster[] = {"--classes", "600", "--features", "300", NULL};
    static const char *const *const cases[] = {small, raster};
    for (size_t k = 0; k < 2; k++) {
        run *r = plot_run(cases[k]);
        FILE *f = fopen("/dev/full", "w");
        if (!f) skip();
        static char buf[64];
        assert_int_equal(setvbuf(f, buf, _IOFBF, sizeof buf), 0);
        assert_int_equal(svg_plot(f, &r->e, &r->o, 1), PLOT_WRITE);
        (void)fclose(f); /* /dev/full: closing fails too */
        run_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_small_images),
        cmocka_unit_test(test_png_multiple_stored_blocks),
        cmocka_unit_test(test_png_rejects_empty_and_oversized),
        cmocka_unit_test(test_png_data_uri),
        cmocka_unit_test(test_png_data_uri_write_error),
        cmocka_unit_test(test_plot_color_ends_and_centre),
        cmocka_unit_test(test_plot_color_clamps),
        cmocka_unit_test(test_plot_color_monotone_lightness),
        cmocka_unit_test(test_blog_zero_cells_and_target),
        cmocka_unit_test(test_blog_cell_text),
        cmocka_unit_test(test_cell_text_is_torch_text),
        cmocka_unit_test(test_exact_zero_vs_tiny),
        cmocka_unit_test(test_plot_scale),
        cmocka_unit_test(test_block_grid_sizes),
        cmocka_unit_test(test_block_reduction_raster),
        cmocka_unit_test(test_hidden_layers),
        cmocka_unit_test(test_loss_curves),
        cmocka_unit_test(test_log_axis),
        cmocka_unit_test(test_nan_cells),
        cmocka_unit_test(test_xml_well_formed),
        cmocka_unit_test(test_inline_svg),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests_name("plot", tests, NULL, NULL);
}
