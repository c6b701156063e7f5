/* Benchmark: sampling throughput (directions per second) and the exact
 * enumeration time at n = 500, d = 1 + bias and d = 2 + bias, 2.5 million
 * directions, on the ranks it is started with. Prints figures; never fails
 * on timing. */
#include "arrtest.h"
#include "core/blas.h"

#include <time.h>

int main(int argc, char **argv)
{
  PetscMPIInt rank, size;
  int64_t     samples = 2500000;
  PetscInt    n       = 500;

  CvxBlasCoreSelect(argv);
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  CvxBlasCorePrint(PETSC_COMM_WORLD, stdout);
  if (CvxErrorHandlerPush()) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  for (PetscInt d = 2; d <= 3; d++) {
    double               *X   = TestGaussianData(n, d, PETSC_TRUE, 1, 900 + (uint64_t)d);
    CvxArrangementOptions opt = TestOptions(CVX_ARRANGEMENT_SAMPLE, 42, samples, 0);
    CvxArrangementSet     sampled, exact;
    double                t0, t1, t2;
    clock_t               c0, c1, c2;

    MPI_Barrier(PETSC_COMM_WORLD);
    t0 = MPI_Wtime();
    c0 = clock();
    TRY(CvxArrangementSetCreate(PETSC_COMM_WORLD, n, d, X, &opt, &sampled));
    t1 = MPI_Wtime();
    c1 = clock();
    opt.kind = CVX_ARRANGEMENT_EXACT;
    TRY(CvxArrangementSetCreate(PETSC_COMM_WORLD, n, d, X, &opt, &exact));
    t2 = MPI_Wtime();
    c2 = clock();
    if (rank == 0) {
      printf("n = %d, d = %d (bias included), %d ranks: sampled %lld directions in %.2f s = %.3g directions/s, "
             "P = %d distinct (%.1f%% of the exact %d); exact enumeration %.2f s; CPU seconds of rank 0: sampling %.2f, "
             "exact %.2f\n",
             (int)n, (int)d, size, (long long)samples, t1 - t0, (double)samples / (t1 - t0), (int)sampled.P,
             100.0 * sampled.P / exact.P, (int)exact.P, t2 - t1, (double)(c1 - c0) / CLOCKS_PER_SEC,
             (double)(c2 - c1) / CLOCKS_PER_SEC);
    }
    TRY(CvxArrangementSetDestroy(&sampled));
    TRY(CvxArrangementSetDestroy(&exact));
    free(X);
  }
  PetscFinalize();
  return failures ? 1 : 0;
}
