/* Function clones for loops that vectorize.
 *
 * A function marked CVX_SIMD_CLONES gets an AVX2 clone beside the baseline
 * (SSE2) one on x86-64 with GCC, picked at load time by the CPU (ifunc);
 * noinline keeps callers from inlining the baseline copy. The clone has no
 * FMA, so both compute the same products; a reduction marked
 * `omp simd` (the build passes -fopenmp-simd) may still add in another
 * order, as the two have different vector widths. */
#ifndef CVXNN_CORE_SIMD_H
#define CVXNN_CORE_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
  #define CVX_SIMD_CLONES __attribute__((noinline, target_clones("avx2", "default")))
#else
  #define CVX_SIMD_CLONES __attribute__((noinline))
#endif

#endif
