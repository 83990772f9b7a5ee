/* cr_math.h - correctly rounded float functions, for the glibc releases
 * whose libm returns the correctly rounded result.
 *
 * From glibc 2.41 (Debian 13, and so the Debian builds of PyTorch 2.6 and
 * 2.14) log1pf is correctly rounded (the CORE-MATH algorithms). Any
 * correctly rounded implementation returns the same float for every input,
 * so gradexp computes it itself, in double-double arithmetic, and prints
 * the same digits on any machine and with any libm. */
#ifndef GRADEXP_CR_MATH_H
#define GRADEXP_CR_MATH_H

/* ln(1 + x) rounded to nearest (ties to even): +-0 for +-0, -inf for -1,
 * NaN for x < -1 and NaN, +inf for +inf. Uses only +, -, *, /, fma and
 * bit operations on doubles and floats, no libm function but fma. */
float cr_log1pf(float x);

#endif
