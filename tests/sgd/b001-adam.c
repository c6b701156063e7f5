/* Benchmark (prints figures, never fails on speed): seconds per full-batch
 * Adam iteration (forward, backward and update; no trace recording) on one
 * rank for (n, d, m) = (20, 2, 100) and (12000, 785, 100), beside the flop
 * floor: the iteration's GEMM work over this machine's dgemm rate measured
 * here. The forward X U and the backward X^T G are 2 n d m flops each, so
 * the floor is 4 n d m flops; a framework that also forms the input gradient
 * would do 6 n d m, the figure quoted for comparison.
 *
 * Usage: b001-adam [iterations scale, default 1] */
#include "core/blas.h"
#include "core/rng.h"
#include "core/timer.h"
#include "sgd/sgd.h"

#include <cblas.h>
#include <petscsys.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CPU seconds of this process: unlike wall time, not inflated when other
 * jobs share the cores (OpenBLAS runs one thread here). */
static double CpuTime(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best-of-3 dgemm rates (flop/s, by wall and by CPU time) for
 * C (M x N) = A (M x K) B (K x N). */
static void DgemmRate(int M, int N, int K, double *wall_rate, double *cpu_rate)
{
  double *A = malloc(sizeof(double) * M * K), *B = malloc(sizeof(double) * K * N), *C = malloc(sizeof(double) * M * N);
  double  best = 1e30, cbest = 1e30;
  for (long i = 0; i < (long)M * K; i++)
    A[i] = 1.0 / (1 + i % 7);
  for (long i = 0; i < (long)K * N; i++)
    B[i] = 1.0 / (1 + i % 5);
  for (int rep = 0; rep < 4; rep++) {
    double t = CvxWallTime(), c = CpuTime();
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0, A, M, B, K, 0.0, C, M);
    t = CvxWallTime() - t;
    c = CpuTime() - c;
    if (rep > 0 && t < best) best = t;
    if (rep > 0 && c < cbest) cbest = c;
  }
  free(A);
  free(B);
  free(C);
  *wall_rate = 2.0 * M * N * K / best;
  *cpu_rate  = 2.0 * M * N * K / cbest;
}

static PetscErrorCode Case(int n, int dfeat, int m, int iterations, double rate, double crate)
{
  const int     d = dfeat + 1;
  double       *X, *y;
  CvxRng        rng;
  CvxSgdProblem prob;
  CvxSgdOptions opts;
  CvxSgdTrainer tr;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2((size_t)n * d, &X, n, &y));
  CvxRngInit(&rng, 1, CVX_STREAM_TEST, 77, 0);
  for (long i = 0; i < (long)n * dfeat; i++)
    X[i] = CvxRngNormal(&rng);
  for (int i = 0; i < n; i++) {
    X[i + (size_t)dfeat * n] = 1.0;
    y[i]                     = X[i] > 0 ? 1.0 : -1.0;
  }
  prob = (CvxSgdProblem){.n = n, .d = d, .X = X, .y = y, .classification = PETSC_TRUE};
  PetscCall(CvxSgdOptionsSetDefaults(&opts));
  opts.widths[0] = m;
  opts.method    = CVX_SGD_METHOD_ADAM;
  opts.epochs    = iterations + 1;
  PetscCall(CvxSgdTrainerCreate(&prob, &opts, m, 0, &tr));
  PetscCall(CvxSgdTrainerStep(tr, NULL)); /* warm-up */
  double t = CvxWallTime(), c = CpuTime();
  for (int it = 0; it < iterations; it++)
    PetscCall(CvxSgdTrainerStep(tr, NULL));
  t = (CvxWallTime() - t) / iterations;
  c = (CpuTime() - c) / iterations;
  PetscCall(CvxSgdTrainerDestroy(&tr));
  PetscCall(PetscFree2(X, y));

  const double f4 = 4.0 * n * d * m, f6 = 6.0 * n * d * m;
  printf("adam full batch n=%d d=%d m=%d, %d iterations: %.3e s/iteration wall (%.2f us), %.3e s cpu (%.2f us)\n"
         "    floor 4ndm/rate %.3e s: wall x%.2f, cpu x%.2f; 6ndm/rate %.3e s: wall x%.2f, cpu x%.2f\n",
         n, d, m, iterations, t, t * 1e6, c, c * 1e6, f4 / rate, t / (f4 / rate), c / (f4 / crate), f6 / rate,
         t / (f6 / rate), c / (f6 / crate));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  double scale = 1.0;

  CvxBlasCoreSelect(argv);
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  CvxBlasCorePrint(PETSC_COMM_WORLD, stdout);
  if (argc > 1) scale = atof(argv[1]);
  if (!(scale > 0)) scale = 1.0;
  double rate, crate, r2, c2;
  DgemmRate(1000, 1000, 1000, &rate, &crate);
  DgemmRate(12000, 100, 785, &r2, &c2);
  printf("dgemm rate (1000^3, best of 3): %.2f Gflop/s wall, %.2f Gflop/s cpu\n", rate * 1e-9, crate * 1e-9);
  printf("dgemm rate (12000x785 by 785x100): %.2f Gflop/s wall, %.2f Gflop/s cpu\n", r2 * 1e-9, c2 * 1e-9);
  /* d counts the bias column: d = 2 is one feature plus bias; d = 785 is
   * 784 pixels plus bias. */
  if (Case(20, 1, 100, (int)(20000 * scale), rate, crate)) return 1;
  if (Case(12000, 784, 100, (int)(10 * scale) > 0 ? (int)(10 * scale) : 1, rate, crate)) return 1;
  {
    /* Cost of a receiver poll when nothing is pending (what rank 0 pays
     * between convex iterations). */
    MPI_Comm       link;
    CvxSgdReceiver recv;
    const int      polls = (int)(100000 * scale) > 0 ? (int)(100000 * scale) : 1;
    if (MPI_Comm_dup(PETSC_COMM_WORLD, &link)) return 1;
    if (CvxSgdReceiverCreate(link, 0, NULL, &recv)) return 1;
    double t = CvxWallTime();
    for (int i = 0; i < polls; i++)
      if (CvxSgdReceiverPoll(recv, PETSC_FALSE, NULL)) return 1;
    t = (CvxWallTime() - t) / polls;
    printf("receiver poll, nothing pending: %.3f us\n", t * 1e6);
    if (CvxSgdReceiverDestroy(&recv)) return 1;
    if (MPI_Comm_free(&link)) return 1;
  }
  if (PetscFinalize()) return 1;
  return 0;
}
