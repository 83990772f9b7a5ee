/* experiment.c - X, W and every loss head, computed as PyTorch computes them.
 *
 * torch.manual_seed(seed); X = randn(F); W = randn(C, F); W *= init_std
 * (when given); X, W = |X|, |W| (unless --no-abs). Then, per head, on its
 * own copy of W (the copies are equal, so z = W @ X is computed once):
 *   sigmoid  p = sigmoid(z), logp = log(p)       (--stable: logsigmoid(z))
 *   softmax  p = softmax(z), logp = log(p)       (--stable: log_softmax(z))
 *   both     loss = nll_loss(logp, y)
 *   bce      p = sigmoid(z), loss = bce_with_logits(z, one_hot(y))
 * and backward from d loss = 1 down to dz (network.c's
 * head_forward_backward); W.grad = outer(dz, X) is never stored, the
 * printer reads it through a view. With --steps each head then trains:
 * pass t (1..T) replays every row of its W_t from W_0 and the dz rows of
 * the steps before (W_0 regenerated, or kept when small), computes z_t,
 * and runs the head again.
 *
 * With hidden layers or a batch the run takes the dense path instead:
 * X (N, F) and W_1 .. W_L drawn in that order and held, each head a
 * network.c net_run trained by net_train, the heads on parallel threads.
 * Both paths end in the same named views (experiment_tensors). */
/* mmap's MAP_ANONYMOUS and madvise (for the kept W_0) are glibc extensions */
#define _DEFAULT_SOURCE // NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): a feature macro
#include "experiment.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <threads.h>
#include <unistd.h>

#include "ops.h"
#include "simd.h"
#include "torch_rng.h"

void experiment_free(experiment *e)
{
    free(e->x);
    free(e->z);
    free(e->w_tr);
    if (e->w0) munmap(e->w0, e->w0_bytes);
    free(e->targets_owned);
    for (size_t l = 0; l < MAX_LAYERS; l++) free(e->W0[l]);
    wstream_free(&e->w_start);
    wstream_free(&e->w_late);
    wstream_free(&e->w_cur);
    for (int h = 0; h < e->nheads; h++) {
        head_result *r = &e->heads[h];
        if (e->dense) {
            net_free(&r->net); /* p, logp, dz, z and curve are its buffers */
            continue;
        }
        free(r->p);
        free(r->logp);
        free(r->dz);
        if (r->z != e->z) free(r->z);
        free(r->curve);
        free(r->dz_hist);
    }
    inputs_close(&e->in);
    memset(e, 0, sizeof *e);
}

int experiment_read_check(experiment *e)
{
    if (!atomic_load(&e->read_failed)) return 0;
    snprintf(e->errmsg, sizeof e->errmsg, "%s: could not be read (it changed or shrank since it was opened)",
             e->in.w[0].name);
    return -1;
}

/* Opens the user's files again for the run and checks that they still
 * have the shapes the options were sized from. 0, or -1 with errmsg. */
static int open_inputs(experiment *e, const gradexp_options *o)
{
    if (!o->input[0] && !o->weights[0]) return 0;
    gradexp_options *again = malloc(sizeof *again);
    if (again == NULL) return snprintf(e->errmsg, sizeof e->errmsg, "not enough memory"), -1;
    memcpy(again, o, sizeof *again);
    int rc = inputs_open(&e->in, again, e->errmsg, sizeof e->errmsg);
    int same = again->features == o->features && again->classes == o->classes && again->nhidden == o->nhidden &&
               again->batch == o->batch && again->has_batch == o->has_batch &&
               !memcmp(again->hidden, o->hidden, sizeof o->hidden);
    free(again);
    if (rc == 0 && !same) {
        snprintf(e->errmsg, sizeof e->errmsg, "%.600s: changed since it was first read",
                 o->weights[0] ? o->weights : o->input);
        inputs_close(&e->in);
        rc = -1;
    }
    return rc;
}

/* Reads all of a user's array (rows x cols floats) into v. 0 or -1 with
 * errmsg. */
static int read_all(experiment *e, float *v, const arrayfile *a)
{
    return arrayfile_rows(a, v, 0, (size_t)a->rows, e->errmsg, sizeof e->errmsg);
}

/* Threads at most, for the z pass and for the heads. */
#define MAX_THREADS 8

/* Classes from which the streamed heads run in parallel; each head has its
 * own buffers and scratch, so the split cannot change a bit. */
#define HEAD_THREAD_MIN_CLASSES 32768

/* Something done to one head: fn(e, h, arg). */
typedef void (*head_fn)(experiment *e, int h, void *arg);

typedef struct {
    experiment *e;
    head_fn fn;
    void *arg;
    int first, step;
} head_job;

static int head_job_run(void *a)
{
    const head_job *j = a;
    for (int h = j->first; h < j->e->nheads; h += j->step) j->fn(j->e, h, j->arg);
    return 0;
}

/* fn on every head of e: heads t, t + n, ... on thread t of n, n the cores
 * (at most one per head) when parallel is set, else 1. A thread that cannot
 * be started runs its heads here. */
static void for_each_head(experiment *e, int parallel, head_fn fn, void *arg)
{
    long cpus = parallel ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    int nt = cpus > 1 ? (int)(cpus < e->nheads ? cpus : e->nheads) : 1;
    if (nt > MAX_THREADS) nt = MAX_THREADS;
    if (nt < 1) nt = 1;
    head_job jobs[MAX_THREADS] = {{0}};
    thrd_t th[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 0; t < nt; t++) jobs[t] = (head_job){e, fn, arg, t, nt};
    for (int t = 1; t < nt; t++) started[t] = thrd_create(&th[t], head_job_run, &jobs[t]) == thrd_success;
    head_job_run(&jobs[0]);
    for (int t = 1; t < nt; t++) {
        if (started[t]) (void)thrd_join(th[t], NULL); /* head_job_run always returns 0 */
        else head_job_run(&jobs[t]);
    }
}

/* One streamed head's forward and backward on its logits (one row); arg is
 * the scratch, 2C floats per head. */
static void run_head(experiment *e, int h, void *arg)
{
    head_result *r = &e->heads[h];
    net_spec s = e->spec;
    s.kind = r->kind;
    head_bufs b = {r->z, r->p, r->logp, r->dz, 0.0f, 0};
    head_forward_backward(&b, &s, (float *)arg + 2 * e->C * (size_t)h);
    r->loss = b.loss;
    r->nonfinite = b.nonfinite;
}

/* Every streamed head, in parallel for large heads. */
static void run_heads(experiment *e, float *scratch)
{
    for_each_head(e, e->C >= HEAD_THREAD_MIN_CLASSES, run_head, scratch);
}

/* Rows per batch of the z pass (simd_dot8 takes 8). */
#define DOT_ROWS 16
/* Weights from which the z pass is split across threads. */
#define THREAD_MIN_WEIGHTS ((uint64_t)1 << 22)

/* z[0..k) = rows @ x, k <= DOT_ROWS rows of F */
static void dot_rows(const experiment *e, float *z, const float *rows, const float *x, size_t k, size_t F)
{
    if (k == DOT_ROWS && simd_avx2()) {
        simd_dot8(z, rows, x, F, e->blas_fma);
        simd_dot8(z + 8, rows + 8 * F, x, F, e->blas_fma);
    } else {
        linear_forward(z, rows, x, k, F, e->blas_fma);
    }
}

/* k rows of W_0 from row i on, in place -> the same rows of head r's W
 * after `steps` SGD steps: W_(t+1) = W_t + alpha * outer(dz_t, x), each
 * step's gradient as torch holds it (0 + g after the first in 1.13). */
static void replay_rows(float *rows, const experiment *e, const head_result *r, uint64_t i, size_t k, long steps)
{
    for (long t = 0; t < steps; t++) {
        const float *dz = r->dz_hist + (size_t)t * e->C + i;
        int plus0 = e->plus0 && t > 0;
        if (simd_avx2()) simd_outer_sgd(rows, dz, e->x, k, e->F, e->alpha, e->fused, plus0);
        else outer_sgd_update(rows, dz, e->x, k, e->F, e->alpha, e->fused, plus0);
    }
}

/* The kept W_0 (e->w0): rows in whole 16-row blocks from row 0 on are
 * stored as columns of 16 (simd_transpose16), ready for the replay
 * kernel; the rows after the last whole block, and every row without the
 * vector paths, row by row. */
static int w0_blocked(const experiment *e, uint64_t i)
{
    return simd_avx2() && i < e->C / DOT_ROWS * DOT_ROWS;
}

/* row i (past the blocks) of the kept W_0 */
static const float *w0_tail(const experiment *e, uint64_t i)
{
    return e->w0 + i * e->F;
}

/* Stores k rows of W_0 from row i into e->w0 in that layout. */
static void keep_w0(const experiment *e, const float *rows, uint64_t i, size_t k, int block)
{
    size_t F = e->F;
    if (block) {
        simd_transpose16(e->w0 + i * F, rows, F);
        return;
    }
    for (size_t r = 0; r < k; r++) {
        uint64_t row = i + r;
        if (!w0_blocked(e, row)) {
            memcpy(e->w0 + row * F, rows + r * F, F * sizeof *rows);
            continue;
        }
        uint64_t b = row / DOT_ROWS * DOT_ROWS;
        for (size_t j = 0; j < F; j++) e->w0[b * F + j * DOT_ROWS + (row - b)] = rows[r * F + j];
    }
}

/* One slice of the z pass: rows [row0, row1) of W from its own stream. */
typedef struct {
    wstream ws; /* positioned at row0 */
    float *z;
    const float *x;
    size_t F;
    const experiment *e; /* step > 0: every head's W_step rows, replayed */
    long step;
    float *tmp; /* DOT_ROWS rows of a head's W_step */
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
    const experiment *e = sl->e;
    /* with W_0 kept (e->w0) the steps read it instead of the generator */
    int cached = sl->step > 0 && e->w0;
    /* the skip to row0 runs here, in parallel with the other slices */
    if (!cached && sl->row0 > 0 && wstream_seek(&sl->ws, sl->row0) != 0) {
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
        int block = k == DOT_ROWS && i % DOT_ROWS == 0 && simd_avx2(); /* a whole 16-row block */
        /* a whole block in training is read as columns of 16 (kept so in
         * e->w0, or transposed once here for every head), replayed and
         * summed in vector lanes; other rows row by row */
        const float *cols = cached && block ? e->w0 + i * sl->F : NULL;
        const float *rows = cols ? NULL : cached ? w0_tail(e, i) : wstream_rows(&sl->ws, k);
        if (sl->step == 0) {
            if (e->w0) keep_w0(e, rows, i, k, block);
            dot_rows(e, sl->z + i, rows, sl->x, k, sl->F);
        } else {
            if (block && !cols) {
                simd_transpose16(sl->tmp, rows, sl->F);
                cols = sl->tmp;
            }
            for (int h = 0; h < e->nheads; h++) {
                const head_result *r = &e->heads[h];
                if (cols) {
                    simd_dot16_replay_cols(r->z + i, cols, sl->x, sl->F, r->dz_hist + i, e->C, sl->step, e->alpha,
                                           e->fused, e->plus0 ? 1 : LONG_MAX, e->blas_fma);
                    continue;
                }
                if (!rows || !sl->tmp) break; /* cannot happen: training has both */
                memcpy(sl->tmp, rows, k * sl->F * sizeof *sl->tmp);
                replay_rows(sl->tmp, e, r, i, k, sl->step);
                dot_rows(e, r->z + i, sl->tmp, sl->x, k, sl->F);
            }
        }
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
    uint64_t r = (uint64_t)shifted / DOT_ROWS * DOT_ROWS; /* whole blocks: see w0_block */
    return r > C ? C : r;
}

/* z = W @ X from the stream `base` (at row 0), split into slices that run
 * in parallel; each slice regenerates its rows from its own copy of the
 * generator, so the result does not depend on the split. 0 or -1. */
/* z is written by the slices, through sl[t].z (clang-tidy 14 misses that). */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
static int stream_z(float *z, const wstream *base, const experiment *e, long step, uint64_t snap_row, wstream *late)
{
    size_t C = e->C, F = e->F;
    int nt = z_threads((uint64_t)C * F * (uint64_t)(step * e->nheads + 1), C);
    z_slice sl[MAX_THREADS] = {0};
    int rc = 0;
    for (int t = 0; t < nt; t++) {
        sl[t] = (z_slice){.z = z,
                          .x = e->x,
                          .F = F,
                          .e = e,
                          .step = step,
                          .row0 = slice_start(C, t, nt),
                          .row1 = slice_start(C, t + 1, nt),
                          .snap_row = snap_row};
        if (late && snap_row >= sl[t].row0 && snap_row < sl[t].row1) sl[t].late = late;
        if (wstream_copy(&sl[t].ws, base) != 0) rc = -1;
        if (step > 0 && !(sl[t].tmp = malloc((size_t)DOT_ROWS * F * sizeof(float)))) rc = -1;
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
        free(sl[t].tmp);
    }
    return rc;
}

/* The network every head shares, from the options (kind is per head). */
static net_spec spec_of(const gradexp_options *o)
{
    net_spec s = {0};
    s.L = (size_t)o->nhidden + 1;
    s.dims[0] = o->features;
    for (int l = 0; l < o->nhidden; l++) s.dims[l + 1] = o->hidden[l];
    s.dims[s.L] = o->classes;
    s.N = o->has_batch ? o->batch : 1;
    s.batched = o->has_batch;
    s.act = o->act;
    s.stable = o->stable;
    s.rel = o->torch;
    s.cpu = o->cpu;
    s.steps = o->steps;
    /* add_(grad, alpha=-lr): the Python float meets a float32 tensor as float */
    s.alpha = (float)-o->lr;
    return s;
}

/* The largest W_0 a training run keeps in memory rather than regenerating
 * it for every step (GPT-2's 50257 x 768 head is 154 MB). */
#define W_CACHE_BYTES ((uint64_t)192 << 20)

/* Whether these options take the dense path: hidden layers or a batch. */
static int is_dense(const gradexp_options *o)
{
    return o->nhidden > 0 || o->has_batch;
}

/* Bytes experiment_compute allocates for these options (an estimate that
 * errs high), so a run that cannot fit is refused before it starts. */
uint64_t experiment_bytes(const gradexp_options *o)
{
    uint64_t C = o->classes, F = o->features, T = (uint64_t)o->steps;
    if (is_dense(o)) {
        net_spec s = spec_of(o);
        uint64_t w0 = 0;
        for (size_t l = 0; l < s.L; l++) w0 += 4ull * s.dims[l] * s.dims[l + 1];
        uint64_t heads = 0;
        for (int h = 0; h < o->nlosses; h++) {
            s.kind = o->losses[h];
            heads += net_bytes(&s);
        }
        /* x, W0, the heads, and simd_matmul's transposed copy of the widest W */
        return 4ull * s.N * F + 2 * w0 + heads;
    }
    uint64_t per_class = 4 * (1 + 5 * (uint64_t)o->nlosses);    /* z; scratch (2) and p/logp/dz per head */
    if (T > 0) per_class += 4 * (uint64_t)o->nlosses * (T + 1); /* own z, dz history */
    uint64_t streams = (3 + MAX_THREADS) * (4 * (8 * F + 32 + 16 * (uint64_t)256) + sizeof(wstream));
    if (T > 0) streams += (uint64_t)MAX_THREADS * 4 * DOT_ROWS * F + 4 * F;
    if (T > 0 && C * F * 4 <= W_CACHE_BYTES) streams += C * F * 4;
    return C * per_class + 4 * F + 4 * (T + 1) * (uint64_t)o->nlosses + streams;
}

/* X, then W_1 .. W_L, as torch draws them: randn, * init_std, abs. */
static void draw(float *v, torch_rng *g, size_t n, const gradexp_options *o, int is_w)
{
    torch_randn(v, g, n, o->cpu);
    /* W * init_std: a Python float scalar meets a float32 tensor as float */
    if (is_w && o->has_init_std) {
        float scale = (float)o->init_std;
        for (size_t i = 0; i < n; i++) v[i] = v[i] * scale;
    }
    if (!o->no_abs)
        for (size_t i = 0; i < n; i++) v[i] = fabsf(v[i]);
}

/* Trains one head of a dense run. */
static void train_head(experiment *e, int h, void *arg)
{
    (void)arg;
    net_spec s = e->spec;
    s.kind = e->heads[h].kind;
    net_train(&e->heads[h].net, &s, e->x);
}

/* The dense path: X and every W_l held, each head trained on its copy. */
static exp_status compute_dense(experiment *e, const gradexp_options *o)
{
    torch_rng g;
    torch_rng_seed(&g, o->seed);
    e->x = malloc(e->N * e->F * sizeof *e->x);
    if (!e->x) return EXP_NOMEM;
    /* given tensors are read, the others drawn in order, skipping them */
    if (e->in.has_x) {
        if (read_all(e, e->x, &e->in.x) != 0) return EXP_INPUT;
    } else {
        draw(e->x, &g, e->N * e->F, o, 0);
    }
    for (size_t l = 0; l < e->L; l++) {
        size_t n = e->spec.dims[l] * e->spec.dims[l + 1];
        if (!(e->W0[l] = malloc(n * sizeof(float)))) return EXP_NOMEM;
        if (l < e->in.nw) {
            if (read_all(e, e->W0[l], &e->in.w[l]) != 0) return EXP_INPUT;
        } else {
            draw(e->W0[l], &g, n, o, 1);
        }
    }
    for (int h = 0; h < e->nheads; h++) {
        net_spec s = e->spec;
        s.kind = e->heads[h].kind;
        if (net_alloc(&e->heads[h].net, &s, e->W0) != 0) return EXP_NOMEM;
    }
    /* each head trains its own network, in parallel (nothing is shared but
     * X and W_0, which are only read) */
    for_each_head(e, 1, train_head, NULL);
    for (int h = 0; h < e->nheads; h++) {
        head_result *r = &e->heads[h];
        r->z = r->net.head.z;
        r->p = r->net.head.p;
        r->logp = r->net.head.logp;
        r->dz = r->net.head.dz;
        r->loss = r->net.head.loss;
        r->nonfinite = r->net.head.nonfinite;
        r->curve = r->net.curve;
    }
    return EXP_OK;
}

/* The streamed path's SGD steps: before step t (1..T) each head's W_t is
 * replayed from W_0 row by row while its logits are computed, then its
 * head runs again. The heads start from the shared z of W_0. */
static exp_status train_streamed(experiment *e, const wstream *base, float *scratch)
{
    size_t C = e->C;
    long T = e->steps;
    for (int h = 0; h < e->nheads; h++) {
        head_result *r = &e->heads[h];
        r->z = malloc(C * sizeof *r->z);
        r->dz_hist = malloc((size_t)T * C * sizeof *r->dz_hist);
        r->curve = malloc(((size_t)T + 1) * sizeof *r->curve);
        if (!r->z || !r->dz_hist || !r->curve) return EXP_NOMEM;
    }
    for (long t = 1; t <= T; t++) {
        for (int h = 0; h < e->nheads; h++) {
            head_result *r = &e->heads[h];
            memcpy(r->dz_hist + (size_t)(t - 1) * C, r->dz, C * sizeof *r->dz);
            r->curve[t - 1] = r->loss;
        }
        if (stream_z(NULL, base, e, t, C, NULL) != 0) return EXP_NOMEM;
        run_heads(e, scratch);
    }
    for (int h = 0; h < e->nheads; h++) e->heads[h].curve[T] = e->heads[h].loss;
    return EXP_OK;
}

exp_status experiment_compute(experiment *e, const gradexp_options *o)
{
    size_t C = o->classes, F = o->features;
    float *scratch = NULL;
    wstream ws = {0};
    exp_status st = EXP_NOMEM;
    memset(e, 0, sizeof *e);
    e->C = C;
    e->F = F;
    e->dense = is_dense(o);
    e->spec = spec_of(o);
    e->N = e->spec.N;
    e->L = e->spec.L;
    e->steps = o->steps;
    e->alpha = e->spec.alpha;
    e->fused = cpu_sleef(torch_kernel_build(o->torch, o->cpu, TORCH_KERNEL_ELEMENTWISE));
    e->blas_fma = cpu_blas_fma(o->cpu);
    e->plus0 = !o->torch->zero_grad_none;
    e->w_cur_row = UINT64_MAX;
    e->w_tr_head = -1;
    e->nheads = o->nlosses;
    for (int h = 0; h < o->nlosses; h++) e->heads[h].kind = o->losses[h];
    /* y: one class for every row, or one per row */
    e->targets_owned = malloc(e->N * sizeof *e->targets_owned);
    if (!e->targets_owned) goto nomem;
    for (size_t i = 0; i < e->N; i++) e->targets_owned[i] = o->targets[o->ntargets == 1 ? 0 : i];
    e->spec.targets = e->targets_owned;
    if (open_inputs(e, o) != 0) {
        st = EXP_INPUT;
        goto fail;
    }
    if (e->dense) {
        st = compute_dense(e, o);
        if (st != EXP_OK) goto fail;
        return EXP_OK;
    }

    e->x = malloc(F * sizeof *e->x);
    e->z = malloc(C * sizeof *e->z);
    scratch = malloc(2 * C * (size_t)(o->nlosses > 0 ? o->nlosses : 1) * sizeof *scratch);
    if (!e->x || !e->z || !scratch) goto nomem;
    if (o->steps > 0 && !(e->w_tr = malloc(F * sizeof *e->w_tr))) goto nomem;
    /* Training reads W_0 once per step: kept in memory when small enough
     * (W_CACHE_BYTES), regenerated from the generator otherwise. */
    if (o->steps > 0 && (uint64_t)C * F * sizeof(float) <= W_CACHE_BYTES) {
        /* its own mapping, in huge pages where the kernel has them: 4 KB
         * pages would cost a fault every 1024 weights on the first pass */
        e->w0_bytes = C * F * sizeof(float);
        void *m = mmap(NULL, e->w0_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) goto nomem;
#ifdef MADV_HUGEPAGE
        (void)madvise(m, e->w0_bytes, MADV_HUGEPAGE); /* a hint: without it, the same bits, slower */
#endif
        e->w0 = m;
    }
    for (int h = 0; h < o->nlosses; h++) {
        head_result *r = &e->heads[h];
        r->z = e->z;
        r->p = malloc(C * sizeof *r->p);
        r->dz = malloc(C * sizeof *r->dz);
        r->logp = r->kind == LOSS_BCE ? NULL : malloc(C * sizeof *r->logp);
        if (!r->p || !r->dz || (r->kind != LOSS_BCE && !r->logp)) goto nomem;
    }

    /* given tensors are read, the others drawn in order, skipping them */
    torch_rng g;
    torch_rng_seed(&g, o->seed);
    if (e->in.has_x) {
        if (read_all(e, e->x, &e->in.x) != 0) {
            st = EXP_INPUT;
            goto fail;
        }
    } else {
        torch_randn(e->x, &g, F, o->cpu);
        if (!o->no_abs)
            for (size_t i = 0; i < F; i++) e->x[i] = fabsf(e->x[i]);
    }
    /* W * init_std: a Python float scalar meets a float32 tensor as float */
    float scale = (float)o->init_std;
    if (e->in.nw ? wstream_init_file(&ws, &e->in.w[0], &e->read_failed, DOT_ROWS) != 0
                 : wstream_init(&ws, &g, C, F, o->cpu, o->has_init_std, scale, !o->no_abs, DOT_ROWS) != 0)
        goto nomem;
    if (wstream_copy(&e->w_start, &ws) != 0 || wstream_copy(&e->w_cur, &ws) != 0) goto nomem;
    /* the printer reads rows [0, e) and [C - e, C) when it summarises */
    uint64_t edge = (uint64_t)o->print.edgeitems;
    e->w_have_late = (o->show & (1u << SHOW_W)) && (uint64_t)C * F > (uint64_t)o->print.threshold && C > 2 * edge;
    e->w_late_row = e->w_have_late ? C - edge : C;
    if (stream_z(e->z, &ws, e, 0, e->w_late_row, e->w_have_late ? &e->w_late : NULL) != 0) goto nomem;
    run_heads(e, scratch);
    if (o->steps > 0 && train_streamed(e, &ws, scratch) != EXP_OK) goto nomem;
    wstream_free(&ws);
    free(scratch);
    if (experiment_read_check(e) != 0) {
        char msg[sizeof e->errmsg];
        memcpy(msg, e->errmsg, sizeof msg);
        experiment_free(e);
        memcpy(e->errmsg, msg, sizeof msg);
        return EXP_INPUT;
    }
    return EXP_OK;
nomem:
    st = EXP_NOMEM;
fail:
    free(scratch);
    wstream_free(&ws);
    {
        char msg[sizeof e->errmsg];
        memcpy(msg, e->errmsg, sizeof msg);
        experiment_free(e);
        memcpy(e->errmsg, msg, sizeof msg);
    }
    return st;
}

/* Row i of W_0 from the streams: the current row if it is row i, else the
 * stream is moved there (from a snapshot when i lies behind it). */
static const float *w_row(experiment *e, size_t i)
{
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
    return e->w_row;
}

static float w_at(const tensor_view *t, size_t i, size_t j)
{
    return w_row((experiment *)t->ctx, i)[j];
}

/* A head's trained W[i][j] (streamed): row i of W_0 replayed over every
 * step, kept while the printer reads that row. */
static float w_trained_at(const tensor_view *t, size_t i, size_t j)
{
    experiment *e = (experiment *)t->ctx;
    const head_result *r = t->ctx2;
    int h = (int)(r - e->heads);
    if (e->w_tr_head != h || e->w_tr_row != i) {
        memcpy(e->w_tr, w_row(e, i), e->F * sizeof *e->w_tr);
        replay_rows(e->w_tr, e, r, i, 1, e->steps);
        e->w_tr_head = h;
        e->w_tr_row = i;
    }
    return e->w_tr[j];
}

/* W.grad[i][j] = dz[i] * x[j], as linear_backward computes it. */
static float outer_at(const tensor_view *t, size_t i, size_t j)
{
    const float *dz = t->ctx, *x = t->ctx2;
    return dz[i] * x[j];
}

/* The same, accumulated into a zeroed gradient (1.13 after a step). */
static float outer_plus0_at(const tensor_view *t, size_t i, size_t j)
{
    return 0.0f + outer_at(t, i, j);
}

/* A (N, d) activation or logits: 2-d with a batch, else the 1-d h of mv
 * (z and p are (1, C) rows even then: the blog's unsqueeze). */
static tensor_view rows_view(const experiment *e, const float *v, size_t d)
{
    if (e->spec.batched) return tensor_view_dense2(v, e->N, d);
    return tensor_view_dense1(v, d);
}

tensor_view experiment_view(experiment *e, int head, show_kind part, float *scalar)
{
    const head_result *r = head >= 0 ? &e->heads[head] : NULL;
    size_t L = e->L;
    switch (part) {
    case SHOW_X: return rows_view(e, e->x, e->F);
    case SHOW_W: {
        if (e->dense) return tensor_view_dense2(e->W0[L - 1], e->C, e->spec.dims[L - 1]);
        tensor_view v = {2, e->C, e->F, w_at, e, NULL};
        return v;
    }
    case SHOW_H: return rows_view(e, r->net.h[L - 1], e->spec.dims[L - 1]);
    case SHOW_Z: return tensor_view_dense2(r ? r->z : e->z, e->N, e->C);
    case SHOW_P: return tensor_view_dense2(r->p, e->N, e->C);
    case SHOW_LOSS: *scalar = r->loss; return tensor_view_dense0(scalar);
    case SHOW_GRAD:
    default: {
        if (e->dense) return tensor_view_dense2(r->net.dW[L - 1], e->C, e->spec.dims[L - 1]);
        tensor_view v = {2, e->C, e->F, e->plus0 && e->steps > 0 ? outer_plus0_at : outer_at, r->dz, e->x};
        return v;
    }
    }
}

tensor_view experiment_layer(experiment *e, int head, size_t layer, layer_part part)
{
    head_result *r = head >= 0 ? &e->heads[head] : NULL;
    const size_t *d = e->spec.dims;
    size_t l = layer - 1;
    if (e->dense) {
        const float *v = part == LAYER_W0 ? e->W0[l] : part == LAYER_W ? r->net.W[l] : r->net.dW[l];
        return tensor_view_dense2(v, d[l + 1], d[l]);
    }
    if (part == LAYER_GRAD) return experiment_view(e, head, SHOW_GRAD, NULL);
    if (part == LAYER_W && e->steps > 0) {
        tensor_view t = {2, e->C, e->F, w_trained_at, e, r};
        return t;
    }
    return experiment_view(e, head, SHOW_W, NULL);
}

int experiment_row_still(const experiment *e, int head, size_t layer, size_t row)
{
    const head_result *r = &e->heads[head];
    if (e->dense) return r->net.still[layer - 1][row];
    int xzero = 1;
    for (size_t j = 0; j < e->F; j++)
        if (e->x[j] != 0.0f) xzero = 0;
    for (long t = 0; t < e->steps && !xzero; t++)
        if (r->dz_hist[(size_t)t * e->C + row] != 0.0f) return 0;
    return 1;
}

/* Appends one entry to the list (when there is room): stem, or stem and
 * layer when numbered (w1, grad2, h1). */
static void add_named(named_tensor *out, size_t max, size_t *n, const char *head, const char *stem, int layer,
                      int numbered, show_kind kind, tensor_view v)
{
    if (*n < max) {
        named_tensor *t = &out[*n];
        t->head = head;
        if (numbered) snprintf(t->part, sizeof t->part, "%s%d", stem, layer);
        else snprintf(t->part, sizeof t->part, "%s", stem);
        t->kind = kind;
        t->layer = layer;
        t->view = v;
    }
    (*n)++;
}

size_t experiment_tensors(experiment *e, const gradexp_options *o, named_tensor *out, size_t max)
{
    size_t n = 0, L = e->L;
    const size_t *d = e->spec.dims;
    unsigned show = o->show;
    if (show & (1u << SHOW_X)) add_named(out, max, &n, NULL, "x", 0, 0, SHOW_X, experiment_view(e, -1, SHOW_X, NULL));
    if (show & (1u << SHOW_W))
        for (size_t l = 1; l <= L; l++)
            add_named(out, max, &n, NULL, "w", (int)l, L > 1, SHOW_W, experiment_layer(e, -1, l, LAYER_W0));
    for (int h = 0; h < e->nheads; h++) {
        head_result *r = &e->heads[h];
        const char *hn = LOSS_NAMES[r->kind];
        if ((show & (1u << SHOW_H)) && e->dense)
            for (size_t l = 1; l < L; l++)
                add_named(out, max, &n, hn, "h", (int)l, 1, SHOW_H, rows_view(e, r->net.h[l], d[l]));
        if (show & (1u << SHOW_Z)) add_named(out, max, &n, hn, "z", 0, 0, SHOW_Z, experiment_view(e, h, SHOW_Z, NULL));
        if (show & (1u << SHOW_P)) add_named(out, max, &n, hn, "p", 0, 0, SHOW_P, experiment_view(e, h, SHOW_P, NULL));
        if (show & (1u << SHOW_LOSS)) {
            add_named(out, max, &n, hn, "loss", 0, 0, SHOW_LOSS, tensor_view_dense0(&r->loss));
            if (e->steps > 0)
                add_named(out, max, &n, hn, "curve", 0, 0, SHOW_LOSS,
                          tensor_view_dense1(r->curve, (size_t)e->steps + 1));
        }
        if (show & (1u << SHOW_GRAD))
            for (size_t l = 1; l <= L; l++)
                add_named(out, max, &n, hn, "grad", (int)l, L > 1, SHOW_GRAD, experiment_layer(e, h, l, LAYER_GRAD));
        if ((show & (1u << SHOW_W)) && e->steps > 0)
            for (size_t l = 1; l <= L; l++)
                add_named(out, max, &n, hn, "w", (int)l, L > 1, SHOW_W, experiment_layer(e, h, l, LAYER_W));
    }
    return n;
}

exp_status experiment_print_torch(FILE *out, experiment *e, const gradexp_options *o)
{
    named_tensor *list = malloc(MAX_NAMED * sizeof *list);
    if (list == NULL) return EXP_NOMEM;
    size_t n = experiment_tensors(e, o, list, MAX_NAMED);
    exp_status st = EXP_OK;
    for (size_t i = 0; i < n && st == EXP_OK; i++) {
        if (list[i].head) fprintf(out, "# %s.%s\n", list[i].head, list[i].part);
        else fprintf(out, "# %s\n", list[i].part);
        if (tensor_print(out, &list[i].view, &o->print) != 0) st = EXP_WRITE;
    }
    free(list);
    if (st == EXP_OK && ferror(out)) st = EXP_WRITE;
    return st;
}
