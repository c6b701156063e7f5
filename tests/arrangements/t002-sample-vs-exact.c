/* Heavy sampling finds only patterns the exact enumeration has (sampled is
 * a subset of exact) and most of them, on general-position data (n = 30,
 * d = 2 + bias: 872 patterns), on data with duplicate and opposite rows, on
 * degenerate integer data and with zero rows. Any rank count. */
#include "arrtest.h"

static MPI_Comm comm;

/* Samples and enumerates X; checks sampled is a subset of exact and returns
 * both counts. */
static void Compare(PetscInt n, PetscInt d, const double *X, int64_t samples, const char *what, PetscInt *Ps,
                    PetscInt *Pe)
{
  CvxArrangementOptions so = TestOptions(CVX_ARRANGEMENT_SAMPLE, 2024, samples, 0);
  CvxArrangementOptions eo = TestOptions(CVX_ARRANGEMENT_EXACT, 0, 0, 0);
  CvxArrangementSet     s, e;
  TRY(CvxArrangementSetCreate(comm, n, d, X, &so, &s));
  TRY(CvxArrangementSetCreate(comm, n, d, X, &eo, &e));
  CHECK(!s.exact && e.exact, "%s: exact flags %d %d", what, (int)s.exact, (int)e.exact);
  uint64_t *sa = TestCheckSet(&s, what), *ea = TestCheckSet(&e, what);
  PetscInt  missing = 0;
  for (PetscInt j = 0; j < s.P; j++)
    if (TestFind(ea, e.P, e.words, sa + (size_t)j * s.words) < 0) missing++;
  CHECK(missing == 0, "%s: %d of %d sampled patterns are not in the exact set (P = %d)", what, (int)missing, (int)s.P,
        (int)e.P);
  CHECK(s.P <= e.P, "%s: sampled %d > exact %d", what, (int)s.P, (int)e.P);
  *Ps = s.P;
  *Pe = e.P;
  PetscFree(sa);
  PetscFree(ea);
  TRY(CvxArrangementSetDestroy(&s));
  TRY(CvxArrangementSetDestroy(&e));
}

int main(int argc, char **argv)
{
  PetscInt Ps, Pe;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  comm = PETSC_COMM_WORLD;

  /* the study's case: two million directions find most of the 872 */
  {
    double *X = TestGaussianData(30, 3, PETSC_TRUE, 2, 202);
    Compare(30, 3, X, 2000000, "n = 30, d = 2 + bias", &Ps, &Pe);
    CHECK(Pe == 872, "n = 30, d = 2 + bias: exact P = %d, want 872", (int)Pe);
    CHECK(Ps >= 800 && Ps <= 872, "n = 30, d = 2 + bias: sampling found %d of 872", (int)Ps);
    free(X);
  }

  /* d = 1 + bias: the cells are wide, sampling finds all 2n */
  {
    double *X = TestGaussianData(20, 2, PETSC_TRUE, 2, 203);
    Compare(20, 2, X, 200000, "n = 20, d = 1 + bias", &Ps, &Pe);
    CHECK(Pe == 40 && Ps >= 38, "n = 20, d = 1 + bias: sampled %d, exact %d (want 40)", (int)Ps, (int)Pe);
    free(X);
  }

  /* duplicate, opposite and zero rows: fewer patterns, still a superset */
  {
    const PetscInt n = 30;
    double        *X = TestGaussianData(n, 3, PETSC_TRUE, 5, 500);
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 4; i++) X[24 + i + c * n] = X[i + c * n];
      for (int i = 0; i < 2; i++) X[28 + i + c * n] = -X[4 + i + c * n];
      X[10 + c * n] = 0.0;
    }
    Compare(n, 3, X, 1000000, "duplicate rows", &Ps, &Pe);
    CHECK(Pe == TestCellBound(23, 3), "duplicate rows: exact P = %d, want %lld", (int)Pe, TestCellBound(23, 3));
    CHECK(Pe < 872 && Ps >= Pe * 9 / 10, "duplicate rows: sampled %d of %d", (int)Ps, (int)Pe);
    free(X);
  }

  /* integer rows: many planes through common lines */
  {
    const PetscInt n = 40;
    double        *X = malloc(sizeof(double) * 3 * n);
    CvxRng         rng;
    CvxRngInit(&rng, 11, CVX_STREAM_TEST, 640, 0);
    for (PetscInt i = 0; i < 3 * n; i++) X[i] = (double)((int)(CvxRngU32(&rng) % 5u) - 2);
    Compare(n, 3, X, 1000000, "integer rows", &Ps, &Pe);
    CHECK(Ps >= Pe * 9 / 10, "integer rows: sampled %d of %d", (int)Ps, (int)Pe);
    free(X);
  }

  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD);
  PetscFinalize();
  return failures ? 1 : 0;
}
