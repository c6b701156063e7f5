/* Exact enumeration: on general-position data the number of patterns is the
 * bound 2 * sum_{k<r} C(n-1, k); ranks 0 and 1; rank-deficient, zero, tiny,
 * duplicate and opposite rows; degenerate integer data, whose cell count is
 * computed independently here with exact integer arithmetic (Euler's
 * formula on the sphere); rank > 3 is an input error; a stop request.
 * Any rank count. */
#include "arrtest.h"

#include <math.h>

static MPI_Comm comm;

/* Runs the exact method and returns P (-1 on error); checks the set. */
static PetscInt ExactCount(PetscInt n, PetscInt d, const double *X, const char *what, uint64_t **all_out)
{
  CvxArrangementOptions opt = TestOptions(CVX_ARRANGEMENT_EXACT, 0, 0, 0);
  CvxArrangementSet     set;
  TRY(CvxArrangementSetCreate(comm, n, d, X, &opt, &set));
  CHECK(set.exact, "%s: exact flag not set", what);
  CHECK(set.n == n, "%s: n %d", what, (int)set.n);
  uint64_t *all = TestCheckSet(&set, what);
  PetscInt  P   = set.P;
  if (all_out) *all_out = all;
  else PetscFree(all);
  TRY(CvxArrangementSetDestroy(&set));
  return P;
}

static long long Gcd(long long a, long long b)
{
  a = llabs(a);
  b = llabs(b);
  while (b) {
    long long t = a % b;
    a           = b;
    b           = t;
  }
  return a;
}

/* Scales an integer vector to its primitive form with the first nonzero entry positive. */
static void Primitive(long long v[3])
{
  long long g = Gcd(Gcd(v[0], v[1]), v[2]);
  if (g == 0) return;
  for (int c = 0; c < 3; c++) v[c] /= g;
  int f = v[0] ? 0 : (v[1] ? 1 : 2);
  if (v[f] < 0)
    for (int c = 0; c < 3; c++) v[c] = -v[c];
}

static int CmpVec(const void *x, const void *y)
{
  const long long *a = (const long long *)x, *b = (const long long *)y;
  for (int c = 0; c < 3; c++)
    if (a[c] != b[c]) return a[c] < b[c] ? -1 : 1;
  return 0;
}

/* Distinct primitive vectors among m (sorted in place); returns their count. */
static int Unique(long long *v, int m)
{
  int k = 0;
  qsort(v, (size_t)m, 3 * sizeof(long long), CmpVec);
  for (int i = 0; i < m; i++)
    if (k == 0 || CmpVec(v + 3 * (k - 1), v + 3 * i)) {
      memmove(v + 3 * k, v + 3 * i, 3 * sizeof(long long));
      k++;
    }
  return k;
}

/* Number of chambers of the central arrangement of the integer rows R (n x 3,
 * row-major) whose normals span R^3: on the sphere V - E + F = 2 with
 * E = sum_v m_v, so F = 2 + sum_v (m_v - 1), and the vertices come in
 * antipodal pairs, one pair per line where two distinct planes meet. */
static long long LatticeChambers(int n, const int *R)
{
  long long *pl = malloc(sizeof(long long) * 3 * (size_t)n), *ln;
  int        m  = 0, nl = 0;
  long long  F  = 2;
  for (int i = 0; i < n; i++) {
    long long v[3] = {R[3 * i], R[3 * i + 1], R[3 * i + 2]};
    if (!v[0] && !v[1] && !v[2]) continue;
    Primitive(v);
    memcpy(pl + 3 * m++, v, sizeof(v));
  }
  m  = Unique(pl, m);
  ln = malloc(sizeof(long long) * 3 * (size_t)(m * (m - 1) / 2 + 1));
  for (int p = 0; p < m; p++)
    for (int q = p + 1; q < m; q++) {
      const long long *a = pl + 3 * p, *b = pl + 3 * q;
      long long        c[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
      Primitive(c);
      memcpy(ln + 3 * nl++, c, sizeof(c));
    }
  nl = Unique(ln, nl);
  for (int l = 0; l < nl; l++) {
    int through = 0;
    for (int p = 0; p < m; p++)
      if (pl[3 * p] * ln[3 * l] + pl[3 * p + 1] * ln[3 * l + 1] + pl[3 * p + 2] * ln[3 * l + 2] == 0) through++;
    F += 2 * (through - 1);
  }
  free(pl);
  free(ln);
  return F;
}

/* Integer rows in [-k, k]^3 from the test stream, as doubles (n x 3 column-major). */
static double *LatticeData(int n, int k, uint64_t tag, int *R)
{
  double *X = malloc(sizeof(double) * 3 * (size_t)n);
  CvxRng  rng;
  CvxRngInit(&rng, 11, CVX_STREAM_TEST, tag, 0);
  for (int i = 0; i < n; i++)
    for (int c = 0; c < 3; c++) {
      R[3 * i + c]          = (int)(CvxRngU32(&rng) % (uint32_t)(2 * k + 1)) - k;
      X[i + (size_t)c * n] = R[3 * i + c];
    }
  return X;
}

static int asking, answered;

/* A stop request on the last rank only, from its first question on. */
static int StopOnLastRank(void)
{
  answered++;
  return asking;
}

/* A stop request during an enumeration of rank 2 or 3 (asked on the last
 * rank only) stops every rank: an empty set marked interrupted; the same
 * enumeration without a request gives the full set. */
static void StopRequest(PetscInt n, PetscInt dfeat)
{
  PetscMPIInt rank, size;
  char        what[96];
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  double               *X   = TestGaussianData(n, dfeat + 1, PETSC_TRUE, dfeat, 400 + n);
  CvxArrangementOptions opt = TestOptions(CVX_ARRANGEMENT_EXACT, 0, 0, 0);
  CvxArrangementSet     set;
  opt.interrupted = StopOnLastRank;
  for (int ask = 1; ask >= 0; ask--) {
    snprintf(what, sizeof(what), "d = %d + bias, n = %d, %s", (int)dfeat, (int)n,
             ask ? "stop requested" : "no request");
    asking   = ask && rank == size - 1;
    answered = 0;
    TRY(CvxArrangementSetCreate(comm, n, dfeat + 1, X, &opt, &set));
    if (ask) {
      CHECK(set.interrupted && set.P == 0 && set.rend == set.rstart, "%s: interrupted %d, P = %d", what,
            (int)set.interrupted, (int)set.P);
      CHECK(rank != size - 1 || answered >= 1, "%s: the request was never asked for", what);
    } else {
      CHECK(!set.interrupted && set.P == TestCellBound(n, dfeat + 1), "%s: P = %d, want %lld", what, (int)set.P,
            TestCellBound(n, dfeat + 1));
    }
    TRY(CvxArrangementSetDestroy(&set));
  }
  free(X);
}

int main(int argc, char **argv)
{
  char what[128];

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  comm = PETSC_COMM_WORLD;

  StopRequest(1000, 1);
  StopRequest(300, 2);

  /* d = 1 + bias: P = 2n */
  const PetscInt ns[] = {1, 2, 3, 5, 10, 37, 64, 100, 130};
  for (size_t t = 0; t < sizeof(ns) / sizeof(ns[0]); t++) {
    double *X = TestGaussianData(ns[t], 2, PETSC_TRUE, 1, 100 + t);
    snprintf(what, sizeof(what), "d = 1 + bias, n = %d", (int)ns[t]);
    PetscInt P = ExactCount(ns[t], 2, X, what, NULL);
    CHECK(P == 2 * ns[t], "%s: P = %d, want %d", what, (int)P, (int)(2 * ns[t]));
    free(X);
  }

  /* d = 2 + bias: n = 30 gives 872; also n = 3, 70 (two words) */
  const PetscInt ns3[] = {2, 3, 30, 70};
  for (size_t t = 0; t < sizeof(ns3) / sizeof(ns3[0]); t++) {
    double *X = TestGaussianData(ns3[t], 3, PETSC_TRUE, 2, 200 + t);
    snprintf(what, sizeof(what), "d = 2 + bias, n = %d", (int)ns3[t]);
    PetscInt  P    = ExactCount(ns3[t], 3, X, what, NULL);
    long long want = TestCellBound(ns3[t], ns3[t] < 3 ? (int)ns3[t] : 3);
    CHECK(P == want, "%s: P = %d, want %lld", what, (int)P, want);
    if (ns3[t] == 30) CHECK(P == 872, "n = 30, d = 2 + bias: P = %d, want 872", (int)P);
    free(X);
  }

  /* rank 1: one column without bias; the bias column alone; proportional columns */
  {
    const PetscInt n = 10;
    double        *X = TestGaussianData(n, 1, PETSC_FALSE, 3, 300);
    uint64_t      *all;
    PetscInt       P = ExactCount(n, 1, X, "rank 1, one column", &all);
    CHECK(P == 2, "rank 1, one column: P = %d, want 2", (int)P);
    if (P == 2) {
      uint64_t sign = 0;
      for (PetscInt i = 0; i < n; i++) sign |= (uint64_t)(X[i] >= 0) << i;
      CHECK((all[0] == sign && all[1] == (~sign & 0x3FF)) || (all[1] == sign && all[0] == (~sign & 0x3FF)),
            "rank 1: patterns %llx %llx are not the sign pattern %llx and its complement",
            (unsigned long long)all[0], (unsigned long long)all[1], (unsigned long long)sign);
    }
    PetscFree(all);
    for (PetscInt i = 0; i < n; i++) X[i] = 1.0;
    P = ExactCount(n, 1, X, "bias only", &all);
    CHECK(P == 2 && all[0] == 0 && all[1] == 0x3FF, "bias only: P = %d, want all-zeros and all-ones", (int)P);
    PetscFree(all);
    free(X);
    X = TestGaussianData(n, 2, PETSC_FALSE, 3, 301);
    for (PetscInt i = 0; i < n; i++) X[i + n] = -2.5 * X[i];
    P = ExactCount(n, 2, X, "proportional columns", NULL);
    CHECK(P == 2, "proportional columns: P = %d, want 2", (int)P);
    free(X);
  }

  /* rank 0: all rows zero gives the single all-ones pattern */
  {
    double   *X = calloc(12, sizeof(double));
    uint64_t *all;
    PetscInt  P = ExactCount(4, 3, X, "zero data", &all);
    CHECK(P == 1 && all[0] == 0xF, "zero data: P = %d, want one all-ones pattern", (int)P);
    PetscFree(all);
    free(X);
  }

  /* zero rows (bit always 1), tiny rows (count fully), rank-deficient and
   * wide rank-3 data */
  {
    const PetscInt n = 33;
    double        *X = TestGaussianData(n, 3, PETSC_TRUE, 4, 400);
    uint64_t      *all;
    for (int c = 0; c < 3; c++) X[5 + c * n] = X[17 + c * n] = X[32 + c * n] = 0.0;
    for (int c = 0; c < 3; c++) X[8 + c * n] *= 1e-200;
    PetscInt P = ExactCount(n, 3, X, "zero and tiny rows", &all);
    CHECK(P == 872, "zero and tiny rows: P = %d, want 872 (30 nonzero rows)", (int)P);
    for (PetscInt j = 0; j < P; j++) {
      if (!CvxPatternGetBit(all + j, 5) || !CvxPatternGetBit(all + j, 17) || !CvxPatternGetBit(all + j, 32)) {
        CHECK(0, "zero and tiny rows: pattern %d has a zero row inactive", (int)j);
        break;
      }
    }
    PetscFree(all);
    free(X);

    X = TestGaussianData(30, 3, PETSC_FALSE, 4, 401);
    for (PetscInt i = 0; i < 30; i++) X[i + 60] = 0.7 * X[i] - 1.3 * X[i + 30];
    P = ExactCount(30, 3, X, "d = 3 of rank 2", NULL);
    CHECK(P == 60, "d = 3 of rank 2: P = %d, want 60", (int)P);
    free(X);

    /* X = Z W with Z 30 x 3, W 3 x 6: rank 3 in 6 columns */
    double *Z = TestGaussianData(30, 3, PETSC_TRUE, 4, 402), *W = TestGaussianData(3, 6, PETSC_FALSE, 4, 403);
    X         = calloc(180, sizeof(double));
    for (int i = 0; i < 30; i++)
      for (int c = 0; c < 6; c++)
        for (int k = 0; k < 3; k++) X[i + 30 * c] += Z[i + 30 * k] * W[k + 3 * c];
    P = ExactCount(30, 6, X, "d = 6 of rank 3", NULL);
    CHECK(P == 872, "d = 6 of rank 3: P = %d, want 872", (int)P);
    free(X);
    free(Z);
    free(W);
  }

  /* duplicate and opposite rows: the same count as the distinct planes */
  {
    const PetscInt n = 30;
    double        *X = TestGaussianData(n, 3, PETSC_TRUE, 5, 500);
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 4; i++) X[24 + i + c * n] = X[i + c * n];           /* duplicates */
      for (int i = 0; i < 2; i++) X[28 + i + c * n] = -3.0 * X[4 + i + c * n]; /* opposite */
    }
    PetscInt P = ExactCount(n, 3, X, "duplicate rows", NULL);
    CHECK(P == TestCellBound(24, 3), "duplicate rows: P = %d, want %lld", (int)P, TestCellBound(24, 3));
    free(X);
  }

  /* degenerate integer data: many planes through common lines */
  for (int t = 0; t < 4; t++) {
    const int n = t < 2 ? 40 : 120, k = t % 2 ? 1 : 2;
    int      *R = malloc(sizeof(int) * 3 * (size_t)n);
    double   *X = LatticeData(n, k, 600 + (uint64_t)t, R);
    long long want = LatticeChambers(n, R);
    snprintf(what, sizeof(what), "integer rows in [-%d, %d]^3, n = %d", k, k, n);
    PetscInt P = ExactCount(n, 3, X, what, NULL);
    CHECK(P == want, "%s: P = %d, Euler count %lld", what, (int)P, want);
    free(X);
    free(R);
  }

  /* rank > 3: an input error on every rank, naming the way out */
  {
    CvxArrangementOptions opt = TestOptions(CVX_ARRANGEMENT_EXACT, 0, 0, 0);
    CvxArrangementSet     set;
    double               *X = TestGaussianData(20, 4, PETSC_TRUE, 6, 700);
    PetscErrorCode        e = CvxArrangementSetCreate(comm, 20, 4, X, &opt, &set);
    CHECK(e == CVX_ERR_INPUT, "rank 4: code %d, want CVX_ERR_INPUT", (int)e);
    CHECK(strstr(CvxErrorLastMessage(), "arrangements.method: sample") != NULL, "rank 4: message '%s'",
          CvxErrorLastMessage());
    free(X);
    X = TestGaussianData(50, 12, PETSC_TRUE, 6, 701);
    e = CvxArrangementSetCreate(comm, 50, 12, X, &opt, &set);
    CHECK(e == CVX_ERR_INPUT && strstr(CvxErrorLastMessage(), "rank at least 4"), "d = 12: code %d message '%s'",
          (int)e, CvxErrorLastMessage());
    X[7] = NAN;
    e    = CvxArrangementSetCreate(comm, 50, 12, X, &opt, &set);
    CHECK(e == CVX_ERR_DATA, "NaN data: code %d, want CVX_ERR_DATA", (int)e);
    free(X);
  }

  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD);
  PetscFinalize();
  return failures ? 1 : 0;
}
