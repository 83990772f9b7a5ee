/* options.c - command-line flags and config files into gradexp_options.
 *
 * One table-free entry point, options_set(), knows every setting by its long
 * flag name; the command line (getopt_long) and config files both go
 * through it, so a key means the same in both places. Numbers are parsed
 * strictly (strtoull/strtod, errno, end pointer); every error is a single
 * line naming what was wrong. */
#include "options.h"

#include "inputs.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const LOSS_NAMES[LOSS_KINDS] = {"sigmoid", "softmax", "bce"};
const char *const SHOW_NAMES[SHOW_KINDS] = {"x", "w", "h", "z", "p", "loss", "grad"};
const char *const ACT_NAMES[ACT_KINDS] = {"relu", "tanh", "sigmoid"};

/* Largest class or feature count accepted: beyond it no index fits comfortably
 * and products are checked separately. */
#define MAX_DIM ((uint64_t)1 << 40)
#define MAX_PRECISION 60

void options_defaults(gradexp_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 99;
    o->classes = 3;
    o->features = 5;
    o->target = 1;
    o->targets[0] = 1;
    o->ntargets = 1;
    o->act = ACT_RELU;
    o->batch = 1;
    o->lr = 0.1;
    o->losses[0] = LOSS_SIGMOID;
    o->losses[1] = LOSS_SOFTMAX;
    o->nlosses = 2;
    o->show = 1u << SHOW_GRAD;
    o->torch = torch_release_default();
    o->cpu = CPU_AVX2;
    print_options p = PRINT_OPTIONS_DEFAULT;
    o->print = p;
    o->format = FORMAT_TORCH;
    o->color = COLOR_AUTO;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    /* Messages echo user text: keep them one printable line (a newline, CR
     * or escape sequence in a value or file name becomes '?'). */
    for (char *p = err; errlen > 0 && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return -1;
}

/* Parses an unsigned decimal (optional '+') into *out; 0 or -1. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL) return -1;
    if (*s == '+') s++;
    if (*s < '0' || *s > '9') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE || *end != '\0') return -1;
    *out = (uint64_t)v;
    return 0;
}

/* A whole number in [lo, hi]; message names the expectation. */
static int parse_range(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, char *err, size_t errlen)
{
    uint64_t v;
    if (s == NULL || *s == '\0') return fail(err, errlen, "needs a value");
    if (parse_u64(s, &v) != 0 || v < lo || v > hi) {
        if (hi >= MAX_DIM)
            return fail(err, errlen, "'%s' is not a whole number from %llu up", s, (unsigned long long)lo);
        return fail(err, errlen, "'%s' is not a whole number from %llu to %llu", s, (unsigned long long)lo,
                    (unsigned long long)hi);
    }
    *out = v;
    return 0;
}

/* torch.manual_seed accepts [-2^63, 2^64-1]; negatives wrap. */
static int parse_seed(const char *s, uint64_t *out, char *err, size_t errlen)
{
    if (s == NULL || *s == '\0') return fail(err, errlen, "needs a value");
    uint64_t mag;
    int neg = s[0] == '-';
    if (parse_u64(neg ? s + 1 : s, &mag) != 0 || (neg && s[1] == '+'))
        return fail(err, errlen, "'%s' is not a whole number in [-2^63, 2^64-1]", s);
    if (neg && mag > ((uint64_t)1 << 63)) return fail(err, errlen, "'%s' is out of range [-2^63, 2^64-1]", s);
    *out = neg ? (uint64_t)0 - mag : mag;
    return 0;
}

/* A boolean config value; flags without a value mean true. */
static int parse_bool(const char *s, int *out, char *err, size_t errlen)
{
    if (s == NULL) {
        *out = 1;
        return 0;
    }
    if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "1")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off") || !strcmp(s, "0")) {
        *out = 0;
        return 0;
    }
    return fail(err, errlen, "'%s' is not true or false", s);
}

/* Looks s up in names[0..n); returns the index or -1. */
static int lookup(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

/* Splits a comma-separated list, calling visit on each item; -1 on an empty
 * item or when visit fails. */
static int parse_list(const char *s, int (*visit)(void *, const char *, char *, size_t), void *ctx, char *err,
                      size_t errlen)
{
    if (s == NULL || *s == '\0') return fail(err, errlen, "needs a value");
    char item[64];
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0) return fail(err, errlen, "'%s' has an empty item", s);
        if (len >= sizeof item) return fail(err, errlen, "'%.20s...' is not a known name", p);
        memcpy(item, p, len);
        item[len] = '\0';
        if (visit(ctx, item, err, errlen) != 0) return -1;
        if (!comma) return 0;
        p = comma + 1;
    }
}

static int visit_loss(void *ctx, const char *item, char *err, size_t errlen)
{
    gradexp_options *o = ctx;
    int k = lookup(item, LOSS_NAMES, LOSS_KINDS);
    if (k < 0) return fail(err, errlen, "'%s' is not a loss (sigmoid, softmax, bce or all)", item);
    if (o->nlosses == MAX_LOSSES) return fail(err, errlen, "more than %d losses", MAX_LOSSES);
    o->losses[o->nlosses++] = (loss_kind)k;
    return 0;
}

static int visit_show(void *ctx, const char *item, char *err, size_t errlen)
{
    unsigned *show = ctx;
    int k = lookup(item, SHOW_NAMES, SHOW_KINDS);
    if (k < 0) return fail(err, errlen, "'%s' is not one of x, w, h, z, p, loss, grad, all", item);
    *show |= 1u << k;
    return 0;
}

/* A list of whole numbers being read (--hidden, --target). */
typedef struct {
    size_t *v;
    size_t n, max;
    uint64_t lo;
    const char *what; /* "widths", "targets": for the too-many message */
} num_list;

static int visit_num(void *ctx, const char *item, char *err, size_t errlen)
{
    num_list *l = ctx;
    uint64_t v;
    if (parse_u64(item, &v) != 0 || v < l->lo || v > MAX_DIM)
        return fail(err, errlen, "'%s' is not a whole number from %llu up", item, (unsigned long long)l->lo);
    if (l->n == l->max) return fail(err, errlen, "more than %zu %s", l->max, l->what);
    l->v[l->n++] = (size_t)v;
    return 0;
}

/* A finite decimal number (strtod's syntax) into *out; 0 or -1. */
static int parse_finite(const char *value, double *out, char *err, size_t errlen)
{
    if (value == NULL || *value == '\0') return fail(err, errlen, "needs a value");
    char *end;
    errno = 0;
    double d = strtod(value, &end);
    /* ERANGE on underflow still gives a finite (tiny or zero) value: keep it */
    if (*end != '\0' || end == value || !isfinite(d)) return fail(err, errlen, "'%s' is not a finite number", value);
    *out = d;
    return 0;
}

int options_set(gradexp_options *o, const char *key, const char *value, char *err, size_t errlen)
{
    uint64_t v = 0; /* set by parse_range whenever it returns 0 */
    if (!strcmp(key, "seed")) {
        if (parse_seed(value, &o->seed, err, errlen)) return -1;
        o->seed_negative = value[0] == '-' && o->seed != 0; /* for --format json */
        return 0;
    }
    if (!strcmp(key, "classes") || !strcmp(key, "features")) {
        if (parse_range(value, 1, MAX_DIM, &v, err, errlen)) return -1;
        *(key[0] == 'c' ? &o->classes : &o->features) = (size_t)v;
        *(key[0] == 'c' ? &o->set_classes : &o->set_features) = 1;
        return 0;
    }
    if (!strcmp(key, "target")) {
        size_t t[MAX_TARGETS] = {0};
        num_list l = {t, 0, MAX_TARGETS, 0, "targets"};
        if (parse_list(value, visit_num, &l, err, errlen)) return -1;
        memcpy(o->targets, t, l.n * sizeof *t);
        o->ntargets = l.n;
        o->target = t[0];
        return 0;
    }
    if (!strcmp(key, "hidden")) {
        size_t w[MAX_HIDDEN] = {0};
        num_list l = {w, 0, MAX_HIDDEN, 1, "hidden layers"};
        /* an empty value is no hidden layer, as torch_ref.py reads it */
        if (value && *value && parse_list(value, visit_num, &l, err, errlen)) return -1;
        if (value == NULL) return fail(err, errlen, "needs a value");
        memcpy(o->hidden, w, l.n * sizeof *w);
        o->nhidden = (int)l.n;
        o->set_hidden = 1;
        return 0;
    }
    if (!strcmp(key, "act")) {
        int k = value ? lookup(value, ACT_NAMES, ACT_KINDS) : -1;
        if (k < 0) return fail(err, errlen, "'%s' is not relu, tanh or sigmoid", value ? value : "");
        o->act = (act_kind)k;
        return 0;
    }
    if (!strcmp(key, "batch")) {
        if (parse_range(value, 1, MAX_DIM, &v, err, errlen)) return -1;
        o->batch = (size_t)v;
        o->has_batch = 1;
        return 0;
    }
    if (!strcmp(key, "steps")) {
        if (parse_range(value, 0, (uint64_t)MAX_STEPS, &v, err, errlen)) return -1;
        o->steps = (long)v;
        return 0;
    }
    if (!strcmp(key, "lr")) return parse_finite(value, &o->lr, err, errlen);
    if (!strcmp(key, "no-abs")) return parse_bool(value, &o->no_abs, err, errlen);
    if (!strcmp(key, "stable")) return parse_bool(value, &o->stable, err, errlen);
    if (!strcmp(key, "explain")) return parse_bool(value, &o->explain, err, errlen);
    if (!strcmp(key, "gradcheck")) return parse_bool(value, &o->gradcheck, err, errlen);
    if (!strcmp(key, "init-std")) {
        if (parse_finite(value, &o->init_std, err, errlen)) return -1;
        o->has_init_std = 1;
        return 0;
    }
    if (!strcmp(key, "loss")) {
        if (value && !strcmp(value, "all")) value = "sigmoid,softmax,bce";
        gradexp_options tmp = *o;
        tmp.nlosses = 0;
        if (parse_list(value, visit_loss, &tmp, err, errlen)) return -1;
        memcpy(o->losses, tmp.losses, sizeof o->losses);
        o->nlosses = tmp.nlosses;
        return 0;
    }
    if (!strcmp(key, "show")) {
        unsigned show = 0;
        if (value && !strcmp(value, "all")) value = "x,w,h,z,p,loss,grad";
        if (parse_list(value, visit_show, &show, err, errlen)) return -1;
        o->show = show;
        return 0;
    }
    if (!strcmp(key, "cpu") || !strcmp(key, "rng")) { /* --rng: the old name */
        static const char *const families[] = {"avx2", "default", "avx512", "native", "neon"};
        static const torch_cpu cpus[] = {CPU_AVX2, CPU_DEFAULT, CPU_AVX512, CPU_AVX2, CPU_NEON};
        int k = value ? lookup(value, families, 5) : -1;
        if (k < 0) return fail(err, errlen, "'%s' is not default, avx2, avx512, neon or native", value ? value : "");
        o->cpu_native = k == 3;
        if (k != 3) o->cpu = cpus[k];
        return 0;
    }
    if (!strcmp(key, "torch")) {
        const torch_release *r = torch_release_find(value);
        if (!r)
            return fail(err, errlen, "'%s' is not a supported PyTorch release (%s to %s)", value ? value : "",
                        TORCH_RELEASES[0].name, torch_release_default()->name);
        o->torch = r;
        return 0;
    }
    if (!strcmp(key, "precision")) {
        if (parse_range(value, 0, MAX_PRECISION, &v, err, errlen)) return -1;
        o->print.precision = (int)v;
        return 0;
    }
    if (!strcmp(key, "linewidth") || !strcmp(key, "threshold") || !strcmp(key, "edgeitems")) {
        /* edgeitems 0: see options_validate */
        uint64_t lo = key[0] == 'l' ? 1 : 0;
        if (parse_range(value, lo, LONG_MAX, &v, err, errlen)) return -1;
        long *dst = key[0] == 'l' ? &o->print.linewidth : key[0] == 't' ? &o->print.threshold : &o->print.edgeitems;
        *dst = (long)v;
        return 0;
    }
    if (!strcmp(key, "sci-mode")) {
        static const char *const modes[] = {"auto", "on", "off"};
        int k = value ? lookup(value, modes, 3) : -1;
        if (k < 0) return fail(err, errlen, "'%s' is not auto, on or off", value ? value : "");
        o->print.sci = (sci_mode)k;
        return 0;
    }
    if (!strcmp(key, "format")) {
        if (value && !strcmp(value, "torch")) {
            o->format = FORMAT_TORCH;
            return 0;
        }
        if (value && !strcmp(value, "json")) {
            o->format = FORMAT_JSON;
            return 0;
        }
        if (value && !strcmp(value, "html")) {
            o->format = FORMAT_HTML;
            return 0;
        }
        return fail(err, errlen, "'%s' is not torch, json or html", value ? value : "");
    }
    if (!strcmp(key, "plot-scale")) {
        static const char *const modes[] = {"shared", "each"};
        int k = value ? lookup(value, modes, 2) : -1;
        if (k < 0) return fail(err, errlen, "'%s' is not shared or each", value ? value : "");
        o->plot_scale = (plot_scale_mode)k;
        return 0;
    }
    if (!strcmp(key, "plot") || !strcmp(key, "save") || !strcmp(key, "input") || !strcmp(key, "weights")) {
        char *dst = key[0] == 'p' ? o->plot : key[0] == 's' ? o->save : key[0] == 'i' ? o->input : o->weights;
        size_t cap = key[0] == 'w' ? sizeof o->weights : MAX_PATH_TEXT;
        if (value == NULL || *value == '\0') return fail(err, errlen, "needs a file name");
        if (strlen(value) >= cap) return fail(err, errlen, "file name longer than %zu bytes", cap - 1);
        memcpy(dst, value, strlen(value) + 1);
        return 0;
    }
    if (!strcmp(key, "color")) {
        static const char *const modes[] = {"auto", "always", "never"};
        int k = value ? lookup(value, modes, 3) : -1;
        if (k < 0) return fail(err, errlen, "'%s' is not auto, always or never", value ? value : "");
        o->color = (color_mode)k;
        return 0;
    }
    return fail(err, errlen, "unknown setting");
}

/* Trims white space at both ends, in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = '\0';
    return s;
}

#define MAX_KEYS 48

/* Longest config line read: far beyond any real setting (a 1 MB value is
 * still read whole and reported), but bounded, so that an endless line
 * (--config /dev/zero, a pipe) cannot take all memory. */
#define MAX_LINE ((size_t)1 << 22)

/* getline() that stops after MAX_LINE bytes (setting *too_long when the line
 * goes on): returns the number of bytes read into *line (NUL-terminated;
 * embedded NULs included), or -1 at end of file, on a read error or when
 * memory runs out (errno ENOMEM). */
static ssize_t read_line(char **line, size_t *cap, FILE *f, int *too_long)
{
    size_t n = 0;
    int c;
    *too_long = 0;
    while ((c = getc(f)) != EOF) {
        if (n + 2 > *cap) {
            size_t ncap = *cap < 128 ? 128 : *cap * 2;
            char *p = realloc(*line, ncap);
            if (p == NULL) {
                errno = ENOMEM;
                return -1;
            }
            *line = p;
            *cap = ncap;
        }
        (*line)[n++] = (char)c;
        if (c == '\n') break;
        if (n == MAX_LINE) {
            *too_long = 1;
            break;
        }
    }
    if (n == 0) return -1;
    (*line)[n] = '\0';
    return (ssize_t)n;
}

int options_load_file(gradexp_options *o, const char *path, char *err, size_t errlen)
{
    int rc = -1;
    char *line = NULL;
    size_t cap = 0;
    char seen[MAX_KEYS][16];
    unsigned long seen_line[MAX_KEYS];
    int nseen = 0;
    char msg[256];
    FILE *f = fopen(path, "r");
    if (f == NULL) return fail(err, errlen, "%s: %s", path, strerror(errno));
    unsigned long lineno = 0;
    ssize_t len;
    int too_long;
    errno = 0;
    while ((len = read_line(&line, &cap, f, &too_long)) != -1) {
        lineno++;
        if ((size_t)len != strlen(line)) {
            fail(err, errlen, "%s:%lu: NUL byte in line", path, lineno);
            goto done;
        }
        if (too_long) {
            fail(err, errlen, "%s:%lu: line longer than %zu bytes", path, lineno, MAX_LINE);
            goto done;
        }
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *s = trim(line);
        if (*s == '\0') continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            fail(err, errlen, "%s:%lu: expected 'key = value'", path, lineno);
            goto done;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (*key == '\0') {
            fail(err, errlen, "%s:%lu: missing key before '='", path, lineno);
            goto done;
        }
        if (!strcmp(key, "config")) {
            fail(err, errlen, "%s:%lu: config: files cannot include files", path, lineno);
            goto done;
        }
        if (*value == '\0') {
            fail(err, errlen, "%s:%lu: %s: needs a value", path, lineno, key);
            goto done;
        }
        for (int i = 0; i < nseen; i++)
            if (!strcmp(seen[i], key)) {
                fail(err, errlen, "%s:%lu: %s: set twice (first on line %lu)", path, lineno, key, seen_line[i]);
                goto done;
            }
        if (options_set(o, key, value, msg, sizeof msg) != 0) {
            if (!strcmp(msg, "unknown setting")) fail(err, errlen, "%s:%lu: unknown key '%.40s'", path, lineno, key);
            else fail(err, errlen, "%s:%lu: %s: %s", path, lineno, key, msg);
            goto done;
        }
        size_t keylen = strlen(key);
        if (nseen < MAX_KEYS && keylen < sizeof seen[0]) {
            memcpy(seen[nseen], key, keylen + 1);
            seen_line[nseen++] = lineno;
        }
    }
    if (ferror(f) || errno == ENOMEM) {
        fail(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
        goto done;
    }
    rc = 0;
done:
    free(line);
    (void)fclose(f); /* opened for reading: nothing to lose */
    return rc;
}

/* Long options; flags whose val is 0 are looked up by name in options_set. */
static const struct option LONG_OPTS[] = {
    {"classes", required_argument, 0, 0},   {"features", required_argument, 0, 0},
    {"target", required_argument, 0, 0},    {"seed", required_argument, 0, 0},
    {"no-abs", no_argument, 0, 0},          {"stable", no_argument, 0, 0},
    {"init-std", required_argument, 0, 0},  {"loss", required_argument, 0, 0},
    {"show", required_argument, 0, 0},      {"rng", required_argument, 0, 0},
    {"cpu", required_argument, 0, 0},       {"torch", required_argument, 0, 0},
    {"precision", required_argument, 0, 0}, {"linewidth", required_argument, 0, 0},
    {"threshold", required_argument, 0, 0}, {"edgeitems", required_argument, 0, 0},
    {"sci-mode", required_argument, 0, 0},  {"format", required_argument, 0, 0},
    {"plot", required_argument, 0, 0},      {"plot-scale", required_argument, 0, 0},
    {"save", required_argument, 0, 0},      {"input", required_argument, 0, 0},
    {"weights", required_argument, 0, 0},   {"color", optional_argument, 0, 0},
    {"colour", optional_argument, 0, 0},    {"hidden", required_argument, 0, 0},
    {"act", required_argument, 0, 0},       {"batch", required_argument, 0, 0},
    {"steps", required_argument, 0, 0},     {"lr", required_argument, 0, 0},
    {"explain", no_argument, 0, 0},         {"gradcheck", no_argument, 0, 0},
    {"config", required_argument, 0, 'c'},  {"help", no_argument, 0, 'h'},
    {"version", no_argument, 0, 'V'},       {0, 0, 0, 0},
};

/* Names the option at argv[optind-1] for an error about it. */
static const char *bad_arg(int argc, char **argv)
{
    return (optind - 1 < argc && optind >= 1) ? argv[optind - 1] : "?";
}

opt_status options_parse(gradexp_options *o, int argc, char **argv, char *err, size_t errlen)
{
    char msg[256];
    options_defaults(o);
    /* Pass 1: --help, --version, --config and getopt's own errors. */
    for (int pass = 1; pass <= 2; pass++) {
        optind = 0; /* GNU: reinitialise */
        opterr = 0;
        int c, idx;
        while ((c = getopt_long(argc, argv, ":hV", LONG_OPTS, &idx)) != -1) {
            if (c == '?') {
                /* optopt is h or V only for --help=X / --version=X: name the long form */
                if (optopt && optopt != 'h' && optopt != 'V')
                    fail(err, errlen, "-%c: unknown option (see --help)", optopt);
                else fail(err, errlen, "%s: unknown option (see --help)", bad_arg(argc, argv));
                return OPT_ERROR;
            }
            if (c == ':') {
                fail(err, errlen, "%s: needs a value", bad_arg(argc, argv));
                return OPT_ERROR;
            }
            if (pass == 1) {
                if (c == 'h') return OPT_HELP;
                if (c == 'V') return OPT_VERSION;
                if (c == 'c' && options_load_file(o, optarg, err, errlen) != 0) return OPT_ERROR;
                continue;
            }
            if (c != 0) continue;
            const char *name = LONG_OPTS[idx].name;
            if (!strcmp(name, "colour")) name = "color";
            const char *val = optarg;
            if (!strcmp(name, "color") && val == NULL) val = "always";
            if (options_set(o, name, val, msg, sizeof msg) != 0) {
                fail(err, errlen, "--%s: %s", name, msg);
                return OPT_ERROR;
            }
        }
        if (pass == 1 && optind < argc) {
            fail(err, errlen, "'%s': unexpected argument (flags start with --)", argv[optind]);
            return OPT_ERROR;
        }
    }
    if (o->cpu_native) o->cpu = torch_release_native_cpu(o->torch, getenv("ATEN_CPU_CAPABILITY"));
    o->print.sci_first = o->torch->sci_first;
    o->print.edge0_size = o->torch->edge0_size;
    /* the shapes of --input and --weights set sizes: read before the checks */
    if (o->input[0] || o->weights[0]) {
        run_inputs in;
        if (inputs_open(&in, o, err, errlen) != 0) return OPT_ERROR;
        inputs_close(&in);
    }
    if (options_validate(o, err, errlen) != 0) return OPT_ERROR;
    return OPT_OK;
}

int options_validate(const gradexp_options *o, char *err, size_t errlen)
{
    for (size_t i = 0; i < o->ntargets; i++)
        if (o->targets[i] >= o->classes)
            return fail(err, errlen, "--target: %zu is out of range for %zu classes (0 to %zu)", o->targets[i],
                        o->classes, o->classes - 1);
    if (o->ntargets > 1 && !o->has_batch)
        return fail(err, errlen, "--target: %zu classes need --batch %zu (one per row)", o->ntargets, o->ntargets);
    if (o->ntargets > 1 && o->ntargets != o->batch)
        return fail(err, errlen, "--target: %zu classes for --batch %zu: give one class, or one per row", o->ntargets,
                    o->batch);
    if (o->nlosses == 0) return fail(err, errlen, "--loss: no loss given");
    /* 1.13 raises on edgeitems 0 when it summarises a 2-d tensor */
    if (o->print.edgeitems == 0 && !o->torch->edge0_size) {
        const char *first = "?";
        for (int i = TORCH_RELEASE_COUNT - 1; i >= 0 && TORCH_RELEASES[i].edge0_size; i--)
            first = TORCH_RELEASES[i].name;
        return fail(err, errlen, "--edgeitems: 0 needs --torch %s or later (PyTorch %s raises)", first, o->torch->name);
    }
    /* before 2.6 torch's aarch64 Vectorized<float> was 8 lanes in two NEON
     * registers, with libm per lane: another family, not reproduced */
    if (o->cpu == CPU_NEON && !o->torch->neon4) {
        const char *first = "?";
        for (int i = TORCH_RELEASE_COUNT - 1; i >= 0 && TORCH_RELEASES[i].neon4; i--) first = TORCH_RELEASES[i].name;
        return fail(err, errlen,
                    "--cpu: neon needs --torch %s or later (PyTorch %s's aarch64 kernels are not reproduced)", first,
                    o->torch->name);
    }
    if (o->classes > SIZE_MAX / sizeof(float) / o->features)
        return fail(err, errlen, "--classes, --features: %zu x %zu weights overflow", o->classes, o->features);
    size_t prev = o->features;
    for (int l = 0; l <= o->nhidden; l++) {
        size_t d = l < o->nhidden ? o->hidden[l] : o->classes;
        if (d > SIZE_MAX / sizeof(float) / prev / 4)
            return fail(err, errlen, "--hidden: %zu x %zu weights overflow", d, prev);
        if (o->batch > SIZE_MAX / sizeof(float) / d / 4)
            return fail(err, errlen, "--batch: %zu rows of %zu overflow", o->batch, d);
        prev = d;
    }
    return 0;
}
