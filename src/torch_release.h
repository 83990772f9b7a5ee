/* torch_release.h - what differs between the PyTorch releases gradexp
 * reproduces, in one table.
 *
 * Each supported release (1.13, 2.0 ... 2.14) is one row of rules; code that
 * behaves differently by release reads a rule from its row, never a version
 * number. The rules and the release where each one changed are listed in
 * README.md ("Releases"), with how each was dated and measured. */
#ifndef GRADEXP_TORCH_RELEASE_H
#define GRADEXP_TORCH_RELEASE_H

#include "torch_cpu.h"

typedef struct {
    const char *name;   /* "1.13", "2.0", ..., "2.14" */
    int native_avx512;  /* picks its AVX-512 kernels by itself on an AVX-512 CPU */
    int sci_first;      /* _Formatter applies a user sci_mode before the width */
    int edge0_size;     /* set_printoptions(edgeitems=0) works: "[...]" and "size=" */
    int zero_grad_none; /* optimizer.zero_grad() sets .grad to None */
    int bce_logsigmoid; /* binary_cross_entropy_with_logits goes through log_sigmoid */
    int avx512_all;     /* every kernel has an AVX-512 build (else only the
                           ALSO_REGISTER_AVX512_DISPATCH ones: TORCH_KERNEL_*) */
    int cr_log1pf;      /* its libm's log1pf is correctly rounded (glibc >= 2.41) */
    int neon4;          /* its aarch64 kernels are CPU_NEON's: Vectorized<float> one
                           float32x4_t with SLEEF's NEON routines (2.6 on; before,
                           8 lanes in two registers, libm per lane) */
} torch_release;

/* Every supported release, oldest first; the last is the default. */
extern const torch_release TORCH_RELEASES[];
extern const int TORCH_RELEASE_COUNT;

/* The row for a release name ("2.6"; "2.6.0" and "2.6.0+cpu" style
 * versions as torch.__version__ prints them are accepted too), or NULL. */
const torch_release *torch_release_find(const char *name);
/* The newest supported release (the default). */
const torch_release *torch_release_default(void);

/* The kernel family a release picks by itself on this CPU, as torch's
 * compute_cpu_capability: ATEN_CPU_CAPABILITY when set to default, avx2 or
 * avx512 (capped at what the CPU has, since torch then falls back to the
 * best kernels the CPU runs), else avx512 where the release picks it and
 * the CPU has AVX-512 (F, BW, DQ, VL and FMA), else avx2 where the CPU has
 * AVX2 and FMA, else default. */
torch_cpu torch_release_native_cpu(const torch_release *r, const char *env_capability);

/* The kernels gradexp reproduces whose build can differ within a family. */
typedef enum {
    TORCH_KERNEL_SOFTMAX,     /* softmax, log_softmax and their backwards */
    TORCH_KERNEL_SIGMOID,     /* sigmoid and sigmoid_backward */
    TORCH_KERNEL_LOGSIGMOID,  /* log_sigmoid forward and backward */
    TORCH_KERNEL_LOG,         /* log and exp (at::vml) */
    TORCH_KERNEL_REDUCE,      /* sum and mean (the BCE loss) */
    TORCH_KERNEL_TANH,        /* tanh */
    TORCH_KERNEL_ELEMENTWISE, /* add (SGD's step, gradient accumulation), tanh_backward */
} torch_kernel;

/* The build that runs kernel k when the release runs family cpu. From 2.1
 * on, plain REGISTER_DISPATCH registers no AVX-512 kernel (DispatchStub.h):
 * under avx512 those kernels run their AVX2 build; only the softmax family,
 * sigmoid and log_sigmoid are ALSO_REGISTER_AVX512_DISPATCH. In 1.13 every
 * kernel has its AVX-512 build. (exp and tanh, measured, do have 16-lane
 * builds in 2.x too; as vml ops they run every element through a vector
 * lane, whose bits SLEEF gives alike at 8 and 16 lanes, so filing them
 * with the AVX2 build changes no bit.) The default build of a release whose libm
 * rounds log1pf correctly is CPU_DEFAULT_CR. */
torch_cpu torch_kernel_build(const torch_release *r, torch_cpu cpu, torch_kernel k);

/* Names of the kernel families as ATEN_CPU_CAPABILITY spells them. */
const char *torch_cpu_name(torch_cpu cpu);

#endif
