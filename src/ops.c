/* ops.c - the model's operations, float32, bit for bit as PyTorch's CPU
 * kernels compute them (the AVX2, AVX-512 and scalar "default" builds).
 *
 * Every function here repeats torch's float operations in torch's order;
 * tests/OPS_NOTES.md lists the facts behind each one. The shared rules:
 *
 * - Vectorized<float> holds cpu_lanes(cpu) lanes: 8 in the default and
 *   AVX2 builds, 16 in the AVX-512 one. In the AVX2 and AVX-512 builds its
 *   exp/log/log1p are SLEEF's u10 routines (vec_math.h; the 8- and 16-lane
 *   versions give the same bits per lane), in the default build glibc's
 *   expf/logf/log1pf applied lane by lane.
 * - Elementwise TensorIterator kernels (cpu_kernel_vec) run the vector
 *   lambda on chunks of 2 vectors (16 or 32 elements) from the start and
 *   the scalar lambda on the rest; the scalar lambda calls glibc even in
 *   the vector builds. vec::map / map2 and the at::vml functions (torch.exp,
 *   torch.log) instead run the vector lambda on every element, the tail
 *   through a zero-padded partial vector.
 * - GCC built the AVX2 and AVX-512 kernels with -mfma and -ffp-contract=fast: where a
 *   product feeds an addition inside one kernel it may be one fused
 *   multiply-add; fmaf() marks each place where the binary does fuse. The
 *   default build has no FMA.
 */
#include "ops.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cr_math.h"
#include "float_bits.h"
#include "glibc_math.h"
#include "tanh_math.h"
#include "vec_math.h"

#define VEC_MAX 16 /* the widest Vectorized<float> (AVX-512) */

/* ------------------------------------------------------------------------ */
/* shared pieces */

/* exp, log, log1p of one Vectorized<float> lane */
static float vexp(float x, torch_cpu cpu)
{
    return cpu_sleef(cpu) ? sleef_expf_u10(x) : glibc_expf(x);
}
static float vlog(float x, torch_cpu cpu)
{
    return cpu_sleef(cpu) ? sleef_logf_u10(x) : logf(x);
}
static float vlog1p(float x, torch_cpu cpu)
{
    if (cpu_sleef(cpu)) return sleef_log1pf_u10(x);
    return cpu == CPU_DEFAULT_CR ? cr_log1pf(x) : glibc_log1pf(x);
}

/* expf as the scalar tail of a kernel calls it: the libm of the machine the
 * build runs on (aarch64's glibc for the NEON build) */
static float tail_expf(float x, torch_cpu cpu)
{
    return cpu == CPU_NEON ? glibc_expf_aarch64(x) : glibc_expf(x);
}

/* first index of cpu_kernel_vec's scalar tail */
static size_t vec_loop_end(size_t n, torch_cpu cpu)
{
    return n - n % (2 * cpu_lanes(cpu));
}

/* vec::maximum of two lanes. AVX2 and AVX-512: vmaxps(a, b) = a > b ? a : b,
 * then OR with the unordered mask, so any NaN comes out all ones
 * (0xffffffff). NEON: Sleef_fmaxf4 on vectors without inf or NaN, else
 * vmaxq_f32; both are the FMAX instruction lane by lane (a NaN operand
 * gives NaN, and +0 is above -0). default: a > b ? a : b, except a NaN a is
 * returned as is. */
static float vmax(float a, float b, torch_cpu cpu)
{
    if (cpu == CPU_NEON) {
        if (isnan(a)) return a;
        if (isnan(b)) return b;
        if (a == b) return signbit(a) ? b : a;
        return a > b ? a : b;
    }
    if (cpu_sleef(cpu)) return isnan(a) || isnan(b) ? bits_float(0xffffffffu) : (a > b ? a : b);
    if (isnan(a)) return a;
    return a > b ? a : b;
}

enum red_op { RED_MAX, RED_SUM };

static float red(enum red_op op, float a, float b, torch_cpu cpu)
{
    return op == RED_SUM ? a + b : vmax(a, b, cpu);
}

/* Folds the lanes of a vector accumulator (vec_reduce_all). AVX2, AVX-512
 * and NEON (VecReduceAllSIMD; NEON's vextq_f32(v, v, 2) then vrev64q_f32):
 * swap halves, then quarters, ... down to neighbours, v = op(v, shuffled)
 * each time, so lane i meets lane i ^ k for k = lanes/2 .. 1; lane 0 is the
 * result. default: lane 0 op lane 1 op ...
 * from the left. */
static float fold_lanes(enum red_op op, const float acc[VEC_MAX], torch_cpu cpu)
{
    size_t lanes = cpu_lanes(cpu);
    if (cpu_sleef(cpu)) {
        float v[VEC_MAX], t[VEC_MAX];
        memcpy(v, acc, lanes * sizeof *v);
        for (size_t k = lanes / 2; k >= 1; k /= 2) {
            for (size_t i = 0; i < lanes; i++) t[i] = red(op, v[i], v[i ^ k], cpu);
            memcpy(v, t, lanes * sizeof *v);
        }
        return v[0];
    }
    float r = acc[0];
    for (size_t i = 1; i < lanes; i++) r = red(op, r, acc[i], cpu);
    return r;
}

/* element i as map_reduce_all sees it: v[i], or exp(v[i] - shift) */
static float mapped(const float *v, size_t i, int exp_shift, float shift, torch_cpu cpu)
{
    return exp_shift ? vexp(v[i] - shift, cpu) : v[i];
}

/* vec::reduce_all (exp_shift = 0) or map_reduce_all with the map
 * x -> exp(x - shift), over v[0..n). n < 8: one left fold from element 0.
 * Otherwise lane l accumulates elements l, l+8, ... (the partial last
 * vector only updates its own lanes), then fold_lanes. */
static float reduce_map(enum red_op op, const float *v, size_t n, int exp_shift, float shift, torch_cpu cpu)
{
    size_t lanes = cpu_lanes(cpu);
    if (n < lanes) {
        float r = mapped(v, 0, exp_shift, shift, cpu);
        for (size_t i = 1; i < n; i++) r = red(op, r, mapped(v, i, exp_shift, shift, cpu), cpu);
        return r;
    }
    float acc[VEC_MAX];
    for (size_t l = 0; l < lanes; l++) acc[l] = mapped(v, l, exp_shift, shift, cpu);
    for (size_t d = lanes; d < n; d += lanes)
        for (size_t l = 0; l < lanes && d + l < n; l++)
            acc[l] = red(op, acc[l], mapped(v, d + l, exp_shift, shift, cpu), cpu);
    return fold_lanes(op, acc, cpu);
}

static float reduce_all(enum red_op op, const float *v, size_t n, torch_cpu cpu)
{
    return reduce_map(op, v, n, 0, 0.0f, cpu);
}

/* ceil(log2(x)) as utils::CeilLog2, 0 for x <= 1 */
static int64_t ceil_log2(int64_t x)
{
    int64_t r = 0;
    while (((int64_t)1 << r) < x) r++;
    return r;
}

/* ------------------------------------------------------------------------ */
/* s + a * b as reference BLAS's inner loops compute it: one rounding per
 * product and per sum, or (fma: the aarch64 build) one fused rounding. */
static float blas_acc(float s, float a, float b, int fma)
{
    return fma ? fmaf(a, b, s) : s + a * b;
}

/* z = W @ x
 * torch.mv -> addmv(beta=0, alpha=1) -> reference BLAS sgemv ('t' for a
 * contiguous W, 'n' when F == 1): each z[c] starts at +0 and adds the
 * products w[c][f]*x[f] in order f = 0..F-1, each rounded, or each fused
 * into the sum (fma). Since the sum starts at +0, z is never -0.
 * dW = outer(dz, x) (MvBackward0: grad.ger(vec)), one rounding each. */
void linear_forward(float *z, const float *W, const float *x, size_t C, size_t F, int fma)
{
    // z (C), W (C, F), x (F)
    for (size_t c = 0; c < C; c++) {
        const float *w = W + c * F;
        float s = 0.0f;
        for (size_t f = 0; f < F; f++) s = blas_acc(s, w[f], x[f], fma);
        z[c] = s;
    }
}

void linear_backward(float *dW, const float *dz, const float *x, size_t C, size_t F)
{
    // dW (C, F), dz (C), x (F)
    for (size_t c = 0; c < C; c++)
        for (size_t f = 0; f < F; f++) dW[c * F + f] = dz[c] * x[f];
}

/* ------------------------------------------------------------------------ */
/* out = in @ W.T and its backward, for any number of rows: reference BLAS
 * (Debian's torch is built with BLAS=generic) sums every output
 * sequentially from +0, one rounding per product and per addition, or one
 * FMA per term (fma: aarch64), whatever the transposes; the products'
 * operand order does not matter. simd.h has faster versions of these loops
 * (the same bits) for fma = 0. */
void matmul_forward(float *out, const float *in, const float *W, size_t N, size_t O, size_t I, int fma)
{
    // out (N, O), in (N, I), W (O, I)
    for (size_t r = 0; r < N; r++)
        for (size_t o = 0; o < O; o++) {
            float s = 0.0f;
            for (size_t i = 0; i < I; i++) s = blas_acc(s, in[r * I + i], W[o * I + i], fma);
            out[r * O + o] = s;
        }
}

void matmul_backward(float *dW, float *din, const float *dout, const float *in, const float *W, size_t N, size_t O,
                     size_t I, int outer, int fma)
{
    // dW (O, I), din (N, I), dout (N, O), in (N, I), W (O, I)
    for (size_t o = 0; o < O; o++)
        for (size_t i = 0; i < I; i++) {
            if (outer) {
                dW[o * I + i] = dout[o] * in[i];
                continue;
            }
            float s = 0.0f;
            for (size_t r = 0; r < N; r++) s = blas_acc(s, dout[r * O + o], in[r * I + i], fma);
            dW[o * I + i] = s;
        }
    if (!din) return;
    for (size_t r = 0; r < N; r++)
        for (size_t i = 0; i < I; i++) {
            float s = 0.0f;
            for (size_t o = 0; o < O; o++) s = blas_acc(s, dout[r * O + o], W[o * I + i], fma);
            din[r * I + i] = s;
        }
}

/* ------------------------------------------------------------------------ */
/* y = relu(x) = clamp_min(x, 0): max(x, 0) with NaN kept (an input -0
 * cannot occur: sums from +0 are never -0).
 * dx = threshold_backward(dy, y, 0) = y <= 0 ? 0 : dy (NaN y passes dy). */
void relu_forward(float *y, const float *x, size_t n)
{
    // y (n), x (n)
    for (size_t i = 0; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void relu_backward(float *dx, const float *dy, const float *y, size_t n)
{
    // dx (n), dy (n), y (n)
    for (size_t i = 0; i < n; i++) dx[i] = y[i] <= 0.0f ? 0.0f : dy[i];
}

/* ------------------------------------------------------------------------ */
/* y = tanh(x) (at::vml::vtanh: every element through the vector lambda):
 * SLEEF's tanhf in the vector builds, glibc's tanhf in the default one -
 * the Sun algorithm up to glibc 2.40, correctly rounded from 2.41 (the
 * CPU_DEFAULT_CR build, as for log1pf; tanh_math.h). */
void tanh_forward(float *y, const float *x, size_t n, torch_cpu cpu)
{
    // y (n), x (n)
    for (size_t i = 0; i < n; i++)
        y[i] = cpu_sleef(cpu) ? sleef_tanhf_u10(x[i]) : cpu == CPU_DEFAULT_CR ? cr_tanhf(x[i]) : glibc_tanhf(x[i]);
}

/* tanh_backward:
 * dx = dy * (1 - y * y) (tanh_backward): the vector builds fuse 1 - y*y
 * into one FMA (fnmadd), the default build rounds y*y first. Measured on
 * 1.13, 2.6 and 2.14 in all three families. */
void tanh_backward(float *dx, const float *dy, const float *y, size_t n, torch_cpu cpu)
{
    // dx (n), dy (n), y (n)
    int fused = cpu_sleef(cpu);
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * (fused ? fmaf(-y[i], y[i], 1.0f) : 1.0f - y[i] * y[i]);
}

/* ------------------------------------------------------------------------ */
/* w = w + alpha * g, alpha = (float)(-lr): the add kernel's
 * self + alpha * other, which the vector builds (vector lanes and scalar
 * tail alike, both compiled with FMA contraction) compute as
 * fma(other, alpha, self) and the default build as two roundings.
 * Measured on 1.13, 2.6 and 2.14. */
void sgd_update(float *w, const float *g, size_t n, float alpha, torch_cpu cpu)
{
    // w (n), g (n)
    int fused = cpu_sleef(cpu);
    for (size_t i = 0; i < n; i++) w[i] = sgd_update1(w[i], g[i], alpha, fused);
}

void outer_sgd_update(float *W, const float *dz, const float *x, size_t k, size_t F, float alpha, int fused, int plus0)
{
    // W (k, F), dz (k), x (F)
    for (size_t r = 0; r < k; r++)
        for (size_t j = 0; j < F; j++) {
            float g = dz[r] * x[j];
            if (plus0) g = 0.0f + g;
            W[r * F + j] = sgd_update1(W[r * F + j], g, alpha, fused);
        }
}

/* ------------------------------------------------------------------------ */
/* p = sigmoid(z) = 1 / (1 + exp(-z))
 * vector lanes: a = 0 - z; a = exp(a); a = 1 + a; p = 1 / a; scalar tail
 * 1 / (1 + expf(-z)), glibc's expf (glibc_math.h: x86-64's FMA build, or
 * aarch64's in the NEON build).
 * dz = dp * (1 - p) * p, evaluated as (dp * (1 - p)) * p (no add after a
 * product, so nothing to fuse; identical in both builds). */
void sigmoid_forward(float *p, const float *z, size_t n, torch_cpu cpu)
{
    // p (n), z (n)
    size_t nv = vec_loop_end(n, cpu);
    for (size_t i = 0; i < nv; i++) p[i] = 1.0f / (1.0f + vexp(0.0f - z[i], cpu));
    for (size_t i = nv; i < n; i++) p[i] = 1.0f / (1.0f + tail_expf(-z[i], cpu));
}

void sigmoid_backward(float *dz, const float *dp, const float *p, size_t n, torch_cpu cpu)
{
    // dz (n), dp (n), p (n)
    (void)cpu;
    for (size_t i = 0; i < n; i++) dz[i] = dp[i] * (1.0f - p[i]) * p[i];
}

/* ------------------------------------------------------------------------ */
/* p = softmax(z) over a (1, n) row (_vec_softmax_lastdim):
 * m = reduce_all(maximum, z); e_i = exp(z_i - m) on every lane;
 * s = reduce_all(+, e); r = 1 / s; p_i = e_i * r (a product, not e_i / s).
 * dz = (dp - sum(dp * p)) * p, the sum being map2_reduce_all(dp*p, +). */
void softmax_forward(float *p, const float *z, size_t n, torch_cpu cpu)
{
    // p (n), z (n)
    float m = reduce_all(RED_MAX, z, n, cpu);
    for (size_t i = 0; i < n; i++) p[i] = vexp(z[i] - m, cpu);
    float r = 1.0f / reduce_all(RED_SUM, p, n, cpu);
    for (size_t i = 0; i < n; i++) p[i] = p[i] * r;
}

/* map2_reduce_all(x*y, +): below 8 elements a left fold of the rounded
 * products; from 8 on, lane accumulators acc = acc + dp*p, which the AVX2
 * build fuses into one FMA per element, then fold_lanes. */
static float dot_reduce(const float *a, const float *b, size_t n, torch_cpu cpu)
{
    size_t lanes = cpu_lanes(cpu);
    if (n < lanes) {
        float r = a[0] * b[0];
        for (size_t i = 1; i < n; i++) r = r + a[i] * b[i];
        return r;
    }
    float acc[VEC_MAX];
    for (size_t l = 0; l < lanes; l++) acc[l] = a[l] * b[l];
    for (size_t d = lanes; d < n; d += lanes)
        for (size_t l = 0; l < lanes && d + l < n; l++)
            acc[l] = cpu_sleef(cpu) ? fmaf(a[d + l], b[d + l], acc[l]) : acc[l] + a[d + l] * b[d + l];
    return fold_lanes(RED_SUM, acc, cpu);
}

void softmax_backward(float *dz, const float *dp, const float *p, size_t n, torch_cpu cpu)
{
    // dz (n), dp (n), p (n)
    float s = dot_reduce(dp, p, n, cpu);
    for (size_t i = 0; i < n; i++) dz[i] = (dp[i] - s) * p[i];
}

/* ------------------------------------------------------------------------ */
/* y = log(x) (at::vml::vlog: every element through the vector lambda).
 * dx = dy / x (LogBackward0: grad.div(self)), one IEEE division. */
void log_forward(float *y, const float *x, size_t n, torch_cpu cpu)
{
    // y (n), x (n)
    for (size_t i = 0; i < n; i++) y[i] = vlog(x[i], cpu);
}

void log_backward(float *dx, const float *dy, const float *x, size_t n, torch_cpu cpu)
{
    // dx (n), dy (n), x (n)
    (void)cpu;
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] / x[i];
}

/* ------------------------------------------------------------------------ */
/* y = logsigmoid(z) = min(z, 0) - log1p(exp(-|z|)) (log_sigmoid_forward,
 * every element through the vector lambda; the buffer b = exp(-|z|) is
 * saved for the backward and recomputed here).
 * min(z, 0): vminps(z, 0) gives +0 for z = -0, NaN stays NaN.
 * dz = (md - sg * (b / (1 + b))) * dy with md = 1, sg = 1 where z < 0 and
 * md = 0, sg = -1 elsewhere (sg * q is exact, so a fused form is equal). */
static float logsigmoid_buffer(float z, torch_cpu cpu)
{
    return vexp(-fabsf(z), cpu);
}

void logsigmoid_forward(float *y, const float *z, size_t n, torch_cpu cpu)
{
    // y (n), z (n)
    for (size_t i = 0; i < n; i++) {
        float mn = isnan(z[i]) ? z[i] : (z[i] < 0.0f ? z[i] : 0.0f);
        y[i] = mn - vlog1p(logsigmoid_buffer(z[i], cpu), cpu);
    }
}

void logsigmoid_backward(float *dz, const float *dy, const float *z, size_t n, torch_cpu cpu)
{
    // dz (n), dy (n), z (n)
    for (size_t i = 0; i < n; i++) {
        float b = logsigmoid_buffer(z[i], cpu);
        int neg = z[i] < 0.0f;
        float md = neg ? 1.0f : 0.0f;
        float sg = neg ? 1.0f : -1.0f;
        dz[i] = (md - sg * (b / (1.0f + b))) * dy[i];
    }
}

/* ------------------------------------------------------------------------ */
/* y = log_softmax(z) over a (1, n) row (_vec_log_softmax_lastdim):
 * m = reduce_all(maximum, z); s = map_reduce_all(exp(z_i - m), +);
 * l = log(s) (vector lane); y_i = (z_i - m) - l.
 * dz = dy - exp(y) * sum(dy), sum = reduce_all(+, dy); the AVX2 build fuses
 * dy - e * sum into one FMA. */
void log_softmax_forward(float *y, const float *z, size_t n, torch_cpu cpu)
{
    // y (n), z (n)
    float m = reduce_all(RED_MAX, z, n, cpu);
    float l = vlog(reduce_map(RED_SUM, z, n, 1, m, cpu), cpu);
    for (size_t i = 0; i < n; i++) y[i] = z[i] - m - l;
}

void log_softmax_backward(float *dz, const float *dy, const float *y, size_t n, torch_cpu cpu)
{
    // dz (n), dy (n), y (n)
    float s = reduce_all(RED_SUM, dy, n, cpu);
    for (size_t i = 0; i < n; i++) {
        float e = vexp(y[i], cpu);
        dz[i] = cpu_sleef(cpu) ? fmaf(-e, s, dy[i]) : dy[i] - e * s;
    }
}

/* ------------------------------------------------------------------------ */
/* loss = nll_loss(logp, [t]), mean over the one row: the cascade of
 * partial sums reduces to 0 - logp[t], then + 0, then / 1 (total weight).
 * dlogp = zeros with dlogp[t] = -(1 / 1) = -1. */
float nll_forward(const float *logp, size_t n, size_t target)
{
    // logp (n) -> scalar
    (void)n;
    float s = 0.0f - logp[target];
    return (0.0f + s) / 1.0f;
}

void nll_backward(float *dlogp, size_t n, size_t target)
{
    // dlogp (n)
    for (size_t i = 0; i < n; i++) dlogp[i] = 0.0f;
    dlogp[target] = -1.0f; /* -(1 / total_weight): one sample, no class weights, total_weight 1 */
}

/* loss = nll_loss(logp, y), mean over N rows (nll_loss_out_frame): the
 * loss partial sums form a cascade of 8 levels; row b subtracts its
 * logp[b][y_b] at level 0, then while the low level_power bits of each
 * level of b are zero the level is added into the next one up and cleared
 * (so row 0 climbs to the top level at once). The levels are added from 0
 * up into +0, then divided by the total weight N (a float).
 * dlogp[b][y_b] = -(1 / N), the rest +0. */
float nll_forward_rows(const float *logp, const size_t *targets, size_t N, size_t n)
{
    // logp (N, n) -> scalar
    enum { LEVELS = 8 };
    int64_t lp = ceil_log2((int64_t)N) / LEVELS;
    if (lp < 4) lp = 4;
    uint64_t mask = ((uint64_t)1 << lp) - 1;
    float part[LEVELS] = {0};
    for (size_t b = 0; b < N; b++) {
        part[0] -= logp[b * n + targets[b]];
        for (int j = 0; j + 1 < LEVELS; j++) {
            if (((uint64_t)b & (mask << (j * lp))) != 0) break;
            part[j + 1] += part[j];
            part[j] = 0.0f;
        }
    }
    float out = 0.0f;
    for (int j = 0; j < LEVELS; j++) out += part[j];
    return out / (float)N;
}

void nll_backward_rows(float *dlogp, const size_t *targets, size_t N, size_t n)
{
    // dlogp (N, n)
    float g = -(1.0f / (float)N);
    for (size_t i = 0; i < N * n; i++) dlogp[i] = 0.0f;
    for (size_t b = 0; b < N; b++) dlogp[b * n + targets[b]] = g;
}

/* ------------------------------------------------------------------------ */
/* Two formulas, by release (torch_release.h, bce_logsigmoid):
 * BCE_CLAMP (1.13): loss_i = (1 - t_i) * z_i + m_i + log(exp(-m_i) + exp(-z_i - m_i))
 * with m_i = clamp_min(-z_i, 0), one torch op at a time (Loss.cpp):
 * a = (1 - t) * z; a = a + m; e1 = exp(-m); e2 = exp((-z) - m);
 * l = log(e1 + e2); loss_i = a + l; exp and log on vector lanes.
 * BCE_LOGSIGMOID (2.x): loss_i = (1 - t_i) * z_i - logsigmoid(z_i), the
 * product exact (1 - t is 0 or 1), logsigmoid as logsigmoid_forward.
 * Then torch.mean = cascade sum (sum_cascade) / n, in both.
 * dz = ((sigmoid(z) - t) * 1) / n (binary_cross_entropy_with_logits_backward
 * with dloss = 1), sigmoid as in sigmoid_forward; the same in both. */
static float bce_elem(float z, float t, bce_form form, torch_cpu cpu)
{
    if (form == BCE_LOGSIGMOID) {
        float ls;
        logsigmoid_forward(&ls, &z, 1, cpu);
        return (1.0f - t) * z - ls;
    }
    float nz = -z;
    float m = nz < 0.0f ? 0.0f : nz; /* clamp_min keeps -0 and NaN */
    float a = (1.0f - t) * z;
    a = a + m;
    float e1 = vexp(-m, cpu);
    float e2 = vexp(nz - m, cpu);
    float l = vlog(e1 + e2, cpu);
    return a + l;
}

/* The one-hot targets of N rows of n classes: row r has a 1 at column
 * targets[r]. */
typedef struct {
    const size_t *targets;
    size_t n;
} onehot;

static float onehot_at(const onehot *t, size_t i)
{
    return i % t->n == t->targets[i / t->n] ? 1.0f : 0.0f;
}

static float bce_loss_at(const float *z, size_t i, const onehot *t, bce_form form, torch_cpu cpu)
{
    return bce_elem(z[i], onehot_at(t, i), form, cpu);
}

/* torch.sum of the n per-element losses (SumKernel cascade_sum). n >= 8:
 * vectorized_inner_sum: the n/8 whole vectors are summed by row_sum with 4
 * vector accumulators and 4 cascade levels of 2^level_power rows; the n%8
 * trailing elements are summed into a scalar from 0, then the 8 lanes of
 * the vector sum are added to it in order. n < 8: the same row_sum on
 * scalars. The output is pre-filled with 0 and the sum is added to it. */
static float bce_loss_sum(const float *z, size_t n, const onehot *target, bce_form form, torch_cpu cpu)
{
    enum { LEVELS = 4, ILP = 4 };
    size_t lanes = cpu_lanes(cpu);
    size_t width = n >= lanes ? lanes : 1; /* floats per summed "element" */
    size_t count = n / width;              /* vectors (or scalars) to sum */
    size_t rows = count / ILP;
    float acc[LEVELS][ILP][VEC_MAX] = {{{0}}};
    int64_t lp_bits = ceil_log2((int64_t)rows) / LEVELS;
    size_t lp = lp_bits < 4 ? 4 : (size_t)lp_bits; /* bits per level, at least 4 (so >= 0) */
    size_t step = (size_t)1 << lp, mask = step - 1;
    size_t i = 0;
    while (i + step <= rows) {
        for (size_t j = 0; j < step; j++, i++)
            for (size_t k = 0; k < ILP; k++)
                for (size_t l = 0; l < width; l++)
                    acc[0][k][l] += bce_loss_at(z, (i * ILP + k) * width + l, target, form, cpu);
        for (size_t j = 1; j < LEVELS; j++) {
            for (size_t k = 0; k < ILP; k++)
                for (size_t l = 0; l < width; l++) {
                    acc[j][k][l] += acc[j - 1][k][l];
                    acc[j - 1][k][l] = 0.0f;
                }
            if ((i & (mask << (j * lp))) != 0) break;
        }
    }
    for (; i < rows; i++)
        for (size_t k = 0; k < ILP; k++)
            for (size_t l = 0; l < width; l++)
                acc[0][k][l] += bce_loss_at(z, (i * ILP + k) * width + l, target, form, cpu);
    for (size_t j = 1; j < LEVELS; j++)
        for (size_t k = 0; k < ILP; k++)
            for (size_t l = 0; l < width; l++) acc[0][k][l] += acc[j][k][l];
    /* row_sum: leftover vectors into accumulator 0, then 1..3 into 0 */
    for (size_t v = rows * ILP; v < count; v++)
        for (size_t l = 0; l < width; l++) acc[0][0][l] += bce_loss_at(z, v * width + l, target, form, cpu);
    for (size_t k = 1; k < ILP; k++)
        for (size_t l = 0; l < width; l++) acc[0][0][l] += acc[0][k][l];
    float total;
    if (width == lanes) {
        total = 0.0f;
        for (size_t e = count * lanes; e < n; e++) total += bce_loss_at(z, e, target, form, cpu);
        for (size_t l = 0; l < lanes; l++) total += acc[0][0][l];
    } else {
        total = acc[0][0][0];
    }
    return 0.0f + total;
}

float bce_forward_rows(const float *z, const size_t *targets, size_t N, size_t n, bce_form form, torch_cpu cpu)
{
    // z (N, n) -> scalar
    onehot t = {targets, n};
    return bce_loss_sum(z, N * n, &t, form, cpu) / (float)(N * n);
}

void bce_backward_rows(float *dz, const float *z, const size_t *targets, size_t N, size_t n, torch_cpu cpu)
{
    // dz (N, n), z (N, n)
    onehot t = {targets, n};
    size_t all = N * n;
    sigmoid_forward(dz, z, all, cpu);
    for (size_t i = 0; i < all; i++) {
        float g = dz[i] - onehot_at(&t, i);
        dz[i] = (g * 1.0f) / (float)all;
    }
}

float bce_forward(const float *z, size_t n, size_t target, bce_form form, torch_cpu cpu)
{
    // z (n) -> scalar
    return bce_forward_rows(z, &target, 1, n, form, cpu);
}

void bce_backward(float *dz, const float *z, size_t n, size_t target, torch_cpu cpu)
{
    // dz (n), z (n)
    bce_backward_rows(dz, z, &target, 1, n, cpu);
}
