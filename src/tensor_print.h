/* tensor_print.h - PyTorch 1.13's text for 0-d, 1-d and 2-d float32 tensors.
 *
 * Mirrors torch/_tensor_str.py: the formatter statistics (int, fixed and
 * scientific modes, common width), wrapping at linewidth, summarising above
 * threshold with edgeitems from each end, and the options of
 * torch.set_printoptions. Elements are read through an accessor so a tensor
 * that is never materialised (an outer product, a generated matrix) prints
 * exactly like a dense one. Output goes to a FILE* so tests can capture it.
 * For terminals the numbers can be wrapped in ANSI colours by sign; the text
 * between the escape sequences stays PyTorch's. */
#ifndef GRADEXP_TENSOR_PRINT_H
#define GRADEXP_TENSOR_PRINT_H

#include <stddef.h>
#include <stdio.h>

typedef enum { SCI_AUTO = 0, SCI_ON, SCI_OFF } sci_mode;

typedef struct {
    int precision;  /* digits after the point (torch default 4) */
    long threshold; /* summarise when numel > threshold (1000) */
    long edgeitems; /* items kept at each end when summarising (3) */
    long linewidth; /* characters per line (80) */
    sci_mode sci;   /* auto, or forced on/off by the user */
    int color;      /* wrap each number in ANSI colours (0: plain text) */
    /* The release's rules (torch_release.h): */
    int sci_first;  /* a user sci_mode is applied before the width (2.x) */
    int edge0_size; /* edgeitems 0 prints "[...]" and a size suffix (2.x) */
} print_options;

/* (clang-format 14 would lay this braced macro body out as a block.) */
/* clang-format off */
#define PRINT_OPTIONS_DEFAULT {4, 1000, 3, 80, SCI_AUTO, 0, 0, 0}
/* clang-format on */

/* With color set, each element's number (not its padding) is preceded by
 * one of these and followed by TENSOR_COLOR_RESET; deleting every escape
 * sequence gives back exactly the plain text. Negative values (and -inf)
 * are red, positive ones (and inf) green, zeros and -0 dim, nan yellow; a
 * tiny value that prints as 0.0000 keeps the colour of its sign. */
#define TENSOR_COLOR_NEGATIVE "\033[31m"
#define TENSOR_COLOR_POSITIVE "\033[32m"
#define TENSOR_COLOR_ZERO "\033[2m"
#define TENSOR_COLOR_NAN "\033[33m"
#define TENSOR_COLOR_RESET "\033[0m"

typedef struct tensor_view tensor_view;
/* Returns element (i, j); 1-d tensors use i = 0, 0-d tensors i = j = 0. */
typedef float (*tensor_at_fn)(const tensor_view *t, size_t i, size_t j);

struct tensor_view {
    int ndim;    /* 0, 1 or 2 */
    size_t rows; /* 2-d: size(0); 1-d and 0-d: 1 */
    size_t cols; /* 2-d: size(1); 1-d: size(0); 0-d: 1 */
    tensor_at_fn at;
    const void *ctx;  /* accessor data, e.g. a dense float array */
    const void *ctx2; /* second operand for accessors that need one */
};

/* Views over a dense row-major float array (data must outlive the view). */
tensor_view tensor_view_dense0(const float *data);
tensor_view tensor_view_dense1(const float *data, size_t n);
tensor_view tensor_view_dense2(const float *data, size_t rows, size_t cols);

/* Returned by tensor_print, with nothing written, where PyTorch itself
 * raises instead of printing: a summarised 2-d tensor with edgeitems <= 0
 * ("stack expects a non-empty TensorList"), or a negative precision that
 * reaches a format specifier ("Format specifier missing precision"). */
#define TENSOR_PRINT_TORCH_RAISES (-2)

/* Writes exactly what print(t) writes in PyTorch 1.13 under the given print
 * options ("tensor(...)" followed by a newline; with opt->color, the same
 * text with each number wrapped in colour escapes), then flushes out. Returns 0,
 * -1 when memory runs out (nothing is written then) or a write fails, or
 * TENSOR_PRINT_TORCH_RAISES. Tensors without elements print as PyTorch's
 * "tensor([])" / "tensor([], size=(r, c))". */
int tensor_print(FILE *out, const tensor_view *t, const print_options *opt);

/* The number formatting the printer uses, exposed for tests. Each writes v,
 * widened exactly to double, as Python's '{:.Pf}'.format(v) (fixed) or
 * '{:.Pe}'.format(v) (sci) with P = precision >= 0: correctly rounded, ties to
 * even, nan as "nan" whatever its sign, "inf", "-inf". buf must hold
 * tensor_format_bufsize(precision) bytes; the text is NUL-terminated and its
 * length returned. */
size_t tensor_format_bufsize(int precision);
size_t tensor_format_fixed(char *buf, float v, int precision);
size_t tensor_format_sci(char *buf, float v, int precision);

#endif
