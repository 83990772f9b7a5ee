/* decimal.h - exact integer helpers for turning floats into decimal text,
 * shared by the tensor printer (fixed and scientific digits) and the JSON
 * writer (shortest round-trip digits): powers of 10 and 5, bit lengths,
 * floor division and unsigned integer spelling. */
#ifndef GRADEXP_DECIMAL_H
#define GRADEXP_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

/* 10^0 .. 10^19, every power of ten a uint64_t holds. */
extern const uint64_t DEC_POW10[20];
/* 5^0 .. 5^17: 5^17 times a 24-bit float mantissa still fits in 64 bits. */
#define DEC_MAX_POW5 17
extern const uint64_t DEC_POW5[DEC_MAX_POW5 + 1];

/* Number of significant bits in m > 0. */
int dec_bit_length(uint32_t m);
/* Floor of a / b for b > 0 and any sign of a. */
int dec_floor_div(int a, int b);
/* Writes x in decimal at p (no terminator); returns the digit count (<= 20). */
size_t dec_put_u64(char *p, uint64_t x);

#endif
