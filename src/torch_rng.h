/* torch_rng.h - PyTorch 1.13's CPU generator, bit for bit.
 *
 * MT19937 seeded like torch.manual_seed (low 32 bits of the seed), the float
 * and double uniforms of at::uniform_real_distribution, and torch.randn for
 * float32 tensors: the serial path (n < 16, double Box-Muller with a cached
 * sample that survives across calls) and the fill path (n >= 16, blocks of
 * 16, a fresh tail block), in the AVX2 and the default-capability variants. */
#ifndef GRADEXP_TORCH_RNG_H
#define GRADEXP_TORCH_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "torch_cpu.h"

#define TORCH_MT_N 624

typedef struct {
    uint32_t state[TORCH_MT_N];
    int next;            /* index of the next word to temper */
    int has_next_double; /* cached normal sample of the serial path */
    double next_double;
} torch_rng;

/* torch.manual_seed(seed) for seed in [-2^63, 2^64-1] given as its 64-bit
 * two's complement pattern; clears the cached normal sample. */
void torch_rng_seed(torch_rng *g, uint64_t seed);
/* One 32-bit MT19937 output. */
uint32_t torch_rng_u32(torch_rng *g);
/* uniform_real_distribution<float>(0, 1): low 24 bits * 2^-24. */
float torch_rng_uniform_float(torch_rng *g);
/* uniform_real_distribution<double>(0, 1): two draws, low 53 bits * 2^-53. */
double torch_rng_uniform_double(torch_rng *g);
/* n consecutive float uniforms, as n calls of torch_rng_uniform_float. */
void torch_rng_uniform_floats(torch_rng *g, float *out, size_t n);
/* Skips n 32-bit draws (twists only, no tempering). */
void torch_rng_discard(torch_rng *g, uint64_t n);
/* The fill path's transform of nblocks blocks of 16 uniforms in place
 * (normal_fill_16_AVX2 or normal_fill_16). */
void torch_randn_blocks(float *d, size_t nblocks, torch_cpu cpu);
/* The serial path (what randn does below 16 elements): n draws of the
 * double normal, with the generator's cached sample. */
void torch_randn_serial(float *out, torch_rng *g, size_t n);
/* torch.randn(n) for a contiguous float32 tensor: out[0..n). */
void torch_randn(float *out, torch_rng *g, size_t n, torch_cpu cpu);

#endif
