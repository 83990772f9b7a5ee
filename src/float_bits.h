/* float_bits.h - a float's IEEE-754 bit pattern and back, without aliasing
 * tricks (memcpy, which compilers turn into a register move). Used wherever
 * torch's vector code works on the bits: masks, exponents, all-ones NaNs. */
#ifndef GRADEXP_FLOAT_BITS_H
#define GRADEXP_FLOAT_BITS_H

#include <stdint.h>
#include <string.h>

/* always_inline: vec_math.c calls these from copies compiled for another
 * target, where a plain call would cost more than the move itself. */
#if defined(__GNUC__)
#define FLOAT_BITS_INLINE static inline __attribute__((always_inline))
#else
#define FLOAT_BITS_INLINE static inline
#endif

FLOAT_BITS_INLINE uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

FLOAT_BITS_INLINE float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* The same for doubles (cr_math.c, glibc_math.c). */
FLOAT_BITS_INLINE uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

FLOAT_BITS_INLINE double bits_double(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

#endif
