/* ops.h - the model's operations as forward/backward pairs, in float32
 * exactly as PyTorch 1.13's CPU kernels compute them.
 *
 * Conventions (after llm.c): outputs first, then inputs, then sizes; the
 * gradient of x is dx; every backward sits right below its forward in ops.c
 * with the formula torch's autograd uses. Shapes are given at the top of
 * each function. Vectors of length n stand for torch's (1, n) row tensors
 * (the blog's z.unsqueeze(0)). Functions whose rounding depends on which of
 * torch's CPU kernel builds runs take a torch_cpu: the build that runs that
 * kernel, which the caller gets from torch_kernel_build (a release may run
 * some kernels of its AVX-512 family in their AVX2 build). No function
 * allocates, prints or exits. */
#ifndef GRADEXP_OPS_H
#define GRADEXP_OPS_H

#include <math.h>
#include <stddef.h>

#include "torch_cpu.h"

/* z = W @ x (torch.mv through reference BLAS sgemv), each term fused into
 * the running sum when fma is set (cpu_blas_fma: the aarch64 build).
 * z (C), W (C, F) row-major, x (F). */
void linear_forward(float *z, const float *W, const float *x, size_t C, size_t F, int fma);
/* dW = outer(dz, x) (MvBackward0: grad.ger(x)). dW (C, F), dz (C), x (F). */
void linear_backward(float *dW, const float *dz, const float *x, size_t C, size_t F);

/* out = in @ W.T (torch.mm, one row per sample) or W @ in (torch.mv, N =
 * 1): reference BLAS sgemm/sgemv, so each output is a sequential float sum
 * from +0 of separately rounded products (with fma: of products fused into
 * the sum), in the order of the inner index.
 * out (N, O), in (N, I), W (O, I) row-major. */
void matmul_forward(float *out, const float *in, const float *W, size_t N, size_t O, size_t I, int fma);
/* MmBackward0 / MvBackward0 for out = in @ W.T:
 * dW[o][i] = sum over n of dout[n][o] * in[n][i] (sgemm, sequential in n
 * from +0); with outer set (mv: grad.ger(vec)) the single product
 * dout[o] * in[i], which keeps a -0. din[n][i] = sum over o of
 * dout[n][o] * W[o][i], sequential in o from +0 (NULL: not wanted); the
 * sums fused as in matmul_forward when fma is set.
 * dW (O, I), din (N, I), dout (N, O), in (N, I), W (O, I). */
void matmul_backward(float *dW, float *din, const float *dout, const float *in, const float *W, size_t N, size_t O,
                     size_t I, int outer, int fma);

/* y = torch.relu(x) (clamp_min(x, 0): NaN stays NaN). y, x (n). */
void relu_forward(float *y, const float *x, size_t n);
/* dx = y <= 0 ? 0 : dy (threshold_backward(grad, result, 0)). dx, dy, y (n). */
void relu_backward(float *dx, const float *dy, const float *y, size_t n);

/* y = torch.tanh(x). y, x (n). */
void tanh_forward(float *y, const float *x, size_t n, torch_cpu cpu);
/* dx = dy * (1 - y * y) (tanh_backward; the vector builds fuse 1 - y*y).
 * dx, dy, y (n). */
void tanh_backward(float *dx, const float *dy, const float *y, size_t n, torch_cpu cpu);

/* w = w + (-lr) * g (SGD's p.add_(grad, alpha=-lr), alpha rounded to
 * float; the vector builds fuse it into one FMA). w, g (n). */
void sgd_update(float *w, const float *g, size_t n, float alpha, torch_cpu cpu);
/* The same for k rows of a one-layer W whose gradient is the outer
 * product dz x^T: W[r][j] = W[r][j] + alpha * g with g = dz[r] * x[j]
 * rounded, or 0 + that (plus0: accumulated into a zeroed gradient).
 * W (k, F), dz (k), x (F). */
void outer_sgd_update(float *W, const float *dz, const float *x, size_t k, size_t F, float alpha, int fused, int plus0);
/* One element of sgd_update. */
static inline float sgd_update1(float w, float g, float alpha, int fused)
{
    return fused ? fmaf(g, alpha, w) : w + alpha * g;
}

/* p = torch.sigmoid(z). p, z (n). */
void sigmoid_forward(float *p, const float *z, size_t n, torch_cpu cpu);
/* dz = dp * (1 - p) * p (sigmoid_backward). dz, dp, p (n). */
void sigmoid_backward(float *dz, const float *dp, const float *p, size_t n, torch_cpu cpu);

/* p = torch.softmax(z, dim=1) of a (1, n) row. p, z (n). */
void softmax_forward(float *p, const float *z, size_t n, torch_cpu cpu);
/* dz = (dp - sum(dp * p)) * p (_softmax_backward_data). dz, dp, p (n). */
void softmax_backward(float *dz, const float *dp, const float *p, size_t n, torch_cpu cpu);

/* y = torch.log(x). y, x (n). */
void log_forward(float *y, const float *x, size_t n, torch_cpu cpu);
/* dx = dy / x (LogBackward0). dx, dy, x (n). */
void log_backward(float *dx, const float *dy, const float *x, size_t n, torch_cpu cpu);

/* y = F.logsigmoid(z). y, z (n). */
void logsigmoid_forward(float *y, const float *z, size_t n, torch_cpu cpu);
/* dz = (md - sg * b / (1 + b)) * dy with b = exp(-|z|), md = 1, sg = 1 for
 * z < 0, else md = 0, sg = -1 (log_sigmoid_backward; the buffer b that
 * torch saves is recomputed from z). dz, dy, z (n). */
void logsigmoid_backward(float *dz, const float *dy, const float *z, size_t n, torch_cpu cpu);

/* y = F.log_softmax(z, dim=1) of a (1, n) row. y, z (n). */
void log_softmax_forward(float *y, const float *z, size_t n, torch_cpu cpu);
/* dz = dy - exp(y) * sum(dy) (_log_softmax_backward_data). dz, dy, y (n). */
void log_softmax_backward(float *dz, const float *dy, const float *y, size_t n, torch_cpu cpu);

/* loss = F.nll_loss(logp, [target]) with mean reduction, logp (1, n). */
float nll_forward(const float *logp, size_t n, size_t target);
/* dlogp = d(loss)/d(logp) for dloss = 1. dlogp (n). */
void nll_backward(float *dlogp, size_t n, size_t target);

/* loss = F.nll_loss(logp, y) with mean reduction over N rows of n
 * classes, y = targets (N): the cascade of partial sums of -logp[r][y_r]
 * (8 levels of at least 2^4 rows), then / N. logp (N, n). */
float nll_forward_rows(const float *logp, const size_t *targets, size_t N, size_t n);
/* dlogp = zeros with dlogp[r][y_r] = -(1 / N), for dloss = 1. dlogp (N, n). */
void nll_backward_rows(float *dlogp, const size_t *targets, size_t N, size_t n);

/* How a release computes binary_cross_entropy_with_logits' elements:
 * 1.13 through clamp_min, exp and log; 2.x through log_sigmoid. */
typedef enum { BCE_CLAMP = 0, BCE_LOGSIGMOID = 1 } bce_form;

/* loss = F.binary_cross_entropy_with_logits(z, one_hot(target)), mean.
 * z (n). */
float bce_forward(const float *z, size_t n, size_t target, bce_form form, torch_cpu cpu);
/* dz = (sigmoid(z) - one_hot(target)) / n for dloss = 1. dz, z (n). */
void bce_backward(float *dz, const float *z, size_t n, size_t target, torch_cpu cpu);
/* The same over N rows of n classes, row r's target targets[r]; the mean
 * is over all N * n elements. z, dz (N, n). */
float bce_forward_rows(const float *z, const size_t *targets, size_t N, size_t n, bce_form form, torch_cpu cpu);
void bce_backward_rows(float *dz, const float *z, const size_t *targets, size_t N, size_t n, torch_cpu cpu);

#endif
