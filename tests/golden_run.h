/* golden_run.h - a computed experiment for the suites that test what is
 * made from one (the figure, the lesson page, --save): options parsed from
 * an argument list as the command line would, then experiment_compute.
 * Include after cmocka.h (the helpers fail the test on an error). */
#ifndef GRADEXP_GOLDEN_RUN_H
#define GRADEXP_GOLDEN_RUN_H

#include <stdlib.h>

#include "experiment.h"
#include "golden.h"

typedef struct {
    gradexp_options o;
    experiment e;
} run;

/* Parses args (golden_parse) and computes the run; fails the test on an
 * error. Free with run_free. */
static inline run *compute(const char *const *args)
{
    run *r = calloc(1, sizeof *r);
    assert_non_null(r);
    char err[512];
    if (golden_parse(&r->o, args, err, sizeof err) != OPT_OK) fail_msg("options: %s", err);
    assert_int_equal(experiment_compute(&r->e, &r->o), EXP_OK);
    return r;
}

static inline void run_free(run *r)
{
    experiment_free(&r->e);
    free(r);
}

#endif
