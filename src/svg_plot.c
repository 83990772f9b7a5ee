/* svg_plot.c - the SVG figure of a run (see svg_plot.h).
 *
 * Two passes. The first reads every gradient panel through its tensor view,
 * in row order, into a grid of at most PLOT_MAX_CELLS x PLOT_MAX_CELLS
 * cells: a cell stands for a block of weights and keeps the block's value
 * of largest magnitude (sign kept), whether every weight of it is exactly
 * zero, and whether any is nan. The second lays the panels out (heads side
 * by side, layers top to bottom), then writes them, the colour bars, the
 * legend and, with --steps, the loss curves on shared axes.
 *
 * Exact zeros are hatched (white with grey diagonal stripes), so they can
 * never be mistaken for the near-white of a tiny nonzero value. */
#include "svg_plot.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "png.h"
#include "tensor_print.h"

/* ColorBrewer RdBu, 11 classes, from +1 (dark red) to -1 (dark blue). */
static const unsigned char RDBU[11][3] = {
    {0x67, 0x00, 0x1f}, {0xb2, 0x18, 0x2b}, {0xd6, 0x60, 0x4d}, {0xf4, 0xa5, 0x82},
    {0xfd, 0xdb, 0xc7}, {0xf7, 0xf7, 0xf7}, {0xd1, 0xe5, 0xf0}, {0x92, 0xc5, 0xde},
    {0x43, 0x93, 0xc3}, {0x21, 0x66, 0xac}, {0x05, 0x30, 0x61},
};

/* Okabe and Ito's colour-blind-safe palette, for the loss curves. */
static const char *const CURVE_COLORS[] = {"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"};

/* Grids with more cells are drawn as one embedded image, not rectangles. */
#define PLOT_RECT_CELLS 4096
#define FONT "DejaVu Sans, Arial, Helvetica, sans-serif"
#define MARGIN 24
#define TITLE_H 76
#define LABEL_W 112 /* row labels left of a grid */
#define HEAD_H 58   /* panel title and column labels above a grid */
#define FOOT_H 52   /* axis caption (and reduction note) below a grid */
#define BAR_W 78    /* a colour bar with its ticks */
#define PANEL_GAP 28
#define CURVE_W 640
#define CURVE_H 260

/* plot_color's colour as its three 0..255 components. */
static void plot_rgb(unsigned char rgb[3], double t)
{
    if (!(t >= -1.0)) t = -1.0; /* also nan */
    if (t > 1.0) t = 1.0;
    double pos = (1.0 - t) * 5.0; /* 0 at +1, 5 at 0, 10 at -1 */
    int k = (int)pos;
    if (k > 9) k = 9;
    double f = pos - k;
    for (int i = 0; i < 3; i++) rgb[i] = (unsigned char)lround(RDBU[k][i] + f * (RDBU[k + 1][i] - RDBU[k][i]));
}

void plot_color(char *buf, double t)
{
    unsigned char c[3];
    plot_rgb(c, t);
    snprintf(buf, 8, "#%02x%02x%02x", (unsigned)c[0], (unsigned)c[1], (unsigned)c[2]);
}

/* Relative luminance of plot_color(t) (0 black .. 1 white), to pick black
 * or white text on it. */
static double luminance(double t)
{
    unsigned char c[3];
    plot_rgb(c, t);
    return (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255.0;
}

enum { CELL_VALUE = 0, CELL_ZERO = 1, CELL_NAN = 2 };

/* One heatmap: a gradient reduced to gr x gc cells of br x bc weights. */
typedef struct {
    int head;
    size_t layer, L;
    size_t rows, cols; /* the matrix */
    size_t br, bc;     /* weights per cell along each axis */
    size_t gr, gc;     /* cells */
    float *val;        /* (gr, gc) largest-magnitude value of the block */
    unsigned char *st; /* (gr, gc) CELL_* */
    double vmax;       /* largest finite magnitude in the panel */
    int values;        /* print each value in its cell */
    char *text;        /* (rows, cols) with values: each element's text, VALUE_TEXT bytes a cell */
    double cw, ch;     /* a cell's size in pixels */
    double x, y;       /* the grid's top left corner */
    double w, h;       /* the whole panel (labels and bar included) */
    int has_nan, has_zero;
} panel;

static size_t ceil_div(size_t a, size_t b)
{
    return a / b + (a % b != 0);
}

/* The longest value text a cell keeps. */
#define VALUE_TEXT 128

/* Each element's text as torch prints this tensor (the user's precision
 * and sci-mode, its choice of integer, fixed or scientific notation, "-0."
 * and all), cut out of tensor_print's own output: the whole tensor is
 * printed unsummarised and uncoloured into memory and split at brackets,
 * commas and white space. 0 or -1 (no memory). */
static int panel_texts(panel *p, const tensor_view *v, const print_options *po)
{
    if (p->rows == 0 || p->cols == 0) return 0; /* no cells (not reached: sizes are at least 1) */
    p->text = calloc(p->rows * p->cols, VALUE_TEXT);
    if (p->text == NULL) return -1;
    print_options opt = *po;
    opt.color = 0;
    opt.threshold = LONG_MAX;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (mem == NULL) return -1;
    int rc = tensor_print(mem, v, &opt);
    if (fclose(mem) != 0 || rc == -1) {
        free(buf);
        return -1;
    }
    size_t n = 0;
    const char *c = rc == 0 && !strncmp(buf, "tensor(", 7) ? buf + 7 : "";
    while (*c && *c != ')' && n < p->rows * p->cols) {
        size_t k = strcspn(c, "[], \n)");
        if (k == 0) {
            c++;
            continue;
        }
        snprintf(p->text + n * VALUE_TEXT, VALUE_TEXT, "%.*s", (int)k, c);
        n++;
        c += k;
    }
    free(buf);
    /* torch raised (a negative precision): the cells show plain %g */
    const size_t rows = p->rows, cols = p->cols; /* (the writes below cannot change them) */
    for (size_t k = n == rows * cols ? n : 0; cols > 0 && k < rows * cols; k++)
        snprintf(p->text + k * VALUE_TEXT, VALUE_TEXT, "%g", (double)v->at(v, k / cols, k % cols));
    return 0;
}

/* Reads the view into p's grid. 0 or -1 (no memory). */
static int panel_reduce(panel *p, const tensor_view *v, const print_options *po)
{
    p->rows = v->rows;
    p->cols = v->cols;
    p->br = ceil_div(p->rows, PLOT_MAX_CELLS);
    p->bc = ceil_div(p->cols, PLOT_MAX_CELLS);
    p->gr = ceil_div(p->rows, p->br);
    p->gc = ceil_div(p->cols, p->bc);
    p->val = calloc(p->gr * p->gc, sizeof *p->val);
    p->st = malloc(p->gr * p->gc);
    if (p->val == NULL || p->st == NULL) return -1;
    memset(p->st, CELL_ZERO, p->gr * p->gc);
    p->vmax = 0.0;
    for (size_t i = 0; i < p->rows; i++) {
        size_t gi = i / p->br;
        for (size_t j = 0; j < p->cols; j++) {
            float x = v->at(v, i, j);
            size_t k = gi * p->gc + j / p->bc;
            if (p->st[k] == CELL_NAN) continue;
            if (isnan(x)) {
                p->st[k] = CELL_NAN;
                continue;
            }
            if (x == 0.0f) continue;
            if (p->st[k] == CELL_ZERO || fabsf(x) > fabsf(p->val[k])) p->val[k] = x;
            p->st[k] = CELL_VALUE;
        }
    }
    p->has_nan = p->has_zero = 0;
    for (size_t k = 0; k < p->gr * p->gc; k++) {
        if (p->st[k] == CELL_NAN) p->has_nan = 1;
        if (p->st[k] == CELL_ZERO) p->has_zero = 1;
        if (p->st[k] != CELL_VALUE) continue;
        double a = fabs((double)p->val[k]);
        if (isfinite(a) && a > p->vmax) p->vmax = a;
    }
    p->values = p->br == 1 && p->bc == 1 && p->rows <= PLOT_VALUE_CELLS && p->cols <= PLOT_VALUE_CELLS;
    return p->values ? panel_texts(p, v, po) : 0;
}

/* A colour bar tick: %.3g of v. */
static void tick_text(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.3g", v == 0.0 ? 0.0 : v);
}

typedef struct {
    FILE *out;
    int failed;
    int nomem;
} svg;

static void put(svg *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(svg *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(s->out, fmt, ap) < 0) s->failed = 1;
    va_end(ap);
}

/* A short description of the run for the title line. */
static void describe(char *buf, size_t len, const experiment *e, const gradexp_options *o)
{
    char seed[32];
    if (o->seed_negative) snprintf(seed, sizeof seed, "-%llu", (unsigned long long)((uint64_t)0 - o->seed));
    else snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    char tgt[48];
    if (e->N == 1) snprintf(tgt, sizeof tgt, "target %zu", e->spec.targets[0]);
    else snprintf(tgt, sizeof tgt, "batch %zu", e->N);
    char net[256] = "";
    if (e->L > 1) {
        size_t n = (size_t)snprintf(net, sizeof net, ", hidden ");
        for (size_t l = 1; l < e->L && n < sizeof net; l++)
            n += (size_t)snprintf(net + n, sizeof net - n, "%s%zu", l > 1 ? "," : "", e->spec.dims[l]);
        if (n < sizeof net) snprintf(net + n, sizeof net - n, " %s", ACT_NAMES[o->act]);
    }
    char steps[96] = "";
    if (e->steps > 0) snprintf(steps, sizeof steps, ", %ld SGD steps (lr %g)", e->steps, o->lr);
    snprintf(buf, len, "seed %s, %zu classes \xc3\x97 %zu features, %s%s%s%s%s; PyTorch %s, %s kernels", seed, e->C,
             e->F, tgt, net, steps, o->stable ? ", stable" : "", o->no_abs ? ", signed" : "", o->torch->name,
             torch_cpu_name(o->cpu));
}

/* Whether class i is a target of the run. */
static int is_target(const experiment *e, size_t i)
{
    for (size_t n = 0; n < e->N; n++)
        if (e->spec.targets[n] == i) return 1;
    return 0;
}

/* Sizes a panel's cells and its box. */
static void panel_size(panel *p, int each)
{
    if (p->values) {
        size_t longest = 1;
        for (size_t k = 0; k < p->gr * p->gc; k++)
            if (strlen(p->text + k * VALUE_TEXT) > longest) longest = strlen(p->text + k * VALUE_TEXT);
        p->cw = fmax(46.0, 8.0 * (double)longest + 14.0);
        p->ch = 34.0;
    } else {
        size_t most = p->gr > p->gc ? p->gr : p->gc;
        double c = floor(512.0 / (double)most);
        if (c > 28.0) c = 28.0;
        if (c < 2.0) c = 2.0;
        p->cw = p->ch = c;
    }
    p->w = LABEL_W + p->cw * (double)p->gc + (each ? BAR_W + 8 : 0);
    p->h = HEAD_H + p->ch * (double)p->gr + FOOT_H;
}

/* A round tick spacing near span: 1, 2 or 5 times a power of ten. */
static double nice_step(double span)
{
    if (!(span > 0.0) || !isfinite(span)) return 1.0;
    double unit = pow(10.0, floor(log10(span))), f = span / unit;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * unit;
}

/* A vertical colour bar at (x, y), height h, for -vmax .. vmax. */
static void colorbar(svg *s, double x, double y, double h, double vmax, int id)
{
    put(s, "<g class=\"colorbar\">\n<defs><linearGradient id=\"cbar%d\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">", id);
    for (int k = 0; k <= 10; k++) {
        char c[8];
        plot_color(c, 1.0 - k / 5.0);
        put(s, "<stop offset=\"%d%%\" stop-color=\"%s\"/>", k * 10, c);
    }
    put(s, "</linearGradient></defs>\n");
    put(s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"%.1f\" fill=\"url(#cbar%d)\" stroke=\"#444\"/>\n", x, y,
        h, id);
    /* ticks: the ends (+-vmax), 0, and round values between them */
    double step = nice_step(vmax / 2.0), ticks[16];
    int nt = 0;
    ticks[nt++] = 0.0;
    if (vmax > 0.0) {
        ticks[nt++] = vmax;
        ticks[nt++] = -vmax;
        for (int m = 1; m * step < vmax * 0.85 && nt + 2 <= 16; m++) {
            ticks[nt++] = m * step;
            ticks[nt++] = -m * step;
        }
    }
    for (int k = 0; k < nt; k++) {
        double ty = y + h * (1.0 - (vmax > 0.0 ? ticks[k] / vmax : 0.0)) / 2.0;
        char t[32];
        tick_text(t, sizeof t, ticks[k]);
        put(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>", x + 18, ty, x + 23, ty);
        put(s, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" dominant-baseline=\"middle\">%s</text>\n", x + 26, ty, t);
    }
    put(s, "</g>\n");
}

/* One panel: title, column and row labels, cells, target outline. */
static void draw_panel(svg *s, const experiment *e, const panel *p, double vmax, const char *head, int each, int id)
{
    double gx = p->x, gy = p->y;
    double gw = p->cw * (double)p->gc, gh = p->ch * (double)p->gr;
    int last = p->layer == p->L;
    put(s, "<g class=\"panel\" data-head=\"%s\" data-layer=\"%zu\" data-rows=\"%zu\" data-cols=\"%zu\"", head, p->layer,
        p->gr, p->gc);
    if (last && e->N == 1) put(s, " data-target=\"%zu\"", e->spec.targets[0]);
    put(s, ">\n");
    if (p->L > 1)
        put(s,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"17\" font-weight=\"bold\">%s: layer %zu W.grad (%zu \xc3\x97 %zu)</text>\n",
            gx - LABEL_W + 4, gy - 36, head, p->layer, p->rows, p->cols);
    else
        put(s,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"17\" font-weight=\"bold\">%s: W.grad (%zu \xc3\x97 %zu)</text>\n",
            gx - LABEL_W + 4, gy - 36, head, p->rows, p->cols);
    /* column labels: every column when they fit, else a few */
    size_t cstep = p->cw >= 22.0 ? 1 : (size_t)ceil(40.0 / p->cw);
    for (size_t j = 0; j < p->gc; j += cstep)
        put(s, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" fill=\"#333\">%zu</text>\n",
            gx + p->cw * ((double)j + 0.5), gy - 8, j * p->bc);
    /* row labels */
    size_t rstep = p->ch >= 16.0 ? 1 : (size_t)ceil(20.0 / p->ch);
    for (size_t i = 0; i < p->gr; i++) {
        int tgt = 0;
        size_t which = 0;
        for (size_t r = i * p->br; r < (i + 1) * p->br && r < p->rows && last; r++)
            if (!tgt && is_target(e, r)) {
                tgt = 1;
                which = r;
            }
        if (i % rstep != 0 && !tgt) continue;
        const char *what = last ? "class" : "unit";
        put(s, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"end\" dominant-baseline=\"middle\"%s>",
            gx - 8, gy + p->ch * ((double)i + 0.5), tgt ? " font-weight=\"bold\"" : " fill=\"#333\"");
        if (tgt) put(s, "target \xe2\x96\xb6 %zu", which);
        else put(s, "%s %zu", what, i * p->br);
        put(s, "</text>\n");
    }
    /* cells: rectangles, or for a big grid one embedded PNG over the
     * hatching, its zero cells transparent */
    if (p->gr * p->gc > PLOT_RECT_CELLS) {
        unsigned char *rgba = malloc(p->gr * p->gc * 4);
        if (rgba == NULL) {
            s->nomem = 1;
            put(s, "</g>\n");
            return;
        }
        for (size_t k = 0; k < p->gr * p->gc; k++) {
            unsigned char c[3] = {0, 0, 0}; /* nan: black */
            if (p->st[k] == CELL_VALUE) plot_rgb(c, vmax > 0.0 ? (double)p->val[k] / vmax : 0.0);
            memcpy(rgba + 4 * k, c, 3);
            rgba[4 * k + 3] = p->st[k] == CELL_ZERO ? 0 : 255;
        }
        if (p->has_zero)
            put(s,
                "<rect class=\"raster-zero\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"url(#zero)\"/>\n",
                gx, gy, gw, gh);
        put(s,
            "<image class=\"raster\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" preserveAspectRatio=\"none\" "
            "image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" xlink:href=\"",
            gx, gy, gw, gh);
        int rc = png_write_data_uri(s->out, rgba, p->gc, p->gr);
        free(rgba);
        if (rc == -2) s->nomem = 1;
        if (rc == -1) s->failed = 1;
        put(s, "\"/>\n");
    }
    for (size_t i = 0; i < p->gr && p->gr * p->gc <= PLOT_RECT_CELLS; i++)
        for (size_t j = 0; j < p->gc; j++) {
            size_t k = i * p->gc + j;
            double cx = gx + p->cw * (double)j, cy = gy + p->ch * (double)i;
            char fill[16];
            const char *cls = "cell";
            if (p->st[k] == CELL_ZERO) {
                snprintf(fill, sizeof fill, "url(#zero)");
                cls = "cell zero";
            } else if (p->st[k] == CELL_NAN) {
                snprintf(fill, sizeof fill, "#000000");
                cls = "cell nan";
            } else {
                double t = vmax > 0.0 ? (double)p->val[k] / vmax : 0.0;
                plot_color(fill, t);
            }
            put(s,
                "<rect class=\"%s\" data-row=\"%zu\" data-col=\"%zu\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"",
                cls, i, j, cx, cy, p->cw, p->ch, fill);
            if (p->values || p->st[k] == CELL_ZERO)
                put(s, " stroke=\"#bdbdbd\" stroke-width=\"%s\"", p->cw >= 8 ? "1" : "0.3");
            put(s, "/>\n");
            if (p->values) {
                const char *t = p->text + k * VALUE_TEXT;
                if (p->st[k] == CELL_ZERO) /* the stripes stay clear of the digits */
                    put(s,
                        "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"16\" fill=\"#ffffff\" fill-opacity=\"0.85\"/>\n",
                        cx + p->cw / 2 - 3.7 * (double)strlen(t) - 3, cy + p->ch / 2 - 7, 7.4 * (double)strlen(t) + 6);
                const char *ink =
                    p->st[k] == CELL_NAN ||
                            (p->st[k] == CELL_VALUE && luminance(vmax > 0.0 ? (double)p->val[k] / vmax : 0.0) < 0.45)
                        ? "#ffffff"
                        : "#111111";
                put(s,
                    "<text x=\"%.2f\" y=\"%.2f\" font-size=\"12\" text-anchor=\"middle\" dominant-baseline=\"middle\" "
                    "fill=\"%s\" font-family=\"DejaVu Sans Mono, monospace\">%s</text>\n",
                    cx + p->cw / 2, cy + p->ch / 2 + 1, ink, t);
            }
        }
    /* the target rows' outline */
    if (last)
        for (size_t i = 0; i < p->gr; i++) {
            int tgt = 0;
            for (size_t r = i * p->br; r < (i + 1) * p->br && r < p->rows; r++)
                if (is_target(e, r)) tgt = 1;
            if (tgt)
                put(s,
                    "<rect class=\"target\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
                    "stroke=\"#111\" stroke-width=\"2.5\"/>\n",
                    gx - 1.25, gy + p->ch * (double)i - 1.25, gw + 2.5, p->ch + 2.5);
        }
    put(s,
        "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"#666\" stroke-width=\"1\"/>\n",
        gx, gy, gw, gh);
    /* captions below */
    put(s, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\" fill=\"#333\">columns: %s</text>\n",
        gx + gw / 2, gy + gh + 20, p->layer == 1 ? "features of X" : "units of the layer below");
    if (p->br > 1 || p->bc > 1)
        put(s,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"#333\">each cell: the largest-magnitude value (sign kept) of "
            "a %zu \xc3\x97 %zu block, %zu weights</text>\n",
            gx - LABEL_W + 4, gy + gh + 40, p->br, p->bc, p->br * p->bc);
    if (each) colorbar(s, gx + gw + 14, gy, gh < 120 ? 120 : gh, vmax, id);
    put(s, "</g>\n");
}

/* A value axis from a0 to a1 (in log10 units when logy). */
typedef struct {
    double a0, a1;
    int logy;
} axis;

/* Where v sits on the axis, 0 at a0 and 1 at a1. */
static double axis_pos(const axis *ax, double v)
{
    double a = ax->logy ? log10(v) : v;
    return (a - ax->a0) / (ax->a1 - ax->a0);
}

/* The loss curves of every head on shared axes, at (x, y). */
static void draw_curves(svg *s, const experiment *e, double x, double y)
{
    size_t n = (size_t)e->steps + 1;
    double lo = INFINITY, hi = -INFINITY;
    for (int h = 0; h < e->nheads; h++)
        for (size_t t = 0; t < n; t++) {
            double v = e->heads[h].curve[t];
            if (isfinite(v)) {
                lo = fmin(lo, v);
                hi = fmax(hi, v);
            }
        }
    if (!isfinite(lo)) lo = 0.0, hi = 1.0;
    if (hi - lo < 1e-12 * fmax(1.0, fabs(hi))) {
        double pad = fmax(fabs(hi) * 0.1, 1e-6);
        lo -= pad;
        hi += pad;
    }
    /* losses spanning more than 20x go on a log axis, so a head whose loss
     * is small still shows its curve */
    int logy = lo > 0.0 && hi / lo >= 20.0;
    double a0, a1; /* the axis range, in axis units (log10 on a log axis) */
    if (logy) {
        a0 = floor(log10(lo));
        a1 = ceil(log10(hi));
    } else {
        double every = nice_step((hi - lo) / 4.0);
        a0 = floor(lo / every) * every;
        a1 = ceil(hi / every) * every;
    }
    axis ax = {a0, a1, logy};
    double px = x + 70, py = y + 36, pw = CURVE_W - 90, ph = CURVE_H - 86;
    put(s, "<g class=\"curves\">\n");
    put(s, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"17\" font-weight=\"bold\">Loss before each SGD step%s</text>\n", x,
        y + 16, logy ? " (log scale)" : "");
    put(s,
        "<rect class=\"plot-area\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#ffffff\" stroke=\"#666\"/>\n",
        px, py, pw, ph);
    /* loss ticks: decades (with 2 and 5 when there are few) or round steps */
    double every = logy ? 1.0 : nice_step((a1 - a0) / 4.0);
    for (int q = 0; a0 + q * every <= a1 + every * 1e-9; q++) {
        double k = a0 + q * every;
        const double mult[3] = {1.0, 2.0, 5.0};
        for (int m = 0; m < (logy && a1 - a0 <= 3.0 ? 3 : 1); m++) {
            double v = logy ? mult[m] * pow(10.0, k) : k;
            if (logy && log10(v) > a1 + 1e-9) break;
            double ty = py + ph - ph * axis_pos(&ax, v);
            char t[32];
            tick_text(t, sizeof t, fabs(v) < every * 1e-9 ? 0.0 : v);
            put(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>", px, ty, px + pw, ty);
            put(s,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\" dominant-baseline=\"middle\">%s</text>\n",
                px - 6, ty, t);
        }
    }
    /* step ticks at a round spacing */
    double each = fmax(1.0, nice_step((double)e->steps / 4.0));
    for (long q = 0; (double)q * each <= (double)e->steps + 0.5; q++) {
        double step = (double)q * each;
        double tx = px + pw * step / (double)e->steps;
        put(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#666\"/>", tx, py + ph, tx, py + ph + 5);
        put(s, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">%.0f</text>\n", tx, py + ph + 18,
            step);
    }
    put(s, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\" fill=\"#333\">step</text>\n",
        px + pw / 2, py + ph + 38);
    /* one point per pixel column at most: a column's first, lowest and
     * highest points (in step order) keep the curve's shape */
    size_t cols = (size_t)pw;
    for (int h = 0; h < e->nheads; h++) {
        const char *color = CURVE_COLORS[h % (int)(sizeof CURVE_COLORS / sizeof *CURVE_COLORS)];
        put(s,
            "<polyline class=\"curve\" data-head=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" "
            "stroke-linejoin=\"round\" points=\"",
            LOSS_NAMES[e->heads[h].kind], color);
        for (size_t c = 0; c <= cols; c++) {
            size_t t0 = n > cols ? c * n / (cols + 1) : c, t1 = n > cols ? (c + 1) * n / (cols + 1) : c + 1;
            if (t0 >= n) break;
            if (t1 > n) t1 = n;
            size_t tl = t0, th = t0;
            for (size_t t = t0; t < t1; t++) {
                float v = e->heads[h].curve[t];
                if (!isfinite(v)) continue;
                if (!isfinite(e->heads[h].curve[tl]) || v < e->heads[h].curve[tl]) tl = t;
                if (!isfinite(e->heads[h].curve[th]) || v > e->heads[h].curve[th]) th = t;
            }
            size_t pick[3] = {t0, tl < th ? tl : th, tl < th ? th : tl};
            for (int q = 0; q < 3; q++) {
                if (q > 0 && pick[q] == pick[q - 1]) continue;
                float v = e->heads[h].curve[pick[q]];
                if (!isfinite(v)) continue;
                double vx = px + pw * (e->steps > 0 ? (double)pick[q] / (double)e->steps : 0.0);
                double vy = py + ph - ph * axis_pos(&ax, v);
                put(s, "%.2f,%.2f ", vx, vy);
            }
        }
        put(s, "\"/>\n");
        double ly = py + 14 + 22.0 * h;
        put(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>",
            px + pw - 130, ly, px + pw - 104, ly, color);
        put(s, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" dominant-baseline=\"middle\">%s</text>\n", px + pw - 98,
            ly, LOSS_NAMES[e->heads[h].kind]);
    }
    put(s, "</g>\n");
}

plot_status svg_plot(FILE *out, experiment *e, const gradexp_options *o, int standalone)
{
    size_t np = (size_t)e->nheads * e->L;
    panel *ps = calloc(np ? np : 1, sizeof *ps);
    if (ps == NULL) return PLOT_NOMEM;
    plot_status st = PLOT_OK;
    int each = o->plot_scale == PLOT_SCALE_EACH;
    for (size_t k = 0; k < np; k++) {
        panel *p = &ps[k];
        p->head = (int)(k / e->L);
        p->layer = k % e->L + 1;
        p->L = e->L;
        tensor_view v = experiment_layer(e, p->head, p->layer, LAYER_GRAD);
        if (panel_reduce(p, &v, &o->print) != 0) {
            st = PLOT_NOMEM;
            goto done;
        }
        panel_size(p, each);
    }
    double shared = 0.0;
    int any_zero = 0, any_nan = 0, any_reduced = 0;
    for (size_t k = 0; k < np; k++) {
        shared = fmax(shared, ps[k].vmax);
        any_zero |= ps[k].has_zero;
        any_nan |= ps[k].has_nan;
        any_reduced |= ps[k].br > 1 || ps[k].bc > 1;
    }
    /* layout: a column per head, a row per layer */
    double colw[MAX_LOSSES] = {0}, rowh[MAX_LAYERS] = {0};
    for (size_t k = 0; k < np; k++) {
        colw[ps[k].head] = fmax(colw[ps[k].head], ps[k].w);
        rowh[ps[k].layer - 1] = fmax(rowh[ps[k].layer - 1], ps[k].h);
    }
    double width = MARGIN, height = MARGIN + TITLE_H;
    for (int h = 0; h < e->nheads; h++) width += colw[h] + (h ? PANEL_GAP : 0);
    double bar_x = width + 10;
    if (!each) width += BAR_W + 18;
    double top = height;
    for (size_t l = 0; l < e->L; l++) height += rowh[l] + (l ? PANEL_GAP : 0);
    double legend_y = height + 8;
    height = legend_y + 34;
    double curve_y = height;
    if (e->steps > 0) height += CURVE_H;
    width = fmax(width + MARGIN, (double)(2 * MARGIN + CURVE_W));
    width = fmax(width, 760.0);
    for (size_t k = 0; k < np; k++) {
        panel *p = &ps[k];
        double cx = MARGIN, cy = top;
        for (int h = 0; h < p->head; h++) cx += colw[h] + PANEL_GAP;
        for (size_t l = 0; l + 1 < p->layer; l++) cy += rowh[l] + PANEL_GAP;
        p->x = cx + LABEL_W;
        p->y = cy + HEAD_H;
    }

    svg s = {out, 0, 0};
    int W = (int)ceil(width), H = (int)ceil(height);
    if (standalone) put(&s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    put(&s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"%s\" role=\"img\">\n",
        W, H, W, H, FONT);
    char desc[1024];
    describe(desc, sizeof desc, e, o);
    put(&s, "<title>gradexp: W.grad of each head (%s)</title>\n", desc);
    put(&s,
        "<defs><pattern id=\"zero\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
        "<rect width=\"6\" height=\"6\" fill=\"#ffffff\"/><rect width=\"1.6\" height=\"6\" fill=\"#8c8c8c\"/></pattern></defs>\n");
    put(&s, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
    put(&s, "<text x=\"%d\" y=\"%d\" font-size=\"22\" font-weight=\"bold\">W.grad under %s</text>\n", MARGIN,
        MARGIN + 14,
        e->nheads == 2 && e->heads[0].kind == LOSS_SIGMOID && e->heads[1].kind == LOSS_SOFTMAX
            ? "sigmoid and softmax heads"
            : (e->nheads == 1 ? "one head" : "each head"));
    put(&s, "<text x=\"%d\" y=\"%d\" font-size=\"14\" fill=\"#333\">%s</text>\n", MARGIN, MARGIN + 38, desc);
    put(&s,
        "<text x=\"%d\" y=\"%d\" font-size=\"14\" fill=\"#333\">colour: %s scale, symmetric around 0; the target row is "
        "outlined</text>\n",
        MARGIN, MARGIN + 58, each ? "each panel its own" : "one");
    for (size_t k = 0; k < np; k++)
        draw_panel(&s, e, &ps[k], each ? ps[k].vmax : shared, LOSS_NAMES[e->heads[ps[k].head].kind], each, (int)k);
    if (!each) colorbar(&s, bar_x, top + HEAD_H, fmax(120.0, rowh[0] - HEAD_H - FOOT_H), shared, (int)np);
    /* legend */
    double lx = MARGIN;
    put(&s, "<g class=\"legend\">\n");
    put(&s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"26\" height=\"20\" fill=\"url(#zero)\" stroke=\"#bdbdbd\"/>", lx,
        legend_y);
    put(&s,
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" dominant-baseline=\"middle\">exactly 0: no gradient at all%s</text>\n",
        lx + 32, legend_y + 10, any_reduced ? " (every weight of the cell)" : "");
    char pale[8];
    plot_color(pale, 0.0);
    lx += any_reduced ? 420 : 290;
    put(&s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"26\" height=\"20\" fill=\"%s\" stroke=\"#bdbdbd\"/>", lx, legend_y,
        pale);
    put(&s, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" dominant-baseline=\"middle\">tiny but not 0</text>\n",
        lx + 32, legend_y + 10);
    if (any_nan) {
        lx += 160;
        put(&s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"26\" height=\"20\" fill=\"#000000\"/>", lx, legend_y);
        put(&s, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" dominant-baseline=\"middle\">nan</text>\n", lx + 32,
            legend_y + 10);
    }
    (void)any_zero;
    put(&s, "</g>\n");
    if (e->steps > 0) draw_curves(&s, e, MARGIN, curve_y);
    put(&s, "</svg>\n");
    if (s.nomem) st = PLOT_NOMEM;
    else if (s.failed || ferror(out)) st = PLOT_WRITE;
done:
    for (size_t k = 0; k < np; k++) {
        free(ps[k].val);
        free(ps[k].st);
        free(ps[k].text);
    }
    free(ps);
    return st;
}
