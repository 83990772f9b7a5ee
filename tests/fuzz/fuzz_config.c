/* fuzz_config.c - libFuzzer harness for the config-file parser
 * (options_load_file in src/options.c).
 *
 * The input is written to a file in a private temporary directory (on
 * tmpfs when possible) and read with options_load_file, exactly as
 * `gradexp --config FILE` reads it; a successful load is then checked with
 * options_validate. Besides the sanitizers, each run checks:
 * - an error message is one line (no control characters) that starts with
 *   the file name, and nothing else fails silently (status 0 or -1 only);
 * - every loaded setting is within its documented range;
 * - CRLF line endings do not matter: the same text with every "\n" turned
 *   into "\r\n" loads to the same status, message and settings.
 * Any violation aborts, which libFuzzer reports as a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"

#define CHECK(cond, ...)                                               \
    do {                                                               \
        if (!(cond)) {                                                 \
            fprintf(stderr, "fuzz_config: check failed: %s: ", #cond); \
            fprintf(stderr, __VA_ARGS__);                              \
            fputc('\n', stderr);                                       \
            abort();                                                   \
        }                                                              \
    } while (0)

static char dir[64];
static char path[96];

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

/* Creates the private directory once; the file inside is rewritten per run.
 * tmpfs (/dev/shm) when there is one: rewriting a file on a disk file system
 * costs milliseconds (block freeing, discard) and would cut the executions
 * per second a hundredfold. */
static void setup(void)
{
    if (dir[0]) return;
    const char *tmp = getenv("TMPDIR");
    if (access("/dev/shm", W_OK) == 0) tmp = "/dev/shm";
    snprintf(dir, sizeof dir, "%s/gradexp-fuzz-XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL, "mkdtemp %s", dir);
    snprintf(path, sizeof path, "%s/fuzz.conf", dir);
    CHECK(atexit(cleanup) == 0, "atexit");
}

static void write_file(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL, "fopen %s", path);
    CHECK(fwrite(data, 1, size, f) == size, "fwrite");
    CHECK(fclose(f) == 0, "fclose");
}

/* Loads the file; checks the message or the settings; returns the status. */
static int load(gradexp_options *o, char *err, size_t errlen)
{
    options_defaults(o);
    err[0] = '\0';
    int rc = options_load_file(o, path, err, errlen);
    CHECK(rc == 0 || rc == -1, "status %d", rc);
    if (rc != 0) {
        CHECK(!strncmp(err, path, strlen(path)) && err[strlen(path)] == ':', "message '%s' does not name the file",
              err);
        for (const char *p = err; *p; p++)
            CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "control character 0x%02x in message '%s'",
                  (unsigned char)*p, err);
        return rc;
    }
    CHECK(o->classes >= 1 && o->features >= 1, "sizes %zu x %zu", o->classes, o->features);
    CHECK(o->nlosses >= 1 && o->nlosses <= MAX_LOSSES, "nlosses %d", o->nlosses);
    for (int i = 0; i < o->nlosses; i++) CHECK(o->losses[i] >= 0 && o->losses[i] < LOSS_KINDS, "loss kind");
    CHECK(o->show != 0 && o->show < (1u << SHOW_KINDS), "show 0x%x", o->show);
    CHECK(o->print.precision >= 0 && o->print.precision <= 60, "precision %d", o->print.precision);
    CHECK(o->print.linewidth >= 1 && o->print.edgeitems >= 0 && o->print.threshold >= 0, "print options");
    CHECK(o->torch != NULL && o->cpu >= CPU_AVX2 && o->cpu <= CPU_AVX512, "release and kernels");
    CHECK(o->print.sci >= SCI_AUTO && o->print.sci <= SCI_OFF, "sci mode");
    char verr[512];
    if (options_validate(o, verr, sizeof verr) != 0) CHECK(strchr(verr, '\n') == NULL, "validate: '%s'", verr);
    return rc;
}

static int same_options(const gradexp_options *a, const gradexp_options *b)
{
    return a->seed == b->seed && a->classes == b->classes && a->features == b->features && a->target == b->target &&
           a->no_abs == b->no_abs && a->stable == b->stable && a->has_init_std == b->has_init_std &&
           (!a->has_init_std || a->init_std == b->init_std) && a->nlosses == b->nlosses &&
           !memcmp(a->losses, b->losses, sizeof a->losses) && a->show == b->show && a->cpu == b->cpu &&
           a->torch == b->torch && a->cpu_native == b->cpu_native && a->print.precision == b->print.precision &&
           a->print.threshold == b->print.threshold && a->print.edgeitems == b->print.edgeitems &&
           a->print.linewidth == b->print.linewidth && a->print.sci == b->print.sci &&
           a->print.color == b->print.color; /* print has padding: no memcmp */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    static gradexp_options o1, o2;
    static char e1[512], e2[512];
    write_file(data, size);
    int rc1 = load(&o1, e1, sizeof e1);

    /* The same text with CRLF line endings. */
    uint8_t *crlf = malloc(2 * size + 1);
    CHECK(crlf != NULL, "malloc");
    size_t n = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n') crlf[n++] = '\r';
        crlf[n++] = data[i];
    }
    write_file(crlf, n);
    free(crlf);
    int rc2 = load(&o2, e2, sizeof e2);
    CHECK(rc1 == rc2, "CRLF changed the status: %d vs %d ('%s' / '%s')", rc1, rc2, e1, e2);
    if (rc1 != 0) CHECK(!strcmp(e1, e2), "CRLF changed the message: '%s' vs '%s'", e1, e2);
    else CHECK(same_options(&o1, &o2), "CRLF changed the settings");
    return 0;
}
