/* html_print.h - --format html: one self-contained lesson page.
 *
 * The page holds the figure (svg_plot.h, inline) and the --explain
 * walkthrough (explain.h) turned into headings, paragraphs, lists and
 * preformatted tensors, with the --gradcheck report when asked for. It
 * needs no network, no other file and no script; its type is large enough
 * to read projected on a wall, and a print style sheet lays it out for
 * paper. */
#ifndef GRADEXP_HTML_PRINT_H
#define GRADEXP_HTML_PRINT_H

#include <stdio.h>

#include "experiment.h"
#include "options.h"

typedef enum { HTML_OK = 0, HTML_NOMEM = 1, HTML_WRITE = 2 } html_status;

/* Writes the page to out. *gradcheck_failed is set to the number of heads
 * that failed the gradient check (with o->gradcheck). */
html_status html_print(FILE *out, experiment *e, const gradexp_options *o, int *gradcheck_failed);

/* Writes the walkthrough text (explain_print's format) as HTML body
 * elements: "== Title" lines become <h2>, tensor text <pre>, "- " items a
 * list, other lines paragraphs (wrapped lines joined). Exposed for tests.
 * Returns 0 or -1 on a write error. */
int html_text(FILE *out, const char *text);

#endif
