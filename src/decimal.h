/* decimal.h - exact integer helpers for turning floats into decimal text,
 * shared by the tensor printer (fixed and scientific digits) and the JSON
 * writer (shortest round-trip digits): powers of 10 and 5, bit lengths,
 * floor division and unsigned integer spelling. */
#ifndef GRADEXP_DECIMAL_H
#define GRADEXP_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

/* 10^0 .. 10^19, every power of ten a uint64_t holds, and 5^0 .. 5^17
 * (5^17 times a 24-bit float mantissa still fits in 64 bits). Defined here,
 * not in decimal.c, so compilers and analysers see the values (no entry is
 * zero). */
#define DEC_MAX_POW5 17
/* A few to a line (clang-format would give each its own). */
/* clang-format off */
static const uint64_t DEC_POW10[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
    10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
    100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL,
    10000000000000000000ULL};

static const uint64_t DEC_POW5[DEC_MAX_POW5 + 1] = {
    1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL,
    390625ULL, 1953125ULL, 9765625ULL, 48828125ULL, 244140625ULL,
    1220703125ULL, 6103515625ULL, 30517578125ULL, 152587890625ULL,
    762939453125ULL};
/* clang-format on */

/* Number of significant bits in m > 0. */
int dec_bit_length(uint32_t m);
/* Floor of a / b for b > 0 and any sign of a. */
int dec_floor_div(int a, int b);
/* Writes x in decimal at p (no terminator); returns the digit count (<= 20). */
size_t dec_put_u64(char *p, uint64_t x);

#endif
