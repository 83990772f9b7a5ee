/* network.c - the dense model walked forward then backward, and torch's
 * SGD loop over it; see network.h. */
#include "network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "simd.h"

/* Any nan or inf among n floats. */
static int any_nonfinite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 1;
    return 0;
}

/* softmax-family op on each of N rows of C */
typedef void (*row_fn)(float *, const float *, size_t, torch_cpu);
typedef void (*row_bwd_fn)(float *, const float *, const float *, size_t, torch_cpu);

static void per_row(row_fn f, float *y, const float *x, size_t N, size_t C, torch_cpu cpu)
{
    for (size_t r = 0; r < N; r++) f(y + r * C, x + r * C, C, cpu);
}

static void per_row_bwd(row_bwd_fn f, float *dx, const float *dy, const float *y, size_t N, size_t C, torch_cpu cpu)
{
    for (size_t r = 0; r < N; r++) f(dx + r * C, dy + r * C, y + r * C, C, cpu);
}

void head_forward_backward(head_bufs *b, const net_spec *s, float *scratch)
{
    const torch_release *rel = s->rel;
    torch_cpu c_sm = torch_kernel_build(rel, s->cpu, TORCH_KERNEL_SOFTMAX);
    torch_cpu c_sig = torch_kernel_build(rel, s->cpu, TORCH_KERNEL_SIGMOID);
    torch_cpu c_ls = torch_kernel_build(rel, s->cpu, TORCH_KERNEL_LOGSIGMOID);
    torch_cpu c_log = torch_kernel_build(rel, s->cpu, TORCH_KERNEL_LOG);
    size_t N = s->N, C = s->dims[s->L], n = N * C;
    const float *z = b->z;
    switch (s->kind) {
    case LOSS_SIGMOID:
    case LOSS_SOFTMAX: {
        /* sigmoid  p = sigmoid(z), logp = log(p)   (--stable: logsigmoid(z))
         * softmax  p = softmax(z), logp = log(p)   (--stable: log_softmax(z))
         * loss = nll_loss(logp, y); backward from dloss = 1 */
        int sig = s->kind == LOSS_SIGMOID;
        if (sig) sigmoid_forward(b->p, z, n, c_sig);
        else per_row(softmax_forward, b->p, z, N, C, c_sm);
        if (s->stable) {
            if (sig) logsigmoid_forward(b->logp, z, n, c_ls);
            else per_row(log_softmax_forward, b->logp, z, N, C, c_sm);
        } else {
            log_forward(b->logp, b->p, n, c_log);
        }
        b->loss = nll_forward_rows(b->logp, s->targets, N, C);
        float *dlogp = scratch;
        nll_backward_rows(dlogp, s->targets, N, C);
        if (s->stable) {
            if (sig) logsigmoid_backward(b->dz, dlogp, z, n, c_ls);
            else per_row_bwd(log_softmax_backward, b->dz, dlogp, b->logp, N, C, c_sm);
        } else {
            float *dp = scratch + n;
            log_backward(dp, dlogp, b->p, n, c_log);
            if (sig) sigmoid_backward(b->dz, dp, b->p, n, c_sig);
            else per_row_bwd(softmax_backward, b->dz, dp, b->p, N, C, c_sm);
        }
        b->nonfinite = any_nonfinite(b->logp, n) || !isfinite(b->loss) || any_nonfinite(b->dz, n);
        break;
    }
    case LOSS_BCE: {
        /* p = sigmoid(z); loss = bce_with_logits(z, one_hot(y)), the mean
         * over N * C: log_sigmoid and sum (2.x) or exp, log and sum (1.13),
         * which share one build in every release */
        bce_form form = rel->bce_logsigmoid ? BCE_LOGSIGMOID : BCE_CLAMP;
        sigmoid_forward(b->p, z, n, c_sig);
        b->loss = bce_forward_rows(z, s->targets, N, C, form, torch_kernel_build(rel, s->cpu, TORCH_KERNEL_REDUCE));
        bce_backward_rows(b->dz, z, s->targets, N, C, c_sig);
        b->nonfinite = !isfinite(b->loss) || any_nonfinite(b->dz, n);
        break;
    }
    default: break;
    }
}

/* ------------------------------------------------------------------------ */
/* the hidden layers' activation and its derivative, in place allowed */

static void act_forward(float *h, const float *a, size_t n, const net_spec *s)
{
    switch (s->act) {
    case ACT_TANH: tanh_forward(h, a, n, torch_kernel_build(s->rel, s->cpu, TORCH_KERNEL_TANH)); break;
    case ACT_SIGMOID: sigmoid_forward(h, a, n, torch_kernel_build(s->rel, s->cpu, TORCH_KERNEL_SIGMOID)); break;
    case ACT_RELU:
    default: relu_forward(h, a, n); break;
    }
}

static void act_backward(float *da, const float *dh, const float *h, size_t n, const net_spec *s)
{
    switch (s->act) {
    case ACT_TANH: tanh_backward(da, dh, h, n, torch_kernel_build(s->rel, s->cpu, TORCH_KERNEL_ELEMENTWISE)); break;
    case ACT_SIGMOID: sigmoid_backward(da, dh, h, n, torch_kernel_build(s->rel, s->cpu, TORCH_KERNEL_SIGMOID)); break;
    case ACT_RELU:
    default: relu_backward(da, dh, h, n); break;
    }
}

/* ------------------------------------------------------------------------ */

static size_t weights(const net_spec *s, size_t l)
{
    return s->dims[l + 1] * s->dims[l];
}

/* the widest of d_0 .. d_L (C included), for the two scratch buffers */
static size_t widest(const net_spec *s)
{
    size_t m = 1;
    for (size_t l = 0; l <= s->L; l++)
        if (s->dims[l] > m) m = s->dims[l];
    return m;
}

unsigned long long net_bytes(const net_spec *s)
{
    unsigned long long b = 0, N = s->N, C = s->dims[s->L];
    for (size_t l = 0; l < s->L; l++) b += 2ull * weights(s, l) + N * s->dims[l + 1];
    b += 4 * N * C + 2 * N * (unsigned long long)widest(s) + (unsigned long long)s->steps + 1;
    b += 2 * N * C; /* head scratch */
    return 4 * b + 4096;
}

void net_free(net_run *r)
{
    for (size_t l = 0; l < MAX_LAYERS; l++) {
        free(r->W[l]);
        free(r->dW[l]);
        free(r->h[l]);
        free(r->still[l]);
    }
    free(r->head.z);
    free(r->head.p);
    free(r->head.logp);
    free(r->head.dz);
    free(r->curve);
    free(r->scratch);
    memset(r, 0, sizeof *r);
}

int net_alloc(net_run *r, const net_spec *s, float *const W0[])
{
    size_t N = s->N, C = s->dims[s->L];
    memset(r, 0, sizeof *r);
    for (size_t l = 0; l < s->L; l++) {
        r->W[l] = malloc(weights(s, l) * sizeof(float));
        r->dW[l] = malloc(weights(s, l) * sizeof(float));
        if (!r->W[l] || !r->dW[l]) goto nomem;
        memcpy(r->W[l], W0[l], weights(s, l) * sizeof(float));
        if (!(r->still[l] = malloc(s->dims[l + 1]))) goto nomem;
        memset(r->still[l], 1, s->dims[l + 1]);
        if (l + 1 < s->L && !(r->h[l + 1] = malloc(N * s->dims[l + 1] * sizeof(float)))) goto nomem;
    }
    r->head.z = malloc(N * C * sizeof(float));
    r->head.p = malloc(N * C * sizeof(float));
    r->head.dz = malloc(N * C * sizeof(float));
    if (s->kind != LOSS_BCE) r->head.logp = malloc(N * C * sizeof(float));
    r->scratch = malloc(2 * N * widest(s) * sizeof(float));
    if (s->steps > 0) r->curve = malloc(((size_t)s->steps + 1) * sizeof(float));
    if (!r->head.z || !r->head.p || !r->head.dz || (s->kind != LOSS_BCE && !r->head.logp) || !r->scratch ||
        (s->steps > 0 && !r->curve))
        goto nomem;
    return 0;
nomem:
    net_free(r);
    return -1;
}

/* out = in @ W.T through the fastest loop that gives the same bits (the
 * vector loops compute the unfused sums only) */
static void linear(float *out, const float *in, const float *W, size_t N, size_t O, size_t I, int fma)
{
    if (fma || !simd_avx2() || simd_matmul(out, in, W, N, O, I) != 0) matmul_forward(out, in, W, N, O, I, fma);
}

void net_forward_backward(net_run *r, const net_spec *s, const float *x, int accumulate)
{
    size_t L = s->L, N = s->N, C = s->dims[L];
    /* forward: h_0 = x, h_l = act(h_(l-1) @ W_l.T), z = h_(L-1) @ W_L.T */
    const float *in = x;
    int fma = cpu_blas_fma(s->cpu);
    for (size_t l = 0; l < L; l++) {
        size_t O = s->dims[l + 1], I = s->dims[l];
        float *out = l + 1 < L ? r->h[l + 1] : r->head.z;
        linear(out, in, r->W[l], N, O, I, fma);
        if (l + 1 < L) act_forward(out, out, N * O, s);
        in = out;
    }
    head_forward_backward(&r->head, s, r->scratch);
    /* backward: dz, then per layer from the top dW_l and d h_(l-1) */
    float *dout = r->scratch, *dnext = r->scratch + N * widest(s);
    memcpy(dout, r->head.dz, N * C * sizeof(float));
    for (size_t l = L; l-- > 0;) {
        size_t O = s->dims[l + 1], I = s->dims[l];
        const float *hin = l == 0 ? x : r->h[l];
        if (l + 1 < L) act_backward(dout, dout, r->h[l + 1], N * O, s);
        if (simd_avx2() && !fma)
            simd_matmul_backward(r->dW[l], l > 0 ? dnext : NULL, dout, hin, r->W[l], N, O, I, !s->batched);
        else matmul_backward(r->dW[l], l > 0 ? dnext : NULL, dout, hin, r->W[l], N, O, I, !s->batched, fma);
        if (accumulate)
            for (size_t i = 0; i < O * I; i++) r->dW[l][i] = 0.0f + r->dW[l][i];
        float *t = dout;
        dout = dnext;
        dnext = t;
    }
}

void net_train(net_run *r, const net_spec *s, const float *x)
{
    /* zero_grad: 1.13 zeroes the gradients once they exist, so every
     * backward after the first adds into zeros; 2.x sets them to None */
    int zeroes = !s->rel->zero_grad_none;
    torch_cpu c_add = torch_kernel_build(s->rel, s->cpu, TORCH_KERNEL_ELEMENTWISE);
    for (long t = 0; t < s->steps; t++) {
        net_forward_backward(r, s, x, zeroes && t > 0);
        r->curve[t] = r->head.loss;
        for (size_t l = 0; l < s->L; l++) /* rows this step moves */
            for (size_t o = 0; o < s->dims[l + 1]; o++)
                for (size_t i = 0; i < s->dims[l] && r->still[l][o]; i++)
                    if (r->dW[l][o * s->dims[l] + i] != 0.0f) r->still[l][o] = 0;
        for (size_t l = 0; l < s->L; l++) {
            if (simd_avx2()) simd_sgd(r->W[l], r->dW[l], weights(s, l), s->alpha, cpu_sleef(c_add));
            else sgd_update(r->W[l], r->dW[l], weights(s, l), s->alpha, c_add);
        }
    }
    net_forward_backward(r, s, x, zeroes && s->steps > 0);
    if (s->steps > 0) r->curve[s->steps] = r->head.loss;
}
