/* Benchmark of the pattern tables (src/convex/patprod.c) against the GEMMs
 * they replace, one rank, in one run: for each shape n x d with PL
 * patterns, the best of -reps calls of CvxPatProdF (F x) and CvxPatProdFT
 * (F^T e), and of the GEMM forms of CvxAdmmFLocal and CvxAdmmFTLocal
 * without tables (M = Dm Dl^T, n x d x PL; Dm^T Xe, PL x d x n), timed
 * alternately so that a slow stretch of a shared machine hits both alike.
 * Prints each time, its ratio to the GEMM's and the GEMM's rate, and the
 * largest difference between the two results (relative to the largest
 * entry: rounding only). Shapes:
 * benchmark (d) on one and two ranks (n = 2000, d = 51, PL = 500, 250),
 * benchmark (c) on two (n = 200, d = 3, PL = 20,000) and a wider d
 * (n = 2000, d = 201, PL = 500). Not a pass/fail test. */
#include "convex/patprod.h"

#include <cblas.h>
#include <stdio.h>

#include "core/blas.h"
#include "core/rng.h"
#include "core/timer.h"

static PetscErrorCode Shape(PetscInt n, PetscInt d, PetscInt PL, PetscInt reps)
{
  double    *X, *Dm, *x, *e, *out, *G, *M, *Xe, *Ft, *Gt; /* Ft, Gt: the tables' results, for the comparison */
  CvxPatProd pp;
  CvxRng     rng;
  double     best[4] = {INFINITY, INFINITY, INFINITY, INFINITY};

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc4((size_t)n * d, &X, (size_t)n * PL, &Dm, (size_t)d * PL, &x, (size_t)n, &e));
  PetscCall(PetscMalloc4((size_t)n, &out, (size_t)d * PL, &G, (size_t)n * PetscMax(d, PL), &M, (size_t)n * d, &Xe));
  PetscCall(PetscMalloc2((size_t)n, &Ft, (size_t)d * PL, &Gt));
  CvxRngInit(&rng, 1, CVX_STREAM_TEST, 910, 0);
  for (size_t s = 0; s < (size_t)n * d; s++) X[s] = CvxRngNormal(&rng);
  for (size_t s = 0; s < (size_t)n * PL; s++) Dm[s] = CvxRngUniform(&rng) < 0.5 ? 1.0 : 0.0;
  for (size_t s = 0; s < (size_t)d * PL; s++) x[s] = CvxRngNormal(&rng);
  for (PetscInt k = 0; k < n; k++) e[k] = CvxRngNormal(&rng);
  PetscCall(CvxPatProdCreate(n, d, PL, Dm, X, &pp));
  double errf = 0, reff = 0, errt = 0, reft = 0; /* largest difference from the GEMM form, and its largest value */
  for (PetscInt r = 0; r < reps; r++) {
    double t = CvxWallTime();
    CvxPatProdF(pp, x, out);
    best[0] = PetscMin(best[0], CvxWallTime() - t);
    if (r == 0)
      for (PetscInt k = 0; k < n; k++) Ft[k] = out[k];
    t = CvxWallTime();
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)n, (int)d, (int)PL, 1.0, Dm, (int)n, x, (int)d, 0.0, M,
                (int)n);
    for (PetscInt k = 0; k < n; k++) out[k] = 0;
    for (PetscInt l = 0; l < d; l++)
      for (PetscInt k = 0; k < n; k++) out[k] += X[(size_t)l * n + k] * M[(size_t)l * n + k];
    best[1] = PetscMin(best[1], CvxWallTime() - t);
    if (r == 0)
      for (PetscInt k = 0; k < n; k++) {
        errf = PetscMax(errf, PetscAbsReal(Ft[k] - out[k]));
        reff = PetscMax(reff, PetscAbsReal(out[k]));
      }
    t = CvxWallTime();
    CvxPatProdFT(pp, e, G);
    best[2] = PetscMin(best[2], CvxWallTime() - t);
    if (r == 0)
      for (size_t s = 0; s < (size_t)d * PL; s++) Gt[s] = G[s];
    t = CvxWallTime();
    for (PetscInt l = 0; l < d; l++)
      for (PetscInt k = 0; k < n; k++) Xe[(size_t)l * n + k] = e[k] * X[(size_t)l * n + k];
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)PL, (int)d, (int)n, 1.0, Dm, (int)n, Xe, (int)n, 0.0, M,
                (int)PL);
    for (PetscInt i = 0; i < PL; i++)
      for (PetscInt l = 0; l < d; l++) G[l + (size_t)i * d] = M[i + (size_t)l * PL];
    best[3] = PetscMin(best[3], CvxWallTime() - t);
    if (r == 0)
      for (size_t s = 0; s < (size_t)d * PL; s++) {
        errt = PetscMax(errt, PetscAbsReal(Gt[s] - G[s]));
        reft = PetscMax(reft, PetscAbsReal(G[s]));
      }
  }
  double flops = 2.0 * (double)n * (double)d * (double)PL;
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "n %5d d %4d PL %6d: F x %.3f ms against %.3f ms by GEMM (%.2f of it; GEMM %.1f GFlop/s), "
                        "F^T e %.3f ms against %.3f ms (%.2f; %.1f GFlop/s); largest differences from the GEMMs "
                        "%.1e and %.1e of the largest entry\n",
                        (int)n, (int)d, (int)PL, 1e3 * best[0], 1e3 * best[1], best[0] / best[1],
                        1e-9 * flops / best[1], 1e3 * best[2], 1e3 * best[3], best[2] / best[3],
                        1e-9 * flops / best[3], errf / reff, errt / reft));
  PetscCall(CvxPatProdDestroy(&pp));
  PetscCall(PetscFree4(X, Dm, x, e));
  PetscCall(PetscFree4(out, G, M, Xe));
  PetscCall(PetscFree2(Ft, Gt));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt reps = 20;

  CvxBlasCoreSelect(argv);
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "BLAS kernels: %s\n", CvxBlasCoreName()));
  PetscCall(Shape(2000, 51, 500, reps));
  PetscCall(Shape(2000, 51, 250, reps));
  PetscCall(Shape(200, 3, 20000, reps));
  PetscCall(Shape(2000, 201, 500, reps));
  PetscCall(PetscFinalize());
  return 0;
}
