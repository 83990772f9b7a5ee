/* torch_rng.c - PyTorch 1.13's CPU random numbers, bit for bit.
 *
 * The engine is the standard MT19937 (at::mt19937), seeded from the low 32
 * bits of torch.manual_seed's argument. On top of it: the float and double
 * uniforms of at::uniform_real_distribution, and torch.randn for float32 in
 * its two algorithms: the serial Box-Muller in double (n < 16, with a cached
 * second sample kept in the generator) and the 16-wide fill (n >= 16) in its
 * AVX2 form (Cephes log/sincos with FMAs, see cephes_math.c) or its
 * default-capability form (glibc logf/sinf/cosf). */
#include "torch_rng.h"

#include <math.h>

#include "cephes_math.h"
#include "simd.h"

#define MT_M 397
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu

void torch_rng_seed(torch_rng *g, uint64_t seed)
{
    g->state[0] = (uint32_t)(seed & 0xffffffffu);
    for (uint32_t j = 1; j < TORCH_MT_N; j++) {
        uint32_t prev = g->state[j - 1];
        g->state[j] = 1812433253u * (prev ^ (prev >> 30)) + j;
    }
    g->next = TORCH_MT_N; /* twist before the first draw */
    g->has_next_double = 0;
    g->next_double = 0.0;
}

/* Regenerates all 624 words (the standard MT19937 twist). */
static void mt_twist(uint32_t *s)
{
    int k;
    for (k = 0; k < TORCH_MT_N - MT_M; k++) {
        uint32_t y = (s[k] & MT_UPPER) | (s[k + 1] & MT_LOWER);
        s[k] = s[k + MT_M] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
    }
    for (; k < TORCH_MT_N - 1; k++) {
        uint32_t y = (s[k] & MT_UPPER) | (s[k + 1] & MT_LOWER);
        s[k] = s[k + MT_M - TORCH_MT_N] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
    }
    uint32_t y = (s[TORCH_MT_N - 1] & MT_UPPER) | (s[0] & MT_LOWER);
    s[TORCH_MT_N - 1] = s[MT_M - 1] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
}

/* Twists when every word has been used. */
static void refill(torch_rng *g)
{
    if (g->next >= TORCH_MT_N) {
        if (simd_avx2()) simd_mt_twist(g->state);
        else mt_twist(g->state);
        g->next = 0;
    }
}

uint32_t torch_rng_u32(torch_rng *g)
{
    refill(g);
    uint32_t y = g->state[g->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

float torch_rng_uniform_float(torch_rng *g)
{
    /* (r & (2^24 - 1)) * 2^-24, computed in double and exact in float */
    return (float)((double)(torch_rng_u32(g) & 0xffffffu) * 0x1p-24);
}

double torch_rng_uniform_double(torch_rng *g)
{
    uint64_t hi = torch_rng_u32(g);
    uint64_t lo = torch_rng_u32(g);
    uint64_t r = (hi << 32) | lo;
    return (double)(r & ((UINT64_C(1) << 53) - 1)) * 0x1p-53;
}

void torch_rng_uniform_floats(torch_rng *g, float *out, size_t n)
{
    while (n > 0) {
        refill(g);
        size_t m = (size_t)(TORCH_MT_N - g->next);
        if (m > n) m = n;
        if (simd_avx2()) {
            simd_uniform_floats(out, g->state + g->next, m);
            g->next += (int)m;
        } else {
            for (size_t i = 0; i < m; i++) out[i] = torch_rng_uniform_float(g);
        }
        out += m;
        n -= m;
    }
}

void torch_rng_discard(torch_rng *g, uint64_t n)
{
    while (n > 0) {
        refill(g);
        uint64_t m = (uint64_t)(TORCH_MT_N - g->next);
        if (m > n) m = n;
        g->next += (int)m;
        n -= m;
    }
}

/* at::normal_distribution<double>(0, 1): Box-Muller in double, caching the
 * sine sample for the next call. */
static double normal_double(torch_rng *g)
{
    if (g->has_next_double) {
        g->has_next_double = 0;
        return g->next_double;
    }
    double u1 = torch_rng_uniform_double(g);
    double u2 = torch_rng_uniform_double(g);
    double r = sqrt(-2.0 * log(1.0 - u2));
    double theta = 2.0 * 3.141592653589793238462643383279502 * u1;
    g->next_double = r * sin(theta);
    g->has_next_double = 1;
    return r * cos(theta);
}

/* normal_fill_16_AVX2 on d[0..16): pairs (j, j+8) become radius*cos and
 * radius*sin; the final fmadd(n, std=1, mean=0) turns -0 into +0. */
static void fill16_avx2(float *d)
{
    for (int j = 0; j < 8; j++) {
        float u1 = 1.0f - d[j];
        float u2 = d[j + 8];
        float radius = sqrtf(-2.0f * cephes_logf(u1));
        float theta = 6.2831855f * u2;
        float s, c;
        cephes_sincosf(theta, &s, &c);
        d[j] = radius * c + 0.0f;
        d[j + 8] = radius * s + 0.0f;
    }
}

/* normal_fill_16 (default capability): glibc float log/cos/sin, theta
 * computed in double from 2*pi and rounded to float; the "* std + mean"
 * with std 1 and mean 0 turns -0 into +0. */
static void fill16_default(float *d)
{
    for (int j = 0; j < 8; j++) {
        float u1 = 1.0f - d[j];
        float u2 = d[j + 8];
        float radius = sqrtf(-2.0f * logf(u1));
        float theta = (float)(2.0 * 3.141592653589793238462643383279502 * (double)u2);
        d[j] = radius * cosf(theta) * 1.0f + 0.0f;
        d[j + 8] = radius * sinf(theta) * 1.0f + 0.0f;
    }
}

/* The AVX-512 build registers no normal kernel of its own: torch's
 * dispatcher falls back to the AVX2 one, so both vector builds fill alike. */
void torch_randn_blocks(float *d, size_t nblocks, torch_cpu cpu)
{
    int avx2 = cpu_randn_avx2(cpu);
    if (avx2 && simd_avx2()) {
        simd_fill16_blocks(d, nblocks);
        return;
    }
    for (size_t b = 0; b < nblocks; b++) {
        if (avx2) fill16_avx2(d + 16 * b);
        else fill16_default(d + 16 * b);
    }
}

void torch_randn_serial(float *out, torch_rng *g, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = (float)(normal_double(g) * 1.0 + 0.0);
}

void torch_randn(float *out, torch_rng *g, size_t n, torch_cpu cpu)
{
    if (n < 16) {
        torch_randn_serial(out, g, n);
        return;
    }
    torch_rng_uniform_floats(g, out, n);
    torch_randn_blocks(out, n / 16, cpu);
    if (n % 16 != 0) {
        float *tail = out + n - 16;
        torch_rng_uniform_floats(g, tail, 16);
        torch_randn_blocks(tail, 1, cpu);
    }
}
