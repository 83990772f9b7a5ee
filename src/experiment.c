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
#include <threads.h>
#include <unistd.h>

#include "ops.h"
#include "simd.h"
#include "torch_rng.h"

void experiment_free(experiment *e)
{
    free(e->x);
    free(e->z);
    wstream_free(&e->w_start);
    wstream_free(&e->w_late);
    wstream_free(&e->w_cur);
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

/* One head's forward and backward; r's buffers are (C), scratch (2C). Each
 * op runs in the build torch runs that kernel in (torch_kernel_build). */
static void run_head(head_result *r, const float *z, size_t C, size_t target, int stable, const torch_release *rel,
                     torch_cpu cpu, float *scratch)
{
    torch_cpu c_sm = torch_kernel_build(rel, cpu, TORCH_KERNEL_SOFTMAX);
    torch_cpu c_sig = torch_kernel_build(rel, cpu, TORCH_KERNEL_SIGMOID);
    torch_cpu c_ls = torch_kernel_build(rel, cpu, TORCH_KERNEL_LOGSIGMOID);
    torch_cpu c_log = torch_kernel_build(rel, cpu, TORCH_KERNEL_LOG);
    switch (r->kind) {
    case LOSS_SIGMOID:
    case LOSS_SOFTMAX: {
        int sig = r->kind == LOSS_SIGMOID;
        if (sig) sigmoid_forward(r->p, z, C, c_sig);
        else softmax_forward(r->p, z, C, c_sm);
        if (stable) {
            if (sig) logsigmoid_forward(r->logp, z, C, c_ls);
            else log_softmax_forward(r->logp, z, C, c_sm);
        } else {
            log_forward(r->logp, r->p, C, c_log);
        }
        r->loss = nll_forward(r->logp, C, target);
        float *dlogp = scratch;
        nll_backward(dlogp, C, target);
        if (stable) {
            if (sig) logsigmoid_backward(r->dz, dlogp, z, C, c_ls);
            else log_softmax_backward(r->dz, dlogp, r->logp, C, c_sm);
        } else {
            float *dp = scratch + C;
            log_backward(dp, dlogp, r->p, C, c_log);
            if (sig) sigmoid_backward(r->dz, dp, r->p, C, c_sig);
            else softmax_backward(r->dz, dp, r->p, C, c_sm);
        }
        r->nonfinite = any_nonfinite(r->logp, C) || !isfinite(r->loss) || any_nonfinite(r->dz, C);
        break;
    }
    case LOSS_BCE: {
        /* the loss's elements and mean: log_sigmoid and sum (2.x) or exp,
         * log and sum (1.13), which share one build in every release */
        bce_form form = rel->bce_logsigmoid ? BCE_LOGSIGMOID : BCE_CLAMP;
        sigmoid_forward(r->p, z, C, c_sig);
        r->loss = bce_forward(z, C, target, form, torch_kernel_build(rel, cpu, TORCH_KERNEL_REDUCE));
        bce_backward(r->dz, z, C, target, c_sig);
        r->nonfinite = !isfinite(r->loss) || any_nonfinite(r->dz, C);
        break;
    }
    default: break;
    }
}

/* Threads at most, for the z pass and for the heads. */
#define MAX_THREADS 8

/* Classes from which the heads run in parallel, one thread per head (up
 * to the number of cores); each head has its own buffers and scratch, so
 * the split cannot change a bit. */
#define HEAD_THREAD_MIN_CLASSES 32768

typedef struct {
    experiment *e;
    const gradexp_options *o;
    float *scratch; /* 2C floats per head */
    int first, step;
} head_job;

static int head_job_run(void *arg)
{
    const head_job *j = arg;
    size_t C = j->e->C;
    for (int h = j->first; h < j->e->nheads; h += j->step)
        run_head(&j->e->heads[h], j->e->z, C, j->o->target, j->o->stable, j->o->torch, j->o->cpu,
                 j->scratch + 2 * C * (size_t)h);
    return 0;
}

/* Every head of e, in parallel for large heads. scratch is written by the
 * jobs, through jobs[t].scratch (clang-tidy 14 misses that). */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
static void run_heads(experiment *e, const gradexp_options *o, float *scratch)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int nt = e->C >= HEAD_THREAD_MIN_CLASSES && cpus > 1 ? (int)(cpus < e->nheads ? cpus : e->nheads) : 1;
    if (nt > MAX_THREADS) nt = MAX_THREADS;
    if (nt < 1) nt = 1;
    head_job jobs[MAX_THREADS] = {{0}};
    thrd_t th[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 0; t < nt; t++) jobs[t] = (head_job){e, o, scratch, t, nt};
    for (int t = 1; t < nt; t++) started[t] = thrd_create(&th[t], head_job_run, &jobs[t]) == thrd_success;
    head_job_run(&jobs[0]);
    for (int t = 1; t < nt; t++) {
        if (started[t]) (void)thrd_join(th[t], NULL); /* head_job_run always returns 0 */
        else head_job_run(&jobs[t]);
    }
}

/* Rows per batch of the z pass (simd_dot8 takes 8). */
#define DOT_ROWS 8
/* Weights from which the z pass is split across threads. */
#define THREAD_MIN_WEIGHTS ((uint64_t)1 << 22)

/* One slice of the z pass: rows [row0, row1) of W from its own stream. */
typedef struct {
    wstream ws; /* positioned at row0 */
    float *z;
    const float *x;
    size_t F;
    uint64_t row0, row1;
    uint64_t snap_row; /* leave a snapshot here in *late, if in range */
    wstream *late;
    int status;
} z_slice;

/* z[row0..row1) = W @ X over streamed rows, in batches of 8 rows that stop
 * at snap_row to copy the stream there. Sets sl->status to 0 or -1. */
static int z_slice_run(void *arg)
{
    z_slice *sl = arg;
    uint64_t i = sl->row0;
    sl->status = 0;
    /* the skip to row0 runs here, in parallel with the other slices */
    if (sl->row0 > 0 && wstream_seek(&sl->ws, sl->row0) != 0) {
        sl->status = -1;
        return 0;
    }
    while (i < sl->row1) {
        if (sl->late && i == sl->snap_row && wstream_copy(sl->late, &sl->ws) != 0) {
            sl->status = -1;
            return 0;
        }
        size_t k = sl->row1 - i < DOT_ROWS ? (size_t)(sl->row1 - i) : DOT_ROWS;
        if (sl->late && i < sl->snap_row && sl->snap_row - i < k) k = (size_t)(sl->snap_row - i);
        const float *rows = wstream_rows(&sl->ws, k);
        if (k == DOT_ROWS && simd_avx2()) simd_dot8(sl->z + i, rows, sl->x, sl->F);
        else linear_forward(sl->z + i, rows, sl->x, k, sl->F);
        i += k;
    }
    return 0;
}

/* How many threads the z pass of n weights uses. */
static int z_threads(uint64_t n, size_t C)
{
    if (n < THREAD_MIN_WEIGHTS || C < 2 * (size_t)DOT_ROWS) return 1;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1) cpus = 1;
    return cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
}

/* First row of slice t of nt over C rows. A slice skips the draws of the
 * rows before it (twisting the generator without using the words costs
 * about a ninth of generating them), so later slices get fewer rows:
 * slice t starts at C * t / nt, moved down by the skip cost of the slices
 * before it, which evens out their running times. */
static uint64_t slice_start(uint64_t C, int t, int nt)
{
    if (t <= 0) return 0;
    if (t >= nt) return C;
    double even = (double)C * t / nt;
    double shifted = even * (1.0 + (double)(nt - t) / (9.0 * nt));
    uint64_t r = (uint64_t)shifted;
    return r > C ? C : r;
}

/* z = W @ X from the stream `base` (at row 0), split into slices that run
 * in parallel; each slice regenerates its rows from its own copy of the
 * generator, so the result does not depend on the split. 0 or -1. */
/* z is written by the slices, through sl[t].z (clang-tidy 14 misses that). */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
static int stream_z(float *z, const wstream *base, const float *x, size_t C, size_t F, uint64_t snap_row, wstream *late)
{
    int nt = z_threads((uint64_t)C * F, C);
    z_slice sl[MAX_THREADS] = {0};
    int rc = 0;
    for (int t = 0; t < nt; t++) {
        sl[t] = (z_slice){.z = z,
                          .x = x,
                          .F = F,
                          .row0 = slice_start(C, t, nt),
                          .row1 = slice_start(C, t + 1, nt),
                          .snap_row = snap_row};
        if (late && snap_row >= sl[t].row0 && snap_row < sl[t].row1) sl[t].late = late;
        if (wstream_copy(&sl[t].ws, base) != 0) rc = -1;
    }
    if (rc == 0) {
        thrd_t th[MAX_THREADS];
        int started[MAX_THREADS] = {0};
        for (int t = 1; t < nt; t++) started[t] = thrd_create(&th[t], z_slice_run, &sl[t]) == thrd_success;
        z_slice_run(&sl[0]);
        for (int t = 1; t < nt; t++) {
            if (!started[t]) z_slice_run(&sl[t]); /* no thread: run the slice here */
            else if (thrd_join(th[t], NULL) != thrd_success) rc = -1;
        }
    }
    for (int t = 0; t < nt; t++) {
        if (sl[t].status != 0) rc = -1;
        wstream_free(&sl[t].ws);
    }
    return rc;
}

/* Bytes experiment_compute allocates for these options (an estimate that
 * errs high), so a run that cannot fit is refused before it starts. */
uint64_t experiment_bytes(const gradexp_options *o)
{
    uint64_t C = o->classes, F = o->features;
    uint64_t per_class = 4 * (1 + 5 * (uint64_t)o->nlosses); /* z; scratch (2) and p/logp/dz per head */
    uint64_t streams = (3 + MAX_THREADS) * (4 * (8 * F + 32 + 16 * (uint64_t)256) + sizeof(wstream));
    return C * per_class + 4 * F + streams;
}

exp_status experiment_compute(experiment *e, const gradexp_options *o)
{
    size_t C = o->classes, F = o->features;
    float *scratch = NULL;
    wstream ws = {0};
    memset(e, 0, sizeof *e);
    e->C = C;
    e->F = F;
    e->w_cur_row = UINT64_MAX;
    e->x = malloc(F * sizeof *e->x);
    e->z = malloc(C * sizeof *e->z);
    scratch = malloc(2 * C * (size_t)(o->nlosses > 0 ? o->nlosses : 1) * sizeof *scratch);
    if (!e->x || !e->z || !scratch) goto nomem;
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
    if (!o->no_abs)
        for (size_t i = 0; i < F; i++) e->x[i] = fabsf(e->x[i]);
    /* W * init_std: a Python float scalar meets a float32 tensor as float */
    float scale = (float)o->init_std;
    if (wstream_init(&ws, &g, C, F, o->cpu, o->has_init_std, scale, !o->no_abs, DOT_ROWS) != 0) goto nomem;
    if (wstream_copy(&e->w_start, &ws) != 0 || wstream_copy(&e->w_cur, &ws) != 0) goto nomem;
    /* the printer reads rows [0, e) and [C - e, C) when it summarises */
    uint64_t edge = (uint64_t)o->print.edgeitems;
    e->w_have_late = (o->show & (1u << SHOW_W)) && (uint64_t)C * F > (uint64_t)o->print.threshold && C > 2 * edge;
    e->w_late_row = e->w_have_late ? C - edge : C;
    if (stream_z(e->z, &ws, e->x, C, F, e->w_late_row, e->w_have_late ? &e->w_late : NULL) != 0) goto nomem;
    wstream_free(&ws);
    run_heads(e, o, scratch);
    free(scratch);
    return EXP_OK;
nomem:
    free(scratch);
    wstream_free(&ws);
    experiment_free(e);
    return EXP_NOMEM;
}

/* W[i][j] from the streams: the current row if it is row i, else the
 * stream is moved there (from a snapshot when i lies behind it). */
static float w_at(const tensor_view *t, size_t i, size_t j)
{
    experiment *e = (experiment *)t->ctx;
    if (e->w_cur_row != i) {
        const wstream *from = NULL;
        if (i < e->w_cur.row) from = e->w_have_late && i >= e->w_late_row ? &e->w_late : &e->w_start;
        else if (e->w_have_late && i >= e->w_late_row && e->w_cur.row < e->w_late_row) from = &e->w_late;
        if (from) {
            float *buf = e->w_cur.buf;
            e->w_cur = *from;
            e->w_cur.buf = buf;
            memcpy(buf, from->buf, from->cap * sizeof *buf);
        }
        while (e->w_cur.row < i) wstream_rows(&e->w_cur, 1);
        e->w_row = wstream_rows(&e->w_cur, 1);
        e->w_cur_row = i;
    }
    return e->w_row[j];
}

/* W.grad[i][j] = dz[i] * x[j], as linear_backward computes it. */
static float outer_at(const tensor_view *t, size_t i, size_t j)
{
    const float *dz = t->ctx, *x = t->ctx2;
    return dz[i] * x[j];
}

tensor_view experiment_view(experiment *e, int head, show_kind part, float *scalar)
{
    const head_result *r = head >= 0 ? &e->heads[head] : NULL;
    switch (part) {
    case SHOW_X: return tensor_view_dense1(e->x, e->F);
    case SHOW_W: {
        tensor_view v = {2, e->C, e->F, w_at, e, NULL};
        return v;
    }
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

exp_status experiment_print_torch(FILE *out, experiment *e, const gradexp_options *o)
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
