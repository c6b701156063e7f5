/* The canonical order (CvxPatternCompare: sample 0 is the least significant
 * bit, the last word the most significant), bit access, the max_patterns cap
 * (the max_patterns patterns with the smallest cap keys, in canonical order;
 * a capped set is not exact) for sample and exact, including caps small
 * enough to prune the local tables, that the capped set favours no sample,
 * and option errors (among them an exact set too large for memory). Any
 * rank count. */
#include "arrtest.h"

#include <math.h>

static MPI_Comm comm;

/* Builds with cap and checks it is the min(cap, P) patterns of full with
 * the smallest cap keys. */
static void CheckCap(PetscInt n, PetscInt d, const double *X, CvxArrangementOptions opt, const uint64_t *full,
                     PetscInt Pfull, PetscBool full_exact, PetscInt cap, const char *what)
{
  CvxArrangementSet set;
  char              label[160];
  opt.max_patterns = cap;
  snprintf(label, sizeof(label), "%s, cap %d", what, (int)cap);
  TRY(CvxArrangementSetCreate(comm, n, d, X, &opt, &set));
  PetscInt  want = PetscMin(cap, Pfull);
  uint64_t *all  = TestCheckSet(&set, label);
  CHECK(set.P == want, "%s: P = %d, want %d", label, (int)set.P, (int)want);
  PetscInt  kept;
  uint64_t *expect = TestCapExpected(full, Pfull, set.words, cap, &kept);
  if (set.P == want && want > 0)
    CHECK(!memcmp(all, expect, sizeof(uint64_t) * (size_t)want * set.words),
          "%s: not the %d patterns with the smallest cap keys", label, (int)want);
  free(expect);
  PetscBool want_exact = (full_exact && cap >= Pfull) ? PETSC_TRUE : PETSC_FALSE;
  CHECK(set.exact == want_exact, "%s: exact %d, want %d", label, (int)set.exact, (int)want_exact);
  PetscFree(all);
  TRY(CvxArrangementSetDestroy(&set));
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  comm = PETSC_COMM_WORLD;

  /* order and bits */
  {
    const uint64_t a[2] = {~0ull, 0}, b[2] = {0, 1}, c[2] = {1, 1};
    CHECK(CvxPatternCompare(a, b, 2) < 0 && CvxPatternCompare(b, a, 2) > 0, "high word must decide");
    CHECK(CvxPatternCompare(b, c, 2) < 0 && CvxPatternCompare(c, c, 2) == 0, "low word breaks ties");
    CHECK(CvxPatternGetBit(b, 64) && !CvxPatternGetBit(b, 0) && CvxPatternGetBit(a, 63) && !CvxPatternGetBit(a, 65),
          "bit access");
    /* n = 70: the sets {sample 64} and {samples 0..63} */
    CvxArrangementSet set;
    const uint64_t    mine[4] = {0, 1, ~0ull, 0};
    PetscMPIInt       rank;
    MPI_Comm_rank(comm, &rank);
    TRY(CvxArrangementSetCreateFromPatterns(comm, 70, rank == 0 ? 2 : 0, mine, 0, PETSC_FALSE, &set));
    uint64_t *all = TestCheckSet(&set, "two patterns");
    CHECK(set.P == 2 && all[0] == ~0ull && all[1] == 0 && all[2] == 0 && all[3] == 1,
          "{0..63} must come before {64}");
    for (PetscInt i = set.rstart; i < set.rend; i++) {
      const uint64_t *p;
      TRY(CvxArrangementSetGetPattern(&set, i, &p));
      CHECK(p[0] == all[2 * i] && p[1] == all[2 * i + 1], "GetPattern(%d)", (int)i);
    }
    PetscFree(all);
    TRY(CvxArrangementSetDestroy(&set));
  }

  /* sample: many distinct patterns, caps down to 1 */
  {
    double               *X   = TestGaussianData(100, 6, PETSC_TRUE, 9, 1200);
    CvxArrangementOptions opt = TestOptions(CVX_ARRANGEMENT_SAMPLE, 9, 30000, 0);
    CvxArrangementSet     full;
    TRY(CvxArrangementSetCreate(comm, 100, 6, X, &opt, &full));
    uint64_t      *fa   = TestCheckSet(&full, "sample uncapped");
    const PetscInt caps[] = {1, 2, 50, 1000, full.P - 1, full.P, full.P + 10};
    for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++)
      CheckCap(100, 6, X, opt, fa, full.P, PETSC_FALSE, caps[k], "sample n = 100, d = 6");
    CHECK(full.P > 20000, "sample n = 100, d = 6: only %d distinct patterns", (int)full.P);

    /* the capped set favours no sample: each sample is active in about the
     * same share of the kept patterns as of all of them (1,000 kept: a
     * share's deviation is about 0.016; the first 1,000 in canonical order
     * would have sample 99 in none of them against half of the set) */
    {
      CvxArrangementSet capped;
      opt.max_patterns = 1000;
      TRY(CvxArrangementSetCreate(comm, 100, 6, X, &opt, &capped));
      uint64_t *ca    = TestCheckSet(&capped, "sample, cap 1000");
      double    worst = 0;
      PetscInt  wk    = -1;
      for (PetscInt k = 0; k < 100 && capped.P == 1000; k++) {
        PetscInt a = 0, b = 0;
        for (PetscInt j = 0; j < full.P; j++) a += CvxPatternGetBit(fa + (size_t)j * full.words, k) ? 1 : 0;
        for (PetscInt j = 0; j < capped.P; j++) b += CvxPatternGetBit(ca + (size_t)j * capped.words, k) ? 1 : 0;
        double dev = fabs((double)b / (double)capped.P - (double)a / (double)full.P);
        if (dev > worst) {
          worst = dev;
          wk    = k;
        }
      }
      CHECK(capped.P == 1000 && worst < 0.08, "cap 1000: sample %d's share of the kept patterns is off by %.3f",
            (int)wk, worst);
      PetscFree(ca);
      TRY(CvxArrangementSetDestroy(&capped));
      opt.max_patterns = 0;
    }
    PetscFree(fa);
    TRY(CvxArrangementSetDestroy(&full));
    free(X);
  }

  /* exact: the cap decides exactness */
  {
    double               *X   = TestGaussianData(30, 3, PETSC_TRUE, 2, 202);
    CvxArrangementOptions opt = TestOptions(CVX_ARRANGEMENT_EXACT, 0, 0, 0);
    CvxArrangementSet     full;
    TRY(CvxArrangementSetCreate(comm, 30, 3, X, &opt, &full));
    uint64_t      *fa     = TestCheckSet(&full, "exact uncapped");
    const PetscInt caps[] = {1, 10, 100, 871, 872, 2000};
    for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++)
      CheckCap(30, 3, X, opt, fa, full.P, PETSC_TRUE, caps[k], "exact n = 30, d = 2 + bias");
    PetscFree(fa);
    TRY(CvxArrangementSetDestroy(&full));
    free(X);
  }

  /* option errors are input errors */
  {
    double               *X = TestGaussianData(10, 2, PETSC_TRUE, 1, 1300);
    CvxArrangementSet     set;
    CvxArrangementOptions opt = TestOptions(CVX_ARRANGEMENT_SAMPLE, 1, 0, 0);
    CHECK(CvxArrangementSetCreate(comm, 10, 2, X, &opt, &set) == CVX_ERR_INPUT, "samples = 0");
    opt = TestOptions(CVX_ARRANGEMENT_SAMPLE, 1, 10, -1);
    CHECK(CvxArrangementSetCreate(comm, 10, 2, X, &opt, &set) == CVX_ERR_INPUT, "max_patterns = -1");
    opt = TestOptions(CVX_ARRANGEMENT_SAMPLE, 1, 10, 0);
    CHECK(CvxArrangementSetCreate(comm, 0, 2, X, &opt, &set) == CVX_ERR_INPUT, "n = 0");
    /* an exact set far beyond memory is refused before its enumeration:
     * n = 100,000 rows of rank 3 give up to 1e10 patterns of 1,563 words */
    {
      double *Xb = TestGaussianData(100000, 3, PETSC_TRUE, 1, 1301);
      opt        = TestOptions(CVX_ARRANGEMENT_EXACT, 0, 0, 0);
      CHECK(CvxArrangementSetCreate(comm, 100000, 3, Xb, &opt, &set) == CVX_ERR_INPUT &&
              strstr(CvxErrorLastMessage(), "arrangements.max_patterns") &&
              strstr(CvxErrorLastMessage(), "n = 100000 samples of rank 3"),
            "exact set beyond memory: '%s'", CvxErrorLastMessage());
      free(Xb);
    }
    opt = TestOptions(CVX_ARRANGEMENT_FILE, 1, 10, 0);
    CHECK(CvxArrangementSetCreate(comm, 10, 2, X, &opt, &set) == CVX_ERR_INPUT &&
            strstr(CvxErrorLastMessage(), "arrangements.file"),
          "file method without a file: '%s'", CvxErrorLastMessage());
    free(X);
  }

  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD);
  PetscFinalize();
  return failures ? 1 : 0;
}
