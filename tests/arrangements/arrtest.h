/* Helpers shared by the arrangements tests: failure reporting, test data
 * from the test stream, and set checks. Tests print only on failure. */
#ifndef CVXNN_TESTS_ARRTEST_H
#define CVXNN_TESTS_ARRTEST_H

#include "arrangements/arrangements.h"
#include "core/error.h"
#include "core/rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../common/check.h"

/* Aborts the test on an unexpected error code. */
#define TRY(call)                                                                       \
  do {                                                                                  \
    PetscErrorCode e_ = (call);                                                         \
    if (e_) {                                                                           \
      fprintf(stderr, "FAIL %s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #call,   \
              (int)e_, CvxErrorLastMessage());                                          \
      MPI_Abort(MPI_COMM_WORLD, 1);                                                     \
    }                                                                                   \
  } while (0)

/* n x d column-major Gaussian data (stream (seed, TEST, tag)); with bias the
 * last column is ones. */
static inline double *TestGaussianData(PetscInt n, PetscInt d, PetscBool bias, uint64_t seed, uint64_t tag)
{
  double *X = (double *)malloc(sizeof(double) * (size_t)n * (size_t)d);
  CvxRng  rng;
  CvxRngInit(&rng, seed, CVX_STREAM_TEST, tag, 0);
  for (PetscInt c = 0; c < d; c++)
    for (PetscInt i = 0; i < n; i++) X[i + (size_t)c * n] = (bias && c == d - 1) ? 1.0 : CvxRngNormal(&rng);
  return X;
}

/* 2 * sum_{k<r} C(n-1, k): the number of cells in general position. */
static inline long long TestCellBound(long long n, int r)
{
  long long sum = 0, c = 1;
  for (int k = 0; k < r; k++) {
    sum += c;
    c = c * (n - 1 - k) / (k + 1);
  }
  return 2 * sum;
}

/* Checks the set's invariants: even split, strictly ascending canonical
 * order, zero high bits. Returns the gathered patterns (free()-able with
 * PetscFree). Collective. */
static inline uint64_t *TestCheckSet(const CvxArrangementSet *set, const char *what)
{
  PetscMPIInt size, rank;
  uint64_t   *all;
  MPI_Comm_size(set->comm, &size);
  MPI_Comm_rank(set->comm, &rank);
  PetscInt base = set->P / size, extra = set->P % size;
  PetscInt want0 = rank * base + (rank < extra ? rank : extra);
  PetscInt want1 = want0 + base + (rank < extra ? 1 : 0);
  CHECK(set->rstart == want0 && set->rend == want1, "%s: rank %d range [%d, %d), want [%d, %d)", what, rank,
        (int)set->rstart, (int)set->rend, (int)want0, (int)want1);
  CHECK(set->words == (set->n + 63) / 64, "%s: words %d for n %d", what, (int)set->words, (int)set->n);
  TRY(CvxArrangementSetGatherAll(set, &all));
  for (PetscInt j = 1; j < set->P; j++)
    if (CvxPatternCompare(all + (size_t)(j - 1) * set->words, all + (size_t)j * set->words, set->words) >= 0) {
      CHECK(0, "%s: patterns %d and %d are not in strictly ascending order", what, (int)j - 1, (int)j);
      break;
    }
  if (set->n % 64)
    for (PetscInt j = 0; j < set->P; j++)
      if (all[(size_t)j * set->words + set->words - 1] >> (set->n % 64)) {
        CHECK(0, "%s: pattern %d has bits beyond n", what, (int)j);
        break;
      }
  return all;
}

/* Index of pattern p in the sorted array all (P patterns), or -1. */
static inline PetscInt TestFind(const uint64_t *all, PetscInt P, PetscInt words, const uint64_t *p)
{
  PetscInt lo = 0, hi = P;
  while (lo < hi) {
    PetscInt mid = lo + (hi - lo) / 2;
    int      c   = CvxPatternCompare(all + (size_t)mid * words, p, words);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

/* What max_patterns = cap must keep of the distinct patterns all[0..P)
 * (canonical order): the min(cap, P) with the smallest cap keys, ties by
 * the canonical order, returned in canonical order (malloc'd, *kept set).
 * A selection of its own (qsort of (key, index) pairs) against the
 * library's merge sort and bisection. */
typedef struct {
  uint64_t key;
  PetscInt idx;
} TestCapItem;
static inline int TestCapItemCompare(const void *pa, const void *pb)
{
  const TestCapItem *a = (const TestCapItem *)pa, *b = (const TestCapItem *)pb;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return a->idx < b->idx ? -1 : (a->idx > b->idx); /* all[] is canonical: index order is canonical order */
}
static inline int TestPInt(const void *pa, const void *pb)
{
  PetscInt a = *(const PetscInt *)pa, b = *(const PetscInt *)pb;
  return a < b ? -1 : (a > b);
}
static inline uint64_t *TestCapExpected(const uint64_t *all, PetscInt P, PetscInt words, PetscInt cap, PetscInt *kept)
{
  TestCapItem *it   = (TestCapItem *)malloc(sizeof(TestCapItem) * (size_t)(P + 1));
  PetscInt     keep = cap < P ? cap : P, *idx = (PetscInt *)malloc(sizeof(PetscInt) * (size_t)(keep + 1));
  uint64_t    *out  = (uint64_t *)malloc(sizeof(uint64_t) * (size_t)words * (size_t)(keep + 1));
  for (PetscInt j = 0; j < P; j++) {
    it[j].key = CvxPatternCapKey(all + (size_t)j * words, words);
    it[j].idx = j;
  }
  qsort(it, (size_t)P, sizeof(*it), TestCapItemCompare);
  for (PetscInt j = 0; j < keep; j++) idx[j] = it[j].idx;
  qsort(idx, (size_t)keep, sizeof(*idx), TestPInt);
  for (PetscInt j = 0; j < keep; j++)
    memcpy(out + (size_t)j * words, all + (size_t)idx[j] * words, sizeof(uint64_t) * (size_t)words);
  free(it);
  free(idx);
  *kept = keep;
  return out;
}

static inline CvxArrangementOptions TestOptions(CvxArrangementKind kind, uint64_t seed, int64_t samples,
                                                PetscInt max_patterns)
{
  CvxArrangementOptions o;
  memset(&o, 0, sizeof(o));
  o.kind         = kind;
  o.seed         = seed;
  o.samples      = samples;
  o.max_patterns = max_patterns;
  return o;
}

#endif
