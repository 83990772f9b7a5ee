/* gradcheck.c - analytic W.grad (float32) against central finite
 * differences of the loss in double, per head (see gradcheck.h).
 *
 * Moving W[i][j] by +-s moves z[i] by +-d = +-s*x[j] and nothing else, so
 * the numeric derivative of weight W[i][j] is
 *     n = x[j] * (L(z + d e_i) - L(z - d e_i)) / 2d
 * with z the run's float32 z widened to double; in exact arithmetic this is
 * (L(W + s E_ij) - L(W - s E_ij)) / 2s. The step on the weight is s = h, or
 * h / |x[j]| when |x[j]| < 1, so that z[i] always moves by at least h: a
 * smaller move would leave the loss difference to rounding (L depends on W
 * only through z, so the larger s costs no truncation error). The head's
 * fd_* function evaluates the loss difference in O(1): the terms that do
 * not depend on z[i] cancel exactly and are left out, the parts linear in
 * z[i] contribute their exact difference (2d, not (z[i] + d) - (z[i] - d)
 * rounded), and only the smooth parts are evaluated at z[i] +- d. So the
 * difference stays accurate when the loss or z[i] is large. */
#include "gradcheck.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* Everything the O(1) loss differences of one head need. */
typedef struct {
    loss_kind kind;
    int stable;
    size_t C, t;
    const float *z;
    double m;     /* softmax: max of z (a shift; any constant works) */
    double *e;    /* softmax: exp(z[k] - m) */
    double *rest; /* softmax: sum of e[k] over every k except this one */
} fd_ctx;

/* -log(sigmoid(u)) as the blog writes it: log of the probability. */
static double nll_sigmoid_naive(double u)
{
    return -log(1.0 / (1.0 + exp(-u)));
}

/* log1p(exp(-|u|)), the smooth part of -logsigmoid and of bce. */
static double softplus_tail(double u)
{
    return log1p(exp(-fabs(u)));
}

/* min(z + d, 0) - min(z - d, 0), exactly where both sides agree in sign. */
static double min0_diff(double z, double d)
{
    double a = z + d, b = z - d;
    if (a < 0.0 && b < 0.0) return 2.0 * d;
    if (a >= 0.0 && b >= 0.0) return 0.0;
    return fmin(a, 0.0) - fmin(b, 0.0);
}

/* max(z + d, 0) - max(z - d, 0), likewise. */
static double max0_diff(double z, double d)
{
    double a = z + d, b = z - d;
    if (a > 0.0 && b > 0.0) return 2.0 * d;
    if (a <= 0.0 && b <= 0.0) return 0.0;
    return fmax(a, 0.0) - fmax(b, 0.0);
}

/* Each fd_* returns L(z with z[i] + d) - L(z with z[i] - d). */
static double fd_sigmoid(const fd_ctx *c, size_t i, double d)
{
    double zi = c->z[i];
    /* nll reads log p[t] only, and p[t] = sigmoid(z[t]) reads z[t] only */
    if (i != c->t) return 0.0;
    if (!c->stable) return nll_sigmoid_naive(zi + d) - nll_sigmoid_naive(zi - d);
    /* -logsigmoid(u) = log1p(exp(-|u|)) - min(u, 0) */
    return (softplus_tail(zi + d) - softplus_tail(zi - d)) - min0_diff(zi, d);
}

static double fd_softmax(const fd_ctx *c, size_t i, double d)
{
    /* the sums over classes with z[i] moved: S+- = rest + e^(z[i]-m) e^(+-d) */
    double ei = c->e[i];
    double sup = c->rest[i] + ei * exp(d), sdn = c->rest[i] + ei * exp(-d);
    if (!c->stable) {
        /* naive: L = -log(p[t]), p = softmax(z). Where p[t] underflows (or
         * the sums overflow) in double, so does the naive loss: its
         * difference is then inf or nan, as the model's would be. */
        double et = c->e[c->t];
        double pup = (i == c->t ? et * exp(d) : et) / sup;
        double pdn = (i == c->t ? et * exp(-d) : et) / sdn;
        if (!(pup > 0.0 && pdn > 0.0 && isfinite(pup) && isfinite(pdn))) return -log(pup) + log(pdn);
    }
    /* L = m + log(S) - z[t]; where the naive loss is finite it is the same
     * function. log(S+) - log(S-) = log1p((S+ - S-) / S-) with S+ - S- =
     * e^(z[i]-m) (e^d - e^-d), free of cancellation, so a class with a tiny
     * p[i] still gets an accurate difference. */
    double num = ei * (expm1(d) - expm1(-d));
    return log1p(num / sdn) - (i == c->t ? 2.0 * d : 0.0);
}

static double fd_bce(const fd_ctx *c, size_t i, double d)
{
    /* L = mean_k max(z_k, 0) - z_k y_k + log1p(exp(-|z_k|)); only k = i moves */
    double zi = c->z[i], y = i == c->t ? 1.0 : 0.0;
    double diff = max0_diff(zi, d) - y * 2.0 * d + (softplus_tail(zi + d) - softplus_tail(zi - d));
    return diff / (double)c->C;
}

static double fd(const fd_ctx *c, size_t i, double d)
{
    switch (c->kind) {
    case LOSS_SIGMOID: return fd_sigmoid(c, i, d);
    case LOSS_SOFTMAX: return fd_softmax(c, i, d);
    default: return fd_bce(c, i, d);
    }
}

/* Numeric dL/dW[i][j] (see the top of the file). */
static double numeric(const fd_ctx *c, size_t i, double xj, double h)
{
    if (xj == 0.0) return 0.0; /* W[i][j] does not reach z[i] */
    double d = fabs(xj) >= 1.0 ? h * xj : copysign(h, xj);
    return xj * fd(c, i, d) / (2.0 * d);
}

/* Sets up c for one head; 0 or -1 (no memory). */
static int ctx_init(fd_ctx *c, const float *z, size_t C, size_t target, loss_kind kind, int stable)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->stable = stable;
    c->C = C;
    c->t = target;
    c->z = z;
    if (kind != LOSS_SOFTMAX) return 0;
    c->e = malloc(C * sizeof *c->e);
    c->rest = malloc(C * sizeof *c->rest);
    if (!c->e || !c->rest) return -1;
    double m = -INFINITY;
    for (size_t k = 0; k < C; k++)
        if (z[k] > m) m = z[k];
    if (!isfinite(m)) m = 0.0; /* non-finite logits: the differences go nan, as they should */
    c->m = m;
    for (size_t k = 0; k < C; k++) c->e[k] = exp((double)z[k] - m);
    /* rest[k] = prefix sum before k + suffix sum after k */
    double acc = 0.0;
    for (size_t k = 0; k < C; k++) {
        c->rest[k] = acc;
        acc += c->e[k];
    }
    acc = 0.0;
    for (size_t k = C; k-- > 0;) {
        c->rest[k] += acc;
        acc += c->e[k];
    }
    return 0;
}

static void ctx_free(fd_ctx *c)
{
    free(c->e);
    free(c->rest);
}

/* The indices checked among n: all when n <= max, else max evenly spaced
 * from 0 to n-1, plus `extra` (when extra < n) in order. Returns the count;
 * idx holds at least max + 1 entries. */
static size_t pick(size_t *idx, size_t n, size_t max, size_t extra)
{
    if (max < 2) max = 2;
    if (n <= max) {
        for (size_t k = 0; k < n; k++) idx[k] = k;
        return n;
    }
    size_t cnt = 0;
    for (size_t k = 0; k < max; k++) {
        size_t v = (size_t)((unsigned long long)k * (n - 1) / (max - 1));
        if (extra < n && cnt > 0 && idx[cnt - 1] < extra && extra < v) idx[cnt++] = extra;
        idx[cnt++] = v;
    }
    return cnt;
}

int gradcheck_head(gradcheck_result *r, const float *x, const float *z, const float *dz, size_t C, size_t F,
                   size_t target, loss_kind kind, int stable, const gradcheck_params *p)
{
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->stable = stable;
    size_t maxr = p->max_rows < 2 ? 2 : p->max_rows, maxc = p->max_cols < 2 ? 2 : p->max_cols;
    size_t *rows = malloc(((C < maxr ? C : maxr) + 1) * sizeof *rows);
    size_t *cols = malloc(((F < maxc ? F : maxc) + 1) * sizeof *cols);
    fd_ctx c;
    int ok = rows && cols && ctx_init(&c, z, C, target, kind, stable) == 0;
    if (!ok) {
        if (rows && cols) ctx_free(&c);
        free(rows);
        free(cols);
        return GRADCHECK_NOMEM;
    }
    r->rows = pick(rows, C, maxr, target);
    r->cols = pick(cols, F, maxc, (size_t)-1);
    r->sampled = r->rows < C || r->cols < F;
    r->checked = r->rows * r->cols;
    for (size_t i = 0; i < C; i++)
        if (!isfinite(dz[i])) r->nonfinite_dz++;

    int have_bad = 0;
    for (size_t a_ = 0; a_ < r->rows; a_++) {
        size_t i = rows[a_];
        for (size_t b_ = 0; b_ < r->cols; b_++) {
            size_t j = cols[b_];
            double a = (double)(dz[i] * x[j]); /* W.grad as gradexp computes it */
            double n = numeric(&c, i, (double)x[j], p->h);
            int fa = isfinite(a), fn = isfinite(n);
            if (!fa) r->nonfinite_a++;
            if (!fn) r->nonfinite_n++;
            if (!fa || !fn) {
                if (!have_bad) {
                    have_bad = 1;
                    r->bad_i = i, r->bad_j = j, r->bad_a = a, r->bad_n = n;
                }
                continue;
            }
            r->compared++;
            double err = fabs(a - n);
            double ratio = err / (p->atol + p->rtol * fabs(n));
            if (err > r->max_abs) r->max_abs = err;
            if (n != 0.0 && err / fabs(n) > r->max_rel) r->max_rel = err / fabs(n);
            if (ratio > 1.0) r->over_tol++;
            if (ratio > r->worst || (a_ == 0 && b_ == 0)) {
                r->worst = ratio;
                r->worst_i = i, r->worst_j = j, r->worst_a = a, r->worst_n = n;
            }
        }
    }
    r->pass = r->over_tol == 0 && r->nonfinite_a == 0 && r->nonfinite_n == 0 && r->nonfinite_dz == 0;
    ctx_free(&c);
    free(rows);
    free(cols);
    return GRADCHECK_OK;
}

/* The report's output: the first failed write and its errno, kept because
 * the arithmetic between writes (exp, log) may change errno. */
typedef struct {
    FILE *out;
    int failed, err;
} gc_out;

/* printf to w->out, unless a write failed already. */
static void say(gc_out *w, const char *fmt, ...)
{
    if (w->failed) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(w->out, fmt, ap);
    va_end(ap);
    if (n < 0) {
        w->failed = 1;
        w->err = errno;
    }
}

/* A value for the report: %.9g, and "nan" whatever its sign. buf holds 32. */
static const char *val(char *buf, double v)
{
    if (isnan(v)) return "nan";
    snprintf(buf, 32, "%.9g", v);
    return buf;
}

/* dz of a sigmoid or softmax head as --stable computes it (logsigmoid /
 * log_softmax kernels) from the same z, into dz (C). 0, or -1 for no
 * memory. */
static int stable_dz(float *dz, const float *z, size_t C, size_t t, loss_kind kind, torch_cpu cpu)
{
    float *y = malloc(C * sizeof *y), *dy = malloc(C * sizeof *dy);
    int rc = -1;
    if (y && dy) {
        nll_backward(dy, C, t);
        if (kind == LOSS_SIGMOID) {
            logsigmoid_backward(dz, dy, z, C, cpu);
        } else {
            log_softmax_forward(y, z, C, cpu);
            log_softmax_backward(dz, dy, y, C, cpu);
        }
        rc = 0;
    }
    free(y);
    free(dy);
    return rc;
}

/* Explains why head r failed, in lines under 80 columns; for a naive head
 * with nan or inf, checks what --stable would give and says so. Returns
 * GRADCHECK_OK or GRADCHECK_NOMEM. */
static int report_failure(gc_out *w, const gradcheck_result *r, const experiment *e, const gradexp_options *o,
                          const gradcheck_params *p)
{
    char b1[32], b2[32];
    const char *name = LOSS_NAMES[r->kind];
    int naive = !r->stable && r->kind != LOSS_BCE;
    if (r->nonfinite_a || r->nonfinite_dz) {
        say(w, "%s: FAIL - the analytic W.grad holds nan or inf\n", name);
        say(w, "  in %zu of %zu weights checked; dz is nan or inf in %zu of %zu rows\n", r->nonfinite_a, r->checked,
            r->nonfinite_dz, e->C);
    }
    if (r->nonfinite_n)
        say(w, "%s: FAIL - the double reference is nan or inf in %zu of %zu weights\n%s", name, r->nonfinite_n,
            r->checked, naive ? "  checked: the naive loss overflows even in double\n" : "  checked\n");
    if (r->nonfinite_a || r->nonfinite_n)
        say(w, "  e.g. W.grad[%zu][%zu] = %s, the double reference gives %s\n", r->bad_i, r->bad_j, val(b1, r->bad_a),
            val(b2, r->bad_n));
    if (r->over_tol) {
        say(w, "%s: FAIL - %zu of %zu weights outside the tolerance; worst W[%zu][%zu]:\n", name, r->over_tol,
            r->checked, r->worst_i, r->worst_j);
        say(w, "  analytic %s, numeric %s, |a - n| = %.3g (%.3g x tolerance)\n", val(b1, r->worst_a),
            val(b2, r->worst_n), fabs(r->worst_a - r->worst_n), r->worst);
    }
    if (naive && (r->nonfinite_a || r->nonfinite_dz || r->nonfinite_n)) {
        float *dz = malloc(e->C * sizeof *dz);
        gradcheck_result s;
        if (!dz || stable_dz(dz, e->z, e->C, o->target, r->kind, o->cpu) != 0 ||
            gradcheck_head(&s, e->x, e->z, dz, e->C, e->F, o->target, r->kind, 1, p) != GRADCHECK_OK) {
            free(dz);
            return GRADCHECK_NOMEM;
        }
        free(dz);
        if (s.pass)
            say(w,
                "  the naive log(%s(z)) breaks down in float32 here; with --stable\n"
                "  (%s) this head passes, at %.2g of the tolerance\n",
                name, r->kind == LOSS_SIGMOID ? "logsigmoid" : "log_softmax", s.worst);
        else
            say(w, "  --stable (%s) does not avoid it: that head fails too\n",
                r->kind == LOSS_SIGMOID ? "logsigmoid" : "log_softmax");
    }
    return GRADCHECK_OK;
}

/* Flushes a report: GRADCHECK_OK, or GRADCHECK_WRITE with errno as the
 * failed write left it. */
static int finish(gc_out *w)
{
    if (!w->failed && (fflush(w->out) != 0 || ferror(w->out))) {
        w->failed = 1;
        w->err = errno;
    }
    if (w->failed) {
        errno = w->err;
        return GRADCHECK_WRITE;
    }
    return GRADCHECK_OK;
}

/* ------------------------------------------------------------------------ */
/* The dense network: every layer against central differences of the whole
 * network's loss, recomputed in double from the float32 weights. */

/* The network of one head in double: its weights, and buffers for the
 * activations of the widest layer. */
typedef struct {
    const experiment *e;
    loss_kind kind;
    double *W[MAX_LAYERS];
    double *a, *b; /* (N, widest) ping-pong activations */
} dnet;

static double act_d(act_kind act, double v)
{
    switch (act) {
    case ACT_TANH: return tanh(v);
    case ACT_SIGMOID: return 1.0 / (1.0 + exp(-v));
    case ACT_RELU:
    default: return v > 0.0 ? v : 0.0;
    }
}

/* log(1 + exp(u)) without overflow */
static double softplus(double u)
{
    return u > 0.0 ? u + log1p(exp(-u)) : log1p(exp(u));
}

/* The head's loss in double (the mean over the rows; bce's over N x C). */
static double dnet_loss(dnet *d)
{
    const experiment *e = d->e;
    const net_spec *s = &e->spec;
    size_t N = e->N;
    const double *in = NULL;
    double *out = d->a;
    for (size_t l = 0; l < s->L; l++) {
        size_t O = s->dims[l + 1], I = s->dims[l];
        for (size_t n = 0; n < N; n++)
            for (size_t o = 0; o < O; o++) {
                double acc = 0.0;
                for (size_t i = 0; i < I; i++)
                    acc += (in ? in[n * I + i] : (double)e->x[n * I + i]) * d->W[l][o * I + i];
                out[n * O + o] = l + 1 < s->L ? act_d(s->act, acc) : acc;
            }
        in = out;
        out = out == d->a ? d->b : d->a;
    }
    const double *z = in;
    size_t C = e->C;
    if (z == NULL) return NAN; /* no layer: cannot happen (L >= 1) */
    double total = 0.0;
    for (size_t n = 0; n < N; n++) {
        size_t t = s->targets[n];
        const double *zr = z + n * C;
        if (d->kind == LOSS_SIGMOID) {
            total += softplus(-zr[t]); /* -log(sigmoid(z_t)) */
        } else if (d->kind == LOSS_SOFTMAX) {
            double m = zr[0];
            for (size_t k = 1; k < C; k++) m = fmax(m, zr[k]);
            double se = 1.0; /* exp(m - m), for the class at the max; C >= 1 */
            int at_max = 0;
            for (size_t k = 0; k < C; k++) {
                if (!at_max && zr[k] == m) {
                    at_max = 1;
                    continue;
                }
                se += exp(zr[k] - m);
            }
            total += m + log(se) - zr[t];
        } else {
            for (size_t k = 0; k < C; k++) total += softplus(zr[k]) - (k == t ? zr[k] : 0.0);
        }
    }
    return d->kind == LOSS_BCE ? total / ((double)N * (double)C) : total / (double)N;
}

static void dnet_free(dnet *d)
{
    for (size_t l = 0; l < MAX_LAYERS; l++) free(d->W[l]);
    free(d->a);
    free(d->b);
}

static int dnet_init(dnet *d, const experiment *e, int h)
{
    const net_spec *s = &e->spec;
    memset(d, 0, sizeof *d);
    d->e = e;
    d->kind = e->heads[h].kind;
    size_t w = 1;
    for (size_t l = 0; l <= s->L; l++)
        if (s->dims[l] > w) w = s->dims[l];
    d->a = malloc(e->N * w * sizeof *d->a);
    d->b = malloc(e->N * w * sizeof *d->b);
    if (!d->a || !d->b) return -1;
    for (size_t l = 0; l < s->L; l++) {
        size_t n = s->dims[l] * s->dims[l + 1];
        if (n == 0 || !(d->W[l] = malloc(n * sizeof(double)))) return -1;
        for (size_t i = 0; i < n; i++) d->W[l][i] = e->heads[h].net.W[l][i];
    }
    return 0;
}

/* One layer of one head, weights k * n / m for k < m (evenly spaced). */
static int check_layer(gradcheck_result *r, dnet *d, int h, size_t l, size_t m, const gradcheck_params *p)
{
    const experiment *e = d->e;
    size_t O = e->spec.dims[l + 1], I = e->spec.dims[l], n = O * I;
    const float *dW = e->heads[h].net.dW[l];
    memset(r, 0, sizeof *r);
    r->kind = d->kind;
    r->rows = O;
    r->cols = I;
    if (m > n) m = n;
    r->sampled = m < n;
    for (size_t k = 0; k < m; k++) {
        size_t q = m == n ? k : (size_t)((double)k * (double)n / (double)m);
        double w = d->W[l][q], hs = p->h * fmax(1.0, fabs(w));
        d->W[l][q] = w + hs;
        double up = dnet_loss(d);
        d->W[l][q] = w - hs;
        double down = dnet_loss(d);
        d->W[l][q] = w;
        double num = (up - down) / (2.0 * hs), a = dW[q];
        r->checked++;
        if (!isfinite(a)) {
            if (!r->nonfinite_a++) r->bad_i = q / I, r->bad_j = q % I, r->bad_a = a, r->bad_n = num;
            continue;
        }
        if (!isfinite(num)) {
            if (!r->nonfinite_n++) r->bad_i = q / I, r->bad_j = q % I, r->bad_a = a, r->bad_n = num;
            continue;
        }
        r->compared++;
        double diff = fabs(a - num), tol = p->atol + p->rtol * fabs(num);
        if (diff > r->max_abs) r->max_abs = diff;
        if (num != 0 && diff / fabs(num) > r->max_rel) r->max_rel = diff / fabs(num);
        if (diff / tol > r->worst) {
            r->worst = diff / tol;
            r->worst_i = q / I;
            r->worst_j = q % I;
            r->worst_a = a;
            r->worst_n = num;
        }
        if (diff > tol) r->over_tol++;
    }
    r->pass = r->over_tol == 0 && r->nonfinite_a == 0 && r->nonfinite_n == 0 && r->compared > 0;
    return 0;
}

/* Weights checked per layer: all up to 1000, else as many as keep the
 * whole check near 2e8 multiply-adds (each costs two forward passes). */
static size_t per_layer(const experiment *e)
{
    double cost = 0.0;
    for (size_t l = 0; l < e->L; l++) cost += (double)e->N * (double)e->spec.dims[l] * (double)e->spec.dims[l + 1];
    double m = 2e8 / (2.0 * cost * (double)e->L * (double)(e->nheads ? e->nheads : 1));
    if (m < 16) m = 16;
    if (m > 1000) m = 1000;
    return (size_t)m;
}

static int report_network(FILE *out, const experiment *e, const gradexp_options *o, const gradcheck_params *p,
                          int *nfailed)
{
    gc_out w = {out, 0, 0};
    *nfailed = 0;
    size_t m = per_layer(e);
    say(&w,
        "gradcheck: every layer's gradient (float32, as printed%s)\n"
        "against central differences of the whole network's loss, recomputed in double\n"
        "from the float32 weights; step %g * max(1, |w|) on each weight; up to %zu\n"
        "weights a layer, evenly spaced. An entry passes when |a - n| <= atol + rtol *\n"
        "|n| (a analytic, n numeric), atol = %g, rtol = %g.\n",
        e->steps > 0 ? ", the trained model's" : "", p->h, m, p->atol, p->rtol);
    say(&w, "%-8s %5s %17s  %10s  %13s  %9s  %s\n", "head", "layer", "weights checked", "max |a-n|", "max |a-n|/|n|",
        "worst/tol", "result");
    int checked_heads = 0;
    for (int h = 0; h < e->nheads; h++) {
        dnet d;
        if (dnet_init(&d, e, h) != 0) {
            dnet_free(&d);
            return GRADCHECK_NOMEM;
        }
        int head_failed = 0;
        for (size_t l = 0; l < e->L; l++) {
            gradcheck_result r;
            check_layer(&r, &d, h, l, m, p);
            char count[64];
            snprintf(count, sizeof count, "%zu/%zu", r.checked, r.rows * r.cols);
            if (r.compared)
                say(&w, "%-8s %5zu %17s  %10.2e  %13.2e  %9.2g  %s\n", LOSS_NAMES[r.kind], l + 1, count, r.max_abs,
                    r.max_rel, r.worst, r.pass ? "ok" : "FAIL");
            else
                say(&w, "%-8s %5zu %17s  %10s  %13s  %9s  %s\n", LOSS_NAMES[r.kind], l + 1, count, "-", "-", "-",
                    "FAIL");
            if (!r.pass) {
                head_failed = 1;
                if (r.nonfinite_a || r.nonfinite_n) {
                    char v1[64], v2[64];
                    say(&w, "  %s, layer %zu: W[%zu][%zu] analytic %s, numeric %s (not finite)%s\n", LOSS_NAMES[r.kind],
                        l + 1, r.bad_i, r.bad_j, val(v1, r.bad_a), val(v2, r.bad_n),
                        o->stable || !isfinite(r.bad_n) ? "" : "; the naive head overflows in float32");
                } else if (r.compared) {
                    say(&w, "  %s, layer %zu: worst at W[%zu][%zu]: analytic %.9g, numeric %.9g\n", LOSS_NAMES[r.kind],
                        l + 1, r.worst_i, r.worst_j, r.worst_a, r.worst_n);
                }
            }
        }
        dnet_free(&d);
        *nfailed += head_failed;
        checked_heads++;
    }
    if (*nfailed) say(&w, "gradcheck: FAILED (%d of %d heads)\n", *nfailed, checked_heads);
    else
        say(&w, "gradcheck: passed (%d head%s, %zu layer%s each)\n", checked_heads, checked_heads == 1 ? "" : "s", e->L,
            e->L == 1 ? "" : "s");
    return finish(&w);
}

int gradcheck_report(FILE *out, const experiment *e, const gradexp_options *o, const gradcheck_params *p, int *nfailed)
{
    if (e->dense) return report_network(out, e, o, p, nfailed);
    gc_out w = {out, 0, 0};
    *nfailed = 0;
    say(&w,
        "gradcheck: W.grad (float32, as printed) against central differences of the\n"
        "loss in double at the run's z; step %g on each weight (%g/|x[j]| when\n"
        "|x[j]| < 1); %s.\n"
        "An entry passes when |a - n| <= atol + rtol * |n| (a analytic, n numeric),\n"
        "atol = %g, rtol = %g.\n",
        p->h, p->h, o->stable ? "stable heads: logsigmoid, log_softmax" : "naive heads: log(sigmoid), log(softmax)",
        p->atol, p->rtol);
    say(&w, "%-8s %17s  %10s  %13s  %9s  %s\n", "head", "weights checked", "max |a-n|", "max |a-n|/|n|", "worst/tol",
        "result");
    gradcheck_result res[MAX_LOSSES];
    const gradcheck_result *sampled = NULL;
    for (int h = 0; h < e->nheads; h++) {
        gradcheck_result *r = &res[h];
        if (gradcheck_head(r, e->x, e->heads[h].z, e->heads[h].dz, e->C, e->F, o->target, e->heads[h].kind, o->stable,
                           p) != GRADCHECK_OK)
            return GRADCHECK_NOMEM;
        char count[64];
        snprintf(count, sizeof count, "%zu/%zu", r->checked, e->C * e->F);
        if (r->compared)
            say(&w, "%-8s %17s  %10.2e  %13.2e  %9.2g  %s\n", LOSS_NAMES[r->kind], count, r->max_abs, r->max_rel,
                r->worst, r->pass ? "ok" : "FAIL");
        else /* nothing finite to compare */
            say(&w, "%-8s %17s  %10s  %13s  %9s  %s\n", LOSS_NAMES[r->kind], count, "-", "-", "-", "FAIL");
        if (r->sampled) sampled = r;
        if (!r->pass) ++*nfailed;
    }
    if (sampled)
        say(&w,
            "Sampled: %zu of %zu rows, %zu of %zu columns\n"
            "  (evenly spaced from the first to the last, plus the target row; every\n"
            "  weight is checked up to %zu rows by %zu columns).\n",
            sampled->rows, e->C, sampled->cols, e->F, p->max_rows, p->max_cols);
    for (int h = 0; h < e->nheads; h++)
        if (!res[h].pass && report_failure(&w, &res[h], e, o, p) != GRADCHECK_OK) return GRADCHECK_NOMEM;
    if (*nfailed) say(&w, "gradcheck: FAILED (%d of %d heads)\n", *nfailed, e->nheads);
    else say(&w, "gradcheck: passed (%d head%s)\n", e->nheads, e->nheads == 1 ? "" : "s");
    return finish(&w);
}
