/* svg_plot.h - the run as a picture: an SVG figure of every head's W.grad
 * (one heatmap per head and layer), a diverging colour bar, exact zeros
 * hatched, and with --steps the loss curves.
 *
 * The figure reads the same tensor views as the text printers
 * (experiment_layer), element by element in row order, so a head far too
 * large to hold is block-reduced to at most PLOT_MAX_CELLS x PLOT_MAX_CELLS
 * cells while it streams. SVG is plain text: nothing beyond libc. */
#ifndef GRADEXP_SVG_PLOT_H
#define GRADEXP_SVG_PLOT_H

#include <stdio.h>

#include "experiment.h"
#include "options.h"

/* The most cells a heatmap has along either axis; bigger matrices are
 * block-reduced. */
#define PLOT_MAX_CELLS 256
/* Matrices up to this size on both axes print each value in its cell. */
#define PLOT_VALUE_CELLS 12

typedef enum { PLOT_OK = 0, PLOT_NOMEM = 1, PLOT_WRITE = 2 } plot_status;

/* Writes the figure to out. standalone: a complete SVG document (with the
 * XML declaration); otherwise an <svg> element to inline in HTML. The
 * colour scale is shared by every panel, or one per panel with
 * o->plot_scale == PLOT_SCALE_EACH. Returns PLOT_OK, PLOT_NOMEM (nothing
 * written) or PLOT_WRITE. */
plot_status svg_plot(FILE *out, experiment *e, const gradexp_options *o, int standalone);

/* The diverging map, exposed for tests: v / vmax in [-1, 1] to an sRGB
 * colour (ColorBrewer's RdBu, colour-blind safe: -1 dark blue, 0 near
 * white, +1 dark red), written as "#rrggbb" into buf (8 bytes). */
void plot_color(char *buf, double t);

#endif
