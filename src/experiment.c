/* experiment.c - X, W and every loss head, computed as PyTorch computes them.
 *
 * torch.manual_seed(seed); X = randn(F); W = randn(C, F); W *= init_std
 * (when given); X, W = |X|, |W| (unless --no-abs). Then, per head, on its
 * own copy of W (the copies are equal, so z = W @ X is computed once):
 *   sigmoid  p = sigmoid(z), logp = log(p)       (--stable: logsigmoid(z))
 *   softmax  p = softmax(z), logp = log(p)       (--stable: log_softmax(z))
 *   both     loss = nll_loss(logp, y)
 *   bce      p = sigmoid(z), loss = bce_with_logits(z, one_hot(y))
 * and backward from d loss = 1 down to dz; W.grad = outer(dz, X) is never
 * stored, the printer reads it through a view. */
#include "experiment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "torch_rng.h"

void experiment_free(experiment *e)
{
    free(e->x);
    free(e->w);
    free(e->z);
    for (int h = 0; h < e->nheads; h++) {
        free(e->heads[h].p);
        free(e->heads[h].logp);
        free(e->heads[h].dz);
    }
    memset(e, 0, sizeof *e);
}

/* Any nan or inf among n floats. */
static int any_nonfinite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 1;
    return 0;
}

/* One head's forward and backward; r's buffers are (C), scratch (2C). */
static void run_head(head_result *r, const float *z, size_t C, size_t target, int stable, torch_cpu cpu,
                     float *scratch)
{
    switch (r->kind) {
    case LOSS_SIGMOID:
    case LOSS_SOFTMAX: {
        int sig = r->kind == LOSS_SIGMOID;
        if (sig) sigmoid_forward(r->p, z, C, cpu);
        else softmax_forward(r->p, z, C, cpu);
        if (stable) {
            if (sig) logsigmoid_forward(r->logp, z, C, cpu);
            else log_softmax_forward(r->logp, z, C, cpu);
        } else {
            log_forward(r->logp, r->p, C, cpu);
        }
        r->loss = nll_forward(r->logp, C, target);
        float *dlogp = scratch;
        nll_backward(dlogp, C, target);
        if (stable) {
            if (sig) logsigmoid_backward(r->dz, dlogp, z, C, cpu);
            else log_softmax_backward(r->dz, dlogp, r->logp, C, cpu);
        } else {
            float *dp = scratch + C;
            log_backward(dp, dlogp, r->p, C, cpu);
            if (sig) sigmoid_backward(r->dz, dp, r->p, C, cpu);
            else softmax_backward(r->dz, dp, r->p, C, cpu);
        }
        r->nonfinite = any_nonfinite(r->logp, C) || !isfinite(r->loss) || any_nonfinite(r->dz, C);
        break;
    }
    case LOSS_BCE:
        sigmoid_forward(r->p, z, C, cpu);
        r->loss = bce_forward(z, C, target, cpu);
        bce_backward(r->dz, z, C, target, cpu);
        r->nonfinite = !isfinite(r->loss) || any_nonfinite(r->dz, C);
        break;
    default:
        break;
    }
}

exp_status experiment_compute(experiment *e, const gradexp_options *o)
{
    size_t C = o->classes, F = o->features;
    float *scratch = NULL;
    memset(e, 0, sizeof *e);
    e->C = C;
    e->F = F;
    e->x = malloc(F * sizeof *e->x);
    e->w = malloc(C * F * sizeof *e->w);
    e->z = malloc(C * sizeof *e->z);
    scratch = malloc(2 * C * sizeof *scratch);
    if (!e->x || !e->w || !e->z || !scratch) goto nomem;
    e->nheads = o->nlosses;
    for (int h = 0; h < o->nlosses; h++) {
        head_result *r = &e->heads[h];
        r->kind = o->losses[h];
        r->p = malloc(C * sizeof *r->p);
        r->dz = malloc(C * sizeof *r->dz);
        r->logp = r->kind == LOSS_BCE ? NULL : malloc(C * sizeof *r->logp);
        if (!r->p || !r->dz || (r->kind != LOSS_BCE && !r->logp)) goto nomem;
    }

    torch_rng g;
    torch_rng_seed(&g, o->seed);
    torch_randn(e->x, &g, F, o->cpu);
    torch_randn(e->w, &g, C * F, o->cpu);
    if (o->has_init_std) {
        float s = (float)o->init_std; /* a Python float scalar meets float32 */
        for (size_t i = 0; i < C * F; i++) e->w[i] = e->w[i] * s;
    }
    if (!o->no_abs) {
        for (size_t i = 0; i < F; i++) e->x[i] = fabsf(e->x[i]);
        for (size_t i = 0; i < C * F; i++) e->w[i] = fabsf(e->w[i]);
    }
    linear_forward(e->z, e->w, e->x, C, F);
    for (int h = 0; h < e->nheads; h++)
        run_head(&e->heads[h], e->z, C, o->target, o->stable, o->cpu, scratch);
    free(scratch);
    return EXP_OK;
nomem:
    free(scratch);
    experiment_free(e);
    return EXP_NOMEM;
}

/* W.grad[i][j] = dz[i] * x[j], as linear_backward computes it. */
static float outer_at(const tensor_view *t, size_t i, size_t j)
{
    const float *dz = t->ctx, *x = t->ctx2;
    return dz[i] * x[j];
}

tensor_view experiment_view(const experiment *e, int head, show_kind part, float *scalar)
{
    const head_result *r = head >= 0 ? &e->heads[head] : NULL;
    switch (part) {
    case SHOW_X: return tensor_view_dense1(e->x, e->F);
    case SHOW_W: return tensor_view_dense2(e->w, e->C, e->F);
    case SHOW_Z: return tensor_view_dense2(e->z, 1, e->C);
    case SHOW_P: return tensor_view_dense2(r->p, 1, e->C);
    case SHOW_LOSS: *scalar = r->loss; return tensor_view_dense0(scalar);
    case SHOW_GRAD:
    default: {
        tensor_view v = {2, e->C, e->F, outer_at, r->dz, e->x};
        return v;
    }
    }
}

/* "# name" then the tensor; 0 or -1 on a write error. */
static int emit(FILE *out, const char *head, const char *part, const tensor_view *v, const print_options *po)
{
    if (head) fprintf(out, "# %s.%s\n", head, part);
    else fprintf(out, "# %s\n", part);
    return tensor_print(out, v, po);
}

exp_status experiment_print_torch(FILE *out, const experiment *e, const gradexp_options *o)
{
    float scalar;
    for (int part = SHOW_X; part <= SHOW_W; part++) {
        if (!(o->show & (1u << part))) continue;
        tensor_view v = experiment_view(e, -1, (show_kind)part, &scalar);
        if (emit(out, NULL, SHOW_NAMES[part], &v, &o->print) != 0) return EXP_WRITE;
    }
    for (int h = 0; h < e->nheads; h++) {
        for (int part = SHOW_Z; part < SHOW_KINDS; part++) {
            if (!(o->show & (1u << part))) continue;
            tensor_view v = experiment_view(e, h, (show_kind)part, &scalar);
            if (emit(out, LOSS_NAMES[e->heads[h].kind], SHOW_NAMES[part], &v, &o->print) != 0) return EXP_WRITE;
        }
    }
    return ferror(out) ? EXP_WRITE : EXP_OK;
}
