/* html_print.c - the lesson page (see html_print.h). */
#include "html_print.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "gradcheck.h"
#include "svg_plot.h"

static const char STYLE[] =
    "body{font-family:\"DejaVu Sans\",Arial,Helvetica,sans-serif;font-size:22px;line-height:1.45;color:#111;"
    "background:#fff;max-width:1280px;margin:0 auto;padding:1em 1.2em}\n"
    "h1{font-size:1.75em;margin:.3em 0}h2{font-size:1.3em;margin:1.4em 0 .5em;border-bottom:3px solid #ccc}\n"
    "p.lead{font-size:1.1em}figure{margin:1em 0}figure svg{width:100%;height:auto}\n"
    "figcaption{font-size:.85em;color:#333}\n"
    "pre{font-family:\"DejaVu Sans Mono\",monospace;font-size:.8em;background:#f3f3f3;padding:.5em .7em;"
    "overflow-x:auto;line-height:1.3}\n"
    "li{margin:.3em 0}\n"
    "@media print{body{font-size:12pt;max-width:none;padding:0}pre{background:none;border:1px solid #bbb;"
    "white-space:pre-wrap}figure,pre,li{break-inside:avoid}h2{break-after:avoid}}\n";

/* Writes s with &, <, > and " escaped. */
static int esc(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *r = s[i] == '&'   ? "&amp;"
                        : s[i] == '<' ? "&lt;"
                        : s[i] == '>' ? "&gt;"
                        : s[i] == '"' ? "&quot;"
                                      : NULL;
        if (r ? fputs(r, out) == EOF : putc(s[i], out) == EOF) return -1;
    }
    return 0;
}

/* Paren depth change of a line of tensor text. */
static int depth(const char *s, size_t n)
{
    int d = 0;
    for (size_t i = 0; i < n; i++) d += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
    return d;
}

int html_text(FILE *out, const char *text)
{
    enum { NONE, PARA, LIST, ITEM, PRE } mode = NONE;
    int d = 0;
    const char *s = text;
    int rc = 0;
    while (*s && rc == 0) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        const char *next = nl ? nl + 1 : s + n;
        int blank = n == 0;
        if (mode == PRE) {
            rc |= fputc('\n', out) == EOF;
            rc |= esc(out, s, n);
            d += depth(s, n);
            if (d <= 0) {
                rc |= fputs("</pre>\n", out) == EOF;
                mode = NONE;
            }
            s = next;
            continue;
        }
        int tensor = n >= 7 && !strncmp(s, "tensor(", 7);
        int heading = n >= 3 && !strncmp(s, "== ", 3);
        int bullet = n >= 2 && !strncmp(s, "- ", 2);
        int cont = n >= 2 && !strncmp(s, "  ", 2) && (mode == ITEM);
        /* close what this line does not continue */
        if (mode == PARA && (blank || tensor || heading || bullet)) {
            rc |= fputs("</p>\n", out) == EOF;
            mode = NONE;
        }
        if ((mode == ITEM || mode == LIST) && !cont && !bullet) {
            rc |= fputs("</li></ul>\n", out) == EOF;
            mode = NONE;
        }
        if (blank) {
        } else if (heading) {
            rc |= fputs("<h2>", out) == EOF;
            rc |= esc(out, s + 3, n - 3);
            rc |= fputs("</h2>\n", out) == EOF;
        } else if (tensor || (mode == NONE && n >= 2 && !strncmp(s, "  ", 2))) {
            rc |= fputs("<pre>", out) == EOF;
            rc |= esc(out, s, n);
            d = depth(s, n);
            if (tensor && d > 0) mode = PRE;
            else rc |= fputs("</pre>\n", out) == EOF;
        } else if (bullet) {
            rc |= fputs(mode == ITEM ? "</li>\n<li>" : "<ul>\n<li>", out) == EOF;
            rc |= esc(out, s + 2, n - 2);
            mode = ITEM;
        } else if (cont) {
            rc |= fputc(' ', out) == EOF;
            rc |= esc(out, s + 2, n - 2);
        } else {
            rc |= fputs(mode == PARA ? " " : "<p>", out) == EOF;
            rc |= esc(out, s, n);
            mode = PARA;
            /* "W.grad:" before a tensor ends its paragraph; a colon
             * inside a wrapped sentence does not */
            if (s[n - 1] == ':' && !strncmp(next, "tensor(", 7)) {
                rc |= fputs("</p>\n", out) == EOF;
                mode = NONE;
            }
        }
        s = next;
    }
    if (mode == PARA) rc |= fputs("</p>\n", out) == EOF;
    if (mode == ITEM) rc |= fputs("</li></ul>\n", out) == EOF;
    if (mode == PRE) rc |= fputs("</pre>\n", out) == EOF;
    return rc ? -1 : 0;
}

html_status html_print(FILE *out, experiment *e, const gradexp_options *o, int *gradcheck_failed)
{
    char *text = NULL, *report = NULL;
    size_t len = 0, rlen = 0;
    html_status st = HTML_OK;
    *gradcheck_failed = 0;
    /* the walkthrough (and report) first, into memory, so that a failure
     * leaves nothing half-written */
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL) return HTML_NOMEM;
    int rc = explain_print(mem, e, o);
    if (fclose(mem) != 0 || rc != EXPLAIN_OK) { /* into memory: only memory can run out */
        free(text);
        return HTML_NOMEM;
    }
    if (o->gradcheck) {
        gradcheck_params p = GRADCHECK_PARAMS_DEFAULT;
        mem = open_memstream(&report, &rlen);
        if (mem == NULL) {
            free(text);
            return HTML_NOMEM;
        }
        int g = gradcheck_report(mem, e, o, &p, gradcheck_failed);
        if (fclose(mem) != 0 || g != GRADCHECK_OK) {
            free(text);
            free(report);
            return HTML_NOMEM;
        }
    }
    /* the first paragraph of the walkthrough is the page's lead */
    const char *body = strstr(text, "\n\n");
    body = body ? body + 2 : text;
    int w = 0;
    w |= fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>gradexp: softmax vs sigmoid, step by step</title>\n<style>\n",
               out) == EOF;
    w |= fputs(STYLE, out) == EOF;
    w |= fputs("</style>\n</head>\n<body>\n<h1>Softmax vs sigmoid: where the gradient goes</h1>\n<p class=\"lead\">",
               out) == EOF;
    const char *lead_end = body == text ? text : body - 2;
    const char *lead = text;
    if (!strncmp(lead, "gradexp --explain: ", 19)) lead += 19; /* the page says what it is */
    for (const char *p = lead; p < lead_end; p++) {
        if (p == lead && *p >= 'a' && *p <= 'z') w |= putc(*p - 'a' + 'A', out) == EOF;
        else if (*p == '\n') w |= putc(' ', out) == EOF;
        else w |= esc(out, p, 1);
    }
    w |= fputs("</p>\n<figure>\n", out) == EOF;
    if (!w) {
        plot_status ps = svg_plot(out, e, o, 0);
        if (ps == PLOT_NOMEM) st = HTML_NOMEM;
        if (ps == PLOT_WRITE) w = 1;
    }
    if (st == HTML_OK) {
        w |= fputs("<figcaption>Each head's gradient of the loss with respect to its weights, W.grad: one row per "
                   "class, one column per feature. Hatched cells are exactly zero; near-white ones are tiny but "
                   "not zero.</figcaption>\n</figure>\n",
                   out) == EOF;
        w |= html_text(out, body) != 0;
        if (report) {
            w |= fputs("<h2>Gradient check</h2>\n<pre>", out) == EOF;
            w |= esc(out, report, rlen);
            w |= fputs("</pre>\n", out) == EOF;
        }
        w |= fputs("</body>\n</html>\n", out) == EOF;
    }
    free(text);
    free(report);
    if (st == HTML_OK && (w || ferror(out))) st = HTML_WRITE;
    return st;
}
