/* Shared helpers of the convex solver tests: small random problems, pattern
 * sets built directly (sampled from 1[X g >= 0], deduplicated, canonical
 * order, contiguous ranges per rank), and the problem file read by the
 * cvxopt reference helper. Header-only; every function is static. */
#ifndef CVXNN_TESTS_CONVEX_PROBLEM_H
#define CVXNN_TESTS_CONVEX_PROBLEM_H

#include "arrangements/arrangements.h"
#include "core/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  PetscInt  n, d;  /* d includes the bias column when bias */
  PetscBool bias;
  double   *X, *y; /* n x d column-major, n */
  PetscInt  P, words;
  uint64_t *bits;  /* all P patterns, canonical order */
  double   *g;     /* d x P: a direction generating each pattern */
} TestProblem;

static inline int TestPatternCompare(const uint64_t *a, const uint64_t *b, PetscInt words)
{
  for (PetscInt w = words - 1; w >= 0; w--) {
    if (a[w] < b[w]) return -1;
    if (a[w] > b[w]) return 1;
  }
  return 0;
}

static PetscInt test_sort_words;
static const uint64_t *test_sort_bits;
static inline int TestSortCmp(const void *pa, const void *pb)
{
  PetscInt a = *(const PetscInt *)pa, b = *(const PetscInt *)pb;
  return TestPatternCompare(test_sort_bits + (size_t)a * test_sort_words, test_sort_bits + (size_t)b * test_sort_words,
                            test_sort_words);
}

static inline void TestPatternOf(const TestProblem *pr, const double *g, uint64_t *p)
{
  memset(p, 0, (size_t)pr->words * sizeof(uint64_t));
  for (PetscInt k = 0; k < pr->n; k++) {
    double s = 0;
    for (PetscInt j = 0; j < pr->d; j++) s += pr->X[k + j * pr->n] * g[j];
    if (s >= 0) p[k / 64] |= (uint64_t)1 << (k % 64);
  }
}

/* Deduplicates the candidate patterns cand (count ncand, with directions
 * gc), sorts them canonically and keeps at most maxP (first in order).
 * That is not the program's arrangements.max_patterns, which keeps the
 * patterns with the smallest cap keys: when maxP binds, the first patterns
 * in canonical order leave the high-index samples inactive in most of
 * them. The tests' programs are built this way on purpose (any pattern set
 * is a valid program, and their tolerances were chosen on them); a
 * problem meant to stand for a sampled program draws no more directions
 * than maxP (benchmark (d): 500 directions, 500 patterns). */
static inline void TestPatternsFinish(TestProblem *pr, uint64_t *cand, double *gc, PetscInt ncand, PetscInt maxP)
{
  PetscInt W = pr->words, *idx = (PetscInt *)malloc(sizeof(PetscInt) * (size_t)(ncand + 1)), P = 0;
  for (PetscInt s = 0; s < ncand; s++) idx[s] = s;
  test_sort_words = W;
  test_sort_bits  = cand;
  qsort(idx, (size_t)ncand, sizeof(PetscInt), TestSortCmp);
  pr->bits = (uint64_t *)malloc(sizeof(uint64_t) * (size_t)W * (size_t)(ncand + 1));
  pr->g    = (double *)malloc(sizeof(double) * (size_t)pr->d * (size_t)(ncand + 1));
  for (PetscInt s = 0; s < ncand && P < maxP; s++) {
    const uint64_t *p = cand + (size_t)idx[s] * W;
    if (P > 0 && TestPatternCompare(p, pr->bits + (size_t)(P - 1) * W, W) == 0) continue;
    memcpy(pr->bits + (size_t)P * W, p, sizeof(uint64_t) * (size_t)W);
    memcpy(pr->g + (size_t)P * pr->d, gc + (size_t)idx[s] * pr->d, sizeof(double) * (size_t)pr->d);
    P++;
  }
  pr->P = P;
  free(idx);
}

/* Random problem: X entries uniform in [-1, 1] (plus a ones column when
 * bias), labels y = sign of a random two-neuron network (or of a fixed
 * nonlinear rule), patterns from `samples` Gaussian directions (at most
 * maxP after deduplication). Streams keyed by seed only. */
static inline void TestProblemCreate(PetscInt n, PetscInt d_raw, PetscBool bias, PetscInt samples, PetscInt maxP,
                              uint64_t seed, TestProblem *pr)
{
  CvxRng rng;
  memset(pr, 0, sizeof(*pr));
  pr->n     = n;
  pr->bias  = bias;
  pr->d     = d_raw + (bias ? 1 : 0);
  pr->words = (n + 63) / 64;
  pr->X     = (double *)malloc(sizeof(double) * (size_t)n * (size_t)pr->d);
  pr->y     = (double *)malloc(sizeof(double) * (size_t)n);
  CvxRngInit(&rng, seed, CVX_STREAM_TEST, 1, 0);
  for (PetscInt j = 0; j < d_raw; j++)
    for (PetscInt k = 0; k < n; k++) pr->X[k + j * n] = 2.0 * CvxRngUniform(&rng) - 1.0;
  if (bias)
    for (PetscInt k = 0; k < n; k++) pr->X[k + d_raw * n] = 1.0;
  for (PetscInt k = 0; k < n; k++) {
    double r2 = 0;
    for (PetscInt j = 0; j < d_raw; j++) r2 += pr->X[k + j * n] * pr->X[k + j * n];
    double s = sqrt(r2) - 0.6 * sqrt((double)d_raw) + 0.3 * (CvxRngUniform(&rng) - 0.5);
    pr->y[k] = s > 0 ? 1.0 : -1.0;
  }
  uint64_t *cand = (uint64_t *)malloc(sizeof(uint64_t) * (size_t)pr->words * (size_t)samples);
  double   *gc   = (double *)malloc(sizeof(double) * (size_t)pr->d * (size_t)samples);
  CvxRngInit(&rng, seed, CVX_STREAM_TEST, 2, 0);
  for (PetscInt s = 0; s < samples; s++) {
    double *g = gc + (size_t)s * pr->d;
    CvxRngNormals(&rng, pr->d, g);
    TestPatternOf(pr, g, cand + (size_t)s * pr->words);
  }
  TestPatternsFinish(pr, cand, gc, samples, maxP);
  free(cand);
  free(gc);
}

/* Exact pattern set of points on a line (d_raw = 1, bias): all threshold
 * sets {x >= c} and {x <= c}; 2n patterns for distinct points. With
 * norm_rule, x ~ N(0, 1) and y = +1 when |x| > 1, else -1 (the program's
 * synthetic "norm" rule); otherwise x uniform in [-1, 1], random labels. */
static inline void TestProblemLine(PetscInt n, uint64_t seed, PetscBool norm_rule, TestProblem *pr)
{
  CvxRng rng;
  memset(pr, 0, sizeof(*pr));
  pr->n     = n;
  pr->bias  = PETSC_TRUE;
  pr->d     = 2;
  pr->words = (n + 63) / 64;
  pr->X     = (double *)malloc(sizeof(double) * (size_t)n * 2);
  pr->y     = (double *)malloc(sizeof(double) * (size_t)n);
  CvxRngInit(&rng, seed, CVX_STREAM_TEST, 3, 0);
  for (PetscInt k = 0; k < n; k++) {
    if (norm_rule) {
      pr->X[k] = CvxRngNormal(&rng);
      pr->y[k] = fabs(pr->X[k]) > 1.0 ? 1.0 : -1.0;
    } else {
      pr->X[k] = 2.0 * CvxRngUniform(&rng) - 1.0;
      pr->y[k] = CvxRngUniform(&rng) < 0.5 ? -1.0 : 1.0;
    }
    pr->X[k + n] = 1.0;
  }
  /* thresholds between sorted points (and beyond both ends), both senses */
  double *xs = (double *)malloc(sizeof(double) * (size_t)n);
  memcpy(xs, pr->X, sizeof(double) * (size_t)n);
  for (PetscInt a = 1; a < n; a++) { /* insertion sort */
    double v = xs[a];
    PetscInt b = a;
    while (b > 0 && xs[b - 1] > v) {
      xs[b] = xs[b - 1];
      b--;
    }
    xs[b] = v;
  }
  PetscInt  nc   = 2 * (n + 1);
  uint64_t *cand = (uint64_t *)malloc(sizeof(uint64_t) * (size_t)pr->words * (size_t)nc);
  double   *gc   = (double *)malloc(sizeof(double) * 2 * (size_t)nc);
  for (PetscInt t = 0; t <= n; t++) {
    double c = t == 0 ? xs[0] - 1.0 : (t == n ? xs[n - 1] + 1.0 : 0.5 * (xs[t - 1] + xs[t]));
    /* x >= c: g = (1, -c); x <= c: g = (-1, c) */
    double *g1 = gc + (size_t)(2 * t) * 2, *g2 = gc + (size_t)(2 * t + 1) * 2;
    g1[0] = 1.0;
    g1[1] = -c;
    g2[0] = -1.0;
    g2[1] = c;
    TestPatternOf(pr, g1, cand + (size_t)(2 * t) * pr->words);
    TestPatternOf(pr, g2, cand + (size_t)(2 * t + 1) * pr->words);
  }
  TestPatternsFinish(pr, cand, gc, nc, nc);
  free(cand);
  free(gc);
  free(xs);
}

static inline void TestProblemDestroy(TestProblem *pr)
{
  free(pr->X);
  free(pr->y);
  free(pr->bits);
  free(pr->g);
  memset(pr, 0, sizeof(*pr));
}

/* The contiguous block range of `rank` among `size` ranks (as even as
 * possible) and a set viewing the problem's patterns. */
static inline void TestSetView(const TestProblem *pr, MPI_Comm comm, CvxArrangementSet *set)
{
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  memset(set, 0, sizeof(*set));
  set->comm   = comm;
  set->n      = pr->n;
  set->words  = pr->words;
  set->P      = pr->P;
  set->rstart = (PetscInt)(((int64_t)pr->P * rank) / size);
  set->rend   = (PetscInt)(((int64_t)pr->P * (rank + 1)) / size);
  set->bits   = pr->bits + (size_t)set->rstart * pr->words;
  set->exact  = PETSC_FALSE;
}

/* Writes "n d P beta", then X row by row, y, and the patterns as 0/1 rows
 * (all with %.17g) for the reference solver. Returns 0 on success. */
static inline int TestProblemWrite(const TestProblem *pr, double beta, const char *path)
{
  FILE *f = fopen(path, "w");
  if (!f) return 1;
  fprintf(f, "%d %d %d %.17g\n", (int)pr->n, (int)pr->d, (int)pr->P, beta);
  for (PetscInt k = 0; k < pr->n; k++) {
    for (PetscInt j = 0; j < pr->d; j++) fprintf(f, "%.17g ", pr->X[k + j * pr->n]);
    fprintf(f, "\n");
  }
  for (PetscInt k = 0; k < pr->n; k++) fprintf(f, "%.17g\n", pr->y[k]);
  for (PetscInt i = 0; i < pr->P; i++) {
    const uint64_t *p = pr->bits + (size_t)i * pr->words;
    for (PetscInt k = 0; k < pr->n; k++) fputc(((p[k / 64] >> (k % 64)) & 1u) ? '1' : '0', f);
    fputc('\n', f);
  }
  return fclose(f) != 0;
}

#endif
