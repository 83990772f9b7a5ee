/* explain.c - the --explain walkthrough (see explain.h).
 *
 * Each section prints its tensors through tensor_print and then notes
 * built from facts gathered here from x, z, p, dz and the products
 * dz[i] * x[j] that make up W.grad (exactly as the printer computes them).
 * A note states a reason only when the numbers show it: a zero row of the
 * sigmoid head is explained as "the loss does not read z[i]" only when that
 * row is zero and is not the target; a zero or nan target row gets the
 * reason its own values show (a probability that rounded to 0 or 1, an
 * exact gradient below float32's range); "--stable avoids this" is said
 * only after running the stable kernels on the same z and seeing finite
 * results. Notes are built in a growable buffer and word-wrapped. */
#include "explain.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "float_bits.h"
#include "ops.h"
#include "tensor_print.h"

#define WRAP 79          /* longest note line */
#define LIST_MAX 6       /* rows listed one by one up to this many */
#define NOTE_PREC_MAX 12 /* digits of numbers inside notes, at most */
#define NB "\x01"        /* a space where a note line must not break */

/* ------------------------------------------------------------------------ */
/* Text: a growable buffer, word wrapping, numbers, lists of rows            */

typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

/* Appends printf-style text to b; on failure sets b->oom. */
static void sb_add(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap ? b->cap : 256);
        while (cap <= b->len + (size_t)n) cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

/* Writes b's text word-wrapped at WRAP columns, the first line prefixed by
 * `first`, the others by `rest`, then empties b. 0, -1 (write) or -2
 * (memory). */
static int sb_say(FILE *out, sbuf *b, const char *first, const char *rest)
{
    if (b->oom) return -2;
    if (b->len == 0) return 0;
    const char *p = b->s, *end = b->s + b->len;
    const char *prefix = first;
    while (p < end) {
        while (p < end && *p == ' ') p++;
        if (p == end) break;
        size_t room = WRAP - strlen(prefix);
        const char *seg = p, *brk = NULL, *q = p; /* seg: the start of this output line */
        while (q < end && (size_t)(q - seg) <= room) {
            if (*q == ' ') brk = q;
            q++;
        }
        const char *stop;
        if (q == end && (size_t)(q - seg) <= room) stop = end;
        else if (brk) stop = brk;
        else {
            stop = seg; /* a word longer than the line: break after it */
            while (stop < end && *stop != ' ') stop++;
        }
        if (fputs(prefix, out) == EOF) return -1;
        for (const char *q2 = seg; q2 < stop; q2++)
            if (putc(*q2 == NB[0] ? ' ' : *q2, out) == EOF) return -1;
        if (putc('\n', out) == EOF) return -1;
        p = stop;
        prefix = rest;
    }
    b->len = 0;
    b->s[0] = '\0';
    return 0;
}

/* A number for a note: fixed with prec digits after the point when that
 * shows it, scientific otherwise; "nan", "inf", "-inf". buf holds 96. */
static const char *num(char *buf, double v, int prec)
{
    if (prec > NOTE_PREC_MAX) prec = NOTE_PREC_MAX;
    if (prec < 1) prec = 1;
    double a = fabs(v);
    if (isnan(v) || isinf(v)) snprintf(buf, 96, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    else if (v == 0 || (a >= pow(10.0, -prec) && a < 1e7)) snprintf(buf, 96, "%.*f", prec, v);
    else snprintf(buf, 96, "%.*e", prec, v);
    return buf;
}

/* Appends a phrase naming the items i < C with sel[i] set (count of them),
 * with the nouns one / many ("row" / "rows"), capitalised when cap:
 * "row 3", "rows 0 and 2", "rows 0, 2 and 5", "every row", "every row
 * except rows 1 and 7", "rows 0, 1, 2, ..., 99 (98 of 100)", "no row".
 * Returns 1 when the phrase takes a plural verb. */
static int sb_items(sbuf *b, const unsigned char *sel, size_t C, size_t count, int cap, const char *one,
                    const char *many)
{
    char One[32], Many[32];
    snprintf(One, sizeof One, "%s", one);
    snprintf(Many, sizeof Many, "%s", many);
    if (cap) One[0] = (char)(One[0] - 'a' + 'A'), Many[0] = (char)(Many[0] - 'a' + 'A');
    const char *Every = cap ? "Every" : "every";
    if (count == 0) {
        sb_add(b, "%s %s", cap ? "No" : "no", one);
        return 0;
    }
    if (count == C) {
        if (C == 1) sb_add(b, "%s only %s", cap ? "The" : "the", one);
        else sb_add(b, "%s %s", Every, one);
        return 0;
    }
    if (count > LIST_MAX && C - count <= 2) {
        sb_add(b, "%s %s except %s", Every, one, C - count == 1 ? one : many);
        size_t k = 0;
        for (size_t i = 0; i < C; i++)
            if (!sel[i]) sb_add(b, k++ ? " and %zu" : " %zu", i);
        return 0;
    }
    sb_add(b, "%s", count == 1 ? One : Many);
    size_t k = 0;
    if (count <= LIST_MAX) {
        for (size_t i = 0; i < C; i++) {
            if (!sel[i]) continue;
            sb_add(b, k == 0 ? " %zu" : k + 1 == count ? " and %zu" : ", %zu", i);
            k++;
        }
        return count > 1;
    }
    size_t last = 0;
    for (size_t i = 0; i < C; i++)
        if (sel[i]) {
            if (k < 3) sb_add(b, k == 0 ? " %zu" : ", %zu", i);
            k++;
            last = i;
        }
    sb_add(b, ", ..., %zu (%zu of %zu)", last, count, C);
    return 1;
}

/* sb_items for rows of W.grad. */
static int sb_rows(sbuf *b, const unsigned char *sel, size_t C, size_t count, int cap)
{
    return sb_items(b, sel, C, count, cap, "row", "rows");
}

/* ------------------------------------------------------------------------ */
/* Facts about one head's W.grad                                             */

/* What a row of W.grad is, judged from its float32 entries dz[i] * x[j]. */
enum row_kind {
    ROW_NONFINITE, /* some entry is nan or inf */
    ROW_ZERO,      /* every entry is +0 or -0 */
    ROW_TARGET,    /* the target row, neither of the above */
    ROW_OPPOSITE,  /* opposite sign of the target row wherever both are non-zero */
    ROW_SAME,      /* same sign as the target row wherever both are non-zero */
    ROW_MIXED,     /* both, in different columns */
    ROW_UNCOMPARED /* no column where both are non-zero */
};

/* Why a row is zero or not finite. */
enum why {
    WHY_NONE = 0,
    WHY_UNREAD,      /* sigmoid: the loss does not read z[i] */
    WHY_TARGET_ZERO, /* target dz rounded or underflowed to 0 */
    WHY_P0,          /* softmax / bce, not the target: p[i] is 0 */
    WHY_ZERO_OTHER,  /* any other zero */
    WHY_LOG0,        /* naive: p[t] is 0, log p[t] = -inf */
    WHY_RECIP,       /* naive: -1/p[t] overflows */
    WHY_SIG_P0,      /* naive sigmoid, not the target: 0/0 in log's backward */
    WHY_SOFTMAX_P0,  /* naive softmax: another class's p is 0, 0/0 spreads */
    WHY_Z,           /* z is not finite */
    WHY_NF_OTHER,    /* any other nan / inf */
    WHY_KINDS
};

typedef struct {
    size_t C;            /* rows: the length of kind, why and sel */
    unsigned char *kind; /* (C) enum row_kind */
    unsigned char *why;  /* (C) enum why */
    unsigned char *sel;  /* (C) scratch for row lists */
    size_t nkind[ROW_UNCOMPARED + 1];
    size_t nwhy[WHY_KINDS];
    size_t nan_entries[WHY_KINDS], inf_entries[WHY_KINDS];
    int negzero;                 /* some zero row holds a -0 */
    size_t t_pos, t_neg, t_zero; /* signs of the target row's entries */
    size_t x_neg, x_pos;         /* signs of X */
    int z_finite;                /* every logit finite */
    size_t moving;               /* rows with some non-zero finite entry */
    size_t mixed_rows;           /* finite rows with both positive and negative entries */
} facts;

static void facts_free(facts *f)
{
    free(f->kind);
    free(f->why);
    free(f->sel);
}

/* Why the zero row i of head r is zero. */
static enum why zero_why(const head_result *r, const float *dz, size_t i, size_t t)
{
    if (dz[i] != 0.0f) return WHY_ZERO_OTHER; /* products underflowed */
    if (i == t) return WHY_TARGET_ZERO;
    if (r->kind == LOSS_SIGMOID) return WHY_UNREAD;
    if (r->p[i] == 0.0f) return WHY_P0;
    return WHY_ZERO_OTHER;
}

/* Why row i of head r holds nan or inf (C logits z, all finite or not). */
static enum why nonfinite_why(const head_result *r, const float *z, size_t C, size_t i, size_t t, int stable,
                              int z_finite)
{
    int p0_other = 0; /* a class other than the target with p exactly 0 */
    for (size_t k = 0; k < C && !p0_other; k++) p0_other = k != t && r->p[k] == 0.0f;
    if (!z_finite && (r->kind == LOSS_SOFTMAX || !isfinite(z[i]))) return WHY_Z;
    if (!stable && r->kind != LOSS_BCE) {
        float pt = r->p[t];
        if (pt == 0.0f && (r->kind == LOSS_SOFTMAX || i == t)) return WHY_LOG0;
        if (pt != 0.0f && isinf(-1.0f / pt) && (r->kind == LOSS_SOFTMAX || i == t)) return WHY_RECIP;
        if (r->kind == LOSS_SIGMOID && i != t && r->p[i] == 0.0f) return WHY_SIG_P0;
        if (r->kind == LOSS_SOFTMAX && p0_other) return WHY_SOFTMAX_P0;
    }
    return WHY_NF_OTHER;
}

/* Gathers the facts of head r (0, or -1 for no memory). */
static int facts_init(facts *f, const experiment *e, const head_result *r, size_t t, int stable)
{
    size_t C = e->C, F = e->F;
    const float *x = e->x, *dz = r->dz;
    memset(f, 0, sizeof *f);
    f->C = C;
    f->kind = malloc(C);
    f->why = calloc(C, 1);
    f->sel = malloc(C);
    if (!f->kind || !f->why || !f->sel) return -1;
    f->z_finite = 1;
    for (size_t i = 0; i < C; i++)
        if (!isfinite(e->z[i])) f->z_finite = 0;
    for (size_t j = 0; j < F; j++) {
        if (x[j] < 0) f->x_neg++;
        if (x[j] > 0) f->x_pos++;
    }
    /* the target row first: the others are compared with it */
    int t_ok = 1;
    for (size_t j = 0; j < F; j++) {
        float g = dz[t] * x[j];
        if (!isfinite(g)) t_ok = 0;
        else if (g > 0) f->t_pos++;
        else if (g < 0) f->t_neg++;
        else f->t_zero++;
    }
    for (size_t i = 0; i < C; i++) {
        size_t nan = 0, inf = 0, zero = 0, same = 0, opp = 0, pos = 0, neg = 0;
        int neg0 = 0;
        for (size_t j = 0; j < F; j++) {
            float g = dz[i] * x[j];
            if (isnan(g)) {
                nan++;
                continue;
            }
            if (isinf(g)) {
                inf++;
                continue;
            }
            if (g == 0) {
                zero++;
                neg0 |= signbit(g) != 0;
                continue;
            }
            pos += g > 0;
            neg += g < 0;
            if (i == t || !t_ok) continue;
            float gt = dz[t] * x[j];
            if (gt == 0) continue;
            if ((g > 0) == (gt > 0)) same++;
            else opp++;
        }
        enum row_kind k;
        if (nan || inf) {
            k = ROW_NONFINITE;
            enum why w = nonfinite_why(r, e->z, C, i, t, stable, f->z_finite);
            f->why[i] = (unsigned char)w;
            f->nwhy[w]++;
            f->nan_entries[w] += nan;
            f->inf_entries[w] += inf;
        } else if (zero == F) {
            k = ROW_ZERO;
            enum why w = zero_why(r, dz, i, t);
            f->why[i] = (unsigned char)w;
            f->nwhy[w]++;
            f->negzero |= neg0;
        } else if (i == t) {
            k = ROW_TARGET;
        } else if (same && opp) {
            k = ROW_MIXED;
        } else if (opp) {
            k = ROW_OPPOSITE;
        } else if (same) {
            k = ROW_SAME;
        } else {
            k = ROW_UNCOMPARED;
        }
        if (k != ROW_NONFINITE && k != ROW_ZERO) f->moving++;
        if (k != ROW_NONFINITE && pos && neg) f->mixed_rows++;
        f->kind[i] = (unsigned char)k;
        f->nkind[k]++;
    }
    return 0;
}

/* Marks in f->sel the rows of kind k (and, when w != WHY_NONE, reason w);
 * returns how many. */
static size_t select_rows(facts *f, size_t C, enum row_kind k, enum why w)
{
    size_t n = 0;
    for (size_t i = 0; i < C; i++) {
        f->sel[i] = f->kind[i] == k && (w == WHY_NONE || f->why[i] == w);
        n += f->sel[i];
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* The walkthrough                                                           */

typedef struct {
    FILE *out;
    experiment *e;
    const gradexp_options *o;
    sbuf b;
    int prec; /* digits for numbers in notes */
    int rc;   /* first failure: -1 write, -2 memory */
    int err;  /* errno of the failed write */
} ctx;

/* Records a failure (rc -1 or -2) unless one is recorded already; a write
 * failure keeps its errno, which later arithmetic (exp, log) may change. */
static void failed(ctx *c, int rc)
{
    if (c->rc != 0) return;
    c->rc = rc;
    c->err = errno;
}

/* Writes the pending note as a paragraph (or a bullet). */
static void para(ctx *c)
{
    if (c->rc == 0) failed(c, sb_say(c->out, &c->b, "", ""));
    else c->b.len = 0;
}

static void bullet(ctx *c)
{
    if (c->rc == 0) failed(c, sb_say(c->out, &c->b, "- ", "  "));
    else c->b.len = 0;
}

static void line(ctx *c, const char *s)
{
    if (c->rc == 0 && fputs(s, c->out) == EOF) failed(c, -1);
}

/* Prints a tensor view with the run's print options. */
static void show(ctx *c, tensor_view v)
{
    if (c->rc == 0 && tensor_print(c->out, &v, &c->o->print) != 0) failed(c, -1);
}

/* The seed as the user most likely wrote it (negative when it is one). */
static void sb_seed(sbuf *b, uint64_t s)
{
    if (s > (uint64_t)INT64_MAX) sb_add(b, "-%llu", (unsigned long long)(0 - s));
    else sb_add(b, "%llu", (unsigned long long)s);
}

static void section_inputs(ctx *c)
{
    const experiment *e = c->e;
    const gradexp_options *o = c->o;
    sbuf *b = &c->b;
    sb_add(b, "gradexp --explain: the softmax-vs-sigmoid experiment step by step (seed ");
    sb_seed(b, o->seed);
    sb_add(b, ", %zu classes, %zu features, target class %zu%s%s).", e->C, e->F, o->target,
           o->no_abs ? ", --no-abs" : "", o->stable ? ", --stable" : "");
    para(c);
    line(c, "\n== Inputs\n");
    sb_add(b, "X = randn(%zu)%s:", e->F,
           o->no_abs ? ", kept signed (--no-abs)" : ", then its absolute values as in the blog");
    para(c);
    show(c, experiment_view(c->e, -1, SHOW_X, NULL));
    sb_add(b, "W = randn(%zu, %zu)", e->C, e->F);
    if (o->has_init_std) {
        char n1[96];
        sb_add(b, " * %s", num(n1, (double)(float)o->init_std, c->prec));
    }
    sb_add(b, "%s; row i holds the %zu weights of class i:", o->no_abs ? "" : ", absolute values", e->F);
    para(c);
    show(c, experiment_view(c->e, -1, SHOW_W, NULL));
    sb_add(b, "The true class is y = %zu, so row %zu of W is the target row.", o->target, o->target);
    para(c);
}

static void section_logits(ctx *c)
{
    if (c->rc) return; /* after a failure, stop working */
    const experiment *e = c->e;
    size_t C = e->C, t = c->o->target;
    char n1[96];
    sbuf *b = &c->b;
    line(c, "\n== Logits z = W @ X (one per class; every head starts from this z)\n");
    show(c, experiment_view(c->e, -1, SHOW_Z, NULL));
    size_t nnf = 0, argmax = 0, above = 0;
    double maxabs = 0;
    for (size_t i = 0; i < C; i++) {
        if (!isfinite(e->z[i])) {
            nnf++;
            continue;
        }
        if (!isfinite(e->z[argmax]) || e->z[i] > e->z[argmax]) argmax = i;
        if (e->z[i] > e->z[t]) above++;
        if (fabsf(e->z[i]) > maxabs) maxabs = fabsf(e->z[i]);
    }
    if (nnf) {
        sb_add(b,
               "%zu of %zu logits are nan or inf: the weights or their products overflowed float32, "
               "and everything computed from them below inherits it.",
               nnf, C);
        para(c);
        return;
    }
    sb_add(b, "z[i] is row i of W dotted with X.");
    if (C > 1) {
        if (above == 0) sb_add(b, " The target class %zu has the largest logit, %s.", t, num(n1, e->z[t], c->prec));
        else {
            char n2[96];
            sb_add(b, " The largest logit is class %zu's (%s); the target class %zu has %s, rank %zu of %zu.", argmax,
                   num(n1, e->z[argmax], c->prec), t, num(n2, e->z[t], c->prec), above + 1, C);
        }
    }
    if (maxabs > 88.72)
        sb_add(b,
               " Logits reach %s in size, beyond the range of float32's exp (about 88.7): expect "
               "probabilities that round to exactly 0 or 1 below.",
               num(n1, maxabs, c->prec));
    para(c);
}

/* Runs the stable kernels of a sigmoid or softmax head on z; *dzt gets
 * the stable dz[t]. Returns 1 when loss and dz are all finite, 0 when not,
 * -1 for no memory. */
static int stable_run(const experiment *e, loss_kind kind, size_t t, const gradexp_options *o, float *dzt)
{
    size_t C = e->C;
    torch_cpu cpu =
        torch_kernel_build(o->torch, o->cpu, kind == LOSS_SIGMOID ? TORCH_KERNEL_LOGSIGMOID : TORCH_KERNEL_SOFTMAX);
    float *y = malloc(C * sizeof *y), *dy = malloc(C * sizeof *dy), *dz = malloc(C * sizeof *dz);
    int ok = -1;
    if (y && dy && dz) {
        nll_backward(dy, C, t);
        if (kind == LOSS_SIGMOID) {
            logsigmoid_forward(y, e->z, C, cpu);
            logsigmoid_backward(dz, dy, e->z, C, cpu);
        } else {
            log_softmax_forward(y, e->z, C, cpu);
            log_softmax_backward(dz, dy, y, C, cpu);
        }
        ok = isfinite(nll_forward(y, C, t)) != 0;
        for (size_t i = 0; i < C; i++)
            if (!isfinite(dz[i]) || !isfinite(y[i])) ok = 0;
        *dzt = dz[t];
    }
    free(y);
    free(dy);
    free(dz);
    return ok;
}

/* The exact d loss / d z[t] in double, from the float32 logits. */
static double exact_dzt(const experiment *e, loss_kind kind, size_t t)
{
    double zt = e->z[t];
    if (kind == LOSS_SIGMOID) return -1.0 / (1.0 + exp(zt));
    if (kind == LOSS_BCE) return -1.0 / (1.0 + exp(zt)) / (double)e->C;
    double r = 0; /* softmax: p[t] - 1 = -r / (1 + r), r = sum_{k != t} exp(z_k - z_t) */
    for (size_t k = 0; k < e->C; k++)
        if (k != t) r += exp((double)e->z[k] - zt);
    return isinf(r) ? -1.0 : -r / (1.0 + r);
}

/* Probabilities and their sum. */
static void head_probs(ctx *c, const head_result *r)
{
    if (c->rc) return; /* after a failure, stop working */
    const experiment *e = c->e;
    size_t C = e->C, t = c->o->target;
    char n1[96];
    sbuf *b = &c->b;
    int sig = r->kind != LOSS_SOFTMAX;
    sb_add(b,
           "Probabilities p = %s:", sig ? "sigmoid(z), each class on its own" : "softmax(z), shared among the classes");
    para(c);
    show(c, experiment_view(c->e, (int)(r - e->heads), SHOW_P, NULL));
    float fs = 0.0f;
    double ds = 0.0;
    int finite = 1;
    for (size_t i = 0; i < C; i++) {
        fs += r->p[i];
        ds += r->p[i];
        if (!isfinite(r->p[i])) finite = 0;
    }
    if (!finite) {
        sb_add(b, "Some probabilities are nan or inf (the logits are not finite).");
        para(c);
        return;
    }
    sb_add(b, "The target class %zu gets p[%zu] = %s.", t, t, num(n1, r->p[t], c->prec));
    if (sig) {
        double half_ulp = 0.5 * pow(10.0, -(c->prec > NOTE_PREC_MAX ? NOTE_PREC_MAX : c->prec));
        if (fabs(ds - 1.0) < half_ulp)
            sb_add(b,
                   " The probabilities sum to %s, near 1 here only by chance: sigmoid does not normalise "
                   "across classes.",
                   num(n1, ds, c->prec));
        else
            sb_add(b,
                   " They sum to %s, not 1: sigmoid scores each class independently, so nothing makes "
                   "them add up to 1.",
                   num(n1, ds, c->prec));
    } else {
        sb_add(b, " They sum to 1 in exact arithmetic (softmax divides by the sum over classes);");
        if (fs == 1.0f) sb_add(b, " the float32 values as computed add up to exactly 1 in float32");
        else sb_add(b, " the float32 values as computed add up to %.9g in float32", (double)fs);
        if (ds == 1.0) sb_add(b, " and exactly 1 in double.");
        else sb_add(b, " and 1" NB "%s" NB "%.3g in double: rounding.", ds < 1 ? "-" : "+", fabs(ds - 1.0));
    }
    para(c);
}

static void head_loss(ctx *c, const head_result *r)
{
    if (c->rc) return; /* after a failure, stop working */
    size_t t = c->o->target;
    int stable = c->o->stable;
    sbuf *b = &c->b;
    float scalar;
    switch (r->kind) {
    case LOSS_SIGMOID:
        sb_add(b, "Loss = -log p[%zu]%s: only the target's probability enters it.", t,
               stable ? ", computed as -logsigmoid(z[t])" : "");
        break;
    case LOSS_SOFTMAX:
        sb_add(b, "Loss = -log p[%zu]%s: through softmax's sum, every logit enters it.", t,
               stable ? ", computed as -log_softmax(z)[t]" : "");
        break;
    default:
        if (c->e->C == 1)
            sb_add(b, "Loss = binary cross-entropy of the single class against its label 1: -log" NB "p[0].");
        else
            sb_add(b,
                   "Loss = mean over the %zu classes of binary cross-entropy against one_hot(y): "
                   "-log" NB "p[%zu] for the target and -log(1" NB "-" NB "p[i]) for every other class, so "
                   "every probability enters it.",
                   c->e->C, t);
        break;
    }
    para(c);
    show(c, experiment_view(c->e, (int)(r - c->e->heads), SHOW_LOSS, &scalar));
    if (isinf(r->loss)) {
        char n1[96], n2[96];
        sb_add(b, "The loss is %s: log p[%zu] = log(%s)%s.", num(n1, r->loss, c->prec), t, num(n2, r->p[t], c->prec),
               r->p[t] == 0.0f ? " = -inf, the target's probability having rounded to 0" : "");
        para(c);
    } else if (isnan(r->loss)) {
        sb_add(b, "The loss is nan.");
        para(c);
    }
}

/* softmax: how far z[t] lies above every other logit (C > 1). */
static double softmax_gap(const experiment *e, size_t t)
{
    double m = -INFINITY;
    for (size_t k = 0; k < e->C; k++)
        if (k != t && e->z[k] > m) m = e->z[k];
    return (double)e->z[t] - m;
}

/* The exact gradient g of a zero target row of head kind, as words: its
 * value, or when even double underflows, its leading term. */
static void sb_exact(ctx *c, double g, loss_kind kind, size_t t)
{
    char n1[96];
    const experiment *e = c->e;
    if (g != 0.0) sb_add(&c->b, "%s", num(n1, g, c->prec));
    else if (kind == LOSS_SOFTMAX) sb_add(&c->b, "about -exp(-%s)", num(n1, softmax_gap(e, t), c->prec));
    else if (kind == LOSS_BCE) sb_add(&c->b, "about -exp(-%s)" NB "/" NB "%zu", num(n1, e->z[t], c->prec), e->C);
    else sb_add(&c->b, "about -exp(-%s)", num(n1, e->z[t], c->prec));
}

/* Notes on the zero rows of W.grad. */
static void notes_zero(ctx *c, const head_result *r, facts *f)
{
    const experiment *e = c->e;
    size_t C = f->C, t = c->o->target;
    char n1[96];
    sbuf *b = &c->b;
    size_t nz = f->nkind[ROW_ZERO];
    if (nz == 0) {
        if (f->nkind[ROW_NONFINITE] == 0) {
            sb_add(b, "No row is zero: every class's weights get a gradient");
            if (r->kind == LOSS_SOFTMAX && C > 1) sb_add(b, ", because softmax's sum ties every logit to p[%zu].", t);
            else sb_add(b, ".");
            bullet(c);
        }
        return;
    }
    int target_zero = f->nwhy[WHY_TARGET_ZERO] != 0;
    /* the reasons of the zero rows other than the target */
    static const enum why OTHER[] = {WHY_UNREAD, WHY_P0, WHY_ZERO_OTHER};
    int groups = 0;
    for (size_t q = 0; q < 3; q++) groups += f->nwhy[OTHER[q]] != 0;
    select_rows(f, C, ROW_ZERO, WHY_NONE);
    int pl;
    if (target_zero && nz == 1) {
        sb_add(b, "Row %zu, the target row, is exactly zero", t);
    } else {
        pl = sb_rows(b, f->sel, C, nz, 1);
        sb_add(b, " %s exactly zero", pl ? "are" : "is");
    }
    if (f->negzero) sb_add(b, " (a zero keeps its sign in float32, so some print as -0)");
    /* one reason for every zero row and no zero target: say it at once */
    int merged = groups == 1 && !target_zero;
    sb_add(b, merged ? "" : target_zero && nz == 1 ? ":" : ".");
    for (size_t q = 0; q < 3; q++) {
        enum why w = OTHER[q];
        if (!f->nwhy[w]) continue;
        size_t n = select_rows(f, C, ROW_ZERO, w);
        pl = n > 1;
        if (!merged) {
            sb_add(b, " ");
            pl = sb_rows(b, f->sel, C, n, 1);
        }
        if (w == WHY_UNREAD) {
            sb_add(b,
                   ": the loss reads only log p[%zu], and under sigmoid p[%zu] depends on z[%zu] alone, so "
                   "dz[i] = 0 for every other class and %s no gradient at all.",
                   t, t, t, pl ? "their weights get" : "its weights get");
        } else if (w == WHY_P0) {
            double gap = INFINITY, zmax = -INFINITY;
            for (size_t i = 0; i < C; i++)
                if (e->z[i] > zmax) zmax = e->z[i];
            for (size_t i = 0; i < C; i++)
                if (f->sel[i] && zmax - e->z[i] < gap) gap = zmax - e->z[i];
            if (r->kind == LOSS_SOFTMAX)
                sb_add(b,
                       ": %s softmax probabilit%s 0 in float32 (logit%s at least %s below the largest; "
                       "exp underflows), so dz[i] = p[i] = 0.",
                       pl ? "their" : "its", pl ? "ies are" : "y is", pl ? "s" : "", num(n1, gap, c->prec));
            else sb_add(b, ": sigmoid(z[i]) is 0 in float32 there, so dz[i] = p[i] / %zu = 0.", C);
        } else {
            sb_add(b, ": dz[i] * x[j] rounds to 0 in float32 in every column.");
        }
    }
    if (target_zero) {
        double g = exact_dzt(e, r->kind, t);
        if (nz > 1) sb_add(b, " Even the target row %zu is zero:", t);
        if (r->kind == LOSS_SOFTMAX && C == 1) {
            sb_add(b, " with a single class softmax gives p[0] = 1 whatever z is, so the loss is constant and "
                      "its gradient exactly 0.");
        } else if ((float)g == 0.0f) {
            sb_add(b, " its exact gradient dz[%zu], ", t);
            sb_exact(c, g, r->kind, t);
            sb_add(b, ", is smaller than float32's smallest number, so no formula can keep it in float32.");
        } else {
            if (r->p[t] == 1.0f) {
                sb_add(b, " p[%zu] rounded to exactly 1 in float32 (", t);
                if (r->kind == LOSS_SOFTMAX)
                    sb_add(b, "z[%zu] is %s above every other logit", t, num(n1, softmax_gap(e, t), c->prec));
                else sb_add(b, "z[%zu] = %s", t, num(n1, e->z[t], c->prec));
                sb_add(b,
                       "), so the gradient, %sp[%zu]" NB "-" NB "1%s in exact arithmetic, comes out 0; exactly it "
                       "is ",
                       r->kind == LOSS_BCE ? "(" : "", t, r->kind == LOSS_BCE ? ")" NB "/" NB "C" : "");
            } else {
                sb_add(b, " dz[%zu] rounded to 0 in float32; exactly it is ", t);
            }
            sb_exact(c, g, r->kind, t);
            sb_add(b, ".");
            if (!c->o->stable && r->kind == LOSS_SIGMOID) {
                float dzt = 0;
                int ok = stable_run(e, r->kind, t, c->o, &dzt);
                if (ok < 0) {
                    c->b.oom = 1;
                    return;
                }
                if (ok && dzt != 0.0f)
                    sb_add(b, " --stable (logsigmoid) keeps it: dz[%zu] = %s.", t, num(n1, dzt, c->prec));
            }
        }
    }
    bullet(c);
}

/* Notes on rows holding nan or inf, and whether --stable avoids them. */
static void notes_nonfinite(ctx *c, const head_result *r, facts *f)
{
    const experiment *e = c->e;
    size_t C = f->C, t = c->o->target;
    char n1[96], n2[96];
    sbuf *b = &c->b;
    if (f->nkind[ROW_NONFINITE] == 0) return;
    double zmax = -INFINITY;
    for (size_t i = 0; i < C; i++)
        if (e->z[i] > zmax) zmax = e->z[i];
    for (int w = WHY_LOG0; w < WHY_KINDS; w++) {
        if (!f->nwhy[w]) continue;
        size_t n = select_rows(f, C, ROW_NONFINITE, (enum why)w);
        int pl = sb_rows(b, f->sel, C, n, 1);
        const char *what = f->inf_entries[w] == 0 ? "nan" : f->nan_entries[w] == 0 ? "inf" : "nan and inf";
        sb_add(b, " %s %s", pl ? "hold" : "holds", what);
        switch (w) {
        case WHY_LOG0:
            if (r->kind == LOSS_SOFTMAX)
                sb_add(b,
                       ": p[%zu] = softmax(z)[%zu] is 0 in float32 (z[%zu] is %s below the largest logit), so "
                       "log p[%zu] = -inf and the loss is inf; the backward's -1 / p[%zu] = -inf times p[%zu] = 0 "
                       "is nan, and softmax's backward spreads it to every row.",
                       t, t, t, num(n1, zmax - e->z[t], c->prec), t, t, t);
            else
                sb_add(b,
                       ": p[%zu] = sigmoid(z[%zu]) is 0 in float32 (z[%zu] = %s), so log p[%zu] = -inf and the "
                       "loss is inf; the backward multiplies -1 / p[%zu] = -inf by p[%zu] = 0, which is nan.",
                       t, t, t, num(n1, e->z[t], c->prec), t, t, t);
            break;
        case WHY_RECIP:
            sb_add(b, ": p[%zu] = %s is so small that the backward's -1 / p[%zu] overflows float32 to -inf.", t,
                   num(n1, r->p[t], c->prec), t);
            break;
        case WHY_SIG_P0:
            sb_add(b,
                   ": sigmoid(z[i]) is 0 in float32 there, and log's backward divides %s zero upstream "
                   "gradient by it, 0" NB "/" NB "0" NB "=" NB "nan, in %s that should be zero.",
                   pl ? "their" : "its", pl ? "rows" : "a row");
            break;
        case WHY_SOFTMAX_P0: {
            unsigned char *zero = malloc(C);
            if (!zero) {
                c->b.oom = 1;
                return;
            }
            size_t nzp = 0;
            for (size_t k = 0; k < C; k++) nzp += zero[k] = k != t && r->p[k] == 0.0f;
            sb_add(b, ": the softmax probabilit%s of ", nzp == 1 ? "y" : "ies");
            int pl0 = sb_items(b, zero, C, nzp, 0, "class", "classes");
            free(zero);
            sb_add(b,
                   " %s 0 in float32, and log's backward divides %s zero upstream gradient by %s, "
                   "0" NB "/" NB "0" NB "=" NB "nan, which softmax's backward, a sum over every class, spreads "
                   "to every row.",
                   pl0 ? "are" : "is", pl0 ? "their" : "its", pl0 ? "them" : "it");
            break;
        }
        case WHY_Z: sb_add(b, ": the logits themselves are not finite."); break;
        default: {
            size_t i0 = 0;
            while (!f->sel[i0]) i0++;
            sb_add(b, ": dz[i] * x[j] is not finite there (dz[%zu] = %s).", i0, num(n2, r->dz[i0], c->prec));
            break;
        }
        }
        bullet(c);
    }
    if (!c->o->stable && r->kind != LOSS_BCE) {
        float dzt = 0;
        int ok = stable_run(e, r->kind, t, c->o, &dzt);
        if (ok < 0) {
            c->b.oom = 1;
            return;
        }
        if (ok)
            sb_add(b,
                   "Try --stable: %s computes the log-probabilities without taking the log of a rounded "
                   "probability, and on these logits its loss and gradient are all finite.",
                   r->kind == LOSS_SIGMOID ? "logsigmoid" : "log_softmax");
        else sb_add(b, "--stable does not avoid it here: the stable kernels give nan or inf on these logits too.");
        bullet(c);
    }
}

/* The target row's own signs and what a descent step does. */
static void notes_target(ctx *c, const head_result *r, facts *f)
{
    const experiment *e = c->e;
    size_t F = e->F, t = c->o->target;
    char n1[96];
    sbuf *b = &c->b;
    if (f->kind[t] != ROW_TARGET) return;
    sb_add(b, "Row %zu, the target row, is dz[%zu] * X with dz[%zu] = %s: ", t, t, t, num(n1, r->dz[t], c->prec));
    if (f->t_neg == F) sb_add(b, "negative in every column.");
    else if (f->t_pos == F) sb_add(b, "positive in every column.");
    else {
        sb_add(b, "negative in %zu and positive in %zu of its %zu columns", f->t_neg, f->t_pos, F);
        if (f->t_zero) sb_add(b, " (%zu zero)", f->t_zero);
        if (f->x_neg) sb_add(b, ", as X has %zu negative entries", f->x_neg);
        sb_add(b, ".");
    }
    if (r->dz[t] != 0)
        sb_add(b,
               " A descent step W" NB "-=" NB "lr" NB "*" NB "W.grad changes logit i by "
               "-lr" NB "*" NB "dz[i]" NB "*" NB "|X|^2, so it %s the target's logit.",
               r->dz[t] < 0 ? "raises" : "lowers");
    bullet(c);
}

/* The other rows' signs against the target row. */
static void notes_relative(ctx *c, const head_result *r, facts *f)
{
    const experiment *e = c->e;
    size_t C = f->C, F = e->F, t = c->o->target;
    sbuf *b = &c->b;
    if (C == 1) return;
    size_t others = f->nkind[ROW_OPPOSITE] + f->nkind[ROW_SAME] + f->nkind[ROW_MIXED] + f->nkind[ROW_UNCOMPARED];
    if (others == 0) return;
    if (f->kind[t] != ROW_TARGET) {
        for (size_t i = 0; i < C; i++) f->sel[i] = f->kind[i] >= ROW_OPPOSITE;
        int pl = sb_rows(b, f->sel, C, others, 1);
        sb_add(b, " %s a gradient, but the target row is %s, so there is no sign to compare %s with.",
               pl ? "get" : "gets", f->kind[t] == ROW_ZERO ? "zero" : "not finite", pl ? "them" : "it");
        bullet(c);
        return;
    }
    static const struct {
        enum row_kind k;
        const char *one, *many, *tail;
    } K[] = {
        {ROW_OPPOSITE, "has", "have", "the opposite sign of the target row"},
        {ROW_SAME, "has", "have", "the same sign as the target row"},
    };
    for (size_t q = 0; q < sizeof K / sizeof K[0]; q++) {
        size_t n = select_rows(f, C, K[q].k, WHY_NONE);
        if (!n) continue;
        /* every column, or only where both rows are non-zero */
        int all = 1;
        for (size_t i = 0; i < C && all; i++)
            if (f->sel[i])
                for (size_t j = 0; j < F && all; j++)
                    if (r->dz[i] * e->x[j] == 0 || r->dz[t] * e->x[j] == 0) all = 0;
        int pl = sb_rows(b, f->sel, C, n, 1);
        sb_add(b, " %s %s %s", pl ? K[q].many : K[q].one, K[q].tail,
               all ? "in every column" : "in every column where both are non-zero");
        /* row i is dz[i] * X, so its sign against the target row is that of dz[i] / dz[t] */
        int lowers = (K[q].k == ROW_OPPOSITE) == (r->dz[t] < 0);
        sb_add(b, ": %s dz %s %s, so the same step %s %s logit%s%s.", pl ? "their" : "its", pl ? "values are" : "is",
               lowers ? "positive" : "negative", lowers ? "lowers" : "raises", pl ? "their" : "its", pl ? "s" : "",
               K[q].k == ROW_SAME ? " too" : "");
        bullet(c);
    }
    size_t n = select_rows(f, C, ROW_MIXED, WHY_NONE);
    if (n) {
        int pl = sb_rows(b, f->sel, C, n, 1);
        sb_add(b, " %s the same sign as the target row in some columns and the opposite sign in others.",
               pl ? "have" : "has");
        bullet(c);
    }
    n = select_rows(f, C, ROW_UNCOMPARED, WHY_NONE);
    if (n) {
        int pl = sb_rows(b, f->sel, C, n, 1);
        sb_add(b, " %s non-zero only in columns where the target row is zero.", pl ? "are" : "is");
        bullet(c);
    }
    if (f->x_neg && f->x_pos && f->nkind[ROW_MIXED] == 0 && f->nkind[ROW_UNCOMPARED] == 0)
        sb_add(b,
               "X is signed (%zu of %zu entries negative), so %zu of the %zu rows that move mix positive "
               "and negative entries; but every row is dz[i] * X, a multiple of the same X, so against the "
               "target row its sign is the same in every column.",
               f->x_neg, F, f->mixed_rows, f->moving);
    bullet(c);
}

static double fmax_d(double a, double b)
{
    return a > b ? a : b;
}

/* softmax: every column of W.grad sums to zero, up to rounding. */
static void notes_columns(ctx *c, const head_result *r, facts *f)
{
    const experiment *e = c->e;
    size_t C = f->C, F = e->F;
    sbuf *b = &c->b;
    if (f->nkind[ROW_NONFINITE]) return;
    float *fs = malloc(F * sizeof *fs);
    double *ds = malloc(F * sizeof *ds), *as = malloc(F * sizeof *as);
    if (!fs || !ds || !as) {
        c->b.oom = 1;
        free(fs), free(ds), free(as);
        return;
    }
    for (size_t j = 0; j < F; j++) fs[j] = 0.0f, ds[j] = 0.0, as[j] = 0.0;
    for (size_t i = 0; i < C; i++)
        for (size_t j = 0; j < F; j++) {
            float g = r->dz[i] * e->x[j];
            fs[j] += g;
            ds[j] += g;
            as[j] += fabs((double)g);
        }
    /* What rounding allows in column j: each dz[i] comes from a handful of
     * float32 operations on values up to 1 (p[i], 1 - p[t], a sum over the
     * classes), so sum_i dz[i] may be off by some 2^-24 * (1 + sum |dz|),
     * times |x[j]|; each of the C float32 additions and products adds up to
     * 2^-24 of the column's magnitude. */
    double u = ldexp(1.0, -24), sdz = 0;
    for (size_t i = 0; i < C; i++) sdz += fabs((double)r->dz[i]);
    double fmax = 0, dmax = 0, ratio = 0, gmax = 0;
    size_t nzero = 0;
    int small = 1;
    for (size_t j = 0; j < F; j++) {
        double dev = fmax_d(fabs((double)fs[j]), fabs(ds[j]));
        double allow = 8.0 * u * (1.0 + sdz) * fabs((double)e->x[j]) + ((double)C + 8.0) * u * as[j];
        if (dev > allow) small = 0;
        if (fabs((double)fs[j]) > fmax) fmax = fabs((double)fs[j]);
        if (fabs(ds[j]) > dmax) dmax = fabs(ds[j]);
        if (as[j] > 0 && dev / as[j] > ratio) ratio = dev / as[j];
        if (as[j] > gmax) gmax = as[j];
        nzero += fs[j] == 0.0f;
    }
    sb_add(b, "Each column of W.grad sums to zero in exact arithmetic: column j is x[j] * dz, and dz = "
              "p - one_hot(y) sums to 0 because p does. The columns of the float32 W.grad, "
              "added up in float32 row by row:");
    para(c);
    show(c, tensor_view_dense1(fs, F));
    if (nzero == F) {
        sb_add(b, "Every column sums to exactly 0 here.");
    } else {
        char n1[96], n2[96], n3[96];
        sb_add(b, "The largest of these is %s in size (summing the same values in double: %s), ",
               num(n1, fmax, c->prec), num(n2, dmax, c->prec));
        sb_add(b, "against columns whose entries add up to at most %s in size: ", num(n3, gmax, c->prec));
        if (small)
            sb_add(b, "tiny rather than exactly 0, within what float32 rounding allows (2^-24 = 6.0e-08 "
                      "relative per operation, on values up to 1): not a gradient.");
        else
            sb_add(b, "up to %s of a column's size, more than float32 rounding alone would explain.",
                   num(n1, ratio, 2));
    }
    if (small)
        sb_add(b, " So a descent step keeps each column's total weight: it only shifts weight between the classes.");
    para(c);
    free(fs), free(ds), free(as);
}

/* bce: what happens to the rows other than the target. */
static void notes_bce(ctx *c, const head_result *r, facts *f)
{
    size_t C = f->C, t = c->o->target;
    sbuf *b = &c->b;
    if (C == 1) return;
    size_t down = 0, up = 0;
    for (size_t i = 0; i < C; i++) {
        f->sel[i] = i != t && r->dz[i] > 0;
        down += f->sel[i];
        up += i != t && r->dz[i] < 0;
    }
    sb_add(b, "Unlike nll over sigmoid probabilities, bce gives the other classes a gradient too: their "
              "label is 0, so their probabilities are pushed down.");
    if (down == C - 1) {
        sb_add(b, " Every other row has dz[i] = p[i] / %zu > 0: a descent step lowers their logits.", C);
    } else if (down) {
        sb_add(b, " ");
        int pl = sb_rows(b, f->sel, C, down, 1);
        sb_add(b, " (%zu of the %zu other rows) %s dz[i] = p[i] / %zu > 0: a descent step lowers %s logit%s.", down,
               C - 1, pl ? "have" : "has", C, pl ? "their" : "its", pl ? "s" : "");
    }
    if (up) sb_add(b, " %zu other row%s negative dz.", up, up == 1 ? " has a" : "s have");
    bullet(c);
}

static void head_grad(ctx *c, const head_result *r)
{
    if (c->rc) return; /* after a failure, stop working */
    const experiment *e = c->e;
    int h = (int)(r - e->heads);
    sbuf *b = &c->b;
    float scalar;
    sb_add(b, "Gradient: dz = d loss / d z, and W.grad = outer(dz, X), so row i of W.grad is dz[i] * X.");
    para(c);
    line(c, "dz:\n");
    show(c, tensor_view_dense2(r->dz, 1, e->C));
    line(c, "W.grad:\n");
    show(c, experiment_view(c->e, h, SHOW_GRAD, &scalar));
    facts f;
    if (facts_init(&f, e, r, c->o->target, c->o->stable) != 0) {
        facts_free(&f);
        c->b.oom = 1;
        failed(c, -2);
        return;
    }
    notes_zero(c, r, &f);
    notes_nonfinite(c, r, &f);
    notes_target(c, r, &f);
    notes_relative(c, r, &f);
    if (r->kind == LOSS_BCE) notes_bce(c, r, &f);
    if (r->kind == LOSS_SOFTMAX && e->C > 1) notes_columns(c, r, &f);
    if (c->b.oom) failed(c, -2);
    facts_free(&f);
}

static const char *head_formula(loss_kind k, int stable)
{
    switch (k) {
    case LOSS_SIGMOID: return stable ? "nll_loss(logsigmoid(z), y)" : "nll_loss(log(sigmoid(z)), y)";
    case LOSS_SOFTMAX: return stable ? "nll_loss(log_softmax(z), y)" : "nll_loss(log(softmax(z)), y)";
    default: return "binary_cross_entropy_with_logits(z, one_hot(y))";
    }
}

/* A closing comparison of the heads, from their dz. */
static void section_summary(ctx *c)
{
    if (c->rc) return; /* after a failure, stop working */
    const experiment *e = c->e;
    size_t C = e->C, t = c->o->target;
    sbuf *b = &c->b;
    if (e->nheads < 2) return;
    line(c, "\n== Compared\n");
    sb_add(b, "Rows that move (a non-zero, finite entry in W.grad):");
    for (int h = 0; h < e->nheads; h++) {
        const head_result *r = &e->heads[h];
        size_t moving = 0;
        for (size_t i = 0; i < C; i++) {
            int any = 0, bad = 0;
            for (size_t j = 0; j < e->F; j++) {
                float g = r->dz[i] * e->x[j];
                if (!isfinite(g)) bad = 1;
                else if (g != 0) any = 1;
            }
            moving += any && !bad;
        }
        sb_add(b, "%s %s %zu of %zu", h ? "," : "", LOSS_NAMES[r->kind], moving, C);
    }
    sb_add(b, ".");
    bullet(c);
    int neg = 0, pos = 0;
    for (int h = 0; h < e->nheads; h++) {
        float d = e->heads[h].dz[t];
        neg += d < 0;
        pos += d > 0;
    }
    if (neg == e->nheads)
        sb_add(b,
               "Every head gives the target row the same sign (dz[%zu] < 0): each raises the target's logit; "
               "they differ in what they do to the other rows.",
               t);
    else if (pos == e->nheads) sb_add(b, "Every head gives the target row the same sign (dz[%zu] > 0).", t);
    else {
        char n1[96];
        sb_add(b, "The heads do not agree on the sign of the target row: dz[%zu] is", t);
        for (int h = 0; h < e->nheads; h++)
            sb_add(b, "%s %s (%s)",
                   h == 0               ? ""
                   : h + 1 == e->nheads ? " and"
                                        : ",",
                   num(n1, e->heads[h].dz[t], c->prec), LOSS_NAMES[e->heads[h].kind]);
        sb_add(b, ".");
    }
    bullet(c);
}

/* ------------------------------------------------------------------------ */
/* The network walkthrough: hidden layers, a batch, or training steps       */

/* "W1 (8 x 5)" style shape list and the model, in words. */
static void net_inputs(ctx *c)
{
    const experiment *e = c->e;
    const gradexp_options *o = c->o;
    const size_t *d = e->spec.dims;
    sbuf *b = &c->b;
    if (e->steps > 0)
        sb_add(b, "gradexp --explain: a %zu-layer network trained for %ld step%s (seed ", e->L, e->steps,
               e->steps == 1 ? "" : "s");
    else sb_add(b, "gradexp --explain: a %zu-layer network, untrained (seed ", e->L);
    sb_seed(b, o->seed);
    sb_add(b, ", %zu classes, %zu features", e->C, e->F);
    if (e->spec.batched) sb_add(b, ", a batch of %zu", e->N);
    sb_add(b, "%s%s).", o->no_abs ? ", --no-abs" : "", o->stable ? ", --stable" : "");
    para(c);
    line(c, "\n== The network\n");
    if (e->spec.batched) sb_add(b, "X = randn(%zu, %zu), one input per row", e->N, e->F);
    else sb_add(b, "X = randn(%zu)", e->F);
    sb_add(b, "%s, then", o->no_abs ? " (signed)" : ", absolute values");
    for (size_t l = 1; l <= e->L; l++) sb_add(b, "%s W%zu = randn(%zu, %zu)", l > 1 ? "," : "", l, d[l], d[l - 1]);
    if (o->has_init_std) {
        char n1[96];
        sb_add(b, ", each * %s", num(n1, (double)(float)o->init_std, c->prec));
    }
    sb_add(b, ", drawn in that order.");
    if (e->L > 1)
        sb_add(b, " Layer by layer h = %s(%s), and the logits z = %s.", ACT_NAMES[o->act],
               e->spec.batched ? "h @ W.T" : "W @ h", e->spec.batched ? "h @ WL.T" : "WL @ h");
    if (e->steps > 0) {
        char n1[96];
        sb_add(b,
               " Each head trains its own copy of the weights with torch.optim.SGD, lr = %s: %ld times zero_grad, "
               "forward, backward, step; what follows is the trained model (forward and backward once more).",
               num(n1, (double)(float)o->lr, c->prec), e->steps);
    }
    para(c);
    show(c, experiment_view(c->e, -1, SHOW_X, NULL));
}

/* How the loss curve moved. */
static void net_curve(ctx *c, const head_result *r)
{
    const experiment *e = c->e;
    sbuf *b = &c->b;
    char n1[96], n2[96];
    long T = e->steps, down = 0, up = 0, flat = 0, bad = -1;
    for (long t = 0; t < T; t++) {
        float a = r->curve[t], z = r->curve[t + 1];
        if (!isfinite(z) && bad < 0) bad = t + 1;
        if (z < a) down++;
        else if (z > a) up++;
        else if (z == a) flat++;
    }
    line(c, "Loss before each step and after the last (the curve):\n");
    show(c, tensor_view_dense1(r->curve, (size_t)T + 1));
    double first = r->curve[0], last = r->curve[T];
    sb_add(b, "Over %ld step%s the loss went from %s to %s", T, T == 1 ? "" : "s", num(n1, first, c->prec),
           num(n2, last, c->prec));
    if (isfinite(first) && isfinite(last) && first != 0 && last != first) {
        char n3[96];
        sb_add(b, " (%s by %s, %s%%)", last < first ? "down" : "up", num(n3, fabs(last - first), c->prec),
               num(n1, 100.0 * fabs(last - first) / fabs(first), 1));
    }
    if (down == T) sb_add(b, "; it fell at every step.");
    else if (up == T) sb_add(b, "; it rose at every step: the steps overshoot (lr too large for this model).");
    else if (flat == T) sb_add(b, "; it did not change at all.");
    else sb_add(b, "; it fell at %ld step%s, rose at %ld and stayed put at %ld.", down, down == 1 ? "" : "s", up, flat);
    if (bad >= 0) sb_add(b, " It is not finite from step %ld on.", bad);
    bullet(c);
}

/* Whether every row r of the (N, C) array v has v[r][i] == 0. */
static int column_zero(const float *v, size_t N, size_t C, size_t i)
{
    for (size_t n = 0; n < N; n++)
        if (v[n * C + i] != 0.0f) return 0;
    return 1;
}

/* Whether class i is the target of some row. */
static int is_target(const experiment *e, size_t i)
{
    for (size_t n = 0; n < e->N; n++)
        if (e->spec.targets[n] == i) return 1;
    return 0;
}

/* Facts about the zero rows of one layer's gradient. */
typedef struct {
    size_t rows, zero, unread, dead, other;
} zero_rows;

/* Rows of layer l's gradient that are exactly zero, and why. */
static zero_rows net_zero_rows(ctx *c, int h, size_t l, unsigned char *sel, unsigned char *why)
{
    experiment *e = c->e;
    const head_result *r = &e->heads[h];
    tensor_view g = experiment_layer(e, h, l, LAYER_GRAD);
    zero_rows z = {g.rows, 0, 0, 0, 0};
    for (size_t i = 0; i < g.rows; i++) {
        int zero = 1;
        for (size_t j = 0; j < g.cols && zero; j++)
            if (g.at(&g, i, j) != 0.0f) zero = 0;
        sel[i] = (unsigned char)zero;
        why[i] = 0;
        if (!zero) continue;
        z.zero++;
        if (l == e->L) {
            int target = is_target(e, i);
            if (!target && column_zero(r->dz, e->N, e->C, i) && r->kind == LOSS_SIGMOID && !c->o->stable) {
                why[i] = 1;
                z.unread++;
                continue;
            }
            int p1 = target && r->kind != LOSS_BCE;
            for (size_t n = 0; n < e->N && p1; n++)
                if (e->spec.targets[n] == i && r->p[n * e->C + i] != 1.0f) p1 = 0;
            if (p1) {
                why[i] = 4;
                z.other++;
                continue;
            }
        } else if (e->dense && c->o->act == ACT_RELU && column_zero(r->net.h[l], e->N, e->spec.dims[l], i)) {
            why[i] = 2;
            z.dead++;
            continue;
        }
        z.other++;
    }
    return z;
}

/* One head's gradients, layer by layer, with the zero rows explained. */
static void net_grads(ctx *c, int h)
{
    experiment *e = c->e;
    sbuf *b = &c->b;
    size_t maxd = 0;
    for (size_t l = 1; l <= e->L; l++)
        if (e->spec.dims[l] > maxd) maxd = e->spec.dims[l];
    unsigned char *sel = malloc(maxd + 1), *why = malloc(maxd + 1), *pick = malloc(maxd + 1);
    if (!sel || !why || !pick) {
        free(sel);
        free(why);
        free(pick);
        failed(c, -2);
        return;
    }
    zero_rows last = {0};
    size_t hidden_other = 0; /* hidden zero rows that are not relu's dead units */
    size_t hidden_zero = 0;
    for (size_t l = 1; l <= e->L && c->rc == 0; l++) {
        if (e->L > 1) sb_add(b, "grad%zu = d loss / d W%zu (%zu x %zu):", l, l, e->spec.dims[l], e->spec.dims[l - 1]);
        else sb_add(b, "W.grad = d loss / d W:");
        para(c);
        show(c, experiment_layer(e, h, l, LAYER_GRAD));
        zero_rows z = net_zero_rows(c, h, l, sel, why);
        if (l == e->L) last = z;
        else {
            hidden_zero += z.zero;
            hidden_other += z.other;
        }
        if (z.zero == 0) {
            if (e->L > 1) sb_add(b, "No row of grad%zu is zero.", l);
            else sb_add(b, "No row of W.grad is zero.");
            bullet(c);
            continue;
        }
        for (int k = 1; k <= 4; k++) {
            size_t n = 0;
            for (size_t i = 0; i < z.rows; i++) pick[i] = sel[i] && why[i] == (k == 3 ? 0 : k), n += pick[i];
            if (n == 0) continue;
            int plural = sb_rows(b, pick, z.rows, n, 1);
            sb_add(b, " %s exactly zero", plural ? "are" : "is");
            if (k == 1)
                sb_add(b,
                       ": the naive sigmoid head's loss reads z only at the target class%s, so dz is exactly 0 in "
                       "every other class and these rows (dz[:, i] times the layer's input) are 0.",
                       e->N > 1 ? "es of the rows" : "");
            else if (k == 2)
                sb_add(b,
                       ": %s unit%s of layer %zu %s off (relu gives 0) for every input, so no gradient "
                       "passes %s.",
                       n == 1 ? "that" : "those", n == 1 ? "" : "s", l, n == 1 ? "is" : "are", n == 1 ? "it" : "them");
            else if (k == 4)
                sb_add(b, ": the target's probability rounded to 1 in float32, so its dz is 0 (the head sees "
                          "nothing left to learn).");
            else sb_add(b, " (an exact zero in the backward).");
            bullet(c);
        }
    }
    if (e->L > 1 && last.unread > 0 && hidden_other == 0) {
        sb_add(b,
               "Only the last layer has the sigmoid head's zero rows (the blog: \"valid just for the last one\"): "
               "the gradient reaching the hidden layers is dz @ W%zu, and the target class's dz reaches every "
               "hidden unit through its row of W%zu, so no hidden row is zero%s.",
               e->L, e->L, hidden_zero ? " except the units relu switched off" : "");
        bullet(c);
    }
    free(sel);
    free(why);
    free(pick);
}

/* Which weights training changed and which it never touched. */
static void net_changes(ctx *c, int h)
{
    experiment *e = c->e;
    const head_result *r = &e->heads[h];
    sbuf *b = &c->b;
    size_t L = e->L;
    for (size_t l = 1; l <= L && c->rc == 0; l++) {
        tensor_view w0 = experiment_layer(e, h, l, LAYER_W0), w = experiment_layer(e, h, l, LAYER_W);
        size_t rows = w0.rows, cols = w0.cols, changed = 0, nstill = 0, still_equal = 1;
        unsigned char *still = malloc(rows);
        if (!still) {
            failed(c, -2);
            return;
        }
        /* read row by row: a streamed W is regenerated once per row */
        float *row0 = malloc(cols * sizeof *row0);
        if (!row0) {
            free(still);
            failed(c, -2);
            return;
        }
        for (size_t i = 0; i < rows; i++) {
            for (size_t j = 0; j < cols; j++) row0[j] = w0.at(&w0, i, j);
            size_t ch = 0;
            for (size_t j = 0; j < cols; j++) ch += float_bits(row0[j]) != float_bits(w.at(&w, i, j));
            changed += ch;
            still[i] = (unsigned char)experiment_row_still(e, h, l, i);
            nstill += still[i];
            if (still[i] && ch) still_equal = 0;
        }
        free(row0);
        if (L > 1) sb_add(b, "W%zu: training", l);
        else sb_add(b, "Training");
        sb_add(b, " changed %zu of %zu weights", changed, rows * cols);
        if (nstill == 0) {
            sb_add(b, "; every row got a non-zero gradient at some step.");
        } else if (still_equal && nstill == rows) {
            sb_add(b,
                   ": its gradient was exactly zero at every one of the %ld steps, so it is still exactly its "
                   "initial value.",
                   e->steps);
        } else if (still_equal) {
            sb_add(b, ". ");
            int plural = sb_rows(b, still, rows, nstill, 1);
            sb_add(b,
                   " never moved: %s gradient was exactly zero at every one of the %ld steps, so %s still exactly "
                   "%s initial value%s",
                   plural ? "their" : "its", e->steps, plural ? "they are" : "it is", plural ? "their" : "its",
                   plural ? "s" : "");
            if (l == L && r->kind == LOSS_SIGMOID && !c->o->stable) {
                int others = 1;
                for (size_t i = 0; i < rows; i++)
                    if (still[i] == is_target(e, i)) others = 0;
                if (others)
                    sb_add(b, ": with the naive sigmoid head only the target class%s row%s ever move%s",
                           e->N > 1 ? "es'" : "'s", e->N > 1 ? "s" : "", e->N > 1 ? "" : "s");
            }
            sb_add(b, ".");
        } else {
            sb_add(b, ".");
        }
        free(still);
        bullet(c);
    }
}

/* The walkthrough of a run with layers, a batch or steps. */
static void explain_network(ctx *c)
{
    experiment *e = c->e;
    const gradexp_options *o = c->o;
    net_inputs(c);
    for (int h = 0; h < e->nheads && c->rc == 0; h++) {
        const head_result *r = &e->heads[h];
        if (fprintf(c->out, "\n== Head %d of %d: %s, loss = %s%s\n", h + 1, e->nheads, LOSS_NAMES[r->kind],
                    head_formula(r->kind, o->stable), e->N > 1 ? ", the mean over the rows" : "") < 0)
            failed(c, -1);
        if (e->steps > 0) net_curve(c, r);
        float scalar;
        line(c, e->steps > 0 ? "The loss of the trained model:\n" : "The loss:\n");
        show(c, experiment_view(e, h, SHOW_LOSS, &scalar));
        net_grads(c, h);
        if (e->steps > 0) {
            line(c, "What training did to the weights:\n");
            net_changes(c, h);
        }
    }
    if (e->steps == 0 || e->nheads < 2 || c->rc) return;
    /* the blog's second claim: similar curves, different ways */
    line(c, "\n== Compared\n");
    sbuf *b = &c->b;
    sb_add(b, "Rows of the last layer that training moved:");
    for (int h = 0; h < e->nheads; h++) {
        size_t moved = 0;
        for (size_t i = 0; i < e->C; i++) moved += !experiment_row_still(e, h, e->L, i);
        sb_add(b, "%s %s %zu of %zu", h ? "," : "", LOSS_NAMES[e->heads[h].kind], moved, e->C);
    }
    sb_add(b, ".");
    bullet(c);
    char n1[96];
    sb_add(b, "Loss after %ld steps:", e->steps);
    for (int h = 0; h < e->nheads; h++)
        sb_add(b, "%s %s %s", h ? "," : "", LOSS_NAMES[e->heads[h].kind], num(n1, e->heads[h].loss, c->prec));
    sb_add(b, " (each head's own loss: the numbers are not on one scale).");
    bullet(c);
}

int explain_print(FILE *out, experiment *e, const gradexp_options *o)
{
    /* numbers in notes: the print precision, but at least 4 digits */
    ctx c = {out, e, o, {NULL, 0, 0, 0}, o->print.precision < 4 ? 4 : o->print.precision, 0, 0};
    if (e->dense || e->steps > 0) {
        explain_network(&c);
        goto done;
    }
    section_inputs(&c);
    section_logits(&c);
    for (int h = 0; h < e->nheads && c.rc == 0; h++) {
        const head_result *r = &e->heads[h];
        if (fprintf(out, "\n== Head %d of %d: %s, loss = %s\n", h + 1, e->nheads, LOSS_NAMES[r->kind],
                    head_formula(r->kind, o->stable)) < 0)
            failed(&c, -1);
        head_probs(&c, r);
        head_loss(&c, r);
        head_grad(&c, r);
    }
    section_summary(&c);
done:
    if (c.b.oom) failed(&c, -2);
    free(c.b.s);
    if (c.rc == 0 && (fflush(out) != 0 || ferror(out))) failed(&c, -1);
    if (c.rc == -1) errno = c.err;
    return c.rc == 0 ? EXPLAIN_OK : c.rc == -2 ? EXPLAIN_NOMEM : EXPLAIN_WRITE;
}
