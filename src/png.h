/* png.h - a PNG image as a data: URI, with nothing beyond libc.
 *
 * The figure of a large head is a raster of up to 256 x 256 cells; as SVG
 * rectangles that would be tens of megabytes, as an embedded PNG it is a
 * few hundred kilobytes. The encoder writes deflate's stored (uncompressed)
 * blocks, which every PNG reader accepts, so it needs no zlib. */
#ifndef GRADEXP_PNG_H
#define GRADEXP_PNG_H

#include <stddef.h>
#include <stdio.h>

/* Writes "data:image/png;base64,..." for the w x h RGBA image rgba (rows
 * top to bottom, 4 bytes a pixel, alpha 0 transparent). Returns 0, -1 on a
 * write error, or -2 when memory runs out or w or h is 0 or above 65536
 * (nothing written). */
int png_write_data_uri(FILE *out, const unsigned char *rgba, size_t w, size_t h);

/* The PNG file itself into a new buffer (*len bytes), for tests. Returns
 * NULL when memory runs out. */
unsigned char *png_encode(const unsigned char *rgba, size_t w, size_t h, size_t *len);

#endif
