/* Benchmark of CvxGram: time of Create and of one Solve on the replicated,
 * scalapack and cg paths, for each n of -sizes (default 2000,4000), with
 * P = -pfactor * n patterns (default 2: the exact arrangement count for two
 * features plus a bias) drawn as 1[X g >= 0], and Z = X (n x 3, last column
 * ones). The dgemm rate of this machine is measured in the same run (a
 * 2000 x 2000 x 2000 product on every rank at once) and each time is also
 * given in "dgemm seconds": time * rate / 1e9 = Gflop a dgemm would do in
 * that time. Reference costs: C by syrk/gemm ~ n^2 P (replicated) or
 * 2 n^2 P / ranks (scalapack) flops; the eigendecomposition ~ 9 n^3 flops;
 * a dense solve 4 n^2 flops; a cg iteration 4 n k P flops. The dense paths
 * solve (sigma I + 2 K) with sigma near 1; cg (off by default: -paths) uses
 * sigma = -cg_sigma (default 1e-2) times the mean diagonal of K, since its
 * iteration count grows with the condition number. first_s: the first of
 * these solves, which on the dense paths computes the eigendecomposition;
 * solve_s: the best of the others (-solves, at least 2). prepare_s and
 * solve_p_s: CvxGramPrepare at (1, 2) (the inverse from a Cholesky
 * factor) and a solve at that shift (dense paths), the way the ADMM
 * solves. Options: -sizes,
 * -pfactor, -paths replicated,scalapack,cg, -solves (repeats), -cg_sigma. */
#include "convex/gram.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/blas.h"
#include "core/error.h"
#include "core/rng.h"
#include "core/timer.h"

static PetscErrorCode DgemmRate(MPI_Comm comm, double *gflops)
{
  const int m = 2000;
  double   *A, *B, *C, t;
  CvxRng    rng;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3((size_t)m * m, &A, (size_t)m * m, &B, (size_t)m * m, &C));
  CvxRngInit(&rng, 1, CVX_STREAM_TEST, 900, 0);
  CvxRngNormals(&rng, (int64_t)m * m, A);
  CvxRngNormals(&rng, (int64_t)m * m, B);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, 200, 200, 200, 1.0, A, m, B, m, 0.0, C, m); /* warm up */
  PetscCallMPI(MPI_Barrier(comm));
  t = CvxWallTime();
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1.0, A, m, B, m, 0.0, C, m);
  t = CvxWallTime() - t;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, comm));
  *gflops = 2.0 * m * (double)m * m / t / 1e9;
  PetscCall(PetscFree3(A, B, C));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt          sizes[8] = {2000, 4000}, nsizes = 8, pfactor = 2, solves = 3, npaths = 3;
  PetscReal         cg_sigma = 1e-2;
  char             *pathnames[3] = {NULL, NULL, NULL};
  PetscBool         set_paths, set_sizes;
  PetscMPIInt       rank, size;
  double            rate = 0;
  const CvxGramPath all_paths[]  = {CVX_GRAM_REPLICATED, CVX_GRAM_SCALAPACK, CVX_GRAM_CG};
  const char       *all_names[]  = {"replicated", "scalapack", "cg"};
  PetscBool         use_path[3]  = {PETSC_TRUE, PETSC_TRUE, PETSC_FALSE};

  CvxBlasCoreSelect(argv);
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  CvxBlasCorePrint(PETSC_COMM_WORLD, stdout);
  PetscCall(CvxErrorHandlerPush());
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-sizes", sizes, &nsizes, &set_sizes));
  if (!set_sizes) nsizes = 2;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-pfactor", &pfactor, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-solves", &solves, NULL));
  solves = PetscMax(solves, 2);
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-cg_sigma", &cg_sigma, NULL));
  PetscCall(PetscOptionsGetStringArray(NULL, NULL, "-paths", pathnames, &npaths, &set_paths));
  if (set_paths) {
    for (int p = 0; p < 3; p++) use_path[p] = PETSC_FALSE;
    for (PetscInt i = 0; i < npaths; i++) {
      for (int p = 0; p < 3; p++)
        if (!strcmp(pathnames[i], all_names[p])) use_path[p] = PETSC_TRUE;
      PetscCall(PetscFree(pathnames[i]));
    }
  }

  PetscCall(DgemmRate(PETSC_COMM_WORLD, &rate));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "gram benchmark: %d ranks, dgemm 2000^3 at %.2f Gflop/s per rank\n",
                        (int)size, rate));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-11s %6s %7s %10s %10s %10s %12s %12s %10s %10s\n", "path", "n", "P",
                        "create_s", "first_s", "solve_s", "create_dgemm", "solve_dgemm", "prepare_s", "solve_p_s"));

  for (PetscInt s = 0; s < nsizes; s++) {
    PetscInt          n = sizes[s], P = pfactor * n, words = (n + 63) / 64;
    double           *X, *b, *x;
    uint64_t         *bits;
    CvxArrangementSet set;
    CvxRng            rng;

    PetscCall(PetscMalloc3((size_t)3 * n, &X, n, &b, n, &x));
    CvxRngInit(&rng, 2, CVX_STREAM_TEST, 901, (uint64_t)n);
    CvxRngNormals(&rng, 2 * (int64_t)n, X);
    for (PetscInt i = 0; i < n; i++) X[i + 2 * n] = 1.0;
    CvxRngNormals(&rng, n, b);
    set.comm   = PETSC_COMM_WORLD;
    set.n      = n;
    set.words  = words;
    set.P      = P;
    set.rstart = (PetscInt)(((PetscInt64)P * rank) / size);
    set.rend   = (PetscInt)(((PetscInt64)P * (rank + 1)) / size);
    set.exact  = PETSC_FALSE;
    PetscCall(PetscCalloc1((size_t)(set.rend - set.rstart) * words + 1, &bits));
    for (PetscInt j = set.rstart; j < set.rend; j++) {
      double    g[3];
      uint64_t *p = bits + (size_t)(j - set.rstart) * words;
      CvxRngInit(&rng, 2, CVX_STREAM_TEST, 902, (uint64_t)j);
      CvxRngNormals(&rng, 3, g);
      for (PetscInt i = 0; i < n; i++)
        if (X[i] * g[0] + X[i + n] * g[1] + g[2] >= 0) p[i / 64] |= (uint64_t)1 << (i % 64);
    }
    set.bits = bits;

    /* Mean of diag K = ||z_i||^2 C_ii: the scale of the cg path's sigma. */
    double meandiag = 0;
    for (PetscInt j = 0; j < set.rend - set.rstart; j++)
      for (PetscInt i = 0; i < n; i++)
        if ((bits[j * words + i / 64] >> (i % 64)) & 1u) meandiag += X[i] * X[i] + X[i + n] * X[i + n] + 1.0;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &meandiag, 1, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD));
    meandiag /= n;

    for (int p = 0; p < 3; p++) {
      CvxGramOptions opt;
      CvxGram        gram;
      double         tc, ts, best = 1e300, first = NAN;

      if (!use_path[p]) continue;
      PetscCall(CvxGramOptionsSetDefaults(&opt));
      opt.path    = all_paths[p];
      opt.cg_rtol = 1e-10;
      PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
      tc = CvxWallTime();
      PetscCall(CvxGramCreate(&set, 3, X, &opt, &gram));
      PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
      tc = CvxWallTime() - tc;
      PetscErrorCode code = 0;
      for (PetscInt r = 0; r < solves && !code; r++) {
        /* ADMM-like operator rho I + 2 K with rho varying a little; on the
         * cg path rho is cg_sigma times the mean diagonal of K. */
        double sigma = (all_paths[p] == CVX_GRAM_CG ? cg_sigma * meandiag : 1.0) * (1.0 + 0.1 * r);
        PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
        ts = CvxWallTime();
        PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
        code = CvxGramSolve(gram, sigma, 2.0, b, x);
        PetscCall(PetscPopErrorHandler());
        PetscCheck(!code || code == PETSC_ERR_NOT_CONVERGED, PETSC_COMM_WORLD, code, "solve failed");
        PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
        ts = CvxWallTime() - ts;
        if (r == 0) first = ts;
        else best = PetscMin(best, ts);
      }
      /* the dense paths at a prepared shift (as the ADMM runs them) */
      double tp = NAN, bestp = NAN;
      if (!code && all_paths[p] != CVX_GRAM_CG) {
        PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
        tp = CvxWallTime();
        PetscCall(CvxGramPrepare(gram, 1.0, 2.0));
        PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
        tp    = CvxWallTime() - tp;
        bestp = 1e300;
        for (PetscInt r = 0; r < solves; r++) {
          PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
          ts = CvxWallTime();
          PetscCall(CvxGramSolve(gram, 1.0, 2.0, b, x));
          PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
          bestp = PetscMin(bestp, CvxWallTime() - ts);
        }
      }
      PetscCall(CvxGramDestroy(&gram));
      if (code) {
        char *msg = NULL;
        PetscCall(PetscErrorMessage(code, NULL, &msg));
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-11s %6d %7d %10.3f %10s (%s)\n", all_names[p], (int)n, (int)P,
                              tc, "-", msg ? msg : "not converged"));
        continue;
      }
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-11s %6d %7d %10.3f %10.3f %10.5f %12.1f %12.4f %10.3f %10.5f\n",
                            all_names[p], (int)n, (int)P, tc, first, best, tc * rate, best * rate, tp, bestp));
    }
    PetscCall(PetscFree(bits));
    PetscCall(PetscFree3(X, b, x));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "(create_dgemm, solve_dgemm: Gflop a dgemm does in the same time)\n"));
  PetscCall(CvxGramFinalizePackage());
  PetscCall(PetscFinalize());
  return 0;
}
