/* png.c - PNG with stored deflate blocks, and base64 (see png.h). */
#include "png.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* CRC-32 of PNG chunks (ISO 3309, polynomial 0xedb88320), bit by bit:
 * the images are small. */
static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Appends a chunk of type t with n bytes of data at *at; returns the end. */
static unsigned char *chunk(unsigned char *at, const char *t, const unsigned char *data, size_t n)
{
    be32(at, (uint32_t)n);
    memcpy(at + 4, t, 4);
    if (n) memmove(at + 8, data, n);
    be32(at + 8 + n, crc32_update(0, at + 4, n + 4));
    return at + 12 + n;
}

unsigned char *png_encode(const unsigned char *rgba, size_t w, size_t h, size_t *len)
{
    if (w == 0 || h == 0 || w > 65536 || h > 65536) return NULL;
    size_t raw = h * (1 + 4 * w);                    /* a filter byte (0, none) per row */
    size_t blocks = raw / 65535 + 1;                 /* stored blocks hold 65535 bytes */
    size_t zlen = 2 + raw + 5 * blocks + 4;          /* header, blocks, Adler-32 */
    size_t total = 8 + (12 + 13) + (12 + zlen) + 12; /* signature, IHDR, IDAT, IEND */
    unsigned char *png = malloc(total), *z = malloc(zlen);
    if (png == NULL || z == NULL) {
        free(png);
        free(z);
        return NULL;
    }
    /* the zlib stream: CMF 0x78 (deflate, 32K window), FLG 0x01 (check bits) */
    size_t o = 0;
    z[o++] = 0x78;
    z[o++] = 0x01;
    uint32_t a = 1, b = 0;               /* Adler-32 of the raw bytes */
    size_t left = raw, row = 0, col = 0; /* col: byte within the row, 0 = filter byte */
    while (1) {
        size_t n = left < 65535 ? left : 65535;
        z[o++] = (unsigned char)(n == left); /* BFINAL, BTYPE 00 */
        z[o++] = (unsigned char)n;
        z[o++] = (unsigned char)(n >> 8);
        z[o++] = (unsigned char)~n;
        z[o++] = (unsigned char)(~n >> 8);
        /* cppcheck-suppress knownConditionTrueFalse ; n > 0: raw = h * (1 + 4w) with h, w >= 1 */
        for (size_t i = 0; i < n; i++) {
            unsigned char c = col == 0 ? 0 : rgba[row * 4 * w + col - 1];
            if (++col == 1 + 4 * w) {
                col = 0;
                row++;
            }
            z[o++] = c;
            a = (a + c) % 65521u;
            b = (b + a) % 65521u;
        }
        left -= n;
        if (left == 0) break;
    }
    be32(z + o, (b << 16) | a);
    o += 4;
    static const unsigned char SIG[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(png, SIG, 8);
    unsigned char ihdr[13];
    be32(ihdr, (uint32_t)w);
    be32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;  /* bits per sample */
    ihdr[9] = 6;  /* RGBA */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filters */
    ihdr[12] = 0; /* no interlace */
    unsigned char *end = chunk(png + 8, "IHDR", ihdr, 13);
    end = chunk(end, "IDAT", z, o);
    end = chunk(end, "IEND", NULL, 0);
    free(z);
    *len = (size_t)(end - png);
    return png;
}

int png_write_data_uri(FILE *out, const unsigned char *rgba, size_t w, size_t h)
{
    static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n;
    unsigned char *png = png_encode(rgba, w, h, &n);
    if (png == NULL) return -2;
    int bad = fputs("data:image/png;base64,", out) == EOF;
    for (size_t i = 0; i < n && !bad; i += 3) {
        uint32_t v =
            (uint32_t)png[i] << 16 | (i + 1 < n ? (uint32_t)png[i + 1] << 8 : 0) | (i + 2 < n ? png[i + 2] : 0);
        const char q[4] = {B64[v >> 18], B64[(v >> 12) & 63], (char)(i + 1 < n ? B64[(v >> 6) & 63] : '='),
                           (char)(i + 2 < n ? B64[v & 63] : '=')};
        bad = fwrite(q, 1, 4, out) != 4;
    }
    free(png);
    return bad ? -1 : 0;
}
