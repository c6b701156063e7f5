/* Benchmark of the machine constants of the scaling model in
 * analysis/SCALING.md (not a pass/fail test; prints figures).
 *
 *   b301-scaling [-m M] [-gemv_n N] [-reps R]
 *
 * Prints, with every rank working at once as in the solver:
 *   dgemm rate per rank (an M x M x M product, default M = 1000),
 *   dgemv time on an N x N matrix (default N = 2000; the replicated n x n
 *     solve is two of them) and its rate in GB/s of matrix read,
 *   MPI_Allreduce (sum) time of 1, 10^2, 10^3, 10^4, 10^5 doubles
 *     (median of R repetitions, default 200).
 * Lines start with a keyword so analysis/scaling_model.py can read them. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

#include <petscsys.h>

#include "core/blas.h"
#include "core/rng.h"
#include "core/timer.h"

static int CmpDouble(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
  PetscInt    m = 1000, gn = 2000, reps = 200;
  PetscMPIInt rank, size;
  double     *A, *B, *C, t;
  CvxRng      rng;

  CvxBlasCoreSelect(argv);
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  CvxBlasCorePrint(PETSC_COMM_WORLD, stdout);
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-m", &m, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-gemv_n", &gn, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCheck(m > 0 && m <= 8000 && gn > 0 && gn <= 20000 && reps > 0 && reps <= 100000, PETSC_COMM_WORLD,
             PETSC_ERR_ARG_OUTOFRANGE, "b301-scaling.c: -m %d, -gemv_n %d, -reps %d out of range", (int)m, (int)gn,
             (int)reps);
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));

  /* dgemm */
  PetscCall(PetscMalloc3((size_t)m * m, &A, (size_t)m * m, &B, (size_t)m * m, &C));
  CvxRngInit(&rng, 1, CVX_STREAM_TEST, 301, 0);
  CvxRngNormals(&rng, (int64_t)m * m, A);
  CvxRngNormals(&rng, (int64_t)m * m, B);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)m, (int)m, 1.0, A, (int)m, B, (int)m, 0.0, C,
              (int)m);
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t = CvxWallTime();
  for (int r = 0; r < 3; r++)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)m, (int)m, 1.0, A, (int)m, B, (int)m, 0.0, C,
                (int)m);
  t = (CvxWallTime() - t) / 3;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
  PetscCall(PetscFree3(A, B, C));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "ranks %d\n", (int)size));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "dgemm_gflops_per_rank %.3f\n", 2.0 * m * (double)m * m / t * 1e-9));

  /* dgemv on gn x gn */
  PetscCall(PetscMalloc3((size_t)gn * gn, &A, (size_t)gn, &B, (size_t)gn, &C));
  CvxRngNormals(&rng, (int64_t)gn * gn, A);
  CvxRngNormals(&rng, (int64_t)gn, B);
  cblas_dgemv(CblasColMajor, CblasTrans, (int)gn, (int)gn, 1.0, A, (int)gn, B, 1, 0.0, C, 1);
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t = CvxWallTime();
  for (int r = 0; r < 10; r++) {
    cblas_dgemv(CblasColMajor, CblasTrans, (int)gn, (int)gn, 1.0, A, (int)gn, B, 1, 0.0, C, 1);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)gn, (int)gn, 1.0, A, (int)gn, C, 1, 0.0, B, 1);
  }
  t = (CvxWallTime() - t) / 20;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
  PetscCall(PetscFree3(A, B, C));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "dgemv_seconds %d %.6e\n", (int)gn, t));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "dgemv_gbytes_per_s %.3f\n", 8.0 * gn * (double)gn / t * 1e-9));

  /* Allreduce of k doubles */
  double *tim;
  PetscCall(PetscMalloc3(100000, &A, 100000, &B, reps, &tim));
  for (int s = 0; s < 100000; s++) A[s] = 1.0;
  for (int k = 1; k <= 100000; k *= (k == 1 ? 100 : 10)) {
    for (int r = 0; r < reps; r++) {
      PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
      t = CvxWallTime();
      PetscCallMPI(MPI_Allreduce(A, B, k, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD));
      tim[r] = CvxWallTime() - t;
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, tim, (int)reps, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
    qsort(tim, (size_t)reps, sizeof(double), CmpDouble);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "allreduce_seconds %d %.6e\n", k, tim[reps / 2]));
  }
  PetscCall(PetscFree3(A, B, tim));
  return PetscFinalize() ? 1 : 0;
}
