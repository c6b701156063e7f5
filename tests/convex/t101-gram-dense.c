/* CvxGram against a dense reference on every path.
 *
 * Random Z (n x k) and P random patterns 1[X g >= 0] (X random n x 3, g
 * random), spread over the ranks in contiguous ranges as the arrangement
 * module does. K = (Z Z^T) o (Dmat Dmat^T) is formed entry by entry from the
 * formula; CvxGramApply must reproduce K v, and CvxGramSolve must match a
 * dense LU solve of (sigma I + tau K) x = b to 1e-10 relative, for several
 * (sigma, tau), identically on every rank. The same system built on one rank
 * (PETSC_COMM_SELF, replicated) must agree to 1e-10, so results do not
 * depend on the rank count. After CvxGramPrepare at one shift, solves at it
 * and at another shift must give the same x to 1e-10. Options: -n, -k, -P, -nb (scalapack block size),
 * -report (print the observed errors).
 * Prints only on failure. */
#include "convex/gram.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/lapack.h"
#include "core/rng.h"
#include "../common/check.h"

static PetscMPIInt rank, size;
static PetscBool   report; /* -report: print the observed errors on rank 0 */

static double RelDiff(PetscInt n, const double *a, const double *b)
{
  double num = 0, den = 0;
  for (PetscInt i = 0; i < n; i++) {
    num += (a[i] - b[i]) * (a[i] - b[i]);
    den += b[i] * b[i];
  }
  return sqrt(num) / (den > 0 ? sqrt(den) : 1.0);
}

/* All P patterns, packed, the same on every rank. */
static PetscErrorCode MakePatterns(PetscInt n, PetscInt P, PetscInt words, uint64_t *bits)
{
  double *X;
  CvxRng  rng;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(3 * n, &X));
  CvxRngInit(&rng, 11, CVX_STREAM_TEST, 1, 0);
  CvxRngNormals(&rng, 3 * n, X);
  memset(bits, 0, sizeof(uint64_t) * (size_t)(P * words));
  for (PetscInt j = 0; j < P; j++) {
    double g[3];
    CvxRngInit(&rng, 11, CVX_STREAM_TEST, 2, (uint64_t)j);
    CvxRngNormals(&rng, 3, g);
    for (PetscInt i = 0; i < n; i++) {
      double s = X[i] * g[0] + X[i + n] * g[1] + X[i + 2 * n] * g[2];
      if (s >= 0) bits[j * words + i / 64] |= (uint64_t)1 << (i % 64);
    }
  }
  PetscCall(PetscFree(X));
  PetscFunctionReturn(0);
}

static int Bit(const uint64_t *bits, PetscInt words, PetscInt j, PetscInt i)
{
  return (int)((bits[j * words + i / 64] >> (i % 64)) & 1u);
}

/* Checks one system against the reference K; xref receives the solutions
 * for the (sigma, tau) list, concatenated, for the cross-check. */
static PetscErrorCode CheckSystem(CvxGram gram, CvxGramPath want, MPI_Comm comm, PetscInt n, const double *K,
                                  int nst, const double (*st)[2], double *xall)
{
  CvxGramPath got;
  double     *v, *y, *ky, *b, *x, *A, *xr;
  int        *ipiv;
  CvxRng      rng;
  int         nn = (int)n, one = 1, info;

  PetscFunctionBeginUser;
  PetscCall(CvxGramGetPath(gram, &got));
  CHECK(got == want, "path %d, want %d", (int)got, (int)want);
  PetscCall(PetscMalloc6(n, &v, n, &y, n, &ky, n, &b, n, &x, n, &xr));
  PetscCall(PetscMalloc2(n * n, &A, n, &ipiv));

  for (int trial = 0; trial < 3; trial++) {
    CvxRngInit(&rng, 12, CVX_STREAM_TEST, 3, (uint64_t)trial);
    CvxRngNormals(&rng, n, v);
    PetscCall(CvxGramApply(gram, v, y));
    cblas_dgemv(CblasColMajor, CblasNoTrans, nn, nn, 1.0, K, nn, v, 1, 0.0, ky, 1);
    double e = RelDiff(n, y, ky);
    if (report && rank == 0) printf("path %d apply: %.3g\n", (int)want, e);
    CHECK(e < 1e-11, "path %d apply trial %d: relative error %g", (int)want, trial, e);
  }

  CvxRngInit(&rng, 12, CVX_STREAM_TEST, 4, 0);
  CvxRngNormals(&rng, n, b);
  for (int s = 0; s < nst; s++) {
    double sigma = st[s][0], tau = st[s][1];
    for (PetscInt i = 0; i < n * n; i++) A[i] = tau * K[i];
    for (PetscInt i = 0; i < n; i++) A[i + i * n] += sigma;
    memcpy(xr, b, sizeof(double) * n);
    dgesv_(&nn, &one, A, &nn, ipiv, xr, &nn, &info);
    CHECK(info == 0, "dgesv info %d", info);

    PetscCall(CvxGramSolve(gram, sigma, tau, b, x));
    double e = RelDiff(n, x, xr);
    if (report && rank == 0) printf("path %d sigma %g tau %g solve: %.3g\n", (int)want, sigma, tau, e);
    CHECK(e < 1e-10, "path %d sigma %g tau %g: relative error %g", (int)want, sigma, tau, e);

    /* In place (x aliases b) gives the same numbers. */
    memcpy(y, b, sizeof(double) * n);
    PetscCall(CvxGramSolve(gram, sigma, tau, y, y));
    e = RelDiff(n, y, xr);
    CHECK(e < 1e-10, "path %d sigma %g tau %g in place: relative error %g", (int)want, sigma, tau, e);

    /* Bit-identical on every rank of the system's communicator. */
    memcpy(y, x, sizeof(double) * n);
    PetscCallMPI(MPI_Bcast(y, (int)n, MPI_DOUBLE, 0, comm));
    CHECK(memcmp(x, y, sizeof(double) * n) == 0, "path %d sigma %g tau %g: x differs across ranks", (int)want,
          sigma, tau);
    memcpy(xall + s * n, x, sizeof(double) * n);
  }

  /* A prepared shift solves to the same x (its own product on the
   * replicated path), in place too, and leaves the other shifts as they
   * were; identically on every rank. */
  for (int s = 0; s < nst; s++) {
    int s2 = (s + 1) % nst;
    PetscCall(CvxGramPrepare(gram, st[s][0], st[s][1]));
    for (int pass = 0; pass < 2; pass++) {
      int u = pass == 0 ? s : s2;
      memcpy(x, b, sizeof(double) * n);
      PetscCall(CvxGramSolve(gram, st[u][0], st[u][1], x, x));
      double e = RelDiff(n, x, xall + u * n);
      if (report && rank == 0) printf("path %d prepared %d, solve %d: %.3g\n", (int)want, s, u, e);
      CHECK(e < 1e-10, "path %d prepared (%g, %g), solve at (%g, %g): relative difference %g", (int)want, st[s][0],
            st[s][1], st[u][0], st[u][1], e);
      memcpy(y, x, sizeof(double) * n);
      PetscCallMPI(MPI_Bcast(y, (int)n, MPI_DOUBLE, 0, comm));
      CHECK(memcmp(x, y, sizeof(double) * n) == 0, "path %d prepared (%g, %g): x differs across ranks", (int)want,
            st[s][0], st[s][1]);
    }
  }
  PetscCall(PetscFree6(v, y, ky, b, x, xr));
  PetscCall(PetscFree2(A, ipiv));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt          n = 40, k = 3, P = 60, nb = 8, words;
  uint64_t         *all;
  double           *Z, *K, *xself, *xworld;
  CvxArrangementSet world, self;
  CvxGramOptions    opt;
  CvxGram           gram;
  CvxRng            rng;
  const double      st[][2] = {{1, 1}, {1e-2, 1}, {1, 0}, {3, 1e-3}, {0.5, 10}, {1e-3, 1e-3}};
  const int         nst     = (int)(sizeof(st) / sizeof(st[0]));
  const CvxGramPath paths[] = {CVX_GRAM_REPLICATED, CVX_GRAM_SCALAPACK, CVX_GRAM_CG};

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-k", &k, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-P", &P, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-nb", &nb, NULL));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-report", &report));
  words = (n + 63) / 64;

  PetscCall(PetscMalloc1(P * words + 1, &all));
  PetscCall(MakePatterns(n, P, words, all));
  PetscCall(PetscMalloc4(n * k, &Z, n * n, &K, nst * n, &xself, nst * n, &xworld));
  CvxRngInit(&rng, 12, CVX_STREAM_TEST, 5, 0);
  CvxRngNormals(&rng, n * k, Z);

  /* Reference K from the formula, entry by entry. */
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt i = 0; i < n; i++) {
      double zz = 0;
      int    c  = 0;
      for (PetscInt l = 0; l < k; l++) zz += Z[i + l * n] * Z[j + l * n];
      for (PetscInt p = 0; p < P; p++) c += Bit(all, words, p, i) & Bit(all, words, p, j);
      K[i + j * n] = zz * c;
    }

  /* Contiguous ranges, split as evenly as possible. */
  world.comm   = PETSC_COMM_WORLD;
  world.n      = n;
  world.words  = words;
  world.P      = P;
  world.rstart = (P / size) * rank + PetscMin(rank, P % size);
  world.rend   = world.rstart + P / size + (rank < P % size ? 1 : 0);
  world.bits   = all + world.rstart * words;
  world.exact  = PETSC_FALSE;
  self         = world;
  self.comm    = PETSC_COMM_SELF;
  self.rstart  = 0;
  self.rend    = P;
  self.bits    = all;

  PetscCall(CvxGramOptionsSetDefaults(&opt));
  opt.path = CVX_GRAM_REPLICATED;
  PetscCall(CvxGramCreate(&self, k, Z, &opt, &gram));
  PetscCall(CheckSystem(gram, CVX_GRAM_REPLICATED, PETSC_COMM_SELF, n, K, nst, st, xself));
  PetscCall(CvxGramDestroy(&gram));
  CHECK(gram == NULL, "Destroy left the handle set");

  for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
    PetscCall(CvxGramOptionsSetDefaults(&opt));
    opt.path       = paths[p];
    opt.block_size = nb;
    opt.cg_rtol    = 1e-14;
    PetscCall(CvxGramCreate(&world, k, Z, &opt, &gram));
    PetscCall(CheckSystem(gram, paths[p], PETSC_COMM_WORLD, n, K, nst, st, xworld));
    PetscCall(CvxGramDestroy(&gram));
    double e = RelDiff(nst * n, xworld, xself);
    if (report && rank == 0) printf("path %d, %d ranks vs 1: %.3g\n", (int)paths[p], size, e);
    CHECK(e < 1e-10, "path %d on %d ranks vs 1 rank: relative difference %g", (int)paths[p], size, e);
  }

  /* Auto resolves by n. */
  PetscCall(CvxGramOptionsSetDefaults(&opt));
  opt.replicated_max_n = n;
  PetscCall(CvxGramCreate(&world, k, Z, &opt, &gram));
  {
    CvxGramPath got;
    PetscCall(CvxGramGetPath(gram, &got));
    CHECK(got == CVX_GRAM_REPLICATED, "auto at n = replicated_max_n chose %d", (int)got);
  }
  PetscCall(CvxGramDestroy(&gram));
  opt.replicated_max_n = n - 1;
  opt.block_size       = nb;
  PetscCall(CvxGramCreate(&world, k, Z, &opt, &gram));
  PetscCall(CheckSystem(gram, CVX_GRAM_SCALAPACK, PETSC_COMM_WORLD, n, K, nst, st, xworld));
  PetscCall(CvxGramDestroy(&gram));

  PetscCall(PetscFree(all));
  PetscCall(PetscFree4(Z, K, xself, xworld));
  PetscCall(CvxGramFinalizePackage());
  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD);
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
