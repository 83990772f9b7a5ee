/* torch_release.c - the table of release rules and the kernel family each
 * release picks on the running CPU. */
#include "torch_release.h"

#include <string.h>

#include "simd.h"

/* clang-format off */
const torch_release TORCH_RELEASES[] = {
    /* The release each rule switches at, and how it was dated: README.md,
     * "Releases". Measured: 1.13 (Debian 12), 2.6 (Debian 13), 2.14. */
    /* name     avx512  sci_first  edge0  zero_grad_none  bce_logsigmoid  avx512_all  cr_log1pf  neon4 */
    {"1.13",  0,      0,         0,     0,              0,              1,  0,  0},
    {"2.0",   0,      0,         0,     1,              0,              1,  0,  0},
    {"2.1",   1,      0,         1,     1,              0,              0,  0,  0},
    {"2.2",   1,      0,         1,     1,              0,              0,  0,  0},
    {"2.3",   1,      0,         1,     1,              1,              0,  0,  0},
    {"2.4",   1,      0,         1,     1,              1,              0,  0,  0},
    {"2.5",   1,      0,         1,     1,              1,              0,  0,  0},
    {"2.6",   1,      0,         1,     1,              1,              0,  1,  1},
    {"2.7",   1,      1,         1,     1,              1,              0,  1,  1},
    {"2.8",   1,      1,         1,     1,              1,              0,  1,  1},
    {"2.9",   1,      1,         1,     1,              1,              0,  1,  1},
    {"2.10",  1,      1,         1,     1,              1,              0,  1,  1},
    {"2.11",  1,      1,         1,     1,              1,              0,  1,  1},
    {"2.12",  1,      1,         1,     1,              1,              0,  1,  1},
    {"2.13",  1,      1,         1,     1,              1,              0,  1,  1},
    {"2.14",  1,      1,         1,     1,              1,              0,  1,  1},
};
/* clang-format on */
const int TORCH_RELEASE_COUNT = (int)(sizeof TORCH_RELEASES / sizeof TORCH_RELEASES[0]);

const torch_release *torch_release_find(const char *name)
{
    if (!name) return NULL;
    for (int i = 0; i < TORCH_RELEASE_COUNT; i++) {
        size_t n = strlen(TORCH_RELEASES[i].name);
        if (strncmp(name, TORCH_RELEASES[i].name, n) != 0) continue;
        const char *rest = name + n;
        /* "2.6", or a patch level "2.6.0" / "2.6.0+cpu" (not "2.60") */
        if (*rest == '\0') return &TORCH_RELEASES[i];
        if (*rest == '.' && rest[1] >= '0' && rest[1] <= '9') {
            rest++;
            while (*rest >= '0' && *rest <= '9') rest++;
            if (*rest == '\0' || *rest == '+' || *rest == 'a' || *rest == 'r') return &TORCH_RELEASES[i];
        }
    }
    return NULL;
}

const torch_release *torch_release_default(void)
{
    return &TORCH_RELEASES[TORCH_RELEASE_COUNT - 1];
}

const char *torch_cpu_name(torch_cpu cpu)
{
    switch (cpu) {
    case CPU_DEFAULT:
    case CPU_DEFAULT_CR: return "default";
    case CPU_AVX512: return "avx512";
    case CPU_NEON: return "neon";
    case CPU_AVX2:
    default: return "avx2";
    }
}

torch_cpu torch_release_native_cpu(const torch_release *r, const char *env)
{
#if defined(__aarch64__)
    /* every capability torch has on aarch64 ("default"; SVE256 is not
     * reproduced) computes as the NEON build here */
    (void)r;
    (void)env;
    return CPU_NEON;
#else
    torch_cpu best = simd_cpu_has_avx512() ? CPU_AVX512 : simd_cpu_has_avx2() ? CPU_AVX2 : CPU_DEFAULT;
    if (env && !strcmp(env, "default")) return CPU_DEFAULT;
    if (env && !strcmp(env, "avx2")) return best == CPU_DEFAULT ? CPU_DEFAULT : CPU_AVX2;
    if (env && !strcmp(env, "avx512")) return best;
    /* unset or not a known value (torch warns and ignores it) */
    if (best == CPU_AVX512 && !r->native_avx512) return CPU_AVX2;
    return best;
#endif
}

torch_cpu torch_kernel_build(const torch_release *r, torch_cpu cpu, torch_kernel k)
{
    if (cpu == CPU_DEFAULT) return r->cr_log1pf ? CPU_DEFAULT_CR : CPU_DEFAULT;
    if (cpu != CPU_AVX512 || r->avx512_all) return cpu;
    return k == TORCH_KERNEL_SOFTMAX || k == TORCH_KERNEL_SIGMOID || k == TORCH_KERNEL_LOGSIGMOID ? CPU_AVX512
                                                                                                  : CPU_AVX2;
}
