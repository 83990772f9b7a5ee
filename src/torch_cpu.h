/* torch_cpu.h - which of PyTorch's CPU kernels gradexp reproduces.
 *
 * PyTorch compiles its CPU kernels several times and picks one at start-up:
 * on this project's reference machines that is the AVX2 build (the usual
 * case, also on AVX512 CPUs for the kernels gradexp follows); setting
 * ATEN_CPU_CAPABILITY=default selects the portable scalar build. The two
 * differ in last bits (random normals, exp, log, sums), so every computation
 * that can differ takes this switch. */
#ifndef GRADEXP_TORCH_CPU_H
#define GRADEXP_TORCH_CPU_H

typedef enum { CPU_AVX2 = 0, CPU_DEFAULT = 1 } torch_cpu;

#endif
