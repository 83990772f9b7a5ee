/* simd.h - vector versions of the hot loops, chosen at run time.
 *
 * Each function here returns, bit for bit, what its scalar definition in
 * torch_rng.c, cephes_math.c or ops.c returns; they only run faster. The
 * default build runs on any x86-64 (and builds elsewhere): the AVX2+FMA
 * code is compiled with target attributes and used only when cpuid says
 * the CPU has both. */
#ifndef GRADEXP_SIMD_H
#define GRADEXP_SIMD_H

#include <stddef.h>
#include <stdint.h>

/* What the CPU has, whatever GRADEXP_NO_SIMD says (for --cpu native):
 * AVX2 and FMA; AVX-512 F, BW, DQ and VL besides. */
int simd_cpu_has_avx2(void);
int simd_cpu_has_avx512(void);

/* 1 when the AVX2+FMA paths below may be called (0 when GRADEXP_NO_SIMD is
 * set in the environment, for testing the scalar paths). */
int simd_avx2(void);
/* 1 when they run their AVX-512 versions (the CPU has AVX-512 F, BW, DQ
 * and VL, and neither GRADEXP_NO_SIMD nor GRADEXP_NO_AVX512 is set). The
 * results are the same bits either way: only the speed differs. */
int simd_avx512(void);
/* Lowers the level used from now on, for tests: 0 scalar, 2 AVX2, 5 all. */
void simd_limit(int max_level);

/* The MT19937 twist of all 624 words in place. */
void simd_mt_twist(uint32_t *state);
/* out[i] = (temper(words[i]) & 0xffffff) * 2^-24 for i < n. */
void simd_uniform_floats(float *out, const uint32_t *words, size_t n);
/* normal_fill_16_AVX2 on each of nblocks consecutive blocks of 16. */
void simd_fill16_blocks(float *d, size_t nblocks);
/* v[i] = v[i] * scale when scale_on, then |v[i]| when take_abs (fabsf's
 * bits: the sign cleared), for i < n. */
void simd_scale_abs(float *v, size_t n, int scale_on, float scale, int take_abs);
/* z[r] = sum_f rows[r*F + f] * x[f] for r < 8, each a sequential float sum
 * from +0 with separately rounded products (reference sgemv order), or each
 * product fused into the sum when fma is set (linear_forward's fma). */
void simd_dot8(float *z, const float *rows, const float *x, size_t F, int fma);

/* out = in @ W.T as ops.c's matmul_forward computes it (same bits).
 * 0, or -1 when the transposed copy of W it needs cannot be had (out is
 * then untouched). */
int simd_matmul(float *out, const float *in, const float *W, size_t N, size_t O, size_t I);
/* cols[j*16 + k] = rows[k*F + j]: 16 rows as F columns of 16. */
void simd_transpose16(float *cols, const float *rows, size_t F);
/* z[r] for r < 16: simd_dot8 of the 16 rows, given as simd_transpose16's
 * columns, after `steps` rank-one SGD updates replayed as
 * outer_sgd_update does (dz: row r of step t at dz[t*ldz + r]; plus0 for
 * the steps from plus0_from on; the final dot fused when fma is set). */
void simd_dot16_replay_cols(float *z, const float *cols, const float *x, size_t F, const float *dz, size_t ldz,
                            long steps, float alpha, int fused, long plus0_from, int fma);
/* ops.c's outer_sgd_update, the same bits. */
void simd_outer_sgd(float *W, const float *dz, const float *x, size_t k, size_t F, float alpha, int fused, int plus0);
/* ops.c's sgd_update (fused: the vector builds' FMA), the same bits. */
void simd_sgd(float *w, const float *g, size_t n, float alpha, int fused);
/* ops.c's matmul_backward, the same bits. */
void simd_matmul_backward(float *dW, float *din, const float *dout, const float *in, const float *W, size_t N, size_t O,
                          size_t I, int outer);

#endif
