/* CvxGram rejects bad input collectively with CVX_ERR_INPUT: sigma <= 0 or
 * not finite, tau < 0 (in Solve and in Prepare), an unknown path, options
 * that the chosen path cannot use, k < 1, n too large for the replicated
 * path, pattern ranges that do not tile [0, P) (even when only one rank is
 * at fault). A CG solve that cannot reach its tolerance raises
 * PETSC_ERR_NOT_CONVERGED on every rank, and the system still works
 * afterwards. Prints only on failure. */
#include "convex/gram.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "../common/check.h"

static PetscMPIInt rank, size;

/* Create must fail with CVX_ERR_INPUT and leave *gram NULL. */
static void ExpectCreateError(const CvxArrangementSet *set, PetscInt k, const double *Z, const CvxGramOptions *opt,
                              const char *what)
{
  CvxGram        gram = (CvxGram)(uintptr_t)1;
  PetscErrorCode code = CvxGramCreate(set, k, Z, opt, &gram);
  CHECK(code == CVX_ERR_INPUT, "%s: code %d, want %d", what, (int)code, (int)CVX_ERR_INPUT);
  CHECK(gram == NULL, "%s: handle not cleared", what);
  if (code == 0) CvxGramDestroy(&gram);
}

int main(int argc, char **argv)
{
  const PetscInt    n = 24, k = 2, P = 10, words = 1;
  uint64_t          bits[10];
  double            Z[48], b[24], x[24];
  CvxArrangementSet set, big;
  CvxGramOptions    opt;
  CvxGram           gram;
  CvxRng            rng;
  PetscErrorCode    code;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);

  CvxRngInit(&rng, 3, CVX_STREAM_TEST, 100, 0);
  for (PetscInt j = 0; j < P; j++) bits[j] = (uint64_t)(CvxRngU32(&rng) & 0xffffffu); /* n = 24 bits */
  CvxRngNormals(&rng, n * k, Z);
  CvxRngNormals(&rng, n, b);
  set.comm   = PETSC_COMM_WORLD;
  set.n      = n;
  set.words  = words;
  set.P      = P;
  set.rstart = (P * rank) / size;
  set.rend   = (P * (rank + 1)) / size;
  set.bits   = bits + set.rstart;
  set.exact  = PETSC_FALSE;

  /* Options and sizes. */
  PetscCall(CvxGramOptionsSetDefaults(&opt));
  opt.path = (CvxGramPath)17;
  ExpectCreateError(&set, k, Z, &opt, "unknown path");
  PetscCall(CvxGramOptionsSetDefaults(&opt));
  opt.replicated_max_n = -1;
  ExpectCreateError(&set, k, Z, &opt, "auto with replicated_max_n < 0");
  PetscCall(CvxGramOptionsSetDefaults(&opt));
  opt.path       = CVX_GRAM_SCALAPACK;
  opt.block_size = 0;
  ExpectCreateError(&set, k, Z, &opt, "scalapack with block_size 0");
  PetscCall(CvxGramOptionsSetDefaults(&opt));
  opt.replicated_max_n = 0; /* auto -> scalapack */
  opt.block_size       = -3;
  ExpectCreateError(&set, k, Z, &opt, "auto resolving to scalapack with block_size < 0");
  PetscCall(CvxGramOptionsSetDefaults(&opt));
  opt.path    = CVX_GRAM_CG;
  opt.cg_rtol = 0;
  ExpectCreateError(&set, k, Z, &opt, "cg with cg_rtol 0");
  opt.cg_rtol = 1;
  ExpectCreateError(&set, k, Z, &opt, "cg with cg_rtol 1");
  opt.cg_rtol   = 1e-10;
  opt.cg_max_it = 0;
  ExpectCreateError(&set, k, Z, &opt, "cg with cg_max_it 0");
  PetscCall(CvxGramOptionsSetDefaults(&opt));
  ExpectCreateError(&set, 0, Z, &opt, "k = 0");
  ExpectCreateError(&set, k, NULL, &opt, "Z NULL");
  big       = set;
  big.n     = 40000;
  big.words = (big.n + 63) / 64;
  big.P     = 0;
  big.rstart = big.rend = 0;
  big.bits  = NULL;
  opt.path  = CVX_GRAM_REPLICATED;
  ExpectCreateError(&big, k, Z, &opt, "replicated at n = 40000");
  big.words = 1;
  opt.path  = CVX_GRAM_CG;
  ExpectCreateError(&big, k, Z, &opt, "words inconsistent with n");

  /* Ranges that do not tile [0, P), or bits missing on one rank only: the
   * error still reaches every rank. */
  big   = set;
  big.P = P + 1;
  ExpectCreateError(&big, k, Z, &opt, "ranges short of P");
  big = set;
  if (rank == 0) big.bits = NULL;
  opt.path = CVX_GRAM_SCALAPACK;
  ExpectCreateError(&big, k, Z, &opt, "no bits on rank 0");

  /* sigma and tau on every path. */
  const CvxGramPath paths[] = {CVX_GRAM_REPLICATED, CVX_GRAM_SCALAPACK, CVX_GRAM_CG};
  const double      bad[][2] = {{0, 1}, {-1, 1}, {NAN, 1}, {INFINITY, 1}, {1, -1}, {1, NAN}, {1, INFINITY}};
  for (int p = 0; p < 3; p++) {
    PetscCall(CvxGramOptionsSetDefaults(&opt));
    opt.path       = paths[p];
    opt.block_size = 4;
    PetscCall(CvxGramCreate(&set, k, Z, &opt, &gram));
    for (size_t s = 0; s < sizeof(bad) / sizeof(bad[0]); s++) {
      code = CvxGramSolve(gram, bad[s][0], bad[s][1], b, x);
      CHECK(code == CVX_ERR_INPUT, "path %d sigma %g tau %g: code %d", (int)paths[p], bad[s][0], bad[s][1],
            (int)code);
      CHECK(strstr(CvxErrorLastMessage(), isfinite(bad[s][0]) && bad[s][0] > 0 ? "tau" : "sigma") != NULL,
            "message '%s' does not name the bad value", CvxErrorLastMessage());
      code = CvxGramPrepare(gram, bad[s][0], bad[s][1]);
      CHECK(code == CVX_ERR_INPUT, "path %d prepare sigma %g tau %g: code %d", (int)paths[p], bad[s][0], bad[s][1],
            (int)code);
      CHECK(strstr(CvxErrorLastMessage(), isfinite(bad[s][0]) && bad[s][0] > 0 ? "tau" : "sigma") != NULL,
            "prepare message '%s' does not name the bad value", CvxErrorLastMessage());
    }
    code = CvxGramSolve(gram, 1.0, 1.0, b, x); /* still usable */
    CHECK(code == 0, "path %d: good solve after errors failed with %d", (int)paths[p], (int)code);
    PetscCall(CvxGramDestroy(&gram));
  }

  /* CG that cannot converge: an error on every rank, then recovery. */
  PetscCall(CvxGramOptionsSetDefaults(&opt));
  opt.path      = CVX_GRAM_CG;
  opt.cg_rtol   = 1e-14;
  opt.cg_max_it = 1;
  PetscCall(CvxGramCreate(&set, k, Z, &opt, &gram));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  code = CvxGramSolve(gram, 1e-3, 1.0, b, x);
  PetscCall(PetscPopErrorHandler());
  CHECK(code == PETSC_ERR_NOT_CONVERGED, "capped CG: code %d, want %d", (int)code, (int)PETSC_ERR_NOT_CONVERGED);
  code = CvxGramSolve(gram, 1.0, 0.0, b, x);
  CHECK(code == 0 && fabs(x[0] - b[0]) == 0, "tau = 0 after a failed CG: code %d", (int)code);
  PetscCall(CvxGramDestroy(&gram));
  PetscCall(CvxGramDestroy(&gram)); /* twice is harmless */

  PetscCall(CvxGramFinalizePackage());
  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD);
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
