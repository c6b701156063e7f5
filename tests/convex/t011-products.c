/* The local products with F (CvxAdmmFLocal: sum_i D_i X (v_i - w_i);
 * CvxAdmmFTLocal: X^T diag(e) D_i for every local pattern) against plain
 * loops, through each of their paths: n x d scratch when d <= PL, n x PL
 * scratch (pat_side) when d > PL, and the table lookups of patprod.c when
 * d <= PL (every tile width, n and PL not multiples of 4, more groups than
 * one table block holds). Prints only on failure. */
#include "convex/admm_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"

static void Check(PetscInt n, PetscInt d, PetscInt PL, PetscBool tables)
{
  CvxAdmm A;
  double *X, *Dm, *x, *e, *out, *G;
  memset(&A, 0, sizeof(A));
  A.n = n;
  A.d = d;
  A.PL = PL;
  A.pat_side = (PetscBool)(d > PL);
  X = malloc(sizeof(double) * (size_t)(n * d));
  Dm = malloc(sizeof(double) * (size_t)(n * PL));
  x = malloc(sizeof(double) * (size_t)(2 * d * PL));
  e = malloc(sizeof(double) * (size_t)n);
  out = malloc(sizeof(double) * (size_t)n);
  G = malloc(sizeof(double) * (size_t)(d * PL));
  A.Dl = malloc(sizeof(double) * (size_t)(d * PL));
  if (A.pat_side) A.Wp = malloc(sizeof(double) * (size_t)(n * PL));
  else {
    A.M = malloc(sizeof(double) * (size_t)(n * d));
    A.Xe = malloc(sizeof(double) * (size_t)(n * d));
  }
  for (PetscInt s = 0; s < n * d; s++) X[s] = sin(0.7 * (double)s + 0.3);
  for (PetscInt s = 0; s < n * PL; s++) Dm[s] = (double)(((unsigned)s * 2654435761u >> 9) & 1);
  for (PetscInt s = 0; s < 2 * d * PL; s++) x[s] = cos(1.3 * (double)s);
  for (PetscInt k = 0; k < n; k++) e[k] = 0.5 - 0.01 * (double)k;
  A.X = X;
  A.Dm = Dm;
  if (tables && !A.pat_side && CvxPatProdCreate(n, d, PL, Dm, X, &A.pp)) CHECK(0, "CvxPatProdCreate failed");

  if (CvxAdmmFLocal(&A, x, out)) CHECK(0, "CvxAdmmFLocal failed");
  double err = 0, ref = 0;
  for (PetscInt k = 0; k < n; k++) {
    double s = 0;
    for (PetscInt i = 0; i < PL; i++)
      for (PetscInt l = 0; l < d; l++)
        s += Dm[k + i * n] * X[k + l * n] * (x[l + i * d] - x[(size_t)d * PL + l + i * d]);
    ref = PetscMax(ref, fabs(s));
    err = PetscMax(err, fabs(out[k] - s));
  }
  CHECK(ref > 0 && err <= 1e-12 * ref, "n %d d %d PL %d tables %d: F x error %g against %g", (int)n, (int)d, (int)PL,
        (int)tables, err, ref);

  if (CvxAdmmFTLocal(&A, e, G)) CHECK(0, "CvxAdmmFTLocal failed");
  err = ref = 0;
  for (PetscInt i = 0; i < PL; i++)
    for (PetscInt l = 0; l < d; l++) {
      double s = 0;
      for (PetscInt k = 0; k < n; k++) s += X[k + l * n] * e[k] * Dm[k + i * n];
      ref = PetscMax(ref, fabs(s));
      err = PetscMax(err, fabs(G[l + i * d] - s));
    }
  CHECK(ref > 0 && err <= 1e-12 * ref, "n %d d %d PL %d tables %d: F^T e error %g against %g", (int)n, (int)d,
        (int)PL, (int)tables, err, ref);
  free(X);
  free(Dm);
  free(x);
  free(e);
  free(out);
  free(G);
  free(A.Dl);
  free(A.Wp);
  free(A.M);
  free(A.Xe);
  if (CvxPatProdDestroy(&A.pp)) CHECK(0, "CvxPatProdDestroy failed");
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (int tables = 0; tables < 2; tables++) {
    PetscBool tb = (PetscBool)tables;
    Check(37, 5, 11, tb);  /* d <= PL: n x d scratch, or tables (tiles of 2 vectors) */
    Check(37, 5, 5, tb);   /* d == PL */
    Check(37, 12, 3, tb);  /* d > PL: n x PL scratch */
    Check(200, 51, 1, tb); /* one pattern */
  }
  /* tables: tiles of 1, 3, 4, 8, 7 + 6 and 6 + 6 + 5 vectors; n and PL of
   * every residue mod 4; more pattern groups and sample groups than one
   * table block holds (32 groups of 4 at tiles of 8 vectors) */
  Check(3, 1, 1, PETSC_TRUE);
  Check(6, 1, 7, PETSC_TRUE);
  Check(23, 13, 30, PETSC_TRUE);
  Check(64, 16, 18, PETSC_TRUE);
  Check(50, 11, 20, PETSC_TRUE); /* a tile of 3 vectors */
  Check(70, 32, 41, PETSC_TRUE); /* one of 8 */
  Check(301, 51, 300, PETSC_TRUE);
  Check(258, 67, 259, PETSC_TRUE);
  PetscCall(PetscFinalize());
  return failures != 0;
}
