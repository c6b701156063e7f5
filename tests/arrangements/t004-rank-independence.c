/* The same options give the same set in the same order for any number of
 * ranks: each set built on PETSC_COMM_WORLD is compared (checksum and every
 * word) with a reference built on PETSC_COMM_SELF by rank 0 in the same
 * run. Covers sample (one and three words per pattern, with and without a
 * cap), exact (rank 2, rank 3, degenerate), and CreateFromPatterns with
 * duplicates across ranks, all patterns on one rank, and no patterns. Run
 * with 1, 2, 3 and 4 ranks. */
#include "arrtest.h"

static PetscMPIInt rank, size;

typedef PetscErrorCode (*Builder)(MPI_Comm, void *, CvxArrangementSet *);

typedef struct {
  PetscInt              n, d;
  const double         *X;
  CvxArrangementOptions opt;
} Spec;

static PetscErrorCode BuildFromOptions(MPI_Comm comm, void *ctx, CvxArrangementSet *set)
{
  Spec *s = (Spec *)ctx;
  return CvxArrangementSetCreate(comm, s->n, s->d, s->X, &s->opt, set);
}

typedef struct {
  PetscInt        n, total, cap;
  const uint64_t *list; /* total patterns, with duplicates */
  int             mode; /* 0: overlapping slices, 1: all on the first rank, 2: none */
} ListSpec;

static PetscErrorCode BuildFromList(MPI_Comm comm, void *ctx, CvxArrangementSet *set)
{
  ListSpec   *s = (ListSpec *)ctx;
  PetscMPIInt r, sz;
  PetscInt    lo = 0, hi = 0, words = (s->n + 63) / 64;
  MPI_Comm_rank(comm, &r);
  MPI_Comm_size(comm, &sz);
  if (s->mode == 0) { /* slices overlap by a third so ranks share patterns */
    lo = (PetscInt)((int64_t)s->total * r / sz);
    hi = (PetscInt)PetscMin((int64_t)s->total, (int64_t)s->total * (r + 1) / sz + s->total / 3);
  } else if (s->mode == 1 && r == 0) hi = s->total;
  return CvxArrangementSetCreateFromPatterns(comm, s->n, hi - lo, s->list + (size_t)lo * words, s->cap, PETSC_FALSE,
                                             set);
}

static void Compare(const char *what, Builder build, void *ctx)
{
  CvxArrangementSet world, ref;
  uint64_t          sum, refsum = 0, *all;
  PetscInt          refP = -1;

  TRY(build(PETSC_COMM_WORLD, ctx, &world));
  TRY(CvxArrangementSetChecksum(&world, &sum));
  all = TestCheckSet(&world, what);
  if (rank == 0) {
    uint64_t *refall;
    TRY(build(PETSC_COMM_SELF, ctx, &ref));
    TRY(CvxArrangementSetChecksum(&ref, &refsum));
    refP = ref.P;
    CHECK(ref.P == world.P, "%s: P = %d on %d ranks, %d on one", what, (int)world.P, size, (int)ref.P);
    CHECK(ref.exact == world.exact, "%s: exact flag differs", what);
    TRY(CvxArrangementSetGatherAll(&ref, &refall));
    if (ref.P == world.P && ref.P > 0)
      CHECK(!memcmp(refall, all, sizeof(uint64_t) * (size_t)ref.P * ref.words), "%s: patterns differ from one rank's",
            what);
    PetscFree(refall);
    TRY(CvxArrangementSetDestroy(&ref));
  }
  if (MPI_Bcast(&refsum, 1, MPI_UINT64_T, 0, PETSC_COMM_WORLD) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 1);
  if (MPI_Bcast(&refP, 1, MPIU_INT, 0, PETSC_COMM_WORLD) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 1);
  CHECK(sum == refsum, "%s: rank %d: checksum %016llx on %d ranks, %016llx on one", what, rank,
        (unsigned long long)sum, size, (unsigned long long)refsum);
  CHECK(world.P == refP, "%s: rank %d sees P = %d, want %d", what, rank, (int)world.P, (int)refP);
  PetscFree(all);
  TRY(CvxArrangementSetDestroy(&world));
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);

  double *X3 = TestGaussianData(100, 3, PETSC_TRUE, 7, 1000);
  double *X6 = TestGaussianData(130, 6, PETSC_TRUE, 7, 1001);
  Spec    s;

  s = (Spec){100, 3, X3, TestOptions(CVX_ARRANGEMENT_SAMPLE, 7, 100000, 0)};
  Compare("sample n = 100, d = 3", BuildFromOptions, &s);
  s = (Spec){100, 3, X3, TestOptions(CVX_ARRANGEMENT_SAMPLE, 7, 100000, 500)};
  Compare("sample n = 100, d = 3, cap 500", BuildFromOptions, &s);
  s = (Spec){130, 6, X6, TestOptions(CVX_ARRANGEMENT_SAMPLE, 8, 30000, 0)};
  Compare("sample n = 130, d = 6", BuildFromOptions, &s);
  s = (Spec){130, 6, X6, TestOptions(CVX_ARRANGEMENT_SAMPLE, 8, 3, 0)};
  Compare("sample n = 130, d = 6, 3 directions", BuildFromOptions, &s);
  s = (Spec){60, 3, X3, TestOptions(CVX_ARRANGEMENT_EXACT, 0, 0, 0)};
  Compare("exact n = 60, d = 3", BuildFromOptions, &s);
  s = (Spec){75, 2, X6, TestOptions(CVX_ARRANGEMENT_EXACT, 0, 0, 0)};
  Compare("exact n = 75, d = 2", BuildFromOptions, &s);
  s = (Spec){130, 1, X6, TestOptions(CVX_ARRANGEMENT_EXACT, 0, 0, 0)};
  Compare("exact n = 130, d = 1", BuildFromOptions, &s);
  {
    double *Xi = malloc(sizeof(double) * 3 * 50);
    CvxRng  rng;
    CvxRngInit(&rng, 11, CVX_STREAM_TEST, 1002, 0);
    for (int i = 0; i < 150; i++) Xi[i] = (double)((int)(CvxRngU32(&rng) % 5u) - 2);
    s = (Spec){50, 3, Xi, TestOptions(CVX_ARRANGEMENT_EXACT, 0, 0, 0)};
    Compare("exact integer rows", BuildFromOptions, &s);
    free(Xi);
  }
  {
    const PetscInt n = 70, words = 2, total = 3000;
    uint64_t      *list = malloc(sizeof(uint64_t) * words * total);
    CvxRng         rng;
    CvxRngInit(&rng, 12, CVX_STREAM_TEST, 1003, 0);
    for (PetscInt j = 0; j < total; j++) {
      if (j % 4 == 3) { /* a repeat of an earlier pattern */
        memcpy(list + j * words, list + (CvxRngU32(&rng) % (uint32_t)j) * words, sizeof(uint64_t) * words);
        continue;
      }
      list[j * words]     = ((uint64_t)CvxRngU32(&rng) << 32) | CvxRngU32(&rng);
      list[j * words + 1] = CvxRngU32(&rng) & 0x3Fu; /* 6 of the 32 high bits: many share the high word */
    }
    ListSpec l = {n, total, 0, list, 0};
    Compare("patterns in overlapping slices", BuildFromList, &l);
    l.cap = 100;
    Compare("patterns in overlapping slices, cap 100", BuildFromList, &l);
    l.cap  = 0;
    l.mode = 1;
    Compare("patterns all on one rank", BuildFromList, &l);
    l.mode = 2;
    Compare("no patterns", BuildFromList, &l);
    free(list);
  }
  free(X3);
  free(X6);
  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD);
  PetscFinalize();
  return failures ? 1 : 0;
}
