/* test_torch_release.c - the table of release rules: names as users and
 * torch.__version__ spell them, the default, the release where each rule
 * switches (measured at 1.13, 2.6 and 2.14), the kernel build of each op
 * under each family, --cpu native as torch's compute_cpu_capability, and
 * the options that read the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */

#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "options.h"
#include "simd.h"
#include "torch_release.h"

static const torch_release *rel(const char *name)
{
    const torch_release *r = torch_release_find(name);
    if (!r) fail_msg("no release %s", name);
    return r;
}

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(TORCH_RELEASE_COUNT, 16);
    assert_string_equal(TORCH_RELEASES[0].name, "1.13");
    for (int i = 1; i < TORCH_RELEASE_COUNT; i++) {
        char name[16];
        snprintf(name, sizeof name, "2.%d", i - 1);
        assert_string_equal(TORCH_RELEASES[i].name, name);
        assert_ptr_equal(torch_release_find(name), &TORCH_RELEASES[i]);
    }
    assert_string_equal(torch_release_default()->name, "2.14");
    /* torch.__version__ spellings */
    assert_string_equal(rel("2.6.0+debian")->name, "2.6");
    assert_string_equal(rel("2.14.1+debian")->name, "2.14");
    assert_string_equal(rel("1.13.0a0")->name, "1.13");
    assert_string_equal(rel("2.1.2")->name, "2.1");
    assert_string_equal(rel("2.10.0+cpu")->name, "2.10");
    static const char *const bad[] = {"",    "2",    "2.",   "2.60", "2.15",   "1.12",
                                      "3.0", "2.6x", "2.6.", " 2.6", "2.1.2.", NULL};
    for (int i = 0; bad[i]; i++)
        if (torch_release_find(bad[i])) fail_msg("'%s' was accepted", bad[i]);
    assert_null(torch_release_find(NULL));
}

/* What was measured on the three releases that run here. */
static void test_measured_rules(void **state)
{
    (void)state;
    const torch_release *r113 = rel("1.13"), *r26 = rel("2.6"), *r214 = rel("2.14");
    assert_int_equal(r113->native_avx512, 0);
    assert_int_equal(r26->native_avx512, 1);
    assert_int_equal(r113->avx512_all, 1);
    assert_int_equal(r26->avx512_all, 0);
    assert_int_equal(r214->avx512_all, 0);
    assert_int_equal(r113->sci_first, 0);
    assert_int_equal(r26->sci_first, 0);
    assert_int_equal(r214->sci_first, 1);
    assert_int_equal(r113->edge0_size, 0);
    assert_int_equal(r26->edge0_size, 1);
    assert_int_equal(r113->zero_grad_none, 0);
    assert_int_equal(r26->zero_grad_none, 1);
    assert_int_equal(r113->bce_logsigmoid, 0);
    assert_int_equal(r26->bce_logsigmoid, 1);
    assert_int_equal(r113->cr_log1pf, 0);
    assert_int_equal(r26->cr_log1pf, 1);
    assert_int_equal(r214->cr_log1pf, 1);
}

/* Each rule changes once, at one release, and never back. */
static void test_rules_switch_once(void **state)
{
    (void)state;
    for (int i = 1; i < TORCH_RELEASE_COUNT; i++) {
        const torch_release *a = &TORCH_RELEASES[i - 1], *b = &TORCH_RELEASES[i];
        assert_true(b->native_avx512 >= a->native_avx512);
        assert_true(b->sci_first >= a->sci_first);
        assert_true(b->edge0_size >= a->edge0_size);
        assert_true(b->zero_grad_none >= a->zero_grad_none);
        assert_true(b->bce_logsigmoid >= a->bce_logsigmoid);
        assert_true(b->cr_log1pf >= a->cr_log1pf);
        assert_true(b->avx512_all <= a->avx512_all);
        /* one change, two faces: AVX-512 became the default and lost the
         * kernels that plain REGISTER_DISPATCH registers */
        assert_int_equal(b->native_avx512, !b->avx512_all);
    }
}

static void test_kernel_builds(void **state)
{
    (void)state;
    const torch_release *r113 = rel("1.13"), *r214 = rel("2.14"), *r26 = rel("2.6");
    for (int k = TORCH_KERNEL_SOFTMAX; k <= TORCH_KERNEL_REDUCE; k++) {
        assert_int_equal(torch_kernel_build(r113, CPU_AVX512, (torch_kernel)k), CPU_AVX512);
        assert_int_equal(torch_kernel_build(r214, CPU_AVX2, (torch_kernel)k), CPU_AVX2);
        assert_int_equal(torch_kernel_build(r113, CPU_DEFAULT, (torch_kernel)k), CPU_DEFAULT);
        assert_int_equal(torch_kernel_build(r26, CPU_DEFAULT, (torch_kernel)k), CPU_DEFAULT_CR);
    }
    assert_int_equal(torch_kernel_build(r214, CPU_AVX512, TORCH_KERNEL_SOFTMAX), CPU_AVX512);
    assert_int_equal(torch_kernel_build(r214, CPU_AVX512, TORCH_KERNEL_SIGMOID), CPU_AVX512);
    assert_int_equal(torch_kernel_build(r214, CPU_AVX512, TORCH_KERNEL_LOGSIGMOID), CPU_AVX512);
    assert_int_equal(torch_kernel_build(r214, CPU_AVX512, TORCH_KERNEL_LOG), CPU_AVX2);
    assert_int_equal(torch_kernel_build(r214, CPU_AVX512, TORCH_KERNEL_REDUCE), CPU_AVX2);
    assert_int_equal(cpu_lanes(CPU_AVX512), 16);
    assert_int_equal(cpu_lanes(CPU_AVX2), 8);
    assert_int_equal(cpu_lanes(CPU_DEFAULT), 8);
    assert_int_equal(cpu_lanes(CPU_DEFAULT_CR), 8);
    assert_int_equal(cpu_sleef(CPU_DEFAULT_CR), 0);
    assert_string_equal(torch_cpu_name(CPU_DEFAULT_CR), "default");
    /* aarch64: one build for every kernel, 4 lanes, SLEEF, BLAS fused, the
     * scalar randn fill */
    for (int k = TORCH_KERNEL_SOFTMAX; k <= TORCH_KERNEL_ELEMENTWISE; k++) {
        assert_int_equal(torch_kernel_build(r26, CPU_NEON, (torch_kernel)k), CPU_NEON);
        assert_int_equal(torch_kernel_build(r214, CPU_NEON, (torch_kernel)k), CPU_NEON);
    }
    assert_int_equal(cpu_lanes(CPU_NEON), 4);
    assert_int_equal(cpu_sleef(CPU_NEON), 1);
    assert_int_equal(cpu_blas_fma(CPU_NEON), 1);
    assert_int_equal(cpu_blas_fma(CPU_AVX2), 0);
    assert_int_equal(cpu_blas_fma(CPU_AVX512), 0);
    assert_int_equal(cpu_blas_fma(CPU_DEFAULT), 0);
    assert_int_equal(cpu_randn_avx2(CPU_NEON), 0);
    assert_int_equal(cpu_randn_avx2(CPU_AVX512), 1);
    assert_string_equal(torch_cpu_name(CPU_NEON), "neon");
}

/* The NEON family exists from 2.6 on (vec128_float_neon.h, SLEEF on for
 * aarch64 Linux), and only there. */
static void test_neon_releases(void **state)
{
    (void)state;
    for (int i = 0; i < TORCH_RELEASE_COUNT; i++) {
        const torch_release *r = &TORCH_RELEASES[i];
        assert_int_equal(r->neon4, i >= 7); /* 2.6 is the eighth row */
    }
    assert_string_equal(TORCH_RELEASES[7].name, "2.6");
}

/* --cpu native as torch picks: the environment first (capped at the CPU),
 * then the CPU, with 1.13 staying on AVX2 on an AVX-512 CPU. */
static void test_native(void **state)
{
    (void)state;
#if defined(__aarch64__)
    /* every release and every ATEN_CPU_CAPABILITY computes as NEON there */
    assert_int_equal(torch_release_native_cpu(rel("2.6"), NULL), CPU_NEON);
    assert_int_equal(torch_release_native_cpu(rel("2.14"), "default"), CPU_NEON);
    assert_int_equal(torch_release_native_cpu(rel("1.13"), "avx2"), CPU_NEON);
#else
    int has2 = simd_cpu_has_avx2(), has512 = simd_cpu_has_avx512();
    torch_cpu best = has512 ? CPU_AVX512 : has2 ? CPU_AVX2 : CPU_DEFAULT;
    const torch_release *r113 = rel("1.13"), *r26 = rel("2.6");
    assert_int_equal(torch_release_native_cpu(r26, NULL), best);
    assert_int_equal(torch_release_native_cpu(r113, NULL), has512 ? CPU_AVX2 : best);
    assert_int_equal(torch_release_native_cpu(r113, "default"), CPU_DEFAULT);
    assert_int_equal(torch_release_native_cpu(r26, "avx2"), has2 ? CPU_AVX2 : CPU_DEFAULT);
    assert_int_equal(torch_release_native_cpu(r113, "avx512"), best);
    assert_int_equal(torch_release_native_cpu(r26, "AVX512"), best); /* ignored: case matters */
    assert_int_equal(torch_release_native_cpu(r113, "sse"), has512 ? CPU_AVX2 : best);
#endif
}

static char err[512];

static void test_options_read_the_table(void **state)
{
    (void)state;
    gradexp_options o;
    const char *none[] = {NULL};
    assert_int_equal(golden_parse(&o, none, err, sizeof err), OPT_OK);
    assert_ptr_equal(o.torch, torch_release_default());
    assert_int_equal(o.cpu, CPU_AVX2);
    assert_int_equal(o.print.sci_first, 1);
    assert_int_equal(o.print.edge0_size, 1);
    const char *old[] = {"--torch", "1.13", "--rng", "default", NULL};
    assert_int_equal(golden_parse(&o, old, err, sizeof err), OPT_OK);
    assert_string_equal(o.torch->name, "1.13");
    assert_int_equal(o.cpu, CPU_DEFAULT);
    assert_int_equal(o.print.sci_first, 0);
    assert_int_equal(o.print.edge0_size, 0);
    const char *edge[] = {"--torch", "1.13", "--edgeitems", "0", NULL};
    assert_int_equal(golden_parse(&o, edge, err, sizeof err), OPT_ERROR);
    assert_non_null(strstr(err, "--edgeitems: 0 needs --torch 2.1 or later"));
    const char *edge26[] = {"--edgeitems", "0", "--torch", "2.6.0+debian", "--cpu", "avx512", NULL};
    assert_int_equal(golden_parse(&o, edge26, err, sizeof err), OPT_OK);
    assert_int_equal(o.print.edgeitems, 0);
    assert_int_equal(o.cpu, CPU_AVX512);
    /* native is resolved after --torch, whatever the order */
    setenv("ATEN_CPU_CAPABILITY", "default", 1);
    const char *nat[] = {"--cpu", "native", "--torch", "2.6", NULL};
    assert_int_equal(golden_parse(&o, nat, err, sizeof err), OPT_OK);
#if defined(__aarch64__)
    assert_int_equal(o.cpu, CPU_NEON);
#else
    assert_int_equal(o.cpu, CPU_DEFAULT);
#endif
    unsetenv("ATEN_CPU_CAPABILITY");
    const char *nat113[] = {"--cpu", "native", "--torch", "1.13", NULL};
#if defined(__aarch64__)
    assert_int_equal(golden_parse(&o, nat113, err, sizeof err), OPT_ERROR);
    assert_non_null(strstr(err, "--cpu: neon needs --torch 2.6 or later"));
#else
    assert_int_equal(golden_parse(&o, nat113, err, sizeof err), OPT_OK);
    assert_int_equal(o.cpu, simd_cpu_has_avx2() ? CPU_AVX2 : CPU_DEFAULT);
#endif
    /* neon: from 2.6 on, by name, on any machine */
    const char *neon[] = {"--cpu", "neon", "--torch", "2.6", NULL};
    assert_int_equal(golden_parse(&o, neon, err, sizeof err), OPT_OK);
    assert_int_equal(o.cpu, CPU_NEON);
    const char *neon25[] = {"--torch", "2.5", "--cpu", "neon", NULL};
    assert_int_equal(golden_parse(&o, neon25, err, sizeof err), OPT_ERROR);
    assert_non_null(strstr(err, "--cpu: neon needs --torch 2.6 or later (PyTorch 2.5's aarch64 kernels"));
    /* a later --cpu wins over native */
    const char *later[] = {"--cpu", "native", "--cpu", "avx512", NULL};
    assert_int_equal(golden_parse(&o, later, err, sizeof err), OPT_OK);
    assert_int_equal(o.cpu, CPU_AVX512);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_measured_rules),
        cmocka_unit_test(test_rules_switch_once),
        cmocka_unit_test(test_kernel_builds),
        cmocka_unit_test(test_neon_releases),
        cmocka_unit_test(test_native),
        cmocka_unit_test(test_options_read_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
