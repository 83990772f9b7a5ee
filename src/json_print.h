/* json_print.h - gradexp's machine-readable output (--format json).
 *
 * One JSON object holding the configuration (every setting, the seed as the
 * exact integer the user gave), every tensor --show asks for (name, shape,
 * all values, never summarised), the loss of every head and the warnings a
 * run produced. Numbers are the shortest decimals that read back (strtof,
 * or any correctly rounding parser) as the same float32; nan and the
 * infinities, which JSON cannot spell, are the strings "nan", "inf" and
 * "-inf"; negative zero is -0.0. Large tensors such as W.grad are streamed
 * through their views, so nothing of their size is allocated. Library code:
 * returns status codes, never prints errors or exits. */
#ifndef GRADEXP_JSON_PRINT_H
#define GRADEXP_JSON_PRINT_H

#include <stddef.h>
#include <stdio.h>

#include "experiment.h"
#include "options.h"

/* Bytes json_format_float needs, terminator included. */
#define JSON_FLOAT_BUFSIZE 32

/* Writes v into buf (JSON_FLOAT_BUFSIZE bytes) as a JSON value and returns
 * its length: the shortest decimal that rounds back to exactly v as a
 * float32 (the one closest to v among several), spelt like Python's repr -
 * always with a '.' or an exponent ("1.0", "0.0452", "-0.0", "1.5e-08",
 * "3.4028235e+38") - or the quoted strings "\"nan\"", "\"inf\"",
 * "\"-inf\"". */
size_t json_format_float(char *buf, float v);

/* The warning a head of a computed experiment deserves, if any: a naive
 * (not --stable) sigmoid or softmax head that produced nan or inf. Writes
 * the message (no program name, no newline) into buf and returns 1, or
 * returns 0 and leaves buf alone. main.c prints the same text on stderr. */
int json_head_warning(const experiment *e, const gradexp_options *o, int head, char *buf, size_t len);

/* Writes the JSON document for the computed experiment e run with options
 * o to out, followed by a newline, then flushes out. e is not const because
 * reading a streamed W through experiment_view advances its stream; the
 * results are not changed. Returns 0, or -1 when a write fails (errno as the
 * failing call left it; out may hold a prefix) or memory runs out. */
int json_print(FILE *out, experiment *e, const gradexp_options *o);

#endif
