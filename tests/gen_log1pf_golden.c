/* gen_log1pf_golden.c - writes tests/data/log1pf_cr.txt: "x_bits y_bits" for
 * log1pf(x) as the running libm computes it, on the special values, every
 * float around the hard ranges (tiny, near -1, near 0, powers of two) and
 * 60000 pseudo-random floats. Run it where libm's log1pf is correctly
 * rounded (glibc >= 2.41): tests/gen_log1pf_golden.sh builds it here and
 * runs it in the Debian 13 root. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void put(float x)
{
    float y = log1pf(x);
    uint32_t a, b;
    memcpy(&a, &x, 4);
    memcpy(&b, &y, 4);
    printf("%08x %08x\n", a, b);
}

int main(void)
{
    static const uint32_t special[] = {0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x00800000,
                                       0x33000000, 0x32ffffff, 0xb3000000, 0x3f800000, 0xbf800000, 0xbf7fffff,
                                       0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xc0000000};
    for (size_t i = 0; i < sizeof special / sizeof *special; i++) {
        float x;
        memcpy(&x, &special[i], 4);
        put(x);
    }
    for (uint32_t e = 0; e < 255; e++) /* around every power of two, both signs */
        for (uint32_t d = 0; d < 4; d++) {
            uint32_t u = (e << 23) + d, v = u | 0x80000000u;
            float x, y;
            memcpy(&x, &u, 4);
            memcpy(&y, &v, 4);
            put(x);
            if (y >= -1.0f) put(y);
        }
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 60000; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        uint32_t u = (uint32_t)(s >> 32);
        if (i % 2) u &= 0x3fffffffu; /* half of them in (-2, 2) and smaller */
        float x;
        memcpy(&x, &u, 4);
        if (!(x >= -1.0f)) continue;
        put(x);
    }
    return 0;
}
