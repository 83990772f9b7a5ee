/* decimal.c - see decimal.h. */
#include "decimal.h"

int dec_bit_length(uint32_t m)
{
    int n = 0;
    while (m) {
        n++;
        m >>= 1;
    }
    return n;
}

int dec_floor_div(int a, int b)
{
    int q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

size_t dec_put_u64(char *p, uint64_t x)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    for (size_t i = 0; i < n; i++) p[i] = tmp[n - 1 - i];
    return n;
}
