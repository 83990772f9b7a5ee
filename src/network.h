/* network.h - the dense model: hidden layers, a batch of inputs, a loss
 * head, and SGD training, over plain float arrays.
 *
 * The model is a list of layers walked forward then backward, as llm.c
 * walks GPT-2: layer l (1..L) is h_l = act(h_(l-1) @ W_l.T) (mv for one
 * input), the last one gives the logits z without an activation, and the
 * head turns z into a loss (head_forward_backward, which the streamed
 * single-layer path in experiment.c uses too). net_train runs torch's SGD
 * steps over it. Every operation is an ops.c forward/backward pair in the
 * kernel build torch runs it in (torch_kernel_build); nothing here
 * prints. */
#ifndef GRADEXP_NETWORK_H
#define GRADEXP_NETWORK_H

#include <stddef.h>

#include "options.h"
#include "torch_release.h"

#define MAX_LAYERS (MAX_HIDDEN + 1)

/* What a head and a network run on, fixed for a run. */
typedef struct {
    size_t L;                    /* layers: hidden ones + the head's linear layer */
    size_t dims[MAX_LAYERS + 1]; /* d_0 = F, d_1 .. d_(L-1) hidden, d_L = C */
    size_t N;                    /* rows of X (1 without --batch) */
    int batched;                 /* X is (N, F) and layers use mm, else mv */
    act_kind act;
    loss_kind kind;
    int stable;
    const size_t *targets; /* N classes */
    const torch_release *rel;
    torch_cpu cpu; /* the family; each op asks torch_kernel_build */
    long steps;
    float alpha; /* SGD's add_ alpha: (float)(-lr) */
} net_spec;

/* One head's buffers: (N, C) each; logp NULL for bce. */
typedef struct {
    float *z, *p, *logp, *dz;
    float loss;
    int nonfinite; /* a nan or inf in logp, the loss or dz */
} head_bufs;

/* z (N, C) -> p, logp, loss, and dz = d loss / d z for dloss = 1, as the
 * spec's head computes them. scratch holds 2 * N * C floats. */
void head_forward_backward(head_bufs *b, const net_spec *s, float *scratch);

/* A head's whole network: its own copy of every W, trained in place. */
typedef struct {
    float *W[MAX_LAYERS];  /* W_l (d_l, d_(l-1)): initial, then trained */
    float *dW[MAX_LAYERS]; /* the gradients of the last backward, as torch holds them */
    float *h[MAX_LAYERS];  /* h[l] (N, d_l) for l = 1 .. L-1 */
    head_bufs head;
    float *curve;                     /* steps + 1 losses (NULL without steps) */
    unsigned char *still[MAX_LAYERS]; /* per row of W_l: 1 while its gradient was all zeros at every step */
    float *scratch;
} net_run;

/* Bytes net_alloc allocates for a spec (errs high). */
unsigned long long net_bytes(const net_spec *s);
/* Allocates r for s, with W copied from W0. 0 or -1 (nothing left allocated). */
int net_alloc(net_run *r, const net_spec *s, float *const W0[]);
void net_free(net_run *r);

/* Forward and backward through every layer: h, z, the head, dz, every dW.
 * accumulate: the gradients already exist and were zeroed (1.13's
 * zero_grad), so each is 0 + the new one (a -0 becomes +0). */
void net_forward_backward(net_run *r, const net_spec *s, const float *x, int accumulate);

/* s->steps SGD steps (zero_grad, forward, backward, step), then zero_grad,
 * forward and backward once more: r then holds the trained model's
 * tensors, its gradients and the curve. */
void net_train(net_run *r, const net_spec *s, const float *x);

#endif
