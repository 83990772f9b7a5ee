/* gen_libm_golden.c - writes "x_bits y_bits" lines for log1pf(x) or expf(x)
 * (argv[1]) as the running libm computes them, on the special values, every
 * float around the powers of two (both signs) and 60000 pseudo-random
 * floats. tests/gen_libm_golden.sh runs it for log1pf in the Debian 13 root
 * (glibc 2.41: correctly rounded) and for expf on the host (glibc's FMA
 * build, on an FMA machine). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int use_exp;

static void put(float x)
{
    float y = use_exp ? expf(x) : log1pf(x);
    uint32_t a, b;
    memcpy(&a, &x, 4);
    memcpy(&b, &y, 4);
    printf("%08x %08x\n", a, b);
}

int main(int argc, char **argv)
{
    use_exp = argc > 1 && !strcmp(argv[1], "expf");
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
            if (use_exp || y >= -1.0f) put(y);
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
        if (!use_exp && !(x >= -1.0f)) continue;
        if (use_exp && i % 3 == 0) x = x * 0x1p-100f; /* many in expf's finite range */
        put(x);
    }
    return 0;
}
