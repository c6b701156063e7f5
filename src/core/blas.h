/* OpenBLAS kernel choice.
 *
 * OpenBLAS built with DYNAMIC_ARCH (Debian's build) picks its kernels when
 * the library loads, from the CPU model number. A release older than the CPU
 * does not know the model and falls back to its oldest x86-64 kernels
 * (Prescott: SSE3): Debian 12's OpenBLAS 0.3.21 on an Emerald Rapids Xeon
 * (family 6, model 207) runs dgemm at 20 GFlop/s per core, against 90 with
 * the AVX-512 kernels the CPU supports. Every dense product of the solver
 * pays that factor.
 *
 * CvxBlasCoreSelect, called first in main (before MPI_Init), detects such a
 * fallback from the CPU's instruction sets and restarts the program once with
 * OPENBLAS_CORETYPE naming the kernels the CPU supports. The choice is read
 * when OpenBLAS loads, so a restart is the only way to change it. Nothing is
 * done when OPENBLAS_CORETYPE is already set, when CVXNN_BLAS_CORE=keep,
 * when the library was built without DYNAMIC_ARCH (it ignores
 * OPENBLAS_CORETYPE), or when OpenBLAS's own choice is at the CPU's level or
 * unknown to this table. */
#ifndef CVXNN_CORE_BLAS_H
#define CVXNN_CORE_BLAS_H

#include <mpi.h>
#include <stdio.h>

/* Instruction-set levels of kernels and CPUs. */
enum {
  CVX_BLAS_LEVEL_UNKNOWN = -1,
  CVX_BLAS_LEVEL_SSE     = 0, /* SSE2/SSE3 kernels (Prescott, Core2, Nehalem, ...) */
  CVX_BLAS_LEVEL_AVX     = 1, /* AVX (Sandybridge, Bulldozer, Piledriver) */
  CVX_BLAS_LEVEL_AVX2    = 2, /* AVX2 and FMA (Haswell, Zen, Excavator) */
  CVX_BLAS_LEVEL_AVX512  = 3, /* AVX-512 F, CD, DQ, BW, VL (SkylakeX, Cooperlake) */
};

/* Level of an OpenBLAS core name (openblas_get_corename()); case-insensitive;
 * CVX_BLAS_LEVEL_UNKNOWN for names not in the table. */
int CvxBlasCoreLevel(const char *corename);

/* Level of the CPU this process runs on, as the compiler's CPU detection sees
 * it (which includes the operating system's support for the registers). */
int CvxBlasCpuLevel(void);

/* The OPENBLAS_CORETYPE to ask for when OpenBLAS chose `corename` on a CPU of
 * level `cpu_level`, or NULL to keep OpenBLAS's choice: only a known pre-AVX2
 * choice on an AVX2 or AVX-512 CPU is replaced. */
const char *CvxBlasCoreUpgrade(const char *corename, int cpu_level);

/* 1 when `corename` is a known core below `cpu_level` on a CPU with AVX2 or
 * AVX-512 (kernels that leave the CPU's widest instructions unused), 0
 * otherwise. */
int CvxBlasCoreBelow(const char *corename, int cpu_level);

/* Restarts the program (execv of /proc/self/exe with the same arguments) with
 * OPENBLAS_CORETYPE set when CvxBlasCoreUpgrade asks for it and neither
 * OPENBLAS_CORETYPE nor CVXNN_BLAS_CORE=keep is set. Returns when no restart
 * is needed or the restart failed (the run goes on with OpenBLAS's choice and
 * CvxBlasCoreNote says so). When OPENBLAS_CORETYPE is set, the choice it
 * makes stands, with a note when it is below the CPU (CvxBlasCoreBelow, in a
 * DYNAMIC_ARCH build). Call before MPI_Init, with main's argv. */
void CvxBlasCoreSelect(char **argv);

/* 1 when the library was built for several CPUs (DYNAMIC_ARCH in its
 * configuration string), the only kind that reads OPENBLAS_CORETYPE. */
int CvxBlasDynamic(void);

/* OpenBLAS's core name and configuration string, as loaded. */
const char *CvxBlasCoreName(void);
const char *CvxBlasConfig(void);

/* Rank 0 of comm prints "BLAS: <configuration>, kernels <core>" and the
 * note, if any, one line each. */
void CvxBlasCorePrint(MPI_Comm comm, FILE *fp);

/* One line for the user (no newline) when the kernels were changed or could
 * not be, or when OPENBLAS_CORETYPE selects kernels below the CPU; NULL
 * otherwise. Valid after CvxBlasCoreSelect. */
const char *CvxBlasCoreNote(void);

/* The kernels OpenBLAS had chosen when this run replaced them through the
 * restart (e.g. "Prescott"), NULL when it did not. Valid after
 * CvxBlasCoreSelect. */
const char *CvxBlasCoreFallback(void);

#endif
